using System.Text.Json.Nodes;
using BackfillTools.Core.Warehouse;
using BackfillTools.Core.Warehouse.BigQuery;
using Xunit;
using static BackfillTools.Core.Warehouse.Col;

namespace BackfillTools.Tests.Schema;

public class SqlTypeTests
{
    private const string HistoricalCompleteness =
        "STRUCT<games_found INT64, games_expected INT64, is_complete BOOL, is_bootstrap BOOL, contributing_game_dates ARRAY<DATE>>";

    [Theory]
    [InlineData("STRING")]
    [InlineData("INT64")]
    [InlineData("FLOAT64")]
    [InlineData("BOOL")]
    [InlineData("DATE")]
    [InlineData("TIMESTAMP")]
    [InlineData("JSON")]
    [InlineData("NUMERIC")]
    [InlineData("NUMERIC(5,2)")]
    [InlineData("NUMERIC(3,1)")]
    [InlineData("ARRAY<INT64>")]
    [InlineData("ARRAY<NUMERIC(6,2)>")]
    [InlineData(HistoricalCompleteness)]
    [InlineData("ARRAY<STRUCT<a STRING, b ARRAY<FLOAT64>>>")]
    public void GoogleSql_text_round_trips(string text) => Assert.Equal(text, SqlType.Parse(text).ToString());

    [Theory]
    [InlineData("integer", "INT64")]
    [InlineData("Float", "FLOAT64")]
    [InlineData("boolean", "BOOL")]
    [InlineData("DECIMAL(5, 2)", "NUMERIC(5,2)")]
    [InlineData("NUMERIC(7)", "NUMERIC(7,0)")]
    [InlineData(" array < string > ", "ARRAY<STRING>")]
    public void GoogleSql_aliases_and_spacing_parse_to_the_canonical_text(string text, string canonical) =>
        Assert.Equal(canonical, SqlType.Parse(text).ToString());

    [Theory]
    [InlineData("BYTES")]                       // a type the product does not model
    [InlineData("NUMERIC(5,2")]                 // unbalanced
    [InlineData("NUMERIC(40,2)")]               // precision above scale + 29
    [InlineData("NUMERIC(5,10)")]               // scale above 9
    [InlineData("ARRAY<ARRAY<INT64>>")]         // GoogleSQL has no nested arrays
    [InlineData("STRUCT<a INT64, a STRING>")]   // duplicate field
    [InlineData("STRING extra")]
    public void Unparseable_or_invalid_GoogleSql_types_are_a_format_error(string text) =>
        Assert.Throws<FormatException>(() => SqlType.Parse(text));

    [Fact]
    public void DuckDb_renders_the_faithful_equivalents()
    {
        var duck = DuckDbDialect.Instance;
        Assert.Equal("DECIMAL(5,2)", duck.TypeSql(SqlType.Numeric(5, 2)));
        Assert.Equal("DECIMAL(38,9)", duck.TypeSql(SqlType.Numeric()));
        Assert.Equal("BIGINT[]", duck.TypeSql(SqlType.Parse("ARRAY<INT64>")));
        Assert.Equal("STRUCT(games_found BIGINT, games_expected BIGINT, is_complete BOOLEAN, is_bootstrap BOOLEAN, contributing_game_dates DATE[])",
            duck.TypeSql(SqlType.Parse(HistoricalCompleteness)));
        Assert.Equal("JSON", duck.TypeSql(SqlType.Json));
    }

    [Theory]
    [InlineData("VARCHAR", "STRING")]
    [InlineData("DECIMAL(5,2)", "NUMERIC(5,2)")]
    [InlineData("DECIMAL(38,9)", "NUMERIC")]
    [InlineData("DOUBLE[]", "ARRAY<FLOAT64>")]
    [InlineData("STRUCT(\"games found\" BIGINT, d DATE[])[]", "ARRAY<STRUCT<games found INT64, d ARRAY<DATE>>>")]
    [InlineData("INTEGER", "INTEGER")]
    [InlineData("TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH TIME ZONE")]
    [InlineData("MAP(VARCHAR, INTEGER)", "MAP(VARCHAR, INTEGER)")]
    public void DuckDb_type_text_reads_back_as_GoogleSql(string duckDb, string googleSql)
    {
        var type = SqlType.ParseDuckDb(duckDb);
        Assert.Equal(googleSql, type.ToString());
        Assert.Equal(googleSql is "INTEGER" or "TIMESTAMP WITH TIME ZONE" or "MAP(VARCHAR, INTEGER)", type.Kind == ColumnType.Unmodeled);
    }

    [Fact]
    public void Existing_column_types_render_as_before()
    {
        var bq = new BigQueryDialect("p");
        Assert.Equal("VARCHAR[]", DuckDbDialect.Instance.ColumnTypeSql(ColumnType.StringArray));
        Assert.Equal("ARRAY<STRING>", bq.ColumnTypeSql(ColumnType.StringArray));
        Assert.Equal("DOUBLE", DuckDbDialect.Instance.ColumnTypeSql(Num("x", 2)));
        Assert.Equal("FLOAT64", bq.ColumnTypeSql(Num("x", 2)));
        // A column built from the full type equals the one the helpers build, so declarations compare by value.
        Assert.Equal(FloatArray("f"), new ColumnDef("f", SqlType.ArrayOf(SqlType.Float64)));
        Assert.Equal(ColumnType.StringArray, new ColumnDef("s", SqlType.ArrayOf(SqlType.String)).Type);
        Assert.Equal(ColumnType.Numeric, Numeric("n", 5, 2).Type);
        Assert.Equal(2, Numeric("n", 5, 2).Scale);
    }

    [Fact]
    public void BigQuery_fields_carry_precision_repeated_and_record()
    {
        var table = new TableDef("ds", "t", new[]
        {
            Numeric("n", 5, 2, nullable: false), ArrayOf("ids", SqlType.Int64), JsonColumn("meta"),
            new ColumnDef("hc", SqlType.Parse(HistoricalCompleteness)), Str("s"), FloatArray("f"), Date("d"),
        }, Array.Empty<string>(), "d") { RequirePartitionFilter = true };
        var fields = BigQueryTableResource.SchemaFields(table);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            [
              {"name":"n","type":"NUMERIC","mode":"REQUIRED","precision":"5","scale":"2"},
              {"name":"ids","type":"INT64","mode":"REPEATED"},
              {"name":"meta","type":"JSON","mode":"NULLABLE"},
              {"name":"hc","type":"RECORD","mode":"NULLABLE","fields":[
                {"name":"games_found","type":"INT64","mode":"NULLABLE"},
                {"name":"games_expected","type":"INT64","mode":"NULLABLE"},
                {"name":"is_complete","type":"BOOL","mode":"NULLABLE"},
                {"name":"is_bootstrap","type":"BOOL","mode":"NULLABLE"},
                {"name":"contributing_game_dates","type":"DATE","mode":"REPEATED"}]},
              {"name":"s","type":"STRING","mode":"NULLABLE"},
              {"name":"f","type":"FLOAT64","mode":"REPEATED"},
              {"name":"d","type":"DATE","mode":"NULLABLE"}
            ]
            """), fields), fields.ToJsonString());
        Assert.True((bool)BigQueryTableResource.Build(table, "p", "ds")["requirePartitionFilter"]!);
        Assert.Null(BigQueryTableResource.Build(table.WithName("staging", "t2"), "p", "staging")["requirePartitionFilter"]);

        // And back: the table resource parses to the same columns.
        var parsed = BigQueryTableResource.ParseSchema(new JsonObject { ["schema"] = new JsonObject { ["fields"] = fields.DeepClone() } });
        Assert.Equal(table.Columns.Select(c => (c.Name, c.FullType.ToString(), c.Nullable)), parsed.Select(c => (c.Name, c.FullType.ToString(), c.Nullable)));
    }

    [Fact]
    public void BigQuery_legacy_type_names_and_unmodeled_types_parse()
    {
        var resource = JsonNode.Parse("""
            {"schema":{"fields":[
              {"name":"a","type":"INTEGER"},{"name":"b","type":"FLOAT","mode":"REQUIRED"},{"name":"c","type":"BOOLEAN"},
              {"name":"d","type":"NUMERIC"},{"name":"e","type":"BYTES"},{"name":"f","type":"STRUCT","mode":"REPEATED","fields":[{"name":"x","type":"STRING"}]}
            ]}}
            """)!;
        var columns = BigQueryTableResource.ParseSchema(resource);
        Assert.Equal(new[] { "INT64", "FLOAT64", "BOOL", "NUMERIC", "BYTES", "ARRAY<STRUCT<x STRING>>" }, columns.Select(c => c.FullType.ToString()));
        Assert.False(columns[1].Nullable);
        Assert.Equal(ColumnType.Unmodeled, columns[4].FullType.Kind);
    }
}
