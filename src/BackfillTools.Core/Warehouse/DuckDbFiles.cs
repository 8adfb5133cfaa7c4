namespace BackfillTools.Core.Warehouse;

/// <summary>The files that make up a DuckDB warehouse beside the database itself.</summary>
public static class DuckDbFiles
{
    /// <summary>The backfill lock file and its holder-info file, next to the warehouse.</summary>
    public static (string LockPath, string InfoPath) LockSidecars(string warehousePath) =>
        (warehousePath + ".backfill-lock", warehousePath + ".backfill-lock.json");

    /// <summary>Every file of a warehouse: database, write-ahead log, lock sidecars.</summary>
    public static string[] All(string warehousePath)
    {
        var (lockPath, infoPath) = LockSidecars(warehousePath);
        return new[] { warehousePath, warehousePath + ".wal", lockPath, infoPath };
    }
}
