using BackfillTools.Core.Processors;

namespace BackfillTools.Core.Backfill;

/// <summary>
/// What the runner measured for one (date, processor): the Phase 3 presence before computing, and the staged chunk's
/// audit (coverage, row rules, the context decision) after.
/// </summary>
internal sealed record DateAudit(long Games, long Phase3Rows, long Expected, long Rows, long Accounted, long NullKeys,
    long DuplicateKeys, long UpstreamFailures, string? UpstreamReason, string Source, long? Pgs, long? Upcg, string? SourceReason)
{
    /// <summary>Final games lacking a team's rows in a Phase 3 table the processor reads, waived ones included.</summary>
    public IReadOnlyList<GameGap> Gaps { get; init; } = Array.Empty<GameGap>();
    public IReadOnlyList<GameGap> OpenGaps => Gaps.Where(g => !g.IsWaived).ToList();
    public IReadOnlyList<GameGap> WaivedGaps => Gaps.Where(g => g.IsWaived).ToList();
}

/// <summary>
/// The publish gate's policy: from a date's measurements to its result — published (with a warning below
/// -WarnCoverage), quarantined (row rules broken, or coverage below -MinCoverage) or failed (inputs missing, processor
/// error) — and the message that tells the operator what to do.
/// </summary>
internal sealed class PartitionGate
{
    private readonly string _runId;
    private readonly double _minCoverage;
    private readonly double _warnCoverage;

    public PartitionGate(string runId, double minCoverage, double warnCoverage)
    {
        _runId = runId;
        _minCoverage = minCoverage;
        _warnCoverage = warnCoverage;
    }

    public BackfillResult Judge(ProcessorName name, DateOnly date, DateAudit presence, DateAudit? audit, string? computeError, long durationMs)
    {
        BackfillResult Make(PartitionStatus status, string? error, string? message, bool warning = false) => new()
        {
            RunId = _runId, Date = date, Season = Season.LabelOf(date), Processor = name, Status = status,
            Expected = audit?.Expected ?? 0, Actual = audit?.Rows ?? 0, Accounted = audit?.Accounted ?? 0,
            CoveragePct = audit is { Expected: > 0 } a ? Math.Round(100.0 * a.Accounted / a.Expected, 2) : null,
            RowsPct = audit is { Expected: > 0 } b ? Math.Round(100.0 * b.Rows / b.Expected, 2) : null,
            Source = audit?.Source ?? ContextSources.NotApplicable, SourceReason = audit?.SourceReason, PgsPlayers = audit?.Pgs, UpcgRows = audit?.Upcg,
            RowsWritten = status == PartitionStatus.Published ? audit?.Rows ?? 0 : 0, DurationMs = durationMs,
            ErrorCategory = error, Message = message, IsWarning = warning,
        };

        if (presence.Phase3Rows == 0)
            return Make(PartitionStatus.Failed, PartitionErrors.UpstreamMissing,
                $"{presence.Games} final game(s) scheduled but {presence.UpstreamReason}; run the Phase 3 job for this date, then retry.");
        if (presence.OpenGaps is { Count: > 0 } open)
        {
            var ids = UpstreamCompleteness.GameIds(open);
            return Make(PartitionStatus.Failed, PartitionErrors.UpstreamIncomplete,
                $"{ids.Length} of {presence.Games} final game(s) lack Phase 3 rows: {UpstreamCompleteness.Describe(open)}. " +
                $"Not published: the players of a missing game would never be expected. Load those rows and retry; a game that can never be " +
                $"filled can be waived with Add-BackfillWaiver -GameId {string.Join(", ", ids)} -Reason '<why>'.");
        }
        var waivedNote = presence.WaivedGaps is { Count: > 0 } waived
            ? $"Waived game(s) left out: {UpstreamCompleteness.Describe(waived, withReason: true)}."
            : null;
        if (computeError is not null)
            return Make(PartitionStatus.Failed, PartitionErrors.ProcessorFailed, $"The processor failed: {computeError}");
        if (audit is null)
            return Make(PartitionStatus.Failed, PartitionErrors.ProcessorFailed, "The audit found no result for this date.");
        if (audit.Expected == 0)
            return Make(PartitionStatus.Failed, PartitionErrors.UpstreamMissing,
                $"{presence.Games} final game(s) scheduled but the processor expects no entities; its inputs are missing.");
        if (audit.NullKeys > 0 || audit.DuplicateKeys > 0)
            return Make(PartitionStatus.Quarantined, PartitionErrors.RowRulesViolated,
                $"{audit.NullKeys} row(s) with a NULL key and {audit.DuplicateKeys} duplicate key(s); rows kept in quarantine for inspection.");
        var coverage = 100.0 * audit.Accounted / audit.Expected;
        if (coverage < _minCoverage && audit.UpstreamFailures * 2 >= audit.Expected)
            return Make(PartitionStatus.Failed, PartitionErrors.UpstreamMissing,
                $"Upstream Phase 4 rows are missing ({audit.UpstreamReason}); backfill the upstream processor for this date first.");
        if (coverage < _minCoverage)
            return Make(PartitionStatus.Quarantined, PartitionErrors.CoverageBelowThreshold,
                $"Coverage {coverage:0.##}% ({audit.Accounted} of {audit.Expected} expected entities) is below -MinCoverage {_minCoverage}%; " +
                $"not published, previous data kept, rows in {BackfillRunner.QuarantineDataset}.{ProcessorCatalog.Get(name).Output.Name}." +
                (ContextSources.IsUpcg(audit.Source) ? $" The context came from UPCG ({audit.Upcg} rows for {audit.Pgs} players): clear it with Clear-StaleUpcg -Date {date:yyyy-MM-dd}." : ""));
        if (coverage < _warnCoverage)
            return Make(PartitionStatus.Published, PartitionErrors.CoverageLow,
                $"Published with coverage {coverage:0.##}% (below -WarnCoverage {_warnCoverage}%).{(waivedNote is null ? "" : " " + waivedNote)}", warning: true);
        return Make(PartitionStatus.Published, null, waivedNote);
    }
}
