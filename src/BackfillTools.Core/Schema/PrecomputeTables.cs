using BackfillTools.Core.Warehouse;
using static BackfillTools.Core.Warehouse.Col;

namespace BackfillTools.Core.Schema;

/// <summary>
/// The Phase 4 output tables (processors spec §3 table, §5–9 and the appendix). Scales are the reference's NUMERIC
/// scales; the processors round to them explicitly. Every output row carries run_id.
/// </summary>
public static class PrecomputeTables
{
    public static readonly TableDef Tdza = new("nba_precompute", "team_defense_zone_analysis",
        new[]
        {
            Date("analysis_date", false), Str("team_abbr", false),
            Num("paint_pct_allowed_last_15", 3), Num("mid_range_pct_allowed_last_15", 3), Num("three_pt_pct_allowed_last_15", 3),
            Num("paint_attempts_allowed_per_game", 1), Num("mid_range_attempts_allowed_per_game", 1), Num("three_pt_attempts_allowed_per_game", 1),
            Num("paint_points_allowed_per_game", 1),
            Num("paint_blocks_per_game", 1), Num("mid_range_blocks_per_game", 1), Num("three_pt_blocks_per_game", 1),
            Num("paint_defense_vs_league_avg", 2), Num("mid_range_defense_vs_league_avg", 2), Num("three_pt_defense_vs_league_avg", 2),
            Num("defensive_rating_last_15", 2), Num("opponent_points_per_game", 1), Num("opponent_pace", 1),
            Int("games_in_sample"), Str("strongest_zone"), Str("weakest_zone"), Str("data_quality_tier"), Str("calculation_notes"),
            Num("league_paint_pct", 3), Num("league_mid_range_pct", 3), Num("league_three_pt_pct", 3), Bool("league_avg_is_default"),
            Bool("early_season_flag"), Str("processing_decision_reason"), Str("source_team_defense_hash"), Bool("is_production_ready"),
            Str("run_id"), Ts("processed_at", false),
        },
        new[] { "analysis_date", "team_abbr" }, "analysis_date", new[] { "team_abbr" });

    public static readonly TableDef Psza = new("nba_precompute", "player_shot_zone_analysis",
        new[]
        {
            Date("analysis_date", false), Str("player_lookup", false), Str("universal_player_id"),
            Num("paint_rate_last_10", 2), Num("mid_range_rate_last_10", 2), Num("three_pt_rate_last_10", 2),
            Num("paint_pct_last_10", 3), Num("mid_range_pct_last_10", 3), Num("three_pt_pct_last_10", 3),
            Num("paint_attempts_per_game", 1), Num("mid_range_attempts_per_game", 1), Num("three_pt_attempts_per_game", 1),
            Num("paint_rate_last_20", 2), Num("mid_range_rate_last_20", 2), Num("three_pt_rate_last_20", 2),
            Num("paint_pct_last_20", 3), Num("mid_range_pct_last_20", 3), Num("three_pt_pct_last_20", 3),
            Num("assisted_rate_last_10", 2), Num("unassisted_rate_last_10", 2), Int("total_shots_last_10"),
            Int("games_in_sample_10"), Int("games_in_sample_20"), Str("sample_quality_10"), Str("sample_quality_20"),
            Str("primary_scoring_zone"), Str("player_position"), Str("data_quality_tier"), Str("calculation_notes"),
            Int("min_games_required"), Bool("early_season_flag"), Ts("source_player_game_last_updated"), Str("source_player_game_hash"),
            Bool("is_production_ready"), Str("run_id"), Ts("processed_at", false),
        },
        new[] { "analysis_date", "player_lookup" }, "analysis_date", new[] { "player_lookup" });

    public static readonly TableDef Pcf = new("nba_precompute", "player_composite_factors",
        new[]
        {
            Date("game_date", false), Str("player_lookup", false), Date("analysis_date"), Str("universal_player_id"), Str("game_id"),
            Str("team_abbr"), Str("opponent_team_abbr"),
            Int("fatigue_score"), Num("shot_zone_mismatch_score", 1), Num("pace_score", 1), Num("usage_spike_score", 1),
            Num("referee_favorability_score", 1), Num("look_ahead_pressure_score", 1), Num("travel_impact_score", 1), Num("opponent_strength_score", 1),
            Num("total_composite_adjustment", 2),
            Str("fatigue_context_json"), Str("shot_zone_context_json"), Str("pace_context_json"), Str("usage_context_json"),
            Num("data_completeness_pct", 2), Str("missing_data_fields"), Bool("has_warnings"), Str("warning_details"),
            Str("calculation_version"), Bool("early_season_flag"), Bool("is_production_ready"), Str("context_source"),
            Str("run_id"), Ts("processed_at", false),
        },
        new[] { "game_date", "player_lookup" }, "game_date", new[] { "player_lookup" });

    public static readonly TableDef Pdc = new("nba_precompute", "player_daily_cache",
        new[]
        {
            Date("cache_date", false), Str("player_lookup", false), Str("universal_player_id"), Str("team_abbr"),
            Num("points_avg_last_5", 1), Num("points_avg_last_10", 1), Num("points_avg_season", 1), Num("points_std_last_10", 2),
            Num("minutes_avg_last_10", 1), Num("usage_rate_last_10", 2), Num("ts_pct_last_10", 3), Int("games_played_season"),
            Num("player_usage_rate_season", 2), Num("assisted_rate_last_10", 4),
            Num("team_pace_last_10", 1), Num("team_off_rating_last_10", 2),
            Int("games_in_last_7_days"), Int("games_in_last_14_days"), Int("minutes_in_last_7_days"), Int("minutes_in_last_14_days"),
            Int("back_to_backs_last_14_days"), Num("avg_minutes_per_game_last_7", 1), Int("fourth_quarter_minutes_last_7"), Int("player_age"),
            Str("primary_scoring_zone"), Num("paint_rate_last_10", 2), Num("three_pt_rate_last_10", 2),
            Bool("shot_zone_data_available"), Bool("early_season_flag"), Str("insufficient_data_reason"), Str("cache_version"),
            Bool("is_production_ready"), Str("context_source"), Str("run_id"), Ts("processed_at", false),
        },
        new[] { "cache_date", "player_lookup" }, "cache_date", new[] { "player_lookup" });

    /// <summary>Number of features in the v2_37features vector (spec §9.2).</summary>
    public const int MlfsFeatureCount = 37;

    public static readonly TableDef Mlfs = new("nba_predictions", "ml_feature_store_v2",
        new[]
        {
            Str("player_lookup", false), Date("game_date", false), Str("game_id"), Str("universal_player_id"),
            FloatArray("features"), StrArray("feature_names"), Int("feature_count"), Str("feature_version"),
            Num("feature_quality_score", 2), Str("quality_tier"), Str("data_source"), Str("opponent_team_abbr"), Str("team_abbr"),
            Bool("is_home"), Int("days_rest"), Bool("early_season_flag"), Str("insufficient_data_reason"),
            Num("matchup_quality", 2), Num("player_history_quality", 2), Num("team_context_quality", 2), Num("vegas_quality", 2),
            Num("game_context_quality", 2), Bool("is_quality_ready"), Bool("is_training_ready"), Str("quality_alert_level"),
            Str("default_feature_indices"), Int("default_feature_count"), Int("required_default_count"),
            Bool("has_composite_factors"), Bool("has_opponent_defense"), Bool("has_vegas_line"), Str("vegas_line_source"),
            Bool("cache_miss_fallback_used"), Int("historical_games_found"), Int("historical_games_expected"),
            Bool("historical_is_complete"), Bool("historical_is_bootstrap"), Bool("is_production_ready"), Str("context_source"),
        }
        .Concat(Enumerable.Range(0, MlfsFeatureCount).SelectMany(i => new[]
            { Num($"feature_{i}_value"), Num($"feature_{i}_quality"), Str($"feature_{i}_source") }))
        .Concat(new[] { Str("run_id"), Ts("created_at"), Ts("updated_at") })
        .ToArray(),
        new[] { "player_lookup", "game_date" }, "game_date", new[] { "player_lookup" });

    public static IReadOnlyList<TableDef> All { get; } = new[] { Tdza, Psza, Pcf, Pdc, Mlfs };
}
