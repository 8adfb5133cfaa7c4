using System.Net;
using System.Net.Sockets;
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
    private readonly FakeBigQuery _fake = new() { RecordRequests = false, DefaultPageSize = 1000, IncompletePolls = 0 };
    private readonly ITestOutputHelper _output;

    public CostGuardTests(ITestOutputHelper output)
    {
        _output = output;
        using var w = BigQueryTestHost.Open(_fake, pageSize: 1000);
        new Migrator().Upgrade(w);
        SampleLeague.Generate(w, new SampleLeagueOptions(new[] { "2022-23" }, Array.Empty<string>()));
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
    public void The_estimate_dry_runs_production_reads_runs_no_job_and_bounds_each_compute_script()
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
        Assert.Equal(estimate.Processors.Sum(p => p.Bytes), estimate.TotalBytes);
        foreach (var line in estimate.Describe(BigQueryPricing.Default)) _output.WriteLine(line);

        // Per date, a chunk each: twice the chunks, twice the estimate.
        var perDate = CostEstimator.Estimate(w, plan, request with { DatesPerChunk = 1 });
        Assert.Equal(2 * estimate.TotalBytes, perDate.TotalBytes);

        // The bound holds: no compute script of the real run bills more than its processor's per-chunk estimate.
        var runId = BackfillLedger.NewRunId();
        new BackfillLedger(w).StartRun(runId, request, plan, null, DateTime.UtcNow);
        var runner = new BackfillRunner(w, request, runId) { CostGuard = new RunCostGuard(w, new BackfillLedger(w), runId, estimate, null, 0) };
        Assert.All(runner.Execute(plan, CancellationToken.None), r => Assert.Equal(PartitionStatus.Published, r.Status));
        foreach (var p in new BackfillLedger(w).ProcessorCosts(runId).Where(c => c.Processor != "(run)"))
        {
            var largest = w.Query($"SELECT MAX(bytes_billed) FROM {WarehouseSchema.BackfillJobs.Placeholder} WHERE run_id = @r AND processor = @p",
                WarehouseExtensions.Params(("r", runId), ("p", p.Processor))).Rows[0][0];
            _output.WriteLine($"{p.Processor}: largest job {largest}, estimate per chunk {estimate.BytesPerChunk(Enum.Parse<ProcessorName>(p.Processor))}");
            Assert.True(Convert.ToInt64(largest) <= estimate.BytesPerChunk(Enum.Parse<ProcessorName>(p.Processor)));
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

    /// <summary>What a TDZA-only run really bills on a twin of this league (compute, audit, completeness, fenced publish).</summary>
    private static long TdzaRunBilled()
    {
        using var twin = new FakeBigQuery { RecordRequests = false, DefaultPageSize = 1000, IncompletePolls = 0 };
        using (var t = BigQueryTestHost.Open(twin, pageSize: 1000))
        {
            new Migrator().Upgrade(t);
            SampleLeague.Generate(t, new SampleLeagueOptions(new[] { "2022-23" }, Array.Empty<string>()));
        }
        using var server = new FakeBigQueryHttp(twin);
        var summary = BackfillService.Run(server.Connection, Request(null, ProcessorName.TDZA), BackfillMode.New, null, null, new BackfillCallbacks(), CancellationToken.None);
        using var w = BigQueryTestHost.Open(twin, pageSize: 1000);
        return new BackfillLedger(w).GetRun(summary.RunId)!.BytesBilled ?? 0;
    }

    [Fact]
    public void The_run_stops_cleanly_before_a_chunk_that_would_exceed_the_budget_and_resumes_with_a_larger_one()
    {
        var estimate = Estimate(Request());
        // A budget that holds the estimate and all TDZA really bills, but not PSZA's estimate on top of it.
        var budget = Math.Max(estimate.TotalBytes, TdzaRunBilled() + estimate.BytesPerChunk(ProcessorName.PSZA) / 2);
        using var server = new FakeBigQueryHttp(_fake);
        var ex = Assert.Throws<BackfillException>(() =>
            BackfillService.Run(server.Connection, Request(budget), BackfillMode.New, null, null, new BackfillCallbacks(), CancellationToken.None));
        Assert.Equal(CostBudget.ErrorId, ex.ErrorId);
        Assert.Contains("PSZA", ex.Message);

        using var w = BigQueryTestHost.Open(_fake, pageSize: 1000);
        var ledger = new BackfillLedger(w);
        var run = ledger.GetRuns(null, 1).Single();
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("-Resume", run.Message);
        Assert.Equal(2, run.Published);                       // TDZA's two dates
        Assert.Equal(2, run.Cancelled);                       // PSZA's, resumable
        Assert.True(run.BytesBilled <= budget, $"{run.BytesBilled} billed over a budget of {budget}");

        var summary = BackfillService.Run(server.Connection, Request(4 * budget), BackfillMode.Resume, run.RunId, null, new BackfillCallbacks(), CancellationToken.None);
        Assert.Equal(RunStatus.Succeeded, summary.Status);
        Assert.Equal(4, ledger.GetRun(run.RunId)!.Published);
    }

    [Fact]
    public void A_job_BigQuery_refuses_for_the_budget_left_stops_the_run_cleanly_with_no_chunk_half_published()
    {
        // The estimate bounds the compute scripts; audit, completeness and publish jobs bill on top of it, so at a budget
        // of exactly the estimate one of them is refused by its maximumBytesBilled (or the guard stops first).
        var budget = Estimate(Request()).TotalBytes;
        using var server = new FakeBigQueryHttp(_fake);
        var ex = Assert.Throws<BackfillException>(() =>
            BackfillService.Run(server.Connection, Request(budget), BackfillMode.New, null, null, new BackfillCallbacks(), CancellationToken.None));
        Assert.Equal(CostBudget.ErrorId, ex.ErrorId);

        using var w = BigQueryTestHost.Open(_fake, pageSize: 1000);
        var ledger = new BackfillLedger(w);
        var run = ledger.GetRuns(null, 1).Single();
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.True(run.BytesBilled <= budget, $"{run.BytesBilled} billed over a budget of {budget}");
        foreach (var (table, processor) in new[] { (PrecomputeTables.Tdza, ProcessorName.TDZA), (PrecomputeTables.Psza, ProcessorName.PSZA) })
        {
            var published = ledger.Partitions(run.RunId, PartitionStatus.Published).Count(p => p.Processor == processor);
            var rows = w.ScalarInt64($"SELECT COUNT(*) FROM {table.Placeholder} WHERE analysis_date BETWEEN DATE '2023-02-23' AND DATE '2023-02-24'");
            Assert.True(published is 0 or 2, $"{processor}: {published} of 2 dates published");
            Assert.Equal(published == 0, rows == 0);
        }

        var summary = BackfillService.Run(server.Connection, Request(8 * budget), BackfillMode.Resume, run.RunId, null, new BackfillCallbacks(), CancellationToken.None);
        Assert.Equal(RunStatus.Succeeded, summary.Status);
        Assert.Equal(4, ledger.GetRun(run.RunId)!.Published);
    }

    [Fact]
    public void A_job_over_its_maximumBytesBilled_fails_in_BigQuery_and_surfaces_as_a_clean_failed_partition()
    {
        // The same league on a twin fake, run without a cap: what the compute script and the publish script bill.
        using var twin = new FakeBigQuery { RecordRequests = false, DefaultPageSize = 1000, IncompletePolls = 0 };
        long compute, publish;
        using (var t = BigQueryTestHost.Open(twin, pageSize: 1000))
        {
            new Migrator().Upgrade(t);
            SampleLeague.Generate(t, new SampleLeagueOptions(new[] { "2022-23" }, Array.Empty<string>()));
            t.Cost.Drain();
            Assert.All(BackfillOverBigQueryTests.RunBackfill(t, Request(null, ProcessorName.TDZA)), r => Assert.Equal(PartitionStatus.Published, r.Status));
            var scripts = t.Cost.Drain().Where(j => j.Kind == "script").Select(j => j.BytesBilled).OrderDescending().ToList();
            (compute, publish) = (scripts[0], scripts[1]);
        }
        _output.WriteLine($"compute script {compute} bytes, publish script {publish} bytes");
        Assert.True(publish < compute);
        // A session cap just below the compute script: BigQuery refuses that job; the audit and publish jobs still fit.
        var options = new BigQueryWarehouseOptions
        {
            Credential = BigQueryTestHost.OfflineCredential, Transport = new NonDisposing(_fake), Retry = BigQueryRetryOptions.Immediate,
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
    public void The_ledger_records_each_jobs_bytes_slot_time_and_labels_per_processor_and_run()
    {
        using var server = new FakeBigQueryHttp(_fake);
        var summary = BackfillService.Run(server.Connection, Request(), BackfillMode.New, null, null, new BackfillCallbacks(), CancellationToken.None);
        Assert.Equal(RunStatus.Succeeded, summary.Status);

        using var w = BigQueryTestHost.Open(_fake, pageSize: 1000);
        var ledger = new BackfillLedger(w);
        var rows = w.Query($"SELECT job_id, processor, bytes_billed, slot_ms, bytes_processed, user_name, host FROM {WarehouseSchema.BackfillJobs.Placeholder} WHERE run_id = @r",
            WarehouseExtensions.Params(("r", summary.RunId))).AsRows().ToList();
        Assert.NotEmpty(rows);
        foreach (var row in rows)
        {
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

    private sealed class NonDisposing(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override void Dispose(bool disposing) { }
    }
}

/// <summary>
/// The fake served on 127.0.0.1 so BackfillService.Run can open it the production way (an emulator endpoint), whatever
/// WarehouseService's BigQuery hook currently is (other tests and the module's initializer re-register it).
/// </summary>
internal sealed class FakeBigQueryHttp : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly HttpMessageInvoker _invoker;
    private readonly CancellationTokenSource _stop = new();

    public FakeBigQueryHttp(FakeBigQuery fake)
    {
        _invoker = new HttpMessageInvoker(fake, disposeHandler: false);
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        Connection = WarehouseConnection.BigQuery(FakeBigQuery.Project, "EU", "", new Uri($"http://127.0.0.1:{port}/"));
        _ = Task.Run(Loop);
    }

    public WarehouseConnection Connection { get; }

    private async Task Loop()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) { return; }
            _ = Task.Run(() => Serve(context));
        }
    }

    private async Task Serve(HttpListenerContext context)
    {
        try
        {
            var request = new HttpRequestMessage(new HttpMethod(context.Request.HttpMethod), context.Request.Url);
            if (context.Request.HasEntityBody)
            {
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                request.Content = new ByteArrayContent(body.ToArray());
                if (context.Request.ContentType is { } type) request.Content.Headers.TryAddWithoutValidation("Content-Type", type);
            }
            using var response = await _invoker.SendAsync(request, CancellationToken.None);
            context.Response.StatusCode = (int)response.StatusCode;
            if (response.Content.Headers.ContentType is { } contentType) context.Response.ContentType = contentType.ToString();
            await context.Response.OutputStream.WriteAsync(await response.Content.ReadAsByteArrayAsync());
        }
        catch (Exception)
        {
            context.Response.StatusCode = 500;
        }
        finally
        {
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _listener.Close();
        _invoker.Dispose();
    }
}
