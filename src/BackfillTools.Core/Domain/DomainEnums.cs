namespace BackfillTools.Core.Domain;

// The domain's vocabularies. Member names are the exact strings the warehouse stores and operators export, so an
// enum prints, stores and parses as the string it replaces.

/// <summary>
/// A backfill run's state (nba_backfill.backfill_runs.status): Running until it ends; Succeeded or CompletedWithFailures
/// when it got through its plan; Failed, Cancelled or Stopped (by the caller, e.g. -ErrorAction Stop) when it ended
/// early; Interrupted when its process died (the next run marks it); Undone when Undo-BackfillRun took it back.
/// </summary>
public enum RunStatus { Running, Succeeded, CompletedWithFailures, Failed, Cancelled, Stopped, Interrupted, Undone }

/// <summary>What a partition's result is. Published and Skipped are done; the rest can be retried.</summary>
public enum PartitionStatus { Pending, Running, Published, Quarantined, Skipped, Failed, Cancelled }

/// <summary>What the planner decided for one (date, processor).</summary>
public enum PlanAction { Run, Skip }

/// <summary>The layer Test-Coverage and Test-DataQuality check.</summary>
public enum CoverageLayer { Raw, Analytics, Precompute }

/// <summary>
/// The layer a warehouse table belongs to (Get-BackfillWarehouse): the coverage layers, plus Operations, the tool's own
/// ledger, lock and backup tables. Members equal <see cref="CoverageLayer"/>'s where they overlap.
/// </summary>
public enum WarehouseLayer { Raw = CoverageLayer.Raw, Analytics = CoverageLayer.Analytics, Precompute = CoverageLayer.Precompute, Operations }

/// <summary>Where a date's player context came from (context_source_log.source).</summary>
public enum ContextSource { UPCG, Synthetic, Mixed }

public static class ContextSources
{
    /// <summary>What a result shows as its source when the processor reads no player context.</summary>
    public const string NotApplicable = "n/a";

    public static bool IsUpcg(string? source) => source == nameof(ContextSource.UPCG);
}

/// <summary>
/// The error ids a partition's result carries (BackfillResult.ErrorCategory, backfill_partitions.error_category): the
/// publish gate's verdicts. The column also holds a warehouse's refusal id (e.g. StreamingBufferBusy), so it is an
/// open set of ErrorIds rather than an enum; these are the ones the product itself decides and matches on.
/// </summary>
public static class PartitionErrors
{
    public const string UpstreamMissing = nameof(UpstreamMissing);
    public const string UpstreamIncomplete = nameof(UpstreamIncomplete);
    public const string ProcessorFailed = nameof(ProcessorFailed);
    public const string RowRulesViolated = nameof(RowRulesViolated);
    public const string CoverageBelowThreshold = nameof(CoverageBelowThreshold);
    public const string CoverageLow = nameof(CoverageLow);
    /// <summary>The ErrorId of a partition that Ctrl+C left unfinished.</summary>
    public const string PartitionCancelled = nameof(PartitionCancelled);

    /// <summary>The ErrorId a failed, quarantined or cancelled partition is reported under (its own, else by status).</summary>
    public static string IdOf(PartitionStatus status, string? errorCategory) =>
        errorCategory ?? (status == PartitionStatus.Cancelled ? PartitionCancelled : ProcessorFailed);

    /// <summary>What kind of failure a partition's error id is (Invoke-Backfill's error record category).</summary>
    public static ErrorKind KindOf(string? errorCategory) => errorCategory switch
    {
        CoverageBelowThreshold => ErrorKind.InvalidResult,
        UpstreamMissing or UpstreamIncomplete => ErrorKind.ObjectNotFound,
        RowRulesViolated => ErrorKind.InvalidData,
        ErrorIds.StreamingBufferBusy => ErrorKind.ResourceBusy,
        _ => ErrorKind.NotSpecified,
    };
}

/// <summary>The failure categories processors record in precompute_failures.failure_category.</summary>
public enum FailureCategory
{
    INSUFFICIENT_DATA,
    INCOMPLETE_DATA,
    EXPECTED_INCOMPLETE,
    INCOMPLETE_UPSTREAM,
    STALE_DATA,
    CIRCUIT_BREAKER_ACTIVE,
    PROCESSING_ERROR,
    VALIDATION_ERROR,
}

public static class FailureCategories
{
    /// <summary>
    /// Every category a processor records for an entity it did not output. Each accounts for the entity in coverage
    /// (the entity is explained, not missing), whether by design or as an error to retry.
    /// </summary>
    public static IReadOnlyList<FailureCategory> Recorded { get; } = Enum.GetValues<FailureCategory>();

    /// <summary>Categories that skip an entity by design (not an error to retry).</summary>
    public static bool IsByDesignSkip(FailureCategory category) =>
        category is FailureCategory.INSUFFICIENT_DATA or FailureCategory.EXPECTED_INCOMPLETE;

    public static bool IsByDesignSkip(string category) => Enum.TryParse<FailureCategory>(category, out var c) && IsByDesignSkip(c);
}
