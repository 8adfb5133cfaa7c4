using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using BackfillTools.Tests.BigQuery;
using Xunit;

namespace BackfillTools.Tests.Schema;

/// <summary>A production replica, created from production-schema.json, reads back exactly as the file declares it.</summary>
public sealed class ProductionReplicaTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bft-replica-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_DuckDb_replica_has_every_production_table_with_its_exact_columns()
    {
        var path = Path.Combine(_dir, "replica.duckdb");
        using (var w = DuckDbWarehouse.Open(path, create: true)) ProductionSchema.CreateReplica(w);
        using var reopened = DuckDbWarehouse.Open(path);
        AssertReplica(reopened);
        // DuckDB's own spelling is the faithful one (DECIMAL, lists, STRUCT), not a stand-in.
        var features = reopened.Query("SELECT data_type FROM information_schema.columns WHERE table_schema = 'nba_predictions' AND table_name = 'ml_feature_store_v2' AND column_name = 'historical_completeness'");
        Assert.StartsWith("STRUCT(", features[0].GetString("data_type"));
    }

    [Fact]
    public void A_fake_BigQuery_replica_has_every_production_table_with_its_exact_columns()
    {
        using var fake = new FakeBigQuery();
        using var w = BigQueryTestHost.Open(fake);
        ProductionSchema.CreateReplica(w);
        AssertReplica(w);
        foreach (var table in ProductionSchema.Tables)
        {
            // What the fake's engine really created, not just the resource it echoes back.
            var engine = fake.EngineColumns(table.Base.Dataset, table.Base.Name);
            Assert.Equal(Describe(table.Replica.Columns), engine.Select(c => (c.Name, SqlType.ParseDuckDb(c.Type).ToString(), c.Nullable)));
            var resource = fake.TableResource(table.Base.Dataset, table.Base.Name)!;
            Assert.Equal(table.Base.PartitionColumn, (string?)resource["timePartitioning"]!["field"]);
            Assert.Equal(table.Base.RequirePartitionFilter, (bool?)resource["requirePartitionFilter"] ?? false);
            // BigQuery takes at most four clustering columns; the file lists five for nba_raw.nbac_schedule.
            Assert.Equal(table.Base.Clustering!.Take(4), resource["clustering"]!["fields"]!.AsArray().Select(f => (string)f!));
        }
    }

    private static readonly TableDef Exact = new("nba_x", "exact",
        new[]
        {
            Col.Date("d", false), Col.Numeric("pct", 5, 3), Col.ArrayOf("ids", SqlType.Int64), Col.ArrayOf("dates", SqlType.Date),
            Col.ArrayOf("names", SqlType.String),
        },
        Array.Empty<string>(), "d") { RequirePartitionFilter = true };

    public static IEnumerable<object[]> Engines() => new[] { new object[] { "DuckDB" }, new object[] { "BigQuery" } };

    [Theory]
    [MemberData(nameof(Engines))]
    public void NUMERIC_and_arrays_of_any_element_hold_their_values_on_both_engines(string engine)
    {
        using var fake = new FakeBigQuery();
        using IWarehouse w = engine == "DuckDB" ? DuckDbWarehouse.Open(":memory:") : BigQueryTestHost.Open(fake);
        w.EnsureTable(Exact);
        w.Execute($"INSERT INTO {Exact.Placeholder} (d, pct, ids, dates, names) VALUES (DATE '2024-01-20', CAST(0.4565 AS NUMERIC), [3, 1], [DATE '2024-01-18'], ['a'])");
        var row = w.Query($"SELECT pct, ids, dates, names FROM {Exact.Placeholder} WHERE d = @d", WarehouseExtensions.Params(("d", new DateOnly(2024, 1, 20))))[0];
        // The column's scale rounds (half away from zero) on both engines; the BigQuery adapter reads NUMERIC as double.
        Assert.Equal(0.457m, Convert.ToDecimal(row["pct"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(new[] { 3L, 1L }, ((System.Collections.IEnumerable)row["ids"]!).Cast<long>());
        Assert.Equal(new[] { new DateOnly(2024, 1, 18) }, ((System.Collections.IEnumerable)row["dates"]!).Cast<DateOnly>());
        Assert.Equal(new[] { "a" }, ((System.Collections.IEnumerable)row["names"]!).Cast<string>());
        Assert.Equal(Exact.Columns.Select(c => c.FullType), w.TableColumns("nba_x", "exact")!.Select(c => c.FullType));
    }

    private static void AssertReplica(IWarehouse w)
    {
        var existing = w.ExistingTables();
        Assert.Empty(ProductionSchema.Tables.Select(t => t.FullName).Where(name => !existing.Contains(name)));
        foreach (var table in ProductionSchema.Tables)
        {
            var live = w.TableColumns(table.Base.Dataset, table.Base.Name);
            Assert.NotNull(live);
            // A REPEATED field cannot be REQUIRED, and the file declares every array nullable: nullability compares as is.
            Assert.Equal(Describe(table.Replica.Columns), Describe(live!));
            Assert.Empty(SchemaCompatibility.Check(w, SchemaCompatibility.Requirements(table.Base)));
        }
    }

    private static IEnumerable<(string, string, bool)> Describe(IEnumerable<ColumnDef> columns) =>
        columns.Select(c => (c.Name, c.FullType.ToString(), c.Nullable));
}
