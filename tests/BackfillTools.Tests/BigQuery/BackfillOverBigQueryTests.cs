using BackfillTools.Core;
using BackfillTools.Core.Backfill;
using BackfillTools.Core.Processors;
using BackfillTools.Samples;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Validation;
using BackfillTools.Core.Warehouse;
using Xunit;
using Xunit.Abstractions;

namespace BackfillTools.Tests.BigQuery;

/// <summary>The January incident replayed through the BigQuery adapter (over the fake service): same runner, same SQL.</summary>
public sealed class BackfillOverBigQueryTests : IDisposable
{
    private FakeBigQuery? _fake;
    private readonly ITestOutputHelper _output;

    public BackfillOverBigQueryTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _fake?.Dispose();

    /// <summary>A fake (small pages, a poll before each job completes) holding the migrated warehouse and the 2022-23 league.</summary>
    private FakeBigQuery League(params string[] scenarios) => _fake = FakeBigQueryLeague.Season2022(scenarios);

    /// <summary>What Invoke-Backfill does for a new run, on a warehouse object: plan, ledger row, run.</summary>
    internal static BackfillResult[] RunBackfill(IWarehouse w, BackfillRequest request)
    {
        var plan = BackfillPlanner.Plan(w, request);
        var runId = BackfillLedger.NewRunId();
        new BackfillLedger(w).StartRun(runId, request, plan, null, DateTime.UtcNow);
        return new BackfillRunner(w, request, runId).Execute(plan, CancellationToken.None).ToArray();
    }

    [Fact]
    public void The_incident_replay_publishes_synthetic_context_and_the_gate_quarantines_forced_UPCG()
    {
        using var w = BigQueryTestHost.Open(League("StaleUpcg"));
        var before = w.Jobs.TotalJobs;

        BackfillResult[] Run(BackfillRequest request) => RunBackfill(w, request);

        var request = new BackfillRequest
        {
            StartDate = new DateOnly(2023, 2, 23), EndDate = new DateOnly(2023, 2, 24),
            Processors = new[] { ProcessorName.TDZA, ProcessorName.PSZA, ProcessorName.PCF },
        };
        var results = Run(request);
        var pcf = results.Where(r => r.Processor == ProcessorName.PCF).ToList();
        Assert.Equal(2, pcf.Count);
        Assert.All(pcf, r =>
        {
            Assert.Equal(PartitionStatus.Published, r.Status);
            Assert.Equal("Synthetic", r.Source);
            Assert.Equal(100, r.CoveragePct);
        });
        Assert.Equal(new long?[] { 1, 68 }, pcf.OrderBy(r => r.Date).Select(r => r.UpcgRows));
        var jobs = w.Jobs.TotalJobs - before;
        _output.WriteLine($"jobs for 3 processors x 2 dates: {jobs} ({string.Join(", ", w.Jobs.Snapshot().Select(kv => $"{kv.Key}={kv.Value}"))})");

        var published = w.ScalarInt64($"SELECT COUNT(*) FROM {PrecomputeTables.Pcf.Placeholder}");
        var forced = Run(request with { Processors = new[] { ProcessorName.PCF }, ProcessorOptions = new ProcessorOptions { ContextSource = ContextSourceMode.ForceUpcg } });
        Assert.All(forced, r => Assert.Equal(PartitionStatus.Quarantined, r.Status));
        Assert.Equal(published, w.ScalarInt64($"SELECT COUNT(*) FROM {PrecomputeTables.Pcf.Placeholder}"));
    }

    [Fact]
    public void A_run_that_lost_its_lock_or_outlived_its_lease_publishes_nothing_more_and_stays_resumable()
    {
        using var w = BigQueryTestHost.Open(League(), pageSize: 1000);
        var lockTable = WarehouseSchema.BackfillLock.Placeholder;
        var ledger = new BackfillLedger(w);
        var now = DateTime.UtcNow;

        // Starts a run holding the lock row (clock under test control) and runs it with a hook before each publish.
        (BackfillException Error, string RunId) RunUntilStopped(BackfillRequest request, Action<ProcessorName> beforePublish)
        {
            using var held = WarehouseLock.Acquire(w, LockHolder.Current("r", now), CancellationToken.None, WarehouseLock.DefaultLease, () => now);
            var plan = BackfillPlanner.Plan(w, request);
            var runId = BackfillLedger.NewRunId();
            ledger.StartRun(runId, request, plan, null, now);
            var runner = new BackfillRunner(w, request, runId) { Fence = held, BeforePublish = (p, _) => beforePublish(p) };
            return (Assert.Throws<BackfillException>(() => runner.Execute(plan, CancellationToken.None)), runId);
        }
        long Rows(TableDef t, string lo, string hi) =>
            w.ScalarInt64($"SELECT COUNT(*) FROM {t.Placeholder} WHERE analysis_date BETWEEN DATE '{lo}' AND DATE '{hi}'");

        // 1. Another run takes the row over between PSZA's compute and its publish: the fenced transaction rolls back.
        var takeOver = new BackfillRequest
        {
            StartDate = new DateOnly(2022, 12, 1), EndDate = new DateOnly(2022, 12, 2), Processors = new[] { ProcessorName.TDZA, ProcessorName.PSZA },
        };
        var (lost, lostRun) = RunUntilStopped(takeOver, p =>
        {
            if (p == ProcessorName.PSZA) w.Execute($"UPDATE {lockTable} SET run_id = 'run-other', run_token = 'token-other' WHERE lock_name = 'backfill'");
        });
        Assert.Equal("LockLost", lost.ErrorId);
        Assert.True(Rows(PrecomputeTables.Tdza, "2022-12-01", "2022-12-02") > 0);
        Assert.Equal(0, Rows(PrecomputeTables.Psza, "2022-12-01", "2022-12-02"));
        Assert.Equal("run-other", w.Query($"SELECT run_id FROM {lockTable}").AsRows().Single().GetString("run_id"));
        Assert.NotEmpty(ledger.Partitions(lostRun, PartitionStatus.Pending, PartitionStatus.Running, PartitionStatus.Cancelled));

        // 2. The heartbeat has not been renewed for longer than the lease: the run stops before its next publish.
        w.Execute($"UPDATE {lockTable} SET run_id = NULL, run_token = NULL, heartbeat_at = NULL WHERE lock_name = 'backfill'");
        var late = takeOver with { StartDate = new DateOnly(2022, 12, 5), EndDate = new DateOnly(2022, 12, 6), Processors = new[] { ProcessorName.TDZA } };
        var (expired, expiredRun) = RunUntilStopped(late, _ => now += WarehouseLock.DefaultLease + TimeSpan.FromMinutes(1));
        Assert.Equal("LeaseExpired", expired.ErrorId);
        Assert.Equal(0, Rows(PrecomputeTables.Tdza, "2022-12-05", "2022-12-06"));
        var resumable = ledger.Partitions(expiredRun, PartitionStatus.Pending, PartitionStatus.Running, PartitionStatus.Cancelled);
        Assert.NotEmpty(resumable);
        Assert.All(resumable, p => Assert.Equal(ProcessorName.TDZA, p.Processor));

        // Resumed under a fresh lock, the same partitions publish.
        using (var again = WarehouseLock.Acquire(w, LockHolder.Current(expiredRun, now)))
            new BackfillRunner(w, late with { FromLedger = true }, expiredRun) { Fence = again }.Execute(resumable, CancellationToken.None);
        Assert.True(Rows(PrecomputeTables.Tdza, "2022-12-05", "2022-12-06") > 0);
    }

    [Fact]
    public void A_game_missing_from_Phase3_fails_its_date_and_a_waiver_publishes_it()
    {
        using var w = BigQueryTestHost.Open(League());
        // 2023-01-10 has 7 games; BOS @ POR (0022200617) loses its 31 player_game_summary rows.
        Assert.Equal(31, w.Execute($"DELETE FROM {WarehouseSchema.PlayerGameSummary.Placeholder} WHERE game_id = '20230110_BOS_POR'"));
        var day = new DateOnly(2023, 1, 10);
        var request = new BackfillRequest
        {
            StartDate = day, EndDate = day, Force = true, SkipPreflight = true,
            Processors = new[] { ProcessorName.TDZA, ProcessorName.PSZA, ProcessorName.PCF },
        };

        var failed = RunBackfill(w, request).Where(r => r.Processor != ProcessorName.TDZA).ToList();
        Assert.Equal(2, failed.Count);
        Assert.All(failed, r =>
        {
            Assert.Equal(PartitionStatus.Failed, r.Status);
            Assert.Equal("UpstreamIncomplete", r.ErrorCategory);
            Assert.Contains("0022200617 BOS @ POR (nba_analytics.player_game_summary lacks BOS, POR)", r.Message);
        });
        Assert.Equal(0, w.ScalarInt64($"SELECT COUNT(*) FROM {PrecomputeTables.Pcf.Placeholder}"));

        BackfillWaivers.Add(w, new[] { "0022200617" }, "Lost upstream");
        var published = RunBackfill(w, request);
        Assert.All(published, r => Assert.Equal(PartitionStatus.Published, r.Status));
        Assert.Contains("Waived game(s) left out: 0022200617", published.Single(r => r.Processor == ProcessorName.PCF).Message);
        var pcf = CoverageValidator.Run(w, DateScope.Explicit(new[] { day }),
            new CoverageOptions { Layers = new[] { CoverageLayer.Precompute }, Processors = new[] { ProcessorName.PCF } }).Single();
        Assert.Equal(CoverageStatus.Waived, pcf.Status);
    }
}

/// <summary>Issue #7's job budget: a season backfill costs jobs per processor per chunk, not per date (docs/performance.md).</summary>
public sealed class BigQueryJobBudgetTests : IDisposable
{
    private readonly FakeBigQuery _fake = FakeBigQueryLeague.Season2022();
    private readonly ITestOutputHelper _output;

    public BigQueryJobBudgetTests(ITestOutputHelper output)
    {
        _output = output;
        (_fake.RecordRequests, _fake.DefaultPageSize, _fake.IncompletePolls) = (false, 1000, 0);
    }

    public void Dispose() => _fake.Dispose();

    [Fact]
    [Trait("Category", "Slow")]
    public void A_season_costs_about_as_many_jobs_as_a_week()
    {
        using var w = BigQueryTestHost.Open(_fake, pageSize: 1000);

        (long Jobs, int Partitions, string Detail) Run(DateOnly from, DateOnly to)
        {
            var before = w.Jobs.Snapshot();
            var request = new BackfillRequest { StartDate = from, EndDate = to };
            var results = BackfillOverBigQueryTests.RunBackfill(w, request);
            Assert.All(results, r => Assert.NotEqual(PartitionStatus.Failed, r.Status));
            var after = w.Jobs.Snapshot();
            return (after.Values.Sum() - before.Values.Sum(), results.Length, BackfillService.JobsSince(before, after));
        }

        var week = Run(new DateOnly(2022, 12, 1), new DateOnly(2022, 12, 7));
        var season = Run(new DateOnly(2022, 10, 18), new DateOnly(2023, 4, 9));
        _output.WriteLine($"one week: {week.Jobs} jobs for {week.Partitions} partitions ({week.Detail})");
        _output.WriteLine($"one season: {season.Jobs} jobs for {season.Partitions} partitions ({season.Detail})");
        // Per-date work would multiply the week's count by ~23; set-based work barely moves it.
        Assert.True(season.Jobs < 2 * week.Jobs, $"season {season.Jobs} jobs vs week {week.Jobs}");
        Assert.True(season.Jobs < season.Partitions / 2, $"{season.Jobs} jobs for {season.Partitions} partitions");
    }
}
