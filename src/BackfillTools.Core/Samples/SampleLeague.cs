using BackfillTools.Core.Warehouse;

namespace BackfillTools.Core.Samples;

public sealed record SampleLeagueOptions(IReadOnlyList<string> Seasons, IReadOnlyList<string> Scenarios, int Seed = 20240101);

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

    public static void Validate(SampleLeagueOptions options)
    {
        foreach (var s in options.Seasons)
        {
            Season.Parse(s);
            if (!AllSeasons.Contains(s))
                throw new BackfillException("UnknownSeason", ErrorKind.InvalidArgument,
                    $"The sample league has no season '{s}'. Choose from {string.Join(", ", AllSeasons)}.", s);
        }
        foreach (var sc in options.Scenarios)
        {
            if (!KnownScenarios.Contains(sc, StringComparer.OrdinalIgnoreCase))
                throw new BackfillException("UnknownScenario", ErrorKind.InvalidArgument,
                    $"Unknown scenario '{sc}'. Choose from {string.Join(", ", KnownScenarios)}.", sc);
            // Both scenarios damage 2022-23 data; without that season they would silently do nothing.
            if (!options.Seasons.Contains("2022-23"))
                throw new BackfillException("ScenarioNeedsSeason", ErrorKind.InvalidArgument,
                    $"The scenario '{sc}' changes 2022-23 data; add 2022-23 to -Season.", sc);
        }
    }
}
