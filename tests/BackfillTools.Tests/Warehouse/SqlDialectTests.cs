using BackfillTools.Core.Warehouse;
using Xunit;

namespace BackfillTools.Tests.Warehouse;

public class SqlDialectTests
{
    private static readonly DuckDbDialect Duck = DuckDbDialect.Instance;
    private static readonly BigQueryDialect Bq = new("my-proj", "dev_");

    [Fact]
    public void Parameters_become_dollar_names_in_DuckDb_and_stay_in_BigQuery()
    {
        const string sql = "SELECT * FROM {{nba_raw.nbac_schedule}} WHERE game_date = @d AND season_year = @season_year";
        Assert.Equal("SELECT * FROM nba_raw.nbac_schedule WHERE game_date = $d AND season_year = $season_year", Duck.Render(sql));
        Assert.Equal("SELECT * FROM `my-proj.dev_nba_raw.nbac_schedule` WHERE game_date = @d AND season_year = @season_year", Bq.Render(sql));
    }

    [Fact]
    public void String_literals_and_comments_are_never_rewritten()
    {
        const string sql = "SELECT '@x {{a.b}} FLOAT64' AS s, @y AS y -- @z FLOAT64\n/* SAFE_CAST( @w */ FROM t";
        var r = Duck.Render(sql);
        Assert.Contains("'@x {{a.b}} FLOAT64'", r);
        Assert.Contains("-- @z FLOAT64", r);
        Assert.Contains("/* SAFE_CAST( @w */", r);
        Assert.Contains("$y AS y", r);
    }

    [Fact]
    public void Escaped_quotes_inside_literals_do_not_end_the_literal()
    {
        var r = Duck.Render("SELECT 'it''s @a' AS s, @b AS b");
        Assert.Equal("SELECT 'it''s @a' AS s, $b AS b", r);
    }

    [Fact]
    public void Types_and_functions_are_rendered_for_DuckDb()
    {
        var r = Duck.Render("SELECT CAST(x AS FLOAT64), SAFE_CAST(y AS INT64), DATE_DIFF(@end_date, start_date, DAY) FROM t");
        Assert.Equal("SELECT CAST(x AS DOUBLE), TRY_CAST(y AS INT64), date_diff('day', start_date, $end_date) FROM t", r);
    }

    [Fact]
    public void Nested_DATE_DIFF_calls_are_rewritten_inside_out()
    {
        var r = Duck.Render("SELECT DATE_DIFF(DATE_DIFF(a, b, DAY) + d, c, DAY)");
        Assert.Equal("SELECT date_diff('day', c, date_diff('day', b, a) + d)", r);
    }

    [Fact]
    public void DATE_DIFF_with_another_part_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Duck.Render("SELECT DATE_DIFF(a, b, MONTH)"));
    }

    [Fact]
    public void The_GoogleSQL_date_constructor_becomes_make_date_and_other_DATE_forms_stay()
    {
        Assert.Equal("SELECT make_date(y + 1, 10, DAY(d)), DATE(ts), DATE '2024-10-22', CAST(x AS DATE), CURRENT_DATE()",
            Duck.Render("SELECT DATE(y + 1, 10, DAY(d)), DATE(ts), DATE '2024-10-22', CAST(x AS DATE), CURRENT_DATE()"));
        Assert.Equal("SELECT DATE(y, 10, 1)", Bq.Render("SELECT DATE(y, 10, 1)"));
        using var w = DuckDbWarehouse.Open(":memory:");
        Assert.Equal(new DateOnly(2021, 2, 28), w.Query("SELECT DATE(2020 + 1, 2, 28) AS d")[0].GetDate("d"));
    }

    [Fact]
    public void A_malformed_table_placeholder_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Duck.Render("SELECT * FROM {{a.b.c}}"));
    }

    [Theory]
    [InlineData(ColumnType.Float64, "DOUBLE", "FLOAT64")]
    [InlineData(ColumnType.Int64, "BIGINT", "INT64")]
    [InlineData(ColumnType.Float64Array, "DOUBLE[]", "ARRAY<FLOAT64>")]
    [InlineData(ColumnType.Bool, "BOOLEAN", "BOOL")]
    public void Column_types_render_per_engine(ColumnType type, string duck, string bq)
    {
        Assert.Equal(duck, Duck.ColumnTypeSql(type));
        Assert.Equal(bq, Bq.ColumnTypeSql(type));
    }

    [Fact]
    public void Portable_functions_run_on_DuckDb()
    {
        using var w = DuckDbWarehouse.Open(":memory:");
        var r = w.Query("SELECT SAFE_DIVIDE(1, 0) AS z, SAFE_DIVIDE(6, 4) AS q, DATE_DIFF(DATE '2024-01-20', DATE '2024-01-06', DAY) AS d, " +
                        "COUNTIF(x > 1) AS c, CAST(DATE '2024-01-20' - 14 AS DATE) AS back FROM (SELECT 1 AS x UNION ALL SELECT 2 UNION ALL SELECT 3)")[0];
        Assert.Null(r["z"]);
        Assert.Equal(1.5, r.GetDouble("q"));
        Assert.Equal(14, r.GetInt64("d"));
        Assert.Equal(2, r.GetInt64("c"));
        Assert.Equal(new DateOnly(2024, 1, 6), r.GetDate("back"));
    }

    [Fact]
    public void NUMERIC_is_exact_with_nine_decimals_like_GoogleSQL()
    {
        Assert.Equal("SELECT CAST(x AS DECIMAL(38,9)), CAST(y AS NUMERIC(5, 1))", Duck.Render("SELECT CAST(x AS NUMERIC), CAST(y AS NUMERIC(5, 1))"));
        using var w = DuckDbWarehouse.Open(":memory:");
        // Exact decimal arithmetic: sums do not depend on the order rows arrive in.
        var r = w.Query("SELECT SUM(CAST(0.1 AS NUMERIC)) = 1 AS exact, CAST(1 AS NUMERIC) / 3 AS third FROM range(10)")[0];
        Assert.True(r.GetBoolean("exact"));
    }
}
