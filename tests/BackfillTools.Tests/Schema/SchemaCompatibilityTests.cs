using BackfillTools.Core;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using Xunit;
using static BackfillTools.Core.Warehouse.Col;

namespace BackfillTools.Tests.Schema;

public sealed class SchemaCompatibilityTests : IDisposable
{
    private static readonly SqlType Completeness = SqlType.Parse("STRUCT<games_found INT64, is_complete BOOL, dates ARRAY<DATE>>");

    /// <summary>The live table: production-like types, plus a column the product does not know.</summary>
    private static readonly TableDef Live = new("nba_precompute", "cache",
        new[]
        {
            Date("cache_date", false), Str("player_lookup", false), Numeric("points_avg_last_10", 5, 1), Numeric("ts_pct_last_10", 5, 3),
            ArrayOf("data_quality_issues", SqlType.String), ArrayOf("indices", SqlType.Int64), StructOf("completeness", Completeness.Fields.ToArray()),
            Int("games_played_season"), Str("unknown_to_the_product"),
        },
        Array.Empty<string>(), "cache_date");

    private readonly DuckDbWarehouse _w = DuckDbWarehouse.Open(":memory:");

    public SchemaCompatibilityTests() => _w.EnsureTable(Live);

    public void Dispose() => _w.Dispose();

    private static RequiredColumn Need(string column, string type, string table = "nba_precompute.cache") => new(table, column, SqlType.Parse(type));

    [Fact]
    public void Matching_types_including_decimal_lists_and_structs_pass()
    {
        var required = new[]
        {
            Need("cache_date", "DATE"), Need("player_lookup", "STRING"), Need("points_avg_last_10", "NUMERIC(5,1)"),
            Need("ts_pct_last_10", "NUMERIC(4,3)"), // narrower than the column: every value fits
            Need("data_quality_issues", "ARRAY<STRING>"), Need("indices", "ARRAY<INT64>"),
            Need("completeness", "STRUCT<games_found INT64, dates ARRAY<DATE>>"), // a subset of the fields
            Need("GAMES_PLAYED_SEASON", "INT64"),
        };
        Assert.Empty(SchemaCompatibility.Check(_w, required));
        SchemaCompatibility.EnsureCompatible(_w, required);
    }

    [Fact]
    public void A_missing_table_a_missing_column_and_a_wrong_type_are_each_reported()
    {
        var required = new[]
        {
            Need("game_date", "DATE", "nba_precompute.absent"), Need("x", "INT64", "nba_precompute.absent"),
            Need("no_such_column", "STRING"),
            Need("points_avg_last_10", "FLOAT64"),
            Need("ts_pct_last_10", "NUMERIC(5,4)"),          // one more fraction digit than the column keeps
            Need("indices", "ARRAY<STRING>"),
            Need("completeness", "STRUCT<games_found INT64, games_expected INT64>"),
        };
        var mismatches = SchemaCompatibility.Check(_w, required);
        Assert.Equal(new[]
        {
            "nba_precompute.absent: table missing (needed for game_date DATE)",
            "nba_precompute.cache.no_such_column: column missing, expected STRING",
            "nba_precompute.cache.points_avg_last_10: expected FLOAT64, found NUMERIC(5,1)",
            "nba_precompute.cache.ts_pct_last_10: expected NUMERIC(5,4), found NUMERIC(5,3)",
            "nba_precompute.cache.indices: expected ARRAY<STRING>, found ARRAY<INT64>",
            "nba_precompute.cache.completeness: expected STRUCT<games_found INT64, games_expected INT64>, found STRUCT<games_found INT64, is_complete BOOL, dates ARRAY<DATE>>",
        }, mismatches.Select(m => m.ToString()));
        Assert.Equal(new[] { SchemaMismatchKind.MissingTable, SchemaMismatchKind.MissingColumn }, mismatches.Take(2).Select(m => m.Kind));
        Assert.All(mismatches.Skip(2), m => Assert.Equal(SchemaMismatchKind.IncompatibleType, m.Kind));
    }

    [Fact]
    public void EnsureCompatible_throws_SchemaMismatch_listing_table_column_expected_and_found_and_writes_nothing()
    {
        var tablesBefore = _w.ExistingTables().Order().ToList();
        var ex = Assert.Throws<BackfillException>(() => SchemaCompatibility.EnsureCompatible(_w, new[]
        {
            Need("player_lookup", "INT64"), Need("gone", "DATE"), Need("k", "STRING", "nba_raw.missing"),
        }));
        Assert.Equal("SchemaMismatch", ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidData, ex.Kind);
        Assert.Contains("nba_precompute.cache.player_lookup: expected INT64, found STRING", ex.Message);
        Assert.Contains("nba_precompute.cache.gone: column missing, expected DATE", ex.Message);
        Assert.Contains("nba_raw.missing: table missing", ex.Message);
        Assert.Equal(3, Assert.IsAssignableFrom<IReadOnlyList<SchemaMismatch>>(ex.Target).Count);
        Assert.Equal(tablesBefore, _w.ExistingTables().Order().ToList());
        Assert.Equal(0L, _w.ScalarInt64($"SELECT COUNT(*) FROM {Live.Placeholder}"));
    }

    [Fact]
    public void An_engine_type_the_product_does_not_model_is_reported_by_its_engine_name()
    {
        _w.Execute("CREATE TABLE nba_precompute.odd (n INTEGER)");
        var mismatch = Assert.Single(SchemaCompatibility.Check(_w, new[] { Need("n", "INT64", "nba_precompute.odd") }));
        Assert.Equal("nba_precompute.odd.n: expected INT64, found INTEGER", mismatch.ToString());
    }

    [Theory]
    [InlineData("NUMERIC(5,2)", "NUMERIC(5,2)", true)]
    [InlineData("NUMERIC(5,2)", "NUMERIC(6,3)", true)]
    [InlineData("NUMERIC(5,2)", "NUMERIC", true)]
    [InlineData("NUMERIC(5,2)", "NUMERIC(5,3)", false)] // two integer digits where three are needed
    [InlineData("NUMERIC(5,2)", "NUMERIC(4,1)", false)]
    [InlineData("NUMERIC", "NUMERIC(38,9)", true)]
    [InlineData("NUMERIC(5,2)", "FLOAT64", false)]
    [InlineData("FLOAT64", "NUMERIC(5,2)", false)]
    [InlineData("ARRAY<NUMERIC(3,1)>", "ARRAY<NUMERIC(5,1)>", true)]
    [InlineData("ARRAY<INT64>", "INT64", false)]
    [InlineData("STRUCT<a INT64>", "STRUCT<A INT64, b STRING>", true)]
    [InlineData("STRUCT<a INT64, c STRING>", "STRUCT<a INT64, b STRING>", false)]
    [InlineData("TIMESTAMP", "DATE", false)]
    public void Compatibility_rules(string expected, string found, bool compatible) =>
        Assert.Equal(compatible, SchemaCompatibility.IsCompatible(SqlType.Parse(expected), SqlType.Parse(found)));
}
