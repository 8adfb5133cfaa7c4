using System.Collections;
using BackfillTools.Core.Warehouse;
using Xunit;
using static BackfillTools.Core.Warehouse.Col;

namespace BackfillTools.Tests.BigQuery;

/// <summary>
/// One IWarehouse contract, run against the embedded DuckDB warehouse and against BigQueryWarehouse over the fake
/// BigQuery: same portable SQL, same values back. A difference here is a difference a backfill would see.
/// </summary>
public abstract class WarehouseContractTests : IDisposable
{
    protected static readonly TableDef Typed = new("bf_test", "typed",
        new[] { Str("s", false), Int("i", false), Num("f"), Bool("b"), Date("d"), Ts("t"), FloatArray("fa"), StrArray("sa"), Int("n") },
        new[] { "s", "i" }, "d", new[] { "s" });

    private IWarehouse? _w;
    protected IWarehouse W => _w ??= Create();

    protected abstract IWarehouse Create();

    public virtual void Dispose() => _w?.Dispose();

    protected static readonly DateTime T0 = new DateTime(2024, 3, 1, 12, 34, 56, DateTimeKind.Utc).AddTicks(1234560); // µs precision

    protected static object?[][] SampleRows() => new[]
    {
        new object?[] { "O'Neal \"Shaq\" ü", 1L, 1.25, true, new DateOnly(2024, 3, 1), T0, new[] { 1.5, -2.0 }, new[] { "a", "b'c" }, 7L },
        new object?[] { "plain", 2, 0.1 + 0.2, false, new DateOnly(2023, 12, 31), T0.AddDays(-1), Array.Empty<double>(), new[] { "x" }, null },
        new object?[] { "nulls", 3L, null, null, null, null, new[] { 3.0 }, Array.Empty<string>(), null },
    };

    [Fact]
    public void EnsureTable_is_idempotent_and_listed_then_dropped()
    {
        W.EnsureTable(Typed);
        W.EnsureTable(Typed); // second call must not fail or duplicate
        Assert.Contains("bf_test.typed", W.ExistingTables());
        W.DropTable("bf_test", "typed");
        Assert.DoesNotContain("bf_test.typed", W.ExistingTables());
        W.DropTable("bf_test", "typed"); // dropping a missing table is not an error
    }

    [Fact]
    public void BulkAppend_typed_values_read_back_identically()
    {
        W.EnsureTable(Typed);
        Assert.Equal(3, W.BulkAppend(Typed, SampleRows()));
        var r = W.Query($"SELECT s, i, f, b, d, t, fa, sa, n FROM {Typed.Placeholder} ORDER BY i");
        Assert.Equal(new[] { "s", "i", "f", "b", "d", "t", "fa", "sa", "n" }, r.Columns);
        Assert.Equal(3, r.Count);
        var expected = SampleRows();
        for (var row = 0; row < 3; row++)
            for (var col = 0; col < expected[row].Length; col++)
                Assert.True(Same(expected[row][col], r.Rows[row][col]),
                    $"row {row} column {r.Columns[col]}: expected {Show(expected[row][col])}, got {Show(r.Rows[row][col])}");
        // The CLR types QueryResult promises, not just equal text.
        Assert.IsType<long>(r.Rows[0][1]);
        Assert.IsType<double>(r.Rows[0][2]);
        Assert.IsType<bool>(r.Rows[0][3]);
        Assert.IsType<DateOnly>(r.Rows[0][4]);
        Assert.IsType<DateTime>(r.Rows[0][5]);
        Assert.IsType<List<double>>(r.Rows[0][6]);
        Assert.IsType<List<string>>(r.Rows[0][7]);
    }

    [Fact]
    public void Parameters_of_every_type_round_trip()
    {
        var p = WarehouseExtensions.Params(
            ("i", 42L), ("i32", 7), ("f", 2.5), ("s", "it's ü"), ("b", true), ("d", new DateOnly(2024, 2, 29)), ("t", T0),
            ("n", new SqlNull(ColumnType.Int64)), ("fa", new[] { 1.0, 2.0, 3.0 }), ("sa", new List<string> { "a", "b" }));
        var r = W.Query("SELECT @i AS i, @i32 AS i32, @f AS f, @s AS s, @b AS b, @d AS d, @t AS t, @n IS NULL AS n_null, "
                        + "ARRAY_LENGTH(@fa) AS fa_len, ARRAY_LENGTH(@sa) AS sa_len, '@i stays text' AS lit", p)[0];
        Assert.Equal(42L, r["i"]);
        Assert.Equal(7L, r["i32"]);
        Assert.Equal(2.5, r["f"]);
        Assert.Equal("it's ü", r["s"]);
        Assert.Equal(true, r["b"]);
        Assert.Equal(new DateOnly(2024, 2, 29), r["d"]);
        Assert.Equal(T0.Ticks, ((DateTime)r["t"]!).Ticks);
        Assert.Equal(true, r["n_null"]);
        Assert.Equal(3L, Convert.ToInt64(r["fa_len"]));
        Assert.Equal(2L, Convert.ToInt64(r["sa_len"]));
        Assert.Equal("@i stays text", r["lit"]);
    }

    [Fact]
    public void Date_parameter_filters_a_table_and_Execute_counts_rows()
    {
        W.EnsureTable(Typed);
        W.BulkAppend(Typed, SampleRows());
        var n = W.Execute($"UPDATE {Typed.Placeholder} SET n = @v WHERE d >= @from", WarehouseExtensions.Params(("v", 99L), ("from", new DateOnly(2023, 12, 31))));
        Assert.Equal(2, n);
        Assert.Equal(2, W.ScalarInt64($"SELECT COUNT(*) FROM {Typed.Placeholder} WHERE n = 99"));
        // A NULL parameter written into an INT64 column: a typed NULL (BigQuery: an INT64 query parameter without a value).
        Assert.Equal(1, W.Execute($"UPDATE {Typed.Placeholder} SET n = @v WHERE i = @i", WarehouseExtensions.Params(("v", new SqlNull(ColumnType.Int64)), ("i", 1L))));
        Assert.Equal(1, W.ScalarInt64($"SELECT COUNT(*) FROM {Typed.Placeholder} WHERE n = 99"));
    }

    [Fact]
    public void Transaction_commits_all_statements_with_their_own_parameters()
    {
        W.EnsureTable(Typed);
        var counts = W.ExecuteInTransaction(new SqlStatement[]
        {
            new($"INSERT INTO {Typed.Placeholder} (s, i) VALUES (@s, @i)", WarehouseExtensions.Params(("s", "one"), ("i", 1L))),
            new($"INSERT INTO {Typed.Placeholder} (s, i) SELECT @s, @i UNION ALL SELECT @s, @i + 1", WarehouseExtensions.Params(("s", "two"), ("i", 10L))),
            new($"DELETE FROM {Typed.Placeholder} WHERE i = @i", WarehouseExtensions.Params(("i", 11L))),
        });
        Assert.Equal(new long[] { 1, 2, 1 }, counts);
        var r = W.Query($"SELECT s, i FROM {Typed.Placeholder} ORDER BY i");
        Assert.Equal(new object?[] { "one", 1L }, r.Rows[0]);
        Assert.Equal(new object?[] { "two", 10L }, r.Rows[1]);
        Assert.Equal(2, r.Count);
    }

    [Fact]
    public void Batch_runs_in_order_with_each_statement_s_parameters_and_keeps_work_before_a_failure()
    {
        W.EnsureTable(Typed);
        W.ExecuteBatch(new SqlStatement[]
        {
            new($"INSERT INTO {Typed.Placeholder} (s, i) VALUES (@s, @i)", WarehouseExtensions.Params(("s", "one"), ("i", 1L))),
            new($"UPDATE {Typed.Placeholder} SET n = @i WHERE s = @s", WarehouseExtensions.Params(("s", "one"), ("i", 5L))),
        });
        Assert.Equal(5, W.ScalarInt64($"SELECT n FROM {Typed.Placeholder} WHERE s = 'one'"));

        // Not a transaction: the statement before the failure stays.
        Assert.ThrowsAny<Exception>(() => W.ExecuteBatch(new SqlStatement[]
        {
            new($"INSERT INTO {Typed.Placeholder} (s, i) VALUES ('kept', 2)"),
            new($"INSERT INTO {Typed.Placeholder} (s, i) SELECT s, i FROM {{{{bf_test.missing_table}}}}"),
        }));
        Assert.Equal(2, W.ScalarInt64($"SELECT COUNT(*) FROM {Typed.Placeholder}"));
    }

    [Fact]
    public void Transaction_is_all_or_nothing()
    {
        W.EnsureTable(Typed);
        Assert.ThrowsAny<Exception>(() => W.ExecuteInTransaction(new SqlStatement[]
        {
            new($"INSERT INTO {Typed.Placeholder} (s, i) VALUES ('kept?', 1)"),
            new($"INSERT INTO {Typed.Placeholder} (s, i) SELECT s, i FROM {{{{bf_test.missing_table}}}}"),
        }));
        Assert.Equal(0, W.ScalarInt64($"SELECT COUNT(*) FROM {Typed.Placeholder}"));
    }

    [Fact]
    public void Many_rows_come_back_complete_and_in_order()
    {
        W.EnsureTable(Typed);
        var rows = Enumerable.Range(0, 7).Select(i => new object?[] { $"r{i}", (long)i, i * 0.5, i % 2 == 0, new DateOnly(2024, 1, 1).AddDays(i), T0, new[] { (double)i }, new[] { "s" }, null });
        Assert.Equal(7, W.BulkAppend(Typed, rows));
        var r = W.Query($"SELECT i FROM {Typed.Placeholder} ORDER BY i DESC");
        Assert.Equal(new long[] { 6, 5, 4, 3, 2, 1, 0 }, r.Rows.Select(x => (long)x[0]!));
    }

    private static bool Same(object? expected, object? actual) => (expected, actual) switch
    {
        (null, null) => true,
        (DateTime e, DateTime a) => e.Ticks == a.Ticks,
        (int e, long a) => e == a,
        (IEnumerable e, IEnumerable a) when expected is not string => e.Cast<object?>().SequenceEqual(a.Cast<object?>()),
        _ => Equals(expected, actual),
    };

    private static string Show(object? v) => v switch
    {
        null => "null",
        string s => $"'{s}'",
        IEnumerable e => "[" + string.Join(", ", e.Cast<object?>().Select(Show)) + "]",
        _ => $"{v} ({v.GetType().Name})",
    };
}

public sealed class DuckDbWarehouseContractTests : WarehouseContractTests
{
    protected override IWarehouse Create() => DuckDbWarehouse.Open(":memory:");
}

public sealed class BigQueryWarehouseContractTests : WarehouseContractTests
{
    private readonly FakeBigQuery _fake = new() { DefaultPageSize = 2, IncompletePolls = 1 };

    // A dataset prefix exercises `project.prefix+dataset.table` rendering end to end.
    protected override IWarehouse Create() => BigQueryTestHost.Open(_fake, prefix: "ci_");

    public override void Dispose()
    {
        base.Dispose();
        _fake.Dispose();
    }

    [Fact]
    public void A_batch_is_one_script_job()
    {
        var w = (BackfillTools.Core.Warehouse.BigQuery.BigQueryWarehouse)W;
        w.EnsureTable(Typed);
        var before = w.Jobs.TotalJobs;
        w.ExecuteBatch(Enumerable.Range(1, 6).Select(i =>
            new SqlStatement($"INSERT INTO {Typed.Placeholder} (s, i) VALUES (@s, @i)", WarehouseExtensions.Params(("s", $"r{i}"), ("i", (long)i)))).ToList());
        Assert.Equal(1, w.Jobs.TotalJobs - before);
        Assert.Equal(1, w.Jobs["script"]);
        Assert.Equal(6, w.ScalarInt64($"SELECT COUNT(*) FROM {Typed.Placeholder}"));
    }
}
