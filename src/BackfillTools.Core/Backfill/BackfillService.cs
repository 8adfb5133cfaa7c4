using BackfillTools.Core.Processors;
using BackfillTools.Core.Warehouse;
using BackfillTools.Core.Warehouse.BigQuery;

namespace BackfillTools.Core.Backfill;

/// <summary>How a backfill was asked for: a new plan, finishing a run, or retrying its failures.</summary>
public enum BackfillMode { New, Resume, RetryFailed }

/// <summary>The end of a run, for the cmdlet's summary and exit status.</summary>
/// <param name="Status">How the run ended; null when there was nothing to resume or retry (no run was touched).</param>
public sealed record BackfillSummary(string RunId, RunStatus? Status, IReadOnlyList<BackfillResult> Results);

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
                 ?? throw new BackfillException(ErrorIds.RunNotFound, ErrorKind.ObjectNotFound, "The ledger has no backfill runs yet; start one with Invoke-Backfill -Season or -StartDate/-EndDate.");
        if (ledger.GetRun(id) is null)
            throw new BackfillException(ErrorIds.RunNotFound, ErrorKind.ObjectNotFound, $"No backfill run '{id}' in the ledger. Get-BackfillRun lists the runs.", id);
        var plan = mode == BackfillMode.Resume
            ? ledger.Partitions(id, PartitionStatus.Pending, PartitionStatus.Running, PartitionStatus.Cancelled)
            : ledger.Partitions(id, PartitionStatus.Failed, PartitionStatus.Quarantined, PartitionStatus.Cancelled)
                .Select(p => p with { Action = PlanAction.Run, Reason = null }).ToList();
        return (plan, id);
    }

    public static BackfillSummary Run(WarehouseConnection connection, BackfillRequest request, BackfillMode mode, string? runId,
        Uri? alertWebhook, BackfillCallbacks callbacks, CancellationToken ct, Action<BackfillRunner>? configure = null)
    {
        request.Validate();
        var startedAt = DateTime.UtcNow;
        var me = LockHolder.Current(mode == BackfillMode.Resume && runId is not null ? runId : BackfillLedger.NewRunId(), startedAt);
        // The DuckDB file lock is taken before opening (the kernel frees it when a holder dies); BigQuery's lock is a row.
        using var fileLock = connection.Kind == WarehouseKind.DuckDb ? BackfillLock.Acquire(connection.Path!, me) : null;
        // The run's budget caps its jobs from the first one (the connection's schema check) on.
        using var w = WarehouseService.Open(connection with { MaxBytesBilled = request.MaxBytesBilled });
        using var tableLock = fileLock is null ? WarehouseLock.Acquire(w, me, ct, request.LockLease) : null;
        WarnIfStaleLockTakenOver((IBackfillLock?)fileLock ?? tableLock!, callbacks);
        var ledger = new BackfillLedger(w);
        var plan = LoadPlan(w, ledger, request, mode, runId, me.RunId, ct);
        if (mode != BackfillMode.New && plan.Items.Count == 0) return NothingToDo(plan, mode, callbacks);

        var budget = CheckCost(w, ledger, plan, request, mode, connection.Pricing, callbacks, ct);
        if (!request.SkipPreflight) RunPreflight(w, plan.Items, request, callbacks, ct);

        // The first write. On DuckDB the run's token joins the file lock in the lock row only now, so a refused or
        // invalid request leaves the file untouched; either way the token fences every publish.
        using var claimedRow = fileLock is null ? null : WarehouseLock.ClaimUnderFileLock(w, me, ct);
        OpenRunRecord(w, ledger, plan, request, mode, startedAt, ct);

        // Jobs are BigQuery's unit of latency, quota and billing: say how many a run took.
        var bigQuery = w as Warehouse.BigQuery.BigQueryWarehouse;
        var jobsAtStart = bigQuery?.Jobs.Snapshot();
        // Results are noted before the caller sees them: its handler may throw (WriteError under -ErrorAction Stop), and
        // the alert sent on the way out must still name them.
        var emitted = new List<BackfillResult>();
        var runner = CreateRunner(w, ledger, request, plan, budget, (IPublishFence?)tableLock ?? claimedRow!, emitted, callbacks);
        configure?.Invoke(runner);
        IReadOnlyList<BackfillResult> results;
        try
        {
            results = runner.Execute(plan.Items, ct);
        }
        catch (Exception ex)
        {
            EndEarly(ex, ledger, plan, emitted, alertWebhook, callbacks, ct);
            throw;
        }

        if (bigQuery is not null)
            callbacks.Verbose?.Invoke($"BigQuery jobs for this run: {JobsSince(jobsAtStart!, bigQuery.Jobs.Snapshot())}; " +
                                      $"{BigQueryPricing.FormatBytes(runner.CostGuard!.BilledSoFar)} billed{connection.Pricing.FormatCost(runner.CostGuard.BilledSoFar)}.");
        return Finish(ledger, plan, results, alertWebhook, callbacks);
    }

    /// <summary>
    /// What a run executes and under which run id: a new plan under a new id, a resumed run's unfinished partitions under
    /// its own id, or a retried run's failures under a new id that names the run it retries.
    /// </summary>
    private sealed record RunPlan(IReadOnlyList<PlanItem> Items, string RunId, string? ResumedFrom);

    /// <summary>The run's budget: the estimate and what earlier attempts of a resumed run already billed.</summary>
    private sealed record RunBudget(CostEstimate Estimate, long BilledBefore);

    private static void WarnIfStaleLockTakenOver(IBackfillLock runLock, BackfillCallbacks callbacks)
    {
        if (runLock.StaleHolder is { } stale)
            callbacks.Warning?.Invoke($"Took over a stale backfill lock left by run {stale.RunId} (process {stale.Pid} on {stale.Host} is gone); resume it with -Resume {stale.RunId}.");
    }

    private static RunPlan LoadPlan(IWarehouse w, BackfillLedger ledger, BackfillRequest request, BackfillMode mode, string? runId,
        string newRunId, CancellationToken ct)
    {
        if (mode == BackfillMode.New) return new RunPlan(BackfillPlanner.Plan(w, request, ct), newRunId, null);
        var (items, source) = PlanFromLedger(ledger, mode, runId);
        return mode == BackfillMode.Resume ? new RunPlan(items, source, null) : new RunPlan(items, newRunId, source);
    }

    private static BackfillSummary NothingToDo(RunPlan plan, BackfillMode mode, BackfillCallbacks callbacks)
    {
        var source = plan.ResumedFrom ?? plan.RunId;
        callbacks.Warning?.Invoke(mode == BackfillMode.Resume
            ? $"Run {source} has no unfinished partitions; nothing to resume."
            : $"Run {source} has no failed, quarantined or cancelled partitions; nothing to retry.");
        return new BackfillSummary(source, null, Array.Empty<BackfillResult>());
    }

    /// <summary>The cost guard: estimate (dry runs, free) and refuse an over-budget run before any of its jobs runs.</summary>
    private static RunBudget CheckCost(IWarehouse w, BackfillLedger ledger, RunPlan plan, BackfillRequest request, BackfillMode mode,
        BigQueryPricing pricing, BackfillCallbacks callbacks, CancellationToken ct)
    {
        // The cost guard: estimate (dry runs, free) and refuse an over-budget run before any of its jobs runs.
        var estimate = CostEstimator.Estimate(w, plan.Items, request, ct, planned: mode == BackfillMode.New);
        var billedBefore = mode == BackfillMode.Resume && estimate.Applicable ? ledger.BytesBilled(plan.RunId) : 0;
        foreach (var line in estimate.Describe(pricing)) callbacks.Verbose?.Invoke(line);
        CostBudget.EnsureEstimateFits(estimate, request.MaxBytesBilled, billedBefore);
        return new RunBudget(estimate, billedBefore);
    }

    /// <summary>Runs left Running by a dead process become Interrupted; this run's record is started, or reopened on -Resume.</summary>
    private static void OpenRunRecord(IWarehouse w, BackfillLedger ledger, RunPlan plan, BackfillRequest request, BackfillMode mode, DateTime startedAt, CancellationToken ct)
    {
        ledger.MarkInterruptedRuns();
        PublishArchive.Prune(w, request.ArchiveKeepVersions, request.ArchiveKeepDays, DateTime.UtcNow, ct);
        if (mode == BackfillMode.Resume)
            w.Execute(BackfillLedger.ResumeRunSql, WarehouseExtensions.Params(("run_id", plan.RunId)));
        else ledger.StartRun(plan.RunId, request, plan.Items, plan.ResumedFrom, startedAt);
    }

    private static BackfillRunner CreateRunner(IWarehouse w, BackfillLedger ledger, BackfillRequest request, RunPlan plan, RunBudget budget,
        IPublishFence fence, List<BackfillResult> emitted, BackfillCallbacks callbacks)
    {
        var runner = new BackfillRunner(w, request, plan.RunId, new BackfillCallbacks
        {
            Result = r => { lock (emitted) emitted.Add(r); callbacks.Result?.Invoke(r); },
            Verbose = callbacks.Verbose,
            Warning = callbacks.Warning,
            Progress = callbacks.Progress,
        }) { Fence = fence };
        if (w is Warehouse.BigQuery.BigQueryWarehouse bigQuery)
            runner.CostGuard = new RunCostGuard(bigQuery, ledger, plan.RunId, budget.Estimate, request.MaxBytesBilled, budget.BilledBefore);
        return runner;
    }

    /// <summary>
    /// A run that stopped early: Ctrl+C (the token, or the host stopping the pipeline while a result is written),
    /// -ErrorAction Stop, or a failure. The partition in flight was rolled back with its transaction; the rest is marked
    /// for -Resume, the run record is closed and the alert goes out. The caller rethrows the original error.
    /// </summary>
    private static void EndEarly(Exception ex, BackfillLedger ledger, RunPlan plan, List<BackfillResult> emitted, Uri? alertWebhook,
        BackfillCallbacks callbacks, CancellationToken ct)
    {
        var runId = plan.RunId;
        var cancelled = ex is OperationCanceledException || ct.IsCancellationRequested;
        var endStatus = cancelled ? RunStatus.Cancelled : ex is BackfillException ? RunStatus.Failed : RunStatus.Stopped;
        Exception? ledgerFailure = null;
        // A run that lost its lock writes nothing more: the ledger may already be another run's (a -Resume of this
        // run id). Its partitions stay Pending/Running, which -Resume picks up like Cancelled ones. It still alerts.
        var lockLost = WarehouseLock.IsLockLoss(ex);
        if (!lockLost) try
        {
            ledger.CancelUnfinished(runId);
            ledger.FinishRun(runId, endStatus, $"{(cancelled ? "Cancelled" : ex.Message)}; resume with Invoke-Backfill -Resume {runId}");
        }
        catch (Exception failure)
        {
            // The warehouse itself failed: the original error is the one to report; the run stays resumable.
            ledgerFailure = failure;
        }
        // The alert goes out before the error propagates, which is what ends an unattended runbook.
        if (alertWebhook is not null)
        {
            var (problems, unfinished) = ProblemsSoFar(lockLost ? null : ledger, runId, emitted, plan.Items);
            var warning = AlertSender.TrySend(alertWebhook, AlertSender.BuildText(runId, problems, plan.Items.Count(p => p.IsRun), endStatus, unfinished),
                timeout: cancelled ? AlertSender.CancelTimeout : AlertSender.Timeout);
            if (warning is not null)
            {
                try { callbacks.Warning?.Invoke(warning); }
                catch (Exception) { /* The host is stopping and takes no more output; the caller's rethrow still ends the run. */ }
            }
        }
        if (cancelled && ledgerFailure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ledgerFailure);
    }

    /// <summary>A run that got through its plan: close the record and alert on the partitions that need repair.</summary>
    private static BackfillSummary Finish(BackfillLedger ledger, RunPlan plan, IReadOnlyList<BackfillResult> results, Uri? alertWebhook,
        BackfillCallbacks callbacks)
    {
        var failing = results.Where(NeedsRepair).ToList();
        var status = failing.Count == 0 ? RunStatus.Succeeded : RunStatus.CompletedWithFailures;
        ledger.FinishRun(plan.RunId, status, failing.Count == 0 ? null : $"{failing.Count} partition(s) failed or quarantined; repair with -RetryFailed {plan.RunId}");
        if (failing.Count > 0 && alertWebhook is not null
            && AlertSender.TrySend(alertWebhook, AlertSender.BuildText(plan.RunId, failing, results.Count)) is { } alertWarning)
            callbacks.Warning?.Invoke(alertWarning);
        return new BackfillSummary(plan.RunId, status, results);
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
        throw new BackfillException(ErrorIds.PreflightFailed, ErrorKind.InvalidData,
            $"Pre-flight: required Phase 3 data is missing (needs rows on ≥ {PreflightReport.RequiredPresencePct}% of the dates). {detail}. " +
            "Run the Phase 3 jobs for those dates, or use -Force to backfill the rest (the missing dates will fail as UpstreamMissing).",
            report);
    }
}
