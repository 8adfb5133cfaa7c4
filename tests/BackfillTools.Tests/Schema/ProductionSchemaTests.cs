using System.Text.Json.Nodes;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using Xunit;

namespace BackfillTools.Tests.Schema;

public class ProductionSchemaTests
{
    /// <summary>The embedded file itself, read independently of the loader.</summary>
    internal static JsonObject RawTables()
    {
        using var stream = typeof(ProductionSchema).Assembly.GetManifestResourceStream(ProductionSchema.ResourceName)!;
        return JsonNode.Parse(stream)!["tables"]!.AsObject();
    }

    [Fact]
    public void Every_type_string_in_the_file_parses_and_renders_back_identically()
    {
        var texts = RawTables().SelectMany(t => t.Value!["columns"]!.AsArray().Concat(t.Value!["added_by_migrations"]!.AsArray()))
            .Select(c => (string)c!["type"]!).Distinct().ToList();
        Assert.True(texts.Count >= 15, $"only {texts.Count} distinct types");
        foreach (var text in texts)
        {
            var type = SqlType.Parse(text);
            Assert.Equal(text, type.ToString());
            Assert.NotEqual(ColumnType.Unmodeled, type.Kind);
        }
    }

    [Fact]
    public void The_loader_keeps_every_table_column_type_and_table_property()
    {
        var raw = RawTables();
        Assert.Equal(13, ProductionSchema.Tables.Count);
        Assert.Equal(raw.Select(t => t.Key), ProductionSchema.Tables.Select(t => t.FullName));
        foreach (var table in ProductionSchema.Tables)
        {
            var json = raw[table.FullName]!;
            Assert.Equal(Columns(json["columns"]!), table.Base.Columns.Select(Describe));
            Assert.Equal(Columns(json["added_by_migrations"]!), table.MigrationColumns.Select(Describe));
            Assert.Equal(table.Base.Columns.Concat(table.MigrationColumns), table.Replica.Columns);
            Assert.Equal((string)json["partition_by"]!, table.Base.PartitionColumn);
            Assert.Equal(json["cluster_by"]!.AsArray().Select(c => (string)c!), table.Base.Clustering!);
            Assert.Equal((bool)json["require_partition_filter"]!, table.Base.RequirePartitionFilter);
            Assert.Empty(table.Base.PrimaryKey);
        }
    }

    [Fact]
    public void Known_production_facts_hold()
    {
        var raw = ProductionSchema.Find(ProductionSchema.RawBoxscoresTable);
        Assert.True(raw.Base.RequirePartitionFilter);
        Assert.Throws<KeyNotFoundException>(() => ProductionSchema.Find("nba_raw.player_boxscores"));
        var mlfs = ProductionSchema.Find("nba_predictions.ml_feature_store_v2");
        Assert.Equal(ColumnType.Float64Array, mlfs.Base.Column("features").Type);
        Assert.Equal(ColumnType.Struct, mlfs.Base.Column("historical_completeness").FullType.Kind);
        var pdc = ProductionSchema.Find("nba_precompute.player_daily_cache");
        Assert.Equal("cache_date", pdc.Base.PartitionColumn);
        Assert.Contains(ProductionSchema.Tables.SelectMany(t => t.Base.Columns), c => c.FullType.Equals(SqlType.Numeric(5, 3)));
    }

    [Theory]
    [InlineData("""{"tables":{"nodot":{"columns":[]}}}""", "dataset.table")]
    [InlineData("""{"tables":{"a.b":{"columns":[{"name":"x","type":"BYTES"}]}}}""", "a.b.x")]
    [InlineData("""{"tables":{"a.b":{"columns":[{"name":"x","type":"INT64"}],"added_by_migrations":[{"name":"X","type":"INT64"}]}}}""", "twice")]
    [InlineData("""{"tables":{"a.b":{"partition_by":"d","columns":[{"name":"x","type":"INT64"}]}}}""", "'d'")]
    [InlineData("""{"tables":{"a.b":{}}}""", "no 'columns'")]
    [InlineData("""{"nothing":1}""", "'tables'")]
    public void A_malformed_document_is_rejected_naming_the_problem(string json, string expected)
    {
        var ex = Assert.Throws<InvalidDataException>(() => ProductionSchema.Parse(json));
        Assert.Contains(expected, ex.Message);
    }

    private static IEnumerable<(string, string, bool)> Columns(JsonNode list) =>
        list.AsArray().Select(c => ((string)c!["name"]!, (string)c["type"]!, (bool)c["nullable"]!));

    private static (string, string, bool) Describe(ColumnDef c) => (c.Name, c.FullType.ToString(), c.Nullable);
}
