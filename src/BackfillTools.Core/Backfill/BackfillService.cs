using BackfillTools.Core.Processors;
using BackfillTools.Core.Warehouse;
using BackfillTools.Core.Warehouse.BigQuery;

namespace BackfillTools.Core.Backfill;

/// <summary>How a backfill was asked for: a new plan, finishing a run, or retrying its failures.</summary>
public enum BackfillMode { New, Resume, RetryFailed }

/// <summary>The end of a run, for the cmdlet's summary and exit status.</summary>
public sealed record BackfillSummary(string RunId, string Status, IReadOnlyList<BackfillResult> Results);

/// <summary>
/// One backfill from request to ledger: validate, lock, plan (or load the plan from the ledger), pre-flight, run, finish
/// the run record and alert. Nothing is written before validation, the lock and pre-flight have passed.
/// </summary>
public static class BackfillService
{
    /// <summary>The plan without writing anything (-WhatIf).</summary>
    public static IReadOnlyList<PlanItem> PlanOnly(IWarehouse w, BackfillRequest request, BackfillMode mode, string? runId, CancellationToken ct = default)
    {
        request.Validate();
        return mode switch
        {
            BackfillMode.New => BackfillPlanner.Plan(w, request, ct),
            _ => PlanFromLedger(new BackfillLedger(w), mode, runId).Plan,
        };
    }

    private static (IReadOnlyList<PlanItem> Plan, string SourceRunId) PlanFromLedger(BackfillLedger ledger, BackfillMode mode, string? runId)
    {
        var id = runId ?? ledger.LatestRunId()
                 ?? throw new BackfillException("RunNotFound", ErrorKind.ObjectNotFound, "The ledger has no backfill runs yet; start one with Invoke-Backfill -Season or -StartDate/-EndDate.");
        if (ledger.GetRun(id) is null)
            throw new BackfillException("RunNotFound", ErrorKind.ObjectNotFound, $"No backfill run '{id}' in the ledger. Get-BackfillRun lists the runs.", id);
        var plan = mode == BackfillMode.Resume
            ? ledger.Partitions(id, PartitionStatus.Pending, PartitionStatus.Running, PartitionStatus.Cancelled)
            : ledger.Partitions(id, PartitionStatus.Failed, PartitionStatus.Quarantined, PartitionStatus.Cancelled)
                .Select(p => p with { Action = PlanItem.Run, Reason = null }).ToList();
        return (plan, id);
    }

    public static BackfillSummary Run(WarehouseConnection connection, BackfillRequest request, BackfillMode mode, string? runId,
        Uri? alertWebhook, BackfillCallbacks callbacks, CancellationToken ct, Action<BackfillRunner>? configure = null)
    {
        request.Validate();
        var newRunId = mode == BackfillMode.Resume && runId is not null ? runId : BackfillLedger.NewRunId();
        var startedAt = DateTime.UtcNow;
        var me = LockHolder.Current(newRunId, startedAt);
        // The DuckDB file lock is taken before opening (the kernel frees it when a holder dies); BigQuery's lock is a row.
        using var fileLock = connection.Kind == WarehouseKind.DuckDb ? BackfillLock.Acquire(connection.Path!, me) : null;
        using var w = WarehouseService.Open(connection);
        using var tableLock = fileLock is null ? WarehouseLock.Acquire(w, me, ct, request.LockLease) : null;
        IBackfillLock runLock = (IBackfillLock?)fileLock ?? tableLock!;
        if (runLock.StaleHolder is { } stale)
            callbacks.Warning?.Invoke($"Took over a stale backfill lock left by run {stale.RunId} (process {stale.Pid} on {stale.Host} is gone); resume it with -Resume {stale.RunId}.");
        var ledger = new BackfillLedger(w);
        IReadOnlyList<PlanItem> plan;
        string? resumedFrom = null;
        if (mode == BackfillMode.New) plan = BackfillPlanner.Plan(w, request, ct);
        else
        {
            (plan, var source) = PlanFromLedger(ledger, mode, runId);
            if (mode == BackfillMode.Resume) newRunId = source;
            else resumedFrom = source;
            if (plan.Count == 0)
            {
                callbacks.Warning?.Invoke(mode == BackfillMode.Resume
                    ? $"Run {source} has no unfinished partitions; nothing to resume."
                    : $"Run {source} has no failed, quarantined or cancelled partitions; nothing to retry.");
                return new BackfillSummary(source, "Nothing to do", Array.Empty<BackfillResult>());
            }
        }

        // The cost guard: estimate (dry runs, free) and refuse an over-budget run before any of its jobs runs.
        var estimate = CostEstimator.Estimate(w, plan, request, ct);
        var billedBefore = mode == BackfillMode.Resume && estimate.Applicable ? ledger.BytesBilled(newRunId) : 0;
        foreach (var line in estimate.Describe(connection.Pricing)) callbacks.Verbose?.Invoke(line);
        CostBudget.EnsureEstimateFits(estimate, request.MaxBytesBilled, billedBefore);

        if (!request.SkipPreflight) RunPreflight(w, plan, request, callbacks, ct);

        // The first write. On DuckDB the run's token joins the file lock in the lock row only now, so a refused or
        // invalid request leaves the file untouched; either way the token fences every publish.
        using var claimedRow = fileLock is null ? null : WarehouseLock.ClaimUnderFileLock(w, me, ct);
        var fence = tableLock ?? claimedRow!;
        ledger.MarkInterruptedRuns();
        if (mode == BackfillMode.Resume)
            w.Execute(BackfillLedger.ResumeRunSql, WarehouseExtensions.Params(("run_id", newRunId)));
        else ledger.StartRun(newRunId, request, plan, resumedFrom, startedAt);

        // Jobs are BigQuery's unit of latency, quota and billing: say how many a run took.
        var bigQuery = w as Warehouse.BigQuery.BigQueryWarehouse;
        var jobsAtStart = bigQuery?.Jobs.Snapshot();
        // Results are noted before the caller sees them: its handler may throw (WriteError under -ErrorAction Stop), and
        // the alert sent on the way out must still name them.
        var emitted = new List<BackfillResult>();
        var runner = new BackfillRunner(w, request, newRunId, new BackfillCallbacks
        {
            Result = r => { lock (emitted) emitted.Add(r); callbacks.Result?.Invoke(r); },
            Verbose = callbacks.Verbose,
            Warning = callbacks.Warning,
            Progress = callbacks.Progress,
        }) { Fence = fence };
        if (bigQuery is not null) runner.CostGuard = new RunCostGuard(bigQuery, ledger, newRunId, estimate, request.MaxBytesBilled, billedBefore);
        configure?.Invoke(runner);
        IReadOnlyList<BackfillResult> results;
        try
        {
            results = runner.Execute(plan, ct);
        }
        catch (Exception ex)
        {
            // Ctrl+C (the token, or the host stopping the pipeline while a result is written), -ErrorAction Stop, or a
            // failure: the partition in flight was rolled back with its transaction; the rest is marked for -Resume.
            var cancelled = ex is OperationCanceledException || ct.IsCancellationRequested;
            var endStatus = cancelled ? "Cancelled" : ex is BackfillException ? "Failed" : "Stopped";
            Exception? ledgerFailure = null;
            // A run that lost its lock writes nothing more: the ledger may already be another run's (a -Resume of this
            // run id). Its partitions stay Pending/Running, which -Resume picks up like Cancelled ones. It still alerts.
            var lockLost = WarehouseLock.IsLockLoss(ex);
            if (!lockLost) try
            {
                ledger.CancelUnfinished(newRunId);
                ledger.FinishRun(newRunId, endStatus, $"{(cancelled ? "Cancelled" : ex.Message)}; resume with Invoke-Backfill -Resume {newRunId}");
            }
            catch (Exception failure)
            {
                // The warehouse itself failed: the original error is the one to report; the run stays resumable.
                ledgerFailure = failure;
            }
            // The alert goes out before the error propagates, which is what ends an unattended runbook.
            if (alertWebhook is not null)
            {
                var (problems, unfinished) = ProblemsSoFar(lockLost ? null : ledger, newRunId, emitted, plan);
                var warning = AlertSender.TrySend(alertWebhook, AlertSender.BuildText(newRunId, problems, plan.Count(p => p.IsRun), endStatus, unfinished),
                    timeout: cancelled ? AlertSender.CancelTimeout : AlertSender.Timeout);
                if (warning is not null)
                {
                    try { callbacks.Warning?.Invoke(warning); }
                    catch (Exception) { /* The host is stopping and takes no more output; the error below still ends the run. */ }
                }
            }
            if (cancelled && ledgerFailure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ledgerFailure);
            throw;
        }

        if (bigQuery is not null)
            callbacks.Verbose?.Invoke($"BigQuery jobs for this run: {JobsSince(jobsAtStart!, bigQuery.Jobs.Snapshot())}; " +
                                      $"{BigQueryPricing.FormatBytes(runner.CostGuard!.BilledSoFar)} billed{connection.Pricing.FormatCost(runner.CostGuard.BilledSoFar)}.");
        var failing = results.Where(NeedsRepair).ToList();
        var status = failing.Count == 0 ? "Succeeded" : "CompletedWithFailures";
        ledger.FinishRun(newRunId, status, failing.Count == 0 ? null : $"{failing.Count} partition(s) failed or quarantined; repair with -RetryFailed {newRunId}");
        if (failing.Count > 0 && alertWebhook is not null
            && AlertSender.TrySend(alertWebhook, AlertSender.BuildText(newRunId, failing, results.Count)) is { } alertWarning)
            callbacks.Warning?.Invoke(alertWarning);
        return new BackfillSummary(newRunId, status, results);
    }

    /// <summary>A partition the alert names: failed or quarantined (cancelled ones are counted as not run).</summary>
    private static bool NeedsRepair(BackfillResult r) => r.Status is PartitionStatus.Failed or PartitionStatus.Quarantined;

    /// <summary>
    /// The failed and quarantined partitions of a run that ended early, and how many it did not reach. The ledger knows
    /// results the caller never saw (the rest of a chunk after -ErrorAction Stop); the results seen so far stand in for
    /// it when the warehouse itself is what failed.
    /// </summary>
    private static (IReadOnlyList<BackfillResult> Problems, long Unfinished) ProblemsSoFar(BackfillLedger? ledger, string runId,
        List<BackfillResult> emitted, IReadOnlyList<PlanItem> plan)
    {
        List<BackfillResult> seen;
        lock (emitted) seen = emitted.ToList();
        var seenProblems = seen.Where(NeedsRepair).ToList();
        if (ledger is null) return (seenProblems, plan.Count(p => p.IsRun) - seen.Count);
        try
        {
            var known = seenProblems.ToDictionary(r => (r.Date, r.Processor));
            var problems = new[] { PartitionStatus.Failed, PartitionStatus.Quarantined }
                .SelectMany(status => ledger.Partitions(runId, status).Select(p => known.GetValueOrDefault((p.Date, p.Processor)) ?? new BackfillResult
                {
                    RunId = runId, Date = p.Date, Season = p.Season, Processor = p.Processor, Status = status,
                }))
                .ToList();
            return (problems, ledger.Partitions(runId, PartitionStatus.Cancelled, PartitionStatus.Pending, PartitionStatus.Running).Count);
        }
        catch (Exception)
        {
            return (seenProblems, plan.Count(p => p.IsRun) - seen.Count);
        }
    }

    /// <summary>"45 (dml 5, load 12, query 18, script 10)": the jobs issued between two snapshots, per kind.</summary>
    internal static string JobsSince(IReadOnlyDictionary<string, long> before, IReadOnlyDictionary<string, long> after)
    {
        var delta = after.Select(kv => (kv.Key, Count: kv.Value - before.GetValueOrDefault(kv.Key))).Where(d => d.Count > 0).ToList();
        return $"{delta.Sum(d => d.Count)} ({string.Join(", ", delta.Select(d => $"{d.Key} {d.Count}"))})";
    }

    private static void RunPreflight(IWarehouse w, IReadOnlyList<PlanItem> plan, BackfillRequest request, BackfillCallbacks callbacks, CancellationToken ct)
    {
        var report = Preflight.Check(w, plan, ct);
        foreach (var (date, upcg, pgs) in report.PartialUpcg)
            callbacks.Warning?.Invoke($"Pre-flight: {date:yyyy-MM-dd} has partial upcoming_player_game_context ({upcg} rows for {pgs} players who played, " +
                                      $"{100.0 * upcg / pgs:0.#}%). The synthetic context from player_game_summary will be used; to remove the stale rows run Clear-StaleUpcg -Date {date:yyyy-MM-dd}.");
        foreach (var date in report.IncompleteGames.GroupBy(g => g.Date))
            callbacks.Warning?.Invoke($"Pre-flight: {date.Key:yyyy-MM-dd} has final game(s) without complete Phase 3 rows: {UpstreamCompleteness.Describe(date)}. " +
                                      "The date will fail as UpstreamIncomplete (neither -Force nor -SkipPreflight publishes it); load the rows, or waive a game that can never be filled with Add-BackfillWaiver.");
        var failing = report.FailingTables.ToList();
        if (failing.Count == 0) return;
        var detail = string.Join("; ", failing.Select(t =>
        {
            var dates = report.MissingDates[t];
            return $"{t} has rows on {report.PresencePct[t]:0.#}% of the dates (missing {dates.Count}: {string.Join(", ", dates.Take(12).Select(d => d.ToString("yyyy-MM-dd")))}{(dates.Count > 12 ? ", …" : "")})";
        }));
        if (request.Force)
        {
            callbacks.Warning?.Invoke($"Pre-flight failed but -Force was given: {detail}");
            return;
        }
        throw new BackfillException("PreflightFailed", ErrorKind.InvalidData,
            $"Pre-flight: required Phase 3 data is missing (needs rows on ≥ {PreflightReport.RequiredPresencePct}% of the dates). {detail}. " +
            "Run the Phase 3 jobs for those dates, or use -Force to backfill the rest (the missing dates will fail as UpstreamMissing).",
            report);
    }
}
