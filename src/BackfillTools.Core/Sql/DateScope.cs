using System.Globalization;

namespace BackfillTools.Core.Sql;

/// <summary>
/// Which dates a validation looks at: every final game date (optionally within a range or seasons, optionally the
/// regular season only), or an explicit list of dates (which may include off-days, reported as NoGames).
/// Renders the CTEs <c>sched</c> (the schedule, one row per game) and <c>cov_dates</c> (one column analysis_date).
/// </summary>
public sealed class DateScope
{
    private DateScope() { }

    public DateOnly? Start { get; private init; }
    public DateOnly? End { get; private init; }
    public IReadOnlyList<int>? SeasonYears { get; private init; }
    public IReadOnlyList<DateOnly>? Dates { get; private init; }
    public bool RegularSeasonOnly { get; private init; }

    public static DateScope All(bool regularSeasonOnly = false) => new() { RegularSeasonOnly = regularSeasonOnly };

    public static DateScope Range(DateOnly start, DateOnly end)
    {
        if (start > end)
            throw new BackfillException(ErrorIds.InvalidDateRange, ErrorKind.InvalidArgument,
                $"-StartDate {start:yyyy-MM-dd} is after -EndDate {end:yyyy-MM-dd}.", start);
        return new DateScope { Start = start, End = end };
    }

    public static DateScope Seasons(IEnumerable<string> labels, bool regularSeasonOnly = false)
    {
        var years = labels.Select(Season.Parse).Distinct().Order().ToList();
        if (years.Count == 0)
            throw new BackfillException(ErrorIds.NoSeason, ErrorKind.InvalidArgument, "Give at least one season, e.g. -Season 2022-23.");
        return new DateScope { SeasonYears = years, RegularSeasonOnly = regularSeasonOnly };
    }

    public static DateScope Explicit(IEnumerable<DateOnly> dates)
    {
        var list = dates.Distinct().Order().ToList();
        if (list.Count == 0)
            throw new BackfillException(ErrorIds.NoDates, ErrorKind.InvalidArgument, "Give at least one date.");
        return new DateScope { Dates = list };
    }

    /// <summary>
    /// The partition range this scope's statements read (constant bounds on every scan of a require_partition_filter
    /// table): <see cref="Season.ReadWindow"/> of its first and last date (so season openers and windows are inside),
    /// every date for <see cref="All"/>.
    /// </summary>
    public (DateOnly From, DateOnly To) ReadWindow =>
        Dates is { } list ? Season.ReadWindow(list)
        : SeasonYears is { } ys ? (Season.FirstDay(ys[0] - 1), Season.LastDay(ys[^1]))
        : Start is null && End is null ? Season.AllTime
        : (Start is { } s ? Season.ReadWindow(new[] { s }).From : Season.AllTime.From, End is { } e ? Season.ReadWindow(new[] { e }).To : Season.AllTime.To);

    /// <summary><c>column BETWEEN DATE 'from' AND DATE 'to'</c> over <see cref="ReadWindow"/>.</summary>
    public string ReadBound(string column) => Between(column, ReadWindow);

    internal static string Between(string column, (DateOnly From, DateOnly To) window) =>
        $"{column} BETWEEN {Literal(window.From)} AND {Literal(window.To)}";

    internal static string Literal(DateOnly d) => $"DATE '{d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}'";

    internal static string InList(IEnumerable<DateOnly> dates) => string.Join(", ", dates.Select(Literal));

    /// <summary>
    /// CTE <c>sched</c>: one row per (game_id, game_date), the highest game_status then the latest processed_at
    /// (the reference's v_nbac_schedule_latest), final games only unless <paramref name="finalOnly"/> is false.
    /// Columns game_id, game_date, season_year, home, away, is_regular_season, game_status. Rows equal in status and
    /// processed_at are ordered on by every other column kept (NULLS LAST written out: BigQuery puts NULLs first in
    /// ascending order, DuckDB last), so a remaining tie is between rows that agree on everything kept and both
    /// engines keep the same values.
    /// </summary>
    internal static string ScheduleCte(bool finalOnly, (DateOnly From, DateOnly To) window) => $@"sched AS (
  SELECT game_id, game_date, season_year, home_team_tricode AS home, away_team_tricode AS away,
         COALESCE(is_regular_season, FALSE) AS is_regular_season, game_status
  FROM (
    SELECT s.*, ROW_NUMBER() OVER (PARTITION BY s.game_id, s.game_date ORDER BY s.game_status DESC, s.processed_at DESC,
      s.season_year NULLS LAST, s.home_team_tricode NULLS LAST, s.away_team_tricode NULLS LAST, s.is_regular_season NULLS LAST) AS rn
    FROM {{{{nba_raw.nbac_schedule}}}} AS s
    WHERE {Between("s.game_date", window)}
  ) AS x
  WHERE rn = 1{(finalOnly ? " AND game_status = 3" : "")}
)";

    /// <summary>The CTEs <c>sched</c> and <c>cov_dates</c>, to follow WITH.</summary>
    internal string Ctes()
    {
        string dates;
        if (Dates is { } list)
            dates = string.Join("\n  UNION ALL ", list.Select(d => $"SELECT {Literal(d)} AS analysis_date"));
        else
        {
            var filters = new List<string>();
            if (Start is { } s) filters.Add($"game_date >= {Literal(s)}");
            if (End is { } e) filters.Add($"game_date <= {Literal(e)}");
            if (SeasonYears is { } ys) filters.Add($"season_year IN ({string.Join(", ", ys)})");
            if (RegularSeasonOnly) filters.Add("is_regular_season");
            dates = "SELECT DISTINCT game_date AS analysis_date FROM sched" +
                    (filters.Count > 0 ? " WHERE " + string.Join(" AND ", filters) : "");
        }
        return ScheduleCte(true, ReadWindow) + ",\ncov_dates AS (\n  " + dates + "\n)";
    }
}
