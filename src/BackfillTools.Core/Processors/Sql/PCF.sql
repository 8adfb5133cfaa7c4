-- PCF: player composite factors (processors spec §7), all dates of the run at once.

-- @@ pcf_window
-- The player's last-10 window of qualifying games this season (PSZA's: S_psza <= game_date < D, active, minutes or
-- shots), counted for the completeness columns: each game is numbered once per player and season, and each (D, player)
-- reads the number of its latest game before D (D lies in (game_date, next_date]).
CREATE OR REPLACE TABLE {{work.pcf_window}} AS
WITH seasons AS (
  SELECT psza_start, MAX(analysis_date) AS last_date FROM {{work.todo}} GROUP BY psza_start
),
q AS (
  SELECT s.psza_start, p.player_lookup, p.game_date,
         ROW_NUMBER() OVER w AS qi, LEAD(p.game_date) OVER w AS next_date
  FROM seasons s
  JOIN {{nba_analytics.player_game_summary}} p ON p.game_date >= s.psza_start AND p.game_date < s.last_date
  WHERE p.is_active AND (p.minutes_played > 0 OR p.fg_attempts > 0)
  WINDOW w AS (PARTITION BY s.psza_start, p.player_lookup ORDER BY p.game_date, p.game_id)
)
SELECT t.analysis_date, q.player_lookup, LEAST(q.qi, 10) AS games
FROM {{work.todo}} t
JOIN q ON q.psza_start = t.psza_start AND q.game_date < t.analysis_date
      AND (q.next_date IS NULL OR q.next_date >= t.analysis_date)

-- @@ pcf_calc
CREATE OR REPLACE TABLE {{work.checked}} AS
WITH inputs AS (
  SELECT c.*,
         -- The upstream rows read, for the source_* columns: PSZA, the opponent's TDZA, the team's UTGC row of D.
         s.processed_at AS psza_updated, s.data_hash AS psza_hash, z.processed_at AS tdza_updated, z.data_hash AS tdza_hash,
         tc.processed_at AS team_ctx_updated, tc.data_hash AS team_ctx_hash, IFNULL(tc.n, 0) AS team_ctx_rows,
         IFNULL(w.games, 0) AS window_games,
         s.player_lookup IS NOT NULL AS has_psza, s.primary_scoring_zone,
         s.paint_rate_last_10, s.mid_range_rate_last_10, s.three_pt_rate_last_10,
         z.team_abbr IS NOT NULL AS has_tdza, z.weakest_zone,
         z.paint_defense_vs_league_avg, z.mid_range_defense_vs_league_avg, z.three_pt_defense_vs_league_avg,
         -- Fatigue inputs with the spec's NULL defaults.
         IFNULL(c.days_rest, 1) AS f_rest, IFNULL(c.back_to_back, FALSE) AS f_b2b, IFNULL(c.games_in_last_7_days, 3) AS f_g7,
         IFNULL(c.minutes_in_last_7_days, 200) AS f_m7, IFNULL(c.avg_minutes_per_game_last_7, 30) AS f_mpg7,
         IFNULL(c.back_to_backs_last_14_days, 0) AS f_b2b14, IFNULL(c.player_age, 25) AS f_age
  FROM {{work.ctx}} c
  JOIN {{work.todo}} t ON t.analysis_date = c.analysis_date
  LEFT JOIN {{nba_precompute.player_shot_zone_analysis}} s
    ON s.analysis_date = c.analysis_date AND s.player_lookup = c.player_lookup
  LEFT JOIN {{nba_precompute.team_defense_zone_analysis}} z
    ON z.analysis_date = c.analysis_date AND z.team_abbr = c.opponent_team_abbr
  LEFT JOIN (
    -- One UTGC row per (D, team) is expected; should there be more, the highest game_id's is the one fingerprinted.
    SELECT game_date, team_abbr, processed_at, data_hash,
           COUNT(*) OVER (PARTITION BY game_date, team_abbr) AS n,
           ROW_NUMBER() OVER (PARTITION BY game_date, team_abbr ORDER BY game_id DESC) AS rn
    FROM {{nba_analytics.upcoming_team_game_context}}
    WHERE game_date IN (SELECT analysis_date FROM {{work.todo}})
  ) tc ON tc.game_date = c.analysis_date AND tc.team_abbr = c.team_abbr AND tc.rn = 1
  LEFT JOIN {{work.pcf_window}} w ON w.analysis_date = c.analysis_date AND w.player_lookup = c.player_lookup
),
fatigue AS (
  SELECT i.*,
         GREATEST(0, LEAST(100,
           100
           + CASE WHEN f_b2b THEN -15 WHEN f_rest >= 3 THEN 5 ELSE 0 END
           + CASE WHEN f_g7 >= 4 THEN -10 ELSE 0 END
           + CASE WHEN f_m7 > 240 THEN -10 ELSE 0 END
           + CASE WHEN f_mpg7 > 35 THEN -8 ELSE 0 END
           + CASE WHEN f_b2b14 >= 2 THEN -12 WHEN f_b2b14 = 1 THEN -5 ELSE 0 END
           + CASE WHEN f_age >= 35 THEN -10 WHEN f_age >= 30 THEN -5 ELSE 0 END)) AS fatigue,
         -- Shot-zone inputs: the zone of primary_scoring_zone; balanced/NULL read the paint columns.
         CASE primary_scoring_zone WHEN 'mid_range' THEN mid_range_rate_last_10 WHEN 'perimeter' THEN three_pt_rate_last_10
              ELSE paint_rate_last_10 END AS zone_rate,
         CASE primary_scoring_zone WHEN 'mid_range' THEN mid_range_defense_vs_league_avg
              WHEN 'perimeter' THEN three_pt_defense_vs_league_avg ELSE paint_defense_vs_league_avg END AS zone_def
  FROM inputs i
),
mismatch AS (
  SELECT f.*,
         CASE WHEN has_psza AND has_tdza
              THEN IFNULL(CAST(zone_def AS FLOAT64), 0) * LEAST(IFNULL(CAST(zone_rate AS FLOAT64), 50) / 50, 1) END AS m_raw,
         IFNULL(pace_differential, 0) / 2 AS pace_raw,
         CASE WHEN IFNULL(avg_usage_rate_last_7_games, 25) = 0 THEN 0
              ELSE (IFNULL(projected_usage_rate, 25) - IFNULL(avg_usage_rate_last_7_games, 25)) * 0.3 END AS usage_raw
  FROM fatigue f
),
factors AS (
  SELECT m.*,
         (fatigue - 100) / 20.0 AS fatigue_adj,
         -- |m| > 5 is amplified by 1.2, then clamped to ±10; a missing PSZA or opponent TDZA row gives 0.
         CASE WHEN m_raw IS NULL THEN 0.0
              ELSE GREATEST(-10, LEAST(10, CASE WHEN ABS(m_raw) > 5 THEN m_raw * 1.2 ELSE m_raw END)) END AS mismatch,
         GREATEST(-3, LEAST(3, pace_raw)) AS pace,
         GREATEST(-3, LEAST(3, CASE WHEN IFNULL(star_teammates_out, 0) > 0 AND usage_raw > 0
                                    THEN usage_raw * CASE WHEN star_teammates_out >= 2 THEN 1.30 ELSE 1.15 END
                                    ELSE usage_raw END)) AS usage_spike
  FROM mismatch m
)
SELECT f.*, player_lookup AS entity_id,
       fatigue_adj + mismatch + pace + usage_spike AS total,
       (CASE WHEN days_rest IS NOT NULL THEN 1 ELSE 0 END) + (CASE WHEN projected_usage_rate IS NOT NULL THEN 1 ELSE 0 END)
         + (CASE WHEN pace_differential IS NOT NULL THEN 1 ELSE 0 END) + (CASE WHEN has_psza THEN 1 ELSE 0 END)
         + (CASE WHEN has_tdza THEN 1 ELSE 0 END) AS inputs_present,
       -- Pre-write rule: fatigue within 0..100, mismatch within ±15, pace within ±8.
       CASE WHEN NOT (fatigue BETWEEN 0 AND 100 AND ABS(mismatch) <= 15 AND ABS(pace) <= 8)
            THEN 'Factor outside its pre-write range' END AS invalid_reason
FROM factors f

-- @@ pcf_rows
-- Each value at its column's NUMERIC scale; context_source and the context's teams go to the staging-only columns
-- (published to the product's entity_context_sources). The upstream rows found: 1 or 0 PSZA and opponent TDZA row,
-- the player's context row (always 1: a row is computed only from one) and the team's UTGC rows of D; each is expected
-- once, so its completeness is found ÷ 1 × 100 (at most 100). Completeness counts: the last-10 window of pcf_window.
INSERT INTO {{stage.rows}} (game_date, player_lookup, analysis_date, universal_player_id, game_id,
  fatigue_score, shot_zone_mismatch_score, pace_score, usage_spike_score,
  referee_favorability_score, look_ahead_pressure_score, travel_impact_score, opponent_strength_score,
  total_composite_adjustment, fatigue_context_json, shot_zone_context_json, pace_context_json, usage_context_json,
  data_completeness_pct, missing_data_fields, has_warnings, warning_details, calculation_version,
  source_player_context_last_updated, source_player_context_rows_found, source_player_context_completeness_pct,
  source_player_context_hash,
  source_team_context_last_updated, source_team_context_rows_found, source_team_context_completeness_pct,
  source_team_context_hash,
  source_player_shot_last_updated, source_player_shot_rows_found, source_player_shot_completeness_pct, source_player_shot_hash,
  source_team_defense_last_updated, source_team_defense_rows_found, source_team_defense_completeness_pct,
  source_team_defense_hash,
  expected_games_count, actual_games_count, completeness_percentage, missing_games_count,
  upstream_player_shot_ready, upstream_team_defense_ready, upstream_player_context_ready, upstream_team_context_ready,
  all_upstreams_ready,
  early_season_flag, is_production_ready, processing_decision_reason, created_at, processed_at,
  context_source, team_abbr, opponent_team_abbr)
SELECT analysis_date, player_lookup, analysis_date, universal_player_id, game_id,
  CAST(fatigue AS INT64), ROUND_NUMERIC(mismatch, 1), ROUND_NUMERIC(pace, 1), ROUND_NUMERIC(usage_spike, 1),
  CAST(0 AS NUMERIC), CAST(0 AS NUMERIC), CAST(0 AS NUMERIC), CAST(0 AS NUMERIC),
  ROUND_NUMERIC(total, 2),
  CONCAT('{"days_rest":', CAST(f_rest AS STRING), ',"back_to_back":', IF(f_b2b, 'true', 'false'),
         ',"games_last_7":', CAST(f_g7 AS STRING), ',"minutes_last_7":', CAST(f_m7 AS STRING),
         ',"back_to_backs_last_14":', CAST(f_b2b14 AS STRING), ',"player_age":', CAST(f_age AS STRING),
         ',"final_score":', CAST(CAST(fatigue AS INT64) AS STRING), '}'),
  CASE WHEN NOT (has_psza AND has_tdza) THEN '{"missing_data":true}'
       ELSE CONCAT('{"player_primary_zone":"', IFNULL(primary_scoring_zone, 'balanced'),
                   '","opponent_weak_zone":"', IFNULL(weakest_zone, ''),
                   '","mismatch_type":"', CASE WHEN mismatch > 2 THEN 'favorable' WHEN mismatch < -2 THEN 'unfavorable' ELSE 'neutral' END,
                   '"}') END,
  CONCAT('{"pace_environment":"', CASE WHEN pace > 2 THEN 'fast' WHEN pace < -2 THEN 'slow' ELSE 'normal' END, '"}'),
  CONCAT('{"usage_trend":"', CASE WHEN usage_spike > 2 THEN 'spike' WHEN usage_spike < -2 THEN 'drop' ELSE 'stable' END, '"}'),
  CAST(20 * inputs_present AS NUMERIC),
  NULLIF(SUBSTR(CONCAT(IF(days_rest IS NULL, ', days_rest', ''), IF(projected_usage_rate IS NULL, ', projected_usage_rate', ''),
                       IF(pace_differential IS NULL, ', pace_differential', ''), IF(has_psza, '', ', player_shot_zone'),
                       IF(has_tdza, '', ', team_defense_zone')), 3), ''),
  fatigue < 50 OR ABS(mismatch) > 8 OR ABS(total) > 12,
  NULLIF(SUBSTR(CONCAT(IF(fatigue < 50, '; EXTREME_FATIGUE', ''), IF(ABS(mismatch) > 8, '; EXTREME_MATCHUP', ''),
                       IF(ABS(total) > 12, '; EXTREME_ADJUSTMENT', '')), 3), ''),
  'v1_4factors',
  ctx_updated, 1, ROUND_NUMERIC(CAST(100 AS FLOAT64), 2), ctx_hash,
  team_ctx_updated, team_ctx_rows, ROUND_NUMERIC(CAST(LEAST(team_ctx_rows, 1) AS FLOAT64) * 100, 2), team_ctx_hash,
  psza_updated, CASE WHEN has_psza THEN 1 ELSE 0 END, ROUND_NUMERIC(CASE WHEN has_psza THEN 100.0 ELSE 0.0 END, 2), psza_hash,
  tdza_updated, CASE WHEN has_tdza THEN 1 ELSE 0 END, ROUND_NUMERIC(CASE WHEN has_tdza THEN 100.0 ELSE 0.0 END, 2), tdza_hash,
  10, window_games, CAST(window_games AS FLOAT64) * 100 / 10, 10 - window_games,
  has_psza, has_tdza, TRUE, team_ctx_rows > 0, has_psza AND has_tdza AND team_ctx_rows > 0,
  FALSE, TRUE, 'processed_successfully', @processed_at, @processed_at,
  context_source, team_abbr, opponent_team_abbr
FROM {{work.checked}}
WHERE invalid_reason IS NULL
