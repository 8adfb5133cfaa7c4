using BackfillTools.Core;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using Xunit;
using static BackfillTools.Core.Warehouse.Col;

namespace BackfillTools.Tests.Warehouse;

public class MigratorTests
{
    private static readonly TableDef Extra = new("t_mig", "extra", new[] { Str("k", false) }, new[] { "k" });

    [Fact]
    public void A_new_warehouse_gets_every_declared_table_and_the_latest_version()
    {
        using var w = DuckDbWarehouse.Open(":memory:");
        var applied = new Migrator().Upgrade(w);
        Assert.NotEmpty(applied);
        var existing = w.ExistingTables();
        foreach (var t in WarehouseSchema.All) Assert.Contains(t.FullName, existing);
        Assert.Equal(new Migrator().LatestVersion, Migrator.CurrentVersion(w));
    }

    [Fact]
    public void Version_3_adds_the_lock_holder_columns_without_freeing_a_lock_held_under_version_2()
    {
        using var w = DuckDbWarehouse.Open(":memory:");
        new Migrator(Migrator.Default.Where(m => m.Version <= 2).ToList()).Upgrade(w);
        var lockTable = WarehouseSchema.BackfillLock.Placeholder;
        // The version-2 layout (this build declares the new columns, so take them away), held by an older tool's run.
        foreach (var column in new[] { "run_token", "process_started_at", "pid_namespace" })
            w.Execute($"ALTER TABLE {lockTable} DROP COLUMN {column}");
        w.Execute($"UPDATE {lockTable} SET run_id = 'run-old', host = 'h', pid = 7, heartbeat_at = TIMESTAMP '2024-01-01 00:00:00'");

        Assert.Contains(new Migrator().Upgrade(w), m => m.Version == 3);
        var row = w.Query($"SELECT run_id, run_token, process_started_at, pid_namespace FROM {lockTable}").AsRows().Single();
        Assert.Equal("run-old", row.GetString("run_id"));
        Assert.Null(row.GetString("run_token"));

        // Once its heartbeat is older than the lease, the tokenless holder is taken over like any other.
        using var taken = Core.Backfill.WarehouseLock.Acquire(w, Core.Backfill.LockHolder.Current("run-new", DateTime.UtcNow));
        Assert.Equal("run-old", taken.StaleHolder?.RunId);
    }

    [Fact]
    public void Upgrading_twice_applies_nothing_the_second_time()
    {
        using var w = DuckDbWarehouse.Open(":memory:");
        new Migrator().Upgrade(w);
        Assert.Empty(new Migrator().Upgrade(w));
    }

    [Fact]
    public void An_older_warehouse_gets_only_the_missing_migrations_in_order()
    {
        using var w = DuckDbWarehouse.Open(":memory:");
        var v1 = new Migrator(new[] { Migrator.Default[0] });
        v1.Upgrade(w);
        var seen = new List<int>();
        var v3 = new Migrator(Migrator.Default.Concat(new[]
        {
            new Migration(Migrator.Default.Max(m => m.Version) + 1, "extra table", x => { seen.Add(1); x.EnsureTable(Extra); }),
            new Migration(Migrator.Default.Max(m => m.Version) + 2, "extra row", x => { seen.Add(2); x.Execute($"INSERT INTO {Extra.Placeholder} VALUES ('a')"); }),
        }).ToList());
        var applied = v3.Upgrade(w);
        Assert.Equal(new[] { 1, 2 }, seen);
        Assert.Equal(v3.LatestVersion, Migrator.CurrentVersion(w));
        Assert.Equal(1, w.ScalarInt64($"SELECT COUNT(*) FROM {Extra.Placeholder}"));
        Assert.True(applied.Count >= 2);
    }

    [Fact]
    public void A_newer_warehouse_is_refused_with_WarehouseSchemaTooNew()
    {
        using var w = DuckDbWarehouse.Open(":memory:");
        new Migrator().Upgrade(w);
        w.Execute($"INSERT INTO {WarehouseSchema.SchemaVersion.Placeholder} VALUES (999, now(), '9', 'future')");
        var ex = Assert.Throws<BackfillException>(() => new Migrator().Upgrade(w));
        Assert.Equal("WarehouseSchemaTooNew", ex.ErrorId);
    }

    [Fact]
    public void Declared_tables_have_unique_names_and_keys_that_are_columns()
    {
        var names = WarehouseSchema.All.Select(t => t.FullName).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        foreach (var t in WarehouseSchema.All)
        {
            foreach (var k in t.PrimaryKey) Assert.NotNull(t.Column(k));
            if (t.PartitionColumn is { } p) Assert.Equal(ColumnType.Date, t.Column(p).Type);
        }
    }
}
