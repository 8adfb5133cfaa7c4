namespace BackfillTools.Core.Domain;

// The domain's vocabularies. Member names are the exact strings the warehouse stores and operators export, so an
// enum prints, stores and parses as the string it replaces.

/// <summary>How a backfill run ended (backfill_runs.status); Undone: taken back by Undo-BackfillRun.</summary>
public enum RunStatus { Running, Succeeded, CompletedWithFailures, Failed, Cancelled, Undone }

/// <summary>What a partition's result is. Published and Skipped are done; the rest can be retried.</summary>
public enum PartitionStatus { Pending, Running, Published, Quarantined, Skipped, Failed, Cancelled }

/// <summary>What the planner decided for one (date, processor).</summary>
public enum PlanAction { Run, Skip }

/// <summary>The layer Test-Coverage and Test-DataQuality check.</summary>
public enum CoverageLayer { Raw, Analytics, Precompute }

/// <summary>Where a date's player context came from (context_source_log.source).</summary>
public enum ContextSource { UPCG, Synthetic, Mixed }

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
