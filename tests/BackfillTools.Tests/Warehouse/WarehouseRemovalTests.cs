using System.Security.Cryptography;
using BackfillTools.Core;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using DuckDB.NET.Data;
using Xunit;

namespace BackfillTools.Tests.Warehouse;

/// <summary>
/// What Remove-BackfillWarehouse (and New -Force, and Connect) may do to a DuckDB file: delete only a file the product
/// created, drop only the product's own data from a file it connected to, and refuse anything else unchanged.
/// </summary>
public sealed class WarehouseRemovalTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bft-rm-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static string Sha256(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>Someone else's DuckDB database: plain SQL, never touched by the product.</summary>
    private static void CreateForeignDuckDb(string path, params string[] sql)
    {
        using var c = new DuckDBConnection($"Data Source={path}");
        c.Open();
        foreach (var s in sql)
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = s;
            cmd.ExecuteNonQuery();
        }
        using var cp = c.CreateCommand();
        cp.CommandText = "CHECKPOINT";
        cp.ExecuteNonQuery();
    }

    private static long Scalar(string path, string sql)
    {
        using var c = new DuckDBConnection($"Data Source={path};ACCESS_MODE=READ_ONLY");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static HashSet<string> Tables(string path)
    {
        using var w = DuckDbWarehouse.Open(path, readOnly: true);
        return w.ExistingTables().ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_foreign_DuckDB_file_with_one_ledger_table_is_refused_and_left_byte_for_byte()
    {
        var path = PathOf("accounts.duckdb");
        CreateForeignDuckDb(path, "CREATE TABLE ledger (id INTEGER, amount DOUBLE)", "INSERT INTO ledger VALUES (1, 9.5), (2, 3.0)");
        var before = Sha256(path);

        var ex = Assert.Throws<BackfillException>(() => WarehouseRemover.Remove(WarehouseConnection.DuckDb(path)));

        Assert.Equal("NotABackfillWarehouse", ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidData, ex.Kind);
        Assert.Contains("Nothing was changed", ex.Message);
        Assert.Equal(before, Sha256(path));
        Assert.Equal(2, Scalar(path, "SELECT COUNT(*) FROM ledger"));
    }

    [Theory]
    [InlineData("zero-byte")]
    [InlineData("text")]
    [InlineData("empty-duckdb")]
    public void Zero_byte_non_DuckDB_and_empty_DuckDB_files_are_not_removed(string kind)
    {
        var path = PathOf("x.duckdb");
        switch (kind)
        {
            case "zero-byte": File.WriteAllBytes(path, Array.Empty<byte>()); break;
            case "text": File.WriteAllText(path, new string('x', 4096)); break;
            default: CreateForeignDuckDb(path); break;
        }
        var before = Sha256(path);

        var ex = Assert.Throws<BackfillException>(() => WarehouseRemover.Remove(WarehouseConnection.DuckDb(path)));

        Assert.Equal("NotABackfillWarehouse", ex.ErrorId);
        Assert.Equal(before, Sha256(path));
    }

    [Fact]
    public void A_file_New_BackfillWarehouse_created_records_it_and_is_deleted_with_its_sidecars()
    {
        var path = PathOf("made.duckdb");
        WarehouseService.CreateDuckDb(path, overwrite: false);
        using (var w = DuckDbWarehouse.Open(path, readOnly: true))
        {
            var row = w.Query($"SELECT origin, tool_version, recorded_by, recorded_at FROM {WarehouseSchema.WarehouseOrigin.Placeholder}").AsRows().Single();
            Assert.Equal("created", row.GetString("origin"));
            Assert.Equal(ToolInfo.Version, row.GetString("tool_version"));
            Assert.Equal("New-BackfillWarehouse", row.GetString("recorded_by"));
            Assert.NotNull(row.GetNullableDateTime("recorded_at"));
        }
        Assert.Equal(WarehouseOrigin.Created, WarehouseService.InspectDuckDb(path));
        // Opening it later (any cmdlet) keeps it 'created'.
        using (WarehouseService.Open(WarehouseConnection.DuckDb(path))) { }
        Assert.Equal(WarehouseOrigin.Created, WarehouseService.InspectDuckDb(path));

        var plan = WarehouseRemover.PlanRemoval(WarehouseConnection.DuckDb(path));
        Assert.True(plan.DeletesFile);
        var removed = WarehouseRemover.Remove(WarehouseConnection.DuckDb(path));

        Assert.Contains(path, removed);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void From_a_file_it_only_connected_to_Remove_drops_just_the_products_own_data()
    {
        var path = PathOf("production.duckdb");
        // A production copy: the production tables (Connect creates none of them), plus someone else's table.
        CreateForeignDuckDb(path, ProductionCopy.CreateSql().Concat(new[]
        {
            "CREATE TABLE ledger (id INTEGER)", "INSERT INTO ledger VALUES (1), (2), (3)",
            "INSERT INTO nba_raw.nbac_schedule (game_id, game_code, season, season_nba_format, season_year, game_date, game_status, home_team_id, " +
            "home_team_tricode, home_team_name, away_team_id, away_team_tricode, away_team_name, source_file_path, created_at, processed_at) " +
            "VALUES ('0022200001', '20221018/PHIBOS', '2022-23', '2022-23', 2022, DATE '2022-10-18', 3, 1610612738, 'BOS', 'Celtics', 1610612755, " +
            "'PHI', '76ers', 'gs://nba/schedule.json', TIMESTAMP '2022-10-01 00:00:00', TIMESTAMP '2022-10-01 00:00:00')",
        }).ToArray());

        // Connecting (any open) migrates it and records that the product did not create it.
        using (var w = WarehouseService.Open(WarehouseConnection.DuckDb(path)))
        {
            // The product's own data beyond the schema: a staging table and a UPCG backup.
            w.Execute($"CREATE SCHEMA IF NOT EXISTS {Backfill_Staging}");
            w.Execute($"CREATE TABLE {Backfill_Staging}.tdza_rows_x (n BIGINT)");
            w.Execute("CREATE TABLE backfilltools.upcg_backup_20230101_000000 AS SELECT * FROM nba_analytics.upcoming_player_game_context");
            w.Execute("INSERT INTO {{nba_processing.precompute_failures}} (processor_name, run_id, analysis_date, entity_id, failure_category, failure_reason, can_retry) " +
                      "VALUES ('PCF', 'r', DATE '2022-10-18', 'p', 'INSUFFICIENT_DATA', 'x', true)");
        }
        Assert.Equal(WarehouseOrigin.Connected, WarehouseService.InspectDuckDb(path));
        var schedule = Sha256OfRows(path, "SELECT * FROM nba_raw.nbac_schedule");

        var plan = WarehouseRemover.PlanRemoval(WarehouseConnection.DuckDb(path));
        Assert.False(plan.DeletesFile);
        var removed = WarehouseRemover.Remove(WarehouseConnection.DuckDb(path));

        Assert.True(File.Exists(path));
        var tables = Tables(path);
        Assert.Equal(3, Scalar(path, "SELECT COUNT(*) FROM ledger"));
        Assert.Equal(schedule, Sha256OfRows(path, "SELECT * FROM nba_raw.nbac_schedule"));
        Assert.Contains("nba_processing.precompute_failures", tables); // a reference production table, not the product's own
        Assert.Equal(1, Scalar(path, "SELECT COUNT(*) FROM nba_processing.precompute_failures"));
        foreach (var dataset in DatasetNames.Product)
            Assert.DoesNotContain(tables, t => t.StartsWith(dataset + ".", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(WarehouseSchema.ContextSourceLog.FullName, tables);
        Assert.Contains(DatasetNames.Tool, removed);
        // Its marker went with the product's data: a second Remove refuses.
        Assert.Equal("NotABackfillWarehouse", Assert.Throws<BackfillException>(() => WarehouseRemover.Remove(WarehouseConnection.DuckDb(path))).ErrorId);
    }

    private const string Backfill_Staging = DatasetNames.Staging;

    private static string Sha256OfRows(string path, string sql)
    {
        using var w = DuckDbWarehouse.Open(path, readOnly: true);
        var rows = w.Query(sql).Rows.Select(r => string.Join("|", r.Select(v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture))));
        return Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join("\n", rows))));
    }

    [Fact]
    public void New_with_Force_replaces_only_a_file_the_product_created()
    {
        var foreign = PathOf("foreign.duckdb");
        CreateForeignDuckDb(foreign, ProductionCopy.CreateSql().Concat(new[] { "CREATE TABLE ledger (id INTEGER)", "INSERT INTO ledger VALUES (7)" }).ToArray());
        var before = Sha256(foreign);
        Assert.Equal("NotABackfillWarehouse", Assert.Throws<BackfillException>(() => WarehouseService.CreateDuckDb(foreign, overwrite: true)).ErrorId);
        Assert.Equal(before, Sha256(foreign));

        using (WarehouseService.Open(WarehouseConnection.DuckDb(foreign))) { } // now 'connected': still not replaceable
        var connected = Sha256(foreign);
        Assert.Equal("NotABackfillWarehouse", Assert.Throws<BackfillException>(() => WarehouseService.CreateDuckDb(foreign, overwrite: true)).ErrorId);
        Assert.Equal(connected, Sha256(foreign));

        var ours = PathOf("ours.duckdb");
        WarehouseService.CreateDuckDb(ours, overwrite: false);
        WarehouseService.CreateDuckDb(ours, overwrite: true);
        Assert.Equal(WarehouseOrigin.Created, WarehouseService.InspectDuckDb(ours));
    }

    [Fact]
    public void Connect_refuses_an_empty_file_and_an_empty_DuckDB_database_instead_of_making_them_warehouses()
    {
        var zero = PathOf("zero.duckdb");
        File.WriteAllBytes(zero, Array.Empty<byte>());
        var ex = Assert.Throws<BackfillException>(() => WarehouseService.Open(WarehouseConnection.DuckDb(zero)));
        Assert.Equal("WarehouseNotDuckDb", ex.ErrorId);
        Assert.Equal(0, new FileInfo(zero).Length);

        var empty = PathOf("empty.duckdb");
        CreateForeignDuckDb(empty);
        var before = Sha256(empty);
        ex = Assert.Throws<BackfillException>(() => WarehouseService.Open(WarehouseConnection.DuckDb(empty)));
        Assert.Equal("NotABackfillWarehouse", ex.ErrorId);
        Assert.Equal(before, Sha256(empty));
        Assert.Empty(Tables(empty));
    }
}
