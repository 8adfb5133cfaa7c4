// Every floor of the house is in scope everywhere (the cmdlets link this file too); which floor may use which is enforced by
// tests/BackfillTools.Tests/Architecture/ArchitectureTests.cs, not by usings.
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
