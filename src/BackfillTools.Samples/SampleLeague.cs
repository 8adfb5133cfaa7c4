using BackfillTools.Core.Warehouse;

namespace BackfillTools.Samples;

/// <param name="Scale">Copies of the four-season cycle: 1 is the real seasons only; n adds n − 1 copies of the chosen
/// seasons moved back by 4, 8, … years (generated afresh: their own matchups, games and continuing players).</param>
public sealed record SampleLeagueOptions(IReadOnlyList<string> Seasons, IReadOnlyList<string> Scenarios, int Seed = 20240101, int Scale = 1);

/// <summary>What a generation wrote: rows per table.</summary>
public sealed record SampleLeagueSummary(IReadOnlyDictionary<string, long> RowsByTable, TimeSpan Elapsed);

/// <summary>
/// The sample league: the real regular-season schedules of 2021-22..2024-25 with a generated, deterministic set of
/// games (issue 3). Implemented in SampleLeagueGenerator.
/// </summary>
public static partial class SampleLeague
{
    public static IReadOnlyList<string> AllSeasons { get; } = new[] { "2021-22", "2022-23", "2023-24", "2024-25" };

    /// <summary>Named data defects a sample warehouse can carry (documented in New-BackfillWarehouse help).</summary>
    public static IReadOnlyList<string> KnownScenarios { get; } = new[] { "StaleUpcg", "MissingUpstream" };

    public const int DefaultSeed = 20240101;

    /// <summary>Largest scale: 25 cycles are 100 seasons, as many as the two-digit season in an NBA id can tell apart.</summary>
    public const int MaxScale = 25;

    /// <summary>Years shifted per copy: a whole cycle, so copies keep the real seasons' leap days.</summary>
    public const int CycleYears = 4;

    /// <summary>The season_years a generation writes, in the order it writes them.</summary>
    public static IReadOnlyList<int> SeasonYears(SampleLeagueOptions options) =>
        Plans(options).Select(p => p.Year).ToList();

    /// <summary>The real seasons first, then copy 1 (shifted 4 years), copy 2 (8 years)..., each in date order.</summary>
    internal static List<SeasonPlan> Plans(SampleLeagueOptions options)
    {
        var real = options.Seasons.Select(Season.Parse).Distinct().Order().ToList();
        return Enumerable.Range(0, options.Scale)
            .SelectMany(copy => real.Select(y => new SeasonPlan(y - CycleYears * copy, y)))
            .ToList();
    }

    public static void Validate(SampleLeagueOptions options)
    {
        if (options.Scale is < 1 or > MaxScale)
            throw new BackfillException(ErrorIds.InvalidScale, ErrorKind.InvalidArgument,
                $"-Scale must be between 1 and {MaxScale} (got {options.Scale}): each step adds four seasons, and NBA ids tell only 100 seasons apart.",
                options.Scale);
        foreach (var s in options.Seasons)
        {
            Season.Parse(s);
            if (!AllSeasons.Contains(s))
                throw new BackfillException(ErrorIds.UnknownSeason, ErrorKind.InvalidArgument,
                    $"The sample league has no season '{s}'. Choose from {string.Join(", ", AllSeasons)}.", s);
        }
        foreach (var sc in options.Scenarios)
        {
            if (!KnownScenarios.Contains(sc, StringComparer.OrdinalIgnoreCase))
                throw new BackfillException(ErrorIds.UnknownScenario, ErrorKind.InvalidArgument,
                    $"Unknown scenario '{sc}'. Choose from {string.Join(", ", KnownScenarios)}.", sc);
            // Both scenarios damage 2022-23 data; without that season they would silently do nothing.
            if (!options.Seasons.Contains("2022-23"))
                throw new BackfillException(ErrorIds.ScenarioNeedsSeason, ErrorKind.InvalidArgument,
                    $"The scenario '{sc}' changes 2022-23 data; add 2022-23 to -Season.", sc);
        }
    }
}
