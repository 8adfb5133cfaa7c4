using System.Management.Automation;
using Xunit;

namespace BackfillTools.Tests.Backfill;

/// <summary>
/// Invoke-Backfill reports each failed, quarantined or cancelled partition as a non-terminating error whose id and
/// category runbooks match on; the mapping lives in Domain (PartitionErrors) and must keep giving the same record.
/// </summary>
public sealed class PartitionErrorTests
{
    [Theory]
    [InlineData(PartitionErrors.CoverageBelowThreshold, ErrorCategory.InvalidResult)]
    [InlineData(PartitionErrors.UpstreamMissing, ErrorCategory.ObjectNotFound)]
    [InlineData(PartitionErrors.UpstreamIncomplete, ErrorCategory.ObjectNotFound)]
    [InlineData(PartitionErrors.RowRulesViolated, ErrorCategory.InvalidData)]
    [InlineData(ErrorIds.StreamingBufferBusy, ErrorCategory.ResourceBusy)]
    [InlineData(PartitionErrors.ProcessorFailed, ErrorCategory.NotSpecified)]
    [InlineData(null, ErrorCategory.NotSpecified)]
    public void A_partition_error_keeps_its_category(string? errorId, ErrorCategory expected)
    {
        // ErrorKind's members are named after the PowerShell categories the cmdlet base maps them to.
        Assert.Equal(expected, Enum.Parse<ErrorCategory>(PartitionErrors.KindOf(errorId).ToString()));
    }

    [Fact]
    public void A_partition_without_its_own_id_is_reported_by_status()
    {
        Assert.Equal(PartitionErrors.PartitionCancelled, PartitionErrors.IdOf(PartitionStatus.Cancelled, null));
        Assert.Equal(PartitionErrors.ProcessorFailed, PartitionErrors.IdOf(PartitionStatus.Failed, null));
        Assert.Equal(PartitionErrors.RowRulesViolated, PartitionErrors.IdOf(PartitionStatus.Quarantined, PartitionErrors.RowRulesViolated));
    }

    [Fact]
    public void The_older_id_constants_are_the_ErrorIds()
    {
        Assert.Equal("StreamingBufferBusy", global::BackfillTools.Core.Warehouse.BigQuery.BigQueryErrors.StreamingBufferBusyErrorId);
        Assert.Equal("LockLost", WarehouseLock.LockLostErrorId);
        Assert.Equal("SchemaMismatch", SchemaCompatibility.MismatchErrorId);
        Assert.Equal("CostBudgetExceeded", CostBudget.ErrorId);
    }
}
