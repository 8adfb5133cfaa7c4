using BackfillTools.Core;
using BackfillTools.Core.Backfill;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using BackfillTools.Core.Warehouse.BigQuery;
using Xunit;

namespace BackfillTools.Tests.BigQuery;

/// <summary>
/// Remove-BackfillWarehouse on BigQuery (through the fake): only datasets the product created (labeled), never while a
/// live backfill holds the lock, unlabeled ones only with -Force, never the production datasets.
/// </summary>
public sealed class BigQueryRemovalTests : IDisposable
{
    private readonly FakeBigQuery _fake = new();

    public void Dispose() => _fake.Dispose();

    private static string Label => BigQueryWarehouse.CreatedLabel.Key;

    private bool DatasetExists(string dataset) => _fake.ScalarInt64($"SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = '{dataset}'") > 0;

    private BigQueryWarehouse NewWarehouse(string prefix)
    {
        var w = BigQueryTestHost.Open(_fake, prefix: prefix);
        new Migrator().Upgrade(w);
        return w;
    }

    [Fact]
    public void Datasets_the_product_creates_carry_the_label_and_the_fake_returns_it()
    {
        using var w = NewWarehouse("dev_");
        var created = _fake.Calls("datasets.insert").Select(c => c.Body!).ToList();
        Assert.NotEmpty(created);
        Assert.All(created, body => Assert.Contains($"\"{Label}\":\"true\"", body));
        var labels = w.Client.GetDatasetLabelsAsync("dev_nba_raw").GetAwaiter().GetResult();
        Assert.Equal("true", labels![Label]);
        Assert.Null(w.Client.GetDatasetLabelsAsync("dev_nothing_here").GetAwaiter().GetResult());
    }

    [Fact]
    public void Remove_deletes_only_labeled_product_datasets_and_leaves_other_datasets_of_the_prefix()
    {
        using var w = NewWarehouse("dev_");
        // Someone else's dataset under the same prefix, with a table.
        w.Client.CreateDatasetAsync("dev_marketing", "EU").GetAwaiter().GetResult();
        w.Execute("CREATE TABLE `test-proj.dev_marketing.campaigns` (id INT64)");

        var plan = w.PlanRemoval(force: false);
        Assert.Empty(plan.Unlabeled);
        Assert.Contains("dev_nba_raw", plan.Items);
        Assert.DoesNotContain("dev_marketing", plan.Items);

        var deleted = w.DeleteDatasets();

        Assert.Contains("dev_backfilltools", deleted);
        Assert.False(DatasetExists("dev_nba_raw"));
        Assert.True(DatasetExists("dev_marketing"));
        Assert.Equal(0, _fake.ScalarInt64("SELECT COUNT(*) FROM dev_marketing.campaigns"));
    }

    [Fact]
    public void Unlabeled_datasets_from_older_versions_are_refused_without_Force_and_listed_with_it()
    {
        using var w = BigQueryTestHost.Open(_fake, prefix: "old_");
        // An older version created this dataset without the label.
        w.Client.CreateDatasetAsync("old_nba_raw", "EU").GetAwaiter().GetResult();
        new Migrator().Upgrade(w);
        var rawTables = _fake.ScalarInt64("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'old_nba_raw'");
        Assert.True(rawTables > 0);

        var ex = Assert.Throws<BackfillException>(() => w.DeleteDatasets(force: false));
        Assert.Equal("UnlabeledDatasets", ex.ErrorId);
        Assert.Contains("old_nba_raw", ex.Message);
        Assert.Contains("-Force", ex.Message);
        // Nothing deleted: neither the unlabeled nor the labeled datasets.
        Assert.True(DatasetExists("old_nba_raw"));
        Assert.True(DatasetExists("old_backfilltools"));
        Assert.Equal(rawTables, _fake.ScalarInt64("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'old_nba_raw'"));

        var plan = w.PlanRemoval(force: true);
        Assert.Equal(new[] { "old_nba_raw" }, plan.Unlabeled);
        Assert.Contains("old_nba_raw", plan.Items);
        var deleted = w.DeleteDatasets(force: true);
        Assert.Contains("old_nba_raw", deleted);
        Assert.False(DatasetExists("old_nba_raw"));
        Assert.False(DatasetExists("old_backfilltools"));
    }

    [Fact]
    public void Remove_is_refused_while_a_live_backfill_holds_the_lock_and_allowed_once_it_is_stale()
    {
        using var w = NewWarehouse("busy_");
        var me = new LockHolder("run-live", ToolInfo.Host, Environment.ProcessId, DateTime.UtcNow);
        using (WarehouseLock.Acquire(w, me))
        {
            var ex = Assert.Throws<BackfillException>(() => w.DeleteDatasets(force: true));
            Assert.Equal("BackfillInProgress", ex.ErrorId);
            Assert.Equal(ErrorKind.ResourceBusy, ex.Kind);
            Assert.Contains("run-live", ex.Message);
            Assert.True(DatasetExists("busy_backfilltools"));
            Assert.True(DatasetExists("busy_nba_raw"));
        }

        // A holder on another host that stopped beating long ago is stale (WarehouseLock's rule): removal proceeds.
        // The row as a crashed holder leaves it.
        w.Execute($"UPDATE {WarehouseSchema.BackfillLock.Placeholder} SET run_id = 'run-dead', host = 'another-host', pid = 4242, " +
                  "started_at = TIMESTAMP '2020-01-01 00:00:00', heartbeat_at = TIMESTAMP '2020-01-01 00:00:00' WHERE lock_name = 'backfill'");
        Assert.Null(WarehouseLock.LiveHolder(w));
        Assert.Contains("busy_nba_raw", w.DeleteDatasets());
        Assert.False(DatasetExists("busy_nba_raw"));
    }

    [Fact]
    public void Production_datasets_are_never_removed()
    {
        using var w = NewWarehouse("");
        Assert.Equal("DatasetPrefixRequired", Assert.Throws<BackfillException>(() => w.DeleteDatasets(force: true)).ErrorId);
        Assert.True(DatasetExists("nba_raw"));
        Assert.Empty(_fake.Calls("datasets.delete"));
    }
}
