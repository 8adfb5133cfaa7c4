-- Shared steps of every processor run. Statements are separated by "-- @@ <name>" lines; the C# side picks them by
-- name. Tokens: {{stage.*}} are the runner's staging tables, {{work.*}} scratch tables of this run (dropped after it),
-- {{col.date}}/{{col.entity}} the output table's date and entity columns, @processor/@run_id/@processed_at parameters.

-- @@ ctx_decision
-- Player context rule (the incident fix): E = distinct PGS players on D, U = distinct UPCG players on D (the same count
-- Find-StaleUpcg and Test-Coverage call partial; the column keeps its stored name upcg_rows). UPCG is used when
-- U > 0 and U >= @partial_upcg_ratio·E (BackfillRules.PartialUpcgRatio), otherwise the synthetic context from PGS. Dates with no PGS (upcoming slates) use UPCG only.
CREATE OR REPLACE TABLE {{work.ctxdec}} AS
WITH counts AS (
  SELECT d.analysis_date,
         (SELECT COUNT(DISTINCT p.player_lookup) FROM {{nba_analytics.player_game_summary}} p WHERE p.game_date = d.analysis_date) AS pgs_players,
         (SELECT COUNT(DISTINCT u.player_lookup) FROM {{nba_analytics.upcoming_player_game_context}} u WHERE u.game_date = d.analysis_date) AS upcg_rows
  FROM {{work.dinfo}} d
  WHERE NOT d.is_bootstrap
)
SELECT analysis_date, pgs_players, upcg_rows,
  CASE
    WHEN @context_mode = 'ForceUpcg' THEN 'UPCG'
    WHEN @context_mode = 'ForceSynthetic' THEN 'Synthetic'
    WHEN pgs_players = 0 THEN 'UPCG'
    WHEN upcg_rows > 0 AND upcg_rows >= @partial_upcg_ratio * pgs_players THEN 'UPCG'
    ELSE 'Synthetic'
  END AS source,
  CASE
    WHEN @context_mode = 'ForceUpcg' THEN 'forced UPCG (test switch)'
    WHEN @context_mode = 'ForceSynthetic' THEN 'forced synthetic context'
    WHEN pgs_players = 0 THEN 'no PGS rows on D: upcoming slate, UPCG only'
    WHEN upcg_rows > 0 AND upcg_rows >= @partial_upcg_ratio * pgs_players THEN CONCAT('UPCG covers at least ', CAST(CAST(@partial_upcg_ratio * 100 AS INT64) AS STRING), '% of PGS players')
    WHEN upcg_rows = 0 THEN 'UPCG has no rows for D'
    ELSE CONCAT('UPCG covers less than ', CAST(CAST(@partial_upcg_ratio * 100 AS INT64) AS STRING), '% of PGS players')
  END AS reason
FROM counts

-- @@ ctx
-- One context row per (D, player): UPCG rows, or synthetic rows built from PGS (spec §7.1 step 4).
CREATE OR REPLACE TABLE {{work.ctx}} AS
SELECT c.analysis_date, u.player_lookup, u.universal_player_id, u.game_id, u.team_abbr, u.opponent_team_abbr,
       u.home_game, u.back_to_back, u.season_phase, u.days_rest, u.opponent_days_rest,
       u.games_in_last_7_days, u.games_in_last_14_days, u.minutes_in_last_7_days, u.minutes_in_last_14_days,
       CAST(u.avg_minutes_per_game_last_7 AS FLOAT64) AS avg_minutes_per_game_last_7, u.back_to_backs_last_14_days,
       u.fourth_quarter_minutes_last_7, CAST(u.avg_usage_rate_last_7_games AS FLOAT64) AS avg_usage_rate_last_7_games,
       CAST(u.projected_usage_rate AS FLOAT64) AS projected_usage_rate, u.star_teammates_out,
       CAST(u.pace_differential AS FLOAT64) AS pace_differential, CAST(u.opponent_pace_last_10 AS FLOAT64) AS opponent_pace_last_10,
       u.player_age, u.player_status, 'UPCG' AS context_source,
       -- The upstream row the context is: its load time and fingerprint (source_*_context_* of PCF and PDC).
       u.processed_at AS ctx_updated, u.data_hash AS ctx_hash
FROM {{work.ctxdec}} c
JOIN {{nba_analytics.upcoming_player_game_context}} u ON u.game_date = c.analysis_date
WHERE c.source = 'UPCG'
UNION ALL
SELECT c.analysis_date, p.player_lookup, p.universal_player_id, p.game_id, p.team_abbr, p.opponent_team_abbr,
       CAST(NULL AS BOOL) AS home_game,
       COALESCE(h.b2b, FALSE) AS back_to_back,
       CAST(NULL AS STRING) AS season_phase,
       CASE WHEN COALESCE(h.b2b, FALSE) THEN 0 ELSE 1 END AS days_rest,
       CAST(NULL AS INT64) AS opponent_days_rest,
       COALESCE(h.g7, 0) AS games_in_last_7_days, COALESCE(h.g14, 0) AS games_in_last_14_days,
       CAST(COALESCE(h.m7, 0) AS INT64) AS minutes_in_last_7_days, CAST(COALESCE(h.m14, 0) AS INT64) AS minutes_in_last_14_days,
       COALESCE(h.m7 / NULLIF(h.g7, 0), 0) AS avg_minutes_per_game_last_7,
       0 AS back_to_backs_last_14_days, CAST(NULL AS INT64) AS fourth_quarter_minutes_last_7,
       h.usage7 AS avg_usage_rate_last_7_games, CAST(NULL AS FLOAT64) AS projected_usage_rate, 0 AS star_teammates_out,
       CAST(NULL AS FLOAT64) AS pace_differential, CAST(NULL AS FLOAT64) AS opponent_pace_last_10,
       CAST(NULL AS INT64) AS player_age, CAST(NULL AS STRING) AS player_status, 'Synthetic' AS context_source,
       p.processed_at AS ctx_updated, p.data_hash AS ctx_hash
FROM {{work.ctxdec}} c
JOIN {{nba_analytics.player_game_summary}} p ON p.game_date = c.analysis_date
LEFT JOIN (
  -- H = the player's PGS rows in [D-14, D); the 7-day window is D-6..D-1 (strict > D-7, as UPCG).
  SELECT c2.analysis_date, q.player_lookup,
         LOGICAL_OR(q.game_date = c2.analysis_date - 1) AS b2b,
         COUNTIF(q.game_date > c2.analysis_date - 7) AS g7,
         SUM(CASE WHEN q.game_date > c2.analysis_date - 7 THEN CAST(q.minutes_played AS NUMERIC) END) AS m7,
         AVG(CASE WHEN q.game_date > c2.analysis_date - 7 THEN CAST(q.usage_rate AS NUMERIC) END) AS usage7,
         COUNT(*) AS g14,
         SUM(CAST(q.minutes_played AS NUMERIC)) AS m14
  FROM {{work.ctxdec}} c2
  JOIN {{nba_analytics.player_game_summary}} q ON q.game_date >= c2.analysis_date - 14 AND q.game_date < c2.analysis_date
  WHERE c2.source = 'Synthetic'
  GROUP BY c2.analysis_date, q.player_lookup
) h ON h.analysis_date = c.analysis_date AND h.player_lookup = p.player_lookup
WHERE c.source = 'Synthetic'

-- @@ ctx_log
INSERT INTO {{stage.context}} (processor_name, analysis_date, source, pgs_players, upcg_rows, reason, run_id, decided_at)
SELECT @processor, analysis_date, source, pgs_players, upcg_rows, reason, @run_id, @processed_at
FROM {{work.ctxdec}}

-- @@ todo
-- The dates this processor computes: not bootstrap, not blocked by missing upstream Phase 4 rows.
CREATE OR REPLACE TABLE {{work.todo}} AS
SELECT d.*
FROM {{work.dinfo}} d
WHERE NOT d.is_bootstrap
  AND NOT EXISTS (SELECT 1 FROM {{work.blocked}} b WHERE b.analysis_date = d.analysis_date)

-- @@ validation_failures
-- Pre-write range rules route rows to failures instead of dropping them; work.checked is the processor's
-- calculation table with entity_id and invalid_reason (NULL when the row may be written).
INSERT INTO {{stage.failures}} (processor_name, run_id, analysis_date, entity_id, failure_category, failure_reason,
                                can_retry, failure_type, resolution_status, created_at)
SELECT @processor, @run_id, analysis_date, entity_id, 'VALIDATION_ERROR', invalid_reason, FALSE, 'range', 'unresolved', @processed_at
FROM {{work.checked}}
WHERE invalid_reason IS NOT NULL

-- @@ blocked_failures
-- Integrity fix (§11.2): no rows on a date whose required upstream rows are missing; every expected entity fails.
INSERT INTO {{stage.failures}} (processor_name, run_id, analysis_date, entity_id, failure_category, failure_reason,
                                can_retry, failure_type, resolution_status, created_at)
SELECT @processor, @run_id, x.analysis_date, x.entity_id, 'INCOMPLETE_UPSTREAM',
       CONCAT('Required upstream Phase 4 rows missing for D: ', b.missing), TRUE, 'upstream', 'unresolved', @processed_at
FROM {{work.expected}} x
JOIN {{work.blocked}} b ON b.analysis_date = x.analysis_date

-- @@ unaccounted_context
-- An expected player without a context row is never silently absent.
INSERT INTO {{stage.failures}} (processor_name, run_id, analysis_date, entity_id, failure_category, failure_reason,
                                can_retry, failure_type, resolution_status, created_at)
SELECT @processor, @run_id, x.analysis_date, x.entity_id,
       CASE WHEN c.source = 'UPCG' AND c.upcg_rows = 0 THEN 'STALE_DATA' ELSE 'INCOMPLETE_UPSTREAM' END,
       CONCAT('No player context for D (source ', COALESCE(c.source, 'none'), ': UPCG rows ',
              CAST(COALESCE(c.upcg_rows, 0) AS STRING), ' for ', CAST(COALESCE(c.pgs_players, 0) AS STRING), ' PGS players)'),
       TRUE, 'context', 'unresolved', @processed_at
FROM {{work.expected}} x
LEFT JOIN {{work.ctxdec}} c ON c.analysis_date = x.analysis_date
WHERE NOT EXISTS (SELECT 1 FROM {{stage.rows}} r WHERE r.{{col.date}} = x.analysis_date AND r.{{col.entity}} = x.entity_id)
  AND NOT EXISTS (SELECT 1 FROM {{stage.failures}} f WHERE f.processor_name = @processor AND f.analysis_date = x.analysis_date AND f.entity_id = x.entity_id)

-- @@ unaccounted
INSERT INTO {{stage.failures}} (processor_name, run_id, analysis_date, entity_id, failure_category, failure_reason,
                                can_retry, failure_type, resolution_status, created_at)
SELECT @processor, @run_id, x.analysis_date, x.entity_id, 'PROCESSING_ERROR', 'Expected entity produced neither a row nor a failure',
       TRUE, 'processing', 'unresolved', @processed_at
FROM {{work.expected}} x
WHERE NOT EXISTS (SELECT 1 FROM {{stage.rows}} r WHERE r.{{col.date}} = x.analysis_date AND r.{{col.entity}} = x.entity_id)
  AND NOT EXISTS (SELECT 1 FROM {{stage.failures}} f WHERE f.processor_name = @processor AND f.analysis_date = x.analysis_date AND f.entity_id = x.entity_id)
