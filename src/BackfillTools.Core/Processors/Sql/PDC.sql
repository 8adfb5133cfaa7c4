-- PDC: player daily cache (processors spec §8), all dates of the run at once.

-- @@ pdc_entities
-- Who is expected: the context rows, plus (on UPCG dates) roster expansion: players not in UPCG with a PGS row in
-- [D-30, D) for a team that plays on D, team from their latest such row, fatigue and age fields NULL.
CREATE OR REPLACE TABLE {{work.pdc_entities}} AS
SELECT c.analysis_date, c.player_lookup, c.universal_player_id, c.team_abbr,
       c.games_in_last_7_days, c.games_in_last_14_days, c.minutes_in_last_7_days, c.minutes_in_last_14_days,
       c.back_to_backs_last_14_days, c.avg_minutes_per_game_last_7, c.fourth_quarter_minutes_last_7, c.player_age, c.context_source,
       c.ctx_updated, c.ctx_hash
FROM {{work.ctx}} c
JOIN {{work.todo}} t ON t.analysis_date = c.analysis_date
UNION ALL
SELECT x.analysis_date, x.player_lookup, x.universal_player_id, x.team_abbr,
       CAST(NULL AS INT64), CAST(NULL AS INT64), CAST(NULL AS INT64), CAST(NULL AS INT64),
       CAST(NULL AS INT64), CAST(NULL AS FLOAT64), CAST(NULL AS INT64), CAST(NULL AS INT64), 'UPCG+roster',
       CAST(NULL AS TIMESTAMP), CAST(NULL AS STRING)
FROM (
  SELECT t.analysis_date, p.player_lookup, p.universal_player_id, p.team_abbr,
         ROW_NUMBER() OVER (PARTITION BY t.analysis_date, p.player_lookup ORDER BY p.game_date DESC, p.game_id DESC) AS rn
  FROM {{work.todo}} t
  JOIN {{work.ctxdec}} d ON d.analysis_date = t.analysis_date AND d.source = 'UPCG'
  JOIN {{nba_analytics.player_game_summary}} p ON p.game_date >= t.analysis_date - 30 AND p.game_date < t.analysis_date
) x
WHERE x.rn = 1
  AND EXISTS (SELECT 1 FROM {{work.ctx}} c WHERE c.analysis_date = x.analysis_date AND c.team_abbr = x.team_abbr)
  AND NOT EXISTS (SELECT 1 FROM {{work.ctx}} c WHERE c.analysis_date = x.analysis_date AND c.player_lookup = x.player_lookup)

-- @@ pdc_seq
-- Played games this season before D (active, not DNP, minutes or points), newest first, at most 82; then the
-- "played" filter of §8 step 5 numbers L5/L10. Rather than joining every (D, player) to all the player's earlier games
-- (quadratic in the season), qualifying games are numbered once per player and season (qi; pi counts the played
-- ones) and the 82-game season aggregates are running windows; each (D, player) then reads its latest game before D.
CREATE OR REPLACE TABLE {{work.pdc_seq}} AS
WITH q AS (
  SELECT p.player_lookup, p.season_year, p.game_date, p.game_id, p.points, CAST(p.minutes_played AS NUMERIC) AS minutes,
         CAST(p.usage_rate AS NUMERIC) AS usage_rate, CAST(p.ts_pct AS NUMERIC) AS ts_pct, p.assisted_fg_makes, p.fg_makes,
         p.points IS NOT NULL AND (p.points > 0 OR p.minutes_played IS NOT NULL) AS played,
         p.processed_at, p.data_hash
  FROM {{nba_analytics.player_game_summary}} p
  WHERE p.is_active AND (p.is_dnp IS NULL OR NOT p.is_dnp) AND (p.minutes_played > 0 OR p.points > 0)
    AND p.season_year IN (SELECT season_year FROM {{work.todo}})
    AND p.game_date < (SELECT MAX(analysis_date) FROM {{work.todo}})
)
SELECT q.*,
       ROW_NUMBER() OVER (PARTITION BY player_lookup, season_year ORDER BY game_date, game_id) AS qi,
       SUM(CASE WHEN played THEN 1 ELSE 0 END) OVER (PARTITION BY player_lookup, season_year ORDER BY game_date, game_id
                                                       ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS pi,
       LEAD(game_date) OVER (PARTITION BY player_lookup, season_year ORDER BY game_date, game_id) AS next_date,
       COUNT(CASE WHEN played THEN 1 END) OVER w82 AS w_games,
       MAX(CASE WHEN played THEN game_date END) OVER w82 AS w_last,
       AVG(CASE WHEN played THEN points END) OVER w82 AS w_season,
       AVG(CASE WHEN played THEN usage_rate END) OVER w82 AS w_usage,
       MAX(CASE WHEN played THEN processed_at END) OVER w82 AS w_updated
FROM q
WINDOW w82 AS (PARTITION BY player_lookup, season_year ORDER BY game_date, game_id ROWS BETWEEN 81 PRECEDING AND CURRENT ROW)

-- @@ pdc_games
-- Per (D, player): the season aggregates at the latest qualifying game before D, and the played games among its
-- last 82 numbered rn (1 = newest) up to 10.
CREATE OR REPLACE TABLE {{work.pdc_games}} AS
WITH keys AS (
  SELECT DISTINCT e.analysis_date, e.player_lookup, t.season_year
  FROM {{work.pdc_entities}} e
  JOIN {{work.todo}} t ON t.analysis_date = e.analysis_date
),
latest AS (
  SELECT k.analysis_date, k.player_lookup, k.season_year, s.qi, s.pi, s.w_games, s.w_last, s.w_season, s.w_usage, s.w_updated
  FROM keys k
  JOIN {{work.pdc_seq}} s
    ON s.player_lookup = k.player_lookup AND s.season_year = k.season_year AND s.game_date < k.analysis_date
   AND (s.next_date IS NULL OR s.next_date >= k.analysis_date)
)
SELECT l.analysis_date, l.player_lookup, l.w_games, l.w_last, l.w_season, l.w_usage, l.w_updated,
       g.game_date, g.points, g.minutes, g.usage_rate, g.ts_pct, g.assisted_fg_makes, g.fg_makes, g.data_hash, l.pi - g.pi + 1 AS rn
FROM latest l
LEFT JOIN {{work.pdc_seq}} g
  ON g.player_lookup = l.player_lookup AND g.season_year = l.season_year AND g.played
 AND g.pi > l.pi - 10 AND g.pi <= l.pi AND g.qi > l.qi - 82

-- @@ pdc_togs
-- Team offense rows numbered once per team (no season filter), so "the last 10 before D" is a lookup by number.
CREATE OR REPLACE TABLE {{work.pdc_togs}} AS
SELECT o.team_abbr, o.game_date, CAST(o.pace AS NUMERIC) AS pace, CAST(o.offensive_rating AS NUMERIC) AS off_rating,
       o.processed_at, o.data_hash,
       ROW_NUMBER() OVER (PARTITION BY o.team_abbr ORDER BY o.game_date, o.game_id) AS ti,
       LEAD(o.game_date) OVER (PARTITION BY o.team_abbr ORDER BY o.game_date, o.game_id) AS next_date
FROM {{nba_analytics.team_offense_game_summary}} o
WHERE o.game_date < (SELECT MAX(analysis_date) FROM {{work.todo}}) AND o.game_date BETWEEN @read_from AND @read_to
  AND o.team_abbr IN (SELECT team_abbr FROM {{work.pdc_entities}})

-- @@ pdc_calc
CREATE OR REPLACE TABLE {{work.pdc_calc}} AS
WITH stats AS (
  SELECT analysis_date, player_lookup, MAX(w_games) AS games, MAX(w_last) AS last_game,
         AVG(CASE WHEN rn <= 5 THEN points END) AS l5, AVG(CASE WHEN rn <= 10 THEN points END) AS l10, MAX(w_season) AS season,
         -- STDDEV_SAMP from exact integer sums: a float aggregate's last bits depend on row order, which a resumed run
         -- changes (the kill test caught it in MLFS); one division and SQRT at the end are deterministic.
         CASE WHEN COUNT(CASE WHEN rn <= 10 THEN points END) >= 2 THEN SQRT(
           CAST(COUNT(CASE WHEN rn <= 10 THEN points END) * SUM(CASE WHEN rn <= 10 THEN points * points END)
                - SUM(CASE WHEN rn <= 10 THEN points END) * SUM(CASE WHEN rn <= 10 THEN points END) AS FLOAT64)
           / (COUNT(CASE WHEN rn <= 10 THEN points END) * (COUNT(CASE WHEN rn <= 10 THEN points END) - 1))) END AS std10,
         AVG(CASE WHEN rn <= 10 THEN minutes END) AS min10, AVG(CASE WHEN rn <= 10 THEN usage_rate END) AS usage10,
         AVG(CASE WHEN rn <= 10 THEN ts_pct END) AS ts10, MAX(w_usage) AS usage_season,
         -- Source tracking: the newest load time of the season's played games, the newest game's fingerprint, and
         -- the played games of the 7- and 14-day windows (D-6..D-1 and D-13..D-1, as the context's).
         MAX(w_updated) AS pg_updated, MAX(CASE WHEN rn = 1 THEN data_hash END) AS pg_hash,
         COUNT(CASE WHEN game_date > analysis_date - 7 THEN 1 END) AS played7,
         COUNT(CASE WHEN game_date > analysis_date - 14 THEN 1 END) AS played14,
         SUM(CASE WHEN rn <= 10 THEN IFNULL(assisted_fg_makes, 0) END) / NULLIF(SUM(CASE WHEN rn <= 10 THEN IFNULL(fg_makes, 0) END), 0) AS assisted10
  FROM {{work.pdc_games}}
  GROUP BY analysis_date, player_lookup
),
team AS (
  -- The team's last 10 TOGS rows before D, no season filter.
  -- Also its rows found, newest load time and newest row's fingerprint, and the team's games of the 7- and 14-day
  -- windows (at most 8 in 14 days, all among its last 10): what the player's day windows expect.
  SELECT k.analysis_date, k.team_abbr, AVG(o.pace) AS pace10, AVG(o.off_rating) AS off10,
         COUNT(*) AS team_rows, MAX(o.processed_at) AS team_updated, MAX(CASE WHEN o.ti = l.ti THEN o.data_hash END) AS team_hash,
         COUNT(CASE WHEN o.game_date > k.analysis_date - 7 THEN 1 END) AS team7,
         COUNT(CASE WHEN o.game_date > k.analysis_date - 14 THEN 1 END) AS team14
  FROM (SELECT DISTINCT analysis_date, team_abbr FROM {{work.pdc_entities}}) k
  JOIN {{work.pdc_togs}} l
    ON l.team_abbr = k.team_abbr AND l.game_date < k.analysis_date AND (l.next_date IS NULL OR l.next_date >= k.analysis_date)
  JOIN {{work.pdc_togs}} o ON o.team_abbr = k.team_abbr AND o.ti > l.ti - 10 AND o.ti <= l.ti
  GROUP BY k.analysis_date, k.team_abbr
)
SELECT e.*, COALESCE(s.games, 0) AS games, s.last_game, s.l5, s.l10, s.season, s.std10, s.min10, s.usage10, s.ts10,
       s.usage_season, s.assisted10, tm.pace10, tm.off10,
       s.pg_updated, s.pg_hash, IFNULL(tm.team_rows, 0) AS team_rows, tm.team_updated, tm.team_hash,
       LEAST(IFNULL(s.played7, 0), IFNULL(tm.team7, 0)) AS actual7, IFNULL(tm.team7, 0) AS expected7,
       LEAST(IFNULL(s.played14, 0), IFNULL(tm.team14, 0)) AS actual14, IFNULL(tm.team14, 0) AS expected14,
       z.processed_at AS psza_updated, z.data_hash AS psza_hash,
       z.player_lookup IS NOT NULL AS has_psza, z.primary_scoring_zone, z.paint_rate_last_10, z.three_pt_rate_last_10
FROM {{work.pdc_entities}} e
LEFT JOIN stats s ON s.analysis_date = e.analysis_date AND s.player_lookup = e.player_lookup
LEFT JOIN team tm ON tm.analysis_date = e.analysis_date AND tm.team_abbr = e.team_abbr
LEFT JOIN {{nba_precompute.player_shot_zone_analysis}} z ON z.analysis_date = e.analysis_date AND z.player_lookup = e.player_lookup

-- @@ pdc_rows
-- Each value at its column's NUMERIC scale; context_source and the context team go to the staging-only columns
-- (published to the product's entity_context_sources). Completeness: the L10 window expects 10 played games; the
-- L5 window 5; the 7- and 14-day windows the team's games in them (none expected: complete). Each source's
-- completeness is rows found ÷ rows expected × 100: 10 played games, the team's last 10 rows, 1 context and 1 PSZA row.
INSERT INTO {{stage.rows}} (player_lookup, universal_player_id, cache_date,
  points_avg_last_5, points_avg_last_10, points_avg_season, points_std_last_10, minutes_avg_last_10, usage_rate_last_10,
  ts_pct_last_10, games_played_season, team_pace_last_10, team_off_rating_last_10, player_usage_rate_season,
  games_in_last_7_days, games_in_last_14_days, minutes_in_last_7_days, minutes_in_last_14_days, back_to_backs_last_14_days,
  avg_minutes_per_game_last_7, fourth_quarter_minutes_last_7, primary_scoring_zone, paint_rate_last_10,
  three_pt_rate_last_10, assisted_rate_last_10, player_age,
  source_player_game_last_updated, source_player_game_rows_found, source_player_game_completeness_pct, source_player_game_hash,
  source_team_offense_last_updated, source_team_offense_rows_found, source_team_offense_completeness_pct,
  source_team_offense_hash,
  source_upcoming_context_last_updated, source_upcoming_context_rows_found, source_upcoming_context_completeness_pct,
  source_upcoming_context_hash,
  source_shot_zone_last_updated, source_shot_zone_rows_found, source_shot_zone_completeness_pct, source_shot_zone_hash,
  l5_completeness_pct, l5_is_complete, l10_completeness_pct, l10_is_complete,
  l7d_completeness_pct, l7d_is_complete, l14d_completeness_pct, l14d_is_complete, all_windows_complete,
  early_season_flag, insufficient_data_reason, shot_zone_data_available,
  expected_games_count, actual_games_count, completeness_percentage, missing_games_count,
  is_production_ready, processing_decision_reason, cache_version, created_at, processed_at,
  context_source, team_abbr, opponent_team_abbr)
SELECT player_lookup, universal_player_id, analysis_date,
  ROUND_NUMERIC(l5, 1), ROUND_NUMERIC(l10, 1), ROUND_NUMERIC(season, 1), ROUND_NUMERIC(std10, 2), ROUND_NUMERIC(min10, 1), ROUND_NUMERIC(usage10, 2),
  ROUND_NUMERIC(ts10, 3), games, ROUND_NUMERIC(pace10, 1), ROUND_NUMERIC(off10, 2), ROUND_NUMERIC(usage_season, 2),
  games_in_last_7_days, games_in_last_14_days, minutes_in_last_7_days, minutes_in_last_14_days, back_to_backs_last_14_days,
  ROUND_NUMERIC(avg_minutes_per_game_last_7, 1), fourth_quarter_minutes_last_7, primary_scoring_zone, paint_rate_last_10,
  three_pt_rate_last_10, ROUND_NUMERIC(assisted10, 2), player_age,
  pg_updated, games, ROUND_NUMERIC(CAST(LEAST(games, 10) AS FLOAT64) * 10, 2), pg_hash,
  team_updated, team_rows, ROUND_NUMERIC(CAST(team_rows AS FLOAT64) * 100 / 10, 2), team_hash,
  ctx_updated, CASE WHEN context_source = 'UPCG+roster' THEN 0 ELSE 1 END,
  ROUND_NUMERIC(CASE WHEN context_source = 'UPCG+roster' THEN 0.0 ELSE 100.0 END, 2), ctx_hash,
  psza_updated, CASE WHEN has_psza THEN 1 ELSE 0 END, ROUND_NUMERIC(CASE WHEN has_psza THEN 100.0 ELSE 0.0 END, 2), psza_hash,
  CAST(LEAST(games, 5) AS FLOAT64) * 100 / 5, games >= 5, CAST(LEAST(games, 10) AS FLOAT64) * 10, games >= 10,
  CASE WHEN expected7 = 0 THEN 100.0 ELSE CAST(actual7 AS FLOAT64) * 100 / expected7 END, actual7 >= expected7,
  CASE WHEN expected14 = 0 THEN 100.0 ELSE CAST(actual14 AS FLOAT64) * 100 / expected14 END, actual14 >= expected14,
  games >= 10 AND actual7 >= expected7 AND actual14 >= expected14,
  games < 10, CASE WHEN games < 10 THEN CONCAT('Only ', CAST(games AS STRING), ' games played, need 10 minimum') END, has_psza,
  10, LEAST(games, 10), CAST(LEAST(games, 10) AS FLOAT64) * 10, 10 - LEAST(games, 10),
  TRUE, 'processed_successfully', 'v1', @processed_at, @processed_at,
  context_source, team_abbr, CAST(NULL AS STRING)
FROM {{work.pdc_calc}}
WHERE games >= 3 AND DATE_DIFF(analysis_date, last_game, DAY) <= 30

-- @@ pdc_failures
INSERT INTO {{stage.failures}} (processor_name, run_id, analysis_date, entity_id, failure_category, failure_reason,
                                can_retry, failure_type, expected_game_count, actual_game_count, resolution_status, created_at)
SELECT @processor, @run_id, analysis_date, player_lookup,
       CASE WHEN games < 3 THEN 'INSUFFICIENT_DATA' ELSE 'EXPECTED_INCOMPLETE' END,
       CASE WHEN games < 3 THEN CONCAT('Only ', CAST(games AS STRING), ' played games this season before D; need 3')
            ELSE CONCAT('Most recent game ', CAST(last_game AS STRING), ' is more than 30 days before D') END,
       FALSE, CASE WHEN games < 3 THEN 'min_games' ELSE 'stale' END, 3, games, 'by_design', @processed_at
FROM {{work.pdc_calc}}
WHERE games < 3 OR DATE_DIFF(analysis_date, last_game, DAY) > 30
