using System.Collections;
using System.Globalization;
using BackfillTools.Core.Backfill;
using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using Xunit;

namespace BackfillTools.Tests.Backfill;

/// <summary>
/// Publish replaces only what the product owns (issue #13 item 6), run the same way on DuckDB and on the fake BigQuery
/// (ScopedPublishOverBigQueryTests): production tables with a column the product does not compute, and foreign rows
/// (MLFS of another feature_version on the same dates, another processor's failure rows, dates outside the run).
/// </summary>
internal static class OwnershipScenario
{
    public static readonly DateOnly D1 = new(2022, 12, 1), D2 = new(2022, 12, 2), D3 = new(2022, 12, 3), Outside = new(2022, 11, 20);
    public const string ForeignColumn = "foreign_note";
    public const string OtherProcessor = "PlayerGameSummaryProcessor";
    public const string GoneEntity = "gone_entity";
    public const string ForeignVersion = "v2_54features";

    public static BackfillRequest Request => new() { StartDate = D1, EndDate = D3 };

    private static IEnumerable<(ProcessorDefinition Def, TableOwnership Owned)> Outputs =>
        ProcessorCatalog.All.Select(d => (d, ProcessorCatalog.OutputOwnership(d.Name)));

    private static string Lit(DateOnly d) => $"DATE '{d:yyyy-MM-dd}'";

    /// <summary>The product's rows of <paramref name="owned"/> on <paramref name="dates"/> (markers as literals: test SQL only).</summary>
    public static string InScope(TableOwnership owned, IEnumerable<DateOnly> dates) =>
        string.Join(" AND ", new[] { $"{owned.DateColumn} IN ({string.Join(", ", dates.Select(Lit).DefaultIfEmpty("DATE '1900-01-01'"))})" }
            .Concat(owned.Markers.Select(m => $"{m.Column} = '{m.Value}'")));

    /// <summary>Every row of a table matching <paramref name="where"/>, every column of the real table, as sorted text.</summary>
    public static List<string> Rows(IWarehouse w, TableDef table, string where) =>
        w.Query($"SELECT * FROM {table.Placeholder} WHERE {where}").Rows
            .Select(r => string.Join("|", r.Select(Text))).Order(StringComparer.Ordinal).ToList();

    private static string Text(object? v) => v switch
    {
        null => "NULL",
        string s => "=" + s,
        IFormattable f => "=" + f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable e => "[" + string.Join(",", e.Cast<object?>().Select(Text)) + "]",
        _ => "=" + v,
    };

    /// <summary>
    /// Backfill D1..D3, add foreign content, tamper with it, backfill again; then check the foreign content is intact and
    /// the product's scope is exactly the new result, with the counts of what changed. <paramref name="sameMlfsPlayers"/>:
    /// the other feature version's rows are for the very players and dates of the product's (a DuckDB table keyed on
    /// player and date cannot hold both, so there they get other players).
    /// </summary>
    public static void Run(IWarehouse w, Func<IWarehouse, BackfillRequest, BackfillResult[]> backfill, bool sameMlfsPlayers)
    {
        var failures = WarehouseSchema.PrecomputeFailures;
        // The production tables have a column the product does not compute.
        foreach (var t in Outputs.Select(o => o.Owned.Table).Append(failures))
            w.Execute($"ALTER TABLE {t.Placeholder} ADD COLUMN {ForeignColumn} STRING");

        var first = backfill(w, Request);
        var publishedDates = ProcessorCatalog.All.ToDictionary(d => d.Name,
            d => first.Where(r => r.Processor == d.Name && r.Status == PartitionStatus.Published).Select(r => r.Date).ToList());
        Assert.All(ProcessorCatalog.All, d => Assert.Contains(D2, publishedDates[d.Name]));
        Assert.All(ProcessorCatalog.All, d => Assert.Contains(D3, publishedDates[d.Name]));
        Assert.All(first.Where(r => r.Status == PartitionStatus.Published), r =>
            Assert.Equal((0L, r.Actual, 0L), (r.RowsUpdated, r.RowsInserted, r.RowsDeleted)));
        Assert.Contains(first, r => r.Status == PartitionStatus.Published && r.Actual > 0);
        Assert.Equal(0, w.ScalarInt64($"SELECT COUNT(*) FROM {PrecomputeTables.Mlfs.Placeholder} WHERE feature_version <> '{ProcessorCatalog.MlfsFeatureVersion}'"));

        var gone = new Dictionary<ProcessorName, long>();
        var tampered = new Dictionary<ProcessorName, string>();
        foreach (var (def, owned) in Outputs)
        {
            var t = owned.Table.Placeholder;
            // Rows of a date outside the run.
            Assert.True(w.Execute($"INSERT INTO {t} SELECT * REPLACE ({Lit(Outside)} AS {owned.DateColumn}) FROM {t} WHERE {InScope(owned, new[] { D2 })}") > 0);
            // Keys in scope that the next run will not produce.
            gone[def.Name] = w.Execute($"INSERT INTO {t} SELECT * REPLACE (CONCAT({def.EntityColumn}, '_gone') AS {def.EntityColumn}) FROM {t} " +
                                       $"WHERE {InScope(owned, new[] { D2 })} ORDER BY {def.EntityColumn} LIMIT 3");
            Assert.True(gone[def.Name] > 0);
        }
        var mlfs = ProcessorCatalog.OutputOwnership(ProcessorName.MLFS);
        var otherPlayers = sameMlfsPlayers ? "" : ", CONCAT(player_lookup, '_v54') AS player_lookup";
        Assert.True(w.Execute($"INSERT INTO {mlfs.Table.Placeholder} SELECT * REPLACE ('{ForeignVersion}' AS feature_version{otherPlayers}) " +
                              $"FROM {mlfs.Table.Placeholder} WHERE {InScope(mlfs, new[] { D1, D2, D3 })}") > 0);
        // Another processor's failure rows on the run's dates; each processor's own rows outside them, and in scope a key that vanishes.
        var failureRows = ProcessorCatalog.All.SelectMany(d => new[]
        {
            $"('{d.Name}', 'prod-run', {Lit(Outside)}, 'someone', 'INSUFFICIENT_DATA', 'not in the run', FALSE)",
            $"('{d.Name}', 'prod-run', {Lit(D2)}, '{GoneEntity}', 'INSUFFICIENT_DATA', 'vanishes', FALSE)",
        }).Concat(new[] { D1, D2, D3 }.Select(d => $"('{OtherProcessor}', 'prod-run', {Lit(d)}, 'someone', 'PROCESSING_ERROR', 'foreign', TRUE)"));
        w.Execute($"INSERT INTO {failures.Placeholder} (processor_name, run_id, analysis_date, entity_id, failure_category, failure_reason, can_retry) " +
                  $"VALUES {string.Join(", ", failureRows)}");
        // Production's values in the column the product does not own, on every row.
        foreach (var t in Outputs.Select(o => o.Owned.Table).Append(failures))
            w.Execute($"UPDATE {t.Placeholder} SET {ForeignColumn} = CONCAT('kept-', CAST({t.PartitionColumn} AS STRING)) WHERE TRUE");
        foreach (var (def, owned) in Outputs)
        {
            var t = owned.Table.Placeholder;
            // A key of D3 vanishes from the table: the next run inserts it again, with the foreign column NULL.
            Assert.Equal(1L, w.Execute($"DELETE FROM {t} WHERE {InScope(owned, new[] { D3 })} AND {def.EntityColumn} = " +
                                      $"(SELECT MIN({def.EntityColumn}) FROM {t} WHERE {InScope(owned, new[] { D3 })})"));
            // An owned column's value that the next run must replace on D1.
            tampered[def.Name] = owned.OwnedColumns.First(c => owned.Table.Column(c) is { Type: ColumnType.String, Nullable: true });
            w.Execute($"UPDATE {t} SET {tampered[def.Name]} = 'tampered' WHERE {InScope(owned, new[] { D1 })}");
        }

        string OutsideScopeOf(TableOwnership owned, ProcessorName p) => $"NOT ({InScope(owned, publishedDates[p])})";
        string OutsideFailureScope() => string.Join(" AND ", ProcessorCatalog.All.Select(d =>
            $"NOT ({InScope(ProcessorCatalog.FailureOwnership(d.Name), publishedDates[d.Name])})"));
        string FailureScope() => string.Join(" OR ", ProcessorCatalog.All.Select(d => $"({InScope(ProcessorCatalog.FailureOwnership(d.Name), publishedDates[d.Name])})"));
        var foreignBefore = Outputs.ToDictionary(o => o.Def.Name, o => Rows(w, o.Owned.Table, OutsideScopeOf(o.Owned, o.Def.Name)));
        var foreignFailuresBefore = Rows(w, failures, OutsideFailureScope());
        var survivingFailures = w.ScalarInt64($"SELECT COUNT(*) FROM {failures.Placeholder} WHERE ({FailureScope()}) AND entity_id <> '{GoneEntity}'");
        Assert.True(survivingFailures > 0, "the run's dates have failure rows of the product");
        Assert.Contains(foreignBefore[ProcessorName.MLFS], r => r.Contains("=" + ForeignVersion, StringComparison.Ordinal));
        Assert.Contains(foreignFailuresBefore, r => r.Contains("=" + OtherProcessor, StringComparison.Ordinal));

        var second = backfill(w, Request);
        Assert.Equal(first.Select(r => (r.Processor, r.Date, r.Status)), second.Select(r => (r.Processor, r.Date, r.Status)));
        foreach (var r in second.Where(r => r.Status == PartitionStatus.Published))
        {
            var inserted = r.Date == D3 ? 1L : 0L;
            var deleted = r.Date == D2 ? gone[r.Processor] : 0L;
            Assert.True((r.Actual - inserted, inserted, deleted) == (r.RowsUpdated, r.RowsInserted, r.RowsDeleted),
                $"{r}: expected updated/inserted/deleted {(r.Actual - inserted, inserted, deleted)}, got {(r.RowsUpdated, r.RowsInserted, r.RowsDeleted)}");
        }

        foreach (var (def, owned) in Outputs)
        {
            var p = def.Name;
            // Foreign rows are untouched, down to the last column.
            Assert.Equal(foreignBefore[p], Rows(w, owned.Table, OutsideScopeOf(owned, p)));
            var scope = InScope(owned, publishedDates[p]);
            var results = second.Where(r => r.Processor == p && r.Status == PartitionStatus.Published).ToList();
            long Count(string where) => w.ScalarInt64($"SELECT COUNT(*) FROM {owned.Table.Placeholder} WHERE {scope} AND {where}");
            Assert.Equal(results.Sum(r => r.Actual), Count("TRUE"));
            // Surviving rows keep the foreign column's value; new rows have it NULL; vanished keys are gone.
            Assert.Equal(results.Sum(r => r.RowsUpdated), Count($"{ForeignColumn} = CONCAT('kept-', CAST({owned.DateColumn} AS STRING))"));
            Assert.Equal(results.Sum(r => r.RowsInserted), Count($"{ForeignColumn} IS NULL"));
            Assert.Equal(0, Count($"{def.EntityColumn} LIKE '%_gone'"));
            // Owned columns were replaced on the surviving rows.
            Assert.Equal(0, Count($"{tampered[p]} = 'tampered'"));
        }

        Assert.Equal(foreignFailuresBefore, Rows(w, failures, OutsideFailureScope()));
        Assert.Equal(0, w.ScalarInt64($"SELECT COUNT(*) FROM {failures.Placeholder} WHERE entity_id = '{GoneEntity}' AND analysis_date = {Lit(D2)}"));
        Assert.Equal(0, w.ScalarInt64($"SELECT COUNT(*) FROM (SELECT processor_name, analysis_date, entity_id FROM {failures.Placeholder} " +
                                      "GROUP BY processor_name, analysis_date, entity_id HAVING COUNT(*) > 1) AS d"));
        // The product's failure rows all survived the re-run (same inputs, same keys) and kept the foreign column's value.
        Assert.Equal(survivingFailures, w.ScalarInt64($"SELECT COUNT(*) FROM {failures.Placeholder} WHERE ({FailureScope()}) " +
                                                      $"AND {ForeignColumn} = CONCAT('kept-', CAST(analysis_date AS STRING))"));
        Assert.Equal(survivingFailures, w.ScalarInt64($"SELECT COUNT(*) FROM {failures.Placeholder} WHERE ({FailureScope()})"));
    }
}

public sealed class ScopedPublishTests : IClassFixture<SampleWarehouseFixture>
{
    private readonly SampleWarehouseFixture _fixture;

    public ScopedPublishTests(SampleWarehouseFixture fixture) => _fixture = fixture;

    /// <summary>What Invoke-Backfill does for a new run, on a warehouse object: plan, ledger row, run.</summary>
    internal static BackfillResult[] RunBackfill(IWarehouse w, BackfillRequest request, Action<BackfillRunner>? configure = null)
    {
        var plan = BackfillPlanner.Plan(w, request);
        var runId = BackfillLedger.NewRunId();
        new BackfillLedger(w).StartRun(runId, request, plan, null, DateTime.UtcNow);
        var runner = new BackfillRunner(w, request, runId);
        configure?.Invoke(runner);
        return runner.Execute(plan, CancellationToken.None).ToArray();
    }

    [Fact]
    public void Publish_replaces_only_the_owned_columns_of_the_owned_rows_on_DuckDB()
    {
        using var w = WarehouseService.Open(_fixture.NewCopy());
        OwnershipScenario.Run(w, (x, r) => RunBackfill(x, r), sameMlfsPlayers: false);
    }

    [Fact]
    public void A_staged_duplicate_failure_key_is_published_once()
    {
        using var w = WarehouseService.Open(_fixture.NewCopy());
        var request = new BackfillRequest { StartDate = OwnershipScenario.D2, EndDate = OwnershipScenario.D2, Processors = new[] { ProcessorName.PSZA } };
        var failures = WarehouseSchema.PrecomputeFailures;
        long staged = 0;
        var results = RunBackfill(w, request, runner => runner.BeforePublish = (_, _) =>
        {
            var stage = Assert.Single(w.ExistingTables(), t => t.StartsWith($"{BackfillRunner.StagingDataset}.psza_failures_", StringComparison.Ordinal));
            staged = w.Execute($"INSERT INTO {{{{{stage}}}}} SELECT * FROM {{{{{stage}}}}} WHERE TRUE");
        });
        Assert.True(staged > 0, "the day has PSZA failure rows to duplicate");
        Assert.Equal(PartitionStatus.Published, Assert.Single(results).Status);
        Assert.Equal(staged, w.ScalarInt64($"SELECT COUNT(*) FROM {failures.Placeholder} WHERE processor_name = 'PSZA'"));
    }

    [Fact]
    public void Ownership_is_what_each_processor_writes_keyed_by_date_and_entity_with_MLFS_scoped_to_its_feature_version()
    {
        foreach (var def in ProcessorCatalog.All)
        {
            var processor = (SqlProcessor)ProcessorCatalog.Create(def.Name);
            var output = ProcessorCatalog.OutputOwnership(def.Name);
            Assert.Equal(new[] { def.DateColumn, def.EntityColumn }, output.Key);
            // The context columns travel in the staging rows to the product's own table, never to the output.
            var written = processor.ColumnsWrittenTo(SqlProcessor.StageRowsToken)
                .Where(c => !def.ContextColumns.Any(x => string.Equals(x.Name, c, StringComparison.OrdinalIgnoreCase)));
            Assert.Equal(written.Order(), output.InsertedColumns.Order());
            Assert.DoesNotContain(def.DateColumn, output.OwnedColumns);
            Assert.DoesNotContain(def.EntityColumn, output.OwnedColumns);
            // Every declared column the processor does not write is not owned (production tables add many more).
            Assert.All(output.OwnedColumns, c => def.Output.Column(c));

            var failures = ProcessorCatalog.FailureOwnership(def.Name);
            Assert.Equal(new[] { "analysis_date", "entity_id" }, failures.Key);
            Assert.Equal(new ScopeValue("processor_name", def.Name.ToString()), Assert.Single(failures.Markers));
            Assert.Contains("failure_category", failures.OwnedColumns);
        }
        var mlfs = ProcessorCatalog.OutputOwnership(ProcessorName.MLFS);
        Assert.Equal(new ScopeValue("feature_version", "v2_37features"), Assert.Single(mlfs.Markers));
        Assert.DoesNotContain("feature_version", mlfs.OwnedColumns);
        Assert.All(ProcessorCatalog.All.Where(d => d.Name != ProcessorName.MLFS), d => Assert.Empty(ProcessorCatalog.OutputOwnership(d.Name).Markers));
    }

    [Fact]
    public void Ownership_refuses_a_column_the_table_does_not_have_or_a_result_that_does_not_write_its_key()
    {
        var table = PrecomputeTables.Tdza;
        Assert.Throws<ArgumentException>(() => TableOwnership.FromWrittenColumns(table, "analysis_date", "team_abbr",
            Array.Empty<ScopeValue>(), new[] { "analysis_date", "team_abbr", "no_such_column" }));
        Assert.Throws<InvalidOperationException>(() => TableOwnership.FromWrittenColumns(table, "analysis_date", "team_abbr",
            Array.Empty<ScopeValue>(), new[] { "analysis_date", "strongest_zone" }));
    }
}
