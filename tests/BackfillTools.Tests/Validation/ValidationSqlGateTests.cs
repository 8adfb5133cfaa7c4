using BackfillTools.Core.Validation;
using BackfillTools.Core.Warehouse;
using BackfillTools.Tests.BigQuery;
using BackfillTools.Tests.Processors;
using Xunit;

namespace BackfillTools.Tests.Validation;

/// <summary>The validation SQL is portable: GoogleSQL per BigQuery's analyzer, and runnable on DuckDB.</summary>
public sealed class ValidationSqlGateTests
{
    [ZetaSqlFact]
    public void Validation_sql_is_valid_GoogleSQL()
    {
        var statements = ValidationSql.Catalog().Select(s => ZetaSqlGate.FromEntry(new RegisteredStatement(s.Name, s.Sql))).ToList();
        var results = ZetaSqlGate.Analyze(statements);
        var failures = results.Where(r => !r.Ok).Select(r => $"{r.Name}: {r.Error}").ToList();
        Assert.True(failures.Count == 0, "GoogleSQL errors:\n" + string.Join("\n", failures));
        Assert.Equal(statements.Count, results.Count);
    }

    [Fact]
    public void Validation_reads_run_on_DuckDB()
    {
        // Every read-only statement renders and runs on an empty DuckDB warehouse (the writes are covered elsewhere).
        using var db = new ProcessorTestDb();
        db.W.Execute("CREATE SCHEMA IF NOT EXISTS stage");
        foreach (var t in new[] { BackfillTools.Core.Schema.WarehouseSchema.ContextSourceLog, BackfillTools.Core.Schema.WarehouseSchema.PrecomputeFailures,
                     BackfillTools.Core.Schema.WarehouseSchema.UpcomingPlayerGameContext }.Concat(BackfillTools.Core.Schema.PrecomputeTables.All))
            db.W.EnsureTable(t.WithName("stage", t.Name));
        var reads = ValidationSql.Catalog().Where(s => !s.Name.Contains("Backup") && !s.Name.Contains("Delete") && !s.Name.Contains("Restore")).ToList();
        Assert.True(reads.Count > 40);
        foreach (var (name, sql) in reads)
        {
            var ex = Record.Exception(() => db.W.Query(sql));
            Assert.True(ex is null, $"{name}: {ex?.Message}");
        }
    }
}
