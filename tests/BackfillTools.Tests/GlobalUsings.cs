// Every floor of Core is in scope in the tests (they test all of them).
global using BackfillTools.Core.Domain;
global using BackfillTools.Core.Warehouse;
global using BackfillTools.Core.Schema;
global using BackfillTools.Core.Sql;
global using BackfillTools.Core.Processors;
global using BackfillTools.Core.Accounting;
global using BackfillTools.Core.Ledger;
global using BackfillTools.Core.Backfill;
global using BackfillTools.Core.Validation;
global using BackfillTools.Core.Maintenance;
global using BackfillTools.Core.Reports;
global using BackfillTools.Samples;
