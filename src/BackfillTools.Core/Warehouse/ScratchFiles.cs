namespace BackfillTools.Core.Warehouse;

/// <summary>
/// The scratch database files of DuckDB sessions under a memory limit: one per session, beside the warehouse
/// (<c>warehouse.duckdb.backfilltools-scratch-PID-ID</c>), deleted when the session closes. A killed process leaves
/// its file behind; the next read-write session deletes those of other processes. It may: DuckDB's file lock, which it
/// holds by then, means no other process has a session on the warehouse.
/// </summary>
public static class ScratchFiles
{
    private const string Marker = ".backfilltools-scratch-";

    /// <summary>A fresh scratch path for this process beside <paramref name="warehousePath"/>.</summary>
    public static string NewPath(string warehousePath) => $"{warehousePath}{Marker}{Environment.ProcessId}-{Guid.NewGuid():N}";

    /// <summary>Delete the scratch files other processes left beside <paramref name="warehousePath"/>. Call only while holding its write lock.</summary>
    public static void DeleteLeftovers(string warehousePath)
    {
        foreach (var stale in Leftovers(warehousePath).ToList()) Delete(stale);
    }

    /// <summary>The scratch files beside <paramref name="warehousePath"/> of other processes than this one.</summary>
    private static IEnumerable<string> Leftovers(string warehousePath)
    {
        var dir = Path.GetDirectoryName(warehousePath)!;
        if (!Directory.Exists(dir)) yield break;
        var prefix = Path.GetFileName(warehousePath) + Marker;
        foreach (var file in Directory.EnumerateFiles(dir, prefix + "*"))
        {
            var rest = Path.GetFileName(file)[prefix.Length..];
            var dash = rest.IndexOf('-');
            // Only a name this class made: PID-ID with a 32-digit hex ID and nothing after it but a companion's suffix.
            if (dash <= 0 || !int.TryParse(rest[..dash], out var pid)) continue;
            var id = rest[(dash + 1)..];
            if (id.EndsWith(DuckDbFiles.WriteAheadLogSuffix, StringComparison.Ordinal)) continue; // deleted with its database
            if (id.Length != 32 || !id.All(Uri.IsHexDigit)) continue;
            if (pid != Environment.ProcessId) yield return file;
        }
    }

    /// <summary>Delete a scratch database and its write-ahead log; best effort (a file still open elsewhere stays).</summary>
    public static void Delete(string scratchPath)
    {
        foreach (var file in new[] { scratchPath, DuckDbFiles.WriteAheadLog(scratchPath) })
        {
            try { File.Delete(file); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { /* left for the next session's clean-up */ }
        }
    }
}
