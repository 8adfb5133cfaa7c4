using System.Globalization;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Core.Backfill;

/// <summary>What a run checks before it publishes, and the statements that fence each publish transaction.</summary>
public interface IPublishFence
{
    /// <summary>Throws LockLost or LeaseExpired when this run may no longer write.</summary>
    void ThrowIfLost();

    /// <summary>Statements that open every publish transaction: they fail it unless the lock row still carries this run's token.</summary>
    IReadOnlyList<SqlStatement> FenceStatements();

    /// <summary>The LockLost error for a publish whose fence failed, or null when <paramref name="publishFailure"/> is another failure.</summary>
    BackfillException? AsLockLost(Exception publishFailure);
}

/// <summary>
/// The warehouse's lock row (nba_backfill.backfill_lock): one always-present row, taken by an UPDATE that matches only
/// while it is free, and released by clearing it. Each taker writes a random token (a new one per run, also when it
/// resumes a run id) beside its host, pid, pid namespace and process start time; every later write to the row is a
/// compare-and-set on that token, and every publish transaction starts with <see cref="FenceStatements"/>, so a run that
/// lost the row can publish nothing.
/// On BigQuery (no file to lock) the row is the lock: the holder renews its heartbeat every fifth of the lease; a lock
/// is stale, and taken over by a compare-and-set on the stale token, when its heartbeat is older than the lease, or when
/// its process is gone from this host. A holder that cannot renew within the lease stops before its next publish
/// (LeaseExpired), because by then another run may rightly take over.
/// On DuckDB the file lock (<see cref="BackfillLock"/>) keeps other processes out, so the row is simply claimed under it.
/// </summary>
public sealed class WarehouseLock : IBackfillLock, IPublishFence
{
    public const string LockName = BackfillLockTable.LockName;

    public const string LockLostErrorId = ErrorIds.LockLost;
    public const string LeaseExpiredErrorId = ErrorIds.LeaseExpired;

    /// <summary>True for the errors after which a run no longer holds the lock, so it must write nothing more.</summary>
    public static bool IsLockLoss(Exception ex) => ex is BackfillException { ErrorId: LockLostErrorId or LeaseExpiredErrorId };

    /// <summary>The text the fence raises; found again in the engine's error to tell a lost lock from other failures.</summary>
    internal const string LostMarker = "BackfillLockLost";

    private static string Table => WarehouseSchema.BackfillLock.Placeholder;

    private const string HolderColumns =
        "run_id = @run_id, host = @host, pid = @pid, started_at = @started_at, heartbeat_at = @now, run_token = @token, process_started_at = @process_started_at, pid_namespace = @pid_namespace";

    internal static string ReadSql =>
        $"SELECT run_id, host, pid, started_at, heartbeat_at, run_token, process_started_at, pid_namespace FROM {Table} WHERE lock_name = '{LockName}'";

    internal static string TakeFreeSql => $"UPDATE {Table} SET {HolderColumns} WHERE lock_name = '{LockName}' AND run_id IS NULL";

    /// <summary>Takes a stale lock: matches only while the row still carries the stale holder's run and token.</summary>
    internal static string TakeOverSql =>
        $"UPDATE {Table} SET {HolderColumns} WHERE lock_name = '{LockName}' AND run_id = @stale_run_id AND run_token IS NOT DISTINCT FROM @stale_token";

    /// <summary>DuckDB: the file lock is held, so whoever the row names is gone.</summary>
    internal static string ClaimSql => $"UPDATE {Table} SET {HolderColumns} WHERE lock_name = '{LockName}'";

    internal static string HeartbeatSql => $"UPDATE {Table} SET heartbeat_at = @now WHERE lock_name = '{LockName}' AND run_token = @token";

    /// <summary>Raises unless the row carries @token (also when the row is gone); the CASE keeps ERROR from being evaluated otherwise.</summary>
    internal static string FenceCheckSql =>
        $"SELECT CASE WHEN COUNT(*) = 1 THEN 1 ELSE ERROR('{LostMarker}: the backfill lock is no longer held by this run') END AS held FROM {Table} WHERE lock_name = '{LockName}' AND run_token = @token";

    internal static string ReleaseSql =>
        $"UPDATE {Table} SET run_id = NULL, host = NULL, pid = NULL, started_at = NULL, heartbeat_at = NULL, run_token = NULL, process_started_at = NULL, pid_namespace = NULL WHERE lock_name = '{LockName}' AND run_token = @token";


    /// <summary>The statements, with sample parameters, for the GoogleSQL gate.</summary>
    [StatementCatalog]
    internal static IEnumerable<RegisteredStatement> Catalog()
    {
        var t = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var take = HolderParams(new LockHolder("r", "h", 1, t, t, "ns"), "k", t);
        yield return new("WarehouseLock.Read", ReadSql);
        yield return new("WarehouseLock.TakeFree", TakeFreeSql, take);
        yield return new("WarehouseLock.TakeOver", TakeOverSql, new Dictionary<string, object?>(take) { ["stale_run_id"] = "s", ["stale_token"] = "st" });
        yield return new("WarehouseLock.Claim", ClaimSql, take);
        yield return new("WarehouseLock.Heartbeat", HeartbeatSql, WarehouseExtensions.Params(("token", "k"), ("now", t)));
        yield return new("WarehouseLock.FenceCheck", FenceCheckSql, WarehouseExtensions.Params(("token", "k")));
        yield return new("WarehouseLock.Release", ReleaseSql, WarehouseExtensions.Params(("token", "k")));
    }

    private static Dictionary<string, object?> HolderParams(LockHolder me, string token, DateTime now) => WarehouseExtensions.Params(
        ("run_id", me.RunId), ("host", me.Host), ("pid", (long)me.Pid), ("started_at", me.StartedAt), ("now", now), ("token", token),
        // Either may be unknown on this platform: a typed NULL then, as every NULL parameter is.
        ("process_started_at", me.ProcessStartedAt is { } started ? started : new SqlNull(ColumnType.Timestamp)), ("pid_namespace", SqlNull.OrNull(me.PidNamespace)));

    private readonly IWarehouse _w;
    private readonly string _token;
    private readonly TimeSpan _lease;
    private readonly Func<DateTime> _clock;
    private readonly Timer? _heartbeat;
    private readonly object _gate = new();
    private volatile bool _released;
    private volatile bool _lost;
    private DateTime _renewedAt;
    private string? _lastHeartbeatError;
    private int _beating;

    private WarehouseLock(IWarehouse w, string token, LockHolder? staleHolder, TimeSpan lease, Func<DateTime> clock, bool heartbeat)
    {
        _w = w;
        _token = token;
        _lease = lease;
        _clock = clock;
        _renewedAt = clock();
        StaleHolder = staleHolder;
        if (heartbeat) _heartbeat = new Timer(_ => Beat(), null, lease / 5, lease / 5);
    }

    public LockHolder? StaleHolder { get; }

    /// <summary>How long a heartbeat stays valid (10 minutes, docs/Invoke-Backfill.md); holders refresh it every fifth of this.</summary>
    public static TimeSpan DefaultLease => BackfillRules.LockLease;

    private static string NewToken() => Guid.NewGuid().ToString("N");

    /// <summary>Take the lock row (BigQuery), or fail with BackfillInProgress naming the holder.</summary>
    public static WarehouseLock Acquire(IWarehouse w, LockHolder me, CancellationToken ct = default, TimeSpan? lease = null) =>
        Acquire(w, me, ct, lease ?? DefaultLease, () => DateTime.UtcNow);

    internal static WarehouseLock Acquire(IWarehouse w, LockHolder me, CancellationToken ct, TimeSpan lease, Func<DateTime> clock)
    {
        var token = NewToken();
        var take = HolderParams(me, token, clock());
        if (w.Execute(TakeFreeSql, take, ct) == 1) return new WarehouseLock(w, token, null, lease, clock, heartbeat: true);

        var (holder, heartbeat, holderToken) = Read(w, ct);
        if (holder is null)
        {
            // Released between our UPDATE and the read: one more try, then report whoever won.
            if (w.Execute(TakeFreeSql, take, ct) == 1) return new WarehouseLock(w, token, null, lease, clock, heartbeat: true);
            (holder, heartbeat, holderToken) = Read(w, ct);
        }
        if (holder is not null && IsStale(holder, heartbeat, lease, clock()))
        {
            take["stale_run_id"] = holder.RunId;
            take["stale_token"] = holderToken;
            if (w.Execute(TakeOverSql, take, ct) == 1) return new WarehouseLock(w, token, holder, lease, clock, heartbeat: true);
            (holder, heartbeat, _) = Read(w, ct);
        }
        var who = holder is null ? "another process"
            : holder.Describe() + (heartbeat is { } hb ? $", last seen {hb:yyyy-MM-dd HH:mm:ss} UTC" : "");
        throw new BackfillException(ErrorIds.BackfillInProgress, ErrorKind.ResourceBusy,
            $"Another backfill is running against this warehouse: {who}. Wait for it to finish (Get-BackfillRun shows it), then retry. " +
            $"A holder that died on another host is taken over once its heartbeat is {lease.TotalMinutes.ToString(CultureInfo.InvariantCulture)} minutes old.",
            holder);
    }

    /// <summary>
    /// DuckDB: put this run's token in the lock row while the file lock is held (no other process can be writing). No
    /// heartbeat: the kernel frees the file lock of a dead holder, so there is no lease to keep.
    /// </summary>
    public static WarehouseLock ClaimUnderFileLock(IWarehouse w, LockHolder me, CancellationToken ct = default)
    {
        var token = NewToken();
        if (w.Execute(ClaimSql, HolderParams(me, token, DateTime.UtcNow), ct) != 1)
            throw MissingRow();
        return new WarehouseLock(w, token, null, DefaultLease, () => DateTime.UtcNow, heartbeat: false);
    }

    private static BackfillException MissingRow() =>
        new(ErrorIds.BackfillLockMissing, ErrorKind.InvalidData,
            $"The lock row of {WarehouseSchema.BackfillLock.FullName} is missing; it is created by schema version 2 (Connect-BackfillWarehouse applies it).");

    private static (LockHolder? Holder, DateTime? Heartbeat, string? Token) Read(IWarehouse w, CancellationToken ct)
    {
        var rows = w.Query(ReadSql, null, ct).AsRows().ToList();
        if (rows.Count == 0) throw MissingRow();
        var row = rows[0];
        var runId = row.GetString("run_id");
        if (runId is null) return (null, null, null);
        return (new LockHolder(runId, row.GetString("host") ?? "?", (int)(row.GetNullableInt64("pid") ?? 0),
            row.GetNullableDateTime("started_at") ?? DateTime.MinValue, row.GetNullableDateTime("process_started_at"), row.GetString("pid_namespace")),
            row.GetNullableDateTime("heartbeat_at"), row.GetString("run_token"));
    }

    /// <summary>Gone from this host (no process with its pid and start time in its pid namespace), or silent for longer than the lease.</summary>
    internal static bool IsStale(LockHolder holder, DateTime? heartbeat, TimeSpan lease, DateTime now) =>
        holder.IsGoneFromThisHost() || heartbeat is null || heartbeat.Value < now - lease;

    /// <summary>Renew the heartbeat; a row that no longer carries our token means another run took the lock over.</summary>
    internal void Beat()
    {
        // One beat at a time, and none after release; the gate is not held during the call, which may retry for long.
        if (_released || _lost || Interlocked.Exchange(ref _beating, 1) == 1) return;
        try
        {
            var renewed = _w.Execute(HeartbeatSql, WarehouseExtensions.Params(("token", _token), ("now", _clock())));
            lock (_gate)
            {
                if (renewed == 0) _lost = !_released;
                else
                {
                    _renewedAt = _clock();
                    _lastHeartbeatError = null;
                }
            }
        }
        catch (Exception ex)
        {
            // Kept, not thrown (this is a timer thread): the run stops at its next check once the lease has passed.
            lock (_gate) _lastHeartbeatError = ex.Message;
        }
        finally
        {
            Volatile.Write(ref _beating, 0);
        }
    }

    /// <summary>The holder of the lock when it is live (held and not stale by <see cref="IsStale"/>); null when free or stale.</summary>
    public static LockHolder? LiveHolder(IWarehouse w, CancellationToken ct = default, TimeSpan? lease = null)
    {
        var (holder, heartbeat, _) = Read(w, ct);
        return holder is not null && !IsStale(holder, heartbeat, lease ?? DefaultLease, DateTime.UtcNow) ? holder : null;
    }

    public void ThrowIfLost()
    {
        lock (_gate)
        {
            if (_lost) throw Lost(null);
            var silent = _clock() - _renewedAt;
            if (_heartbeat is not null && silent > _lease)
                throw new BackfillException(LeaseExpiredErrorId, ErrorKind.OperationStopped,
                    $"The backfill lock's heartbeat was not renewed for {silent.TotalMinutes:0.#} minutes, longer than its lease of {_lease.TotalMinutes:0.#} minutes" +
                    (_lastHeartbeatError is null ? "" : $" (last attempt: {_lastHeartbeatError})") +
                    ", so another run may take the lock over; this run stopped before publishing more. Resume it with Invoke-Backfill -Resume once the warehouse is reachable.");
        }
    }

    public IReadOnlyList<SqlStatement> FenceStatements()
    {
        var token = WarehouseExtensions.Params(("token", _token));
        // The renewal makes the transaction write the lock row, so on BigQuery a take-over committed meanwhile
        // conflicts with it instead of passing unseen under snapshot isolation; the check raises unless the row is ours.
        return new SqlStatement[]
        {
            new(HeartbeatSql, WarehouseExtensions.Params(("token", _token), ("now", _clock()))),
            new(FenceCheckSql, token),
        };
    }

    public BackfillException? AsLockLost(Exception publishFailure)
    {
        for (var e = publishFailure; e is not null; e = e.InnerException)
            if (e.Message.Contains(LostMarker, StringComparison.Ordinal))
            {
                lock (_gate) _lost = true;
                return Lost(publishFailure);
            }
        return null;
    }

    private static BackfillException Lost(Exception? inner) =>
        new(LockLostErrorId, ErrorKind.OperationStopped,
            "Another run took over this run's backfill lock, so this run stopped without publishing more (the publish in flight was rolled back). " +
            "Get-BackfillRun shows which run holds the warehouse; once it has finished, resume this one with Invoke-Backfill -Resume.",
            null, inner);

    public void Dispose()
    {
        _heartbeat?.Dispose();
        lock (_gate)
        {
            if (_released) return;
            _released = true;
            // Not cancellable: a cancelled backfill must still free the lock. A failure leaves it to the stale rules;
            // the token makes sure a run that lost the lock never frees its successor's.
            try { _w.Execute(ReleaseSql, WarehouseExtensions.Params(("token", _token))); }
            catch (Exception) { }
        }
    }
}
