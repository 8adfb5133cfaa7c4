global using BackfillTools.Core.Domain;
global using BackfillTools.Core.Warehouse;
global using BackfillTools.Core.Schema;
