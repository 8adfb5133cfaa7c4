using BackfillTools.Core.Warehouse;

namespace BackfillTools.Core.Schema;

/// <summary>
/// The Phase 4 output tables, declared as production declares them: the base columns of Data/production-schema.json
/// (names, NUMERIC(p,s), arrays, the MLFS historical_completeness STRUCT, NOT NULL, partitioning, clustering,
/// require_partition_filter), taken from the file so they cannot drift. The processors round each value to its
/// column's scale and cast it to NUMERIC. Which run published a row and which player context it used live in the
/// product's own tables (<see cref="WarehouseSchema.PublishLineage"/>, <see cref="WarehouseSchema.EntityContextSources"/>).
/// </summary>
public static class PrecomputeTables
{
    public static readonly TableDef Tdza = ProductionSchema.Find("nba_precompute.team_defense_zone_analysis").Base;

    public static readonly TableDef Psza = ProductionSchema.Find("nba_precompute.player_shot_zone_analysis").Base;

    public static readonly TableDef Pcf = ProductionSchema.Find("nba_precompute.player_composite_factors").Base;

    public static readonly TableDef Pdc = ProductionSchema.Find("nba_precompute.player_daily_cache").Base;

    /// <summary>Number of features in the v2_37features vector (spec §9.2).</summary>
    public const int MlfsFeatureCount = 37;

    /// <summary>The feature_version the product writes; production readers filter on it (a clustering column).</summary>
    public const string MlfsFeatureVersion = "v2_37features";

    public static readonly TableDef Mlfs = ProductionSchema.Find("nba_predictions.ml_feature_store_v2").Base;

    public static IReadOnlyList<TableDef> All { get; } = new[] { Tdza, Psza, Pcf, Pdc, Mlfs };
}
