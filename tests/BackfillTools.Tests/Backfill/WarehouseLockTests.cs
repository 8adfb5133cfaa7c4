using System.Diagnostics;
using BackfillTools.Core;
using BackfillTools.Core.Backfill;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using BackfillTools.Tests.BigQuery;
using BackfillTools.Tests.Processors;
using Xunit;

namespace BackfillTools.Tests.Backfill;

/// <summary>The lock row that keeps a BigQuery warehouse to one backfill (exercised on DuckDB and through the fake BigQuery).</summary>
public sealed class WarehouseLockTests : IDisposable
{
    private readonly ProcessorTestDb _db = new();

    public void Dispose() => _db.Dispose();

    private static LockHolder Me(string run) => LockHolder.Current(run, DateTime.UtcNow);

    private string? HeldBy(IWarehouse w) =>
        w.Query($"SELECT run_id FROM {WarehouseSchema.BackfillLock.Placeholder}").AsRows().Single().GetString("run_id");

    [Fact]
    public void The_schema_seeds_one_free_lock_row()
    {
        Assert.Equal(1, _db.W.ScalarInt64($"SELECT COUNT(*) FROM {WarehouseSchema.BackfillLock.Placeholder}"));
        Assert.Null(HeldBy(_db.W));
    }

    [Fact]
    public void A_second_taker_is_refused_with_the_holder_named_and_release_frees_the_row()
    {
        using (var first = WarehouseLock.Acquire(_db.W, Me("run-a")))
        {
            Assert.Null(first.StaleHolder);
            Assert.Equal("run-a", HeldBy(_db.W));
            var ex = Assert.Throws<BackfillException>(() => WarehouseLock.Acquire(_db.W, Me("run-b")));
            Assert.Equal("BackfillInProgress", ex.ErrorId);
            Assert.Equal(ErrorKind.ResourceBusy, ex.Kind);
            Assert.Contains("run-a", ex.Message);
            Assert.Contains($"process {Environment.ProcessId}", ex.Message);
            Assert.Equal("run-a", HeldBy(_db.W)); // the refused taker changed nothing
        }
        Assert.Null(HeldBy(_db.W));
        using var second = WarehouseLock.Acquire(_db.W, Me("run-b"));
        Assert.Equal("run-b", HeldBy(_db.W));
    }

    [Fact]
    public void A_holder_whose_process_is_gone_on_this_host_is_taken_over_at_once()
    {
        using var dead = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        dead.WaitForExit();
        var ghost = new LockHolder("run-ghost", ToolInfo.Host, dead.Id, DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddMinutes(-2), LockHolder.CurrentPidNamespace);
        TakeAs(ghost, heartbeat: DateTime.UtcNow);

        using var mine = WarehouseLock.Acquire(_db.W, Me("run-c"));
        Assert.Equal("run-ghost", mine.StaleHolder?.RunId);
        Assert.Equal("run-c", HeldBy(_db.W));
    }

    [Fact]
    public void A_holder_on_another_host_is_stale_only_once_its_heartbeat_is_older_than_the_lease()
    {
        var remote = new LockHolder("run-remote", "some-other-host", 4242, DateTime.UtcNow.AddHours(-1));
        TakeAs(remote, heartbeat: DateTime.UtcNow.AddMinutes(-3));
        var ex = Assert.Throws<BackfillException>(() => WarehouseLock.Acquire(_db.W, Me("run-d"), lease: TimeSpan.FromMinutes(10)));
        Assert.Contains("some-other-host", ex.Message);

        using var mine = WarehouseLock.Acquire(_db.W, Me("run-d"), lease: TimeSpan.FromMinutes(2));
        Assert.Equal("run-remote", mine.StaleHolder?.RunId);
    }

    [Fact]
    public void Release_does_not_free_a_lock_someone_else_took_over()
    {
        var first = WarehouseLock.Acquire(_db.W, Me("run-e"));
        // Another process decided run-e was stale and took over.
        TakeOver("run-e", "run-f");
        first.Dispose();
        Assert.Equal("run-f", HeldBy(_db.W));
    }

    [Fact]
    public void A_live_process_on_this_host_keeps_the_lock_but_a_reused_pid_or_another_pid_namespace_is_told_apart()
    {
        // This very process, recorded with its real start time: alive, so the lock is not taken over.
        TakeAs(Me("run-alive"), heartbeat: DateTime.UtcNow);
        Assert.Equal("BackfillInProgress", Assert.Throws<BackfillException>(() => WarehouseLock.Acquire(_db.W, Me("run-x"))).ErrorId);
        Release();

        // The same pid, but a process that started a day earlier held it: the pid was reused, the holder is gone.
        TakeAs(new LockHolder("run-reused", ToolInfo.Host, Environment.ProcessId, DateTime.UtcNow.AddDays(-1), DateTime.UtcNow.AddDays(-1),
            LockHolder.CurrentPidNamespace), heartbeat: DateTime.UtcNow);
        using (var mine = WarehouseLock.Acquire(_db.W, Me("run-y"))) Assert.Equal("run-reused", mine.StaleHolder?.RunId);

        // A container with the same host name (a fixed compose hostname:) has its own pid namespace: its pid means
        // nothing here, so only its heartbeat can make it stale.
        using var dead = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        dead.WaitForExit();
        TakeAs(new LockHolder("run-container", ToolInfo.Host, dead.Id, DateTime.UtcNow, DateTime.UtcNow, "other-boot/pid:[4026531999]"),
            heartbeat: DateTime.UtcNow);
        var ex = Assert.Throws<BackfillException>(() => WarehouseLock.Acquire(_db.W, Me("run-z")));
        Assert.Contains("run-container", ex.Message);
        Assert.Equal("run-container", HeldBy(_db.W));
    }

    [Fact]
    public void A_holder_that_cannot_renew_its_heartbeat_within_the_lease_is_stopped_with_LeaseExpired()
    {
        var now = new DateTime(2024, 1, 1, 12, 0, 0, DateTimeKind.Utc);
        using var mine = WarehouseLock.Acquire(_db.W, Me("run-lease"), CancellationToken.None, TimeSpan.FromMinutes(10), () => now);
        now = now.AddMinutes(6);
        mine.Beat();
        now = now.AddMinutes(6); // 12 minutes since acquiring, 6 since the last renewal
        mine.ThrowIfLost();

        // The warehouse stops answering: the beats fail, the run stops once the lease has passed since the last renewal.
        _db.W.Execute($"ALTER TABLE {WarehouseSchema.BackfillLock.Placeholder} RENAME TO backfill_lock_away");
        now = now.AddMinutes(2);
        mine.Beat();
        mine.ThrowIfLost();
        now = now.AddMinutes(3);
        mine.Beat();
        var ex = Assert.Throws<BackfillException>(mine.ThrowIfLost);
        Assert.Equal("LeaseExpired", ex.ErrorId);
        Assert.Equal(ErrorKind.OperationStopped, ex.Kind);
        Assert.Contains("11 minutes", ex.Message);
        Assert.Contains("backfill_lock", ex.Message); // the heartbeat's own failure is reported, not swallowed
        _db.W.Execute("ALTER TABLE backfilltools.backfill_lock_away RENAME TO backfill_lock");
    }

    [Fact]
    public void A_heartbeat_that_finds_the_lock_taken_over_stops_the_run_with_LockLost()
    {
        using var mine = WarehouseLock.Acquire(_db.W, Me("run-g"));
        TakeOver("run-g", "run-h");
        mine.Beat();
        Assert.Equal("LockLost", Assert.Throws<BackfillException>(mine.ThrowIfLost).ErrorId);
    }

    [Fact]
    public void The_fence_commits_a_transaction_only_while_the_row_carries_the_runs_token()
    {
        var table = WarehouseSchema.SchemaVersion.Placeholder;
        SqlStatement Write(long v) => $"INSERT INTO {table} (version, applied_at) VALUES ({v}, CURRENT_TIMESTAMP)";
        using var mine = WarehouseLock.Acquire(_db.W, Me("run-i"));
        _db.W.ExecuteInTransaction(mine.FenceStatements().Append(Write(101)).ToList());
        Assert.Equal(1, _db.W.ScalarInt64($"SELECT COUNT(*) FROM {table} WHERE version = 101"));

        TakeOver("run-i", "run-j");
        var failure = Assert.ThrowsAny<Exception>(() => _db.W.ExecuteInTransaction(new[] { Write(102) }.Concat(mine.FenceStatements()).ToList()));
        Assert.Equal("LockLost", mine.AsLockLost(failure)?.ErrorId);
        Assert.Null(mine.AsLockLost(new InvalidOperationException("another failure")));
        Assert.Equal(0, _db.W.ScalarInt64($"SELECT COUNT(*) FROM {table} WHERE version = 102"));
        Assert.Equal("run-j", HeldBy(_db.W)); // the failed fence changed nothing either
    }

    [Fact]
    public async Task Two_takers_at_the_same_moment_on_BigQuery_exactly_one_holds_the_lock_the_other_is_told_who()
    {
        using var fake = new FakeBigQuery();
        using var w = BigQueryTestHost.Open(fake);
        new Migrator().Upgrade(w);
        // Two threads released together by a barrier race for the row: one wins, the other is refused naming it.
        using var barrier = new Barrier(2);
        object Take(string run)
        {
            barrier.SignalAndWait(TimeSpan.FromSeconds(30));
            try { return WarehouseLock.Acquire(w, Me(run)); }
            catch (BackfillException ex) { return ex; }
        }
        var ends = await Task.WhenAll(Task.Run(() => Take("run-left")), Task.Run(() => Take("run-right"))).WaitAsync(TimeSpan.FromMinutes(1));
        var won = ends.OfType<WarehouseLock>().ToList();
        var refused = ends.OfType<BackfillException>().ToList();
        try
        {
            Assert.Single(won);
            Assert.Single(refused);
            Assert.Equal("BackfillInProgress", refused[0].ErrorId);
            var winner = w.Query($"SELECT run_id FROM {WarehouseSchema.BackfillLock.Placeholder}").AsRows().Single().GetString("run_id")!;
            Assert.Contains(winner, refused[0].Message);
            Assert.Equal(winner, ((LockHolder)refused[0].Target!).RunId);
        }
        finally
        {
            foreach (var l in won) l.Dispose();
        }
    }

    [Fact]
    public void Through_the_BigQuery_adapter_the_lock_is_taken_and_released_by_DML_jobs()
    {
        using var fake = new FakeBigQuery();
        using var w = BigQueryTestHost.Open(fake);
        new Migrator().Upgrade(w);
        using (WarehouseLock.Acquire(w, Me("run-bq")))
        {
            Assert.Equal("run-bq", HeldBy(w));
            Assert.Equal("BackfillInProgress", Assert.Throws<BackfillException>(() => WarehouseLock.Acquire(w, Me("run-bq2"))).ErrorId);
        }
        Assert.Null(HeldBy(w));
    }

    private void TakeAs(LockHolder holder, DateTime heartbeat) =>
        Assert.Equal(1, _db.W.Execute(WarehouseLock.TakeFreeSql, WarehouseExtensions.Params(("run_id", holder.RunId), ("host", holder.Host),
            ("pid", (long)holder.Pid), ("started_at", holder.StartedAt), ("now", heartbeat), ("token", "token-" + holder.RunId),
            ("process_started_at", holder.ProcessStartedAt), ("pid_namespace", holder.PidNamespace))));

    /// <summary>What another process does once it judged <paramref name="staleRun"/> stale: compare-and-set on its token.</summary>
    private void TakeOver(string staleRun, string newRun)
    {
        var staleToken = _db.W.Query($"SELECT run_token FROM {WarehouseSchema.BackfillLock.Placeholder}").AsRows().Single().GetString("run_token");
        var other = new LockHolder(newRun, "other-host", 1, DateTime.UtcNow);
        Assert.Equal(1, _db.W.Execute(WarehouseLock.TakeOverSql, WarehouseExtensions.Params(("run_id", other.RunId), ("host", other.Host),
            ("pid", (long)other.Pid), ("started_at", other.StartedAt), ("now", DateTime.UtcNow), ("token", "token-" + newRun),
            ("process_started_at", null), ("pid_namespace", null), ("stale_run_id", staleRun), ("stale_token", staleToken))));
    }

    private void Release() =>
        _db.W.Execute($"UPDATE {WarehouseSchema.BackfillLock.Placeholder} SET run_id = NULL, run_token = NULL, heartbeat_at = NULL WHERE lock_name = 'backfill'");
}
