using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using Xunit;
using static BackfillTools.Core.Warehouse.Col;

namespace BackfillTools.Tests.Schema;

public class SchemaComparisonTests
{
    private static readonly ProductionTable Production = ProductionSchema.Parse("""
        {"tables":{"nba_x.t":{
          "ddl_file":"t.sql","partition_by":"d","cluster_by":["k"],"require_partition_filter":true,
          "columns":[
            {"name":"d","type":"DATE","nullable":false},
            {"name":"k","type":"STRING","nullable":false},
            {"name":"must","type":"INT64","nullable":false},
            {"name":"pct","type":"NUMERIC(5,3)","nullable":true},
            {"name":"tags","type":"ARRAY<STRING>","nullable":true},
            {"name":"opt","type":"STRING","nullable":true}],
          "added_by_migrations":[{"name":"later","type":"FLOAT64","nullable":true,"migration":"m.sql"}]}}}
        """).Single();

    [Fact]
    public void Each_kind_of_difference_is_found()
    {
        var product = new TableDef("nba_x", "t",
            new[] { Date("d", false), Str("k"), Num("pct", 3), StrArray("tags"), Int("mine"), Num("later") },
            new[] { "d", "k" }, "d", new[] { "k", "d" });
        var c = SchemaComparison.Compare(product, Production);
        Assert.Equal(new[] { "mine" }, c.ProductColumnsProductionLacks);
        Assert.Equal(new[] { "later" }, c.ProductColumnsOnlyMigrationsAdd);
        Assert.Equal(new[] { "must" }, c.RequiredColumnsTheProductDoesNotFill);
        Assert.Equal(new[] { "opt" }, c.NullableColumnsTheProductDoesNotDeclare);
        Assert.Equal(new[] { new ColumnTypeDifference("pct", "FLOAT64 (rounded to 3)", "NUMERIC(5,3)") }, c.TypeDifferences);
        Assert.Equal(new[] { new ColumnTypeDifference("k", "NULL allowed", "NOT NULL") }, c.NullabilityDifferences);
        Assert.Equal(new[]
        {
            new ColumnTypeDifference("clustering", "k, d", "k"),
            new ColumnTypeDifference("require_partition_filter", "false", "true"),
            new ColumnTypeDifference("primary key", "d, k", "(none)"),
        }, c.TableDifferences);
        Assert.False(c.Identical);
    }

    [Fact]
    public void A_declaration_equal_to_production_has_no_difference_and_says_so()
    {
        var c = SchemaComparison.Compare(Production.Base, Production);
        Assert.True(c.Identical, string.Join("; ", c.TableDifferences));
        Assert.Contains("The product's declaration equals production.", SchemaComparison.Markdown(new[] { ((TableDef?)Production.Base, Production) }));
    }

    [Fact]
    public void Markdown_summarises_and_details_each_table()
    {
        var product = new TableDef("nba_x", "t", new[] { Date("d", false), Str("k", false), Num("pct", 3), Int("mine") }, Array.Empty<string>(), "d", new[] { "k" });
        var md = SchemaComparison.Markdown(new[] { ((TableDef?)product, Production), (null, Production) });
        Assert.Contains("| `nba_x.t` | `nba_x.t` | 1 | 1 | 1 | 0 | 1 |", md);
        Assert.Contains("| `nba_x.t` | (none) | | 3 | | | |", md);
        Assert.Contains("Production NOT NULL columns the product does not fill (1): `must`.", md);
        Assert.Contains("| `pct` | `FLOAT64 (rounded to 3)` | `NUMERIC(5,3)` |", md);
        Assert.Contains("The product declares no such table.", md);
    }

    [Fact]
    public void Every_production_table_is_paired_and_the_raw_layer_maps_to_the_products_boxscores()
    {
        var pairs = SchemaComparison.CurrentPairs();
        Assert.Equal(13, pairs.Count);
        Assert.Equal(WarehouseSchema.PlayerBoxscores, pairs.Single(p => p.Production.FullName == ProductionSchema.RawBoxscoresTable).Product);
        // The report renders whatever the current differences are (the switch-over removes them; this must not depend on them).
        var md = SchemaComparison.Markdown(pairs);
        Assert.All(ProductionSchema.Tables, t => Assert.Contains($"### {t.FullName}", md));
    }
}
