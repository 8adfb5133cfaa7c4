using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Core.Backfill;

/// <summary>
/// What the runner measures for one processor chunk, and the statements it measures with: the Phase 3 presence before
/// computing, and the audit of the staged rows (coverage, row rules, the context decision) after. The verdict on the
/// measurements is <see cref="PartitionGate"/>'s.
/// </summary>
internal static class ChunkAudit
{
    /// <summary>Games, Phase 3 rows and upstream gaps per date, before the chunk is computed.</summary>
    public static Dictionary<DateOnly, DateAudit> Presence(IWarehouse w, ProcessorDefinition def, List<DateOnly> dates, CancellationToken ct)
    {
        var table = PresenceTable(def);
        var range = WarehouseExtensions.Params(("lo", dates.Min()), ("hi", dates.Max()));
        var games = BackfillPlanner.GameDates(w, dates.Min(), dates.Max(), ct);
        var rows = w.Query(PresenceSql(table), range, ct)
            .AsRows().ToDictionary(r => r.GetDate("game_date"), r => r.GetInt64("n"));
        // The shared completeness rule over the Phase 3 game tables this processor reads; waivers come from the ledger.
        var gaps = UpstreamCompleteness.Find(w, DateScope.Range(dates.Min(), dates.Max()),
            UpstreamCompleteness.TablesFor(def.Name), ct).ToLookup(g => g.Date);
        return dates.ToDictionary(d => d, d => new DateAudit(games.GetValueOrDefault(d), rows.GetValueOrDefault(d), 0, 0, 0, 0, 0, 0,
            rows.GetValueOrDefault(d) == 0 ? $"no rows in {table.FullName}" : null, ContextSources.NotApplicable, null, null, null) { Gaps = gaps[d].ToList() });
    }

    /// <summary>The audit of a computed chunk's staging, per date.</summary>
    public static Dictionary<DateOnly, DateAudit> Staged(IWarehouse w, ProcessorDefinition def, StagingTables st, CancellationToken ct) =>
        w.Query(AuditSql(def, st), null, ct).AsRows().ToDictionary(r => r.GetDate("analysis_date"), r => new DateAudit(0, 0,
            r.GetInt64("expected"), r.GetInt64("n_rows"), r.GetInt64("accounted"), r.GetInt64("null_keys"), r.GetInt64("dup_keys"),
            r.GetInt64("upstream_failures"), r.GetString("upstream_reason"), r.GetString("source") ?? ContextSources.NotApplicable,
            r.GetNullableInt64("pgs_players"), r.GetNullableInt64("upcg_rows"), r.GetString("source_reason")));

    /// <summary>The audit's reads (presence and the staged audit), for the GoogleSQL gate.</summary>
    [StatementCatalog]
    internal static IEnumerable<RegisteredStatement> Catalog()
    {
        var d = new DateOnly(2023, 2, 23);
        foreach (var table in new[] { WarehouseSchema.TeamDefenseGameSummary, WarehouseSchema.PlayerGameSummary })
            yield return new($"ChunkAudit.RowsPerDate[{table.FullName}]", PresenceSql(table), WarehouseExtensions.Params(("lo", d), ("hi", d)));
        foreach (var def in ProcessorCatalog.All)
            yield return new($"ChunkAudit.Staged[{def.Name}]", AuditSql(def, BackfillRunner.StagingFor(def, "gate-run", "gate").Tables with { ReadWindow = Season.ReadWindow(new[] { d }) }));
    }

    /// <summary>The audit of a chunk's staging: coverage, row rules and the context decision per date.</summary>
    // Coverage is the one shared definition (Test-Coverage uses it on the published tables); the row rules and the
    // context decision are the gate's own additions.
    internal static string AuditSql(ProcessorDefinition def, StagingTables st) => $@"
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

    /// <summary>The Phase 3 table whose rows say a processor has inputs: TDZA reads team defense, every other processor player_game_summary.</summary>
    internal static TableDef PresenceTable(ProcessorDefinition def) =>
        def.Name == ProcessorName.TDZA ? WarehouseSchema.TeamDefenseGameSummary : WarehouseSchema.PlayerGameSummary;

    internal static string PresenceSql(TableDef table) =>
        $"SELECT game_date, COUNT(*) AS n FROM {table.Placeholder} WHERE game_date BETWEEN @lo AND @hi GROUP BY game_date";
}
