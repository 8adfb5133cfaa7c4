using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using BackfillTools.Core.Processors;
using BackfillTools.Core.Warehouse;
using BackfillTools.Tests.BigQuery;
using Xunit;

namespace BackfillTools.Tests.Equivalence;

/// <summary>
/// Regression cases for the differences issue #14's reference engine found (docs/bigquery.md, "Reference-engine
/// equivalence"): each expression runs on DuckDB and on ZetaSQL's reference GoogleSQL engine.
/// </summary>
[Trait("Category", "Equivalence")]
public sealed class RoundingRegressionTests : IDisposable
{
    private readonly DuckDbWarehouse _duck = DuckDbWarehouse.Open(":memory:");
    private static readonly BigQueryDialect BigQuery = new(ZetaSqlGate.GateProject);

    public void Dispose() => _duck.Dispose();

    private double[] OnDuckDb(string portableSql) =>
        _duck.Query(portableSql).Rows[0].Select(v => Convert.ToDouble(v, CultureInfo.InvariantCulture)).ToArray();

    private static double[] OnReference(string portableSql)
    {
        using var engine = new ReferenceEngine();
        var answer = engine.Run(BigQuery.Render(portableSql), Array.Empty<(string, string, object?)>());
        return answer["rows"]!.AsArray()[0]!.AsArray().Select(v => (double)v!).ToArray();
    }

    [Fact]
    public void Round_decimal_renders_through_NUMERIC_on_both_engines()
    {
        const string sql = "SELECT ROUND_DECIMAL(a / NULLIF(b, 0), 3), ROUND_DECIMAL(ROUND_DECIMAL(c, 2)), 'ROUND_DECIMAL(x, 1)' FROM t";
        Assert.Equal("SELECT CAST(ROUND(CAST(a / NULLIF(b, 0) AS NUMERIC), 3) AS FLOAT64), CAST(ROUND(CAST(CAST(ROUND(CAST(c AS NUMERIC), 2) AS FLOAT64) AS NUMERIC), 0) AS FLOAT64), 'ROUND_DECIMAL(x, 1)' FROM t",
            BigQuery.Render(sql));
        // DuckDB: the session macro (the 64-bit decimal where the value fits, else the same NUMERIC path).
        Assert.Equal("SELECT round_decimal(a / NULLIF(b, 0), 3), round_decimal(round_decimal(c, 2), 0), 'ROUND_DECIMAL(x, 1)' FROM t",
            DuckDbDialect.Instance.Render(sql));
        Assert.Throws<ArgumentException>(() => BigQuery.Render("SELECT ROUND_DECIMAL(a, 1, 2)"));
    }

    // Edge values of DuckDB's 64-bit paths (round_decimal, SCALED_DECIMAL_TEXT): binary halves, decimal halves at the
    // 9th place, the 10^8 boundary where the 38-digit path takes over (a value rounding up to it), negatives, zero, NULL.
    private static readonly string[] EdgeValues =
    {
        "19.95", "23 / 80", "2.675", "-14.35", "CAST(1 AS FLOAT64) / 3", "0.0000000005", "-0.0000000005", "0.0000000015",
        "0", "-2.5", "99999999.4999999", "99999999.5", "-99999999.9999999996", "999999999.5", "1000000000.5", "-2500000000.25",
        "123456789.123456789", "CAST(99999999.5 AS FLOAT64)",
        "CAST(NULL AS FLOAT64)", "CAST(2.5 AS NUMERIC)",
    };

    private static string EdgeSql(Func<string, int, string> expression) =>
        "SELECT " + string.Join(", ", EdgeValues.SelectMany(v => new[] { 0, 1, 3, 9 }.Select(n => expression(v, n))));

    /// <summary>The NUMERIC path both engines share: what round_decimal and SCALED_DECIMAL_TEXT must equal on DuckDB.</summary>
    private static string RoundThroughNumeric(string v, int n) => $"CAST(ROUND(CAST({v} AS NUMERIC), {n}) AS FLOAT64)";
    private static string ScaledThroughNumeric(string v, int n) => $"CAST(CAST(ROUND(CAST({v} AS NUMERIC), {n}) * 1{new string('0', n)} AS INT64) AS STRING)";

    private object?[] DuckDbRow(string portableSql) => _duck.Query(portableSql).Rows[0];

    [Fact]
    public void DuckDbs_64_bit_decimal_paths_equal_the_NUMERIC_path_on_edge_values()
    {
        Assert.Equal(DuckDbRow(EdgeSql(RoundThroughNumeric)), DuckDbRow(EdgeSql((v, n) => $"ROUND_DECIMAL({v}, {n})")));
        Assert.Equal(DuckDbRow(EdgeSql(ScaledThroughNumeric)), DuckDbRow(EdgeSql((v, n) => $"SCALED_DECIMAL_TEXT({v}, {n})")));
        Assert.Contains("round_decimal(", DuckDbDialect.Instance.Render("SELECT ROUND_DECIMAL(x, 2)"));
        Assert.Contains("DECIMAL(18,9)", DuckDbDialect.Instance.Render("SELECT SCALED_DECIMAL_TEXT(x, 2)"));
        Assert.Equal("CAST(CAST(ROUND(CAST(x AS NUMERIC), 2) * 100 AS INT64) AS STRING)", BigQuery.Render("SCALED_DECIMAL_TEXT(x, 2)"));
        Assert.Throws<ArgumentException>(() => DuckDbDialect.Instance.Render("SELECT SCALED_DECIMAL_TEXT(x, 10)"));
    }

    [ReferenceEngineFact]
    public void Scaled_decimal_text_is_the_same_on_the_reference_engine()
    {
        ReferenceEngineFactAttribute.EnsureAvailable();
        using var engine = new ReferenceEngine();
        var sql = EdgeSql((v, n) => $"SCALED_DECIMAL_TEXT({v}, {n})");
        var reference = engine.Run(BigQuery.Render(sql), Array.Empty<(string, string, object?)>())["rows"]!.AsArray()[0]!.AsArray()
            .Select(x => x is null ? null : (string?)x).ToArray();
        Assert.Equal(reference, DuckDbRow(sql).Select(x => (string?)x).ToArray());
    }

    // Binary halves: each literal's stored double lies just below (or above) the decimal half.
    private const string Halves = "SELECT ROUND_DECIMAL(19.95, 1), ROUND_DECIMAL(23 / 80, 3), ROUND_DECIMAL(1.005, 2), ROUND_DECIMAL(2.675, 2), " +
                                  "ROUND_DECIMAL(-2.5), ROUND_DECIMAL(0.125, 2), ROUND_DECIMAL(-14.35, 1), ROUND_DECIMAL(CAST(1 AS FLOAT64) / 3, 3)";
    private static readonly double[] DecimalHalvesAwayFromZero = { 20.0, 0.288, 1.01, 2.68, -3, 0.13, -14.4, 0.333 };

    [Fact]
    public void Round_decimal_rounds_the_decimal_value_half_away_from_zero_on_DuckDB() =>
        Assert.Equal(DecimalHalvesAwayFromZero, OnDuckDb(Halves));

    [ReferenceEngineFact]
    public void Round_decimal_gives_the_same_result_on_the_reference_engine()
    {
        ReferenceEngineFactAttribute.EnsureAvailable();
        Assert.Equal(DecimalHalvesAwayFromZero, OnReference(Halves));
        // The cause: GoogleSQL's ROUND(FLOAT64) rounds the stored binary value.
        Assert.Equal(new[] { 19.9, 0.287 }, OnReference("SELECT ROUND(19.95, 1), ROUND(23 / 80, 3)"));
    }

    // MLFS feature 32 (points per minute over 30 days): GoogleSQL's NUMERIC rule in exact integers (MLFS.sql, ppm30).
    private const string Ppm30 = """
        SELECT CAST(DIV(2 * SUM(ppm) + COUNT(ppm), NULLIF(2 * COUNT(ppm), 0)) AS FLOAT64) / 1000000000
        FROM (SELECT DIV(20000000000 * points + CAST(ROUND(minutes * 10) AS INT64), NULLIF(2 * CAST(ROUND(minutes * 10) AS INT64), 0)) AS ppm
              FROM (SELECT 7 AS points, 67.0 AS minutes UNION ALL SELECT 3, 21.4 UNION ALL SELECT 0, 12.3 UNION ALL SELECT 11, 28.7))
        """;

    [ReferenceEngineFact]
    public void Points_per_minute_matches_GoogleSQL_NUMERIC_on_both_engines()
    {
        ReferenceEngineFactAttribute.EnsureAvailable();
        var numeric = OnReference("""
            SELECT CAST(AVG(points / CAST(minutes AS NUMERIC)) AS FLOAT64)
            FROM (SELECT 7 AS points, 67.0 AS minutes UNION ALL SELECT 3, 21.4 UNION ALL SELECT 0, 12.3 UNION ALL SELECT 11, 28.7)
            """);
        Assert.Equal(numeric, OnReference(Ppm30));
        Assert.Equal(numeric, OnDuckDb(Ppm30));
        // DuckDB's own decimal arithmetic returns DOUBLE: not the 9-decimal value.
        Assert.NotEqual(numeric[0], OnDuckDb("SELECT AVG(points / CAST(minutes AS DECIMAL(38,9))) FROM (SELECT 7 AS points, 67.0 AS minutes UNION ALL SELECT 3, 21.4 UNION ALL SELECT 0, 12.3 UNION ALL SELECT 11, 28.7)")[0]);
    }

    // data_hash: every kind of owned column, through the same text rule on both engines (found by the MLFS slices: a
    // NULL ARRAY inside historical_completeness gave '[]' on the reference engine, whose ARRAY(subquery) is never NULL). NUMERIC '1.500' casts to
    // '1.5' in GoogleSQL and '1.500' in DuckDB, and FLOAT64 text differs too, so both hash as scaled integers.
    private static readonly (string Name, SqlType Type, string Value)[] HashedColumns =
    {
        ("s", SqlType.String, "'a|b'"),
        ("missing", SqlType.String, "CAST(NULL AS STRING)"),
        ("i", SqlType.Int64, "-42"),
        ("b", SqlType.Bool, "TRUE"),
        ("d", SqlType.Date, "DATE '2023-02-23'"),
        ("t", SqlType.Timestamp, "CAST('2023-02-23 12:34:56.789012' AS TIMESTAMP)"),
        ("n", SqlType.Numeric(5, 3), "CAST('1.500' AS NUMERIC)"),
        ("f", SqlType.Float64, "ROUND_DECIMAL(23 / 80, 3)"),
        ("g", SqlType.Float64, "CAST(1 AS FLOAT64) / 3"),
        ("ints", SqlType.ArrayOf(SqlType.Int64), "[3, 1, 2]"),
        ("joined", SqlType.ArrayOf(SqlType.Int64), "ARRAY_CONCAT([1], [2])"),
        ("empty", SqlType.ArrayOf(SqlType.Int64), "IF(FALSE, [1], [])"),
        ("names", SqlType.ArrayOf(SqlType.String), "['x', 'y']"),
        ("floats", SqlType.ArrayOf(SqlType.Float64), "[0.1, 2.5, CAST(NULL AS FLOAT64)]"),
        ("h", SqlType.StructOf(new StructField("games_found", SqlType.Int64), new StructField("is_complete", SqlType.Bool),
              new StructField("dates", SqlType.ArrayOf(SqlType.Date))),
         "NAMED_STRUCT(games_found, 3, is_complete, FALSE, dates, CAST(NULL AS ARRAY<DATE>))"),
    };

    private const string HashedText =
        "a|b|<null>|-42|true|2023-02-23|1677155696789012|1500|288|333333333|[3,1,2]|[1,2]|[]|[x,y]|[100000000,2500000000,<null>]|{3,false,[]}";

    private static string HashSql()
    {
        var columns = HashedColumns.Select(c => new ColumnDef(c.Name, c.Type)).ToList();
        var scales = new Dictionary<string, int> { ["f"] = 3 };
        return $"SELECT {DataHash.Expression(columns, scales)}, {DataHash.Preimage(columns, scales)} FROM (SELECT " +
               string.Join(", ", HashedColumns.Select(c => $"{c.Value} AS {c.Name}")) + ") AS hashed_row";
    }

    private static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void Data_hash_text_on_DuckDB_is_the_documented_text()
    {
        var row = _duck.Query(HashSql()).Rows[0];
        Assert.Equal(HashedText, row[1]);
        Assert.Equal(Sha256Hex(HashedText), row[0]);
    }

    [ReferenceEngineFact]
    public void Data_hash_is_the_same_text_and_hash_on_the_reference_engine()
    {
        ReferenceEngineFactAttribute.EnsureAvailable();
        using var engine = new ReferenceEngine();
        var row = engine.Run(BigQuery.Render(HashSql()), Array.Empty<(string, string, object?)>())["rows"]!.AsArray()[0]!.AsArray();
        Assert.Equal(HashedText, (string)row[1]!);
        Assert.Equal(Sha256Hex(HashedText), (string)row[0]!);
    }
}
