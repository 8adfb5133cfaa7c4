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
    /// Fallback openers are literal rows so the text stays portable (no date constructor is shared by both engines).
    /// </summary>
    internal static string DateInfoCte(string datesTable, string readFrom = "@read_from", string readTo = "@read_to")
    {
        // From 1920: the sample league at its largest scale (25 four-season copies) starts with 1925-26, and a date
        // whose season has no row here would silently drop out of every processor.
        var seasons = string.Join("\n    UNION ALL ", Enumerable.Range(1920, 121).Select(y =>
            $"SELECT {y} AS season_year, DATE '{y}-10-01' AS oct1, DATE '{y}-11-30' AS nov30, " +
            $"DATE '{Season.FallbackOpener(y):yyyy-MM-dd}' AS fallback_opener, DATE '{y}-10-22' AS oct22"));
        return $@"seasons AS (
    {seasons}
),
dates AS (
  SELECT DISTINCT analysis_date,
         CASE WHEN EXTRACT(MONTH FROM analysis_date) >= 10 THEN EXTRACT(YEAR FROM analysis_date)
              ELSE EXTRACT(YEAR FROM analysis_date) - 1 END AS season_year
  FROM {datesTable}
),
openers AS (
  SELECT s.season_year,
         MIN(CASE WHEN sc.is_regular_season AND sc.game_status = 3 THEN sc.game_date END) AS opener,
         MIN(CASE WHEN sc.game_date BETWEEN s.oct1 AND s.nov30 THEN sc.game_date END) AS psza_start
  FROM seasons s
  JOIN {{{{nba_raw.nbac_schedule}}}} sc ON sc.season_year = s.season_year
  WHERE s.season_year IN (SELECT season_year FROM dates) AND sc.game_date BETWEEN {readFrom} AND {readTo}
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
