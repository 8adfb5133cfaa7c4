using System.Diagnostics;
using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Core.Backfill;

/// <summary>Where a run's results, messages and progress go (the cmdlet turns them into pipeline output and streams).</summary>
public sealed class BackfillCallbacks
{
    public Action<BackfillResult>? Result { get; init; }
    public Action<string>? Verbose { get; init; }
    public Action<string>? Warning { get; init; }
    public IProgress<ProgressInfo>? Progress { get; init; }
}

/// <summary>
/// Write-audit-publish for one run: per processor (dependency order) and chunk of dates, compute into staging, audit each
/// (date, processor) against its expected entities, and publish the passing dates — data, failure rows, context log and
/// ledger status — in one transaction (<see cref="ScopedPublisher"/>: only what the product owns is replaced). A date
/// below the gate is quarantined; the previously published data stays. The runner sequences the chunks and measures them;
/// the staging tables' lifecycle is in BackfillRunner.Staging.cs, the measurements in <see cref="ChunkAudit"/>, the
/// verdict in <see cref="PartitionGate"/>, the log lines in <see cref="ResultLog"/>.
/// </summary>
public sealed partial class BackfillRunner
{
    private readonly IWarehouse _w;
    private readonly BackfillRequest _request;
    private readonly BackfillCallbacks _cb;
    private readonly string _runId;
    private readonly string _tag;

    public BackfillRunner(IWarehouse warehouse, BackfillRequest request, string runId, BackfillCallbacks? callbacks = null)
    {
        _w = warehouse;
        _request = request;
        _runId = runId;
        _tag = new string(runId.Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray());
        _cb = callbacks ?? new BackfillCallbacks();
    }

    /// <summary>The BigQuery cost guard of this run (budget, labels, per-job ledger); null on DuckDB.</summary>
    public RunCostGuard? CostGuard { get; set; }

    /// <summary>Test hook: runs after a chunk is computed and audited, before it is published (crash and cancel tests).</summary>
    public Action<ProcessorName, IReadOnlyList<DateOnly>>? BeforePublish { get; set; }

    /// <summary>Test hook: a statement run inside each publish transaction, after the data statements and before the ledger's.</summary>
    public SqlStatement? InsidePublish { get; set; }

    /// <summary>The warehouse the run writes to (tests act on it between steps).</summary>
    internal IWarehouse Warehouse => _w;

    /// <summary>The run's lock: checked before each chunk and fencing each publish transaction (BackfillService sets it).</summary>
    public IPublishFence? Fence { get; set; }

    /// <summary>Run the plan's Run items; returns every result (skips included only when <paramref name="emitSkips"/>).</summary>
    public IReadOnlyList<BackfillResult> Execute(IReadOnlyList<PlanItem> plan, CancellationToken ct)
    {
        var all = new List<BackfillResult>();
        var ledger = new BackfillLedger(_w);
        var toRun = plan.Where(p => p.IsRun).ToList();
        var total = toRun.Count;
        var done = 0;
        if (_w is IThreadLimitedWarehouse limited) limited.SetThreads(_request.ThrottleLimit);
        try
        {
            foreach (var group in toRun.GroupBy(p => p.Processor).OrderBy(g => g.Key))
            {
                foreach (var chunk in Chunk(group.Select(p => p.Date).Distinct().OrderBy(d => d).ToList(), _request.DatesPerChunk))
                {
                    ct.ThrowIfCancellationRequested();
                    Fence?.ThrowIfLost();
                    _cb.Progress?.Report(new ProgressInfo($"Backfill {group.Key}", $"{chunk[0]:yyyy-MM-dd}..{chunk[^1]:yyyy-MM-dd}", done, total));
                    CostGuard?.BeforeChunk(group.Key, chunk);
                    ledger.MarkRunning(_runId, group.Key, chunk, DateTime.UtcNow);
                    IReadOnlyList<BackfillResult> results;
                    try
                    {
                        results = ProcessChunk(group.Key, chunk, ct);
                    }
                    catch (BackfillException ex) when (CostGuard is not null && ex.ErrorId == global::BackfillTools.Core.Warehouse.BigQuery.BigQueryErrors.BytesBilledLimitErrorId)
                    {
                        // BigQuery enforced the budget left on a job outside the compute script (which fails its chunk
                        // instead): the transaction rolled back; stop the run cleanly and resumably, as the guard does.
                        throw CostGuard.Exhausted(group.Key, chunk, ex);
                    }
                    CostGuard?.RecordJobs();
                    foreach (var r in results)
                    {
                        all.Add(r);
                        _cb.Result?.Invoke(r);
                    }
                    done += chunk.Count;
                }
            }
            _cb.Progress?.Report(new ProgressInfo("Backfill", "done", total, total));
        }
        finally
        {
            Staging.DropAll(_w, _runId, _tag);
            CostGuard?.TryRecordJobs();
        }
        return all;
    }

    /// <summary>The dates of one processor call each; the cost estimate counts the same chunks.</summary>
    internal static IEnumerable<List<DateOnly>> Chunk(List<DateOnly> dates, int datesPerChunk)
    {
        if (datesPerChunk > BackfillRequest.SeasonPerChunk)
        {
            for (var i = 0; i < dates.Count; i += datesPerChunk)
                yield return dates.Skip(i).Take(datesPerChunk).ToList();
            yield break;
        }
        // Set-based default: a season per call keeps windows inside one season and progress meaningful.
        foreach (var season in dates.GroupBy(Season.YearOf)) yield return season.ToList();
    }

    private IReadOnlyList<BackfillResult> ProcessChunk(ProcessorName name, List<DateOnly> dates, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var started = DateTime.UtcNow;
        var def = ProcessorCatalog.Get(name);
        var processor = ProcessorCatalog.Create(name);
        var staging = StagingFor(def, _runId, _tag).Create(_w);
        var st = staging.Tables with { ReadWindow = Season.ReadWindow(dates) };

        // Games are final but Phase 3 never ran, or lacks a game: nothing (complete) to compute from, and "0 expected"
        // or "every player of the games present" must not pass as fine.
        var upstream = ChunkAudit.Presence(_w, def, dates, ct);
        var computable = dates.Where(d => upstream[d].Phase3Rows > 0 && upstream[d].OpenGaps.Count == 0).ToList();
        _w.BulkAppend(st.Dates, computable.Select(d => new object?[] { d }), ct);

        string? computeError = null;
        if (computable.Count > 0)
        {
            try
            {
                processor.ComputeToStaging(_w, st, _request.ProcessorOptions, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                computeError = ex.Message;
            }
        }

        var audits = computeError is null ? ChunkAudit.Staged(_w, def, st, ct) : new Dictionary<DateOnly, DateAudit>();
        var finished = DateTime.UtcNow;
        var perDateMs = clock.ElapsedMilliseconds / Math.Max(1, dates.Count);
        var gate = new PartitionGate(_runId, _request.MinCoverage, _request.WarnCoverage);
        var results = dates.Select(d => gate.Judge(name, d, upstream[d], audits.GetValueOrDefault(d), computeError, perDateMs)).ToList();

        ct.ThrowIfCancellationRequested();
        BeforePublish?.Invoke(name, dates);
        var published = new ScopedPublisher(_w, _runId) { Fence = Fence, InsidePublish = InsidePublish }
            .Publish(def, staging, results, started, finished, ct);
        staging.DropScratch(_w);
        foreach (var r in published) Report(r);
        return published;
    }

    /// <summary>
    /// Every query statement one chunk of <paramref name="def"/> runs, in the order <see cref="ProcessChunk"/> runs them
    /// (the cost estimate bills each): the upstream checks, the compute script, the audit, the ledger's mark, and the
    /// fenced publish with every date both published and quarantined (the most a chunk can write), then its read-back.
    /// Keep it in step with ProcessChunk.
    /// </summary>
    internal static IEnumerable<string> ChunkStatements(ProcessorDefinition def, IReadOnlyList<DateOnly> dates, ProcessorOptions options, string runId)
    {
        var staging = StagingFor(def, runId, "estimate");
        staging = staging with { Tables = staging.Tables with { ReadWindow = Season.ReadWindow(dates) } };
        yield return BackfillPlanner.GameDatesSql;
        yield return ChunkAudit.PresenceSql(ChunkAudit.PresenceTable(def));
        yield return UpstreamCompleteness.GapsSql(DateScope.Range(dates[0], dates[^1]), UpstreamCompleteness.TablesFor(def.Name));
        foreach (var step in ProcessorCatalog.Engine(def.Name).Steps(staging.Tables, options, DateTime.UtcNow)) yield return step.Sql;
        yield return ChunkAudit.AuditSql(def, staging.Tables);
        yield return BackfillLedger.MarkRunningSql;
        yield return WarehouseLock.HeartbeatSql;
        yield return WarehouseLock.FenceCheckSql;
        BackfillResult Result(DateOnly d, PartitionStatus status) => new() { RunId = runId, Date = d, Season = Season.LabelOf(d), Processor = def.Name, Status = status };
        var results = dates.Select(d => Result(d, PartitionStatus.Published)).Concat(dates.Select(d => Result(d, PartitionStatus.Quarantined))).ToList();
        foreach (var statement in new ScopedPublisher(null!, runId).Statements(def, staging, results)) yield return statement.Sql;
        yield return ScopedPublisher.CountsSql(staging.Counts);
    }

    private void Report(BackfillResult r)
    {
        _cb.Verbose?.Invoke(ResultLog.VerboseLine(r));
        if (ResultLog.WarningLine(r) is { } warning) _cb.Warning?.Invoke(warning);
    }
}
