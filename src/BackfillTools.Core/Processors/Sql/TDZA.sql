-- TDZA: team defense zone analysis (processors spec §5), all dates of the run at once.

-- @@ tdza_team
-- Per (D, team): the team's last 15 TDGS games this season (Oct 1 <= game_date < D), summed (NULL counts as 0).
CREATE OR REPLACE TABLE {{work.tdza_team}} AS
WITH ranked AS (
  SELECT t.analysis_date, t.d_oct1, t.d_start, g.*,
         ROW_NUMBER() OVER (PARTITION BY t.analysis_date, g.defending_team_abbr ORDER BY g.game_date DESC, g.game_id DESC) AS rn
  FROM {{work.todo}} t
  JOIN {{nba_analytics.team_defense_game_summary}} g
    ON g.game_date >= t.oct1 AND g.game_date < t.analysis_date
)
SELECT analysis_date, defending_team_abbr AS team_abbr,
       -- As coded the reference counts days from Oct 1 (§11.1); the option counts from the opener S.
       CASE WHEN (CASE WHEN @opt_tdza_season_start THEN MIN(d_start) ELSE MIN(d_oct1) END) <= 21
            THEN LEAST(5 + DIV(CASE WHEN @opt_tdza_season_start THEN MIN(d_start) ELSE MIN(d_oct1) END, 3), 14)
            ELSE 15 END AS min_games,
       COUNT(*) AS n,
       SUM(IFNULL(opp_paint_makes, 0)) AS paint_makes, SUM(IFNULL(opp_paint_attempts, 0)) AS paint_att,
       SUM(IFNULL(opp_mid_range_makes, 0)) AS mid_makes, SUM(IFNULL(opp_mid_range_attempts, 0)) AS mid_att,
       SUM(IFNULL(opp_three_pt_makes, 0)) AS three_makes, SUM(IFNULL(opp_three_pt_attempts, 0)) AS three_att,
       SUM(IFNULL(points_in_paint_allowed, 0)) AS paint_points,
       SUM(IFNULL(blocks_paint, 0)) AS blocks_paint, SUM(IFNULL(blocks_mid_range, 0)) AS blocks_mid,
       SUM(IFNULL(blocks_three_pt, 0)) AS blocks_three,
       SUM(IFNULL(points_allowed, 0)) AS points_allowed,
       AVG(CAST(defensive_rating AS NUMERIC)) AS def_rating, AVG(CAST(opponent_pace AS NUMERIC)) AS opp_pace,
       MAX(CASE WHEN rn = 1 THEN data_hash END) AS source_hash,
       MAX(processed_at) AS source_last_updated
FROM ranked
WHERE rn <= 15
GROUP BY analysis_date, defending_team_abbr

-- @@ tdza_league
-- League zone averages: unweighted mean over teams with >= 10 games in [D-30, D] (the reference includes D, §11.9);
-- defaults 0.580 / 0.410 / 0.355 until 10 teams qualify.
CREATE OR REPLACE TABLE {{work.tdza_league}} AS
WITH team30 AS (
  SELECT t.analysis_date, g.defending_team_abbr,
         SUM(IFNULL(g.opp_paint_makes, 0)) / NULLIF(SUM(IFNULL(g.opp_paint_attempts, 0)), 0) AS paint_pct,
         SUM(IFNULL(g.opp_mid_range_makes, 0)) / NULLIF(SUM(IFNULL(g.opp_mid_range_attempts, 0)), 0) AS mid_pct,
         SUM(IFNULL(g.opp_three_pt_makes, 0)) / NULLIF(SUM(IFNULL(g.opp_three_pt_attempts, 0)), 0) AS three_pct
  FROM {{work.todo}} t
  JOIN {{nba_analytics.team_defense_game_summary}} g
    ON g.game_date >= t.analysis_date - 30
   AND (g.game_date < t.analysis_date OR (g.game_date = t.analysis_date AND NOT @opt_tdza_league_strict))
  GROUP BY t.analysis_date, g.defending_team_abbr
  HAVING COUNT(*) >= 10
),
qualified AS (
  SELECT analysis_date, COUNT(*) AS teams, AVG(CAST(paint_pct AS NUMERIC)) AS paint_pct, AVG(CAST(mid_pct AS NUMERIC)) AS mid_pct, AVG(CAST(three_pct AS NUMERIC)) AS three_pct
  FROM team30
  WHERE paint_pct IS NOT NULL AND mid_pct IS NOT NULL AND three_pct IS NOT NULL
  GROUP BY analysis_date
)
SELECT t.analysis_date,
       COALESCE(q.teams, 0) < 10 AS is_default,
       CASE WHEN COALESCE(q.teams, 0) >= 10 THEN q.paint_pct ELSE 0.580 END AS paint_pct,
       CASE WHEN COALESCE(q.teams, 0) >= 10 THEN q.mid_pct ELSE 0.410 END AS mid_pct,
       CASE WHEN COALESCE(q.teams, 0) >= 10 THEN q.three_pct ELSE 0.355 END AS three_pct
FROM {{work.todo}} t
LEFT JOIN qualified q ON q.analysis_date = t.analysis_date

-- @@ tdza_calc
-- work.checked: one row per team that met the minimum; invalid_reason routes it to VALIDATION_ERROR.
CREATE OR REPLACE TABLE {{work.checked}} AS
WITH base AS (
  SELECT a.*, l.is_default AS league_is_default,
         l.paint_pct AS league_paint, l.mid_pct AS league_mid, l.three_pct AS league_three,
         a.paint_makes / NULLIF(a.paint_att, 0) AS paint_pct,
         a.mid_makes / NULLIF(a.mid_att, 0) AS mid_pct,
         a.three_makes / NULLIF(a.three_att, 0) AS three_pct
  FROM {{work.tdza_team}} a
  JOIN {{work.tdza_league}} l ON l.analysis_date = a.analysis_date
  WHERE a.n >= a.min_games
),
vs AS (
  SELECT b.*,
         (paint_pct - league_paint) * 100 AS paint_vs, (mid_pct - league_mid) * 100 AS mid_vs, (three_pct - league_three) * 100 AS three_vs
  FROM base b
)
SELECT v.*, team_abbr AS entity_id,
       -- Strongest = minimum vs-league, weakest = maximum; ties go to paint, then mid_range, then perimeter.
       CASE WHEN paint_vs IS NOT NULL AND (mid_vs IS NULL OR paint_vs <= mid_vs) AND (three_vs IS NULL OR paint_vs <= three_vs) THEN 'paint'
            WHEN mid_vs IS NOT NULL AND (three_vs IS NULL OR mid_vs <= three_vs) THEN 'mid_range'
            WHEN three_vs IS NOT NULL THEN 'perimeter' END AS strongest_zone,
       CASE WHEN paint_vs IS NOT NULL AND (mid_vs IS NULL OR paint_vs >= mid_vs) AND (three_vs IS NULL OR paint_vs >= three_vs) THEN 'paint'
            WHEN mid_vs IS NOT NULL AND (three_vs IS NULL OR mid_vs >= three_vs) THEN 'mid_range'
            WHEN three_vs IS NOT NULL THEN 'perimeter' END AS weakest_zone,
       NULLIF(SUBSTR(CONCAT(IF(paint_att = 0, '; No paint attempts', ''), IF(mid_att = 0, '; No mid-range attempts', ''),
                            IF(three_att = 0, '; No three-point attempts', '')), 3), '') AS notes,
       -- Pre-write rule: percentages outside 0..1 are routed to failures, never written.
       CASE WHEN NOT (COALESCE(paint_pct BETWEEN 0 AND 1, TRUE) AND COALESCE(mid_pct BETWEEN 0 AND 1, TRUE)
                      AND COALESCE(three_pct BETWEEN 0 AND 1, TRUE)) THEN 'Zone percentage outside 0..1' END AS invalid_reason
FROM vs v

-- @@ tdza_rows
-- Each value at its column's NUMERIC scale. The league averages the vs-league columns are measured against have no
-- production column and are not written (docs/production-schema.md). Completeness: a team's window is its last 15
-- games; expected is the 15-game window (or all its games so far), actual the games in it.
INSERT INTO {{stage.rows}} (team_abbr, analysis_date,
  paint_pct_allowed_last_15, paint_attempts_allowed_per_game, paint_points_allowed_per_game, paint_blocks_per_game,
  paint_defense_vs_league_avg, mid_range_pct_allowed_last_15, mid_range_attempts_allowed_per_game, mid_range_blocks_per_game,
  mid_range_defense_vs_league_avg, three_pt_pct_allowed_last_15, three_pt_attempts_allowed_per_game, three_pt_blocks_per_game,
  three_pt_defense_vs_league_avg, defensive_rating_last_15, opponent_points_per_game, opponent_pace, games_in_sample,
  strongest_zone, weakest_zone, data_quality_tier, calculation_notes,
  source_team_defense_last_updated, source_team_defense_rows_found, source_team_defense_completeness_pct, source_team_defense_hash,
  early_season_flag, expected_games_count, actual_games_count, completeness_percentage, missing_games_count,
  is_production_ready, processing_decision_reason, processed_at, created_at)
SELECT team_abbr, analysis_date,
  ROUND_NUMERIC(paint_pct, 3), ROUND_NUMERIC(paint_att / n, 1), ROUND_NUMERIC(paint_points / n, 1), ROUND_NUMERIC(blocks_paint / n, 1),
  ROUND_NUMERIC(paint_vs, 2), ROUND_NUMERIC(mid_pct, 3), ROUND_NUMERIC(mid_att / n, 1), ROUND_NUMERIC(blocks_mid / n, 1),
  ROUND_NUMERIC(mid_vs, 2), ROUND_NUMERIC(three_pct, 3), ROUND_NUMERIC(three_att / n, 1), ROUND_NUMERIC(blocks_three / n, 1),
  ROUND_NUMERIC(three_vs, 2), ROUND_NUMERIC(def_rating, 2), ROUND_NUMERIC(points_allowed / n, 1), ROUND_NUMERIC(opp_pace, 1), n,
  strongest_zone, weakest_zone,
  CASE WHEN n >= 15 THEN 'high' WHEN n >= 10 THEN 'medium' ELSE 'low' END, notes,
  source_last_updated, n, ROUND_NUMERIC(CAST(n AS FLOAT64) * 100 / 15, 2), source_hash,
  CAST(NULL AS BOOL), 15, n, CAST(n AS FLOAT64) * 100 / 15, 15 - n,
  TRUE, 'processed_successfully', @processed_at, @processed_at
FROM {{work.checked}}
WHERE invalid_reason IS NULL

-- @@ tdza_failures
INSERT INTO {{stage.failures}} (processor_name, run_id, analysis_date, entity_id, failure_category, failure_reason,
                                can_retry, failure_type, expected_game_count, actual_game_count, resolution_status, created_at)
SELECT @processor, @run_id, analysis_date, team_abbr, 'INSUFFICIENT_DATA',
       CONCAT('Only ', CAST(n AS STRING), ' games before D; need ', CAST(min_games AS STRING)),
       FALSE, 'min_games', min_games, n, 'by_design', @processed_at
FROM {{work.tdza_team}}
WHERE n < min_games
