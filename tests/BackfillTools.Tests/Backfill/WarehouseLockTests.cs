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

    private static LockHolder Me(string run) => new(run, ToolInfo.Host, Environment.ProcessId, DateTime.UtcNow);

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
        var ghost = new LockHolder("run-ghost", ToolInfo.Host, dead.Id, DateTime.UtcNow.AddMinutes(-1));
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
        _db.W.Execute(WarehouseLock.TakeOverSql, WarehouseExtensions.Params(("run_id", "run-f"), ("host", "h"), ("pid", 1L),
            ("started_at", DateTime.UtcNow), ("now", DateTime.UtcNow), ("stale_run_id", "run-e")));
        first.Dispose();
        Assert.Equal("run-f", HeldBy(_db.W));
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
            ("pid", (long)holder.Pid), ("started_at", holder.StartedAt), ("now", heartbeat))));
}
