using System.Security.Cryptography;
using BackfillTools.Tests.BigQuery;
using DuckDB.NET.Data;
using Xunit;

namespace BackfillTools.Tests.Warehouse;

/// <summary>A production warehouse's tables as DDL, without any of the product's own: what an operator's copy holds.</summary>
internal static class ProductionCopy
{
    /// <summary>CREATE statements for every production table; <paramref name="alter"/> may change or drop (null) one.</summary>
    public static IEnumerable<string> CreateSql(Func<TableDef, TableDef?>? alter = null)
    {
        var tables = WarehouseSchema.ProductionTables.Select(t => alter is null ? t : alter(t)).OfType<TableDef>().ToList();
        return tables.Select(t => t.Dataset).Distinct().Select(d => $"CREATE SCHEMA IF NOT EXISTS {d}")
            .Concat(tables.Select(t => DuckDbWarehouse.CreateTableSql(t)));
    }

    /// <summary>The mismatch cases of item 7: a table missing, a column missing, a column of another type.</summary>
    public static TableDef? Alter(string mismatch, TableDef t)
    {
        if (t != WarehouseSchema.PlayerGameSummary) return t;
        return mismatch switch
        {
            "table" => null,
            "column" => t with { Columns = t.Columns.Where(c => c.Name != "points").ToList() },
            "type" => t with { Columns = t.Columns.Select(c => c.Name == "points" ? new ColumnDef("points", ColumnType.String) : c).ToList() },
            _ => throw new ArgumentOutOfRangeException(nameof(mismatch)),
        };
    }

    public static void AssertNamesTheMismatch(string mismatch, BackfillException ex)
    {
        Assert.Equal(SchemaCompatibility.MismatchErrorId, ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidData, ex.Kind);
        var found = Assert.Single((IReadOnlyList<SchemaMismatch>)ex.Target!);
        Assert.Equal("nba_analytics.player_game_summary", found.Table);
        Assert.Contains("nba_analytics.player_game_summary", ex.Message);
        switch (mismatch)
        {
            case "table":
                Assert.Equal(SchemaMismatchKind.MissingTable, found.Kind);
                break;
            case "column":
                Assert.Equal((SchemaMismatchKind.MissingColumn, "points"), (found.Kind, found.Column));
                Assert.Contains("points: column missing, expected INT64", ex.Message);
                break;
            default:
                Assert.Equal((SchemaMismatchKind.IncompatibleType, "points", "STRING"), (found.Kind, found.Column, found.Found?.ToString()));
                Assert.Contains("points: expected INT64, found STRING", ex.Message);
                break;
        }
    }
}

public sealed class ToolDatasetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bt-tooldata-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static void RunDuckDb(string path, IEnumerable<string> sql)
    {
        using var c = new DuckDBConnection($"Data Source={path}");
        c.Open();
        foreach (var s in sql.Append("CHECKPOINT"))
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = s;
            cmd.ExecuteNonQuery();
        }
    }

    private static string FileHash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    private static IReadOnlyDictionary<string, string> Layout(IWarehouse w) =>
        w.ExistingTables().Order().ToDictionary(t => t, t =>
        {
            var dot = t.IndexOf('.');
            return string.Join(",", w.TableColumns(t[..dot], t[(dot + 1)..])!.Select(c => $"{c.Name} {c.FullType}"));
        });

    [Fact]
    public void The_products_own_tables_are_all_in_the_tool_dataset_and_none_in_a_production_dataset()
    {
        Assert.Equal("backfilltools", DatasetNames.Tool);
        Assert.All(WarehouseSchema.ProductTables, t => Assert.Equal(DatasetNames.Tool, t.Dataset));
        Assert.All(DatasetNames.Product, d => Assert.DoesNotContain(d, DatasetNames.Production));
        Assert.Equal(new[] { "backfilltools", "backfilltools_staging", "backfilltools_quarantine" }, DatasetNames.Product);
        Assert.Equal(DatasetNames.Tool, WarehouseSchema.BackfillRuns.Dataset);
        Assert.Equal(DatasetNames.Tool, WarehouseSchema.ContextSourceLog.Dataset);
        Assert.Equal(DatasetNames.Tool, StaleContextCleanup.BackupDataset);
        Assert.DoesNotContain(WarehouseSchema.ProductionTables, t => DatasetNames.IsProduct(t.Dataset));
    }

    /// <summary>
    /// A file this process checked and that nobody changed since is not checked again on the next open; a change by
    /// another session (here a plain DuckDB connection, as another process would make) is, and fails SchemaMismatch.
    /// </summary>
    [Fact]
    public void Reopening_an_unchanged_warehouse_skips_its_schema_check_and_a_changed_one_is_checked_again()
    {
        var path = PathOf("rechecked.duckdb");
        RunDuckDb(path, ProductionCopy.CreateSql());
        var connection = WarehouseConnection.DuckDb(path);
        using (WarehouseService.Open(connection)) { }
        Assert.Equal(0, CheckedDuckDbFiles.SkippedChecks(path));
        using (WarehouseService.Open(connection)) { }
        using (WarehouseService.Open(connection)) { }
        Assert.Equal(2, CheckedDuckDbFiles.SkippedChecks(path));

        RunDuckDb(path, new[] { "ALTER TABLE nba_analytics.player_game_summary DROP COLUMN points" });
        var ex = Assert.Throws<BackfillException>(() => WarehouseService.Open(connection));
        ProductionCopy.AssertNamesTheMismatch("column", ex);
        Assert.Equal(2, CheckedDuckDbFiles.SkippedChecks(path));
    }

    [Theory]
    [InlineData("table")]
    [InlineData("column")]
    [InlineData("type")]
    public void Connect_to_a_DuckDB_production_copy_that_lacks_what_the_product_reads_fails_with_SchemaMismatch_and_writes_nothing(string mismatch)
    {
        var path = PathOf($"prod-{mismatch}.duckdb");
        RunDuckDb(path, ProductionCopy.CreateSql(t => ProductionCopy.Alter(mismatch, t)));
        var before = FileHash(path);

        var ex = Assert.Throws<BackfillException>(() => WarehouseService.Open(WarehouseConnection.DuckDb(path)));

        ProductionCopy.AssertNamesTheMismatch(mismatch, ex);
        Assert.Equal(before, FileHash(path));
        Assert.False(File.Exists(path + ".wal"));
    }

    [Fact]
    public void Connect_to_a_DuckDB_production_copy_creates_only_the_tool_dataset_and_changes_no_production_table()
    {
        var path = PathOf("prod.duckdb");
        RunDuckDb(path, ProductionCopy.CreateSql().Append("CREATE SCHEMA nba_backfill").Append("CREATE TABLE nba_backfill.backfill_progress (id BIGINT)"));
        IReadOnlyDictionary<string, string> before;
        using (var w = DuckDbWarehouse.Open(path, readOnly: true)) before = Layout(w);

        using (var w = WarehouseService.Open(WarehouseConnection.DuckDb(path)))
        {
            var after = Layout(w);
            Assert.All(before, t => Assert.Equal(t.Value, after[t.Key]));
            var created = after.Keys.Except(before.Keys).ToList();
            Assert.NotEmpty(created);
            Assert.All(created, t => Assert.StartsWith(DatasetNames.Tool + ".", t));
            Assert.Equal(new Migrator().LatestVersion, Migrator.CurrentVersion(w));
        }
        Assert.Equal(WarehouseOrigin.Connected, WarehouseService.InspectDuckDb(path));
    }

    [Fact]
    public void A_custom_tool_dataset_holds_every_product_table_and_a_production_name_is_refused()
    {
        var path = PathOf("custom.duckdb");
        var connection = WarehouseConnection.DuckDb(path).WithToolDataset("ops_backfill");
        WarehouseService.CreateDuckDb(path, overwrite: false, toolDataset: connection.ToolDataset);
        using (var w = WarehouseService.Open(connection))
        {
            new BackfillLedger(w).GetRuns(null, null);
            Assert.Equal(new Migrator().LatestVersion, Migrator.CurrentVersion(w));
        }
        using (var raw = DuckDbWarehouse.Open(path, readOnly: true))
        {
            var tables = raw.ExistingTables();
            Assert.Contains("ops_backfill.backfill_runs", tables);
            Assert.Contains("ops_backfill.context_source_log", tables);
            Assert.DoesNotContain(tables, t => t.StartsWith("backfilltools", StringComparison.Ordinal));
        }
        Assert.Equal(WarehouseOrigin.Created, WarehouseService.InspectDuckDb(path, "ops_backfill"));
        foreach (var production in DatasetNames.Production)
            Assert.Equal("ToolDatasetIsProduction", Assert.Throws<BackfillException>(() => WarehouseConnection.DuckDb(path).WithToolDataset(production)).ErrorId);
        Assert.Equal("InvalidToolDataset", Assert.Throws<BackfillException>(() => WarehouseConnection.DuckDb(path).WithToolDataset("bad-name")).ErrorId);
    }

    [Fact]
    public void Migration_8_moves_an_older_versions_tables_out_of_nba_backfill_and_nba_processing_keeping_every_row_and_backfill_progress()
    {
        var path = PathOf("legacy.duckdb");
        WarehouseService.CreateDuckDb(path, overwrite: false);
        // Make it what a version before 8 left: the product's tables in nba_backfill / nba_processing, a UPCG backup
        // there too, and production's own nba_backfill.backfill_progress beside them.
        var moves = ToolDatasetMigration.Moves;
        var legacy = new List<string> { "CREATE SCHEMA IF NOT EXISTS nba_backfill", "CREATE SCHEMA IF NOT EXISTS nba_processing" };
        legacy.AddRange(moves.Select(m => $"CREATE TABLE {m.From.FullName} AS SELECT * FROM {m.To.FullName}"));
        legacy.AddRange(moves.Select(m => $"DROP TABLE {m.To.FullName}"));
        legacy.Add($"DELETE FROM nba_backfill.schema_version WHERE version >= {ToolDatasetMigration.Version}");
        legacy.Add("INSERT INTO nba_backfill.backfill_runs (run_id, status, started_at) VALUES ('old-run', 'Completed', TIMESTAMP '2024-01-01 00:00:00')");
        legacy.Add("INSERT INTO nba_backfill.backfill_waivers (game_id, reason, waived_at) VALUES ('0022200001', 'postponed', TIMESTAMP '2024-01-02 00:00:00')");
        legacy.Add("INSERT INTO nba_processing.context_source_log (processor_name, analysis_date, source) VALUES ('PCF', DATE '2023-01-05', 'UPCG')");
        legacy.Add("CREATE TABLE nba_backfill.upcg_backup_20240101_000000 AS SELECT * FROM nba_analytics.upcoming_player_game_context");
        legacy.Add("INSERT INTO nba_backfill.upcg_backup_20240101_000000 (player_lookup, game_id, game_date) VALUES ('p1', 'g1', DATE '2023-01-05')");
        legacy.Add("CREATE TABLE nba_backfill.backfill_progress (processor VARCHAR, note VARCHAR)");
        legacy.Add("INSERT INTO nba_backfill.backfill_progress VALUES ('production', 'not the product''s'), ('x', NULL)");
        RunDuckDb(path, legacy);

        var checksums = new Dictionary<string, string>();
        using (var w = DuckDbWarehouse.Open(path, readOnly: true))
        {
            Assert.Equal(new Migrator().Migrations.Max(m => m.Version < ToolDatasetMigration.Version ? m.Version : 0), Migrator.CurrentVersion(w));
            foreach (var (from, to) in moves) checksums[to.FullName] = TableChecksum.Of(w, from, Array.Empty<string>());
            checksums["backup"] = TableChecksum.Of(w, WarehouseSchema.UpcomingPlayerGameContext.WithName("nba_backfill", "upcg_backup_20240101_000000"), Array.Empty<string>());
            checksums["progress"] = Checksum(w, "nba_backfill.backfill_progress");
        }

        using (var w = WarehouseService.Open(WarehouseConnection.DuckDb(path)))
        {
            var tables = w.ExistingTables();
            foreach (var (from, to) in moves.Where(m => m.To != WarehouseSchema.SchemaVersion && m.To != WarehouseSchema.WarehouseOrigin))
            {
                Assert.DoesNotContain(from.FullName, tables);
                Assert.Equal(checksums[to.FullName], TableChecksum.Of(w, to, Array.Empty<string>()));
            }
            Assert.Equal(checksums["backup"], TableChecksum.Of(w, WarehouseSchema.UpcomingPlayerGameContext.WithName(DatasetNames.Tool, "upcg_backup_20240101_000000"), Array.Empty<string>()));
            Assert.DoesNotContain("nba_backfill.upcg_backup_20240101_000000", tables);
            Assert.Equal(checksums["progress"], Checksum(w, "nba_backfill.backfill_progress"));
            Assert.Equal(new Migrator().LatestVersion, Migrator.CurrentVersion(w));
            // Versions 1..7 came across; 8 was recorded once, in the tool dataset.
            Assert.Equal(new Migrator().Migrations.Count, w.ScalarInt64($"SELECT COUNT(*) FROM {WarehouseSchema.SchemaVersion.Placeholder}"));
            Assert.Equal(1, w.ScalarInt64($"SELECT COUNT(*) FROM {WarehouseSchema.BackfillLock.Placeholder}"));
            Assert.Equal(1, w.ScalarInt64($"SELECT COUNT(*) FROM {WarehouseSchema.BackfillRuns.Placeholder} WHERE run_id = 'old-run'"));

            // Safe to re-run: nothing is duplicated, nothing lost.
            ToolDatasetMigration.Apply(w);
            Assert.Equal(checksums[WarehouseSchema.BackfillRuns.FullName], TableChecksum.Of(w, WarehouseSchema.BackfillRuns, Array.Empty<string>()));
        }
        Assert.Equal(WarehouseOrigin.Created, WarehouseService.InspectDuckDb(path));
    }

    [Fact]
    public void Migration_8_interrupted_after_copying_is_finished_by_a_rerun_without_duplicates()
    {
        using var w = DuckDbWarehouse.Open(":memory:");
        new Migrator().Upgrade(w);
        w.Execute("INSERT INTO {{backfilltools.backfill_waivers}} (game_id, reason, waived_at) VALUES ('g1', 'r', TIMESTAMP '2024-01-01 00:00:00')");
        // Copied already, old table not yet dropped (the BigQuery path commits copies before dropping).
        w.Execute("CREATE SCHEMA nba_backfill");
        w.Execute("CREATE TABLE nba_backfill.backfill_waivers AS SELECT * FROM backfilltools.backfill_waivers");
        w.Execute("INSERT INTO nba_backfill.backfill_waivers (game_id, reason, waived_at) VALUES ('g2', 'only in the old table', TIMESTAMP '2024-01-02 00:00:00')");

        ToolDatasetMigration.Apply(w);

        Assert.Equal(2, w.ScalarInt64("SELECT COUNT(*) FROM {{backfilltools.backfill_waivers}}"));
        Assert.DoesNotContain("nba_backfill.backfill_waivers", w.ExistingTables());
    }

    /// <summary>A row of <paramref name="table"/>: its NOT NULL columns filled, <paramref name="set"/> applied, the rest NULL.</summary>
    private static object?[] RowOf(TableDef table, params (string Column, object? Value)[] set) =>
        table.Columns.Select(c => set.FirstOrDefault(x => x.Column == c.Name) is { Column: not null } v ? v.Value : c.Nullable ? null : c.FullType.Kind switch
        {
            ColumnType.Int64 => (object)1L,
            ColumnType.Date => new DateOnly(2023, 1, 1),
            ColumnType.Timestamp => new DateTime(2023, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            _ => "x",
        }).ToArray();

    private static readonly DateOnly Held = new(2023, 1, 5), Requarantined = new(2023, 1, 6);

    /// <summary>What a version before 8 left: PCF rows quarantined on two dates, a run's scratch table; the newer quarantine already holds the second date.</summary>
    private static void LeaveLegacyWorkDatasets(IWarehouse w)
    {
        var (from, to) = LegacyWorkDatasetMigration.Quarantines.Single(q => q.To.Name == PrecomputeTables.Pcf.Name);
        w.EnsureTable(from);
        w.EnsureTable(to);
        w.BulkAppend(from, new[]
        {
            RowOf(from, ("player_lookup", "p1"), ("game_date", Held), ("game_id", "g1")),
            RowOf(from, ("player_lookup", "p2"), ("game_date", Held), ("game_id", "g1")),
            RowOf(from, ("player_lookup", "old"), ("game_date", Requarantined), ("game_id", "g2")),
        });
        w.BulkAppend(to, new[] { RowOf(to, ("player_lookup", "newer"), ("game_date", Requarantined), ("game_id", "g2")) });
        w.EnsureTable(PrecomputeTables.Pcf.WithName(LegacyWorkDatasetMigration.LegacyStaging, "pcf_rows_0a1b2c3d"));
    }

    private static void AssertQuarantineMoved(IWarehouse w, bool legacyTablesGone = true)
    {
        var rows = w.Query($"SELECT game_date, player_lookup FROM {{{{{DatasetNames.Quarantine}.{PrecomputeTables.Pcf.Name}}}}} ORDER BY game_date, player_lookup")
            .AsRows().Select(r => (r.GetDate("game_date"), r.GetString("player_lookup"))).ToList();
        // The legacy date comes across whole; the date quarantined again since keeps the newer rows only.
        Assert.Equal(new[] { (Held, "p1"), (Held, "p2"), (Requarantined, "newer") }, rows);
        if (!legacyTablesGone) return;
        var tables = w.ExistingTables();
        Assert.DoesNotContain(tables, t => t.StartsWith(LegacyWorkDatasetMigration.LegacyQuarantine + ".", StringComparison.OrdinalIgnoreCase)
                                           || t.StartsWith(LegacyWorkDatasetMigration.LegacyStaging + ".", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Migration_10_moves_legacy_quarantined_rows_and_drops_the_emptied_nba_staging_and_nba_quarantine_on_DuckDB()
    {
        using var w = DuckDbWarehouse.Open(":memory:");
        new Migrator().Upgrade(w);
        w.EnsureTable(PrecomputeTables.Pcf);
        w.BulkAppend(PrecomputeTables.Pcf, new[] { RowOf(PrecomputeTables.Pcf, ("player_lookup", "production"), ("game_date", Held), ("game_id", "g1")) });
        LeaveLegacyWorkDatasets(w);
        w.Execute($"DELETE FROM {WarehouseSchema.SchemaVersion.Placeholder} WHERE version >= {LegacyWorkDatasetMigration.Version}");

        var applied = new Migrator().Upgrade(w);

        Assert.Contains(applied, m => m.Version == LegacyWorkDatasetMigration.Version);
        AssertQuarantineMoved(w);
        string[] Schemas() => w.Query("SELECT schema_name FROM information_schema.schemata WHERE catalog_name = current_database()")
            .AsRows().Select(r => r.GetString("schema_name")!).ToArray();
        Assert.DoesNotContain(LegacyWorkDatasetMigration.LegacyQuarantine, Schemas());
        Assert.DoesNotContain(LegacyWorkDatasetMigration.LegacyStaging, Schemas());
        // The production table is the warehouse's: untouched.
        Assert.Equal("production", w.Query($"SELECT player_lookup FROM {PrecomputeTables.Pcf.Placeholder}").Rows.Single()[0]);

        // Re-run safe; a table the product did not make keeps its legacy dataset.
        w.Execute("CREATE SCHEMA nba_staging");
        w.Execute("CREATE TABLE nba_staging.someone_elses (note VARCHAR)");
        LegacyWorkDatasetMigration.Apply(w);
        AssertQuarantineMoved(w, legacyTablesGone: false);
        Assert.Contains("nba_staging.someone_elses", w.ExistingTables());
    }

    [Fact]
    public void Migration_10_moves_legacy_quarantined_rows_and_drops_the_emptied_nba_staging_and_nba_quarantine_on_BigQuery()
    {
        using var fake = new FakeBigQuery();
        using (var setup = BigQueryTestHost.Open(fake))
        {
            foreach (var t in WarehouseSchema.ProductionTables) setup.EnsureTable(t);
            LeaveLegacyWorkDatasets(setup);
        }
        fake.Requests.Clear();

        using (var w = WarehouseService.Connected(BigQueryTestHost.Open(fake)))
        {
            Assert.Equal(new Migrator().LatestVersion, Migrator.CurrentVersion(w));
            AssertQuarantineMoved(w);
        }
        // Both legacy datasets deleted, only when empty (never with contents), and nothing else.
        var deleted = fake.Calls("datasets.delete").Select(r => r.PathAndQuery).ToList();
        Assert.Equal(2, deleted.Count);
        Assert.All(deleted, d => Assert.EndsWith("?deleteContents=false", d));
        Assert.Contains(deleted, d => d.Contains($"/datasets/{LegacyWorkDatasetMigration.LegacyQuarantine}?", StringComparison.Ordinal));
        Assert.Contains(deleted, d => d.Contains($"/datasets/{LegacyWorkDatasetMigration.LegacyStaging}?", StringComparison.Ordinal));
        Assert.All(fake.Calls("tables.delete"), r => Assert.Matches($"/datasets/({LegacyWorkDatasetMigration.LegacyQuarantine}|{LegacyWorkDatasetMigration.LegacyStaging}|{DatasetNames.Tool})/", r.PathAndQuery));
        using var after = BigQueryTestHost.Open(fake);
        Assert.Null(after.DatasetLabels(LegacyWorkDatasetMigration.LegacyQuarantine));
        Assert.Null(after.DatasetLabels(LegacyWorkDatasetMigration.LegacyStaging));
    }

    private static string Checksum(IWarehouse w, string table) =>
        string.Join("|", w.Query($"SELECT * FROM {table} ORDER BY ALL").Rows.Select(r => string.Join(",", r.Select(v => v ?? "NULL"))));

    [Theory]
    [InlineData("table")]
    [InlineData("column")]
    [InlineData("type")]
    public void Connect_to_a_BigQuery_production_copy_that_lacks_what_the_product_reads_fails_with_SchemaMismatch_and_writes_nothing(string mismatch)
    {
        using var fake = new FakeBigQuery();
        using (var setup = BigQueryTestHost.Open(fake))
            foreach (var t in WarehouseSchema.ProductionTables.Select(t => ProductionCopy.Alter(mismatch, t)).OfType<TableDef>()) setup.EnsureTable(t);
        fake.Requests.Clear();

        var ex = Assert.Throws<BackfillException>(() => WarehouseService.Connected(BigQueryTestHost.Open(fake)));

        ProductionCopy.AssertNamesTheMismatch(mismatch, ex);
        Assert.NotEmpty(fake.Requests);
        Assert.All(fake.Requests, r => Assert.Equal("GET", r.Method)); // tables.get only: no job, no dataset, no table
    }

    [Fact]
    public void Connect_to_BigQuery_production_creates_only_the_tool_dataset()
    {
        using var fake = new FakeBigQuery();
        using (var setup = BigQueryTestHost.Open(fake))
            foreach (var t in WarehouseSchema.ProductionTables) setup.EnsureTable(t);
        fake.Requests.Clear();

        using (var w = WarehouseService.Connected(BigQueryTestHost.Open(fake)))
            Assert.Equal(new Migrator().LatestVersion, Migrator.CurrentVersion(w));

        // Tables are created (and the version-1 lock table recreated by migration 2) in the tool dataset only.
        var tableCalls = fake.Calls("tables.insert").Concat(fake.Calls("tables.delete")).ToList();
        Assert.NotEmpty(tableCalls);
        Assert.All(tableCalls, r => Assert.StartsWith($"/bigquery/v2/projects/{FakeBigQuery.Project}/datasets/{DatasetNames.Tool}/tables", r.PathAndQuery));
        Assert.All(fake.Calls("datasets.insert"), r => Assert.Contains($"\"datasetId\":\"{DatasetNames.Tool}\"", r.Body!.Replace(" ", "")));
        Assert.Empty(fake.Calls("datasets.delete"));
    }
}
