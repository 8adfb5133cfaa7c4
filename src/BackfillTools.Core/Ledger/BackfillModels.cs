using BackfillTools.Core.Processors;

namespace BackfillTools.Core.Ledger;

/// <summary>One (date, processor) of a plan: run it, or skip it with a reason.</summary>
public sealed record PlanItem(DateOnly Date, string Season, ProcessorName Processor, PlanAction Action, string? Reason)
{
    /// <summary>The text backfill_partitions.action stores for a partition that runs.</summary>
    public const string Run = nameof(PlanAction.Run);
    public bool IsRun => Action == PlanAction.Run;
}

/// <summary>One (date, processor) result of a backfill, as Invoke-Backfill emits it and the ledger stores it.</summary>
public sealed class BackfillResult
{
    public required string RunId { get; init; }
    public required DateOnly Date { get; init; }
    public required string Season { get; init; }
    public required ProcessorName Processor { get; init; }
    public required PartitionStatus Status { get; init; }
    public long Expected { get; init; }
    /// <summary>Rows computed for the date (published, or held in quarantine).</summary>
    public long Actual { get; init; }
    /// <summary>Expected entities with a row or a by-design failure row.</summary>
    public long Accounted { get; init; }
    public double? CoveragePct { get; init; }
    public double? RowsPct { get; init; }
    /// <summary>UPCG, Synthetic or n/a: where the player context came from.</summary>
    public string Source { get; init; } = ContextSources.NotApplicable;
    /// <summary>Why that context source was chosen (the reference's "defensive logging", kept).</summary>
    public string? SourceReason { get; init; }
    public long? PgsPlayers { get; init; }
    public long? UpcgRows { get; init; }
    public long RowsWritten { get; init; }
    /// <summary>Rows of the output table, in the product's scope of this date, whose owned columns the publish replaced.</summary>
    public long RowsUpdated { get; internal set; }
    /// <summary>Rows the publish added (keys the table did not have; their columns the product does not own are NULL).</summary>
    public long RowsInserted { get; internal set; }
    /// <summary>Rows of the product's scope of this date that the new result no longer has, removed by the publish.</summary>
    public long RowsDeleted { get; internal set; }
    public long DurationMs { get; init; }
    /// <summary>Stable id of what went wrong (CoverageBelowThreshold, UpstreamMissing, ProcessorFailed, …), or null.</summary>
    public string? ErrorCategory { get; init; }
    public string? Message { get; init; }
    public bool IsWarning { get; init; }

    public override string ToString() => $"{Date:yyyy-MM-dd} {Processor} {Status}";

    /// <summary>This result as Failed, nothing written: its batch could not be published (for example StreamingBufferBusy).</summary>
    internal BackfillResult AsFailed(string errorCategory, string message) => new()
    {
        RunId = RunId, Date = Date, Season = Season, Processor = Processor, Status = PartitionStatus.Failed,
        Expected = Expected, Actual = Actual, Accounted = Accounted, CoveragePct = CoveragePct, RowsPct = RowsPct,
        Source = Source, SourceReason = SourceReason, PgsPlayers = PgsPlayers, UpcgRows = UpcgRows, RowsWritten = 0,
        DurationMs = DurationMs, ErrorCategory = errorCategory, Message = message, IsWarning = false,
    };
}

/// <summary>A run as the ledger records it (Get-BackfillRun).</summary>
public sealed class BackfillRunInfo
{
    public required string RunId { get; init; }
    public required RunStatus Status { get; init; }
    public DateTime StartedAt { get; init; }
    public DateTime? FinishedAt { get; init; }
    public string? Parameters { get; init; }
    public string? Processors { get; init; }
    public DateOnly? StartDate { get; init; }
    public DateOnly? EndDate { get; init; }
    public long Partitions { get; init; }
    public long Published { get; init; }
    public long Quarantined { get; init; }
    public long Failed { get; init; }
    public long Skipped { get; init; }
    public long Cancelled { get; init; }
    public long Pending { get; init; }
    public string? ToolVersion { get; init; }
    public string? Host { get; init; }
    public string? ResumedFrom { get; init; }
    public string? Message { get; init; }
    /// <summary>Who started the run (with <see cref="Host"/>).</summary>
    public string? UserName { get; init; }
    /// <summary>BigQuery query jobs of the run and their totals (null on DuckDB, and for runs before the cost guard).</summary>
    public long? BigQueryJobs { get; init; }
    public long? BytesProcessed { get; init; }
    public long? BytesBilled { get; init; }
    public long? SlotMs { get; init; }
    /// <summary>BytesBilled at the session's price per TiB; null under capacity pricing or without BigQuery jobs.</summary>
    public decimal? EstimatedCost { get; set; }
    public decimal? PricePerTiB { get; set; }
}

/// <summary>A run's BigQuery jobs summed for one processor (Get-BackfillRun -CostByProcessor).</summary>
public sealed class ProcessorCost
{
    public required string RunId { get; init; }
    public required string Processor { get; init; }
    public long Jobs { get; init; }
    public long BytesProcessed { get; init; }
    public long BytesBilled { get; init; }
    public long SlotMs { get; init; }
    public decimal? EstimatedCost { get; set; }
}

/// <summary>An entity-level failure row (Get-BackfillFailure).</summary>
public sealed class PrecomputeFailure
{
    public required string Processor { get; init; }
    public required DateOnly Date { get; init; }
    public required string EntityId { get; init; }
    public required string Category { get; init; }
    public string? Reason { get; init; }
    public bool CanRetry { get; init; }
    public string? RunId { get; init; }
    public DateTime? CreatedAt { get; init; }
}
