using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Core.Accounting;

/// <summary>
/// A final game of the schedule that lacks the rows of one or both of its teams in a game table (raw box scores or a
/// Phase 3 table), and the waiver that excuses it, if any.
/// </summary>
public sealed record GameGap(string Table, DateOnly Date, string GameId, string Away, string Home, bool HasAway, bool HasHome, string? WaiverReason)
{
    public bool IsWaived => WaiverReason is not null;

    /// <summary>The tricodes without rows: both teams for a missing game, one for a one-sided game.</summary>
    public IReadOnlyList<string> MissingTeams =>
        new[] { (Away, HasAway), (Home, HasHome) }.Where(t => !t.Item2).Select(t => t.Item1).ToList();

    public override string ToString() => $"{GameId} {Away} @ {Home}: {Table} lacks {string.Join(", ", MissingTeams)}";
}

/// <summary>
/// The one upstream-completeness rule, shared by the backfill gate, pre-flight, Test-Coverage and Get-SeasonReport:
/// every final game of the schedule has rows of both of its teams in each game table that is checked (for a processor,
/// the Phase 3 game tables it reads). Games are matched by date and the unordered team pair, never by id, because the
/// schedule carries NBA ids and the analytics tables standard ids. A game named in nba_backfill.backfill_waivers is
/// still reported, marked waived, so callers can show it; only unwaived gaps make a date incomplete.
/// </summary>
public static class UpstreamCompleteness
{
    /// <summary>A game table: the column of the row's team, and the two columns that name the game's teams.</summary>
    private sealed record GameTable(TableDef Table, string Team, string SideA, string SideB);

    private static readonly GameTable[] GameTables =
    {
        // Ball Don't Lie rows name both teams of the game rather than the opponent.
        new(WarehouseSchema.PlayerBoxscores, "team_abbr", "home_team_abbr", "away_team_abbr"),
        new(WarehouseSchema.PlayerGameSummary, "team_abbr", "team_abbr", "opponent_team_abbr"),
        new(WarehouseSchema.TeamDefenseGameSummary, "defending_team_abbr", "defending_team_abbr", "opponent_team_abbr"),
        new(WarehouseSchema.TeamOffenseGameSummary, "team_abbr", "team_abbr", "opponent_team_abbr"),
    };

    /// <summary>Every table the rule can check: raw box scores, then PGS, TDGS and TOGS.</summary>
    public static IReadOnlyList<TableDef> AllTables { get; } = GameTables.Select(t => t.Table).ToList();

    /// <summary>The Phase 3 game tables <paramref name="processor"/> reads (processors spec: PGS, TDGS, TOGS among its inputs).</summary>
    public static IReadOnlyList<TableDef> TablesFor(ProcessorName processor) =>
        GameTables.Select(t => t.Table).Where(t => ProcessorCatalog.Get(processor).Phase3Inputs.Contains(t)).ToList();

    /// <summary>
    /// Portable SQL after <c>WITH {ctes}</c> (the <see cref="DateScope"/> CTEs sched and cov_dates): one row per
    /// (table, final game on a date of cov_dates) that lacks a side: tbl, game_date, game_id, away, home, has_away,
    /// has_home, waiver_reason (NULL when not waived).
    /// </summary>
    /// <summary>
    /// The runner's and the pre-flight's form of the completeness read: a date range over the game tables of any set of
    /// processors (one per distinct table set), for the GoogleSQL gate.
    /// </summary>
    [StatementCatalog]
    internal static IEnumerable<RegisteredStatement> Catalog()
    {
        var processors = Enum.GetValues<ProcessorName>();
        var scope = DateScope.Range(new DateOnly(2023, 2, 23), new DateOnly(2023, 2, 24));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var mask = 1; mask < 1 << processors.Length; mask++)
        {
            var tables = processors.Where((_, i) => (mask & (1 << i)) != 0).SelectMany(TablesFor).Distinct().ToList();
            var key = string.Join(",", tables.Select(t => t.FullName));
            if (tables.Count > 0 && seen.Add(key)) yield return new($"UpstreamCompleteness.Gaps[{key}]", GapsSql(scope, tables));
        }
    }

    internal static string GapsSql(DateScope scope, IReadOnlyList<TableDef> tables)
    {
        var ctes = scope.Ctes();
        var checkedTables = GameTables.Where(t => tables.Contains(t.Table)).ToList();
        if (checkedTables.Count == 0) throw new ArgumentException("No game table to check.", nameof(tables));
        var present = string.Join(",\n", checkedTables.Select((t, i) =>
            $"t{i} AS (SELECT DISTINCT game_date, {t.Team} AS team, LEAST({t.SideA}, {t.SideB}) AS lo, GREATEST({t.SideA}, {t.SideB}) AS hi " +
            $"FROM {t.Table.Placeholder} WHERE game_date IN (SELECT analysis_date FROM cov_dates) AND {scope.ReadBound("game_date")})"));
        var sides = string.Join("\n  UNION ALL\n", checkedTables.Select((t, i) =>
            $@"  SELECT '{t.Table.FullName}' AS tbl, g.game_date, g.game_id, g.away, g.home,
         COALESCE(LOGICAL_OR(x.team = g.away), FALSE) AS has_away, COALESCE(LOGICAL_OR(x.team = g.home), FALSE) AS has_home
  FROM g LEFT JOIN t{i} AS x ON x.game_date = g.game_date AND x.lo = g.lo AND x.hi = g.hi
  GROUP BY g.game_date, g.game_id, g.away, g.home"));
        return $@"WITH {ctes},
g AS (SELECT s.game_date, s.game_id, s.away, s.home, LEAST(s.home, s.away) AS lo, GREATEST(s.home, s.away) AS hi
      FROM sched AS s WHERE s.game_date IN (SELECT analysis_date FROM cov_dates)),
{present},
sides AS (
{sides}
)
SELECT sd.tbl, sd.game_date, sd.game_id, sd.away, sd.home, sd.has_away, sd.has_home, wv.reason AS waiver_reason
FROM sides AS sd
LEFT JOIN {WarehouseSchema.BackfillWaivers.Placeholder} AS wv ON wv.game_id = sd.game_id
WHERE NOT (sd.has_away AND sd.has_home)
ORDER BY sd.game_date, sd.game_id, sd.tbl";
    }

    /// <summary>The gaps of <paramref name="tables"/> on the dates of <paramref name="scope"/>, waived ones included.</summary>
    public static IReadOnlyList<GameGap> Find(IWarehouse w, DateScope scope, IReadOnlyList<TableDef> tables, CancellationToken ct = default) =>
        w.Query(GapsSql(scope, tables), null, ct).AsRows().Select(r => new GameGap(
            r.GetString("tbl")!, r.GetDate("game_date"), r.GetString("game_id")!, r.GetString("away") ?? "?", r.GetString("home") ?? "?",
            r.GetBoolean("has_away"), r.GetBoolean("has_home"), r.GetString("waiver_reason"))).ToList();

    /// <summary>
    /// "0022200560 MIA @ BOS (nba_analytics.player_game_summary lacks MIA, BOS)": one entry per game, its tables and
    /// missing teams; with <paramref name="withReason"/> the waiver's reason too.
    /// </summary>
    public static string Describe(IEnumerable<GameGap> gaps, bool withReason = false) =>
        string.Join("; ", gaps.GroupBy(g => (g.GameId, g.Away, g.Home)).Select(game =>
            $"{game.Key.GameId} {game.Key.Away} @ {game.Key.Home} ({string.Join(", ", game.Select(g => $"{g.Table} lacks {string.Join(", ", g.MissingTeams)}"))})" +
            (withReason && game.First().WaiverReason is { } reason ? $" waived: {reason}" : "")));

    /// <summary>The distinct game ids of <paramref name="gaps"/>, in date order.</summary>
    public static string[] GameIds(IEnumerable<GameGap> gaps) => gaps.Select(g => g.GameId).Distinct().ToArray();
}
