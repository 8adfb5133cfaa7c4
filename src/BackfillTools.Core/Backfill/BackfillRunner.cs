using System.Diagnostics;
using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using static BackfillTools.Core.Warehouse.Col;

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
/// below the gate is quarantined; the previously published data stays.
/// </summary>
public sealed class BackfillRunner
{
    public const string StagingDataset = DatasetNames.Staging;
    public const string QuarantineDataset = DatasetNames.Quarantine;

    private static readonly TableDef ResultsShape = WarehouseSchema.BackfillPartitions;
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
            DropStaging();
            CostGuard?.TryRecordJobs();
        }
        return all;
    }

    /// <summary>The dates of one processor call each; the cost estimate counts the same chunks.</summary>
    internal static IEnumerable<List<DateOnly>> Chunk(List<DateOnly> dates, int datesPerChunk)
    {
        if (datesPerChunk > 0)
        {
            for (var i = 0; i < dates.Count; i += datesPerChunk)
                yield return dates.Skip(i).Take(datesPerChunk).ToList();
            yield break;
        }
        // Set-based default: a season per call keeps windows inside one season and progress meaningful.
        foreach (var season in dates.GroupBy(Season.YearOf)) yield return season.ToList();
    }

    /// <summary>The tables one processor chunk of a run stages into (the publish reads them; the quarantine stays).</summary>
    internal sealed record Staging(StagingTables Tables, TableDef Results, TableDef Quarantine, TableDef Counts)
    {
        /// <summary>The run's own tables, dropped after each chunk and at the end of the run.</summary>
        public IEnumerable<TableDef> Scratch => new[] { Tables.Dates, Tables.Rows, Tables.Failures, Tables.ContextSources, Results, Counts };
    }

    /// <summary>Names and shapes of a chunk's staging tables; <paramref name="tag"/> (from the run id) keeps parallel runs apart.</summary>
    internal static Staging StagingFor(ProcessorDefinition def, string runId, string tag)
    {
        var p = def.Name.ToString().ToLowerInvariant();
        var tables = new StagingTables(runId,
            new TableDef(StagingDataset, $"{p}_dates_{tag}", new[] { Date("analysis_date", false) }, Array.Empty<string>()),
            def.StagingRows.WithName(StagingDataset, $"{p}_rows_{tag}"),
            WarehouseSchema.PrecomputeFailures.WithName(StagingDataset, $"{p}_failures_{tag}"),
            WarehouseSchema.ContextSourceLog.WithName(StagingDataset, $"{p}_context_{tag}"));
        return new Staging(tables, ResultsShape.WithName(StagingDataset, $"{p}_results_{tag}"),
            def.Output.WithName(QuarantineDataset, def.Output.Name), ScopedPublisher.CountsShape.WithName(StagingDataset, $"{p}_counts_{tag}"));
    }

    private Staging CreateStaging(ProcessorDefinition def)
    {
        var staging = StagingFor(def, _runId, _tag);
        foreach (var t in staging.Scratch)
        {
            _w.DropTable(t.Dataset, t.Name);
            _w.EnsureTable(t);
        }
        _w.EnsureTable(staging.Quarantine);
        return staging;
    }

    private void DropStaging()
    {
        foreach (var t in ProcessorCatalog.All.SelectMany(def => StagingFor(def, _runId, _tag).Scratch))
        {
            try { _w.DropTable(t.Dataset, t.Name); }
            catch (Exception) { /* best effort: staging tables carry the run id and are harmless */ }
        }
    }

    private sealed record DateAudit(long Games, long Phase3Rows, long Expected, long Rows, long Accounted, long NullKeys,
        long DuplicateKeys, long UpstreamFailures, string? UpstreamReason, string Source, long? Pgs, long? Upcg, string? SourceReason)
    {
        /// <summary>Final games lacking a team's rows in a Phase 3 table the processor reads, waived ones included.</summary>
        public IReadOnlyList<GameGap> Gaps { get; init; } = Array.Empty<GameGap>();
        public IReadOnlyList<GameGap> OpenGaps => Gaps.Where(g => !g.IsWaived).ToList();
        public IReadOnlyList<GameGap> WaivedGaps => Gaps.Where(g => g.IsWaived).ToList();
    }

    private IReadOnlyList<BackfillResult> ProcessChunk(ProcessorName name, List<DateOnly> dates, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var started = DateTime.UtcNow;
        var def = ProcessorCatalog.Get(name);
        var processor = ProcessorCatalog.Create(name);
        var staging = CreateStaging(def);
        var st = staging.Tables with { ReadWindow = Season.ReadWindow(dates) };

        // Games are final but Phase 3 never ran, or lacks a game: nothing (complete) to compute from, and "0 expected"
        // or "every player of the games present" must not pass as fine.
        var upstream = Phase3Presence(def, dates, ct);
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

        var audits = computeError is null ? Audit(def, st, ct) : new Dictionary<DateOnly, DateAudit>();
        var finished = DateTime.UtcNow;
        var perDateMs = clock.ElapsedMilliseconds / Math.Max(1, dates.Count);
        var results = dates.Select(d => Judge(name, d, upstream[d], audits.GetValueOrDefault(d), computeError, perDateMs)).ToList();

        ct.ThrowIfCancellationRequested();
        BeforePublish?.Invoke(name, dates);
        var published = new ScopedPublisher(_w, _runId) { Fence = Fence, InsidePublish = InsidePublish }
            .Publish(def, staging, results, started, finished, ct);
        foreach (var r in published) Report(r);
        return published;
    }

    private Dictionary<DateOnly, DateAudit> Phase3Presence(ProcessorDefinition def, List<DateOnly> dates, CancellationToken ct)
    {
        // TDZA reads team defense; every other processor's entities come from player_game_summary.
        var table = def.Name == ProcessorName.TDZA ? WarehouseSchema.TeamDefenseGameSummary : WarehouseSchema.PlayerGameSummary;
        var range = WarehouseExtensions.Params(("lo", dates.Min()), ("hi", dates.Max()));
        var games = BackfillPlanner.GameDates(_w, dates.Min(), dates.Max(), ct);
        var rows = _w.Query(RowsPerDateSql(table), range, ct)
            .AsRows().ToDictionary(r => r.GetDate("game_date"), r => r.GetInt64("n"));
        // The shared completeness rule over the Phase 3 game tables this processor reads; waivers come from the ledger.
        var gaps = UpstreamCompleteness.Find(_w, DateScope.Range(dates.Min(), dates.Max()),
            UpstreamCompleteness.TablesFor(def.Name), ct).ToLookup(g => g.Date);
        return dates.ToDictionary(d => d, d => new DateAudit(games.GetValueOrDefault(d), rows.GetValueOrDefault(d), 0, 0, 0, 0, 0, 0,
            rows.GetValueOrDefault(d) == 0 ? $"no rows in {table.FullName}" : null, "n/a", null, null, null) { Gaps = gaps[d].ToList() });
    }

    internal static string RowsPerDateSql(TableDef table) =>
        $"SELECT game_date, COUNT(*) AS n FROM {table.Placeholder} WHERE game_date BETWEEN @lo AND @hi GROUP BY game_date";

    /// <summary>The runner's own reads (presence and the staged audit), for the GoogleSQL gate.</summary>
    [StatementCatalog]
    internal static IEnumerable<RegisteredStatement> Catalog()
    {
        var d = new DateOnly(2023, 2, 23);
        foreach (var table in new[] { WarehouseSchema.TeamDefenseGameSummary, WarehouseSchema.PlayerGameSummary })
            yield return new($"BackfillRunner.RowsPerDate[{table.FullName}]", RowsPerDateSql(table), WarehouseExtensions.Params(("lo", d), ("hi", d)));
        foreach (var def in ProcessorCatalog.All)
            yield return new($"BackfillRunner.Audit[{def.Name}]", AuditSql(def, StagingFor(def, "gate-run", "gate").Tables with { ReadWindow = Season.ReadWindow(new[] { d }) }));
    }

    private Dictionary<DateOnly, DateAudit> Audit(ProcessorDefinition def, StagingTables st, CancellationToken ct) =>
        _w.Query(AuditSql(def, st), null, ct).AsRows().ToDictionary(r => r.GetDate("analysis_date"), r => new DateAudit(0, 0,
            r.GetInt64("expected"), r.GetInt64("n_rows"), r.GetInt64("accounted"), r.GetInt64("null_keys"), r.GetInt64("dup_keys"),
            r.GetInt64("upstream_failures"), r.GetString("upstream_reason"), r.GetString("source") ?? "n/a",
            r.GetNullableInt64("pgs_players"), r.GetNullableInt64("upcg_rows"), r.GetString("source_reason")));

    // Coverage is the one shared definition (Test-Coverage uses it on the published tables); the row rules and the
    // context decision are the gate's own additions.
    private static string AuditSql(ProcessorDefinition def, StagingTables st) => $@"
WITH acc AS ({CoverageAccounting.Sql(def.Name, st.Dates.Placeholder, st.Rows.Placeholder, st.Failures.Placeholder, st.ReadWindow)}),
     rc AS (SELECT {def.DateColumn} AS analysis_date, COUNTIF({def.EntityColumn} IS NULL) AS null_keys,
                   COUNT(*) - COUNT(DISTINCT {def.EntityColumn}) - COUNTIF({def.EntityColumn} IS NULL) AS dup_keys
            FROM {st.Rows.Placeholder} GROUP BY {def.DateColumn})
SELECT acc.analysis_date, acc.expected, acc.actual AS n_rows, acc.accounted, COALESCE(rc.null_keys, 0) AS null_keys,
       COALESCE(rc.dup_keys, 0) AS dup_keys, acc.upstream_failures, acc.upstream_reason,
       c.source, c.pgs_players, c.upcg_rows, c.reason AS source_reason
FROM acc
LEFT JOIN rc ON rc.analysis_date = acc.analysis_date
LEFT JOIN {st.ContextSources.Placeholder} AS c ON c.analysis_date = acc.analysis_date";

    private BackfillResult Judge(ProcessorName name, DateOnly date, DateAudit presence, DateAudit? audit, string? computeError, long durationMs)
    {
        BackfillResult Make(PartitionStatus status, string? error, string? message, bool warning = false) => new()
        {
            RunId = _runId, Date = date, Season = Season.LabelOf(date), Processor = name, Status = status,
            Expected = audit?.Expected ?? 0, Actual = audit?.Rows ?? 0, Accounted = audit?.Accounted ?? 0,
            CoveragePct = audit is { Expected: > 0 } a ? Math.Round(100.0 * a.Accounted / a.Expected, 2) : null,
            RowsPct = audit is { Expected: > 0 } b ? Math.Round(100.0 * b.Rows / b.Expected, 2) : null,
            Source = audit?.Source ?? "n/a", SourceReason = audit?.SourceReason, PgsPlayers = audit?.Pgs, UpcgRows = audit?.Upcg,
            RowsWritten = status == PartitionStatus.Published ? audit?.Rows ?? 0 : 0, DurationMs = durationMs,
            ErrorCategory = error, Message = message, IsWarning = warning,
        };

        if (presence.Phase3Rows == 0)
            return Make(PartitionStatus.Failed, "UpstreamMissing",
                $"{presence.Games} final game(s) scheduled but {presence.UpstreamReason}; run the Phase 3 job for this date, then retry.");
        if (presence.OpenGaps is { Count: > 0 } open)
        {
            var ids = UpstreamCompleteness.GameIds(open);
            return Make(PartitionStatus.Failed, "UpstreamIncomplete",
                $"{ids.Length} of {presence.Games} final game(s) lack Phase 3 rows: {UpstreamCompleteness.Describe(open)}. " +
                $"Not published: the players of a missing game would never be expected. Load those rows and retry; a game that can never be " +
                $"filled can be waived with Add-BackfillWaiver -GameId {string.Join(", ", ids)} -Reason '<why>'.");
        }
        var waivedNote = presence.WaivedGaps is { Count: > 0 } waived
            ? $"Waived game(s) left out: {UpstreamCompleteness.Describe(waived, withReason: true)}."
            : null;
        if (computeError is not null)
            return Make(PartitionStatus.Failed, "ProcessorFailed", $"The processor failed: {computeError}");
        if (audit is null)
            return Make(PartitionStatus.Failed, "ProcessorFailed", "The audit found no result for this date.");
        if (audit.Expected == 0)
            return Make(PartitionStatus.Failed, "UpstreamMissing",
                $"{presence.Games} final game(s) scheduled but the processor expects no entities; its inputs are missing.");
        if (audit.NullKeys > 0 || audit.DuplicateKeys > 0)
            return Make(PartitionStatus.Quarantined, "RowRulesViolated",
                $"{audit.NullKeys} row(s) with a NULL key and {audit.DuplicateKeys} duplicate key(s); rows kept in quarantine for inspection.");
        var coverage = 100.0 * audit.Accounted / audit.Expected;
        if (coverage < _request.MinCoverage && audit.UpstreamFailures * 2 >= audit.Expected)
            return Make(PartitionStatus.Failed, "UpstreamMissing",
                $"Upstream Phase 4 rows are missing ({audit.UpstreamReason}); backfill the upstream processor for this date first.");
        if (coverage < _request.MinCoverage)
            return Make(PartitionStatus.Quarantined, "CoverageBelowThreshold",
                $"Coverage {coverage:0.##}% ({audit.Accounted} of {audit.Expected} expected entities) is below -MinCoverage {_request.MinCoverage}%; " +
                $"not published, previous data kept, rows in {QuarantineDataset}.{ProcessorCatalog.Get(name).Output.Name}." +
                (audit.Source == "UPCG" ? $" The context came from UPCG ({audit.Upcg} rows for {audit.Pgs} players): clear it with Clear-StaleUpcg -Date {date:yyyy-MM-dd}." : ""));
        if (coverage < _request.WarnCoverage)
            return Make(PartitionStatus.Published, "CoverageLow",
                $"Published with coverage {coverage:0.##}% (below -WarnCoverage {_request.WarnCoverage}%).{(waivedNote is null ? "" : " " + waivedNote)}", warning: true);
        return Make(PartitionStatus.Published, null, waivedNote);
    }

    private void Report(BackfillResult r)
    {
        var source = r.Source == "n/a" ? "" : $" context {r.Source} (E={r.PgsPlayers}, U={r.UpcgRows}{(r.SourceReason is null ? "" : ": " + r.SourceReason)});";
        _cb.Verbose?.Invoke($"{r.Date:yyyy-MM-dd} {r.Processor}:{source} expected {r.Expected}, accounted {r.Accounted}, rows {r.Actual} → {r.Status}" +
                            (r.Message is null ? "" : $" — {r.Message}"));
        if (r.IsWarning && r.Message is not null) _cb.Warning?.Invoke($"{r.Date:yyyy-MM-dd} {r.Processor}: {r.Message}");
    }
}
