namespace BackfillTools.Core.Schema;

/// <summary>
/// The lock table's own statements (nba_backfill.backfill_lock): the seeded row and the holder columns of schema
/// version 3. Taking and releasing the row is Backfill's WarehouseLock.
/// </summary>
public static class BackfillLockTable
{
    /// <summary>The name of the one always-present lock row.</summary>
    public const string LockName = "backfill";

    private static string Table => WarehouseSchema.BackfillLock.Placeholder;

    internal static string SeedSql => $"INSERT INTO {Table} (lock_name) VALUES ('{LockName}')";

    /// <summary>Schema version 3: the columns that identify a holder beyond host and pid (safe on a row that is held).</summary>
    internal static IReadOnlyList<string> AddHolderColumnsSql { get; } = new[]
    {
        $"ALTER TABLE {Table} ADD COLUMN IF NOT EXISTS run_token STRING",
        $"ALTER TABLE {Table} ADD COLUMN IF NOT EXISTS process_started_at TIMESTAMP",
        $"ALTER TABLE {Table} ADD COLUMN IF NOT EXISTS pid_namespace STRING",
    };

    [StatementCatalog]
    internal static IEnumerable<RegisteredStatement> Catalog()
    {
        yield return new("WarehouseLock.Seed", SeedSql);
        for (var i = 0; i < AddHolderColumnsSql.Count; i++) yield return new($"WarehouseLock.AddHolderColumns[{i}]", AddHolderColumnsSql[i]);
    }
}
