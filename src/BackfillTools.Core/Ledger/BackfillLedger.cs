using System.Text.Json;
using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Core.Ledger;

/// <summary>
/// The run and partition records in the warehouse. A partition's final status is written in the same transaction that
/// publishes its data, so the ledger and the tables cannot disagree after a crash; "Running" or "Pending" means not done.
/// </summary>
public sealed class BackfillLedger
{
    private static readonly TableDef Runs = WarehouseSchema.BackfillRuns;
    private static readonly TableDef Parts = WarehouseSchema.BackfillPartitions;
    private static readonly TableDef Jobs = WarehouseSchema.BackfillJobs;
    private readonly IWarehouse _w;

    public BackfillLedger(IWarehouse warehouse) => _w = warehouse;

    public static string NewRunId() => $"{DateTime.UtcNow:yyyyMMddHHmmss}-{Guid.NewGuid().ToString("N")[..8]}";

    public void StartRun(string runId, BackfillRequest request, IReadOnlyList<PlanItem> plan, string? resumedFrom, DateTime startedAt)
    {
        var parameters = JsonSerializer.Serialize(new
        {
            request.StartDate, request.EndDate, request.Seasons, Processors = request.Processors.Select(p => p.ToString()),
            request.MinCoverage, request.WarnCoverage, request.ThrottleLimit, request.SkipPreflight, request.Force,
            request.DatesPerChunk, ContextSource = request.ProcessorOptions.ContextSource.ToString(),
            Partitions = request.Partitions?.Count,
        });
        var runRow = new object?[]
        {
            runId, nameof(RunStatus.Running), startedAt, null, parameters, $"{plan.Count} partitions",
            string.Join(",", plan.Select(p => p.Processor).Distinct()), plan.Count == 0 ? null : plan.Min(p => p.Date),
            plan.Count == 0 ? null : plan.Max(p => p.Date), (long)plan.Count, 0L, 0L, 0L,
            (long)plan.Count(p => !p.IsRun), 0L, ToolInfo.Version, ToolInfo.Host, (long)Environment.ProcessId,
            Environment.UserName, resumedFrom, null,
        };
        _w.BulkAppend(Runs, new[] { runRow });
        _w.BulkAppend(Parts, plan.Select(p => new object?[]
        {
            runId, p.Date, p.Processor.ToString(), p.Season, p.IsRun ? nameof(PartitionStatus.Pending) : nameof(PartitionStatus.Skipped),
            p.Action.ToString(), null, null, null, null, null, null, null, null, 0L, null, null, null, null, p.Reason,
        }));
    }

    internal static string MarkRunningSql => $@"UPDATE {Parts.Placeholder} SET status = 'Running', started_at = @at
WHERE run_id = @run_id AND processor = @processor AND partition_date BETWEEN @lo AND @hi AND status IN ('Pending', 'Running', 'Cancelled')";

    public void MarkRunning(string runId, ProcessorName processor, IReadOnlyCollection<DateOnly> dates, DateTime at)
    {
        _w.Execute(MarkRunningSql,
            WarehouseExtensions.Params(("at", at), ("run_id", runId), ("processor", processor.ToString()), ("lo", dates.Min()), ("hi", dates.Max())));
    }

    private static string CancelUnfinishedSql =>
        $"UPDATE {Parts.Placeholder} SET status = 'Cancelled', message = 'Cancelled by the operator' WHERE run_id = @run_id AND status IN ('Pending', 'Running')";

    private static string StatusCountsSql => $"SELECT status, COUNT(*) AS n FROM {Parts.Placeholder} WHERE run_id = @run_id GROUP BY status";

    private static string FinishRunSql => $@"UPDATE {Runs.Placeholder} SET status = @status, finished_at = @at, published = @published, quarantined = @quarantined,
  failed = @failed, skipped = @skipped, cancelled = @cancelled, message = @message WHERE run_id = @run_id";

    private static string MarkInterruptedSql =>
        $"UPDATE {Runs.Placeholder} SET status = 'Interrupted', message = 'The process ended before the run finished; resume it with -Resume' WHERE status = 'Running'";

    private static string LatestRunIdSql => $"SELECT run_id FROM {Runs.Placeholder} ORDER BY started_at DESC, run_id DESC LIMIT 1";

    private static string PartitionsSql =>
        $"SELECT partition_date, processor, season, status, action, message FROM {Parts.Placeholder} WHERE run_id = @run_id ORDER BY partition_date";

    /// <summary>A resumed run is running again (-Resume keeps its run id).</summary>
    public static string ResumeRunSql => $"UPDATE {Runs.Placeholder} SET status = 'Running', finished_at = NULL WHERE run_id = @run_id";

    /// <summary>The ledger's statements, with sample parameters, for the GoogleSQL gate.</summary>
    [StatementCatalog]
    internal static IEnumerable<RegisteredStatement> LedgerCatalog()
    {
        var run = WarehouseExtensions.Params(("run_id", "r"));
        var d = new DateOnly(2023, 2, 23);
        var t = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        yield return new("BackfillLedger.MarkRunning", MarkRunningSql, WarehouseExtensions.Params(("at", t), ("run_id", "r"), ("processor", "PCF"), ("lo", d), ("hi", d)));
        yield return new("BackfillLedger.CancelUnfinished", CancelUnfinishedSql, run);
        yield return new("BackfillLedger.StatusCounts", StatusCountsSql, run);
        yield return new("BackfillLedger.FinishRun", FinishRunSql, WarehouseExtensions.Params(("status", "Completed"), ("at", t), ("published", 1L),
            ("quarantined", 0L), ("failed", 0L), ("skipped", 0L), ("cancelled", 0L), ("message", SqlNull.String), ("run_id", "r")));
        yield return new("BackfillLedger.MarkInterrupted", MarkInterruptedSql);
        yield return new("BackfillLedger.LatestRunId", LatestRunIdSql);
        yield return new("BackfillLedger.Partitions", PartitionsSql, run);
        yield return new("BackfillLedger.ResumeRun", ResumeRunSql, run);
    }

    /// <summary>The statement that records results staged in <paramref name="results"/>; run inside the publish transaction.</summary>
    public static SqlStatement RecordResultsStatement(string runId, TableDef results) => new($@"
UPDATE {Parts.Placeholder} SET status = r.status, expected = r.expected, actual = r.actual, accounted = r.accounted,
  coverage_pct = r.coverage_pct, rows_pct = r.rows_pct, source = r.source, pgs_players = r.pgs_players, upcg_rows = r.upcg_rows,
  rows_written = r.rows_written, started_at = r.started_at, finished_at = r.finished_at, duration_ms = r.duration_ms,
  error_category = r.error_category, message = r.message
FROM {results.Placeholder} AS r
WHERE {Parts.Placeholder}.run_id = @run_id AND {Parts.Placeholder}.run_id = r.run_id
  AND {Parts.Placeholder}.partition_date = r.partition_date AND {Parts.Placeholder}.processor = r.processor",
        WarehouseExtensions.Params(("run_id", runId)));

    /// <summary>Record an undo as a run of its own (Undo-BackfillRun): its parameters name the undone run and -Force.</summary>
    public void StartUndoRun(string undoRunId, string undoneRunId, bool force, IReadOnlyList<ProcessorName> processors,
        DateOnly start, DateOnly end, DateTime startedAt)
    {
        var parameters = JsonSerializer.Serialize(new { UndoOf = undoneRunId, Force = force });
        _w.BulkAppend(Runs, new[]
        {
            new object?[]
            {
                undoRunId, nameof(RunStatus.Running), startedAt, null, parameters, $"undo of {undoneRunId}", string.Join(",", processors),
                start, end, 0L, 0L, 0L, 0L, 0L, 0L, ToolInfo.Version, ToolInfo.Host, (long)Environment.ProcessId, Environment.UserName, null, null,
            },
        });
    }

    /// <summary>The run an undo run took back (its parameters' UndoOf, as <see cref="StartUndoRun"/> writes them); null for a backfill.</summary>
    public static string? UndoOf(BackfillRunInfo run)
    {
        if (string.IsNullOrEmpty(run.Parameters) || !run.Parameters.Contains("\"UndoOf\"", StringComparison.Ordinal)) return null;
        try
        {
            using var doc = JsonDocument.Parse(run.Parameters);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("UndoOf", out var of) ? of.GetString() : null;
        }
        catch (JsonException) { return null; }
    }

    /// <summary>The undone run's status becomes Undone; its message names the undo (and keeps what it said before).</summary>
    public void MarkUndone(string runId, string undoRunId) =>
        _w.Execute(MarkUndoneSql, WarehouseExtensions.Params(("run_id", runId), ("status", nameof(RunStatus.Undone)), ("note", $"Undone by run {undoRunId}")));

    internal static string MarkUndoneSql =>
        $"UPDATE {Runs.Placeholder} SET status = @status, message = CASE WHEN message IS NULL THEN @note ELSE CONCAT(@note, '; ', message) END WHERE run_id = @run_id AND status <> @status";

    /// <summary>Mark every partition not yet finished as Cancelled (Ctrl+C); a later -Resume picks them up.</summary>
    public void CancelUnfinished(string runId) =>
        _w.Execute(CancelUnfinishedSql, WarehouseExtensions.Params(("run_id", runId)));

    public void FinishRun(string runId, RunStatus status, string? message)
    {
        var counts = _w.Query(StatusCountsSql,
            WarehouseExtensions.Params(("run_id", runId))).AsRows().ToDictionary(r => r.GetString("status")!, r => r.GetInt64("n"));
        long C(PartitionStatus s) => counts.TryGetValue(s.ToString(), out var n) ? n : 0;
        _w.Execute(FinishRunSql,
            WarehouseExtensions.Params(("status", status.ToString()), ("at", DateTime.UtcNow), ("published", C(PartitionStatus.Published)),
                ("quarantined", C(PartitionStatus.Quarantined)), ("failed", C(PartitionStatus.Failed)), ("skipped", C(PartitionStatus.Skipped)),
                ("cancelled", C(PartitionStatus.Cancelled)), ("message", SqlNull.OrNull(message)), ("run_id", runId)));
    }

    /// <summary>Runs left "Running" by a process that died: the caller holds the backfill lock, so none is really running.</summary>
    public int MarkInterruptedRuns() =>
        (int)_w.Execute(MarkInterruptedSql);

    public BackfillRunInfo? GetRun(string runId) => GetRuns(runId, null).FirstOrDefault();

    public string? LatestRunId() =>
        _w.Query(LatestRunIdSql).AsRows()
            .Select(r => r.GetString("run_id")).FirstOrDefault();

    /// <summary>All runs, or the one <paramref name="runId"/> names (no NULL parameter: GoogleSQL refuses <c>= NULL</c>).</summary>
    public IReadOnlyList<BackfillRunInfo> GetRuns(string? runId, int? last) => (runId is null
            ? _w.Query(GetRunsSql(oneRun: false), WarehouseExtensions.Params(("limit", (long)(last ?? 1_000_000))))
            : _w.Query(GetRunsSql(oneRun: true), WarehouseExtensions.Params(("run_id", runId), ("limit", (long)(last ?? 1_000_000)))))
        .AsRows().Select(ToRunInfo).ToList();

    private static string GetRunsSql(bool oneRun) => $@"
SELECT r.run_id, r.status, r.started_at, r.finished_at, r.parameters, r.processors, r.start_date, r.end_date, r.tool_version, r.host,
  r.user_name, r.resumed_from, r.message,
  COUNT(p.run_id) AS partitions, COUNTIF(p.status = 'Published') AS published, COUNTIF(p.status = 'Quarantined') AS quarantined,
  COUNTIF(p.status = 'Failed') AS failed, COUNTIF(p.status = 'Skipped') AS skipped, COUNTIF(p.status = 'Cancelled') AS cancelled,
  COUNTIF(p.status IN ('Pending', 'Running')) AS pending,
  MAX(j.jobs) AS jobs, MAX(j.bytes_processed) AS bytes_processed, MAX(j.bytes_billed) AS bytes_billed,
  MAX(j.slot_ms) AS slot_ms
FROM {Runs.Placeholder} AS r LEFT JOIN {Parts.Placeholder} AS p ON p.run_id = r.run_id
LEFT JOIN ({JobSumsSql("run_id")}) AS j ON j.run_id = r.run_id
{(oneRun ? "WHERE r.run_id = @run_id" : "")}
GROUP BY r.run_id, r.status, r.started_at, r.finished_at, r.parameters, r.processors, r.start_date, r.end_date, r.tool_version, r.host, r.user_name, r.resumed_from, r.message
ORDER BY r.started_at DESC, r.run_id DESC
LIMIT @limit";

    private static BackfillRunInfo ToRunInfo(ResultRow r) => new()
            {
                RunId = r.GetString("run_id")!, Status = Enum.Parse<RunStatus>(r.GetString("status")!), StartedAt = r.GetNullableDateTime("started_at") ?? default,
                FinishedAt = r.GetNullableDateTime("finished_at"), Parameters = r.GetString("parameters"), Processors = r.GetString("processors"),
                StartDate = r.GetNullableDate("start_date"), EndDate = r.GetNullableDate("end_date"), Partitions = r.GetInt64("partitions"),
                Published = r.GetInt64("published"), Quarantined = r.GetInt64("quarantined"), Failed = r.GetInt64("failed"),
                Skipped = r.GetInt64("skipped"), Cancelled = r.GetInt64("cancelled"), Pending = r.GetInt64("pending"),
                ToolVersion = r.GetString("tool_version"), Host = r.GetString("host"), ResumedFrom = r.GetString("resumed_from"),
                Message = r.GetString("message"), UserName = r.GetString("user_name"),
                BigQueryJobs = r.GetNullableInt64("jobs"), BytesProcessed = r.GetNullableInt64("bytes_processed"),
                BytesBilled = r.GetNullableInt64("bytes_billed"), SlotMs = r.GetNullableInt64("slot_ms"),
            };

    /// <summary>Jobs, bytes and slot time of nba_backfill.backfill_jobs summed per <paramref name="groupBy"/> (run_id, or run_id, processor).</summary>
    internal static string JobSumsSql(string groupBy) =>
        $@"SELECT {groupBy}, COUNT(*) AS jobs, SUM(bytes_processed) AS bytes_processed, SUM(bytes_billed) AS bytes_billed, SUM(slot_ms) AS slot_ms
FROM {Jobs.Placeholder} GROUP BY {groupBy}";

    /// <summary>A run's BigQuery jobs summed per processor (jobs outside any processor under "(run)").</summary>
    public IReadOnlyList<ProcessorCost> ProcessorCosts(string runId) =>
        _w.Query(ProcessorCostsSql, WarehouseExtensions.Params(("run_id", runId)))
            .AsRows().Select(r => new ProcessorCost
            {
                RunId = runId, Processor = r.GetString("processor") ?? "(run)", Jobs = r.GetInt64("jobs"),
                BytesProcessed = r.GetInt64("bytes_processed"), BytesBilled = r.GetInt64("bytes_billed"), SlotMs = r.GetInt64("slot_ms"),
            }).ToList();

    /// <summary>Bytes billed so far by a run's jobs (a resumed run continues its budget).</summary>
    public long BytesBilled(string runId) => _w.ScalarInt64(BytesBilledSql, WarehouseExtensions.Params(("run_id", runId)));

    internal static string ProcessorCostsSql =>
        $"SELECT * FROM ({JobSumsSql("run_id, processor")}) AS j WHERE j.run_id = @run_id ORDER BY j.processor";

    internal static string BytesBilledSql => $"SELECT COALESCE(SUM(bytes_billed), 0) FROM {Jobs.Placeholder} WHERE run_id = @run_id";

    /// <summary>The cost guard's ledger statements, with sample parameters, for the GoogleSQL gate.</summary>
    [StatementCatalog]
    internal static IEnumerable<RegisteredStatement> CostCatalog()
    {
        var run = WarehouseExtensions.Params(("run_id", "r"));
        yield return new("BackfillLedger.GetRuns[run]", GetRunsSql(oneRun: true), WarehouseExtensions.Params(("run_id", "r"), ("limit", 20L)));
        yield return new("BackfillLedger.GetRuns[all]", GetRunsSql(oneRun: false), WarehouseExtensions.Params(("limit", 20L)));
        yield return new("BackfillLedger.ProcessorCosts", ProcessorCostsSql, run);
        yield return new("BackfillLedger.BytesBilled", BytesBilledSql, run);
        yield return new("BackfillLedger.MarkUndone", MarkUndoneSql, WarehouseExtensions.Params(("run_id", "r"), ("status", "Undone"), ("note", "Undone by run u")));
    }

    /// <summary>Append finished BigQuery jobs of a run, with who ran them (user and host).</summary>
    public void RecordJobs(string runId, IReadOnlyList<Warehouse.BigQuery.BigQueryJobCost> jobs)
    {
        if (jobs.Count == 0) return;
        _w.BulkAppend(Jobs, jobs.Select(j => new object?[]
        {
            runId, j.Processor, j.JobId, j.Kind, j.BytesProcessed, j.BytesBilled, j.SlotMs, j.FinishedAt, Environment.UserName, ToolInfo.Host,
        }));
    }

    /// <summary>A run's partitions with the given statuses, as plan items (for -Resume and -RetryFailed).</summary>
    public IReadOnlyList<PlanItem> Partitions(string runId, params PartitionStatus[] statuses) =>
        _w.Query(PartitionsSql,
                WarehouseExtensions.Params(("run_id", runId)))
            .AsRows()
            .Where(r => statuses.Length == 0 || statuses.Contains(Enum.Parse<PartitionStatus>(r.GetString("status")!)))
            .Select(r => new PlanItem(r.GetDate("partition_date"), r.GetString("season")!, Enum.Parse<ProcessorName>(r.GetString("processor")!),
                Enum.Parse<PlanAction>(r.GetString("action")!), r.GetString("action") == nameof(PlanAction.Skip) ? r.GetString("message") : null))
            .ToList();

}
