using BackfillTools.Core.Warehouse;

namespace BackfillTools.Core.Schema;

/// <summary>
/// Schema version 8: the product's own tables leave the production datasets for the tool dataset. Versions before it
/// kept the ledger, lock, waivers, schema version, origin, job costs and UPCG backups in <c>nba_backfill</c> (where
/// production has <c>backfill_progress</c>, which is never touched) and the context-source log in
/// <c>nba_processing</c>. Each table's rows are copied into its declared table (rows whose key is already there are
/// kept as they are), then the old table is dropped; safe to re-run at any point, nothing is lost. On DuckDB copies
/// and drops are one transaction; BigQuery allows no DDL inside a transaction, so there the copies commit together
/// and each old table is dropped after.
/// </summary>
public static class ToolDatasetMigration
{
    public const int Version = 8;
    public const string LegacyLedgerDataset = "nba_backfill";
    public const string LegacyContextDataset = "nba_processing";

    /// <summary>Where versions before 8 kept the product's data (and their staging and quarantine datasets).</summary>
    public static IReadOnlyList<string> LegacyDatasets => DatasetNames.Legacy;

    /// <summary>The schema-version table of versions before 8, read to know an older warehouse's version.</summary>
    public static TableDef LegacySchemaVersion => Legacy(WarehouseSchema.SchemaVersion);

    /// <summary>Each moved table: where versions before 8 had it, and its declaration now.</summary>
    public static IReadOnlyList<(TableDef From, TableDef To)> Moves => new[]
    {
        WarehouseSchema.BackfillRuns, WarehouseSchema.BackfillPartitions, WarehouseSchema.BackfillJobs, WarehouseSchema.BackfillLock,
        WarehouseSchema.BackfillWaivers, WarehouseSchema.SchemaVersion, WarehouseSchema.WarehouseOrigin, WarehouseSchema.ContextSourceLog,
    }.Select(t => (Legacy(t), t)).ToList();

    private static TableDef Legacy(TableDef table) =>
        table.WithName(table == WarehouseSchema.ContextSourceLog ? LegacyContextDataset : LegacyLedgerDataset, table.Name, keepKey: true);

    /// <summary>Copy the rows of <paramref name="from"/> whose key <paramref name="to"/> lacks (the columns both have).</summary>
    public static string CopySql(TableDef from, TableDef to, IReadOnlyList<string> columns)
    {
        var list = string.Join(", ", columns);
        var key = string.Join(" AND ", to.PrimaryKey.Select(k => $"t.{k} = f.{k}"));
        return $"INSERT INTO {to.Placeholder} ({list}) SELECT {string.Join(", ", columns.Select(c => "f." + c))} FROM {from.Placeholder} AS f " +
               $"WHERE NOT EXISTS (SELECT 1 FROM {to.Placeholder} AS t WHERE {key})";
    }

    /// <summary>A UPCG backup re-created in the tool dataset with every column it has (re-runs keep an earlier copy).</summary>
    public static string CopyBackupSql(string name) =>
        $"CREATE TABLE IF NOT EXISTS {{{{{DatasetNames.Tool}.{name}}}}} AS SELECT * FROM {{{{{LegacyLedgerDataset}.{name}}}}}";

    public static string DropSql(string dataset, string name) => $"DROP TABLE {{{{{dataset}.{name}}}}}";

    public static void Apply(IWarehouse w)
    {
        var existing = w.ExistingTables();
        var moves = Moves.Where(m => existing.Contains(m.From.FullName)).ToList();
        var backups = existing.Where(t => t.StartsWith($"{LegacyLedgerDataset}.{WarehouseSchema.UpcgBackupPrefix}", StringComparison.OrdinalIgnoreCase))
            .Select(t => t[(LegacyLedgerDataset.Length + 1)..]).Order(StringComparer.Ordinal).ToList();
        if (moves.Count == 0 && backups.Count == 0) return;

        foreach (var (_, to) in moves) w.EnsureTable(to);
        var copies = moves.Select(m =>
        {
            var old = w.TableColumns(m.From.Dataset, m.From.Name)!.Select(c => c.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            return new SqlStatement(CopySql(m.From, m.To, m.To.ColumnNames.Where(old.Contains).ToList()));
        }).ToList();
        var drops = moves.Select(m => (m.From.Dataset, m.From.Name)).Concat(backups.Select(b => (LegacyLedgerDataset, b))).ToList();
        var backupCopies = backups.Select(b => new SqlStatement(CopyBackupSql(b))).ToList();

        if (w.Dialect is DuckDbDialect)
        {
            w.ExecuteInTransaction(copies.Concat(backupCopies).Concat(drops.Select(d => new SqlStatement(DropSql(d.Item1, d.Item2)))).ToList());
            return;
        }
        if (copies.Count > 0) w.ExecuteInTransaction(copies);
        foreach (var copy in backupCopies) w.Execute(copy.Sql);
        foreach (var (dataset, name) in drops) w.DropTable(dataset, name);
    }

    /// <summary>The statements above, for the GoogleSQL gate (its catalog declares the legacy tables: <see cref="Moves"/>).</summary>
    [StatementCatalog]
    internal static IEnumerable<RegisteredStatement> Catalog() =>
        Moves.Select(m => new RegisteredStatement($"ToolDatasetMigration.Copy[{m.To.Name}]", CopySql(m.From, m.To, m.To.ColumnNames.ToList())))
            .Append(new RegisteredStatement("ToolDatasetMigration.CopyBackup", CopyBackupSql("upcg_backup_20240101_000000").Replace(
                $"{{{{{LegacyLedgerDataset}.upcg_backup_20240101_000000}}}}", WarehouseSchema.UpcomingPlayerGameContext.Placeholder)));
}
