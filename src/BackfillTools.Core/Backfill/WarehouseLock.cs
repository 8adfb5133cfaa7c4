using System.Globalization;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Core.Backfill;

/// <summary>
/// One backfill per warehouse when there is no file to lock (BigQuery): the seeded row of nba_backfill.backfill_lock is
/// taken by an UPDATE that matches only while it is free, and released by clearing it. A holder refreshes its heartbeat
/// while it runs; a lock is stale (and taken over) when its process is gone on this host, or when its heartbeat is older
/// than the lease (a holder on another host that died). The take-over is the same compare-and-set on the old run id.
/// </summary>
public sealed class WarehouseLock : IBackfillLock
{
    public const string LockName = "backfill";

    private static string Table => WarehouseSchema.BackfillLock.Placeholder;

    internal static string SeedSql => $"INSERT INTO {Table} (lock_name) VALUES ('{LockName}')";

    internal static string ReadSql =>
        $"SELECT run_id, host, pid, started_at, heartbeat_at FROM {Table} WHERE lock_name = '{LockName}'";

    internal static string TakeFreeSql =>
        $"UPDATE {Table} SET run_id = @run_id, host = @host, pid = @pid, started_at = @started_at, heartbeat_at = @now WHERE lock_name = '{LockName}' AND run_id IS NULL";

    internal static string TakeOverSql =>
        $"UPDATE {Table} SET run_id = @run_id, host = @host, pid = @pid, started_at = @started_at, heartbeat_at = @now WHERE lock_name = '{LockName}' AND run_id = @stale_run_id";

    internal static string HeartbeatSql =>
        $"UPDATE {Table} SET heartbeat_at = @now WHERE lock_name = '{LockName}' AND run_id = @run_id";

    internal static string ReleaseSql =>
        $"UPDATE {Table} SET run_id = NULL, host = NULL, pid = NULL, started_at = NULL, heartbeat_at = NULL WHERE lock_name = '{LockName}' AND run_id = @run_id";

    /// <summary>The statements, with sample parameters, for the GoogleSQL gate.</summary>
    internal static IEnumerable<PortableSql.Entry> Catalog()
    {
        var t = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var take = WarehouseExtensions.Params(("run_id", "r"), ("host", "h"), ("pid", 1L), ("started_at", t), ("now", t));
        yield return new("WarehouseLock.Seed", SeedSql);
        yield return new("WarehouseLock.Read", ReadSql);
        yield return new("WarehouseLock.TakeFree", TakeFreeSql, take);
        yield return new("WarehouseLock.TakeOver", TakeOverSql, new Dictionary<string, object?>(take) { ["stale_run_id"] = "s" });
        yield return new("WarehouseLock.Heartbeat", HeartbeatSql, WarehouseExtensions.Params(("run_id", "r"), ("now", t)));
        yield return new("WarehouseLock.Release", ReleaseSql, WarehouseExtensions.Params(("run_id", "r")));
    }

    private readonly IWarehouse _w;
    private readonly LockHolder _me;
    private readonly Timer _heartbeat;
    private readonly object _gate = new();
    private bool _released;

    private WarehouseLock(IWarehouse w, LockHolder me, LockHolder? staleHolder, TimeSpan heartbeatEvery)
    {
        _w = w;
        _me = me;
        StaleHolder = staleHolder;
        _heartbeat = new Timer(_ => Beat(), null, heartbeatEvery, heartbeatEvery);
    }

    public LockHolder? StaleHolder { get; }

    /// <summary>How long a heartbeat stays valid; holders refresh it every fifth of this.</summary>
    public static TimeSpan DefaultLease { get; } = TimeSpan.FromMinutes(10);

    public static WarehouseLock Acquire(IWarehouse w, LockHolder me, CancellationToken ct = default, TimeSpan? lease = null)
    {
        var leaseTime = lease ?? DefaultLease;
        var take = WarehouseExtensions.Params(("run_id", me.RunId), ("host", me.Host), ("pid", (long)me.Pid), ("started_at", me.StartedAt), ("now", DateTime.UtcNow));
        if (w.Execute(TakeFreeSql, take, ct) == 1) return new WarehouseLock(w, me, null, leaseTime / 5);

        var (holder, heartbeat) = Read(w, ct);
        if (holder is null)
        {
            // Released between our UPDATE and the read: one more try, then report whoever won.
            if (w.Execute(TakeFreeSql, take, ct) == 1) return new WarehouseLock(w, me, null, leaseTime / 5);
            (holder, heartbeat) = Read(w, ct);
        }
        if (holder is not null && IsStale(holder, heartbeat, leaseTime))
        {
            take["stale_run_id"] = holder.RunId;
            if (w.Execute(TakeOverSql, take, ct) == 1) return new WarehouseLock(w, me, holder, leaseTime / 5);
            (holder, heartbeat) = Read(w, ct);
        }
        var who = holder is null ? "another process"
            : $"run {holder.RunId} on host {holder.Host} (process {holder.Pid}), started {holder.StartedAt:yyyy-MM-dd HH:mm:ss} UTC"
              + (heartbeat is { } hb ? $", last seen {hb:yyyy-MM-dd HH:mm:ss} UTC" : "");
        throw new BackfillException("BackfillInProgress", ErrorKind.ResourceBusy,
            $"Another backfill is running against this warehouse: {who}. Wait for it to finish (Get-BackfillRun shows it), then retry. " +
            $"A holder that died on another host is taken over once its heartbeat is {leaseTime.TotalMinutes.ToString(CultureInfo.InvariantCulture)} minutes old.",
            holder);
    }

    private static (LockHolder? Holder, DateTime? Heartbeat) Read(IWarehouse w, CancellationToken ct)
    {
        var rows = w.Query(ReadSql, null, ct).AsRows().ToList();
        if (rows.Count == 0)
            throw new BackfillException("BackfillLockMissing", ErrorKind.InvalidData,
                $"The lock row of {WarehouseSchema.BackfillLock.FullName} is missing; it is created by schema version 2 (Connect-BackfillWarehouse applies it).");
        var row = rows[0];
        var runId = row.GetString("run_id");
        if (runId is null) return (null, null);
        return (new LockHolder(runId, row.GetString("host") ?? "?", (int)(row.GetNullableInt64("pid") ?? 0),
            row.GetNullableDateTime("started_at") ?? DateTime.MinValue), row.GetNullableDateTime("heartbeat_at"));
    }

    /// <summary>Gone on this host (no such process, or a newer one reusing the pid), or silent for longer than the lease.</summary>
    internal static bool IsStale(LockHolder holder, DateTime? heartbeat, TimeSpan lease)
    {
        if (string.Equals(holder.Host, ToolInfo.Host, StringComparison.OrdinalIgnoreCase) && !ProcessIsAlive(holder.Pid, holder.StartedAt))
            return true;
        return heartbeat is null || heartbeat.Value < DateTime.UtcNow - lease;
    }

    private static bool ProcessIsAlive(int pid, DateTime startedAtUtc)
    {
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            // A pid reused by a process started after the lock was taken is not the holder.
            return !p.HasExited && p.StartTime.ToUniversalTime() <= startedAtUtc.AddSeconds(1);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    /// <summary>The holder of the lock when it is live (held and not stale by <see cref="IsStale"/>); null when free or stale.</summary>
    public static LockHolder? LiveHolder(IWarehouse w, CancellationToken ct = default, TimeSpan? lease = null)
    {
        var (holder, heartbeat) = Read(w, ct);
        return holder is not null && !IsStale(holder, heartbeat, lease ?? DefaultLease) ? holder : null;
    }

    private void Beat()
    {
        lock (_gate)
        {
            if (_released) return;
            try { _w.Execute(HeartbeatSql, WarehouseExtensions.Params(("run_id", _me.RunId), ("now", DateTime.UtcNow))); }
            catch (Exception) { /* a missed heartbeat only shortens the lease; the next one retries */ }
        }
    }

    public void Dispose()
    {
        _heartbeat.Dispose();
        lock (_gate)
        {
            if (_released) return;
            _released = true;
            // Not cancellable: a cancelled backfill must still free the lock. A failure leaves it to the stale rules.
            try { _w.Execute(ReleaseSql, WarehouseExtensions.Params(("run_id", _me.RunId))); }
            catch (Exception) { }
        }
    }
}
