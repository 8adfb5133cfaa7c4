using System.Text.Json;

namespace BackfillTools.Core.Backfill;

/// <summary>Who holds a warehouse's backfill lock.</summary>
public sealed record LockHolder(string RunId, string Host, int Pid, DateTime StartedAt);

/// <summary>A held backfill lock; disposing releases it.</summary>
public interface IBackfillLock : IDisposable
{
    /// <summary>The holder of a lock whose process had died; it was taken over.</summary>
    LockHolder? StaleHolder { get; }
}

/// <summary>
/// One backfill per warehouse. For a DuckDB file the lock is an OS file lock on a sidecar file: the kernel releases it
/// when the holder dies, so a lock left by a killed process is recognised as stale by simply being acquirable. The
/// holder's identity sits in a second sidecar so a refused caller can name it (the locked file itself cannot be read).
/// </summary>
public sealed class BackfillLock : IBackfillLock
{
    private readonly FileStream _stream;
    private readonly string _infoPath;

    private BackfillLock(FileStream stream, string infoPath, LockHolder? staleHolder)
    {
        _stream = stream;
        _infoPath = infoPath;
        StaleHolder = staleHolder;
    }

    /// <summary>The holder of a lock whose process had died; it was taken over.</summary>
    public LockHolder? StaleHolder { get; }

    public static BackfillLock Acquire(string warehousePath, LockHolder me)
    {
        var (lockPath, infoPath) = SidecarPaths(warehousePath);
        FileStream stream;
        try
        {
            // FileShare.None takes an exclusive advisory lock on Unix (flock) and a share lock on Windows.
            stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            var holder = ReadHolder(infoPath);
            var who = holder is null ? "another process"
                : $"run {holder.RunId} on host {holder.Host} (process {holder.Pid}), started {holder.StartedAt:yyyy-MM-dd HH:mm:ss} UTC";
            throw new BackfillException("BackfillInProgress", ErrorKind.ResourceBusy,
                $"Another backfill is running against this warehouse: {who}. Wait for it to finish (Get-BackfillRun shows it), then retry.",
                holder, ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new BackfillException("WarehouseNotWritable", ErrorKind.PermissionDenied,
                $"Cannot create the backfill lock beside '{warehousePath}': {ex.Message}", warehousePath, ex);
        }
        var stale = ReadHolder(infoPath);
        File.WriteAllText(infoPath, JsonSerializer.Serialize(me));
        return new BackfillLock(stream, infoPath, stale);
    }

    /// <summary>The lock file and the holder's identity file beside a warehouse file.</summary>
    public static (string LockPath, string InfoPath) SidecarPaths(string warehousePath) =>
        (warehousePath + ".backfill-lock", warehousePath + ".backfill-lock.json");

    private static LockHolder? ReadHolder(string infoPath)
    {
        try
        {
            return File.Exists(infoPath) ? JsonSerializer.Deserialize<LockHolder>(File.ReadAllText(infoPath)) : null;
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        try { File.Delete(_infoPath); } catch (IOException) { /* the next holder overwrites it */ }
        _stream.Dispose();
    }
}
