using BackfillTools.Core.Warehouse;

namespace BackfillTools.Core.Schema;

public sealed record Migration(int Version, string Description, Action<IWarehouse> Apply);

/// <summary>
/// Versioned schema: a warehouse records the migrations applied to it. Opening an older warehouse applies the missing
/// ones (each in order, recorded as it lands); opening a newer one fails, because this tool would misread it.
/// </summary>
public sealed class Migrator
{
    public Migrator(IReadOnlyList<Migration>? migrations = null) => Migrations = migrations ?? Default;

    public IReadOnlyList<Migration> Migrations { get; }
    public int LatestVersion => Migrations.Max(m => m.Version);

    public static IReadOnlyList<Migration> Default { get; } = new[]
    {
        // Only the product's tables: a new warehouse gets the production tables from Upgrade, an existing one has them.
        new Migration(1, "Initial schema: the product's own tables (ledger, lock, schema version, origin, job costs, context-source log)",
            w => { foreach (var t in WarehouseSchema.ProductTables) w.EnsureTable(t); }),
        new Migration(2, "Backfill lock as one always-present row, taken by a conditional UPDATE (the BigQuery backfill lock)",
            w =>
            {
                // The version-1 table was never written (it declared run_id NOT NULL); recreate it with the seeded row.
                w.DropTable(WarehouseSchema.BackfillLock.Dataset, WarehouseSchema.BackfillLock.Name);
                w.EnsureTable(WarehouseSchema.BackfillLock);
                w.Execute(BackfillLockTable.SeedSql);
            }),
        new Migration(3, "Backfill lock row: a random per-run token (fencing every publish), the process start time and the pid namespace",
            w =>
            {
                // Columns are added, not the table recreated: a lock held by a running older version stays held.
                foreach (var sql in BackfillLockTable.AddHolderColumnsSql) w.Execute(sql);
            }),
        new Migration(4, "Backfill waivers: games whose Phase 3 rows can never be filled, named with a reason (Add-BackfillWaiver)",
            w => w.EnsureTable(WarehouseSchema.BackfillWaivers)),
        new Migration(5, "Warehouse origin: whether BackfillTools created this warehouse or connected to an existing one (what Remove may delete)",
            w => w.EnsureTable(WarehouseSchema.WarehouseOrigin)),
        new Migration(6, "Cost guard: nba_backfill.backfill_jobs, bytes billed and slot time per BigQuery job of a run",
            w => w.EnsureTable(WarehouseSchema.BackfillJobs)),
        new Migration(7, "Publish lineage (run × table × date) and per-entity context sources: the run and context facts production's output tables have no column for",
            w =>
            {
                // Only the product's own tables are created; production's output tables are never altered.
                w.EnsureTable(WarehouseSchema.PublishLineage);
                w.EnsureTable(WarehouseSchema.EntityContextSources);
            }),
        new Migration(ToolDatasetMigration.Version, "The product's own tables move out of the production datasets (nba_backfill, nba_processing) into the tool dataset",
            ToolDatasetMigration.Apply),
        new Migration(9, "Publish archive (the state each publish replaced, per production table) and undo log: Undo-BackfillRun",
            w =>
            {
                // Tool dataset only: the archives copy the production tables' columns, the production tables stay as they are.
                foreach (var t in PublishArchiveTables.All) w.EnsureTable(t);
                w.EnsureTable(WarehouseSchema.UndoLog);
            }),
        new Migration(LegacyWorkDatasetMigration.Version, "Quarantined rows move from nba_quarantine to the product's quarantine dataset; the emptied legacy nba_staging and nba_quarantine are dropped",
            LegacyWorkDatasetMigration.Apply),
        new Migration(11, "Publish archive: the context logs (context_source_log, entity_context_sources) and the columns later production migrations add, which an undo puts back",
            w =>
            {
                // Tool dataset only: new archive tables, and the archives of version 9 gain the migration columns.
                foreach (var t in PublishArchiveTables.ContextLogs) w.EnsureTable(t);
                foreach (var sql in PublishArchiveTables.ArchivedTables.SelectMany(PublishArchiveTables.AddMigrationColumnsSql)) w.Execute(sql);
            }),
        // Earlier inserted keys stay in the wide archives, where an undo still reads them; retention ages them out.
        new Migration(12, "Publish archive: the keys a publish inserts go to one narrow table (archive_inserted_keys) instead of a row of the table's wide archive each",
            w => w.EnsureTable(PublishArchiveTables.InsertedKeys)),
    };

    /// <summary>The version recorded in the warehouse (where versions before 8 recorded it too); 0 when it has no schema yet.</summary>
    public static int CurrentVersion(IWarehouse warehouse)
    {
        var existing = warehouse.ExistingTables();
        return new[] { WarehouseSchema.SchemaVersion, ToolDatasetMigration.LegacySchemaVersion }.Where(t => existing.Contains(t.FullName))
            .Select(t => (int)warehouse.ScalarInt64(CurrentVersionSqlOf(t))).DefaultIfEmpty(0).Max();
    }

    /// <summary>Bring the warehouse to the latest version; returns the migrations applied.</summary>
    public IReadOnlyList<Migration> Upgrade(IWarehouse warehouse)
    {
        var current = CurrentVersion(warehouse);
        if (current > LatestVersion)
            throw new BackfillException(ErrorIds.WarehouseSchemaTooNew, ErrorKind.InvalidData,
                $"The warehouse has schema version {current}, newer than this BackfillTools understands ({LatestVersion}). Update the BackfillTools module.",
                warehouse.Description);
        // A warehouse without any table is a new one (New-BackfillWarehouse, a test's warehouse): it gets the production
        // tables as declared. An existing warehouse never does; Connect checks its tables instead (SchemaCompatibility).
        if (current == 0 && warehouse.ExistingTables().Count == 0)
            foreach (var t in WarehouseSchema.ProductionTables) warehouse.EnsureTable(t);
        warehouse.EnsureTable(WarehouseSchema.SchemaVersion);
        var applied = new List<Migration>();
        foreach (var m in Migrations.Where(m => m.Version > current).OrderBy(m => m.Version))
        {
            m.Apply(warehouse);
            warehouse.Execute(RecordMigrationSql,
                WarehouseExtensions.Params(("v", (long)m.Version), ("t", DateTime.UtcNow), ("tv", ToolInfo.Version), ("d", m.Description)));
            applied.Add(m);
        }
        return applied;
    }

    internal static string CurrentVersionSqlOf(TableDef schemaVersion) => $"SELECT COALESCE(MAX(version), 0) FROM {schemaVersion.Placeholder}";

    internal static string RecordMigrationSql =>
        $"INSERT INTO {WarehouseSchema.SchemaVersion.Placeholder} (version, applied_at, tool_version, description) VALUES (@v, @t, @tv, @d)";

    [StatementCatalog]
    internal static IEnumerable<RegisteredStatement> Catalog()
    {
        var addColumns = PrecomputeTables.All.SelectMany(PublishArchiveTables.AddMigrationColumnsSql).ToList();
        for (var i = 0; i < addColumns.Count; i++) yield return new($"Migrator.AddArchiveMigrationColumns#{i + 1}", addColumns[i]);
        yield return new("Migrator.CurrentVersion", CurrentVersionSqlOf(WarehouseSchema.SchemaVersion));
        yield return new("Migrator.CurrentVersion[legacy]", CurrentVersionSqlOf(ToolDatasetMigration.LegacySchemaVersion));
        yield return new("Migrator.RecordMigration", RecordMigrationSql,
            WarehouseExtensions.Params(("v", 1L), ("t", new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc)), ("tv", "0.0.0"), ("d", "sample")));
    }
}
