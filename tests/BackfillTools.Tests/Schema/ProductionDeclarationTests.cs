using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using Xunit;

namespace BackfillTools.Tests.Schema;

/// <summary>
/// Issue #13 item 1: the product's declaration of each production table equals production-schema.json's base columns
/// (names and order, full types with NUMERIC precision and scale, NOT NULL), partitioning, clustering and
/// require_partition_filter. Keys are the product's own (production declares none) and are not compared.
/// </summary>
public class ProductionDeclarationTests
{
    /// <summary>The production tables whose declarations must equal the JSON: one line per table.</summary>
    public static TheoryData<string> Tables => new()
    {
        "nba_raw.nbac_schedule",
        "nba_raw.bdl_player_boxscores",
        "nba_analytics.player_game_summary",
        "nba_analytics.team_defense_game_summary",
        "nba_analytics.team_offense_game_summary",
        "nba_analytics.upcoming_player_game_context",
        "nba_analytics.upcoming_team_game_context",
        "nba_precompute.team_defense_zone_analysis",
        "nba_precompute.player_shot_zone_analysis",
        "nba_precompute.player_composite_factors",
        "nba_precompute.player_daily_cache",
        "nba_predictions.ml_feature_store_v2",
        "nba_processing.precompute_failures",
    };

    [Theory]
    [MemberData(nameof(Tables))]
    public void Declaration_equals_production(string table)
    {
        var differences = Differences(WarehouseSchema.Find(table), ProductionSchema.Find(table).Base);
        Assert.True(differences.Count == 0, $"{table} differs from production-schema.json:\n  " + string.Join("\n  ", differences));
    }

    [Fact]
    public void Every_difference_is_reported()
    {
        var production = ProductionSchema.Find("nba_analytics.team_offense_game_summary").Base;
        var columns = production.Columns.ToList();
        columns[columns.FindIndex(c => c.Name == "pace")] = Col.Numeric("pace", 5, 2);
        columns[columns.FindIndex(c => c.Name == "game_id")] = Col.Str("game_id");
        columns.RemoveAll(c => c.Name == "rebounds");
        columns.Add(Col.Int("points"));
        var declared = production with
        {
            Columns = columns, PartitionColumn = "processed_at", Clustering = new[] { "team_abbr" }, RequirePartitionFilter = false,
        };

        var differences = Differences(declared, production);

        Assert.Contains(differences, d => d.Contains("pace") && d.Contains("NUMERIC(5,2)") && d.Contains("NUMERIC(5,1)"));
        Assert.Contains(differences, d => d.Contains("game_id") && d.Contains("NOT NULL"));
        Assert.Contains(differences, d => d.Contains("columns"));
        Assert.Contains(differences, d => d.StartsWith("partition", StringComparison.Ordinal));
        Assert.Contains(differences, d => d.StartsWith("clustering", StringComparison.Ordinal));
        Assert.Contains(differences, d => d.StartsWith("require_partition_filter", StringComparison.Ordinal));
    }

    [Fact]
    public void The_raw_layer_is_bdl_player_boxscores()
    {
        Assert.Equal(ProductionSchema.RawBoxscoresTable, WarehouseSchema.PlayerBoxscores.FullName);
        Assert.DoesNotContain(WarehouseSchema.All, t => t.FullName == "nba_raw.player_boxscores");
        Assert.Equal("STRING", WarehouseSchema.PlayerBoxscores.Column("minutes").FullType.ToString());
    }

    /// <summary>Every way <paramref name="declared"/> differs from <paramref name="production"/>, one line each.</summary>
    private static List<string> Differences(TableDef declared, TableDef production)
    {
        var result = new List<string>();
        var names = declared.Columns.Select(c => c.Name).ToList();
        var expected = production.Columns.Select(c => c.Name).ToList();
        if (!names.SequenceEqual(expected))
            result.Add($"columns: missing [{string.Join(", ", expected.Except(names))}], extra [{string.Join(", ", names.Except(expected))}]" +
                       (names.Order().SequenceEqual(expected.Order()) ? " (order differs)" : ""));
        foreach (var want in production.Columns)
        {
            var have = declared.Columns.FirstOrDefault(c => c.Name == want.Name);
            if (have is null) continue;
            if (!have.FullType.Equals(want.FullType)) result.Add($"{want.Name}: type {have.FullType}, production {want.FullType}");
            if (have.Nullable != want.Nullable)
                result.Add($"{want.Name}: {(have.Nullable ? "NULL allowed" : "NOT NULL")}, production {(want.Nullable ? "NULL allowed" : "NOT NULL")}");
        }
        if (declared.PartitionColumn != production.PartitionColumn)
            result.Add($"partition: {declared.PartitionColumn ?? "(none)"}, production {production.PartitionColumn ?? "(none)"}");
        var clustering = declared.Clustering ?? Array.Empty<string>();
        var productionClustering = production.Clustering ?? Array.Empty<string>();
        if (!clustering.SequenceEqual(productionClustering))
            result.Add($"clustering: {string.Join(", ", clustering)}, production {string.Join(", ", productionClustering)}");
        if (declared.RequirePartitionFilter != production.RequirePartitionFilter)
            result.Add($"require_partition_filter: {declared.RequirePartitionFilter}, production {production.RequirePartitionFilter}");
        return result;
    }
}
