using BackfillTools.Core.Processors;

namespace BackfillTools.Core.Ledger;

/// <summary>Everything an operator asked of one backfill. Validated before anything is written.</summary>
public sealed record BackfillRequest
{
    /// <summary>A contiguous range (both ends inclusive)…</summary>
    public DateOnly? StartDate { get; init; }
    public DateOnly? EndDate { get; init; }
    /// <summary>…or whole seasons ("2022-23")…</summary>
    public IReadOnlyList<string>? Seasons { get; init; }
    /// <summary>…or explicit (date, processor) pairs (piped coverage rows, -Date).</summary>
    public IReadOnlyList<(DateOnly Date, ProcessorName Processor)>? Partitions { get; init; }

    /// <summary>-Resume / -RetryFailed: the partitions come from the ledger, so no dates are given.</summary>
    public bool FromLedger { get; init; }

    public IReadOnlyList<ProcessorName> Processors { get; init; } = Enum.GetValues<ProcessorName>();
    public double MinCoverage { get; init; } = BackfillRules.CoverageMinPct;
    public double WarnCoverage { get; init; } = BackfillRules.CoverageWarnPct;
    /// <summary>Engine threads (DuckDB) or concurrent jobs (BigQuery).</summary>
    public int ThrottleLimit { get; init; } = DefaultThrottleLimit;

    /// <summary>-ThrottleLimit when not given: one per processor of this machine.</summary>
    public static int DefaultThrottleLimit => Environment.ProcessorCount;

    /// <summary>
    /// -ThrottleLimit when not given on a warehouse with a memory limit: as many DuckDB threads as the limit holds
    /// (<see cref="WarehouseConnection.MemoryPerThreadMB"/> each), at least one, at most one per processor.
    /// </summary>
    public static int DefaultThrottleLimitWithin(int? memoryLimitMB) => memoryLimitMB is { } limit
        ? Math.Clamp(limit / WarehouseConnection.MemoryPerThreadMB, 1, DefaultThrottleLimit)
        : DefaultThrottleLimit;
    public bool SkipPreflight { get; init; }
    public bool Force { get; init; }
    /// <summary><see cref="DatesPerChunk"/> for a season per processor call, the set-based default.</summary>
    public const int SeasonPerChunk = 0;

    /// <summary>Dates computed per processor call: <see cref="SeasonPerChunk"/> (set-based) or 1, the per-date baseline (-PerDate).</summary>
    public int DatesPerChunk { get; init; } = SeasonPerChunk;
    public ProcessorOptions ProcessorOptions { get; init; } = ProcessorOptions.Default;
    /// <summary>How long the lock row's heartbeat stays valid on BigQuery (internal, for tests; 10 minutes otherwise).</summary>
    internal TimeSpan LockLease { get; init; } = BackfillRules.LockLease;

    /// <summary>BigQuery budget for the whole run, in bytes billed (-MaxBytesBilled); null = no budget.</summary>
    public long? MaxBytesBilled { get; init; }

    /// <summary>Publish-archive retention (Undo-BackfillRun): versions kept per table × date, and the age in days beyond which older ones go.</summary>
    public int ArchiveKeepVersions { get; init; } = BackfillRules.ArchiveKeepVersions;
    public int ArchiveKeepDays { get; init; } = BackfillRules.ArchiveKeepDays;
    /// <summary>Today for validation (injectable for tests); future dates are refused.</summary>
    public DateOnly Today { get; init; } = BackfillRules.Today();

    /// <summary>Refuse bad input before anything is written.</summary>
    public void Validate()
    {
        if (MinCoverage is < 0 or > 100 || double.IsNaN(MinCoverage))
            throw Invalid("InvalidThreshold", $"-MinCoverage must be between 0 and 100 (got {MinCoverage}).");
        if (WarnCoverage is < 0 or > 100 || double.IsNaN(WarnCoverage))
            throw Invalid("InvalidThreshold", $"-WarnCoverage must be between 0 and 100 (got {WarnCoverage}).");
        if (WarnCoverage < MinCoverage)
            throw Invalid("InvalidThreshold", $"-WarnCoverage ({WarnCoverage}) must not be below -MinCoverage ({MinCoverage}).");
        if (ThrottleLimit is < 1 or > 64)
            throw Invalid("InvalidThrottleLimit", $"-ThrottleLimit must be between 1 and 64 (got {ThrottleLimit}).");
        if (Processors.Count == 0)
            throw Invalid("NoProcessor", "Name at least one processor (TDZA, PSZA, PCF, PDC, MLFS).");
        if (StartDate is { } s && EndDate is { } e)
        {
            if (e < s) throw Invalid("InvalidDateRange", $"-EndDate {e:yyyy-MM-dd} is before -StartDate {s:yyyy-MM-dd}. Swap them.");
            if (e > Today) throw Invalid("FutureDate", $"-EndDate {e:yyyy-MM-dd} is in the future; a backfill covers past game dates only (today is {Today:yyyy-MM-dd}).");
        }
        else if (StartDate is not null || EndDate is not null)
            throw Invalid("InvalidDateRange", "Give both -StartDate and -EndDate.");
        if (Seasons is { } seasons)
        {
            if (seasons.Count == 0) throw Invalid("InvalidSeason", "Name at least one season, e.g. 2022-23.");
            foreach (var label in seasons)
            {
                var year = Season.Parse(label);
                if (year > Season.YearOf(Today))
                    throw Invalid("FutureDate", $"Season {label} has not started yet (today is {Today:yyyy-MM-dd}).");
            }
        }
        if (Partitions is { } parts)
        {
            if (parts.Count == 0) throw Invalid("NoDates", "No dates to backfill.");
            var future = parts.Where(p => p.Date > Today).Select(p => p.Date).Distinct().OrderBy(d => d).ToList();
            if (future.Count > 0)
                throw Invalid("FutureDate", $"{string.Join(", ", future.Take(5).Select(d => d.ToString("yyyy-MM-dd")))} {(future.Count == 1 ? "is" : "are")} in the future; a backfill covers past game dates only.");
        }
        if (MaxBytesBilled is <= 0)
            throw Invalid("InvalidMaxBytesBilled", $"-MaxBytesBilled must be a positive number of bytes (got {MaxBytesBilled}).");
        var selectors = (StartDate is null ? 0 : 1) + (Seasons is null ? 0 : 1) + (Partitions is null ? 0 : 1);
        if (FromLedger)
        {
            if (selectors != 0) throw Invalid("NoDates", "-Resume and -RetryFailed take their dates from the ledger; leave out -Season, -StartDate/-EndDate and -Date.");
        }
        else if (selectors != 1)
            throw Invalid("NoDates", "Choose the dates one way: -StartDate/-EndDate, -Season, -Date, or piped coverage rows.");
    }

    private static BackfillException Invalid(string id, string message) => new(id, ErrorKind.InvalidArgument, message);
}
