using System.Text.Json;
using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using static BackfillTools.Core.Backfill.ScopedPublisher;

namespace BackfillTools.Core.Backfill;

/// <summary>One partition (processor × date) of an undo: what it restores, or restored, and whether it had changed since.</summary>
public sealed class UndoResult
{
    public required string UndoneRunId { get; init; }
    /// <summary>The undo's own run id in the ledger (null under -WhatIf).</summary>
    public string? UndoRunId { get; init; }
    public required ProcessorName Processor { get; init; }
    public required DateOnly Date { get; init; }
    public required string Table { get; init; }
    /// <summary>Restored, WouldRestore (-WhatIf) or AlreadyUndone.</summary>
    public required string Status { get; init; }
    /// <summary>Rows whose owned columns get their values from before the run back.</summary>
    public long RowsRestored { get; init; }
    /// <summary>Rows the run deleted, inserted again whole.</summary>
    public long RowsReinserted { get; init; }
    /// <summary>Rows the run inserted (keys that were new), deleted.</summary>
    public long RowsRemoved { get; init; }
    /// <summary>Why the partition counts as changed since the run (a later run, or rows that differ); null when it has not.</summary>
    public string? ChangedSince { get; init; }
    /// <summary>Restored although it had changed (-Force).</summary>
    public bool Forced { get; init; }

    public override string ToString() => $"{Date:yyyy-MM-dd} {Processor} {Status}";
}

/// <summary>
/// Undo-BackfillRun: restores, per batch the run published and in one fenced transaction each, the state its publishes
/// replaced (<see cref="PublishArchive"/>), under the same lock as a backfill. Partitions changed since the run are
/// refused unless forced. The undo is a run in the ledger; the undone run ends Undone. Re-running completes an
/// interrupted undo (restored partitions are in <see cref="WarehouseSchema.UndoLog"/>) and does nothing after a complete one.
/// </summary>
public static class UndoService
{
    public const string PartitionsChangedErrorId = "UndoPartitionsChanged";

    /// <summary>The run named is itself an undo (an undo is not undone).</summary>
    public const string RunIsAnUndoErrorId = ErrorIds.RunIsAnUndo;

    /// <summary>A batch the run published: one processor's dates written by one publish transaction.</summary>
    internal sealed record Batch(ProcessorName Processor, DateTime PublishedAt, IReadOnlyList<DateOnly> Dates);

    /// <summary>What an undo of <paramref name="runId"/> would restore, partition by partition (-WhatIf); writes nothing.</summary>
    public static IReadOnlyList<UndoResult> Preview(IWarehouse w, string runId, CancellationToken ct = default)
    {
        EnsureRun(w, runId);
        return Pending(w, runId, ct).SelectMany(b => Describe(w, runId, b, Changed(w, runId, b, ct), "WouldRestore", null, false, ct)).ToList();
    }

    /// <summary>Undo <paramref name="runId"/> under the backfill lock; returns one result per partition restored by this call.</summary>
    public static IReadOnlyList<UndoResult> Run(WarehouseConnection connection, string runId, bool force, BackfillCallbacks callbacks,
        CancellationToken ct, SqlStatement? insideRestore = null)
    {
        var undoRunId = BackfillLedger.NewRunId();
        var me = LockHolder.Current(undoRunId, DateTime.UtcNow);
        // The same lock as a backfill: the DuckDB file lock before opening, BigQuery's lock row after.
        using var fileLock = connection.Kind == WarehouseKind.DuckDb ? BackfillLock.Acquire(connection.Path!, me) : null;
        using var w = WarehouseService.Open(connection);
        using var tableLock = fileLock is null ? WarehouseLock.Acquire(w, me, ct) : null;
        WarehouseLock? claimed = null;
        try
        {
            // On DuckDB the undo's token joins the lock row only at its first write (a refused undo leaves the file untouched).
            return Execute(w, undoRunId, runId, force, callbacks, ct,
                () => tableLock ?? (claimed = WarehouseLock.ClaimUnderFileLock(w, me, ct)), insideRestore);
        }
        finally
        {
            claimed?.Dispose();
        }
    }

    /// <summary>
    /// The undo itself, on an open warehouse whose lock the caller holds; <paramref name="claimFence"/> gives the fence
    /// at the first write (null: unfenced, tests only). <paramref name="insideRestore"/> is a test hook run inside each
    /// restore transaction, before its undo-log row.
    /// </summary>
    internal static IReadOnlyList<UndoResult> Execute(IWarehouse w, string undoRunId, string runId, bool force, BackfillCallbacks callbacks,
        CancellationToken ct, Func<IPublishFence?> claimFence, SqlStatement? insideRestore = null)
    {
        var startedAt = DateTime.UtcNow;
        var ledger = new BackfillLedger(w);
        var run = EnsureRun(w, runId);
        var pending = Pending(w, runId, ct);
        if (pending.Count == 0)
        {
            // Complete already (or nothing was published): only a status left unset by a kill after the last batch is written.
            if (run.Status != RunStatus.Undone && HasPublished(w, runId, ct)) ledger.MarkUndone(runId, LastUndoRun(w, runId, ct) ?? undoRunId);
            callbacks.Warning?.Invoke($"Run {runId} has nothing left to undo{(run.Status == RunStatus.Undone ? " (it is Undone)" : "")}.");
            return Array.Empty<UndoResult>();
        }
        var planned = pending.ToDictionary(b => b, b => Describe(w, runId, b, Changed(w, runId, b, ct), "Restored", undoRunId, force, ct));
        if (!force && Refusal(runId, planned.Values.SelectMany(r => r)) is { } refusal) throw refusal;
        foreach (var r in planned.Values.SelectMany(r => r).Where(r => r.Forced))
            callbacks.Warning?.Invoke($"{r.Date:yyyy-MM-dd} {r.Processor} changed since run {runId} ({r.ChangedSince}); restored anyway (-Force).");

        var fence = claimFence();
        ledger.StartUndoRun(undoRunId, runId, force, pending.Select(b => b.Processor).Distinct().ToList(),
            pending.SelectMany(b => b.Dates).Min(), pending.SelectMany(b => b.Dates).Max(), startedAt);
        var done = new List<UndoResult>();
        var migrationColumns = new Dictionary<ProcessorName, IReadOnlyList<string>>();
        IReadOnlyList<string> MigrationColumns(ProcessorName p) => migrationColumns.TryGetValue(p, out var c) ? c
            : migrationColumns[p] = PublishArchive.MigrationColumnsIn(w, ProcessorCatalog.OutputOwnership(p).Table);
        try
        {
            foreach (var batch in pending)
            {
                ct.ThrowIfCancellationRequested();
                var results = planned[batch];
                var statements = RestoreStatements(batch, runId, undoRunId, results, MigrationColumns(batch.Processor)).ToList();
                if (insideRestore is not null) statements.Insert(statements.Count - 1, insideRestore);
                fence?.ThrowIfLost();
                try { w.ExecuteInTransaction((fence?.FenceStatements() ?? Array.Empty<SqlStatement>()).Concat(statements).ToList(), ct); }
                catch (Exception ex) when (fence?.AsLockLost(ex) is { } lost) { throw lost; }
                foreach (var r in results) { done.Add(r); callbacks.Verbose?.Invoke($"{r.Date:yyyy-MM-dd} {r.Processor}: restored {r.RowsRestored}, re-inserted {r.RowsReinserted}, removed {r.RowsRemoved}"); }
            }
        }
        catch (Exception ex)
        {
            if (!WarehouseLock.IsLockLoss(ex))
                try { ledger.FinishRun(undoRunId, ex is OperationCanceledException ? RunStatus.Cancelled : RunStatus.Failed,
                    $"Undo of run {runId} stopped after {done.Count} partition(s): {ex.Message}; run Undo-BackfillRun -RunId {runId} again to complete it"); }
                catch (Exception) { /* the original error is the one to report; the undo log says what was restored */ }
            throw;
        }
        var forced = done.Count(r => r.Forced);
        ledger.FinishRun(undoRunId, RunStatus.Succeeded,
            $"Undo of run {runId}: {done.Count} partition(s) restored" + (forced > 0 ? $", {forced} of them changed since and restored with -Force" : ""));
        ledger.MarkUndone(runId, undoRunId);
        return done;
    }

    /// <summary>The refusal of an undo whose partitions changed since the run (null when none did): lists them, writes nothing.</summary>
    public static BackfillException? Refusal(string runId, IEnumerable<UndoResult> partitions)
    {
        var changed = partitions.Where(p => p.ChangedSince is not null).OrderBy(p => p.Date).ThenBy(p => p.Processor).ToList();
        if (changed.Count == 0) return null;
        return new BackfillException(PartitionsChangedErrorId, ErrorKind.InvalidOperation,
            $"{changed.Count} partition(s) changed since run {runId}; nothing was restored. " +
            string.Join("; ", changed.Take(20).Select(c => $"{c.Date:yyyy-MM-dd} {c.Processor}: {c.ChangedSince}")) + (changed.Count > 20 ? "; …" : "") +
            ". Use -Force to restore them anyway (recorded in the ledger).", changed);
    }

    /// <summary>The run to undo: it must be in the ledger and be a backfill (an undo is not undone; its run is backfilled again).</summary>
    private static Ledger.BackfillRunInfo EnsureRun(IWarehouse w, string runId)
    {
        var run = new BackfillLedger(w).GetRun(runId)
            ?? throw new BackfillException(ErrorIds.RunNotFound, ErrorKind.ObjectNotFound, $"No backfill run '{runId}' in the ledger. Get-BackfillRun lists the runs.", runId);
        if (BackfillLedger.UndoOf(run) is { } undone)
            throw new BackfillException(RunIsAnUndoErrorId, ErrorKind.InvalidOperation,
                $"Run {runId} is an undo of run {undone}, not a backfill; an undo cannot be undone. To publish that data again, " +
                $"run Invoke-Backfill over the dates of run {undone} (Get-BackfillRun -RunId {undone} shows them).", runId);
        return run;
    }


    /// <summary>The run's published batches not yet restored, in publish order (from the lineage, minus the undo log).</summary>
    internal static IReadOnlyList<Batch> Pending(IWarehouse w, string runId, CancellationToken ct) =>
        w.Query(PendingSql, WarehouseExtensions.Params(("run_id", runId)), ct).AsRows()
            .GroupBy(r => (Processor: Enum.Parse<ProcessorName>(r.GetString("processor")!), PublishedAt: r.GetNullableDateTime("published_at")!.Value))
            .Select(g => new Batch(g.Key.Processor, g.Key.PublishedAt, g.Select(r => r.GetDate("partition_date")).Order().ToList()))
            .OrderBy(b => b.PublishedAt).ThenBy(b => b.Processor).ToList();

    internal static string PendingSql => $@"SELECT l.processor, l.published_at, l.partition_date FROM {WarehouseSchema.PublishLineage.Placeholder} AS l
WHERE l.run_id = @run_id AND NOT EXISTS (SELECT 1 FROM {WarehouseSchema.UndoLog.Placeholder} AS u
  WHERE u.undone_run_id = l.run_id AND u.processor = l.processor AND u.partition_date = l.partition_date)
ORDER BY l.published_at, l.processor, l.partition_date";

    private static bool HasPublished(IWarehouse w, string runId, CancellationToken ct) =>
        w.ScalarInt64(HasPublishedSql, WarehouseExtensions.Params(("run_id", runId)), ct) > 0;

    internal static string HasPublishedSql => $"SELECT COUNT(*) FROM {WarehouseSchema.PublishLineage.Placeholder} WHERE run_id = @run_id";

    internal static string LastUndoRunSql =>
        $"SELECT undo_run_id FROM {WarehouseSchema.UndoLog.Placeholder} WHERE undone_run_id = @run_id ORDER BY undone_at DESC, undo_run_id DESC LIMIT 1";

    private static string? LastUndoRun(IWarehouse w, string runId, CancellationToken ct) =>
        w.Query(LastUndoRunSql, WarehouseExtensions.Params(("run_id", runId)), ct).AsRows().Select(r => r.GetString("undo_run_id")).FirstOrDefault();

    /// <summary>
    /// Per date of the batch, why it changed since the run: a later publish of the same table × date that is not itself
    /// undone, or owned rows that are not what the run wrote (data_hash / processed_at / presence).
    /// </summary>
    internal static Dictionary<DateOnly, string> Changed(IWarehouse w, string runId, Batch batch, CancellationToken ct)
    {
        var reasons = new Dictionary<DateOnly, string>();
        var dates = DateList.Of(batch.Dates);
        foreach (var r in w.Query(LaterPublishesSql(dates), WarehouseExtensions.Params(("run_id", runId), ("processor", batch.Processor.ToString())), ct).AsRows())
            reasons[r.GetDate("partition_date")] = $"republished by run {r.GetString("later_runs")}";
        var changedRows = PublishArchive.ChangedRowsStatement(ProcessorCatalog.OutputOwnership(batch.Processor), dates, runId);
        foreach (var r in w.Query(changedRows.Sql, changedRows.Parameters, ct).AsRows())
        {
            var d = r.GetDate("partition_date");
            var text = $"{r.GetInt64("changed")} row(s) differ from what the run wrote";
            reasons[d] = reasons.TryGetValue(d, out var earlier) ? $"{earlier}; {text}" : text;
        }
        return reasons;
    }

    internal static string LaterPublishesSql(DateList dates) => $@"SELECT l.partition_date, STRING_AGG(DISTINCT l.run_id, ', ') AS later_runs
FROM {WarehouseSchema.PublishLineage.Placeholder} AS l, {WarehouseSchema.PublishLineage.Placeholder} AS x
WHERE x.run_id = @run_id AND x.processor = @processor AND x.partition_date IN {dates.List}
  AND l.processor = x.processor AND l.partition_date = x.partition_date AND l.run_id <> x.run_id AND l.published_at > x.published_at
  AND NOT EXISTS (SELECT 1 FROM {WarehouseSchema.UndoLog.Placeholder} AS u
                  WHERE u.undone_run_id = l.run_id AND u.processor = l.processor AND u.partition_date = l.partition_date)
GROUP BY l.partition_date";

    private static IReadOnlyList<UndoResult> Describe(IWarehouse w, string runId, Batch batch, Dictionary<DateOnly, string> changed,
        string status, string? undoRunId, bool force, CancellationToken ct)
    {
        var owned = ProcessorCatalog.OutputOwnership(batch.Processor);
        var countsStatement = PublishArchive.CountsStatement(owned, DateList.Of(batch.Dates), runId);
        var counts = w.Query(countsStatement.Sql, countsStatement.Parameters, ct)
            .AsRows().ToDictionary(r => r.GetDate("partition_date"));
        long Count(DateOnly d, string change) => counts.TryGetValue(d, out var c) ? c.GetInt64(change) : 0;
        return batch.Dates.Select(d => new UndoResult
        {
            UndoneRunId = runId, UndoRunId = undoRunId, Processor = batch.Processor, Date = d, Table = owned.Table.FullName, Status = status,
            RowsRestored = Count(d, "updated"), RowsReinserted = Count(d, "deleted"), RowsRemoved = Count(d, "inserted"),
            ChangedSince = changed.GetValueOrDefault(d), Forced = force && changed.ContainsKey(d),
        }).ToList();
    }

    /// <summary>One batch's restore: output and failure rows, the context logs, then the undo log, in one transaction.</summary>
    /// <param name="migrationColumns">The output table's migration columns the warehouse has (<see cref="PublishArchive.MigrationColumnsIn"/>).</param>
    internal static IEnumerable<SqlStatement> RestoreStatements(Batch batch, string runId, string undoRunId, IReadOnlyList<UndoResult> results,
        IReadOnlyCollection<string> migrationColumns)
    {
        var dates = DateList.Of(batch.Dates);
        foreach (var s in PublishArchive.RestoreStatements(ProcessorCatalog.OutputOwnership(batch.Processor), dates, runId, migrationColumns)) yield return s;
        foreach (var s in PublishArchive.RestoreStatements(ProcessorCatalog.FailureOwnership(batch.Processor), dates, runId, Array.Empty<string>())) yield return s;
        foreach (var s in PublishArchive.ContextRestoreStatements(ProcessorCatalog.Get(batch.Processor), dates, runId)) yield return s;
        yield return UndoLogStatement(results, DateTime.UtcNow);
    }

    internal static SqlStatement UndoLogStatement(IReadOnlyList<UndoResult> results, DateTime at)
    {
        var p = new Dictionary<string, object?> { ["at"] = at };
        var rows = results.Select((r, i) =>
        {
            p[$"u{i}"] = r.UndoneRunId; p[$"z{i}"] = r.UndoRunId; p[$"p{i}"] = r.Processor.ToString(); p[$"d{i}"] = r.Date;
            p[$"r{i}"] = r.RowsRestored; p[$"i{i}"] = r.RowsReinserted; p[$"x{i}"] = r.RowsRemoved; p[$"f{i}"] = r.Forced;
            return $"(@u{i}, @z{i}, @p{i}, @d{i}, @r{i}, @i{i}, @x{i}, @f{i}, @at)";
        }).ToList();
        return new($"INSERT INTO {WarehouseSchema.UndoLog.Placeholder} (undone_run_id, undo_run_id, processor, partition_date, rows_restored, rows_reinserted, rows_removed, forced, undone_at) " +
                   $"VALUES {string.Join(", ", rows)}", p);
    }

    /// <summary>The undo's reads and its log insert, with sample values, for the GoogleSQL gate (restores: <see cref="PublishArchive"/>).</summary>
    [StatementCatalog]
    internal static IEnumerable<RegisteredStatement> Catalog()
    {
        var dates = DateList.Of(new[] { new DateOnly(2024, 1, 15) });
        yield return new("UndoService.Pending", PendingSql, WarehouseExtensions.Params(("run_id", "r")));
        yield return new("UndoService.HasPublished", HasPublishedSql, WarehouseExtensions.Params(("run_id", "r")));
        yield return new("UndoService.LastUndoRun", LastUndoRunSql, WarehouseExtensions.Params(("run_id", "r")));
        yield return new("UndoService.LaterPublishes", LaterPublishesSql(dates), WarehouseExtensions.Params(("run_id", "r"), ("processor", "PDC")));
        var log = UndoLogStatement(new[] { new UndoResult { UndoneRunId = "r", UndoRunId = "u", Processor = ProcessorName.PDC, Date = new DateOnly(2024, 1, 15), Table = "t", Status = "Restored" } },
            new DateTime(2024, 1, 16, 0, 0, 0, DateTimeKind.Utc));
        yield return new("UndoService.Log", log.Sql, log.Parameters);
    }
}
