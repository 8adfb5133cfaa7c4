using System.Globalization;
using System.Text.RegularExpressions;

namespace BackfillTools.Core.Domain;

/// <summary>NBA season labels ("2022-23") and the season_year rule (processors spec §1), in one place.</summary>
public static partial class Season
{
    /// <summary>season_year(D) = year(D) if month(D) ≥ 10, else year(D) − 1.</summary>
    public static int YearOf(DateOnly date) => date.Month >= 10 ? date.Year : date.Year - 1;

    public static string Label(int seasonYear) => $"{seasonYear}-{(seasonYear + 1) % 100:00}";

    public static string LabelOf(DateOnly date) => Label(YearOf(date));

    /// <summary>The season <paramref name="today"/> falls in and the ones before it, newest first.</summary>
    public static IEnumerable<string> RecentLabels(DateOnly today, int count) =>
        Enumerable.Range(0, count).Select(back => Label(YearOf(today) - back));

    /// <summary>Parse "2022-23" (or "2022") into its season_year; a bad label is a clear error.</summary>
    public static int Parse(string label)
    {
        var m = LabelPattern().Match(label?.Trim() ?? "");
        if (!m.Success)
            throw new BackfillException(ErrorIds.InvalidSeason, ErrorKind.InvalidArgument,
                $"'{label}' is not a season. Write it like 2022-23.", label);
        var start = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        if (m.Groups[2].Success && int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) != (start + 1) % 100)
            throw new BackfillException(ErrorIds.InvalidSeason, ErrorKind.InvalidArgument,
                $"'{label}' is not a season: the second year must follow the first (e.g. {Label(start)}).", label);
        return start;
    }

    /// <summary>The first and last date whose season_year is <paramref name="seasonYear"/> (Oct 1 to Sep 30).</summary>
    public static DateOnly FirstDay(int seasonYear) => new(seasonYear, 10, 1);

    public static DateOnly LastDay(int seasonYear) => new(seasonYear + 1, 9, 30);

    /// <summary>
    /// The partition range a computation over <paramref name="dates"/> may read (require_partition_filter tables are
    /// scanned only within it): the season before the earliest date's through the end of the latest date's season,
    /// so every window the processors use (this season, the last 10/20 games, the last 30 days) lies inside it.
    /// </summary>
    public static (DateOnly From, DateOnly To) ReadWindow(IEnumerable<DateOnly> dates)
    {
        var list = dates.ToList();
        if (list.Count == 0) return AllTime;
        return (FirstDay(YearOf(list.Min()) - 1), LastDay(YearOf(list.Max())));
    }

    /// <summary>
    /// The bound for reads that no plan narrows (Get-BackfillWarehouse's row counts, Test-Coverage without dates,
    /// waiver and game-id lookups): every date BigQuery can store. A constant, so BigQuery accepts it as a partition filter.
    /// </summary>
    public static readonly (DateOnly From, DateOnly To) AllTime = (DateOnly.MinValue, DateOnly.MaxValue);

    /// <summary>
    /// Fallback openers when the schedule cannot say (reference §1): these seasons' known openers, every other season
    /// <see cref="DefaultFallbackOpenerMonth"/>/<see cref="DefaultFallbackOpenerDay"/>.
    /// </summary>
    public static IReadOnlyDictionary<int, DateOnly> KnownFallbackOpeners { get; } = new SortedDictionary<int, DateOnly>
    {
        [2021] = new(2021, 10, 19),
        [2022] = new(2022, 10, 18),
        [2023] = new(2023, 10, 24),
        [2024] = new(2024, 10, 22),
        [2025] = new(2025, 10, 21),
        [2026] = new(2026, 10, 21),
    };

    public const int DefaultFallbackOpenerMonth = 10;
    public const int DefaultFallbackOpenerDay = 22;

    /// <summary>The opener a season falls back to when its schedule has no Final regular-season game.</summary>
    public static DateOnly FallbackOpener(int seasonYear) =>
        KnownFallbackOpeners.TryGetValue(seasonYear, out var known) ? known : new DateOnly(seasonYear, DefaultFallbackOpenerMonth, DefaultFallbackOpenerDay);

    /// <summary>Length of the bootstrap window (<see cref="BackfillRules.BootstrapDays"/>).</summary>
    public const int BootstrapDays = BackfillRules.BootstrapDays;

    public static bool IsBootstrap(DateOnly date, DateOnly opener) => BackfillRules.IsBootstrap(date, opener);

    [GeneratedRegex(@"^(\d{4})(?:-(\d{2}))?$")]
    private static partial Regex LabelPattern();
}
