using System.Globalization;
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
        Assert.Equal("SELECT CAST(ROUND(CAST(a / NULLIF(b, 0) AS DECIMAL(38,9)), 3) AS DOUBLE), CAST(ROUND(CAST(CAST(ROUND(CAST(c AS DECIMAL(38,9)), 2) AS DOUBLE) AS DECIMAL(38,9)), 0) AS DOUBLE), 'ROUND_DECIMAL(x, 1)' FROM t",
            DuckDbDialect.Instance.Render(sql));
        Assert.Throws<ArgumentException>(() => BigQuery.Render("SELECT ROUND_DECIMAL(a, 1, 2)"));
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
}
