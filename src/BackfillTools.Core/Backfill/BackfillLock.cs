using System.Diagnostics;
using System.Text.Json;

namespace BackfillTools.Core.Backfill;

/// <summary>
/// Who holds a warehouse's backfill lock. <see cref="ProcessStartedAt"/> and <see cref="PidNamespace"/> make the pid
/// unambiguous: a reused pid has another start time, and two containers with the same host name have different pid
/// namespaces, so neither is mistaken for (or mistakes itself for) a live holder's process.
/// </summary>
public sealed record LockHolder(string RunId, string Host, int Pid, DateTime StartedAt, DateTime? ProcessStartedAt = null, string? PidNamespace = null)
{
    /// <summary>This process, holding (or asking for) the lock for <paramref name="runId"/>.</summary>
    public static LockHolder Current(string runId, DateTime startedAt) =>
        new(runId, ToolInfo.Host, Environment.ProcessId, startedAt, CurrentProcessStartedAt, CurrentPidNamespace);

    internal static DateTime? CurrentProcessStartedAt { get; } = ProcessStartTime(Environment.ProcessId);

    /// <summary>The kernel boot and pid namespace this process's pids belong to (Linux); null where there is no such thing.</summary>
    internal static string? CurrentPidNamespace { get; } = ReadPidNamespace();

    /// <summary>"run R on host H (process P), started …": how a refused caller is told who holds the lock.</summary>
    public string Describe() => $"run {RunId} on host {Host} (process {Pid}), started {StartedAt:yyyy-MM-dd HH:mm:ss} UTC";

    /// <summary>True when the holder ran in this pid space and no process with its pid and start time exists any more.</summary>
    public bool IsGoneFromThisHost()
    {
        if (!string.Equals(Host, ToolInfo.Host, StringComparison.OrdinalIgnoreCase) || PidNamespace != CurrentPidNamespace) return false;
        var started = ProcessStartTime(Pid);
        if (started is null) return true;
        // Start times are recorded to the tick but read back through /proc with clock-tick precision.
        if (ProcessStartedAt is { } recorded) return (started.Value - recorded).Duration() > TimeSpan.FromSeconds(1);
        // A holder written without its start time: a process started after the lock was taken is not the holder.
        return started.Value > StartedAt.AddSeconds(1);
    }

    private static DateTime? ProcessStartTime(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return p.HasExited ? null : p.StartTime.ToUniversalTime();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return null;
        }
    }

    private static string? ReadPidNamespace()
    {
        try
        {
            if (!OperatingSystem.IsLinux()) return null;
            var boot = File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
            var ns = new FileInfo("/proc/self/ns/pid").LinkTarget;
            return ns is null ? null : $"{boot}/{ns}";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

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
/// The run's token goes into the warehouse's lock row too (<see cref="WarehouseLock.ClaimUnderFileLock"/>), so that
/// publishing is fenced by the same statement as on BigQuery.
/// </summary>
public sealed class BackfillLock : IBackfillLock
{
    /// <summary>How long a refused caller waits for a new holder to write its identity.</summary>
    private static readonly TimeSpan HolderWriteWait = TimeSpan.FromSeconds(3);

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
        var (lockPath, infoPath) = DuckDbFiles.LockSidecars(warehousePath);
        FileStream stream;
        try
        {
            // FileShare.None takes an exclusive advisory lock on Unix (flock) and a share lock on Windows.
            stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            var holder = WaitForLiveHolder(infoPath);
            throw new BackfillException(ErrorIds.BackfillInProgress, ErrorKind.ResourceBusy,
                $"Another backfill is running against this warehouse: {holder?.Describe() ?? "another process"}. Wait for it to finish (Get-BackfillRun shows it), then retry.",
                holder, ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new BackfillException(ErrorIds.WarehouseNotWritable, ErrorKind.PermissionDenied,
                $"Cannot create the backfill lock beside '{warehousePath}': {ex.Message}", warehousePath, ex);
        }
        var stale = ReadHolder(infoPath);
        // Written whole (temp file, then rename) so a refused caller never reads half of it.
        var temp = $"{infoPath}.{Environment.ProcessId}.tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(me));
        File.Move(temp, infoPath, overwrite: true);
        return new BackfillLock(stream, infoPath, stale);
    }

    /// <summary>
    /// The holder named in the identity file. A holder that took the lock a moment ago may not have written it yet (or
    /// the file still names a dead predecessor), so wait briefly for a live one.
    /// </summary>
    private static LockHolder? WaitForLiveHolder(string infoPath)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var holder = ReadHolder(infoPath);
            if ((holder is not null && !holder.IsGoneFromThisHost()) || clock.Elapsed > HolderWriteWait) return holder;
            Thread.Sleep(20);
        }
    }

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
