using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Core.Validation;

/// <summary>
/// Test-Coverage's engine: a handful of set-based queries for all dates at once (date facts, raw/analytics game
/// presence, one accounting query per processor, the ledger and the context log), then grading and reason
/// classification in memory.
/// </summary>
public static class CoverageValidator
{
    /// <summary>Share of PGS players UPCG must hold for a date not to count as partial (the PCF fallback rule).</summary>
    public const double PartialUpcgRatio = BackfillRules.PartialUpcgRatio;

    /// <summary>The game tables of the Raw and Analytics layers, measured by the shared upstream-completeness rule.</summary>
    private static readonly (CoverageLayer Layer, TableDef Table)[] GameTables =
        UpstreamCompleteness.AllTables.Select(t => (t == WarehouseSchema.PlayerBoxscores ? CoverageLayer.Raw : CoverageLayer.Analytics, t)).ToArray();

    private sealed record DateFacts(long Games, bool IsBootstrap, long PgsPlayers, long UpcgRows, long UpcgPlayers, long TdgsRows);

    private sealed record Accounting(long Expected, long Accounted, long Actual, long ByDesign, long OtherFailures,
        long UpstreamFailures, string? FirstOtherCategory, long UpcgSourced);

    private sealed record LedgerEntry(PartitionStatus Status, string? ErrorCategory, string? Source, long? Pgs, long? Upcg, string? Message);

    private sealed record ContextEntry(string Source, long? Pgs, long? Upcg);

    public static IReadOnlyList<CoverageResult> Run(IWarehouse w, DateScope scope, CoverageOptions options,
        IProgress<ProgressInfo>? progress = null, CancellationToken ct = default)
    {
        options.Validate();
        var layers = options.Layers ?? Enum.GetValues<CoverageLayer>();
        var reportProcessors = options.Processors ?? Enum.GetValues<ProcessorName>();
        var withPrecompute = layers.Contains(CoverageLayer.Precompute);
        var steps = 2 + (withPrecompute ? 6 + (options.Detailed ? reportProcessors.Count : 0) : 0);
        var step = 0;
        void Report(string what) => progress?.Report(new ProgressInfo("Test-Coverage", what, step++, steps));

        Report("dates");
        var facts = Facts(w, scope, ct);
        var results = new List<CoverageResult>();

        // Every layer is judged against the same game gaps (and waivers) as the backfill gate.
        Report("raw and analytics games");
        var gaps = UpstreamCompleteness.Find(w, scope, UpstreamCompleteness.AllTables, ct).ToLookup(g => (g.Table, g.Date));
        if (layers.Any(l => l != CoverageLayer.Precompute))
            results.AddRange(GameCoverage(facts, gaps, layers, options));

        if (withPrecompute)
        {
            // Requested processors get the full accounting; the others only their row counts, which is all the
            // upstream-presence check needs.
            var acc = new Dictionary<ProcessorName, Dictionary<DateOnly, Accounting>>();
            foreach (var p in Enum.GetValues<ProcessorName>())
            {
                ct.ThrowIfCancellationRequested();
                Report($"{p} accounting");
                acc[p] = reportProcessors.Contains(p) ? ProcessorAccounting(w, scope, p, ct) : RowCounts(w, scope, p, ct);
            }
            Report("ledger and context log");
            var ledger = Ledger(w, scope, ct);
            var context = ContextLog(w, scope, ct);
            var holders = PublishedBy(w, scope, ct);
            var unaccounted = new Dictionary<(DateOnly, ProcessorName), string>();
            if (options.Detailed)
                foreach (var p in reportProcessors)
                {
                    Report($"{p} reconciliation");
                    foreach (var kv in Unaccounted(w, scope, p, ct)) unaccounted[(kv.Key, p)] = kv.Value;
                }

            foreach (var (date, f) in facts)
                foreach (var p in reportProcessors)
                {
                    var a = acc[p].GetValueOrDefault(date) ?? new Accounting(0, 0, 0, 0, 0, 0, null, 0);
                    var inputGaps = UpstreamCompleteness.TablesFor(p).SelectMany(t => gaps[(t.FullName, date)]).ToList();
                    var result = JudgePrecompute(date, p, f, a, acc, ledger.GetValueOrDefault((date, p.ToString())),
                        context.GetValueOrDefault((date, p.ToString())), unaccounted.GetValueOrDefault((date, p)), inputGaps, options);
                    result.PublishedByRunId = holders.GetValueOrDefault((date, p.ToString()));
                    results.Add(result);
                }
        }
        Report("done");
        return results.OrderBy(r => r.Date).ThenBy(r => r.Layer).ThenBy(r => Order(r)).ToList();
    }

    private static int Order(CoverageResult r) => r.Layer == CoverageLayer.Precompute
        ? (int)Enum.Parse<ProcessorName>(r.Processor)
        : Array.FindIndex(GameTables, t => t.Table.FullName == r.Table);

    private static Dictionary<DateOnly, DateFacts> Facts(IWarehouse w, DateScope scope, CancellationToken ct) =>
        w.Query(ValidationSql.FactsSql(scope), null, ct).AsRows().ToDictionary(r => r.GetDate("analysis_date"), r => new DateFacts(
            r.GetInt64("games"), r.GetBoolean("is_bootstrap"), r.GetInt64("pgs_players"), r.GetInt64("upcg_rows"),
            r.GetInt64("upcg_players"), r.GetInt64("tdgs_rows")));


    /// <summary>
    /// Scheduled final games vs games present in each raw/analytics table (the shared completeness rule: both teams'
    /// rows, matched by date and team pair). Waived games are neither expected nor present.
    /// </summary>
    private static IEnumerable<CoverageResult> GameCoverage(Dictionary<DateOnly, DateFacts> facts, ILookup<(string, DateOnly), GameGap> gaps,
        IReadOnlyList<CoverageLayer> layers, CoverageOptions options)
    {
        foreach (var (date, f) in facts)
            foreach (var t in GameTables.Where(t => layers.Contains(t.Layer)))
            {
                // Raw is always consulted: games lost there explain analytics gaps.
                var rawGaps = gaps[(WarehouseSchema.PlayerBoxscores.FullName, date)].Where(g => !g.IsWaived).ToList();
                yield return JudgeGames(date, f, t.Layer, t.Table, gaps[(t.Table.FullName, date)].ToList(), rawGaps, options);
            }
    }

    private static CoverageResult JudgeGames(DateOnly date, DateFacts f, CoverageLayer layer, TableDef table, List<GameGap> gaps,
        List<GameGap> rawGaps, CoverageOptions options)
    {
        var waived = gaps.Where(g => g.IsWaived).ToList();
        var open = gaps.Where(g => !g.IsWaived).ToList();
        var expected = f.Games - waived.Count;
        var actual = f.Games - gaps.Count;
        CoverageStatus status;
        var reason = CoverageReason.None;
        string? detail = null;
        double? pct = expected > 0 ? Math.Round(100.0 * actual / expected, 2) : null;
        if (f.Games == 0)
        {
            status = CoverageStatus.NoGames;
            reason = CoverageReason.ByDesign;
            detail = "No final game is scheduled on this date.";
        }
        else if (open.Count == 0 && waived.Count > 0)
        {
            status = CoverageStatus.Waived;
            reason = CoverageReason.Waived;
            detail = WaivedDetail(waived);
        }
        else
        {
            status = Grade(pct!.Value, actual, options);
            if (status != CoverageStatus.OK)
            {
                var missingText = $"{open.Count} of {expected} scheduled game(s) absent: {UpstreamCompleteness.Describe(open)}";
                // Analytics is derived from the raw box scores: games lost there explain the gap.
                if (layer == CoverageLayer.Analytics && rawGaps.Count > 0)
                {
                    reason = CoverageReason.UpstreamMissing;
                    detail = $"{WarehouseSchema.PlayerBoxscores.FullName} lacks {rawGaps.Count} game(s) ({string.Join(", ", UpstreamCompleteness.GameIds(rawGaps))}); {missingText}.";
                }
                else
                {
                    reason = CoverageReason.Unknown;
                    detail = missingText + ".";
                }
            }
        }
        return new CoverageResult
        {
            Date = date, Season = Season.LabelOf(date), Layer = layer, Processor = table.FullName, Table = table.FullName,
            Expected = expected, Actual = actual, Accounted = actual, CoveragePct = pct, Status = status, Reason = reason, Detail = detail,
            MissingGames = UpstreamCompleteness.GameIds(open), WaivedGames = UpstreamCompleteness.GameIds(waived),
        };
    }

    /// <summary>"Waived: 0022100382 NYK @ BOS (…) waived: box scores never published": what a Waived row rests on.</summary>
    private static string WaivedDetail(IEnumerable<GameGap> waived) =>
        $"Complete over the games that exist; waived game(s) left out: {UpstreamCompleteness.Describe(waived, withReason: true)}.";

    private static CoverageStatus Grade(double pct, long actual, CoverageOptions o) =>
        actual == 0 ? CoverageStatus.Missing
        : pct >= o.OkThreshold ? CoverageStatus.OK
        : pct >= o.LowThreshold ? CoverageStatus.Low
        : CoverageStatus.Incomplete;

    private static Dictionary<DateOnly, Accounting> ProcessorAccounting(IWarehouse w, DateScope scope, ProcessorName p, CancellationToken ct) =>
        w.Query(ValidationSql.AccountingSql(scope, p), null, ct).AsRows().ToDictionary(r => r.GetDate("analysis_date"), r => new Accounting(
            r.GetInt64("expected"), r.GetInt64("accounted"), r.GetInt64("actual"), r.GetInt64("by_design"), r.GetInt64("other_failures"),
            r.GetInt64("upstream_failures"), r.GetString("first_other_category"), r.GetInt64("upcg_sourced")));


    private static Dictionary<DateOnly, Accounting> RowCounts(IWarehouse w, DateScope scope, ProcessorName p, CancellationToken ct) =>
        w.Query(ValidationSql.RowCountsSql(scope, p), null, ct).AsRows().ToDictionary(r => r.GetDate("analysis_date"),
            r => new Accounting(0, 0, r.GetInt64("n"), 0, 0, 0, null, 0));



    private static Dictionary<DateOnly, string> Unaccounted(IWarehouse w, DateScope scope, ProcessorName p, CancellationToken ct)
    {
        return w.Query(ValidationSql.UnaccountedSql(scope, p), null, ct).AsRows()
            .GroupBy(r => r.GetDate("analysis_date"))
            .ToDictionary(g => g.Key, g => string.Join(", ", g.Select(r =>
                r.GetString("failure_category") is { } c ? $"{r.GetString("entity_id")} ({c})" : r.GetString("entity_id"))));
    }

    private static Dictionary<(DateOnly, string), LedgerEntry> Ledger(IWarehouse w, DateScope scope, CancellationToken ct) =>
        w.Query(ValidationSql.LedgerSql(scope), null, ct).AsRows().ToDictionary(
            r => (r.GetDate("partition_date"), r.GetString("processor")!.ToUpperInvariant()),
            r => new LedgerEntry(Enum.Parse<PartitionStatus>(r.GetString("status")!), r.GetString("error_category"), r.GetString("source"),
                r.GetNullableInt64("pgs_players"), r.GetNullableInt64("upcg_rows"), r.GetString("message")));


    private static Dictionary<(DateOnly, string), string> PublishedBy(IWarehouse w, DateScope scope, CancellationToken ct) =>
        w.Query(ValidationSql.PublishedBySql(scope), null, ct).AsRows().ToDictionary(
            r => (r.GetDate("partition_date"), r.GetString("processor")!.ToUpperInvariant()), r => r.GetString("run_id")!);

    private static Dictionary<(DateOnly, string), ContextEntry> ContextLog(IWarehouse w, DateScope scope, CancellationToken ct)
    {
        var map = new Dictionary<(DateOnly, string), ContextEntry>();
        foreach (var r in w.Query(ValidationSql.ContextLogSql(scope), null, ct).AsRows())
            map[(r.GetDate("analysis_date"), r.GetString("processor_name")!.ToUpperInvariant())] =
                new ContextEntry(r.GetString("source")!, r.GetNullableInt64("pgs_players"), r.GetNullableInt64("upcg_rows"));
        return map;
    }

    /// <summary>
    /// Some UPCG rows but fewer than the UPCG ratio of the players who played: the one definition of "partial" that Test-Coverage,
    /// Find-StaleUpcg and the pre-flight share. An empty context is not stale rows (nothing to clear), so not partial.
    /// </summary>
    internal static bool IsPartial(long? pgs, long? upcg) => BackfillRules.IsPartialContext(pgs ?? 0, upcg ?? 0);

    private static CoverageResult JudgePrecompute(DateOnly date, ProcessorName p, DateFacts f, Accounting a,
        Dictionary<ProcessorName, Dictionary<DateOnly, Accounting>> all, LedgerEntry? ledger, ContextEntry? ctx,
        string? unaccounted, IReadOnlyList<GameGap> inputGaps, CoverageOptions options)
    {
        var def = ProcessorCatalog.Get(p);
        var open = inputGaps.Where(g => !g.IsWaived).ToList();
        var waived = inputGaps.Where(g => g.IsWaived).ToList();
        double? pct = a.Expected > 0 ? Math.Round(100.0 * a.Accounted / a.Expected, 2) : null;
        var source = !def.UsesPlayerContext ? ContextSources.NotApplicable
            : ctx?.Source ?? (ledger?.Source is { } ls && ls != ContextSources.NotApplicable ? ls : null)
              ?? (a.Actual == 0 ? null : a.UpcgSourced == a.Actual ? nameof(ContextSource.UPCG) : a.UpcgSourced == 0 ? nameof(ContextSource.Synthetic) : nameof(ContextSource.Mixed));
        CoverageResult Make(CoverageStatus status, CoverageReason reason, string? detail) => new()
        {
            Date = date, Season = Season.LabelOf(date), Layer = CoverageLayer.Precompute, Processor = p.ToString(),
            Table = def.Output.FullName, Expected = a.Expected, Actual = a.Actual, Accounted = a.Accounted, CoveragePct = pct,
            Status = status, Reason = reason, Detail = detail, Source = source,
            PgsPlayers = def.UsesPlayerContext ? ctx?.Pgs ?? ledger?.Pgs ?? f.PgsPlayers : null,
            UpcgRows = def.UsesPlayerContext ? ctx?.Upcg ?? ledger?.Upcg ?? f.UpcgRows : null,
            Unaccounted = unaccounted,
            MissingGames = UpstreamCompleteness.GameIds(open), WaivedGames = UpstreamCompleteness.GameIds(waived),
        };

        if (f.Games == 0) return Make(CoverageStatus.NoGames, CoverageReason.ByDesign, "No final game is scheduled on this date.");
        if (f.IsBootstrap) return Make(CoverageStatus.Bootstrap, CoverageReason.ByDesign, "Bootstrap window: days 0-13 after the season opener produce no Phase 4 output.");

        CoverageStatus status;
        if (a.Expected == 0) status = CoverageStatus.Missing;
        else if (a.Actual == 0 && a.Accounted == a.Expected) status = CoverageStatus.NotEligible;
        else status = Grade(pct!.Value, a.Actual, options);

        // Complete coverage of incomplete inputs is the January bug one layer down: the players of a game missing from
        // Phase 3 were never expected. Unwaived gaps make the date a problem; waived ones are shown, never as OK.
        if (status == CoverageStatus.OK && open.Count > 0)
            return Make(CoverageStatus.Incomplete, CoverageReason.UpstreamIncomplete,
                $"Accounted for every expected entity, but the Phase 3 inputs lack {UpstreamCompleteness.Describe(open)}; " +
                $"load those rows and run Invoke-Backfill -Date {date:yyyy-MM-dd} -Processor {def.Name}, or waive a game that can never be filled with Add-BackfillWaiver.");
        if (status == CoverageStatus.OK && waived.Count > 0) return Make(CoverageStatus.Waived, CoverageReason.Waived, WaivedDetail(waived));
        if (status == CoverageStatus.OK) return Make(status, CoverageReason.None, null);
        if (status == CoverageStatus.NotEligible)
            return Make(status, CoverageReason.ByDesign, $"All {a.Expected} expected entities are by-design skips ({CoverageAccounting.ByDesignCategoriesSql.Replace("'", "")}); none is eligible yet.");

        var (reason, detail) = Classify(date, def, f, a, all, ledger, ctx, source);
        return Make(status, reason, detail);
    }

    private static (CoverageReason, string) Classify(DateOnly date, ProcessorDefinition def, DateFacts f, Accounting a,
        Dictionary<ProcessorName, Dictionary<DateOnly, Accounting>> all, LedgerEntry? ledger, ContextEntry? ctx, string? source)
    {
        // 1. Rows built from a partial UPCG: the incident pattern, and the most actionable answer.
        var fromUpcg = ContextSources.IsUpcg(source) || a.UpcgSourced > 0 || ContextSources.IsUpcg(ledger?.Source);
        var partialThen = IsPartial(ctx?.Pgs ?? ledger?.Pgs, ctx?.Upcg ?? ledger?.Upcg);
        var partialNow = IsPartial(f.PgsPlayers, f.UpcgPlayers);
        if (def.UsesPlayerContext && fromUpcg && (partialThen || partialNow) && ledger?.ErrorCategory != PartitionErrors.UpstreamMissing)
        {
            var (pgs, upcg) = partialThen ? (ctx?.Pgs ?? ledger?.Pgs, ctx?.Upcg ?? ledger?.Upcg) : (f.PgsPlayers, f.UpcgRows);
            return (CoverageReason.StaleUpcg,
                $"The player context came from upcoming_player_game_context with {upcg} row(s) for {pgs} players who played. " +
                $"Run Clear-StaleUpcg -Date {date:yyyy-MM-dd}, then Invoke-Backfill -Date {date:yyyy-MM-dd} -Processor {def.Name}.");
        }

        // 2. The gate held the last attempt back.
        if (ledger?.Status == PartitionStatus.Quarantined)
            return (CoverageReason.Quarantined, $"The last backfill quarantined this date ({ledger.ErrorCategory}): {ledger.Message}");

        // 3. Inputs absent: the Phase 3 table the entities come from, or a required upstream Phase 4 table.
        var phase3 = def.Name == ProcessorName.TDZA ? WarehouseSchema.TeamDefenseGameSummary : WarehouseSchema.PlayerGameSummary;
        var phase3Rows = def.Name == ProcessorName.TDZA ? f.TdgsRows : f.PgsPlayers;
        var missing = new List<string>();
        if (phase3Rows == 0) missing.Add(phase3.FullName);
        foreach (var u in def.RequiredUpstream)
            if ((all[u].GetValueOrDefault(date)?.Actual ?? 0) == 0) missing.Add(ProcessorCatalog.Get(u).Output.FullName);
        if (missing.Count > 0 || a.UpstreamFailures > 0 || ledger?.ErrorCategory == PartitionErrors.UpstreamMissing)
            return (CoverageReason.UpstreamMissing, missing.Count > 0
                ? $"No rows for {date:yyyy-MM-dd} in {string.Join(", ", missing)}; backfill those first."
                : ledger?.ErrorCategory == PartitionErrors.UpstreamMissing ? $"The last backfill found inputs missing: {ledger.Message}"
                : $"{a.UpstreamFailures} failure row(s) say an upstream input was incomplete.");

        // 4. Real failures.
        if (a.OtherFailures > 0 || ledger?.Status == PartitionStatus.Failed)
            return (CoverageReason.ProcessorFailure, a.OtherFailures > 0
                ? $"{a.OtherFailures} failure row(s) that are not by-design skips (first category {a.FirstOtherCategory}); see Get-BackfillFailure -Date {date:yyyy-MM-dd} -Processor {def.Name}."
                : $"The last backfill failed ({ledger!.ErrorCategory}): {ledger.Message}");

        if (ledger is null)
            return (CoverageReason.NeverRun, $"No backfill ledger entry for {def.Name} on {date:yyyy-MM-dd}; run Invoke-Backfill -Date {date:yyyy-MM-dd} -Processor {def.Name}.");

        return (CoverageReason.Unknown,
            $"{a.Expected - a.Accounted} expected entities have neither a row nor a by-design failure row; last backfill status {ledger.Status}. Use -Detailed to list them.");
    }
}
