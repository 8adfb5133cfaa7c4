namespace BackfillTools.Core.Sql;

/// <summary>
/// The season calendar in SQL: each date's season, opener and bootstrap flag, as the processors compute them and
/// Test-Coverage grades them (one text for both, so they cannot disagree on which dates are bootstrap).
/// </summary>
internal static class SeasonCalendarSql
{
    /// <summary>
    /// A CTE named dinfo over the distinct dates of <paramref name="datesTable"/>: season_year, Oct 1, the opener S
    /// (first Final regular-season game, else Season.FallbackOpener), PSZA's start, bootstrap flag and day offsets.
    /// The calendar rows are built for the seasons of those dates only (a date of any season has its row), with
    /// GoogleSQL's DATE(year, month, day), which the DuckDB dialect renders as make_date: a literal row per season
    /// (1920-2040) cost DuckDB about 12 ms of planning in each of the ~15 statements of a daily run (docs/performance.md).
    /// </summary>
    internal static string DateInfoCte(string datesTable, string readFrom = "@read_from", string readTo = "@read_to")
    {
        var knownOpeners = string.Concat(Season.KnownFallbackOpeners.Select(o => $"WHEN {o.Key} THEN DATE '{o.Value:yyyy-MM-dd}' "));
        var fallbackOpener = $"CASE y.season_year {knownOpeners}ELSE DATE(y.season_year, {Season.DefaultFallbackOpenerMonth}, {Season.DefaultFallbackOpenerDay}) END";
        return $@"dates AS (
  SELECT DISTINCT analysis_date,
         CASE WHEN EXTRACT(MONTH FROM analysis_date) >= 10 THEN EXTRACT(YEAR FROM analysis_date)
              ELSE EXTRACT(YEAR FROM analysis_date) - 1 END AS season_year
  FROM {datesTable}
),
seasons AS (
  SELECT y.season_year, DATE(y.season_year, 10, 1) AS oct1, DATE(y.season_year, 11, 30) AS nov30,
         {fallbackOpener} AS fallback_opener, DATE(y.season_year, 10, 22) AS oct22
  FROM (SELECT DISTINCT season_year FROM dates) AS y
),
openers AS (
  SELECT s.season_year,
         MIN(CASE WHEN sc.is_regular_season AND sc.game_status = 3 THEN sc.game_date END) AS opener,
         MIN(CASE WHEN sc.game_date BETWEEN s.oct1 AND s.nov30 THEN sc.game_date END) AS psza_start
  FROM seasons s
  JOIN {{{{nba_raw.nbac_schedule}}}} sc ON sc.season_year = s.season_year
  WHERE sc.game_date BETWEEN {readFrom} AND {readTo}
  GROUP BY s.season_year
),
dinfo AS (
  SELECT d.analysis_date, d.season_year, s.oct1,
         COALESCE(o.opener, s.fallback_opener) AS season_start,
         COALESCE(o.psza_start, s.oct22) AS psza_start,
         DATE_DIFF(d.analysis_date, COALESCE(o.opener, s.fallback_opener), DAY) BETWEEN 0 AND {BackfillRules.BootstrapDays - 1} AS is_bootstrap,
         DATE_DIFF(d.analysis_date, s.oct1, DAY) AS d_oct1,
         DATE_DIFF(d.analysis_date, COALESCE(o.opener, s.fallback_opener), DAY) AS d_start,
         DATE_DIFF(d.analysis_date, COALESCE(o.psza_start, s.oct22), DAY) AS d_psza
  FROM dates d
  JOIN seasons s ON s.season_year = d.season_year
  LEFT JOIN openers o ON o.season_year = d.season_year
)";
    }
}
