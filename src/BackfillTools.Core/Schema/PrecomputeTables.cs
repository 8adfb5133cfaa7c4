using BackfillTools.Core.Warehouse;
using static BackfillTools.Core.Warehouse.Col;

namespace BackfillTools.Core.Schema;

/// <summary>The Phase 4 output tables (processors spec §3 table and appendix). Every output row carries run_id.</summary>
public static class PrecomputeTables
{
    public static readonly TableDef Tdza = new("nba_precompute", "team_defense_zone_analysis",
        new[] { Date("analysis_date", false), Str("team_abbr", false), Str("run_id"), Ts("processed_at", false) },
        new[] { "analysis_date", "team_abbr" }, "analysis_date", new[] { "team_abbr" });

    public static readonly TableDef Psza = new("nba_precompute", "player_shot_zone_analysis",
        new[] { Date("analysis_date", false), Str("player_lookup", false), Str("run_id"), Ts("processed_at", false) },
        new[] { "analysis_date", "player_lookup" }, "analysis_date", new[] { "player_lookup" });

    public static readonly TableDef Pcf = new("nba_precompute", "player_composite_factors",
        new[] { Date("game_date", false), Str("player_lookup", false), Str("run_id"), Ts("processed_at", false) },
        new[] { "game_date", "player_lookup" }, "game_date", new[] { "player_lookup" });

    public static readonly TableDef Pdc = new("nba_precompute", "player_daily_cache",
        new[] { Date("cache_date", false), Str("player_lookup", false), Str("run_id"), Ts("processed_at", false) },
        new[] { "cache_date", "player_lookup" }, "cache_date", new[] { "player_lookup" });

    public static readonly TableDef Mlfs = new("nba_predictions", "ml_feature_store_v2",
        new[] { Str("player_lookup", false), Date("game_date", false), Str("run_id"), Ts("created_at"), Ts("updated_at") },
        new[] { "player_lookup", "game_date" }, "game_date", new[] { "player_lookup" });

    public static IReadOnlyList<TableDef> All { get; } = new[] { Tdza, Psza, Pcf, Pdc, Mlfs };
}
