namespace BackfillTools.Core.Accounting;

/// <summary>One date of upcoming_player_game_context as Find-StaleUpcg sees it.</summary>
public sealed class StaleUpcgDate
{
    public required DateOnly Date { get; init; }
    public long UpcgRows { get; init; }
    public long UpcgPlayers { get; init; }
    public long PgsPlayers { get; init; }
    /// <summary>UPCG players ÷ PGS players × 100; null when nobody has played yet.</summary>
    public double? CoveragePct { get; init; }
    /// <summary>Players played on the date and UPCG holds fewer than the UPCG ratio of them (the Jan-6 trap).</summary>
    public bool IsPartial { get; init; }
    /// <summary>The date is older than -OlderThanDays before -AsOf.</summary>
    public bool IsStale { get; init; }
    public int AgeDays { get; init; }
    public DateTime? LastProcessedAt { get; init; }
}

/// <summary>
/// Which dates of nba_analytics.upcoming_player_game_context are stale (older than the TTL) or partial (fewer than the
/// UPCG ratio of the players who played): read by the backfill preflight and Find-StaleUpcg; Maintenance clears them.
/// </summary>
public static class StaleContext
{
    private static readonly TableDef Upcg = WarehouseSchema.UpcomingPlayerGameContext;

    /// <summary>Dates before this are history; on or after it games are upcoming. A future -AsOf cannot move it past today.</summary>
    public static DateOnly UpcomingFrom(DateOnly? asOf)
    {
        var today = BackfillRules.Today();
        return asOf is { } a && a < today ? a : today;
    }

    internal static string FindSql => $@"WITH u AS (
  SELECT game_date, COUNT(*) AS upcg_rows, COUNT(DISTINCT player_lookup) AS upcg_players, MAX(processed_at) AS last_processed
  FROM {Upcg.Placeholder} GROUP BY game_date),
p AS (
  SELECT game_date, COUNT(DISTINCT player_lookup) AS pgs_players FROM {WarehouseSchema.PlayerGameSummary.Placeholder}
  WHERE game_date IN (SELECT game_date FROM u) GROUP BY game_date)
SELECT u.game_date, u.upcg_rows, u.upcg_players, u.last_processed, COALESCE(p.pgs_players, 0) AS pgs_players
FROM u LEFT JOIN p ON p.game_date = u.game_date
ORDER BY u.game_date";

    [StatementCatalog]
    internal static IEnumerable<RegisteredStatement> Catalog()
    {
        yield return new("StaleUpcg.Find", FindSql);
    }

    /// <param name="olderThanDays">Dates older than this many days count as stale; null reports partial dates only.</param>
    public static IReadOnlyList<StaleUpcgDate> Find(IWarehouse w, int? olderThanDays, DateOnly? asOf, CancellationToken ct)
    {
        var reference = asOf ?? BackfillRules.Today();
        var cutoff = olderThanDays is { } days ? reference.AddDays(-days) : DateOnly.MinValue;
        var list = new List<StaleUpcgDate>();
        foreach (var r in w.Query(FindSql, null, ct).AsRows())
        {
            var date = r.GetDate("game_date");
            var pgs = r.GetInt64("pgs_players");
            var players = r.GetInt64("upcg_players");
            var partial = BackfillRules.IsPartialContext(pgs, players);
            var stale = date < cutoff;
            if (!partial && !stale) continue;
            list.Add(new StaleUpcgDate
            {
                Date = date, UpcgRows = r.GetInt64("upcg_rows"), UpcgPlayers = players, PgsPlayers = pgs,
                CoveragePct = pgs > 0 ? Math.Round(100.0 * players / pgs, 2) : null,
                IsPartial = partial, IsStale = stale, AgeDays = reference.DayNumber - date.DayNumber,
                LastProcessedAt = r.GetNullableDateTime("last_processed"),
            });
        }
        return list;
    }
}
