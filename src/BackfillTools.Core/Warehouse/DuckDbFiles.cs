namespace BackfillTools.Core.Warehouse;

/// <summary>The files that make up a DuckDB warehouse beside the database itself.</summary>
public static class DuckDbFiles
{
    /// <summary>The backfill lock file and its holder-info file, next to the warehouse.</summary>
    public static (string LockPath, string InfoPath) LockSidecars(string warehousePath) =>
        (warehousePath + ".backfill-lock", warehousePath + ".backfill-lock.json");

    /// <summary>DuckDB's write-ahead log of a database file: changes committed but not yet checkpointed into it.</summary>
    public static string WriteAheadLog(string databasePath) => databasePath + WriteAheadLogSuffix;

    public const string WriteAheadLogSuffix = ".wal";

    /// <summary>Every file of a warehouse: database, write-ahead log, lock sidecars.</summary>
    public static string[] All(string warehousePath)
    {
        var (lockPath, infoPath) = LockSidecars(warehousePath);
        return new[] { warehousePath, WriteAheadLog(warehousePath), lockPath, infoPath };
    }

    /// <summary>Whether a file's first bytes are DuckDB's: the magic "DUCK" at byte offset 8.</summary>
    public static bool StartsLikeDuckDb(ReadOnlySpan<byte> head) =>
        head.Length >= 12 && head[8] == (byte)'D' && head[9] == (byte)'U' && head[10] == (byte)'C' && head[11] == (byte)'K';
}
