using BackfillTools.Core;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using Xunit;
using static BackfillTools.Core.Warehouse.Col;

namespace BackfillTools.Tests.Warehouse;

public sealed class DuckDbWarehouseTests : IDisposable
{
    private static readonly TableDef Sample = new("t_ds", "typed",
        new[] { Str("k", false), Int("n"), Num("x"), Bool("b"), Date("d"), Ts("ts"), FloatArray("f"), StrArray("s") },
        new[] { "k" }, "d");

    private readonly string _dir = Directory.CreateTempSubdirectory("bft-x-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private DuckDbWarehouse NewWarehouse()
    {
        var w = DuckDbWarehouse.Open(":memory:");
        w.EnsureTable(Sample);
        return w;
    }

    [Fact]
    public void A_read_write_session_deletes_the_scratch_files_other_processes_left_and_nothing_else()
    {
        var path = Path.Combine(_dir, "w.duckdb");
        using (DuckDbWarehouse.Open(path, create: true)) { }
        var hex = new string('a', 32);
        string Beside(string name) => Path.Combine(_dir, name);
        var killed = Beside($"w.duckdb.backfilltools-scratch-999999-{hex}");
        var mine = Beside($"w.duckdb.backfilltools-scratch-{Environment.ProcessId}-{hex}");
        var foreign = new[]
        {
            Beside("w.duckdb.backfilltools-scratch-notes.txt"), Beside($"w.duckdb.backfilltools-scratch-999999-{hex}.bak"),
            Beside($"other.duckdb.backfilltools-scratch-999999-{hex}"), Beside("w.duckdb.tmp.keep"),
        };
        foreach (var f in foreign.Append(killed).Append(killed + ".wal").Append(mine)) File.WriteAllText(f, "x");

        using (DuckDbWarehouse.Open(path, readOnly: true)) { }
        Assert.True(File.Exists(killed)); // a read-only session holds no write lock: it deletes nothing

        using (var w = DuckDbWarehouse.Open(path))
        {
            Assert.Null(w.MemoryLimitMB);
            // Without a memory limit the scratch database is in memory: no path.
            Assert.True(string.IsNullOrEmpty(w.Query("SELECT path FROM duckdb_databases() WHERE database_name = 'backfilltools_scratch'")[0].GetString("path")));
        }
        Assert.False(File.Exists(killed));
        Assert.False(File.Exists(killed + ".wal"));
        Assert.True(File.Exists(mine)); // this process's own: another session of it may be using it
        Assert.All(foreign, f => Assert.True(File.Exists(f), f));
    }

    [Fact]
    public void A_session_under_a_memory_limit_keeps_its_scratch_tables_in_a_file_of_its_own_until_it_closes()
    {
        var path = Path.Combine(_dir, "limited.duckdb");
        using (DuckDbWarehouse.Open(path, create: true)) { }
        string scratch;
        using (var w = DuckDbWarehouse.Open(path, memoryLimitMB: 300))
        {
            Assert.Equal(300, w.MemoryLimitMB);
            scratch = w.Query("SELECT path FROM duckdb_databases() WHERE database_name = 'backfilltools_scratch'")[0].GetString("path")!;
            Assert.StartsWith(path + $".backfilltools-scratch-{Environment.ProcessId}-", scratch);
            w.Execute($"CREATE TABLE backfilltools_scratch.{new DuckDbDialect().PhysicalDataset(BackfillTools.Core.Domain.DatasetNames.Staging)}.t AS SELECT range AS n FROM range(1000)");
            Assert.True(File.Exists(scratch));
            Assert.StartsWith("286", w.Query("SELECT current_setting('memory_limit') AS v")[0].GetString("v")); // 300 MB in MiB
        }
        Assert.False(File.Exists(scratch));
        Assert.False(File.Exists(scratch + ".wal"));
    }

    [Fact]
    public void BulkAppend_round_trips_every_column_type_exactly()
    {
        using var w = NewWarehouse();
        int smallInt = 20; // a plain int must not be narrowed (the appender's sbyte trap)
        var ts = new DateTime(2024, 1, 20, 19, 30, 0, DateTimeKind.Utc);
        w.BulkAppend(Sample, new[]
        {
            new object?[] { "a", smallInt, 1.25, true, new DateOnly(2024, 1, 20), ts, new[] { 1.5, 2.5 }, new[] { "p", "q" } },
            new object?[] { "b", 5_000_000_000L, null, false, null, null, Array.Empty<double>(), null },
        });
        var r = w.Query($"SELECT * FROM {Sample.Placeholder} ORDER BY k");
        Assert.Equal(2, r.Count);
        Assert.Equal(20L, r[0]["n"]);
        Assert.Equal(1.25, r[0].GetDouble("x"));
        Assert.True(r[0].GetBoolean("b"));
        Assert.Equal(new DateOnly(2024, 1, 20), r[0].GetDate("d"));
        Assert.Equal(ts, r[0].GetNullableDateTime("ts"));
        Assert.Equal(new[] { 1.5, 2.5 }, ((System.Collections.IEnumerable)r[0]["f"]!).Cast<double>());
        Assert.Equal(5_000_000_000L, r[1]["n"]);
        Assert.Null(r[1]["x"]);
        Assert.Null(r[1].GetNullableDate("d"));
    }

    [Fact]
    public void BulkAppend_takes_an_MLFS_row_with_its_historical_completeness_STRUCT()
    {
        using var w = DuckDbWarehouse.Open(":memory:");
        var mlfs = PrecomputeTables.Mlfs;
        w.EnsureTable(mlfs);
        var created = new DateTime(2024, 1, 21, 8, 0, 0, DateTimeKind.Utc);
        object?[] Row(string player, object? history)
        {
            // The NOT NULL columns filled, the rest NULL: the shape of a real MLFS row.
            var row = mlfs.Columns.Select(c => c.Nullable ? null : c.FullType.Kind switch
            {
                ColumnType.Int64 => (object)37L,
                ColumnType.Date => new DateOnly(2024, 1, 20),
                ColumnType.Timestamp => created,
                _ => c.Name == "player_lookup" ? player : "v2_37features",
            }).ToArray();
            row[mlfs.Columns.ToList().FindIndex(c => c.Name == "historical_completeness")] = history;
            return row;
        }
        var dates = new List<DateOnly> { new(2024, 1, 14), new(2024, 1, 17) };
        var n = w.BulkAppend(mlfs, new[]
        {
            Row("full", new Dictionary<string, object?>
                { ["games_found"] = 9L, ["games_expected"] = 10, ["is_complete"] = false, ["is_bootstrap"] = true, ["contributing_game_dates"] = dates }),
            Row("partial", new Dictionary<string, object?> { ["games_found"] = 0L, ["contributing_game_dates"] = Array.Empty<DateOnly>() }),
            Row("none", null),
        });
        Assert.Equal(3, n);
        var r = w.Query($"SELECT player_lookup, historical_completeness.games_found AS found, historical_completeness.games_expected AS expected, "
                        + $"historical_completeness.is_complete AS complete, historical_completeness.is_bootstrap AS bootstrap, "
                        + $"historical_completeness.contributing_game_dates AS dates, historical_completeness IS NULL AS absent, created_at "
                        + $"FROM {mlfs.Placeholder} ORDER BY player_lookup");
        Assert.Equal(new object?[] { "full", 9L, 10L, false, true }, r.Rows[0].Take(5));
        Assert.Equal(dates, ((System.Collections.IEnumerable)r[0]["dates"]!).Cast<DateOnly>());
        Assert.Equal(created, r[0].GetNullableDateTime("created_at"));
        Assert.Equal(new object?[] { "none", null, null, null, null, null, true }, r.Rows[1].Take(7));
        Assert.Equal(new object?[] { "partial", 0L, null, null, null }, r.Rows[2].Take(5));
        Assert.Empty((System.Collections.IEnumerable)r[2]["dates"]!);

        // A row the table refuses (NOT NULL player_lookup missing) writes nothing, and the scratch table is gone.
        var history = new Dictionary<string, object?> { ["games_found"] = 1L };
        var bad = Row("bad", history);
        bad[mlfs.Columns.ToList().FindIndex(c => c.Name == "player_lookup")] = null;
        Assert.ThrowsAny<Exception>(() => w.BulkAppend(mlfs, new[] { Row("later", history), bad }));
        Assert.Equal(3, w.ScalarInt64($"SELECT COUNT(*) FROM {mlfs.Placeholder}"));
        Assert.Equal(new[] { $"{mlfs.Dataset}.{mlfs.Name}" }, w.ExistingTables().Where(t => t.StartsWith(mlfs.Dataset + ".", StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public void BulkAppend_rejects_rows_of_the_wrong_width()
    {
        using var w = NewWarehouse();
        Assert.Throws<ArgumentException>(() => w.BulkAppend(Sample, new[] { new object?[] { "a", 1L } }));
    }

    [Fact]
    public void Parameters_bind_by_name_with_typed_values()
    {
        using var w = NewWarehouse();
        w.Execute($"INSERT INTO {Sample.Placeholder} (k, n, d) VALUES (@k, @n, @d)",
            WarehouseExtensions.Params(("k", "z"), ("n", 7), ("d", new DateOnly(2023, 2, 23))));
        Assert.Equal(7, w.ScalarInt64($"SELECT n FROM {Sample.Placeholder} WHERE d = @d",
            WarehouseExtensions.Params(("d", new DateOnly(2023, 2, 23)))));
    }

    [Fact]
    public void ExecuteInTransaction_is_all_or_nothing()
    {
        using var w = NewWarehouse();
        w.Execute($"INSERT INTO {Sample.Placeholder} (k, n) VALUES ('keep', 1)");
        var ex = Assert.ThrowsAny<Exception>(() => w.ExecuteInTransaction(new SqlStatement[]
        {
            $"DELETE FROM {Sample.Placeholder} WHERE TRUE",
            $"INSERT INTO {Sample.Placeholder} (k, n) VALUES ('new', 2)",
            $"INSERT INTO {Sample.Placeholder} (k, n) VALUES ('new', 3)", // duplicate key: the whole transaction must go
        }));
        Assert.NotNull(ex);
        var r = w.Query($"SELECT k FROM {Sample.Placeholder}");
        Assert.Single(r.Rows);
        Assert.Equal("keep", r[0].GetString("k"));
        // The connection is usable afterwards (no aborted transaction left behind).
        w.ExecuteInTransaction(new SqlStatement[] { $"INSERT INTO {Sample.Placeholder} (k, n) VALUES ('after', 4)" });
        Assert.Equal(2, w.ScalarInt64($"SELECT COUNT(*) FROM {Sample.Placeholder}"));
    }

    [Fact]
    public void A_cancelled_transaction_writes_nothing()
    {
        using var w = NewWarehouse();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => w.ExecuteInTransaction(
            new SqlStatement[] { $"INSERT INTO {Sample.Placeholder} (k) VALUES ('x')" }, cts.Token));
        Assert.Equal(0, w.ScalarInt64($"SELECT COUNT(*) FROM {Sample.Placeholder}"));
    }

    [Fact]
    public void ExistingTables_and_DropTable_see_declared_tables()
    {
        using var w = NewWarehouse();
        Assert.Contains("t_ds.typed", w.ExistingTables());
        w.DropTable("t_ds", "typed");
        Assert.DoesNotContain("t_ds.typed", w.ExistingTables());
    }

    [Fact]
    public void Staging_tables_live_in_the_sessions_memory_except_those_the_publish_transaction_writes()
    {
        var path = Path.Combine(_dir, "warehouse.duckdb");
        var scratch = Sample.WithName(DatasetNames.Staging, "psza_rows_run1");
        var inTransaction = Sample.WithName(DatasetNames.Staging, DatasetNames.StagingInWarehousePrefix + "psza_counts_run1");
        var live = Sample.WithName("t_ds", "live");
        using (var w = DuckDbWarehouse.Open(path, create: true))
        {
            foreach (var t in new[] { scratch, inTransaction, live }) w.EnsureTable(t);
            var catalogs = w.Query("SELECT database_name, table_name FROM duckdb_tables()").AsRows()
                .ToDictionary(r => r.GetString("table_name")!, r => r.GetString("database_name"));
            Assert.Equal(DuckDbDialect.ScratchCatalog, catalogs[scratch.Name]);
            Assert.Equal("warehouse", catalogs[inTransaction.Name]);
            Assert.Equal(2, w.BulkAppend(scratch, new[] { new object?[] { "a", 1, 1.5, true, null, null, null, null }, new object?[] { "b", 2, null, null, null, null, null, null } }));
            Assert.Contains($"{DatasetNames.Staging}.{scratch.Name}", w.ExistingTables());
            Assert.Equal(Sample.ColumnNames, w.TableColumns(scratch.Dataset, scratch.Name)!.Select(c => c.Name));
            // The publish's shape: one transaction reads the scratch table and writes the file (live rows and counts).
            w.ExecuteInTransaction(new SqlStatement[]
            {
                $"INSERT INTO {live.Placeholder} (k, n) SELECT k, n FROM {scratch.Placeholder}",
                $"INSERT INTO {inTransaction.Placeholder} (k, n) SELECT 'rows', COUNT(*) FROM {scratch.Placeholder}",
            });
        }
        // A new session (as after a kill) finds the file's tables and none of the last session's scratch.
        using (var w = DuckDbWarehouse.Open(path))
        {
            Assert.DoesNotContain($"{DatasetNames.Staging}.{scratch.Name}", w.ExistingTables());
            Assert.Equal(2, w.ScalarInt64($"SELECT COUNT(*) FROM {live.Placeholder}"));
            Assert.Equal(2, w.ScalarInt64($"SELECT n FROM {inTransaction.Placeholder}"));
        }
        // A read-only session (Get-BackfillWarehouse, Test-Coverage) opens without a scratch database.
        using (var w = DuckDbWarehouse.Open(path, readOnly: true))
            Assert.Equal(2, w.ScalarInt64($"SELECT COUNT(*) FROM {live.Placeholder}"));
    }

    [Fact]
    public void An_update_of_scalars_by_key_applies_its_rows_and_leaves_the_optimizer_whole_even_when_it_fails()
    {
        using var w = NewWarehouse();
        var staged = Sample.WithName(DatasetNames.Staging, "typed_rows_run1");
        w.EnsureTable(staged);
        // The staged keys in the reverse of the table's order: the shape that made DuckDB's UPDATE slow.
        w.BulkAppend(Sample, Enumerable.Range(0, 3000).Select(i => new object?[] { $"k{i:D4}", i, null, null, null, null, null, null }));
        w.BulkAppend(staged, Enumerable.Range(0, 3000).Reverse().Select(i => new object?[] { $"k{i:D4}", -i, null, null, null, null, null, null }));
        string DisabledOptimizers() => w.Query("SELECT current_setting('disabled_optimizers') AS v")[0].GetString("v") ?? "";

        Assert.All(new[] { "n", "x", "b" }, c => Assert.True(Sample.Column(c).FullType.IsScalar, c));
        Assert.All(new[] { "f", "s" }, c => Assert.False(Sample.Column(c).FullType.IsScalar, c));
        w.ExecuteInTransaction(new[] { new SqlStatement($"UPDATE {Sample.Placeholder} AS t SET n = s.n FROM {staged.Placeholder} AS s WHERE t.k = s.k") { UpdatesScalarsByKey = true } });
        Assert.Equal(3000, w.ScalarInt64($"SELECT COUNT(*) FROM {Sample.Placeholder} AS t JOIN {staged.Placeholder} AS s ON t.k = s.k AND t.n = s.n"));
        Assert.Equal("", DisabledOptimizers());

        // A failed UPDATE (k is NOT NULL) rolls its transaction back whole and resets the optimizer all the same.
        Assert.ThrowsAny<Exception>(() => w.ExecuteInTransaction(new[]
        {
            new SqlStatement($"UPDATE {Sample.Placeholder} SET n = 0 WHERE k = 'k0001'"),
            new SqlStatement($"UPDATE {Sample.Placeholder} AS t SET k = NULL FROM {staged.Placeholder} AS s WHERE t.k = s.k") { UpdatesScalarsByKey = true },
        }));
        Assert.Equal("", DisabledOptimizers());
        Assert.Equal(-1, w.ScalarInt64($"SELECT n FROM {Sample.Placeholder} WHERE k = 'k0001'"));
    }

    [Fact]
    public void A_batch_statement_computing_wide_rows_is_planned_without_the_expression_rewrites_and_leaves_the_optimizer_whole_even_when_it_fails()
    {
        using var w = NewWarehouse();
        var seen = new TableDef("t_ds", "optimizers_seen", new[] { Str("k", false), Str("x") }, Array.Empty<string>());
        string DisabledOptimizers() => w.Query("SELECT current_setting('disabled_optimizers') AS v")[0].GetString("v") ?? "";
        string Seen(string statement) => w.Query($"SELECT x FROM {seen.Placeholder} WHERE k = '{statement}'")[0].GetString("x") ?? "";
        w.EnsureTable(seen);
        string Record(string statement) => $"INSERT INTO {seen.Placeholder} (k, x) SELECT '{statement}', current_setting('disabled_optimizers')";

        w.ExecuteBatch(new[] { new SqlStatement(Record("wide")) { ComputesWideRows = true }, new SqlStatement(Record("plain")) });

        Assert.Contains("common_subexpressions", Seen("wide"));
        Assert.Contains("expression_rewriter", Seen("wide"));
        Assert.Equal("", Seen("plain"));
        Assert.Equal("", DisabledOptimizers());
        // A failing wide statement (k is NOT NULL) is reported with its index and resets the optimizer all the same.
        var ex = Assert.Throws<SqlBatchException>(() => w.ExecuteBatch(new[]
        {
            new SqlStatement(Record("before")),
            new SqlStatement($"INSERT INTO {seen.Placeholder} (k) SELECT CAST(NULL AS STRING)") { ComputesWideRows = true },
        }));
        Assert.Equal(1, ex.StatementIndex);
        Assert.Equal("", DisabledOptimizers());
    }

    [Fact]
    public void Opening_a_missing_file_is_WarehouseNotFound_and_creates_nothing()
    {
        var path = Path.Combine(_dir, "missing.duckdb");
        var ex = Assert.Throws<BackfillException>(() => DuckDbWarehouse.Open(path));
        Assert.Equal("WarehouseNotFound", ex.ErrorId);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Opening_a_non_database_file_is_WarehouseNotDuckDb()
    {
        var path = Path.Combine(_dir, "text.duckdb");
        File.WriteAllText(path, new string('x', 4096));
        var ex = Assert.Throws<BackfillException>(() => DuckDbWarehouse.Open(path));
        Assert.Equal("WarehouseNotDuckDb", ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidData, ex.Kind);
    }

    [Fact]
    public void CreateDuckDb_builds_atomically_and_leaves_nothing_on_failure()
    {
        var path = Path.Combine(_dir, "backfill.duckdb");
        Assert.Throws<InvalidOperationException>(() =>
            WarehouseService.CreateDuckDb(path, overwrite: false, fill: _ => throw new InvalidOperationException("boom")));
        Assert.Empty(Directory.GetFiles(_dir));

        WarehouseService.CreateDuckDb(path, overwrite: false);
        Assert.True(File.Exists(path));
        var ex = Assert.Throws<BackfillException>(() => WarehouseService.CreateDuckDb(path, overwrite: false));
        Assert.Equal("WarehouseExists", ex.ErrorId);
    }
}
