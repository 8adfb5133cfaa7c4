using BackfillTools.Core.Backfill;
using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using BackfillTools.Core.Warehouse.BigQuery;
using BackfillTools.Tests.Backfill;
using Xunit;

namespace BackfillTools.Tests.BigQuery;

/// <summary>Ownership-scoped publish through the BigQuery adapter (over the fake service), and the streaming-buffer refusal.</summary>
public sealed class ScopedPublishOverBigQueryTests : IDisposable
{
    private FakeBigQuery _fake = null!;

    public void Dispose() => _fake?.Dispose();

    /// <summary>The migrated warehouse with the 2022-23 league, on a private copy (FakeBigQueryLeague).</summary>
    private BigQueryWarehouse SampleWarehouse()
    {
        _fake = FakeBigQueryLeague.Season2022();
        (_fake.DefaultPageSize, _fake.IncompletePolls) = (1000, 0);
        return BigQueryTestHost.Open(_fake, pageSize: 1000);
    }

    [Fact]
    public void Publish_replaces_only_the_owned_columns_of_the_owned_rows_on_BigQuery()
    {
        using var w = SampleWarehouse();
        // No key constraint here: production's v2_54features rows are for the very players and dates of the product's.
        OwnershipScenario.Run(w, (x, r) => ScopedPublishTests.RunBackfill(x, r), sameMlfsPlayers: true);
        Assert.Contains(_fake.TableResource("nba_precompute", "team_defense_zone_analysis")!["schema"]!["fields"]!.AsArray(),
            f => (string?)f!["name"] == OwnershipScenario.ForeignColumn);
    }

    [Fact]
    public void A_batch_refused_for_the_streaming_buffer_fails_whole_as_StreamingBufferBusy_and_RetryFailed_publishes_it()
    {
        using var w = SampleWarehouse();
        var request = new BackfillRequest
        {
            StartDate = OwnershipScenario.D1, EndDate = OwnershipScenario.D2, Processors = new[] { ProcessorName.TDZA, ProcessorName.PSZA },
        };
        var first = ScopedPublishTests.RunBackfill(w, request);
        Assert.All(first, r => Assert.Equal(PartitionStatus.Published, r.Status));
        var tdza = PrecomputeTables.Tdza;
        var failures = WarehouseSchema.PrecomputeFailures;
        List<string> Snapshot() => OwnershipScenario.Rows(w, tdza, "TRUE")
            .Concat(OwnershipScenario.Rows(w, failures, "processor_name = 'TDZA'")).ToList();
        // Make the re-run's values differ, so a partial publish would show.
        w.Execute($"UPDATE {tdza.Placeholder} SET strongest_zone = 'before' WHERE TRUE");
        var before = Snapshot();

        // Something streamed rows into TDZA's table: BigQuery refuses any UPDATE or DELETE on it for a while.
        _fake.SetStreamingBuffer("nba_precompute", tdza.Name);
        var plan = BackfillPlanner.Plan(w, request);
        var runId = BackfillLedger.NewRunId();
        var ledger = new BackfillLedger(w);
        ledger.StartRun(runId, request, plan, null, DateTime.UtcNow);
        var refused = new BackfillRunner(w, request, runId).Execute(plan, CancellationToken.None);

        Assert.All(refused.Where(r => r.Processor == ProcessorName.TDZA), r =>
        {
            Assert.Equal(PartitionStatus.Failed, r.Status);
            Assert.Equal(BigQueryErrors.StreamingBufferBusyErrorId, r.ErrorCategory);
            Assert.Contains("streaming buffer", r.Message);
            Assert.Equal((0L, 0L, 0L, 0L), (r.RowsWritten, r.RowsUpdated, r.RowsInserted, r.RowsDeleted));
        });
        // Nothing of the batch was written: output and failure rows as before; the other table published.
        Assert.Equal(before, Snapshot());
        Assert.All(refused.Where(r => r.Processor == ProcessorName.PSZA), r => Assert.Equal(PartitionStatus.Published, r.Status));
        Assert.Equal(2, ledger.Partitions(runId, PartitionStatus.Failed).Count(p => p.Processor == ProcessorName.TDZA));

        // Once the buffer has flushed, -RetryFailed plans exactly those partitions and publishes them.
        _fake.SetStreamingBuffer("nba_precompute", tdza.Name, hasStreamedRows: false);
        var retryRequest = request with { StartDate = null, EndDate = null, FromLedger = true };
        var retryPlan = BackfillService.PlanOnly(w, retryRequest, BackfillMode.RetryFailed, runId);
        Assert.Equal(new[] { OwnershipScenario.D1, OwnershipScenario.D2 }, retryPlan.Select(p => p.Date).Order());
        Assert.All(retryPlan, p => Assert.Equal(ProcessorName.TDZA, p.Processor));
        var retryId = BackfillLedger.NewRunId();
        ledger.StartRun(retryId, retryRequest, retryPlan, runId, DateTime.UtcNow);
        var retried = new BackfillRunner(w, retryRequest, retryId).Execute(retryPlan, CancellationToken.None);
        Assert.All(retried, r =>
        {
            Assert.Equal(PartitionStatus.Published, r.Status);
            Assert.Equal((r.Actual, 0L, 0L), (r.RowsUpdated, r.RowsInserted, r.RowsDeleted));
        });
        Assert.Equal(0, w.ScalarInt64($"SELECT COUNT(*) FROM {tdza.Placeholder} WHERE strongest_zone = 'before'"));
    }

    [Fact]
    public void BigQuerys_streaming_buffer_refusal_maps_to_StreamingBufferBusy_and_is_not_rerun_at_once()
    {
        const string message = "UPDATE or DELETE statement over table nba-props-platform.nba_precompute.team_defense_zone_analysis " +
                               "would affect rows in the streaming buffer, which is not supported";
        var api = new BigQueryApiException(0, new[] { new BigQueryError("invalidQuery", message, "query") }, message, jobFailed: true);
        Assert.Equal(BigQueryFailureKind.Fatal, BigQueryErrors.Classify(api));
        var ex = BigQueryErrors.ToBackfillException(api);
        Assert.Equal(BigQueryErrors.StreamingBufferBusyErrorId, ex.ErrorId);
        Assert.Equal(ErrorKind.ResourceBusy, ex.Kind);
        Assert.Contains("-RetryFailed", ex.Message);
        // Other invalid queries keep their own id.
        var other = new BigQueryApiException(0, new[] { new BigQueryError("invalidQuery", "Syntax error", null) }, "Syntax error", jobFailed: true);
        Assert.Equal("BigQueryInvalidQuery", BigQueryErrors.ToBackfillException(other).ErrorId);
    }
}
