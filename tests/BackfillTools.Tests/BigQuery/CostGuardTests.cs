using BackfillTools.Core;
using BackfillTools.Core.Backfill;
using BackfillTools.Core.Processors;
using BackfillTools.Samples;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using BackfillTools.Core.Warehouse.BigQuery;
using Xunit;
using Xunit.Abstractions;

namespace BackfillTools.Tests.BigQuery;

/// <summary>
/// Issue #15 part 2, the cost guard on BigQuery, over the fake BigQuery (deterministic bytes model, dryRun,
/// maximumBytesBilled and bytesBilledLimitExceeded as BigQuery answers them).
/// </summary>
public sealed class CostGuardTests : IDisposable
{
    private static readonly DateOnly From = new(2023, 2, 23), To = new(2023, 2, 24);
    // The migrated warehouse with the 2022-23 league, a private copy per test (FakeBigQueryLeague).
    private readonly FakeBigQuery _fake = NewLeague();
    private readonly ITestOutputHelper _output;

    public CostGuardTests(ITestOutputHelper output) => _output = output;

    private static FakeBigQuery NewLeague()
    {
        var fake = FakeBigQueryLeague.Season2022();
        (fake.RecordRequests, fake.DefaultPageSize, fake.IncompletePolls) = (false, 1000, 0);
        return fake;
    }

    public void Dispose() => _fake.Dispose();

    private static BackfillRequest Request(long? budget = null, params ProcessorName[] processors) => new()
    {
        StartDate = From, EndDate = To, MaxBytesBilled = budget,
        Processors = processors.Length > 0 ? processors : new[] { ProcessorName.TDZA, ProcessorName.PSZA },
    };

    private CostEstimate Estimate(BackfillRequest request)
    {
        using var w = BigQueryTestHost.Open(_fake, pageSize: 1000);
        return CostEstimator.Estimate(w, BackfillPlanner.Plan(w, request), request);
    }

    [Fact]
    public void The_estimate_dry_runs_production_reads_runs_no_job_and_bounds_every_statement_of_the_run()
    {
        using var w = BigQueryTestHost.Open(_fake, pageSize: 1000);
        var request = Request();
        var plan = BackfillPlanner.Plan(w, request);
        var (jobs, billed, dryRuns) = (w.Jobs.TotalJobs, _fake.TotalBytesBilled, _fake.DryRuns);

        var estimate = CostEstimator.Estimate(w, plan, request);

        Assert.True(estimate.Applicable);
        Assert.Equal(jobs, w.Jobs.TotalJobs);                 // no job ran
        Assert.Equal(billed, _fake.TotalBytesBilled);         // nothing billed
        Assert.True(_fake.DryRuns > dryRuns);                 // production reads were dry-run
        Assert.Equal(new[] { ProcessorName.TDZA, ProcessorName.PSZA }, estimate.Processors.Select(p => p.Processor));
        Assert.All(estimate.Processors, p => { Assert.Equal(1, p.Chunks); Assert.True(p.BytesPerChunk >= BigQueryPricing.MinimumBytesPerTable); });
        // The planner's and pre-flight's reads are billed once, on top of the chunks.
        Assert.True(estimate.PlanningBytes >= BigQueryPricing.MinimumBytesPerTable);
        Assert.Equal(estimate.PlanningBytes + estimate.Processors.Sum(p => p.Bytes), estimate.TotalBytes);
        foreach (var line in estimate.Describe(BigQueryPricing.Default)) _output.WriteLine(line);
        Assert.StartsWith("Cost estimate planning and pre-flight:", estimate.Describe(BigQueryPricing.Default).First());

        // Per date, a chunk each: twice the chunks, twice the chunks' estimate. Without pre-flight, no pre-flight reads;
        // read from the ledger (-Resume), no planner reads either.
        var perDate = CostEstimator.Estimate(w, plan, request with { DatesPerChunk = 1 });
        Assert.Equal(2 * (estimate.TotalBytes - estimate.PlanningBytes), perDate.TotalBytes - perDate.PlanningBytes);
        var noPreflight = CostEstimator.Estimate(w, plan, request with { SkipPreflight = true });
        Assert.True(noPreflight.PlanningBytes < estimate.PlanningBytes);
        Assert.Equal(0, CostEstimator.Estimate(w, plan, request with { SkipPreflight = true }, planned: false).PlanningBytes);

        // The bound holds for every job of a chunk (upstream checks, compute, audit, ledger mark, fenced publish,
        // read-back), not only its compute script: each processor's jobs bill no more than its estimate.
        var runId = BackfillLedger.NewRunId();
        new BackfillLedger(w).StartRun(runId, request, plan, null, DateTime.UtcNow);
        var runner = new BackfillRunner(w, request, runId) { CostGuard = new RunCostGuard(w, new BackfillLedger(w), runId, estimate, null, 0) };
        Assert.All(runner.Execute(plan, CancellationToken.None), r => Assert.Equal(PartitionStatus.Published, r.Status));
        var costs = new BackfillLedger(w).ProcessorCosts(runId);
        foreach (var p in estimate.Processors)
        {
            var real = Assert.Single(costs, c => c.Processor == p.Processor.ToString());
            _output.WriteLine($"{p.Processor}: {real.Jobs} jobs billed {real.BytesBilled:N0} bytes, estimate {p.Bytes:N0}");
            Assert.True(real.Jobs > 5, $"{p.Processor}: only {real.Jobs} jobs attributed");   // the chunk's every job, not the compute script alone
            Assert.True(real.BytesBilled <= p.Bytes, $"{p.Processor}: billed {real.BytesBilled} over its estimate {p.Bytes}");
        }
    }

    [Fact]
    public void A_run_over_budget_is_refused_before_any_job_and_writes_nothing()
    {
        var estimate = Estimate(Request());
        using var server = new FakeBigQueryHttp(_fake);
        var billed = _fake.TotalBytesBilled;

        var ex = Assert.Throws<BackfillException>(() =>
            BackfillService.Run(server.Connection, Request(estimate.TotalBytes - 1), BackfillMode.New, null, null, new BackfillCallbacks(), CancellationToken.None));

        Assert.Equal(CostBudget.ErrorId, ex.ErrorId);
        Assert.Equal(ErrorKind.LimitsExceeded, ex.Kind);
        Assert.Contains($"{estimate.TotalBytes:N0} bytes", ex.Message);
        Assert.Contains($"{estimate.TotalBytes - 1:N0} bytes", ex.Message);
        using var w = BigQueryTestHost.Open(_fake, pageSize: 1000);
        Assert.Equal(0, w.ScalarInt64($"SELECT COUNT(*) FROM {WarehouseSchema.BackfillRuns.Placeholder}"));
        Assert.Equal(0, w.ScalarInt64($"SELECT COUNT(*) FROM {WarehouseSchema.BackfillPartitions.Placeholder}"));
        Assert.Equal(0, w.ScalarInt64($"SELECT COUNT(*) FROM {WarehouseSchema.BackfillJobs.Placeholder}"));
        Assert.Equal(0, w.ScalarInt64($"SELECT COUNT(*) FROM {PrecomputeTables.Tdza.Placeholder}"));
        // Only the lock and the plan's reads ran: far less than one compute script.
        Assert.True(_fake.TotalBytesBilled - billed < estimate.Processors[0].BytesPerChunk);
    }

    /// <summary>
    /// What a TDZA-only run really bills on a twin of this league (planning, compute, audit, completeness, fenced publish,
    /// bookkeeping), and its publish script (the transaction) alone.
    /// </summary>
    private static (long Billed, long Publish) TdzaRun()
    {
        using var twin = NewLeague();
        using var server = new FakeBigQueryHttp(twin);
        var summary = BackfillService.Run(server.Connection, Request(null, ProcessorName.TDZA), BackfillMode.New, null, null, new BackfillCallbacks(), CancellationToken.None);
        using var w = BigQueryTestHost.Open(twin, pageSize: 1000);
        var jobs = w.Query($"SELECT job_id, bytes_billed FROM {WarehouseSchema.BackfillJobs.Placeholder} WHERE run_id = @r",
            WarehouseExtensions.Params(("r", summary.RunId))).AsRows().ToList();
        var publish = jobs.Single(j => ((string)twin.JobResource(j.GetString("job_id")!)!["configuration"]!["query"]!["query"]!).StartsWith("BEGIN TRANSACTION", StringComparison.Ordinal)
                                       && ((string)twin.JobResource(j.GetString("job_id")!)!["configuration"]!["query"]!["query"]!).Contains(PrecomputeTables.Tdza.Name, StringComparison.Ordinal));
        return (new BackfillLedger(w).GetRun(summary.RunId)!.BytesBilled ?? 0, publish.GetInt64("bytes_billed"));
    }

    [Fact]
    public void The_run_stops_cleanly_before_a_chunk_that_would_exceed_the_budget_and_resumes_with_a_larger_one()
    {
        // The estimate bounds the run, so a run that passed it reaches its budget only when tables grew after the
        // estimate; the guard is given that budget after the pre-run check. It holds all TDZA really bills (measured on
        // a twin) but not PSZA's estimate on top of it.
        var estimate = Estimate(Request());
        var budget = TdzaRun().Billed + estimate.BytesPerChunk(ProcessorName.PSZA) / 2;
        using var server = new FakeBigQueryHttp(_fake);
        var ex = Assert.Throws<BackfillException>(() =>
            BackfillService.Run(server.Connection, Request(), BackfillMode.New, null, null, new BackfillCallbacks(), CancellationToken.None,
                r => r.CostGuard = r.CostGuard!.Outdated(estimate, budget)));
        Assert.Equal(CostBudget.ErrorId, ex.ErrorId);
        Assert.Contains("Stopped before PSZA", ex.Message);

        using var w = BigQueryTestHost.Open(_fake, pageSize: 1000);
        var ledger = new BackfillLedger(w);
        var run = ledger.GetRuns(null, 1).Single();
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("-Resume", run.Message);
        Assert.Equal(2, run.Published);                       // TDZA's two dates
        Assert.Equal(2, run.Cancelled);                       // PSZA's, resumable
        Assert.True(run.BytesBilled <= budget, $"{run.BytesBilled} billed over a budget of {budget}");

        var summary = BackfillService.Run(server.Connection, Request(2 * estimate.TotalBytes + run.BytesBilled), BackfillMode.Resume, run.RunId, null, new BackfillCallbacks(), CancellationToken.None);
        Assert.Equal(RunStatus.Succeeded, summary.Status);
        Assert.Equal(4, ledger.GetRun(run.RunId)!.Published);
    }

    [Fact]
    public void A_job_BigQuery_refuses_for_the_budget_left_stops_the_run_cleanly_with_no_chunk_half_published()
    {
        // An estimate the tables outgrew (as if they had been empty), and a budget all of a TDZA run fits in but half its
        // publish transaction: BigQuery refuses that job by its maximumBytesBilled, the transaction rolls back whole.
        var estimate = Estimate(Request(null, ProcessorName.TDZA));
        var outdated = estimate with { Processors = estimate.Processors.Select(p => p with { BytesPerChunk = 0 }).ToList(), PlanningBytes = 0 };
        var (billed, publish) = TdzaRun();
        var budget = billed - publish / 2;
        _output.WriteLine($"TDZA run {billed:N0} bytes, its publish {publish:N0}; budget {budget:N0}");
        using var server = new FakeBigQueryHttp(_fake);
        var ex = Assert.Throws<BackfillException>(() =>
            BackfillService.Run(server.Connection, Request(null, ProcessorName.TDZA), BackfillMode.New, null, null, new BackfillCallbacks(), CancellationToken.None,
                r => r.CostGuard = r.CostGuard!.Outdated(outdated, budget)));
        Assert.Equal(CostBudget.ErrorId, ex.ErrorId);
        Assert.Contains("BigQuery refused a job", ex.Message);
        Assert.Contains(BigQueryErrors.BytesBilledLimitErrorId, ((BackfillException)ex.InnerException!).ErrorId);

        using var w = BigQueryTestHost.Open(_fake, pageSize: 1000);
        var ledger = new BackfillLedger(w);
        var run = ledger.GetRuns(null, 1).Single();
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("-Resume", run.Message);
        Assert.True(run.BytesBilled <= budget, $"{run.BytesBilled} billed over a budget of {budget}");
        Assert.Empty(ledger.Partitions(run.RunId, PartitionStatus.Published));
        Assert.Equal(0, w.ScalarInt64($"SELECT COUNT(*) FROM {PrecomputeTables.Tdza.Placeholder} WHERE analysis_date BETWEEN DATE '2023-02-23' AND DATE '2023-02-24'"));

        var summary = BackfillService.Run(server.Connection, Request(2 * estimate.TotalBytes + run.BytesBilled, ProcessorName.TDZA), BackfillMode.Resume, run.RunId, null, new BackfillCallbacks(), CancellationToken.None);
        Assert.Equal(RunStatus.Succeeded, summary.Status);
        Assert.Equal(2, ledger.GetRun(run.RunId)!.Published);
    }

    [Fact]
    public void A_job_over_its_maximumBytesBilled_fails_in_BigQuery_and_surfaces_as_a_clean_failed_partition()
    {
        // The same league on a twin fake, run without a cap: what the compute script and the publish script bill.
        using var twin = NewLeague();
        long compute, publish;
        using (var t = BigQueryTestHost.Open(twin, pageSize: 1000))
        {
            t.Cost.Drain();
            Assert.All(BackfillOverBigQueryTests.RunBackfill(t, Request(null, ProcessorName.TDZA)), r => Assert.Equal(PartitionStatus.Published, r.Status));
            var scripts = t.Cost.Drain().Where(j => j.Kind == "script")
                .ToLookup(j => ((string)twin.JobResource(j.JobId)!["configuration"]!["query"]!["query"]!).StartsWith("BEGIN TRANSACTION", StringComparison.Ordinal));
            (compute, publish) = (scripts[false].Max(j => j.BytesBilled), scripts[true].Max(j => j.BytesBilled));
        }
        _output.WriteLine($"compute script {compute} bytes, publish script {publish} bytes");
        // A session cap just below the compute script: BigQuery refuses that job, which runs before any publish (the publish
        // script now also archives the replaced rows for Undo-BackfillRun, so it may bill more than the compute).
        var options = new BigQueryWarehouseOptions
        {
            Credential = BigQueryTestHost.OfflineCredential, Transport = new KeepAlive(_fake), Retry = BigQueryRetryOptions.Immediate,
            PageSize = 1000, MaximumBytesBilled = compute - 1,
        };
        using var w = BigQueryWarehouse.Open(new WarehouseConnection(WarehouseKind.BigQuery, Project: FakeBigQuery.Project, Location: "EU"), options);
        var results = BackfillOverBigQueryTests.RunBackfill(w, Request(null, ProcessorName.TDZA));

        Assert.Equal(2, results.Length);
        Assert.All(results, r =>
        {
            Assert.Equal(PartitionStatus.Failed, r.Status);
            Assert.Equal("ProcessorFailed", r.ErrorCategory);
            Assert.Contains("bytesBilledLimitExceeded", r.Message);
        });
        Assert.Equal(0, w.ScalarInt64($"SELECT COUNT(*) FROM {PrecomputeTables.Tdza.Placeholder}"));
        Assert.Equal(2, w.ScalarInt64($"SELECT COUNT(*) FROM {WarehouseSchema.BackfillPartitions.Placeholder} WHERE status = 'Failed' AND message LIKE '%bytesBilledLimitExceeded%'"));
    }

    [Fact]
    public void The_ledger_records_each_jobs_bytes_slot_time_labels_and_budget_left_per_processor_and_run()
    {
        var budget = 4 * Estimate(Request()).TotalBytes;
        using var server = new FakeBigQueryHttp(_fake);
        var summary = BackfillService.Run(server.Connection, Request(budget), BackfillMode.New, null, null, new BackfillCallbacks(), CancellationToken.None);
        Assert.Equal(RunStatus.Succeeded, summary.Status);

        using var w = BigQueryTestHost.Open(_fake, pageSize: 1000);
        var ledger = new BackfillLedger(w);
        var rows = w.Query($"SELECT job_id, processor, bytes_billed, slot_ms, bytes_processed, user_name, host FROM {WarehouseSchema.BackfillJobs.Placeholder} WHERE run_id = @r",
            WarehouseExtensions.Params(("r", summary.RunId))).AsRows()
            .OrderBy(r => long.Parse((string)_fake.JobResource(r.GetString("job_id")!)!["statistics"]!["creationTime"]!)).ToList();
        Assert.NotEmpty(rows);
        var billedBefore = 0L;
        foreach (var row in rows)
        {
            // From the first job (the lock) on, each carries the budget still left as its maximumBytesBilled.
            var query = _fake.JobResource(row.GetString("job_id")!)!["configuration"]!["query"]!;
            Assert.True(query["maximumBytesBilled"] is not null, $"no maximumBytesBilled on: {query["query"]}");
            Assert.Equal(budget - billedBefore, long.Parse((string)query["maximumBytesBilled"]!));
            billedBefore += row.GetInt64("bytes_billed");

            // Every figure is the job's own statistics, and the job carries the labels billing exports group by.
            var job = _fake.JobResource(row.GetString("job_id")!)!;
            Assert.Equal(long.Parse((string)job["statistics"]!["query"]!["totalBytesBilled"]!), row.GetInt64("bytes_billed"));
            Assert.Equal(long.Parse((string)job["statistics"]!["totalSlotMs"]!), row.GetInt64("slot_ms"));
            var labels = job["configuration"]!["labels"]!;
            Assert.Equal("backfilltools", (string?)labels["tool"]);
            if (row.GetString("processor") is { } processor)
            {
                Assert.Equal(BigQueryCostMeter.LabelValue(summary.RunId), (string?)labels["run_id"]);
                Assert.Equal(processor.ToLowerInvariant(), (string?)labels["processor"]);
            }
            Assert.Equal(Environment.UserName, row.GetString("user_name"));
            Assert.Equal(ToolInfo.Host, row.GetString("host"));
        }

        var run = ledger.GetRun(summary.RunId)!;
        var perProcessor = ledger.ProcessorCosts(summary.RunId);
        Assert.Contains(perProcessor, p => p.Processor == "TDZA" && p.BytesBilled > 0 && p.SlotMs > 0);
        Assert.Contains(perProcessor, p => p.Processor == "PSZA" && p.BytesBilled > 0 && p.SlotMs > 0);
        Assert.Equal(rows.Sum(r => r.GetInt64("bytes_billed")), run.BytesBilled);
        Assert.Equal(perProcessor.Sum(p => p.BytesBilled), run.BytesBilled);
        Assert.Equal(perProcessor.Sum(p => p.SlotMs), run.SlotMs);
        Assert.Equal(rows.Count, run.BigQueryJobs);
        Assert.Equal(Environment.UserName, run.UserName);

        // Priced at the on-demand list price; no price under capacity pricing.
        var cost = BigQueryPricing.Default.Cost(run.BytesBilled)!.Value;
        Assert.Equal(Math.Round(run.BytesBilled!.Value / (decimal)(1L << 40) * 6.25m, 4), cost);
        Assert.Null(new BigQueryPricing(6.25m, Capacity: true).Cost(run.BytesBilled));
    }

    [Fact]
    public void On_DuckDB_the_estimate_is_not_applicable_and_a_budget_fails_nothing()
    {
        using var duck = DuckDbWarehouse.Open(":memory:");
        var estimate = CostEstimator.Estimate(duck, new[] { new PlanItem(From, "2022-23", ProcessorName.TDZA, PlanAction.Run, null) }, Request(1));
        Assert.False(estimate.Applicable);
        Assert.Equal(0, estimate.TotalBytes);
        CostBudget.EnsureEstimateFits(estimate, 1);
        Assert.Contains("not applicable", Assert.Single(estimate.Describe(BigQueryPricing.Default)));
    }

    [Fact]
    public void A_budget_must_be_positive()
    {
        var ex = Assert.Throws<BackfillException>(() => Request(0).Validate());
        Assert.Equal("InvalidMaxBytesBilled", ex.ErrorId);
    }
}
