using System.Globalization;

namespace BackfillTools.Samples;

internal sealed record SampleTeam(string Tricode, long NbaTeamId, string Conference, string Division)
{
    /// <summary>"Boston Celtics": the schedule's home_team_name/away_team_name.</summary>
    public string FullName { get; init; } = Tricode;
    public string Arena { get; init; } = "";
    public string ArenaCity { get; init; } = "";
    public string ArenaState { get; init; } = "";
    public string Timezone { get; init; } = "America/New_York";
    public double Lat { get; init; }
    public double Lon { get; init; }
}

/// <summary>
/// One season to generate: <see cref="Year"/> takes the ids and dates of the real season <see cref="SourceYear"/>,
/// moved back by whole years (the scaled league's copies); a real season is its own source.
/// </summary>
internal sealed record SeasonPlan(int Year, int SourceYear)
{
    public static SeasonPlan Real(int year) => new(year, year);

    public int ShiftYears => SourceYear - Year;
    public bool IsReal => ShiftYears == 0;

    /// <summary>The same month and day <see cref="ShiftYears"/> earlier; Feb 29 becomes Feb 28 in a common year.</summary>
    public DateOnly Shift(DateOnly date)
    {
        var year = date.Year - ShiftYears;
        return new DateOnly(year, date.Month, Math.Min(date.Day, DateTime.DaysInMonth(year, date.Month)));
    }

    /// <summary>
    /// An NBA id (00 + type + YY + number) with its two-digit season moved too, so ids stay unique for up to 100
    /// seasons (SampleLeague.MaxScale × 4).
    /// </summary>
    public string ShiftId(string nbaGameId)
    {
        if (IsReal) return nbaGameId;
        var yy = int.Parse(nbaGameId.AsSpan(3, 2), CultureInfo.InvariantCulture);
        return $"{nbaGameId[..3]}{((yy - ShiftYears) % 100 + 100) % 100:00}{nbaGameId[5..]}";
    }
}

/// <summary>One regular-season game: real NBA id and date; teams are real for 2024-25 and generated before that.</summary>
internal sealed record SampleGame(string NbaGameId, DateOnly Date, int SeasonYear, string Away, string Home)
{
    /// <summary>The standard id the analytics tables use: YYYYMMDD_AWAY_HOME.</summary>
    public string StandardId => $"{Date:yyyyMMdd}_{Away}_{Home}";
}

/// <summary>
/// The real fixtures shipped inside the assembly (Data/*.csv, embedded resources): teams and the regular-season
/// schedules. See docs/sample-league.md for their origin and licence caveat.
/// </summary>
internal static class SampleData
{
    private static readonly Lazy<IReadOnlyList<SampleTeam>> TeamsLazy = new(LoadTeams);
    private static readonly Lazy<IReadOnlyList<(string Season, string GameId, DateOnly Date)>> OlderLazy = new(LoadOlderIds);
    private static readonly Lazy<IReadOnlyList<SampleGame>> Real2024Lazy = new(LoadReal2024);

    public static IReadOnlyList<SampleTeam> Teams => TeamsLazy.Value;

    private static readonly Lazy<IReadOnlyDictionary<string, SampleTeam>> ByTricodeLazy =
        new(() => TeamsLazy.Value.ToDictionary(t => t.Tricode, StringComparer.Ordinal));

    public static SampleTeam Team(string tricode) => ByTricodeLazy.Value[tricode];

    /// <summary>Great-circle miles between two teams' arenas (UTGC travel_miles).</summary>
    public static long MilesBetween(string fromTricode, string toTricode)
    {
        var (a, b) = (Team(fromTricode), Team(toTricode));
        if (a == b) return 0;
        static double Rad(double deg) => deg * Math.PI / 180;
        var h = Math.Pow(Math.Sin(Rad(b.Lat - a.Lat) / 2), 2) + Math.Cos(Rad(a.Lat)) * Math.Cos(Rad(b.Lat)) * Math.Pow(Math.Sin(Rad(b.Lon - a.Lon) / 2), 2);
        return (long)Math.Round(2 * 3958.8 * Math.Asin(Math.Sqrt(h)));
    }

    public static string ReadResource(string fileName)
    {
        var asm = typeof(SampleData).Assembly;
        using var stream = asm.GetManifestResourceStream("Data/" + fileName)
            ?? throw new InvalidOperationException($"Embedded resource Data/{fileName} is missing from {asm.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Rows of a simple CSV (no quoted commas in these files) as header → value maps.</summary>
    public static IEnumerable<Dictionary<string, string>> ReadCsv(string fileName)
    {
        var lines = ReadResource(fileName).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var header = lines[0].Split(',');
        foreach (var line in lines.Skip(1))
        {
            var cells = line.Split(',');
            var row = new Dictionary<string, string>(header.Length, StringComparer.Ordinal);
            for (var i = 0; i < header.Length; i++) row[header[i]] = i < cells.Length ? cells[i] : "";
            yield return row;
        }
    }

    private static IReadOnlyList<SampleTeam> LoadTeams() =>
        ReadCsv("teams.csv")
            .Select(r => new SampleTeam(r["tricode"], long.Parse(r["nba_team_id"], CultureInfo.InvariantCulture), r["conference"], r["division"])
            {
                FullName = r["full_name"], Arena = r["arena_2024_25"], ArenaCity = r["arena_city"], ArenaState = r["arena_state"], Timezone = r["timezone"],
                Lat = double.Parse(r["lat"], CultureInfo.InvariantCulture), Lon = double.Parse(r["lon"], CultureInfo.InvariantCulture),
            })
            .OrderBy(t => t.Tricode, StringComparer.Ordinal)
            .ToList();

    private static DateOnly ParseDate(string s) => DateOnly.ParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static IReadOnlyList<(string, string, DateOnly)> LoadOlderIds() =>
        ReadCsv("schedule_2021-22_to_2023-24_ids_dates.csv")
            .Where(r => r["game_type"] == "regular")
            .Select(r => (r["season"], r["game_id"], ParseDate(r["game_date"])))
            .ToList();

    private static IReadOnlyList<SampleGame> LoadReal2024() =>
        ReadCsv("schedule_2024-25.csv")
            .Where(r => r["game_type"] == "regular")
            .Select(r => new SampleGame(r["game_id"], ParseDate(r["game_date"]), 2024, r["away_team"], r["home_team"]))
            .OrderBy(g => g.Date).ThenBy(g => g.NbaGameId, StringComparer.Ordinal)
            .ToList();

    /// <summary>The real regular-season game ids and dates of a season whose matchups are not in the fixtures.</summary>
    public static IReadOnlyList<(string GameId, DateOnly Date)> IdsAndDates(string season) =>
        OlderLazy.Value.Where(x => x.Season == season)
            .OrderBy(x => x.Date).ThenBy(x => x.GameId, StringComparer.Ordinal)
            .Select(x => (x.GameId, x.Date)).ToList();

    /// <summary>The regular-season ids and dates of a planned season: its source's, shifted.</summary>
    public static IReadOnlyList<(string GameId, DateOnly Date)> IdsAndDates(SeasonPlan plan)
    {
        var source = plan.SourceYear == 2024
            ? Real2024Games.Select(g => (g.NbaGameId, g.Date)).ToList()
            : IdsAndDates(Season.Label(plan.SourceYear));
        return plan.IsReal ? source : source.Select(x => (plan.ShiftId(x.Item1), plan.Shift(x.Item2))).ToList();
    }

    /// <summary>First and last regular-season date of a season.</summary>
    public static (DateOnly First, DateOnly Last) SeasonSpan(int seasonYear) => SeasonSpan(SeasonPlan.Real(seasonYear));

    public static (DateOnly First, DateOnly Last) SeasonSpan(SeasonPlan plan)
    {
        var dates = IdsAndDates(plan).Select(x => x.Date).ToList();
        return (dates.Min(), dates.Max());
    }

    public static IReadOnlyList<SampleGame> Real2024Games => Real2024Lazy.Value;
}
