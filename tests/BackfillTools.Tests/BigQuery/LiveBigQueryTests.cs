using BackfillTools.Core.Warehouse;
using BackfillTools.Core.Warehouse.BigQuery;
using Xunit;
using static BackfillTools.Core.Warehouse.Col;

namespace BackfillTools.Tests.BigQuery;

/// <summary>Runs only with GOOGLE_APPLICATION_CREDENTIALS and BACKFILLTOOLS_BQ_PROJECT set; otherwise reports as skipped.</summary>
public sealed class LiveFactAttribute : FactAttribute
{
    public static string? Project => Environment.GetEnvironmentVariable("BACKFILLTOOLS_BQ_PROJECT");

    public LiveFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("GOOGLE_APPLICATION_CREDENTIALS")) || string.IsNullOrEmpty(Project))
            Skip = "Live BigQuery: set GOOGLE_APPLICATION_CREDENTIALS and BACKFILLTOOLS_BQ_PROJECT (optionally BACKFILLTOOLS_BQ_LOCATION) to run.";
    }
}

/// <summary>
/// The contract against real BigQuery, in throw-away datasets named bftest_&lt;time&gt;_&lt;random&gt;_*, deleted afterwards.
/// Costs a few MB of scanned bytes per run.
/// </summary>
[Trait("Category", "Live")]
public sealed class LiveBigQueryTests : IDisposable
{
    private static readonly TableDef Table = new("live", "typed",
        new[] { Str("s", false), Int("i", false), Num("f"), Bool("b"), Date("d"), Ts("t"), FloatArray("fa"), StrArray("sa") },
        new[] { "s", "i" }, "d", new[] { "s" });

    private readonly string _prefix = $"bftest_{DateTime.UtcNow:yyyyMMddHHmmss}_{Guid.NewGuid().ToString("N")[..6]}_";
    private BigQueryWarehouse? _w;

    private BigQueryWarehouse W => _w ??= BigQueryWarehouse.Open(new WarehouseConnection(WarehouseKind.BigQuery,
        Project: LiveFactAttribute.Project, Location: Environment.GetEnvironmentVariable("BACKFILLTOOLS_BQ_LOCATION") ?? "US", DatasetPrefix: _prefix));

    public void Dispose()
    {
        if (_w is null) return;
        _w.Client.DeleteDatasetAsync(_prefix + Table.Dataset, deleteContents: true).GetAwaiter().GetResult();
        _w.Dispose();
    }

    [LiveFact]
    public void Create_load_query_transact_drop()
    {
        W.EnsureTable(Table);
        Assert.Contains("live.typed", W.ExistingTables());
        var t = new DateTime(2024, 3, 1, 12, 0, 0, DateTimeKind.Utc).AddTicks(10);
        Assert.Equal(2, W.BulkAppend(Table, new[]
        {
            new object?[] { "a'b", 1L, 1.5, true, new DateOnly(2024, 3, 1), t, new[] { 1.0, 2.0 }, new[] { "x" } },
            new object?[] { "c", 2L, null, null, null, null, Array.Empty<double>(), Array.Empty<string>() },
        }));
        var r = W.Query($"SELECT s, i, f, b, d, t, fa, sa FROM {Table.Placeholder} WHERE i >= @min ORDER BY i", WarehouseExtensions.Params(("min", 1L)));
        Assert.Equal("a'b", r.Rows[0][0]);
        Assert.Equal(new DateOnly(2024, 3, 1), r.Rows[0][4]);
        Assert.Equal(t.Ticks, ((DateTime)r.Rows[0][5]!).Ticks);
        Assert.Equal(new List<double> { 1.0, 2.0 }, r.Rows[0][6]);

        var counts = W.ExecuteInTransaction(new SqlStatement[]
        {
            new($"DELETE FROM {Table.Placeholder} WHERE i = @i", WarehouseExtensions.Params(("i", 2L))),
            new($"INSERT INTO {Table.Placeholder} (s, i, d) VALUES (@s, @i, @d)", WarehouseExtensions.Params(("s", "z"), ("i", 3L), ("d", new DateOnly(2024, 3, 2)))),
        });
        Assert.Equal(new long[] { 1, 1 }, counts);
        Assert.Throws<BackfillTools.Core.Domain.BackfillException>(() => W.ExecuteInTransaction(new SqlStatement[]
        {
            new($"DELETE FROM {Table.Placeholder} WHERE TRUE"),
            new("SELECT ERROR('forced failure')"),
        }));
        Assert.Equal(2, W.ScalarInt64($"SELECT COUNT(*) FROM {Table.Placeholder}"));
        Assert.True(W.Jobs.TotalJobs >= 5);

        W.DropTable("live", "typed");
        Assert.DoesNotContain("live.typed", W.ExistingTables());
    }
}
