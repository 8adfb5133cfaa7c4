-- PSZA: player shot zone analysis (processors spec §6), all dates of the run at once.

-- @@ psza_games
-- The player's last 20 qualifying games this season (S_psza <= game_date < D): active, and minutes or shots.
-- Rather than joining every (D, player) to its 20 earlier games (a million rows a season), each game carries the sums
-- of the player's last 10 and 20 games up to it; each D then takes the player's latest game before it (D lies in
-- (game_date, next_date]). One row per (D, player). Integer sums are exact in any order; CAST to INT64 because
-- DuckDB's 128-bit SUM type is slow to scan.
CREATE OR REPLACE TABLE {{work.psza_games}} AS
WITH seasons AS (
  SELECT psza_start, MAX(analysis_date) AS last_date FROM {{work.todo}} GROUP BY psza_start
),
q AS (
  SELECT s.psza_start, p.player_lookup, p.game_date, p.universal_player_id, p.team_abbr, p.data_hash,
         LEAD(p.game_date) OVER w AS next_date,
         COUNT(*) OVER w10 AS n10, COUNT(*) OVER w20 AS n20,
         CAST(SUM(IFNULL(p.paint_attempts, 0)) OVER w10 AS INT64) AS pa10, CAST(SUM(IFNULL(p.paint_attempts, 0)) OVER w20 AS INT64) AS pa20,
         CAST(SUM(IFNULL(p.mid_range_attempts, 0)) OVER w10 AS INT64) AS ma10, CAST(SUM(IFNULL(p.mid_range_attempts, 0)) OVER w20 AS INT64) AS ma20,
         CAST(SUM(IFNULL(p.three_pt_attempts, 0)) OVER w10 AS INT64) AS ta10, CAST(SUM(IFNULL(p.three_pt_attempts, 0)) OVER w20 AS INT64) AS ta20,
         CAST(SUM(IFNULL(p.paint_makes, 0)) OVER w10 AS INT64) AS pm10, CAST(SUM(IFNULL(p.paint_makes, 0)) OVER w20 AS INT64) AS pm20,
         CAST(SUM(IFNULL(p.mid_range_makes, 0)) OVER w10 AS INT64) AS mm10, CAST(SUM(IFNULL(p.mid_range_makes, 0)) OVER w20 AS INT64) AS mm20,
         CAST(SUM(IFNULL(p.three_pt_makes, 0)) OVER w10 AS INT64) AS tm10, CAST(SUM(IFNULL(p.three_pt_makes, 0)) OVER w20 AS INT64) AS tm20,
         CAST(SUM(IFNULL(p.fg_makes, 0)) OVER w10 AS INT64) AS fgm10, CAST(SUM(IFNULL(p.fg_makes, 0)) OVER w20 AS INT64) AS fgm20,
         CAST(SUM(IFNULL(p.assisted_fg_makes, 0)) OVER w10 AS INT64) AS ast10, CAST(SUM(IFNULL(p.assisted_fg_makes, 0)) OVER w20 AS INT64) AS ast20,
         CAST(SUM(IFNULL(p.unassisted_fg_makes, 0)) OVER w10 AS INT64) AS unast10, CAST(SUM(IFNULL(p.unassisted_fg_makes, 0)) OVER w20 AS INT64) AS unast20,
         COUNT(p.paint_attempts) OVER w10 > 0 AND COUNT(p.mid_range_attempts) OVER w10 > 0
           AND COUNT(p.three_pt_attempts) OVER w10 > 0 AS zc10,
         COUNT(p.paint_attempts) OVER w20 > 0 AND COUNT(p.mid_range_attempts) OVER w20 > 0
           AND COUNT(p.three_pt_attempts) OVER w20 > 0 AS zc20
  FROM seasons s
  JOIN {{nba_analytics.player_game_summary}} p ON p.game_date >= s.psza_start AND p.game_date < s.last_date
  WHERE p.is_active AND (p.minutes_played > 0 OR p.fg_attempts > 0)
  WINDOW w AS (PARTITION BY s.psza_start, p.player_lookup ORDER BY p.game_date, p.game_id),
         w10 AS (PARTITION BY s.psza_start, p.player_lookup ORDER BY p.game_date, p.game_id ROWS BETWEEN 9 PRECEDING AND CURRENT ROW),
         w20 AS (PARTITION BY s.psza_start, p.player_lookup ORDER BY p.game_date, p.game_id ROWS BETWEEN 19 PRECEDING AND CURRENT ROW)
)
SELECT t.analysis_date, t.d_psza, q.*
FROM {{work.todo}} t
JOIN q ON q.psza_start = t.psza_start AND q.game_date < t.analysis_date
      AND (q.next_date IS NULL OR q.next_date >= t.analysis_date)

-- @@ psza_window
-- Zone metrics per window W (10 = L10, 20 = L20); sums treat NULL as 0 (§6 step 5).
CREATE OR REPLACE TABLE {{work.psza_window}} AS
WITH sums AS (
  SELECT analysis_date, player_lookup, 10 AS win, n10 AS n, pa10 AS pa, ma10 AS ma, ta10 AS ta, pm10 AS pm, mm10 AS mm,
         tm10 AS tm, fgm10 AS fgm, ast10 AS ast, unast10 AS unast, zc10 AS zones_complete
  FROM {{work.psza_games}}
  UNION ALL
  SELECT analysis_date, player_lookup, 20 AS win, n20, pa20, ma20, ta20, pm20, mm20, tm20, fgm20, ast20, unast20, zc20
  FROM {{work.psza_games}}
),
rates AS (
  SELECT s.*, pa + ma + ta AS total,
         CASE WHEN zones_complete AND pa + ma + ta > 0 THEN ROUND_DECIMAL(pa / (pa + ma + ta) * 100, 2) END AS paint_rate,
         CASE WHEN zones_complete AND pa + ma + ta > 0 THEN ROUND_DECIMAL(ma / (pa + ma + ta) * 100, 2) END AS mid_rate,
         CASE WHEN zones_complete AND pa + ma + ta > 0 THEN ROUND_DECIMAL(ta / (pa + ma + ta) * 100, 2) END AS three_rate
  FROM sums s
)
SELECT analysis_date, player_lookup, win, n, total, zones_complete,
       -- Guard: the three rates must add up to 100 within 2 points, else all are NULL.
       CASE WHEN ABS(paint_rate + mid_rate + three_rate - 100) <= 2 THEN paint_rate END AS paint_rate,
       CASE WHEN ABS(paint_rate + mid_rate + three_rate - 100) <= 2 THEN mid_rate END AS mid_rate,
       CASE WHEN ABS(paint_rate + mid_rate + three_rate - 100) <= 2 THEN three_rate END AS three_rate,
       ROUND_DECIMAL(pm / NULLIF(pa, 0), 3) AS paint_pct, ROUND_DECIMAL(mm / NULLIF(ma, 0), 3) AS mid_pct, ROUND_DECIMAL(tm / NULLIF(ta, 0), 3) AS three_pct,
       ROUND_DECIMAL(pa / n, 1) AS paint_pg, ROUND_DECIMAL(ma / n, 1) AS mid_pg, ROUND_DECIMAL(ta / n, 1) AS three_pg,
       CASE WHEN zones_complete AND total > 0 AND fgm > 0 THEN ROUND_DECIMAL(ast / fgm * 100, 2) END AS assisted_rate,
       CASE WHEN zones_complete AND total > 0 AND fgm > 0 THEN ROUND_DECIMAL(unast / fgm * 100, 2) END AS unassisted_rate
FROM rates

-- @@ psza_calc
-- work.checked: invalid_reason is set only for players who met the minimum (they would have been written).
CREATE OR REPLACE TABLE {{work.checked}} AS
WITH latest AS (
  SELECT analysis_date, player_lookup, universal_player_id, team_abbr, data_hash, d_psza, psza_start
  FROM {{work.psza_games}}
),
team_games AS (
  -- Final schedule games per team in [S_psza, D): tells "season too young" from "player missed games".
  -- Home and away sides are unpivoted so the join is an equality on the team (an OR join would be a cross product).
  SELECT t.analysis_date, g.team, COUNT(DISTINCT g.game_id) AS team_games
  FROM {{work.todo}} t
  JOIN (
    SELECT game_id, game_date, home_team_tricode AS team FROM {{nba_raw.nbac_schedule}} WHERE game_status = 3 AND game_date BETWEEN @read_from AND @read_to
    UNION ALL
    SELECT game_id, game_date, away_team_tricode AS team FROM {{nba_raw.nbac_schedule}} WHERE game_status = 3 AND game_date BETWEEN @read_from AND @read_to
  ) g ON g.game_date >= t.psza_start AND g.game_date < t.analysis_date
  GROUP BY t.analysis_date, g.team
)
SELECT l.analysis_date, l.player_lookup, l.player_lookup AS entity_id, l.universal_player_id, l.data_hash,
       -- The input CTE carries no load time; as before, the source is stamped with the analysis date.
       CAST(l.analysis_date AS TIMESTAMP) AS source_last_updated,
       CASE WHEN l.d_psza <= 21 THEN LEAST(3 + DIV(l.d_psza, 3), 9) ELSE 10 END AS min_games,
       COALESCE(tg.team_games, 0) AS team_games,
       a.n AS n10, b.n AS n20,
       a.paint_rate, a.mid_rate, a.three_rate, a.paint_pct, a.mid_pct, a.three_pct, a.paint_pg, a.mid_pg, a.three_pg,
       a.assisted_rate, a.unassisted_rate, CASE WHEN a.total > 0 THEN a.total END AS total_shots,
       -- L20 columns only when the L20 window holds at least 15 games.
       CASE WHEN b.n >= 15 THEN b.paint_rate END AS paint_rate20, CASE WHEN b.n >= 15 THEN b.mid_rate END AS mid_rate20,
       CASE WHEN b.n >= 15 THEN b.three_rate END AS three_rate20, CASE WHEN b.n >= 15 THEN b.paint_pct END AS paint_pct20,
       CASE WHEN b.n >= 15 THEN b.mid_pct END AS mid_pct20, CASE WHEN b.n >= 15 THEN b.three_pct END AS three_pct20,
       CASE WHEN IFNULL(a.paint_rate, 0) = 0 AND IFNULL(a.mid_rate, 0) = 0 AND IFNULL(a.three_rate, 0) = 0 THEN NULL
            WHEN IFNULL(a.paint_rate, 0) >= 40 THEN 'paint'
            WHEN IFNULL(a.three_rate, 0) >= 40 THEN 'perimeter'
            WHEN IFNULL(a.mid_rate, 0) >= 35 THEN 'mid_range'
            ELSE 'balanced' END AS primary_zone,
       -- Pre-write rule: rates within 0..100, percentages within 0..1.
       CASE WHEN a.n >= (CASE WHEN l.d_psza <= 21 THEN LEAST(3 + DIV(l.d_psza, 3), 9) ELSE 10 END)
             AND NOT (COALESCE(a.paint_rate BETWEEN 0 AND 100 AND a.mid_rate BETWEEN 0 AND 100 AND a.three_rate BETWEEN 0 AND 100, TRUE)
                      AND COALESCE(a.paint_pct BETWEEN 0 AND 1, TRUE) AND COALESCE(a.mid_pct BETWEEN 0 AND 1, TRUE)
                      AND COALESCE(a.three_pct BETWEEN 0 AND 1, TRUE))
            THEN 'Zone rate or percentage out of range' END AS invalid_reason
FROM latest l
JOIN {{work.psza_window}} a ON a.analysis_date = l.analysis_date AND a.player_lookup = l.player_lookup AND a.win = 10
JOIN {{work.psza_window}} b ON b.analysis_date = l.analysis_date AND b.player_lookup = l.player_lookup AND b.win = 20
LEFT JOIN team_games tg ON tg.analysis_date = l.analysis_date AND tg.team = l.team_abbr

-- @@ psza_rows
-- Each value at its column's NUMERIC scale. Production keeps only the paint L20 columns; the other L20 zones and the
-- dynamic minimum are not written (docs/production-schema.md). Completeness: the L10 window expects 10 games.
INSERT INTO {{stage.rows}} (player_lookup, universal_player_id, analysis_date,
  paint_rate_last_10, mid_range_rate_last_10, three_pt_rate_last_10, total_shots_last_10, games_in_sample_10, sample_quality_10,
  paint_pct_last_10, mid_range_pct_last_10, three_pt_pct_last_10,
  paint_attempts_per_game, mid_range_attempts_per_game, three_pt_attempts_per_game,
  paint_rate_last_20, paint_pct_last_20, games_in_sample_20, sample_quality_20,
  assisted_rate_last_10, unassisted_rate_last_10, player_position, primary_scoring_zone, data_quality_tier, calculation_notes,
  source_player_game_last_updated, source_player_game_rows_found, source_player_game_completeness_pct, source_player_game_hash,
  early_season_flag, expected_games_count, actual_games_count, completeness_percentage, missing_games_count,
  is_production_ready, processing_decision_reason, created_at, processed_at)
SELECT player_lookup, universal_player_id, analysis_date,
  ROUND_NUMERIC(paint_rate, 2), ROUND_NUMERIC(mid_rate, 2), ROUND_NUMERIC(three_rate, 2), total_shots, n10,
  CASE WHEN n10 >= 10 THEN 'excellent' WHEN n10 >= 7 THEN 'good' WHEN n10 >= 5 THEN 'limited' ELSE 'insufficient' END,
  ROUND_NUMERIC(paint_pct, 3), ROUND_NUMERIC(mid_pct, 3), ROUND_NUMERIC(three_pct, 3),
  ROUND_NUMERIC(paint_pg, 1), ROUND_NUMERIC(mid_pg, 1), ROUND_NUMERIC(three_pg, 1),
  ROUND_NUMERIC(paint_rate20, 2), ROUND_NUMERIC(paint_pct20, 3), n20,
  CASE WHEN n20 >= 20 THEN 'excellent' WHEN n20 >= 14 THEN 'good' WHEN n20 >= 10 THEN 'limited' ELSE 'insufficient' END,
  ROUND_NUMERIC(assisted_rate, 2), ROUND_NUMERIC(unassisted_rate, 2), CAST(NULL AS STRING), primary_zone,
  CASE WHEN n10 >= min_games THEN 'high' WHEN n10 >= 7 THEN 'medium' ELSE 'low' END, CAST(NULL AS STRING),
  source_last_updated, n10, ROUND_NUMERIC(CAST(n10 AS FLOAT64) * 100 / 10, 2), data_hash,
  min_games < 10, 10, n10, CAST(n10 AS FLOAT64) * 100 / 10, 10 - n10,
  TRUE, 'processed_successfully', @processed_at, @processed_at
FROM {{work.checked}}
WHERE n10 >= min_games AND invalid_reason IS NULL

-- @@ psza_failures
-- Below the dynamic minimum: EXPECTED_INCOMPLETE when the team itself has played fewer games than the minimum
-- (the season is too young), otherwise INSUFFICIENT_DATA (the player missed games). Both are by design.
INSERT INTO {{stage.failures}} (processor_name, run_id, analysis_date, entity_id, failure_category, failure_reason,
                                can_retry, failure_type, expected_game_count, actual_game_count, resolution_status, created_at)
SELECT @processor, @run_id, analysis_date, player_lookup,
       CASE WHEN team_games < min_games THEN 'EXPECTED_INCOMPLETE' ELSE 'INSUFFICIENT_DATA' END,
       CONCAT('Only ', CAST(n10 AS STRING), ' qualifying games in the last 10; need ', CAST(min_games AS STRING)),
       FALSE, 'min_games', min_games, n10, 'by_design', @processed_at
FROM {{work.checked}}
WHERE n10 < min_games
