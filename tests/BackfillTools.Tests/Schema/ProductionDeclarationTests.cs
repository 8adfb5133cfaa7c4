using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using Xunit;

namespace BackfillTools.Tests.Schema;

/// <summary>
/// Each production table the product reads or writes is declared exactly as production-schema.json's base columns:
/// names, types (NUMERIC precision and scale, arrays, structs), NOT NULL, partitioning, clustering and
/// require_partition_filter. One line per table; a difference names the table and what differs.
/// </summary>
public class ProductionDeclarationTests
{
    public static TheoryData<string, string> Declarations() => new()
    {
        // ---- outputs (helper "outputs") ----
        { "nba_precompute.team_defense_zone_analysis", PrecomputeTables.Tdza.FullName },
        { "nba_precompute.player_shot_zone_analysis", PrecomputeTables.Psza.FullName },
        { "nba_precompute.player_composite_factors", PrecomputeTables.Pcf.FullName },
        { "nba_precompute.player_daily_cache", PrecomputeTables.Pdc.FullName },
        { "nba_predictions.ml_feature_store_v2", PrecomputeTables.Mlfs.FullName },
        { "nba_processing.precompute_failures", WarehouseSchema.PrecomputeFailures.FullName },
    };

    [Theory]
    [MemberData(nameof(Declarations))]
    public void The_declaration_equals_production_s_base_columns(string productionTable, string declaredTable)
    {
        var production = ProductionSchema.Find(productionTable);
        var declared = WarehouseSchema.Find(declaredTable);
        var comparison = SchemaComparison.Compare(declared, production);
        Assert.True(comparison.Identical, SchemaComparison.Markdown(new[] { ((TableDef?)declared, production) }));
        // Column by column as well, in production's order, so a reordering or a type detail cannot hide.
        Assert.Equal(production.Base.Columns.Select(Describe), declared.Columns.Select(Describe));
        Assert.Equal(production.Base.PartitionColumn, declared.PartitionColumn);
        Assert.Equal(production.Base.Clustering ?? Array.Empty<string>(), declared.Clustering ?? Array.Empty<string>());
        Assert.Equal(production.Base.RequirePartitionFilter, declared.RequirePartitionFilter);
    }

    [Fact]
    public void A_changed_scale_or_dropped_NOT_NULL_is_reported_as_a_difference()
    {
        var production = ProductionSchema.Find("nba_precompute.team_defense_zone_analysis");
        var wrongScale = production.Base with
        {
            Columns = production.Base.Columns.Select(c => c.Name == "paint_pct_allowed_last_15" ? Col.Numeric(c.Name, 5, 2) : c).ToList(),
        };
        Assert.False(SchemaComparison.Compare(wrongScale, production).Identical);
        var nullableKey = production.Base with
        {
            Columns = production.Base.Columns.Select(c => c.Name == "team_abbr" ? c with { Nullable = true } : c).ToList(),
        };
        Assert.False(SchemaComparison.Compare(nullableKey, production).Identical);
    }

    private static string Describe(ColumnDef c) => $"{c.Name} {c.FullType}{(c.Nullable ? "" : " NOT NULL")}";
}
