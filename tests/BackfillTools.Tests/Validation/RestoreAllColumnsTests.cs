using BackfillTools.Tests.BigQuery;
using BackfillTools.Tests.Warehouse;
using Xunit;

namespace BackfillTools.Tests.Validation;

/// <summary>
/// Clear-/Restore-StaleUpcg on a production-width UPCG (production-schema.json, migration columns included): what
/// Clear deleted, Restore brings back byte for byte, in every column, NULLs included.
/// </summary>
public sealed class RestoreAllColumnsTests
{
    private static readonly DateOnly Cleared = new(2023, 1, 5), Kept = new(2023, 1, 6);

    private static TableDef ReplicaUpcg => ProductionSchema.Find(WarehouseSchema.UpcomingPlayerGameContext.FullName).Replica;

    /// <summary>
    /// 40 rows over two dates, in DuckDB's SQL (the fake BigQuery runs on DuckDB too): a value of each column's type in
    /// every column, NULL in a quarter of the nullable ones.
    /// </summary>
    private static string FillSql()
    {
        var table = ReplicaUpcg;
        var duck = DuckDbDialect.Instance;
        var values = table.Columns.Select((c, k) =>
        {
            var type = duck.TypeSql(c.FullType);
            var value = c.Name switch
            {
                "game_date" => $"CASE WHEN i % 2 = 0 THEN DATE '{Cleared:yyyy-MM-dd}' ELSE DATE '{Kept:yyyy-MM-dd}' END",
                "player_lookup" => "'p' || i",
                _ => c.FullType.Kind switch
                {
                    ColumnType.String => $"'{c.Name}_' || i",
                    ColumnType.Int64 => $"i * {k + 1}",
                    ColumnType.Float64 => $"i / {k + 3}.0",
                    ColumnType.Numeric => $"CAST((i % 9) / 10 AS {type})",
                    ColumnType.Bool => "i % 2 = 1",
                    ColumnType.Date => "DATE '2023-01-01' + CAST(i AS INTEGER)",
                    ColumnType.Timestamp => "TIMESTAMP '2023-01-04 10:00:00' + to_seconds(i)",
                    ColumnType.Json => "CAST('{\"k\": ' || i || '}' AS JSON)",
                    ColumnType.Array when c.FullType.Element!.Kind is ColumnType.Int64 or ColumnType.String or ColumnType.Float64 =>
                        $"CAST([i, i + 1] AS {type})",
                    _ => $"CAST(NULL AS {type})",
                },
            };
            return c.Nullable ? $"CASE WHEN (i + {k}) % 4 = 0 THEN CAST(NULL AS {type}) ELSE {value} END" : value;
        });
        return $"INSERT INTO {table.FullName} ({string.Join(", ", table.ColumnNames)}) SELECT {string.Join(", ", values)} FROM range(1, 41) AS r(i)";
    }

    /// <summary>Every column of every row, NULLs distinct from values (DuckDB SQL, like <see cref="TableChecksum"/>).</summary>
    private static string ChecksumSql =>
        $"SELECT CAST(COUNT(*) * 1000000007 + COALESCE(SUM(hash(list_value({string.Join(", ", ReplicaUpcg.ColumnNames.Select(n => $"COALESCE('=' || CAST({n} AS VARCHAR), 'NULL')"))})) % 1000000007), 0) AS BIGINT) " +
        $"FROM {ReplicaUpcg.FullName}";

    private static void ClearAndRestoreBringBackEveryColumn(IWarehouse w, Func<string> checksum)
    {
        var before = checksum();
        Assert.Equal(40, w.ScalarInt64($"SELECT COUNT(*) FROM {ReplicaUpcg.Placeholder}"));

        var plan = StaleContextCleanup.Plan(w, new[] { Cleared }, 0, null, CancellationToken.None);
        var cleared = StaleContextCleanup.Clear(w, plan, backup: true, CancellationToken.None);
        Assert.Equal(20, cleared.RowsDeleted);
        Assert.Equal(0, w.ScalarInt64($"SELECT COUNT(*) FROM {ReplicaUpcg.Placeholder} WHERE game_date = DATE '{Cleared:yyyy-MM-dd}'"));
        Assert.NotEqual(before, checksum());

        var restored = StaleContextCleanup.Restore(w, StaleContextCleanup.ParseBackupName(cleared.BackupTable!), CancellationToken.None);

        Assert.Equal(20, restored.RowsRestored);
        Assert.Equal(before, checksum());
    }

    [Fact]
    public void On_DuckDB_a_126_column_UPCG_comes_back_byte_for_byte()
    {
        // The replica is production as it may be: the declared columns plus those later migrations add, which the product never declares.
        Assert.Equal(126, ReplicaUpcg.Columns.Count);
        Assert.True(ReplicaUpcg.Columns.Count > WarehouseSchema.UpcomingPlayerGameContext.Columns.Count);
        using var w = DuckDbWarehouse.Open(":memory:");
        w.EnsureTable(ReplicaUpcg);
        new Migrator().Upgrade(w);
        w.Execute(FillSql());
        ClearAndRestoreBringBackEveryColumn(w, () => TableChecksum.Of(w, ReplicaUpcg, Array.Empty<string>()));
    }

    [Fact]
    public void On_BigQuery_a_126_column_UPCG_comes_back_byte_for_byte()
    {
        using var fake = new FakeBigQuery();
        using var w = BigQueryTestHost.Open(fake);
        w.EnsureTable(ReplicaUpcg);
        new Migrator().Upgrade(w);
        fake.ScalarInt64(FillSql());
        ClearAndRestoreBringBackEveryColumn(w, () => fake.ScalarInt64(ChecksumSql).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
