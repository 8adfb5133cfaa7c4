namespace BackfillTools.Core.Validation;

/// <summary>Warehouse layer a coverage row measures: L1 raw box scores, L3 analytics, L4 precompute.</summary>

/// <summary>
/// Coverage verdict of one (date, layer, table/processor). OK/Low/Incomplete follow the percentage thresholds;
/// Missing = something expected and nothing there; Bootstrap, NotEligible and NoGames are complete by design.
/// Waived = complete over the games that exist, with waived games (Add-BackfillWaiver) left out; never shown as OK.
/// </summary>
public enum CoverageStatus { OK, Low, Incomplete, Missing, Bootstrap, NotEligible, NoGames, Waived }

/// <summary>Why a row is not OK, classified from data and the backfill ledger (most actionable first).</summary>
public enum CoverageReason
{
    /// <summary>The row is OK; nothing to explain.</summary>
    None,
    /// <summary>Bootstrap, NotEligible or NoGames: nothing is owed.</summary>
    ByDesign,
    /// <summary>Partial upcoming_player_game_context on the date and the rows came from it: Clear-StaleUpcg, then re-run.</summary>
    StaleUpcg,
    /// <summary>An input table (Phase 3, or an upstream Phase 4 processor, or raw box scores) has no rows for the date.</summary>
    UpstreamMissing,
    /// <summary>Failure rows of a non-by-design category exist, or the ledger says the processor failed.</summary>
    ProcessorFailure,
    /// <summary>The last backfill held the date back at the coverage gate; the published data is older or absent.</summary>
    Quarantined,
    /// <summary>No backfill ledger entry for the (date, processor).</summary>
    NeverRun,
    Unknown,
    /// <summary>A scheduled final game lacks Phase 3 rows of one or both teams (and is not waived), so "expected" is short.</summary>
    UpstreamIncomplete,
    /// <summary>Only waived games are missing: complete over the games that exist.</summary>
    Waived,
}

/// <summary>One (date, layer, table/processor) of Test-Coverage. Pipes into Invoke-Backfill by Date, Processor and Layer.</summary>
public sealed class CoverageResult
{
    public required DateOnly Date { get; init; }
    public required string Season { get; init; }
    public required CoverageLayer Layer { get; init; }
    /// <summary>The processor (TDZA…MLFS) on the Precompute layer; the table name on Raw and Analytics.</summary>
    public required string Processor { get; init; }
    /// <summary>The measured table as dataset.table.</summary>
    public required string Table { get; init; }
    /// <summary>Games scheduled (Raw, Analytics) or entities expected (Precompute).</summary>
    public long Expected { get; init; }
    /// <summary>Games present (Raw, Analytics) or rows published (Precompute).</summary>
    public long Actual { get; init; }
    /// <summary>Precompute: expected entities with a row or a by-design failure row (the backfill gate's rule). Else = Actual.</summary>
    public long Accounted { get; init; }
    public double? CoveragePct { get; init; }
    public required CoverageStatus Status { get; init; }
    public CoverageReason Reason { get; init; }
    /// <summary>What the reason rests on (missing tables or game ids, failure category, ledger message).</summary>
    public string? Detail { get; init; }
    /// <summary>Player context the published rows came from: UPCG, Synthetic, or n/a; null when unknown.</summary>
    public string? Source { get; init; }
    public long? PgsPlayers { get; init; }
    public long? UpcgRows { get; init; }
    /// <summary>-Detailed only: expected entities not accounted for, with their failure category when one exists.</summary>
    public string? Unaccounted { get; init; }
    /// <summary>NBA ids of scheduled final games missing (one or both teams) from the measured table or, on the
    /// Precompute layer, from the Phase 3 tables the processor reads; waived games excluded.</summary>
    public string[] MissingGames { get; init; } = Array.Empty<string>();
    /// <summary>NBA ids of the missing games that are waived (Add-BackfillWaiver).</summary>
    public string[] WaivedGames { get; init; } = Array.Empty<string>();
    /// <summary>Precompute: the run whose data the date holds now (its latest publish no undo took back); null when none.</summary>
    public string? PublishedByRunId { get; internal set; }

    /// <summary>True for Low, Incomplete and Missing: rows that need attention.</summary>
    public bool IsProblem => Status is CoverageStatus.Low or CoverageStatus.Incomplete or CoverageStatus.Missing;

    public override string ToString() => $"{Date:yyyy-MM-dd} {Layer} {Processor} {Status}";
}

/// <summary>One season of Get-SeasonReport (regular season only).</summary>
public sealed class SeasonReport
{
    public required string Season { get; init; }
    public long Dates { get; init; }
    public long Games { get; init; }
    public double? RawPct { get; init; }
    public double? AnalyticsPct { get; init; }
    /// <summary>Share of game dates on which every processor is OK or NotEligible; bootstrap dates count as not covered.</summary>
    public double? PrecomputePct { get; init; }
    public long ProblemDates { get; init; }
    /// <summary>"N errors" (dates with a problem in any layer), else "Waived" when waived games are left out, else "Clean".</summary>
    public required string Status { get; init; }
    /// <summary>NBA ids of the waived games the season's Waived rows leave out.</summary>
    public string[] WaivedGames { get; init; } = Array.Empty<string>();
}

/// <summary>One (season, processor) of Get-SeasonReport -ByProcessor.</summary>
public sealed class SeasonProcessorReport
{
    public required string Season { get; init; }
    public required string Processor { get; init; }
    public long Dates { get; init; }
    public long OkDates { get; init; }
    public long BootstrapDates { get; init; }
    public long NotEligibleDates { get; init; }
    public long ProblemDates { get; init; }
    /// <summary>Accounted ÷ expected over the season's dates.</summary>
    public double? CoveragePct { get; init; }
    /// <summary>"N errors", else "Waived" when a date is complete only thanks to waived games, else "Clean".</summary>
    public required string Status { get; init; }
    /// <summary>Dates complete over the games that exist, with waived games left out.</summary>
    public long WaivedDates { get; init; }
    /// <summary>NBA ids of the waived games on those dates.</summary>
    public string[] WaivedGames { get; init; } = Array.Empty<string>();
}

public enum FindingSeverity { Warning, Error }

/// <summary>One data-quality finding of Test-DataQuality.</summary>
public sealed class DataQualityFinding
{
    public required string Table { get; init; }
    public DateOnly? Date { get; init; }
    /// <summary>DuplicateKey, NullKey, CriticalNull, OutOfRange, CascadeContamination or ThinPartition.</summary>
    public required DataQualityCheck Check { get; init; }
    public string? Column { get; init; }
    public double Observed { get; init; }
    public double Threshold { get; init; }
    public required FindingSeverity Severity { get; init; }
    public string? Detail { get; init; }

    public override string ToString() => $"{Table} {Date:yyyy-MM-dd} {Check} {Column}";
}
