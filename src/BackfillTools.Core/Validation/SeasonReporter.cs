using BackfillTools.Core.Processors;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Core.Validation;

/// <summary>Get-SeasonReport: the regular season's coverage per season (and per processor), rolled up from Test-Coverage.</summary>
public static class SeasonReporter
{
    public static IReadOnlyList<CoverageResult> Coverage(IWarehouse w, IReadOnlyList<string>? seasons,
        IProgress<ProgressInfo>? progress, CancellationToken ct)
    {
        var scope = seasons is { Count: > 0 } ? DateScope.Seasons(seasons, regularSeasonOnly: true) : DateScope.All(regularSeasonOnly: true);
        return CoverageValidator.Run(w, scope, new CoverageOptions(), progress, ct);
    }

    public static IReadOnlyList<SeasonReport> BySeason(IReadOnlyList<CoverageResult> coverage) =>
        coverage.GroupBy(r => r.Season).OrderBy(g => g.Key).Select(g =>
        {
            var dates = g.Where(r => r.Status != CoverageStatus.NoGames).Select(r => r.Date).Distinct().ToList();
            double? Pct(string table)
            {
                var rows = g.Where(r => r.Table == table).ToList();
                var expected = rows.Sum(r => r.Expected);
                return expected > 0 ? Math.Round(100.0 * rows.Sum(r => r.Actual) / expected, 1) : null;
            }
            // A date is covered at L4 when every processor is complete; bootstrap dates count as not covered
            // (the reference's "Phase 4 date coverage of Phase 2").
            var l4 = g.Where(r => r.Layer == CoverageLayer.Precompute).GroupBy(r => r.Date).ToList();
            var covered = l4.Count(d => d.All(r => r.Status is CoverageStatus.OK or CoverageStatus.NotEligible or CoverageStatus.Waived));
            var problems = g.Where(r => r.IsProblem).Select(r => r.Date).Distinct().Count();
            var waived = WaivedGames(g);
            return new SeasonReport
            {
                Season = g.Key,
                Dates = dates.Count,
                // Scheduled games: a waived game is not expected, but it was scheduled.
                Games = g.Where(r => r.Table == Schema.WarehouseSchema.PlayerBoxscores.FullName).Sum(r => r.Expected + r.WaivedGames.Length),
                RawPct = Pct(Schema.WarehouseSchema.PlayerBoxscores.FullName),
                AnalyticsPct = Pct(Schema.WarehouseSchema.PlayerGameSummary.FullName),
                PrecomputePct = l4.Count > 0 ? Math.Round(100.0 * covered / l4.Count, 1) : null,
                ProblemDates = problems,
                WaivedGames = waived,
                Status = StatusText(problems, waived),
            };
        }).ToList();

    public static IReadOnlyList<SeasonProcessorReport> ByProcessor(IReadOnlyList<CoverageResult> coverage) =>
        coverage.Where(r => r.Layer == CoverageLayer.Precompute)
            .GroupBy(r => (r.Season, r.Processor))
            .OrderBy(g => g.Key.Season).ThenBy(g => (int)Enum.Parse<ProcessorName>(g.Key.Processor))
            .Select(g =>
            {
                var rows = g.Where(r => r.Status != CoverageStatus.NoGames).ToList();
                var expected = rows.Sum(r => r.Expected);
                var problems = rows.Count(r => r.IsProblem);
                var waived = WaivedGames(rows);
                return new SeasonProcessorReport
                {
                    Season = g.Key.Season,
                    Processor = g.Key.Processor,
                    Dates = rows.Count,
                    OkDates = rows.Count(r => r.Status == CoverageStatus.OK),
                    BootstrapDates = rows.Count(r => r.Status == CoverageStatus.Bootstrap),
                    NotEligibleDates = rows.Count(r => r.Status == CoverageStatus.NotEligible),
                    WaivedDates = rows.Count(r => r.Status == CoverageStatus.Waived),
                    ProblemDates = problems,
                    CoveragePct = expected > 0 ? Math.Round(100.0 * rows.Sum(r => r.Accounted) / expected, 1) : null,
                    WaivedGames = waived,
                    Status = StatusText(problems, waived),
                };
            }).ToList();

    private static string[] WaivedGames(IEnumerable<CoverageResult> rows) =>
        rows.Where(r => r.Status == CoverageStatus.Waived).SelectMany(r => r.WaivedGames).Distinct().Order(StringComparer.Ordinal).ToArray();

    /// <summary>Precedence: errors (failed dates) over Waived over Clean; a waiver never reads as Clean.</summary>
    private static string StatusText(int problems, string[] waivedGames) =>
        problems > 0 ? $"{problems} errors" : waivedGames.Length > 0 ? "Waived" : "Clean";
}
