using System.Buffers.Binary;
using System.Collections.Concurrent;

namespace BackfillTools.Core.Schema;

/// <summary>
/// The DuckDB warehouses this process has checked (production tables, product schema version), each with the state
/// its last session left the file in. Opening a file still in that state skips the check: a daily run's
/// Connect-BackfillWarehouse and Invoke-Backfill would otherwise check the same file twice (0.19 s,
/// docs/performance.md). The state is DuckDB's checkpoint iteration (the newer of the file's two database headers),
/// the file's length and write time: any session that changes the file, in any process, checkpoints it on close and
/// advances the iteration; a write-ahead log beside the file means changes not yet checkpointed, so the file is checked.
/// </summary>
internal static class CheckedDuckDbFiles
{
    private sealed record FileState(ulong Iteration, long Length, DateTime WrittenUtc);

    private static readonly ConcurrentDictionary<(string Path, string ToolDataset), FileState> Checked = new();

    private static readonly ConcurrentDictionary<(string Path, string ToolDataset), int> Skips = new();

    /// <summary>How many opens of <paramref name="path"/> skipped the check (for tests).</summary>
    internal static int SkippedChecks(string path, string? toolDataset = null) => Skips.GetValueOrDefault(Key(path, toolDataset));

    /// <summary>Whether <paramref name="path"/> is, as far as DuckDB's headers and the file system tell, the file as this process left it after checking it.</summary>
    public static bool IsUnchangedSinceChecked(string path, string? toolDataset)
    {
        var key = Key(path, toolDataset);
        var unchanged = State(path) is { } now && Checked.TryGetValue(key, out var seen) && seen == now;
        if (unchanged) Skips.AddOrUpdate(key, 1, (_, n) => n + 1);
        return unchanged;
    }

    /// <summary>After a checked session closed the file: remember the state it left (or forget the file when unreadable).</summary>
    public static void Remember(string path, string? toolDataset)
    {
        if (State(path) is { } now) Checked[Key(path, toolDataset)] = now;
        else Checked.TryRemove(Key(path, toolDataset), out _);
    }

    private static (string, string) Key(string path, string? toolDataset) => (Path.GetFullPath(path), toolDataset ?? DatasetNames.Tool);

    /// <summary>
    /// DuckDB's file layout: a main header block with the magic "DUCK" at byte 8, then two database headers at 4096 and
    /// 8192, each a checksum followed by the checkpoint iteration (little-endian). Null when that is not what the file holds.
    /// </summary>
    private static FileState? State(string path)
    {
        try
        {
            if (File.Exists(DuckDbFiles.WriteAheadLog(path))) return null;
            var info = new FileInfo(path);
            var head = new byte[12288];
            using (var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
                if (fs.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) < head.Length) return null;
            if (!DuckDbFiles.StartsLikeDuckDb(head)) return null;
            var iteration = Math.Max(BinaryPrimitives.ReadUInt64LittleEndian(head.AsSpan(4096 + 8)), BinaryPrimitives.ReadUInt64LittleEndian(head.AsSpan(8192 + 8)));
            return new FileState(iteration, info.Length, info.LastWriteTimeUtc);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
