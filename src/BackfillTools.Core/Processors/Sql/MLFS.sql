-- MLFS: ML feature store v2, features 0-36 (processors spec §9), all dates of the run at once.

-- @@ mlfs_base
-- One row per (D, context player) with the roster row (PGS on D) and the Phase 4 rows of D.
CREATE OR REPLACE TABLE {{work.mlfs_base}} AS
SELECT c.analysis_date, t.season_year, t.oct1, c.player_lookup,
       COALESCE(r.universal_player_id, c.universal_player_id) AS universal_player_id,
       COALESCE(r.game_id, c.game_id) AS game_id,
       COALESCE(r.team_abbr, c.team_abbr) AS roster_team,
       COALESCE(r.opponent_team_abbr, c.opponent_team_abbr) AS opponent,
       CASE WHEN r.player_lookup IS NOT NULL THEN ENDS_WITH(r.game_id, CONCAT('_', r.team_abbr)) END AS roster_home,
       CASE WHEN r.player_lookup IS NOT NULL THEN IFNULL(r.gap, 3) END AS roster_days_rest,
       c.team_abbr AS ctx_team, c.home_game, c.back_to_back, c.season_phase, c.days_rest, c.opponent_days_rest,
       c.games_in_last_7_days AS ctx_games7, c.player_status, c.context_source,
       -- Phase 4 values are NUMERIC(p,s) columns; the features are FLOAT64 arithmetic, so they are read as FLOAT64.
       pdc.player_lookup IS NOT NULL AS has_pdc, CAST(pdc.points_avg_last_5 AS FLOAT64) AS pdc_l5,
       CAST(pdc.points_avg_last_10 AS FLOAT64) AS pdc_l10, CAST(pdc.points_avg_season AS FLOAT64) AS pdc_season,
       CAST(pdc.points_std_last_10 AS FLOAT64) AS pdc_std, pdc.games_in_last_7_days AS pdc_games7,
       CAST(pdc.minutes_avg_last_10 AS FLOAT64) AS pdc_min10, CAST(pdc.team_pace_last_10 AS FLOAT64) AS pdc_pace,
       CAST(pdc.team_off_rating_last_10 AS FLOAT64) AS pdc_off,
       CAST(pdc.paint_rate_last_10 AS FLOAT64) AS pdc_paint_rate, CAST(pdc.three_pt_rate_last_10 AS FLOAT64) AS pdc_three_rate,
       pcf.fatigue_score, CAST(pcf.shot_zone_mismatch_score AS FLOAT64) AS shot_zone_mismatch_score,
       CAST(pcf.pace_score AS FLOAT64) AS pace_score, CAST(pcf.usage_spike_score AS FLOAT64) AS usage_spike_score,
       CAST(psza.paint_rate_last_10 AS FLOAT64) AS psza_paint_rate, CAST(psza.mid_range_rate_last_10 AS FLOAT64) AS psza_mid_rate,
       CAST(psza.three_pt_rate_last_10 AS FLOAT64) AS psza_three_rate,
       CAST(tdza.defensive_rating_last_15 AS FLOAT64) AS opp_def_rating, CAST(tdza.opponent_pace AS FLOAT64) AS opp_pace,
       -- The Phase 4 rows read, for the source_* columns: found or not, load time, fingerprint.
       pdc.processed_at AS pdc_updated, pdc.data_hash AS pdc_hash,
       pcf.player_lookup IS NOT NULL AS has_pcf, pcf.processed_at AS pcf_updated, pcf.data_hash AS pcf_hash,
       psza.player_lookup IS NOT NULL AS has_psza, psza.processed_at AS psza_updated, psza.data_hash AS psza_hash,
       tdza.team_abbr IS NOT NULL AS has_tdza, tdza.processed_at AS tdza_updated, tdza.data_hash AS tdza_hash
FROM {{work.ctx}} c
JOIN {{work.todo}} t ON t.analysis_date = c.analysis_date
LEFT JOIN (
  SELECT p.player_lookup, p.game_date, p.universal_player_id, p.game_id, p.team_abbr, p.opponent_team_abbr,
         DATE_DIFF(p.game_date, LAG(p.game_date) OVER (PARTITION BY p.player_lookup ORDER BY p.game_date, p.game_id), DAY) AS gap
  FROM {{nba_analytics.player_game_summary}} p
  -- Each player's last game date before the run, found once (a correlated subquery runs per row on some engines).
  LEFT JOIN (
    SELECT player_lookup, MAX(game_date) AS last_before FROM {{nba_analytics.player_game_summary}}
    WHERE game_date < (SELECT MIN(analysis_date) FROM {{work.todo}}) GROUP BY player_lookup
  ) b ON b.player_lookup = p.player_lookup
  WHERE p.game_date <= (SELECT MAX(analysis_date) FROM {{work.todo}})
    -- The gap of a row on a run date needs the rows from the first run date on and, before it, only each player's
    -- last game date: the window then sorts the run's dates, not every season before them.
    AND (p.game_date >= (SELECT MIN(analysis_date) FROM {{work.todo}}) OR p.game_date = b.last_before)
) r ON r.player_lookup = c.player_lookup AND r.game_date = c.analysis_date
-- The Phase 4 rows are read within the run's dates (the join keeps only those; the bounds let the scans skip the rest).
LEFT JOIN {{nba_precompute.player_daily_cache}} pdc ON pdc.cache_date = c.analysis_date AND pdc.player_lookup = c.player_lookup
  AND pdc.cache_date BETWEEN (SELECT MIN(analysis_date) FROM {{work.todo}}) AND (SELECT MAX(analysis_date) FROM {{work.todo}})
LEFT JOIN {{nba_precompute.player_composite_factors}} pcf ON pcf.game_date = c.analysis_date AND pcf.player_lookup = c.player_lookup
  AND pcf.game_date BETWEEN (SELECT MIN(analysis_date) FROM {{work.todo}}) AND (SELECT MAX(analysis_date) FROM {{work.todo}})
LEFT JOIN {{nba_precompute.player_shot_zone_analysis}} psza ON psza.analysis_date = c.analysis_date AND psza.player_lookup = c.player_lookup
  AND psza.analysis_date BETWEEN (SELECT MIN(analysis_date) FROM {{work.todo}}) AND (SELECT MAX(analysis_date) FROM {{work.todo}})
LEFT JOIN {{nba_precompute.team_defense_zone_analysis}} tdza
  ON tdza.analysis_date = c.analysis_date AND tdza.team_abbr = COALESCE(r.opponent_team_abbr, c.opponent_team_abbr)
  AND tdza.analysis_date BETWEEN (SELECT MIN(analysis_date) FROM {{work.todo}}) AND (SELECT MAX(analysis_date) FROM {{work.todo}})

-- @@ mlfs_seq
-- Each player's PGS rows (any status) numbered once, so "the 10 most recent before D" is a lookup by number instead of
-- a join of every (D, player) to 60 days of games and a sort per pair.
CREATE OR REPLACE TABLE {{work.mlfs_seq}} AS
SELECT p.player_lookup, p.game_date, p.points, CAST(p.minutes_played AS NUMERIC) AS minutes,
       p.ft_makes, p.fg_attempts, p.paint_attempts, p.mid_range_attempts, p.three_pt_attempts, p.is_dnp,
       ROW_NUMBER() OVER w AS gi, LEAD(p.game_date) OVER w AS next_date
FROM {{nba_analytics.player_game_summary}} p
WHERE p.game_date >= (SELECT MIN(analysis_date) FROM {{work.todo}}) - 60
  AND p.game_date < (SELECT MAX(analysis_date) FROM {{work.todo}})
  AND p.player_lookup IN (SELECT player_lookup FROM {{work.mlfs_base}})
WINDOW w AS (PARTITION BY p.player_lookup ORDER BY p.game_date, p.game_id)

-- @@ mlfs_last10
-- last10: the player's 10 most recent PGS rows of any status in [D-60, D) (DNP and inactive included, §9.2 note),
-- with ranks among the rows that count as played for P3 averages and for the cache-miss recompute. The latest row
-- before D has D in (game_date, next_date]; rn counts back from it.
CREATE OR REPLACE TABLE {{work.mlfs_last10}} AS
WITH latest AS (
  SELECT k.analysis_date, k.player_lookup, s.gi
  FROM (SELECT DISTINCT analysis_date, player_lookup FROM {{work.mlfs_base}}) k
  JOIN {{work.mlfs_seq}} s
    ON s.player_lookup = k.player_lookup AND s.game_date < k.analysis_date
   AND (s.next_date IS NULL OR s.next_date >= k.analysis_date)
),
l AS (
  SELECT l.analysis_date, l.player_lookup, g.game_date, g.points, g.minutes,
         g.ft_makes, g.fg_attempts, g.paint_attempts, g.mid_range_attempts, g.three_pt_attempts, g.is_dnp,
         l.gi - g.gi + 1 AS rn
  FROM latest l
  JOIN {{work.mlfs_seq}} g
    ON g.player_lookup = l.player_lookup AND g.gi > l.gi - 10 AND g.gi <= l.gi AND g.game_date >= l.analysis_date - 60
),
flagged AS (
  SELECT l.*,
         points IS NOT NULL AND (minutes IS NOT NULL OR points > 0) AS p3_played,
         NOT IFNULL(is_dnp, FALSE) AND minutes > 0 AS cm_played
  FROM l
)
SELECT f.*,
       ROW_NUMBER() OVER (PARTITION BY analysis_date, player_lookup ORDER BY CASE WHEN p3_played THEN 0 ELSE 1 END, rn) AS p3_rn,
       ROW_NUMBER() OVER (PARTITION BY analysis_date, player_lookup ORDER BY CASE WHEN cm_played THEN 0 ELSE 1 END, rn) AS cm_rn
FROM flagged f

-- @@ mlfs_hist
CREATE OR REPLACE TABLE {{work.mlfs_hist}} AS
WITH l10 AS (
  SELECT analysis_date, player_lookup, COUNT(*) AS n,
         SUM(IFNULL(ft_makes, 0)) AS ft_sum, SUM(IFNULL(points, 0)) AS pts_sum, COUNTIF(is_dnp) AS dnp_count,
         -- OLS slope with x = 0..n-1 oldest first equals minus the slope against rn (newest = 1). Computed from exact
         -- integer sums, not COVAR_POP/VAR_POP: float aggregates depend on row order, which a resumed run changes.
         -- The sign is inside the integer numerator, so a flat series gives 0, not -0.
         CAST(SUM(rn) * SUM(IFNULL(points, 0)) - COUNT(*) * SUM(rn * IFNULL(points, 0)) AS FLOAT64)
           / NULLIF(COUNT(*) * SUM(rn * rn) - SUM(rn) * SUM(rn), 0) AS slope,
         AVG(CASE WHEN rn <= 2 THEN IFNULL(points, 0) END) - AVG(CASE WHEN rn BETWEEN 3 AND 5 THEN IFNULL(points, 0) END) AS trend_diff,
         AVG(minutes) AS minutes_mean,
         COUNTIF(p3_played) AS p3_n,
         AVG(CASE WHEN p3_played THEN points END) AS p3_l10,
         AVG(CASE WHEN p3_played AND p3_rn <= 5 THEN points END) AS p3_l5,
         COUNTIF(cm_played) AS cm_n,
         AVG(CASE WHEN cm_played AND cm_rn <= 5 THEN points END) AS cm_l5,
         AVG(CASE WHEN cm_played THEN points END) AS cm_l10,
         -- STDDEV_SAMP from exact integer sums, for the same reason.
         CASE WHEN COUNTIF(cm_played) = 1 THEN 0
              WHEN COUNT(CASE WHEN cm_played THEN points END) >= 2 THEN SQRT(
                CAST(COUNT(CASE WHEN cm_played THEN points END) * SUM(CASE WHEN cm_played THEN points * points END)
                     - SUM(CASE WHEN cm_played THEN points END) * SUM(CASE WHEN cm_played THEN points END) AS FLOAT64)
                / (COUNT(CASE WHEN cm_played THEN points END) * (COUNT(CASE WHEN cm_played THEN points END) - 1))) END AS cm_std,
         AVG(CASE WHEN cm_played THEN minutes END) AS cm_min10,
         COUNTIF(cm_played AND game_date >= analysis_date - 7) AS cm_games7,
         SUM(CASE WHEN cm_played THEN points END) / NULLIF(SUM(CASE WHEN cm_played THEN minutes END), 0) AS cm_ppm,
         SUM(CASE WHEN cm_played THEN IFNULL(paint_attempts, 0) END) / NULLIF(SUM(CASE WHEN cm_played THEN fg_attempts END), 0) AS cm_paint,
         SUM(CASE WHEN cm_played THEN IFNULL(mid_range_attempts, 0) END) / NULLIF(SUM(CASE WHEN cm_played THEN fg_attempts END), 0) AS cm_mid,
         SUM(CASE WHEN cm_played THEN IFNULL(three_pt_attempts, 0) END) / NULLIF(SUM(CASE WHEN cm_played THEN fg_attempts END), 0) AS cm_three
  FROM {{work.mlfs_last10}}
  GROUP BY analysis_date, player_lookup
),
season_seq AS (
  -- Running season averages per player, numbered once; each (D, player) reads the latest row before D.
  SELECT p.player_lookup, p.season_year, p.game_date,
         LEAD(p.game_date) OVER (PARTITION BY p.player_lookup, p.season_year ORDER BY p.game_date, p.game_id) AS next_date,
         AVG(p.points) OVER w AS pts, AVG(CAST(p.minutes_played AS NUMERIC)) OVER w AS mins
  FROM {{nba_analytics.player_game_summary}} p
  JOIN (SELECT DISTINCT season_year, oct1 FROM {{work.todo}}) s ON p.season_year = s.season_year AND p.game_date >= s.oct1
  WHERE p.game_date < (SELECT MAX(analysis_date) FROM {{work.todo}})
  WINDOW w AS (PARTITION BY p.player_lookup, p.season_year ORDER BY p.game_date, p.game_id
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
season AS (
  SELECT k.analysis_date, k.player_lookup, q.pts, q.mins
  FROM (SELECT DISTINCT analysis_date, player_lookup, season_year FROM {{work.mlfs_base}}) k
  JOIN season_seq q
    ON q.player_lookup = k.player_lookup AND q.season_year = k.season_year AND q.game_date < k.analysis_date
   AND (q.next_date IS NULL OR q.next_date >= k.analysis_date)
),
yr AS (
  -- games_available over [D-365, D); opponent history over the same year; minutes/ppm over [D-30, D).
  SELECT b.analysis_date, b.player_lookup, COUNT(*) AS games_available,
         COUNTIF(p.opponent_team_abbr = b.opponent) AS opp_games,
         AVG(CASE WHEN p.opponent_team_abbr = b.opponent THEN p.points END) AS opp_points,
         AVG(CASE WHEN p.game_date >= b.analysis_date - 30 AND p.minutes_played > 0 THEN CAST(p.minutes_played AS NUMERIC) END) AS mins30,
         -- ppm30 keeps GoogleSQL's NUMERIC rule (points ÷ minutes and the mean each rounded half away from zero to 9
         -- decimals) in exact integers, nanos of points per minute from tenths of minutes: DuckDB's decimal division
         -- and AVG return DOUBLE, which differed in the 10th decimal and beyond.
         CAST(DIV(2 * SUM(CASE WHEN p.game_date >= b.analysis_date - 30 AND p.minutes_played > 0 THEN DIV(20000000000 * p.points + CAST(ROUND(p.minutes_played * 10) AS INT64), NULLIF(2 * CAST(ROUND(p.minutes_played * 10) AS INT64), 0)) END) + COUNT(CASE WHEN p.game_date >= b.analysis_date - 30 AND p.minutes_played > 0 THEN DIV(20000000000 * p.points + CAST(ROUND(p.minutes_played * 10) AS INT64), NULLIF(2 * CAST(ROUND(p.minutes_played * 10) AS INT64), 0)) END),
                  NULLIF(2 * COUNT(CASE WHEN p.game_date >= b.analysis_date - 30 AND p.minutes_played > 0 THEN DIV(20000000000 * p.points + CAST(ROUND(p.minutes_played * 10) AS INT64), NULLIF(2 * CAST(ROUND(p.minutes_played * 10) AS INT64), 0)) END), 0)) AS FLOAT64) / 1000000000 AS ppm30
  FROM {{work.mlfs_base}} b
  JOIN {{nba_analytics.player_game_summary}} p
    ON p.player_lookup = b.player_lookup AND p.game_date >= b.analysis_date - 365 AND p.game_date < b.analysis_date
  GROUP BY b.analysis_date, b.player_lookup
),
team_keys AS (
  -- #24 reads the context team (UPCG); the roster-context fix falls back to the roster team.
  SELECT DISTINCT analysis_date, season_year, oct1,
         CASE WHEN @opt_mlfs_roster_context THEN COALESCE(ctx_team, roster_team) ELSE ctx_team END AS team
  FROM {{work.mlfs_base}}
),
team AS (
  SELECT k.analysis_date, k.team, COUNT(*) AS games, COUNTIF(o.win_flag) AS wins,
         AVG(CASE WHEN o.rn <= 10 THEN CAST(o.pace AS NUMERIC) END) AS pace10,
         AVG(CASE WHEN o.rn <= 10 THEN CAST(o.offensive_rating AS NUMERIC) END) AS off10
  FROM team_keys k
  JOIN (
    SELECT k2.analysis_date, x.*, ROW_NUMBER() OVER (PARTITION BY k2.analysis_date, x.team_abbr ORDER BY x.game_date DESC, x.game_id DESC) AS rn
    FROM team_keys k2
    JOIN {{nba_analytics.team_offense_game_summary}} x
      ON x.team_abbr = k2.team AND x.season_year = k2.season_year AND x.game_date >= k2.oct1 AND x.game_date < k2.analysis_date
     AND x.game_date BETWEEN @read_from AND @read_to
  ) o ON o.analysis_date = k.analysis_date AND o.team_abbr = k.team
  GROUP BY k.analysis_date, k.team
)
SELECT b.analysis_date, b.player_lookup,
       l10.n, l10.ft_sum, l10.pts_sum, l10.dnp_count, l10.slope, l10.trend_diff, l10.minutes_mean, l10.p3_n, l10.p3_l10, l10.p3_l5,
       l10.cm_n, l10.cm_l5, l10.cm_l10, l10.cm_std, l10.cm_min10, l10.cm_games7, l10.cm_ppm, l10.cm_paint, l10.cm_mid, l10.cm_three,
       s.pts AS season_pts, s.mins AS season_mins, y.games_available, y.opp_games, y.opp_points, y.mins30, y.ppm30,
       tm.games AS team_games, tm.wins AS team_wins, tm.pace10 AS team_pace10, tm.off10 AS team_off10
FROM {{work.mlfs_base}} b
LEFT JOIN l10 ON l10.analysis_date = b.analysis_date AND l10.player_lookup = b.player_lookup
LEFT JOIN season s ON s.analysis_date = b.analysis_date AND s.player_lookup = b.player_lookup
LEFT JOIN yr y ON y.analysis_date = b.analysis_date AND y.player_lookup = b.player_lookup
LEFT JOIN team tm ON tm.analysis_date = b.analysis_date
  AND tm.team = CASE WHEN @opt_mlfs_roster_context THEN COALESCE(b.ctx_team, b.roster_team) ELSE b.ctx_team END

-- @@ mlfs_feat
-- Feature values f0..f36 with their source tags t0..t36 (§9.2). P4 = PDC row or cache-miss recompute, P3 = UPCG
-- and the PGS aggregates; the first non-NULL wins.
CREATE OR REPLACE TABLE {{work.checked}} AS
WITH p AS (
  SELECT b.*, IFNULL(h.n, 0) AS n, h.ft_sum, h.pts_sum, h.dnp_count, h.slope, h.trend_diff, h.minutes_mean,
         h.p3_n, h.p3_l10, h.p3_l5, h.season_pts, h.season_mins, h.games_available, h.opp_games, h.opp_points,
         h.mins30, h.ppm30, h.team_games, h.team_wins,
         NOT b.has_pdc AND IFNULL(h.n, 0) > 0 AS cache_miss,
         CASE WHEN b.has_pdc THEN b.pdc_l5 WHEN h.n > 0 THEN h.cm_l5 END AS p4_l5,
         CASE WHEN b.has_pdc THEN b.pdc_l10 WHEN h.n > 0 THEN h.cm_l10 END AS p4_l10,
         CASE WHEN b.has_pdc THEN b.pdc_season WHEN h.n > 0 THEN h.season_pts END AS p4_season,
         CASE WHEN b.has_pdc THEN b.pdc_std WHEN h.n > 0 THEN h.cm_std END AS p4_std,
         CASE WHEN b.has_pdc THEN b.pdc_games7 WHEN h.n > 0 THEN h.cm_games7 END AS p4_games7,
         CASE WHEN b.has_pdc THEN b.pdc_min10 WHEN h.n > 0 THEN h.cm_min10 END AS p4_min10,
         CASE WHEN NOT b.has_pdc AND h.n > 0 THEN h.cm_ppm END AS p4_ppm,
         CASE WHEN b.has_pdc THEN b.pdc_pace WHEN h.n > 0 THEN h.team_pace10 END AS p4_pace,
         CASE WHEN b.has_pdc THEN b.pdc_off WHEN h.n > 0 THEN h.team_off10 END AS p4_off,
         -- PSZA overrides PDC; the cache-miss recompute gives fractions (§11.3) unless the fix scales them to percent.
         COALESCE(CAST(b.psza_paint_rate AS FLOAT64), CASE WHEN b.has_pdc THEN b.pdc_paint_rate
                  WHEN h.n > 0 THEN h.cm_paint * (CASE WHEN @opt_mlfs_zone_units THEN 100 ELSE 1 END) END) AS p4_paint,
         COALESCE(CAST(b.psza_mid_rate AS FLOAT64), CASE WHEN NOT b.has_pdc AND h.n > 0
                  THEN h.cm_mid * (CASE WHEN @opt_mlfs_zone_units THEN 100 ELSE 1 END) END) AS p4_mid,
         COALESCE(CAST(b.psza_three_rate AS FLOAT64), CASE WHEN b.has_pdc THEN b.pdc_three_rate
                  WHEN h.n > 0 THEN h.cm_three * (CASE WHEN @opt_mlfs_zone_units THEN 100 ELSE 1 END) END) AS p4_three,
         CASE WHEN IFNULL(h.p3_n, 0) >= 5 THEN h.p3_l5 END AS p3_l5x,
         CASE WHEN @opt_mlfs_roster_context THEN COALESCE(b.days_rest, b.roster_days_rest) ELSE b.days_rest END AS rest,
         CASE WHEN @opt_mlfs_roster_context THEN COALESCE(b.home_game, b.roster_home) ELSE b.home_game END AS home,
         CASE WHEN @opt_mlfs_roster_context THEN COALESCE(b.back_to_back, b.roster_days_rest = 1) ELSE b.back_to_back END AS b2b
  FROM {{work.mlfs_base}} b
  LEFT JOIN {{work.mlfs_hist}} h ON h.analysis_date = b.analysis_date AND h.player_lookup = b.player_lookup
),
v AS (
  SELECT p.*,
         COALESCE(p4_l5, p3_l5x) AS l5_any, COALESCE(p4_season, season_pts) AS season_any,
         COALESCE(p4_min10, minutes_mean) AS minutes_recent
  FROM p
)
SELECT analysis_date, player_lookup, player_lookup AS entity_id, universal_player_id, game_id, roster_team, opponent, roster_home, days_rest,
       context_source, cache_miss, n, games_available,
       has_pdc, pdc_updated, pdc_hash, has_pcf, pcf_updated, pcf_hash, has_psza, psza_updated, psza_hash,
       has_tdza, tdza_updated, tdza_hash,
  COALESCE(p4_l5, p3_l5x, 10.0) AS f0,
  CASE WHEN p4_l5 IS NOT NULL THEN 'phase4' WHEN p3_l5x IS NOT NULL THEN 'phase3' ELSE 'default' END AS t0,
  COALESCE(p4_l10, p3_l10, 10.0) AS f1,
  CASE WHEN p4_l10 IS NOT NULL THEN 'phase4' WHEN p3_l10 IS NOT NULL THEN 'phase3' ELSE 'default' END AS t1,
  COALESCE(p4_season, season_pts, 10.0) AS f2,
  CASE WHEN p4_season IS NOT NULL THEN 'phase4' WHEN season_pts IS NOT NULL THEN 'phase3' ELSE 'default' END AS t2,
  COALESCE(p4_std, 5.0) AS f3, CASE WHEN p4_std IS NOT NULL THEN 'phase4' ELSE 'default' END AS t3,
  COALESCE(CAST(p4_games7 AS FLOAT64), CAST(ctx_games7 AS FLOAT64), 3.0) AS f4,
  CASE WHEN p4_games7 IS NOT NULL THEN 'phase4' WHEN ctx_games7 IS NOT NULL THEN 'phase3' ELSE 'default' END AS t4,
  COALESCE(CAST(fatigue_score AS FLOAT64), 50.0) AS f5, CASE WHEN fatigue_score IS NOT NULL THEN 'phase4' ELSE 'default' END AS t5,
  COALESCE(shot_zone_mismatch_score, 0.0) AS f6, CASE WHEN shot_zone_mismatch_score IS NOT NULL THEN 'phase4' ELSE 'default' END AS t6,
  COALESCE(pace_score, 0.0) AS f7, CASE WHEN pace_score IS NOT NULL THEN 'phase4' ELSE 'default' END AS t7,
  COALESCE(usage_spike_score, 0.0) AS f8, CASE WHEN usage_spike_score IS NOT NULL THEN 'phase4' ELSE 'default' END AS t8,
  CASE WHEN rest IS NULL OR opponent_days_rest IS NULL THEN 0.0
       ELSE CAST(GREATEST(-2, LEAST(2, rest - opponent_days_rest)) AS FLOAT64) END AS f9, 'calculated' AS t9,
  CASE LOWER(IFNULL(player_status, '')) WHEN 'probable' THEN 1.0 WHEN 'questionable' THEN 2.0
       WHEN 'doubtful' THEN 3.0 WHEN 'out' THEN 3.0 ELSE 0.0 END AS f10, 'calculated' AS t10,
  -- #11: newest two minus the three before them, over the 5 most recent last10 rows (points NULL -> 0).
  CASE WHEN n < 5 THEN 0.0 WHEN trend_diff >= 5 THEN 2.0 WHEN trend_diff >= 2 THEN 1.0
       WHEN trend_diff <= -5 THEN -2.0 WHEN trend_diff <= -2 THEN -1.0 ELSE 0.0 END AS f11, 'calculated' AS t11,
  CASE WHEN IFNULL(minutes_recent, 0) = 0 OR IFNULL(season_mins, 0) = 0 THEN 0.0
       WHEN (minutes_recent - season_mins) / season_mins >= 0.20 THEN 2.0
       WHEN (minutes_recent - season_mins) / season_mins >= 0.10 THEN 1.0
       WHEN (minutes_recent - season_mins) / season_mins <= -0.20 THEN -2.0
       WHEN (minutes_recent - season_mins) / season_mins <= -0.10 THEN -1.0 ELSE 0.0 END AS f12, 'calculated' AS t12,
  COALESCE(CAST(opp_def_rating AS FLOAT64), 112.0) AS f13, CASE WHEN opp_def_rating IS NOT NULL THEN 'phase4' ELSE 'default' END AS t13,
  COALESCE(CAST(opp_pace AS FLOAT64), 100.0) AS f14, CASE WHEN opp_pace IS NOT NULL THEN 'phase4' ELSE 'default' END AS t14,
  CASE WHEN home THEN 1.0 ELSE 0.0 END AS f15, 'phase3' AS t15,
  CASE WHEN b2b THEN 1.0 ELSE 0.0 END AS f16, 'phase3' AS t16,
  CASE WHEN LOWER(IFNULL(season_phase, '')) = 'playoffs' THEN 1.0 ELSE 0.0 END AS f17, 'phase3' AS t17,
  p4_paint / 100 AS f18, CASE WHEN p4_paint IS NOT NULL THEN 'phase4' ELSE 'missing' END AS t18,
  p4_mid / 100 AS f19, CASE WHEN p4_mid IS NOT NULL THEN 'phase4' ELSE 'missing' END AS t19,
  p4_three / 100 AS f20, CASE WHEN p4_three IS NOT NULL THEN 'phase4' ELSE 'missing' END AS t20,
  CASE WHEN n >= 5 AND pts_sum > 0 THEN ROUND_DECIMAL(GREATEST(0, LEAST(0.5, ft_sum / pts_sum)), 9) ELSE 0.15 END AS f21,
  CASE WHEN n >= 5 AND pts_sum > 0 THEN 'calculated' ELSE 'default' END AS t21,
  COALESCE(p4_pace, 100.0) AS f22, CASE WHEN p4_pace IS NOT NULL THEN 'phase4' ELSE 'default' END AS t22,
  COALESCE(p4_off, 112.0) AS f23, CASE WHEN p4_off IS NOT NULL THEN 'phase4' ELSE 'default' END AS t23,
  CASE WHEN IFNULL(team_games, 0) >= 5 THEN ROUND_DECIMAL(team_wins / team_games, 9) ELSE 0.5 END AS f24,
  CASE WHEN IFNULL(team_games, 0) >= 5 THEN 'calculated' ELSE 'default' END AS t24,
  -- Vegas lines: the odds tables are not part of this warehouse, so #25-#27 are missing and #28 is 0 (§9.3).
  CAST(NULL AS FLOAT64) AS f25, 'missing' AS t25,
  CAST(NULL AS FLOAT64) AS f26, 'missing' AS t26,
  CAST(NULL AS FLOAT64) AS f27, 'missing' AS t27,
  0.0 AS f28, 'calculated' AS t28,
  COALESCE(opp_points, season_any, 10.0) AS f29, CASE WHEN opp_points IS NOT NULL THEN 'opponent_history' ELSE 'calculated' END AS t29,
  CAST(IFNULL(opp_games, 0) AS FLOAT64) AS f30, 'opponent_history' AS t30,
  COALESCE(mins30, p4_min10, 28.0) AS f31,
  CASE WHEN mins30 IS NOT NULL THEN 'minutes_ppm' WHEN p4_min10 IS NOT NULL THEN 'phase4' ELSE 'default' END AS t31,
  COALESCE(ppm30, p4_ppm, 0.4) AS f32,
  CASE WHEN ppm30 IS NOT NULL THEN 'minutes_ppm' WHEN p4_ppm IS NOT NULL THEN 'phase4' ELSE 'default' END AS t32,
  CASE WHEN n >= 3 THEN ROUND_DECIMAL(dnp_count / n, 9) ELSE 0.0 END AS f33, 'calculated' AS t33,
  CASE WHEN n >= 5 THEN ROUND_DECIMAL(IFNULL(slope, 0), 9) ELSE 0.0 END AS f34, 'calculated' AS t34,
  CASE WHEN l5_any IS NULL OR season_any IS NULL OR p4_std IS NULL OR p4_std = 0 THEN 0.0
       ELSE ROUND_DECIMAL(GREATEST(-3, LEAST(3, (l5_any - season_any) / p4_std)), 9) END AS f35, 'calculated' AS t35,
  CASE WHEN l5_any > season_any + 1.5 * p4_std THEN 1.0 ELSE 0.0 END AS f36, 'calculated' AS t36,
  -- Only feature #5 outside 0..100 blocks the row (§9.1 step 6).
  CASE WHEN NOT (COALESCE(CAST(fatigue_score AS FLOAT64), 50.0) BETWEEN 0 AND 100) THEN 'fatigue_score feature (#5) outside 0..100' END AS invalid_reason
FROM v

-- @@ mlfs_rows
-- Production's layout: the features array and feature_N_{value,quality,source}, the category qualities as *_pct,
-- default_feature_indices as ARRAY<INT64>, the history window as the historical_completeness STRUCT.
-- context_source and the roster team go to the staging-only columns (the product's entity_context_sources).
INSERT INTO {{stage.rows}} (player_lookup, universal_player_id, game_date, game_id, features, feature_names, feature_count,
  feature_version, feature_quality_score, opponent_team_abbr, is_home, days_rest, data_source,
  early_season_flag, insufficient_data_reason, expected_games_count, actual_games_count, completeness_percentage,
  missing_games_count, is_production_ready, processing_decision_reason, historical_completeness, created_at, updated_at,
  quality_tier, quality_alert_level, default_feature_count, required_default_count, default_feature_indices,
  phase4_feature_count, phase3_feature_count, calculated_feature_count, is_training_ready, is_quality_ready,
  matchup_quality_pct, player_history_quality_pct, team_context_quality_pct, vegas_quality_pct, game_context_quality_pct,
  has_composite_factors, has_opponent_defense, has_vegas_line, vegas_line_source,
  source_daily_cache_last_updated, source_daily_cache_rows_found, source_daily_cache_completeness_pct, source_daily_cache_hash,
  source_composite_last_updated, source_composite_rows_found, source_composite_completeness_pct, source_composite_hash,
  source_shot_zones_last_updated, source_shot_zones_rows_found, source_shot_zones_completeness_pct, source_shot_zones_hash,
  source_team_defense_last_updated, source_team_defense_rows_found, source_team_defense_completeness_pct,
  source_team_defense_hash,
  /*@mlfs_output_names*/, context_source, team_abbr)
WITH quality AS (
  -- A CTE, not a scratch table: writing ~100 wide columns once more cost more than computing them here.
  SELECT f.*,
/*@mlfs_quality*/
  FROM {{work.checked}} f
  -- HEAD roster rule: players with no PGS row in [D-60, D) are dropped (failures in mlfs_no_history).
  WHERE f.invalid_reason IS NULL AND f.n > 0
),
q AS (
  -- Caps: 1-4 required defaults -> at most 69, 5 or more -> at most 49 (§9.4).
  SELECT x.*,
         ROUND_DECIMAL(CASE WHEN required_defaults >= 5 THEN LEAST(raw_score, 49) WHEN required_defaults >= 1 THEN LEAST(raw_score, 69)
                    ELSE raw_score END, 2) AS score
  FROM quality x
),
t AS (
  SELECT q.*,
         CASE WHEN score >= 95 THEN 'gold' WHEN score >= 85 THEN 'silver' WHEN score >= 70 THEN 'bronze'
              WHEN score >= 50 THEN 'poor' ELSE 'critical' END AS tier,
         LEAST(IFNULL(games_available, 0), 10) AS expected
  FROM q
)
SELECT player_lookup, universal_player_id, analysis_date, game_id, features_array, /*@mlfs_feature_names*/, 37, @mlfs_feature_version,
  ROUND_NUMERIC(score, 2), opponent, roster_home, days_rest,
  CASE WHEN phase4_count >= 0.9 * 37 THEN 'phase4' WHEN phase4_count >= 0.5 * 37 THEN 'phase4_partial'
       WHEN phase3_count >= 0.5 * 37 THEN 'phase3' ELSE 'mixed' END,
  FALSE, CAST(NULL AS STRING), expected, n,
  CASE WHEN expected > 0 THEN CAST(LEAST(n, expected) AS FLOAT64) * 100 / expected END, GREATEST(expected - n, 0),
  TRUE, 'processed_successfully',
  NAMED_STRUCT(games_found, n, games_expected, expected, is_complete, n >= expected, is_bootstrap, expected < 10,
               contributing_game_dates, CAST(NULL AS ARRAY<DATE>)),
  @processed_at, @processed_at,
  tier,
  CASE WHEN matchup_quality < 50 OR score < 50 THEN 'red'
       WHEN required_defaults > 0 OR score < 70 OR matchup_quality < 70 THEN 'yellow' ELSE 'green' END,
  default_count, required_defaults, default_indices, phase4_count, phase3_count, calculated_count,
  tier IN ('gold', 'silver') AND matchup_quality >= 70 AND player_history_quality >= 80,
  tier IN ('gold', 'silver', 'bronze') AND score >= 70 AND matchup_quality >= 50 AND required_defaults = 0,
  matchup_quality, player_history_quality, team_context_quality, vegas_quality, game_context_quality,
  has_composite, has_defense, FALSE, 'none',
  -- Each Phase 4 source is one row of D (the player's PDC, PCF and PSZA rows, the opponent's TDZA row), expected once.
  pdc_updated, CASE WHEN has_pdc THEN 1 ELSE 0 END, ROUND_NUMERIC(CASE WHEN has_pdc THEN 100.0 ELSE 0.0 END, 2), pdc_hash,
  pcf_updated, CASE WHEN has_pcf THEN 1 ELSE 0 END, ROUND_NUMERIC(CASE WHEN has_pcf THEN 100.0 ELSE 0.0 END, 2), pcf_hash,
  psza_updated, CASE WHEN has_psza THEN 1 ELSE 0 END, ROUND_NUMERIC(CASE WHEN has_psza THEN 100.0 ELSE 0.0 END, 2), psza_hash,
  tdza_updated, CASE WHEN has_tdza THEN 1 ELSE 0 END, ROUND_NUMERIC(CASE WHEN has_tdza THEN 100.0 ELSE 0.0 END, 2), tdza_hash,
  /*@mlfs_outputs*/,
  context_source, roster_team
FROM t

-- @@ mlfs_no_history
INSERT INTO {{stage.failures}} (processor_name, run_id, analysis_date, entity_id, failure_category, failure_reason,
                                can_retry, failure_type, expected_game_count, actual_game_count, resolution_status, created_at)
SELECT @processor, @run_id, analysis_date, player_lookup, 'INSUFFICIENT_DATA', 'No PGS row in the 60 days before D',
       FALSE, 'min_games', 1, 0, 'by_design', @processed_at
FROM {{work.checked}}
WHERE invalid_reason IS NULL AND n = 0
