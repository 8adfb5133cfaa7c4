using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Core.Backfill;

/// <summary>
/// What pre-flight found: required Phase 3 tables missing on dates, dates with partial UPCG, and final games lacking a
/// team's Phase 3 rows (unwaived; the gate will fail their dates as UpstreamIncomplete whatever the switches).
/// </summary>
public sealed record PreflightReport(
    IReadOnlyDictionary<string, IReadOnlyList<DateOnly>> MissingDates,
    IReadOnlyDictionary<string, double> PresencePct,
    IReadOnlyList<(DateOnly Date, long Upcg, long Pgs)> PartialUpcg,
    IReadOnlyList<GameGap> IncompleteGames)
{
    public const double RequiredPresencePct = BackfillRules.Phase3PresenceMinPct;
    public IEnumerable<string> FailingTables => PresencePct.Where(kv => kv.Value < RequiredPresencePct).Select(kv => kv.Key);
}

/// <summary>
/// Before writing: every required Phase 3 table must have rows on ≥ 95% of the plan's non-bootstrap dates. The upcoming_*
/// context tables are not required — the synthetic context from player_game_summary replaces them on historical dates —
/// but a partial UPCG is reported, because that is what broke the January backfill.
/// </summary>
public static class Preflight
{
    internal static string PresenceSql(TableDef table) => $"SELECT DISTINCT game_date FROM {table.Placeholder} WHERE game_date BETWEEN @lo AND @hi";

    /// <summary>The pre-flight's presence reads, one per Phase 3 input table, for the GoogleSQL gate.</summary>
    [StatementCatalog]
    internal static IEnumerable<RegisteredStatement> Catalog()
    {
        var d = new DateOnly(2023, 2, 23);
        foreach (var table in ProcessorCatalog.All.SelectMany(p => p.Phase3Inputs).DistinctBy(t => t.FullName))
            yield return new($"Preflight.Presence[{table.FullName}]", PresenceSql(table), WarehouseExtensions.Params(("lo", d), ("hi", d)));
    }

    public static PreflightReport Check(IWarehouse w, IReadOnlyList<PlanItem> plan, CancellationToken ct = default)
    {
        var runDates = plan.Where(p => p.IsRun).Select(p => p.Date).Distinct().OrderBy(d => d).ToList();
        var missing = new Dictionary<string, IReadOnlyList<DateOnly>>();
        var pct = new Dictionary<string, double>();
        if (runDates.Count == 0) return new PreflightReport(missing, pct, Array.Empty<(DateOnly, long, long)>(), Array.Empty<GameGap>());
        var processors = plan.Where(p => p.IsRun).Select(p => p.Processor).Distinct().ToList();
        var range = WarehouseExtensions.Params(("lo", runDates[0]), ("hi", runDates[^1]));
        foreach (var table in RequiredTables(processors))
        {
            var present = w.Query(PresenceSql(table), range, ct)
                .AsRows().Select(r => r.GetDate("game_date")).ToHashSet();
            var absent = runDates.Where(d => !present.Contains(d)).ToList();
            missing[table.FullName] = absent;
            pct[table.FullName] = 100.0 * (runDates.Count - absent.Count) / runDates.Count;
        }

        var partial = new List<(DateOnly, long, long)>();
        if (ChecksContext(processors))
        {
            // The same partial-UPCG finding Find-StaleUpcg reports; age is irrelevant here.
            var dates = runDates.ToHashSet();
            partial.AddRange(StaleContext.Find(w, olderThanDays: null, asOf: null, ct)
                .Where(s => s.IsPartial && dates.Contains(s.Date))
                .Select(s => (s.Date, s.UpcgRows, s.PgsPlayers)));
        }
        // The gate's own completeness rule, over the game tables the planned processors read.
        var gameTables = processors.SelectMany(UpstreamCompleteness.TablesFor).Distinct().ToList();
        var runSet = runDates.ToHashSet();
        var incomplete = UpstreamCompleteness.Find(w, DateScope.Range(runDates[0], runDates[^1]), gameTables, ct)
            .Where(g => !g.IsWaived && runSet.Contains(g.Date)).ToList();
        return new PreflightReport(missing, pct, partial, incomplete);
    }

    /// <summary>The statements <see cref="Check"/> runs for <paramref name="plan"/> (the cost estimate bills each).</summary>
    internal static IEnumerable<string> Statements(IReadOnlyList<PlanItem> plan)
    {
        var runDates = plan.Where(p => p.IsRun).Select(p => p.Date).ToList();
        if (runDates.Count == 0) yield break;
        var processors = plan.Where(p => p.IsRun).Select(p => p.Processor).Distinct().ToList();
        foreach (var table in RequiredTables(processors)) yield return PresenceSql(table);
        if (ChecksContext(processors)) yield return StaleContext.FindSql;
        yield return UpstreamCompleteness.GapsSql(DateScope.Range(runDates.Min(), runDates.Max()),
            processors.SelectMany(UpstreamCompleteness.TablesFor).Distinct().ToList());
    }

    /// <summary>The Phase 3 tables the processors need rows in (the upcoming_* context tables are optional).</summary>
    private static IEnumerable<TableDef> RequiredTables(IEnumerable<ProcessorName> processors) =>
        processors.SelectMany(p => ProcessorCatalog.Get(p).Phase3Inputs)
            .Where(t => !t.Name.StartsWith("upcoming_", StringComparison.Ordinal))
            .DistinctBy(t => t.FullName);

    private static bool ChecksContext(IEnumerable<ProcessorName> processors) => processors.Any(p => ProcessorCatalog.Get(p).UsesPlayerContext);
}
