using BackfillTools.Core;
using BackfillTools.Core.Backfill;
using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using Xunit;

namespace BackfillTools.Tests.Backfill;

public sealed class BackfillRunnerTests : IClassFixture<SampleWarehouseFixture>
{
    private static readonly DateOnly Start = new(2022, 12, 1), End = new(2022, 12, 10);
    private readonly SampleWarehouseFixture _fixture;

    public BackfillRunnerTests(SampleWarehouseFixture fixture) => _fixture = fixture;

    private static BackfillRequest Range(params ProcessorName[] processors) => new()
    {
        StartDate = Start, EndDate = End, Processors = processors.Length == 0 ? Enum.GetValues<ProcessorName>() : processors,
    };

    private static long Count(WarehouseConnection c, string sql)
    {
        using var w = WarehouseService.Open(c);
        return Count(w, sql);
    }

    private static long Count(IWarehouse w, string sql) => w.ScalarInt64(sql);

    [Fact]
    public void Cancelling_before_a_publish_rolls_it_back_marks_the_rest_cancelled_and_resume_finishes()
    {
        var c = _fixture.NewCopy();
        using var cts = new CancellationTokenSource();
        var request = Range(ProcessorName.TDZA, ProcessorName.PSZA);
        Assert.ThrowsAny<OperationCanceledException>(() => BackfillService.Run(c, request, BackfillMode.New, null, null,
            new BackfillCallbacks(), cts.Token, runner => runner.BeforePublish = (p, _) => { if (p == ProcessorName.PSZA) cts.Cancel(); }));

        Assert.Equal(0, Count(c, $"SELECT COUNT(*) FROM {PrecomputeTables.Psza.Placeholder}"));
        Assert.True(Count(c, $"SELECT COUNT(*) FROM {PrecomputeTables.Tdza.Placeholder}") > 0);
        using (var w = WarehouseService.Open(c))
        {
            var run = new BackfillLedger(w).GetRuns(null, 1).Single();
            Assert.Equal(RunStatus.Cancelled, run.Status);
            Assert.True(run.Cancelled > 0);
            Assert.Equal(0, run.Pending);
        }

        using (var w = WarehouseService.Open(c))
        {
            var runId = new BackfillLedger(w).LatestRunId();
            w.Dispose();
            var summary = BackfillService.Run(c, Range() with { StartDate = null, EndDate = null, FromLedger = true, Processors = Enum.GetValues<ProcessorName>() },
                BackfillMode.Resume, runId, null, new BackfillCallbacks(), CancellationToken.None);
            Assert.Equal(runId, summary.RunId);
            Assert.All(summary.Results, r => Assert.Equal(ProcessorName.PSZA, r.Processor));
            Assert.All(summary.Results, r => Assert.Equal(PartitionStatus.Published, r.Status));
        }
        Assert.True(Count(c, $"SELECT COUNT(*) FROM {PrecomputeTables.Psza.Placeholder}") > 0);
    }

    [Fact]
    public void A_failure_inside_publish_leaves_no_partial_date_and_the_partitions_resumable()
    {
        var c = _fixture.NewCopy();
        var request = Range(ProcessorName.TDZA);
        // Injected inside the publish transaction, after its data statements: it fails only if it sees the rows the
        // transaction has just written, so it proves that the failure came after writes that must now be undone.
        var crash = $"SELECT CASE WHEN COUNT(*) > 0 THEN ERROR('simulated crash inside publish') ELSE 0 END FROM {PrecomputeTables.Tdza.Placeholder}";
        var ex = Assert.ThrowsAny<Exception>(() => BackfillService.Run(c, request, BackfillMode.New, null, null,
            new BackfillCallbacks(), CancellationToken.None, runner => runner.InsidePublish = crash));
        Assert.Contains("simulated crash inside publish", ex.Message);
        Assert.Equal(0, Count(c, $"SELECT COUNT(*) FROM {PrecomputeTables.Tdza.Placeholder}"));
        Assert.Equal(0, Count(c, $"SELECT COUNT(*) FROM {WarehouseSchema.BackfillPartitions.Placeholder} WHERE status = 'Published'"));
        Assert.Equal(0, Count(c, $"SELECT COUNT(*) FROM {WarehouseSchema.PublishLineage.Placeholder}"));

        string runId;
        using (var w = WarehouseService.Open(c))
        {
            var run = new BackfillLedger(w).GetRuns(null, 1).Single();
            runId = run.RunId;
            Assert.True(run.Cancelled > 0, "the partitions are left for -Resume");
        }
        var resumed = BackfillService.Run(c, Range(ProcessorName.TDZA) with { StartDate = null, EndDate = null, FromLedger = true },
            BackfillMode.Resume, runId, null, new BackfillCallbacks(), CancellationToken.None);
        Assert.Contains(resumed.Results, r => r.Status == PartitionStatus.Published);
        Assert.True(Count(c, $"SELECT COUNT(*) FROM {PrecomputeTables.Tdza.Placeholder}") > 0);
    }

    [Fact]
    public void Publish_records_which_run_wrote_each_table_and_date_and_each_row_s_context_in_the_product_s_tables()
    {
        var c = _fixture.NewCopy();
        var summary = BackfillService.Run(c, Range(ProcessorName.TDZA, ProcessorName.PSZA, ProcessorName.PCF), BackfillMode.New, null, null,
            new BackfillCallbacks(), CancellationToken.None);
        var published = summary.Results.Where(r => r.Status == PartitionStatus.Published).ToList();
        Assert.Contains(published, r => r.Processor == ProcessorName.PCF && r.RowsWritten > 0);
        using var w = WarehouseService.Open(c);
        var lineage = w.Query($"SELECT run_id, processor, table_name, partition_date, rows_published FROM {WarehouseSchema.PublishLineage.Placeholder}")
            .AsRows().ToDictionary(r => (r.GetString("processor")!, r.GetDate("partition_date")));
        Assert.Equal(published.Count, lineage.Count);
        foreach (var r in published)
        {
            var row = lineage[(r.Processor.ToString(), r.Date)];
            Assert.Equal((summary.RunId, ProcessorCatalog.Get(r.Processor).Output.FullName, r.RowsWritten),
                (row.GetString("run_id"), row.GetString("table_name"), row.GetInt64("rows_published")));
        }
        // One context row per published PCF row, same keys, naming the context the date's decision used.
        var mismatched = Count(w, $@"SELECT COUNT(*) FROM {PrecomputeTables.Pcf.Placeholder} p
FULL OUTER JOIN (SELECT * FROM {WarehouseSchema.EntityContextSources.Placeholder} WHERE processor_name = 'PCF') e
  ON e.analysis_date = p.game_date AND e.entity_id = p.player_lookup
LEFT JOIN {WarehouseSchema.ContextSourceLog.Placeholder} l ON l.processor_name = 'PCF' AND l.analysis_date = e.analysis_date
WHERE p.player_lookup IS NULL OR e.entity_id IS NULL OR e.run_id <> '{summary.RunId}'
   OR (e.context_source <> l.source AND NOT (l.source = 'UPCG' AND e.context_source = 'UPCG+roster'))");
        Assert.Equal(0, mismatched);
        Assert.True(Count(w, $"SELECT COUNT(*) FROM {WarehouseSchema.EntityContextSources.Placeholder} WHERE processor_name = 'PCF'") > 0);
        Assert.Equal(0, Count(w, $"SELECT COUNT(*) FROM {WarehouseSchema.EntityContextSources.Placeholder} WHERE processor_name IN ('TDZA', 'PSZA')"));
    }

    [Fact]
    public void A_chunks_scratch_tables_are_gone_once_it_is_published()
    {
        var c = _fixture.NewCopy();
        // Seen just before PSZA publishes: TDZA's chunk (computed and published before) must have left no scratch table.
        IReadOnlyList<string>? tdzaScratchAtPszaPublish = null, pszaScratchAtPszaPublish = null;
        BackfillService.Run(c, Range(ProcessorName.TDZA, ProcessorName.PSZA), BackfillMode.New, null, null, new BackfillCallbacks(),
            CancellationToken.None, runner => runner.BeforePublish = (p, _) =>
            {
                if (p != ProcessorName.PSZA) return;
                var staging = runner.Warehouse.ExistingTables().Where(t => t.StartsWith(BackfillRunner.StagingDataset + ".", StringComparison.OrdinalIgnoreCase)).ToList();
                tdzaScratchAtPszaPublish = staging.Where(t => t.Contains(".tdza_", StringComparison.OrdinalIgnoreCase)).ToList();
                pszaScratchAtPszaPublish = staging.Where(t => t.Contains(".psza_", StringComparison.OrdinalIgnoreCase)).ToList();
            });

        Assert.NotNull(tdzaScratchAtPszaPublish);
        Assert.Empty(tdzaScratchAtPszaPublish!);
        Assert.NotEmpty(pszaScratchAtPszaPublish!); // the hook did see the chunk in flight's own staging
        Assert.True(Count(c, $"SELECT COUNT(*) FROM {PrecomputeTables.Tdza.Placeholder}") > 0);
        Assert.True(Count(c, $"SELECT COUNT(*) FROM {PrecomputeTables.Psza.Placeholder}") > 0);
        using var w = WarehouseService.Open(c);
        Assert.DoesNotContain(w.ExistingTables(), t => t.StartsWith(BackfillRunner.StagingDataset + ".", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void A_run_whose_lock_was_taken_over_rolls_back_its_publish_stops_with_LockLost_and_stays_resumable()
    {
        var c = _fixture.NewCopy();
        var lockTable = WarehouseSchema.BackfillLock.Placeholder;
        // Another run takes the lock row over between PSZA's compute and its publish.
        var ex = Assert.Throws<BackfillException>(() => BackfillService.Run(c, Range(ProcessorName.TDZA, ProcessorName.PSZA), BackfillMode.New, null, null,
            new BackfillCallbacks(), CancellationToken.None, runner => runner.BeforePublish = (p, _) =>
            {
                if (p == ProcessorName.PSZA) runner.Warehouse.Execute($"UPDATE {lockTable} SET run_id = 'run-other', run_token = 'token-other'");
            }));
        Assert.Equal("LockLost", ex.ErrorId);
        Assert.Equal(ErrorKind.OperationStopped, ex.Kind);
        Assert.True(Count(c, $"SELECT COUNT(*) FROM {PrecomputeTables.Tdza.Placeholder}") > 0, "published while the lock was held");
        Assert.Equal(0, Count(c, $"SELECT COUNT(*) FROM {PrecomputeTables.Psza.Placeholder}"));
        Assert.Equal(1, Count(c, $"SELECT COUNT(*) FROM {lockTable} WHERE run_token = 'token-other'")); // the loser did not free the winner's lock

        string runId;
        using (var w = WarehouseService.Open(c))
        {
            var run = new BackfillLedger(w).GetRuns(null, 1).Single();
            runId = run.RunId;
            Assert.Equal(0, Count(w, $"SELECT COUNT(*) FROM {WarehouseSchema.BackfillPartitions.Placeholder} WHERE processor = 'PSZA' AND status = 'Published'"));
            Assert.NotEmpty(new BackfillLedger(w).Partitions(runId, PartitionStatus.Pending, PartitionStatus.Running, PartitionStatus.Cancelled));
        }
        var resumed = BackfillService.Run(c, Range() with { StartDate = null, EndDate = null, FromLedger = true },
            BackfillMode.Resume, runId, null, new BackfillCallbacks(), CancellationToken.None);
        Assert.All(resumed.Results, r => Assert.Equal(ProcessorName.PSZA, r.Processor));
        Assert.True(Count(c, $"SELECT COUNT(*) FROM {PrecomputeTables.Psza.Placeholder}") > 0);
    }

    [Fact]
    public async Task Two_runs_started_at_the_same_moment_one_proceeds_and_the_other_is_refused_with_the_holder_named()
    {
        var c = _fixture.NewCopy();
        var request = Range(ProcessorName.TDZA) with { StartDate = End, EndDate = End };
        using var barrier = new Barrier(2);
        object Start()
        {
            barrier.SignalAndWait(TimeSpan.FromSeconds(30));
            try { return BackfillService.Run(c, request, BackfillMode.New, null, null, new BackfillCallbacks(), CancellationToken.None); }
            catch (BackfillException ex) { return ex; }
        }
        // Bounded: a hang fails the test with a TimeoutException instead of stalling the suite.
        var ends = await Task.WhenAll(Task.Run(Start), Task.Run(Start)).WaitAsync(TimeSpan.FromMinutes(3));
        var proceeded = Assert.Single(ends.OfType<BackfillSummary>());
        var refused = Assert.Single(ends.OfType<BackfillException>());
        Assert.NotEmpty(proceeded.Results);
        Assert.Equal("BackfillInProgress", refused.ErrorId);
        Assert.Contains($"run {proceeded.RunId} on host {ToolInfo.Host} (process {Environment.ProcessId})", refused.Message);
    }

    [Fact]
    public void Publishing_a_date_again_replaces_it_without_stale_or_duplicate_rows()
    {
        var c = _fixture.NewCopy();
        BackfillService.Run(c, Range(ProcessorName.TDZA), BackfillMode.New, null, null, new BackfillCallbacks(), CancellationToken.None);
        var first = Count(c, $"SELECT COUNT(*) FROM {PrecomputeTables.Tdza.Placeholder}");
        // A stale entity that a re-run would not produce must disappear (the reference's MERGE kept it).
        using (var w = WarehouseService.Open(c))
            w.Execute($"INSERT INTO {PrecomputeTables.Tdza.Placeholder} (analysis_date, team_abbr, processed_at) VALUES (DATE '2022-12-05', 'ZZZ', CURRENT_TIMESTAMP)");
        BackfillService.Run(c, Range(ProcessorName.TDZA), BackfillMode.New, null, null, new BackfillCallbacks(), CancellationToken.None);
        Assert.Equal(first, Count(c, $"SELECT COUNT(*) FROM {PrecomputeTables.Tdza.Placeholder}"));
        Assert.Equal(0, Count(c, $"SELECT COUNT(*) FROM {PrecomputeTables.Tdza.Placeholder} WHERE team_abbr = 'ZZZ'"));
    }

    [Fact]
    public void ThrottleLimit_does_not_change_the_published_tables()
    {
        var one = _fixture.NewCopy();
        var four = _fixture.NewCopy();
        BackfillService.Run(one, Range() with { ThrottleLimit = 1 }, BackfillMode.New, null, null, new BackfillCallbacks(), CancellationToken.None);
        BackfillService.Run(four, Range() with { ThrottleLimit = 4 }, BackfillMode.New, null, null, new BackfillCallbacks(), CancellationToken.None);
        Assert.Equal(PublishedChecksum(one), PublishedChecksum(four));
    }

    [Fact]
    public void Under_a_memory_limit_the_run_stages_in_a_scratch_file_it_deletes_and_publishes_the_same_tables()
    {
        var unlimited = _fixture.NewCopy();
        var limited = _fixture.NewCopy() with { MemoryLimitMB = 512 };
        string? scratchDatabase = null, memoryLimit = null;
        var scratchFilesDuringPublish = new List<string>();
        BackfillService.Run(unlimited, Range(), BackfillMode.New, null, null, new BackfillCallbacks(), CancellationToken.None);
        var summary = BackfillService.Run(limited, Range() with { ThrottleLimit = BackfillRequest.DefaultThrottleLimitWithin(512) }, BackfillMode.New,
            null, null, new BackfillCallbacks(), CancellationToken.None, runner => runner.BeforePublish = (_, _) =>
            {
                scratchDatabase = runner.Warehouse.Query("SELECT path FROM duckdb_databases() WHERE database_name = 'backfilltools_scratch'")[0].GetString("path");
                memoryLimit = runner.Warehouse.Query("SELECT current_setting('memory_limit') AS v")[0].GetString("v");
                scratchFilesDuringPublish.AddRange(ScratchFilesBeside(limited.Path!));
            });

        Assert.Equal(RunStatus.Succeeded, summary.Status);
        Assert.Equal(1, BackfillRequest.DefaultThrottleLimitWithin(512));
        Assert.NotNull(scratchDatabase);
        Assert.StartsWith(limited.Path + ".backfilltools-scratch-", scratchDatabase);
        Assert.Contains(scratchDatabase, scratchFilesDuringPublish);
        Assert.StartsWith("488", memoryLimit); // DuckDB reports 512 MB in MiB: 488.2 MiB
        Assert.Empty(ScratchFilesBeside(limited.Path!));
        Assert.Equal(PublishedChecksum(unlimited), PublishedChecksum(limited));
    }

    /// <summary>The checksums of the five output tables, for comparing what two runs published.</summary>
    private static string PublishedChecksum(WarehouseConnection conn)
    {
        using var w = WarehouseService.Open(conn);
        return string.Join("|", PrecomputeTables.All.Select(t => Warehouse.TableChecksum.Of(w, t)));
    }

    private static IEnumerable<string> ScratchFilesBeside(string warehousePath) =>
        Directory.EnumerateFiles(Path.GetDirectoryName(warehousePath)!, Path.GetFileName(warehousePath) + ".backfilltools-scratch-*");

    [Fact]
    public void The_per_date_baseline_publishes_the_same_rows_as_the_set_based_run()
    {
        var setBased = _fixture.NewCopy();
        var perDate = _fixture.NewCopy();
        var request = Range(ProcessorName.TDZA, ProcessorName.PSZA, ProcessorName.PCF) with { StartDate = new DateOnly(2022, 12, 1), EndDate = new DateOnly(2022, 12, 4) };
        var a = BackfillService.Run(setBased, request, BackfillMode.New, null, null, new BackfillCallbacks(), CancellationToken.None);
        var b = BackfillService.Run(perDate, request with { DatesPerChunk = 1 }, BackfillMode.New, null, null, new BackfillCallbacks(), CancellationToken.None);
        Assert.Equal(a.Results.Select(r => (r.Date, r.Processor, r.Status, r.Actual, r.Accounted)),
                     b.Results.Select(r => (r.Date, r.Processor, r.Status, r.Actual, r.Accounted)));
    }

    [Fact]
    public void Validation_rejects_bad_requests_before_anything_is_written()
    {
        var today = new DateOnly(2024, 6, 1);
        void Bad(string id, BackfillRequest r) => Assert.Equal(id, Assert.Throws<BackfillException>(r.Validate).ErrorId);
        Bad("InvalidDateRange", new BackfillRequest { StartDate = End, EndDate = Start, Today = today });
        Bad("FutureDate", new BackfillRequest { StartDate = Start, EndDate = new DateOnly(2024, 6, 2), Today = today });
        Bad("InvalidThreshold", new BackfillRequest { StartDate = Start, EndDate = End, MinCoverage = 95, WarnCoverage = 90, Today = today });
        Bad("InvalidThreshold", new BackfillRequest { StartDate = Start, EndDate = End, MinCoverage = double.NaN, Today = today });
        Bad("InvalidSeason", new BackfillRequest { Seasons = new[] { "22-23" }, Today = today });
        Bad("FutureDate", new BackfillRequest { Seasons = new[] { "2024-25" }, Today = today });
        Bad("NoDates", new BackfillRequest { Today = today });
        Bad("NoDates", new BackfillRequest { StartDate = Start, EndDate = End, Seasons = new[] { "2022-23" }, Today = today });
        Bad("NoProcessor", new BackfillRequest { StartDate = Start, EndDate = End, Processors = Array.Empty<ProcessorName>(), Today = today });
    }

    [Fact]
    public void The_alert_lists_at_most_ten_partitions_and_counts_the_rest()
    {
        var problems = Enumerable.Range(0, 13).Select(i => new BackfillResult
        {
            RunId = "r1", Date = Start.AddDays(i), Season = "2022-23", Processor = ProcessorName.PCF, Status = PartitionStatus.Quarantined,
            CoveragePct = 12.5, ErrorCategory = "CoverageBelowThreshold",
        }).ToList();
        var text = AlertSender.BuildText("r1", problems, 100);
        Assert.Equal(10, text.Split('\n').Count(l => l.StartsWith('•')));
        Assert.Contains("… and 3 more", text);
        Assert.Contains("2022-12-01 PCF: Quarantined, coverage 12.5% (CoverageBelowThreshold)", text);
    }
}
