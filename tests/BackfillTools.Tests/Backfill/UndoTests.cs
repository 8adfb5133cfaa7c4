using BackfillTools.Core;
using BackfillTools.Core.Backfill;
using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Sql;
using BackfillTools.Core.Warehouse;
using Xunit;

namespace BackfillTools.Tests.Backfill;

/// <summary>
/// Undo-BackfillRun (issue #15 §1), run the same way on DuckDB (UndoTests) and on the fake BigQuery
/// (UndoOverBigQueryTests): each scenario compares every column of every row of the product's tables, as text, before
/// and after, so "restored" means byte for byte.
/// </summary>
internal static class UndoScenario
{
    public static readonly DateOnly D1 = new(2022, 12, 1), D2 = new(2022, 12, 2), D3 = new(2022, 12, 3);
    public static readonly DateOnly Feb23 = new(2023, 2, 23), Feb24 = new(2023, 2, 24);

    public static BackfillRequest Request(params ProcessorName[] processors) =>
        new() { StartDate = D1, EndDate = D3, Processors = processors };

    /// <summary>Every row of the five outputs and precompute_failures, every column, as sorted text.</summary>
    public static List<string> Snapshot(IWarehouse w) =>
        PrecomputeTables.All.Append(WarehouseSchema.PrecomputeFailures)
            .SelectMany(t => OwnershipScenario.Rows(w, t, "TRUE").Select(r => t.Name + ":" + r)).ToList();

    public static IReadOnlyList<UndoResult> Undo(IWarehouse w, string runId, bool force = false, SqlStatement? insideRestore = null) =>
        UndoService.Execute(w, BackfillLedger.NewRunId(), runId, force, new BackfillCallbacks(), CancellationToken.None, () => null, insideRestore);

    /// <summary>Test-Coverage's PSZA rows of D1..D3: which run's data each date holds.</summary>
    private static List<string?> HeldBy(IWarehouse w) =>
        CoverageValidator.Run(w, DateScope.Range(D1, D3), new CoverageOptions { Processors = new[] { ProcessorName.PSZA }, Layers = new[] { CoverageLayer.Precompute } })
            .Select(r => r.PublishedByRunId).ToList();

    /// <summary>
    /// Test-Coverage's PCF rows of the incident's dates as an operator reads them: status, reason, context source and its
    /// counts, the UPCG-sourced count (entity_context_sources) and which run's data each date holds.
    /// </summary>
    private static List<string> PcfCoverage(IWarehouse w)
    {
        var rows = CoverageValidator.Run(w, DateScope.Range(Feb23, Feb24), new CoverageOptions { Processors = new[] { ProcessorName.PCF }, Layers = new[] { CoverageLayer.Precompute } });
        var upcgSourced = w.Query($"SELECT analysis_date, COUNTIF(context_source = 'UPCG') AS n FROM {WarehouseSchema.EntityContextSources.Placeholder} " +
                                  "WHERE processor_name = 'PCF' GROUP BY analysis_date").AsRows().ToDictionary(r => r.GetDate("analysis_date"), r => r.GetInt64("n"));
        return rows.Select(r => $"{r.Date:yyyy-MM-dd} {r.Status} {r.Reason} source={r.Source} pgs={r.PgsPlayers} upcg={r.UpcgRows} " +
                                $"upcgSourced={upcgSourced.GetValueOrDefault(r.Date)} actual={r.Actual} heldBy={r.PublishedByRunId}").ToList();
    }

    /// <summary>The product's context logs, every column, as sorted text.</summary>
    public static List<string> ContextLogs(IWarehouse w) =>
        new[] { WarehouseSchema.ContextSourceLog, WarehouseSchema.EntityContextSources }
            .SelectMany(t => OwnershipScenario.Rows(w, t, "TRUE").Select(r => t.Name + ":" + r)).ToList();

    private static string Status(IWarehouse w, string runId) => new BackfillLedger(w).GetRun(runId)!.Status.ToString();

    /// <summary>A first-time publish undone: its rows disappear; a second undo changes nothing; the run reads Undone.</summary>
    public static void FirstTimePublish(IWarehouse w, Func<IWarehouse, BackfillRequest, BackfillResult[]> backfill)
    {
        var empty = Snapshot(w);
        var results = backfill(w, Request(ProcessorName.TDZA, ProcessorName.PSZA));
        var runId = results[0].RunId;
        Assert.Contains(results, r => r.Status == PartitionStatus.Published && r.RowsInserted > 0);
        Assert.NotEqual(empty, Snapshot(w));

        var preview = UndoService.Preview(w, runId);
        Assert.All(preview, p => Assert.Equal("WouldRestore", p.Status));
        Assert.Equal(results.Where(r => r.Status == PartitionStatus.Published).Sum(r => r.RowsInserted), preview.Sum(p => p.RowsRemoved));
        Assert.NotEqual(empty, Snapshot(w)); // the preview wrote nothing

        var undone = Undo(w, runId);
        Assert.Equal(preview.Select(p => (p.Processor, p.Date, p.RowsRemoved)), undone.Select(u => (u.Processor, u.Date, u.RowsRemoved)));
        Assert.Equal(empty, Snapshot(w));
        Assert.Equal(nameof(RunStatus.Undone), Status(w, runId));
        var undoRun = new BackfillLedger(w).GetRun(undone[0].UndoRunId!)!;
        Assert.Equal(RunStatus.Succeeded, undoRun.Status);
        Assert.Contains($"Undo of run {runId}", undoRun.Message);

        // The undo is not itself undone: refused by name, before anything is read or written.
        Assert.Equal(UndoService.RunIsAnUndoErrorId, Assert.Throws<BackfillException>(() => Undo(w, undoRun.RunId)).ErrorId);
        Assert.Equal(UndoService.RunIsAnUndoErrorId, Assert.Throws<BackfillException>(() => UndoService.Preview(w, undoRun.RunId)).ErrorId);
        Assert.Equal(runId, BackfillLedger.UndoOf(undoRun));
        // Again: nothing left, nothing written.
        var runsBefore = new BackfillLedger(w).GetRuns(null, null).Count;
        Assert.Empty(Undo(w, runId));
        Assert.Equal(empty, Snapshot(w));
        Assert.Equal(runsBefore, new BackfillLedger(w).GetRuns(null, null).Count);
    }

    /// <summary>
    /// A later run republished the dates: undoing the earlier run is refused (nothing written) and lists them; undoing
    /// the later run brings the earlier run's data back byte for byte; -Force then restores the earlier run's prior state.
    /// </summary>
    public static void AfterALaterRun(IWarehouse w, Func<IWarehouse, BackfillRequest, BackfillResult[]> backfill)
    {
        var empty = Snapshot(w);
        var first = backfill(w, Request(ProcessorName.PSZA))[0].RunId;
        // Someone edits the rows after the first run (stamping processed_at); the second run replaces the edit.
        w.Execute($"UPDATE {PrecomputeTables.Psza.Placeholder} SET paint_rate_last_10 = 0, processed_at = TIMESTAMP '2030-01-01 00:00:00' WHERE TRUE");
        var afterFirst = Snapshot(w);
        var second = backfill(w, Request(ProcessorName.PSZA))[0].RunId;
        Assert.NotEqual(afterFirst, Snapshot(w));
        var afterSecond = Snapshot(w);

        var refused = Assert.Throws<BackfillException>(() => Undo(w, first));
        Assert.Equal(UndoService.PartitionsChangedErrorId, refused.ErrorId);
        Assert.Contains(second, refused.Message);
        Assert.Contains($"{D1:yyyy-MM-dd} PSZA", refused.Message);
        Assert.Equal(afterSecond, Snapshot(w));
        Assert.NotEqual(nameof(RunStatus.Undone), Status(w, first));

        Assert.All(HeldBy(w), h => Assert.Equal(second, h));
        // The later run is undone cleanly: the first run's data is back, down to the last column, and Test-Coverage says so.
        Undo(w, second);
        Assert.Equal(afterFirst, Snapshot(w));
        Assert.All(HeldBy(w), h => Assert.Equal(first, h));
        Assert.Equal(nameof(RunStatus.Undone), Status(w, second));
        // The first run's dates are no longer republished (that run is undone), but its rows were edited since: still refused.
        Assert.Equal(UndoService.PartitionsChangedErrorId, Assert.Throws<BackfillException>(() => Undo(w, first)).ErrorId);
        var forced = Undo(w, first, force: true);
        Assert.All(forced, r => Assert.True(r.Forced && r.ChangedSince is not null, r.ToString()));
        Assert.Equal(empty, Snapshot(w));
        Assert.All(HeldBy(w), Assert.Null);
        Assert.Equal(forced.Count, w.ScalarInt64($"SELECT COUNT(*) FROM {WarehouseSchema.UndoLog.Placeholder} WHERE undone_run_id = @r AND forced",
            WarehouseExtensions.Params(("r", first))));
    }

    /// <summary>A run that published only some of its partitions is undone: exactly those partitions go back.</summary>
    public static void PartialRun(IWarehouse w, Func<IWarehouse, BackfillRequest, BackfillResult[]> backfill)
    {
        backfill(w, Request(ProcessorName.TDZA, ProcessorName.PSZA));
        // The second run publishes TDZA, then stops before PSZA's publish (partial).
        var ledger = new BackfillLedger(w);
        var request = Request(ProcessorName.TDZA, ProcessorName.PSZA);
        var plan = BackfillPlanner.Plan(w, request);
        var partialRun = BackfillLedger.NewRunId();
        ledger.StartRun(partialRun, request, plan, null, DateTime.UtcNow);
        w.Execute($"UPDATE {PrecomputeTables.Tdza.Placeholder} SET strongest_zone = 'before-partial' WHERE TRUE");
        w.Execute($"UPDATE {PrecomputeTables.Psza.Placeholder} SET data_hash = 'before-partial' WHERE TRUE");
        var before = Snapshot(w);
        var runner = new BackfillRunner(w, request, partialRun)
        {
            BeforePublish = (p, _) => { if (p == ProcessorName.PSZA) throw new OperationCanceledException("stopped"); },
        };
        Assert.ThrowsAny<OperationCanceledException>(() => runner.Execute(plan, CancellationToken.None));
        Assert.NotEqual(before, Snapshot(w));

        var undone = Undo(w, partialRun);
        Assert.All(undone, r => Assert.Equal(ProcessorName.TDZA, r.Processor));
        Assert.Equal(new[] { D1, D2, D3 }, undone.Select(r => r.Date).Order());
        Assert.All(undone, r => Assert.True(r.RowsRestored > 0));
        Assert.Equal(before, Snapshot(w));
    }

    /// <summary>
    /// A kill in the middle of an undo (the second batch's transaction fails): the first batch is restored whole, the
    /// second not at all; running the undo again completes it, and the result equals an undo that never stopped.
    /// </summary>
    public static void KilledUndo(IWarehouse w, Func<IWarehouse, BackfillRequest, BackfillResult[]> backfill)
    {
        var empty = Snapshot(w);
        var run = backfill(w, Request(ProcessorName.TDZA, ProcessorName.PSZA))[0].RunId;
        var published = Snapshot(w);
        // Fails only once an earlier batch of this undo has committed its undo-log rows: the second batch dies mid-transaction.
        var kill = $"SELECT CASE WHEN COUNT(*) > 0 THEN ERROR('simulated kill during undo') ELSE 0 END FROM {WarehouseSchema.UndoLog.Placeholder}";
        var ex = Assert.ThrowsAny<Exception>(() => Undo(w, run, insideRestore: kill));
        Assert.Contains("simulated kill during undo", ex.Message);
        // Per table: either wholly restored (empty) or wholly as published; never a partly restored date.
        var now = Snapshot(w);
        var tdza = now.Where(r => r.StartsWith(PrecomputeTables.Tdza.Name + ":", StringComparison.Ordinal)).ToList();
        var psza = now.Where(r => r.StartsWith(PrecomputeTables.Psza.Name + ":", StringComparison.Ordinal)).ToList();
        Assert.Empty(tdza);
        Assert.Equal(published.Where(r => r.StartsWith(PrecomputeTables.Psza.Name + ":", StringComparison.Ordinal)), psza);
        Assert.NotEqual(nameof(RunStatus.Undone), Status(w, run));

        var rest = Undo(w, run);
        Assert.All(rest, r => Assert.Equal(ProcessorName.PSZA, r.Processor));
        Assert.Equal(empty, Snapshot(w));
        Assert.Equal(nameof(RunStatus.Undone), Status(w, run));
        Assert.Empty(Undo(w, run));
    }

    /// <summary>
    /// Retention: three runs over the same dates leave three archived versions (the first run's as inserted keys in the
    /// narrow archive, the later runs' as updated rows in the wide one); pruning keeps the newest two, and only removes
    /// the third once it is older than the age limit, from both archives.
    /// </summary>
    public static void Pruning(IWarehouse w, Func<IWarehouse, BackfillRequest, BackfillResult[]> backfill)
    {
        var runs = Enumerable.Range(0, 3).Select(_ => backfill(w, Request(ProcessorName.TDZA))[0].RunId).ToList();
        var archive = PublishArchiveTables.For(PrecomputeTables.Tdza).Placeholder;
        var table = WarehouseExtensions.Params(("t", PrecomputeTables.Tdza.FullName));
        var insertedKeys = $"(SELECT {PublishArchiveTables.RunColumn} FROM {PublishArchiveTables.InsertedKeys.Placeholder} WHERE {PublishArchiveTables.InsertedTableColumn} = @t)";
        IEnumerable<string> RunsIn(string source) => w.Query($"SELECT DISTINCT {PublishArchiveTables.RunColumn} FROM {source} AS a", table).Rows.Select(r => (string)r[0]!).OrderBy(r => r);
        IReadOnlyList<string> Versions() => RunsIn(archive).Concat(RunsIn(insertedKeys)).Distinct().OrderBy(r => r).ToList();
        Assert.Equal(new[] { runs[0] }, RunsIn(insertedKeys));
        Assert.Equal(runs.Skip(1).OrderBy(r => r), RunsIn(archive));
        Assert.Equal(3, Versions().Count);
        // Young: nothing goes, whatever the count.
        Assert.Equal(0, PublishArchive.Prune(w, BackfillRules.ArchiveKeepVersions, BackfillRules.ArchiveKeepDays, DateTime.UtcNow));
        Assert.Equal(3, Versions().Count);
        // Forty days on: the oldest version beyond the newest two goes; those two stay, however old.
        var later = DateTime.UtcNow.AddDays(BackfillRules.ArchiveKeepDays + 10);
        Assert.True(PublishArchive.Prune(w, BackfillRules.ArchiveKeepVersions, BackfillRules.ArchiveKeepDays, later) > 0);
        Assert.Equal(runs.Skip(1).OrderBy(r => r), Versions());
        // Configurable: keep one.
        PublishArchive.Prune(w, 1, BackfillRules.ArchiveKeepDays, later);
        Assert.Equal(new[] { runs[2] }, Versions());
    }

    /// <summary>
    /// A replica whose PSZA table has the columns later production migrations add, with values: a row the undone run
    /// deleted comes back whole, migration columns included, and the rows it updated keep theirs (the product never
    /// writes them). The production table is only ever read for them; the archive has them.
    /// </summary>
    public static void MigrationColumnsComeBack(IWarehouse w, Func<IWarehouse, BackfillRequest, BackfillResult[]> backfill)
    {
        var psza = PrecomputeTables.Psza;
        var added = PublishArchiveTables.MigrationColumnsOf(psza);
        Assert.NotEmpty(added);
        foreach (var c in added) w.Execute($"ALTER TABLE {psza.Placeholder} ADD COLUMN IF NOT EXISTS {c.Name} {c.FullType}");
        backfill(w, Request(ProcessorName.PSZA));
        // Production's own processes fill the migration columns; one extra row in the product's scope is a key the next run drops.
        w.Execute($"UPDATE {psza.Placeholder} SET quality_score = 87.5, window_completeness = 0.9, processing_context = CONCAT('ctx:', player_lookup) WHERE TRUE");
        var columns = psza.ColumnNames.Concat(added.Select(c => c.Name)).ToList();
        w.Execute($"INSERT INTO {psza.Placeholder} ({string.Join(", ", columns)}) SELECT {string.Join(", ", columns.Select(c => c == "player_lookup" ? "'zz_dropped_player'" : c))} " +
                  $"FROM {psza.Placeholder} WHERE analysis_date = DATE '{D2:yyyy-MM-dd}' AND player_lookup = (SELECT MIN(player_lookup) FROM {psza.Placeholder} WHERE analysis_date = DATE '{D2:yyyy-MM-dd}')");
        var before = Snapshot(w);
        Assert.Contains(before, r => r.Contains("=zz_dropped_player", StringComparison.Ordinal) && r.Contains("=ctx:", StringComparison.Ordinal));

        var second = backfill(w, Request(ProcessorName.PSZA));
        Assert.Contains(second, r => r.Date == D2 && r.RowsDeleted == 1);
        Assert.DoesNotContain(Snapshot(w), r => r.Contains("=zz_dropped_player", StringComparison.Ordinal));

        var undone = Undo(w, second[0].RunId);
        Assert.Equal(1, undone.Sum(r => r.RowsReinserted));
        Assert.Equal(before, Snapshot(w));
    }

    /// <summary>
    /// A publish before schema migration 12 archived the keys it inserted as rows of the table's wide archive: its undo
    /// still removes them. The run's narrow archive rows are rewritten the old way (identifying columns, change
    /// 'inserted') and deleted, then the run is undone.
    /// </summary>
    public static void InsertedKeysArchivedTheOldWay(IWarehouse w, Func<IWarehouse, BackfillRequest, BackfillResult[]> backfill)
    {
        var empty = Snapshot(w);
        var run = backfill(w, Request(ProcessorName.TDZA, ProcessorName.PSZA))[0].RunId;
        var keys = PublishArchiveTables.InsertedKeys.Placeholder;
        foreach (var owned in new[] { ProcessorName.TDZA, ProcessorName.PSZA }.SelectMany(p => new[] { ProcessorCatalog.OutputOwnership(p), ProcessorCatalog.FailureOwnership(p) }))
        {
            var entity = owned.EntityColumn;
            var markers = owned.Markers.Select(m => (m.Column, Value: $"'{m.Value}'")).ToList();
            var scope = PublishArchive.ArchiveScope(owned);
            w.Execute($"INSERT INTO {PublishArchiveTables.For(owned.Table).Placeholder} ({owned.DateColumn}, {entity}{string.Concat(markers.Select(m => ", " + m.Column))}, " +
                      $"{PublishArchiveTables.RunColumn}, {PublishArchiveTables.ChangeColumn}, {PublishArchiveTables.ArchivedAtColumn}, {PublishArchiveTables.WrittenHashColumn}, {PublishArchiveTables.WrittenProcessedAtColumn}) " +
                      $"SELECT k.{PublishArchiveTables.InsertedDateColumn}, k.{PublishArchiveTables.InsertedEntityColumn}{string.Concat(markers.Select(m => ", " + m.Value))}, " +
                      $"k.{PublishArchiveTables.RunColumn}, '{PublishArchiveTables.Inserted}', k.{PublishArchiveTables.ArchivedAtColumn}, k.{PublishArchiveTables.WrittenHashColumn}, k.{PublishArchiveTables.WrittenProcessedAtColumn} " +
                      $"FROM {keys} AS k WHERE k.{PublishArchiveTables.InsertedTableColumn} = @t AND k.{PublishArchiveTables.InsertedScopeColumn} = @s",
                WarehouseExtensions.Params(("t", owned.Table.FullName), ("s", scope)));
        }
        Assert.True(w.ScalarInt64($"SELECT COUNT(*) FROM {keys}") > 0, "the run inserted keys");
        w.Execute($"DELETE FROM {keys} WHERE {PublishArchiveTables.RunColumn} = @r", WarehouseExtensions.Params(("r", run)));
        Assert.NotEqual(empty, Snapshot(w));

        var undone = Undo(w, run);
        Assert.Contains(undone, r => r.RowsRemoved > 0);
        Assert.Equal(empty, Snapshot(w));
    }

    /// <summary>
    /// precompute_failures holds every processor's rows, and PSZA and PDC fail some of the same players on the same
    /// dates: a run that republished both is undone to each processor's own earlier rows, never the other's.
    /// </summary>
    public static void FailuresOfTwoProcessorsOnOneKey(IWarehouse w, Func<IWarehouse, BackfillRequest, BackfillResult[]> backfill)
    {
        var all = Request(ProcessorName.TDZA, ProcessorName.PSZA, ProcessorName.PCF, ProcessorName.PDC);
        backfill(w, all);
        var shared = w.ScalarInt64($"SELECT COUNT(*) FROM (SELECT analysis_date, entity_id FROM {WarehouseSchema.PrecomputeFailures.Placeholder} " +
                                   "WHERE processor_name IN ('PSZA', 'PDC') GROUP BY analysis_date, entity_id HAVING COUNT(DISTINCT processor_name) = 2) AS k");
        Assert.True(shared > 0, "PSZA and PDC fail some of the same players on the same dates");
        var before = Snapshot(w);
        var again = backfill(w, all)[0].RunId;
        Assert.NotEqual(before, Snapshot(w));

        Undo(w, again);
        Assert.Equal(before, Snapshot(w));
    }

    /// <summary>
    /// Waivers are not runs: a waiver added before the run and one added after it are there, unchanged, after its undo
    /// (the waiver table compared column by column), while the run's rows are gone.
    /// </summary>
    public static void WaiversUntouched(IWarehouse w, Func<IWarehouse, BackfillRequest, BackfillResult[]> backfill)
    {
        var games = w.Query(GameIdConverter.LookupSql(Array.Empty<string>(), new[] { D1, D2 }))
            .AsRows().Select(r => r.GetString("game_id")!).Order(StringComparer.Ordinal).Take(2).ToList();
        Assert.Equal(2, games.Count);
        List<string> Waivers() => OwnershipScenario.Rows(w, WarehouseSchema.BackfillWaivers, "TRUE");
        var empty = Snapshot(w);
        BackfillWaivers.Add(w, new[] { games[0] }, "Box score lost upstream (before the run)");
        var run = backfill(w, Request(ProcessorName.TDZA, ProcessorName.PSZA))[0].RunId;
        BackfillWaivers.Add(w, new[] { games[1] }, "Box score lost upstream (after the run)");
        var waivers = Waivers();
        Assert.Equal(2, waivers.Count);

        Assert.NotEmpty(Undo(w, run));
        Assert.Equal(empty, Snapshot(w));
        Assert.Equal(waivers, Waivers());
        Assert.Equal(games, BackfillWaivers.Get(w).Select(x => x.GameId).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// The January incident replayed: a good backfill (synthetic context), then a bad one forced through with stale
    /// UPCG (-ContextSource ForceUpcg -MinCoverage 0); undoing the bad run brings the good data back byte for byte.
    /// </summary>
    public static void JanuaryIncident(IWarehouse w, Func<IWarehouse, BackfillRequest, BackfillResult[]> backfill)
    {
        var good = new BackfillRequest
        {
            StartDate = Feb23, EndDate = Feb24, Processors = new[] { ProcessorName.TDZA, ProcessorName.PSZA, ProcessorName.PCF },
        };
        var goodRun = backfill(w, good);
        Assert.All(goodRun.Where(r => r.Processor == ProcessorName.PCF), r => Assert.Equal("Synthetic", r.Source));
        var goodData = Snapshot(w);
        var goodLogs = ContextLogs(w);
        var goodCoverage = PcfCoverage(w);
        Assert.All(goodCoverage, c => Assert.Contains($"source=Synthetic", c));

        var bad = backfill(w, good with
        {
            Processors = new[] { ProcessorName.PCF }, MinCoverage = 0,
            ProcessorOptions = new ProcessorOptions { ContextSource = ContextSourceMode.ForceUpcg },
        });
        Assert.All(bad, r => Assert.Equal(PartitionStatus.Published, r.Status));
        Assert.Contains(bad, r => r.RowsDeleted > 0);
        Assert.NotEqual(goodData, Snapshot(w));
        Assert.NotEqual(goodCoverage, PcfCoverage(w));
        Assert.All(PcfCoverage(w), c => Assert.Contains("source=UPCG", c));

        var undone = Undo(w, bad[0].RunId);
        Assert.Equal(new[] { Feb23, Feb24 }, undone.Select(r => r.Date).Order());
        Assert.Equal(goodData, Snapshot(w));
        // The context logs are the good run's again, so Test-Coverage reads the good run's source, counts and run.
        Assert.Equal(goodLogs, ContextLogs(w));
        Assert.Equal(goodCoverage, PcfCoverage(w));
        Assert.All(PcfCoverage(w), c => Assert.EndsWith($"heldBy={goodRun[0].RunId}", c));
    }
}

public sealed class UndoTests : IClassFixture<SampleWarehouseFixture>
{
    private readonly SampleWarehouseFixture _fixture;

    public UndoTests(SampleWarehouseFixture fixture) => _fixture = fixture;

    private IWarehouse Open() => WarehouseService.Open(_fixture.NewCopy());

    private static BackfillResult[] Backfill(IWarehouse w, BackfillRequest r) => ScopedPublishTests.RunBackfill(w, r);

    [Fact] public void Undo_of_a_first_time_publish_removes_its_rows_on_DuckDB() { using var w = Open(); UndoScenario.FirstTimePublish(w, Backfill); }
    [Fact] public void Undo_after_a_later_run_is_refused_then_forced_on_DuckDB() { using var w = Open(); UndoScenario.AfterALaterRun(w, Backfill); }
    [Fact] public void Undo_of_a_partial_run_restores_what_it_published_on_DuckDB() { using var w = Open(); UndoScenario.PartialRun(w, Backfill); }
    [Fact] public void A_killed_undo_leaves_no_partly_restored_date_and_a_rerun_completes_it_on_DuckDB() { using var w = Open(); UndoScenario.KilledUndo(w, Backfill); }
    [Fact] public void The_archive_keeps_two_versions_and_prunes_older_ones_after_thirty_days_on_DuckDB() { using var w = Open(); UndoScenario.Pruning(w, Backfill); }
    [Fact] public void A_deleted_row_comes_back_with_the_columns_production_migrations_added_on_DuckDB() { using var w = Open(); UndoScenario.MigrationColumnsComeBack(w, Backfill); }
    [Fact] public void Waivers_added_before_and_after_a_run_survive_its_undo_unchanged_on_DuckDB() { using var w = Open(); UndoScenario.WaiversUntouched(w, Backfill); }
    [Fact] public void The_January_incident_is_undone_byte_for_byte_on_DuckDB() { using var w = Open(); UndoScenario.JanuaryIncident(w, Backfill); }
    [Fact] public void Keys_a_publish_before_schema_migration_12_inserted_are_still_removed_on_DuckDB() { using var w = Open(); UndoScenario.InsertedKeysArchivedTheOldWay(w, Backfill); }
    [Fact] public void Failure_rows_of_two_processors_with_one_key_are_each_restored_to_their_own_on_DuckDB() { using var w = Open(); UndoScenario.FailuresOfTwoProcessorsOnOneKey(w, Backfill); }

    [Fact]
    public void Undo_through_the_service_takes_the_backfill_lock_and_is_recorded_as_a_run()
    {
        var c = _fixture.NewCopy();
        var run = BackfillService.Run(c, UndoScenario.Request(ProcessorName.TDZA), BackfillMode.New, null, null, new BackfillCallbacks(), CancellationToken.None);
        var undone = UndoService.Run(c, run.RunId, force: false, new BackfillCallbacks(), CancellationToken.None);
        Assert.Equal(3, undone.Count);
        using var w = WarehouseService.Open(c);
        Assert.Equal(0, w.ScalarInt64($"SELECT COUNT(*) FROM {PrecomputeTables.Tdza.Placeholder}"));
        var ledger = new BackfillLedger(w);
        Assert.Equal(RunStatus.Undone, ledger.GetRun(run.RunId)!.Status);
        Assert.Equal(RunStatus.Succeeded, ledger.GetRun(undone[0].UndoRunId!)!.Status);
        Assert.Equal(BackfillLedger.NewRunId().Length, undone[0].UndoRunId!.Length);
        Assert.Equal(BackfillRules.ArchiveKeepVersions, new BackfillRequest().ArchiveKeepVersions);
    }

    [Fact]
    public void Undo_of_an_unknown_run_fails_with_RunNotFound()
    {
        using var w = Open();
        Assert.Equal("RunNotFound", Assert.Throws<BackfillException>(() => UndoService.Preview(w, "no-such-run")).ErrorId);
    }
}
