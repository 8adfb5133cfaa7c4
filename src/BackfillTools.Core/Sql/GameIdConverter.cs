using System.Globalization;
using System.Text.RegularExpressions;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Core.Sql;

/// <summary>
/// NBA official ids (0022200886) ↔ standard ids (20230223_DEN_CLE) through the schedule: the standard id is the game
/// date plus away and home tricodes, so the mapping goes through date and teams, never by comparing ids.
/// </summary>
public static partial class GameIdConverter
{
    /// <summary>One input's outcome: a mapping, or an error (bad format or unknown game).</summary>
    public sealed record Outcome(string Input, GameIdMapping? Mapping, BackfillException? Error);

    public static string StandardId(DateOnly date, string away, string home) =>
        $"{date.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}_{away}_{home}";

    /// <summary>The schedule rows of NBA ids <paramref name="nbaIds"/> or of <paramref name="dates"/> (at least one of them given).</summary>
    internal static string LookupSql(IReadOnlyCollection<string> nbaIds, IReadOnlyCollection<DateOnly> dates)
    {
        var filters = new List<string>();
        // Both lists are validated by Convert's patterns (digits; a parsed date), so inlining them is safe.
        if (nbaIds.Count > 0) filters.Add($"game_id IN ({string.Join(", ", nbaIds.Distinct().Select(i => $"'{i}'"))})");
        if (dates.Count > 0) filters.Add($"game_date IN ({DateScope.InList(dates.Distinct())})");
        return $"WITH {DateScope.ScheduleCte(finalOnly: false, Season.AllTime)} SELECT game_id, game_date, away, home, season_year FROM sched WHERE {string.Join(" OR ", filters)}";
    }

    public static IReadOnlyList<Outcome> Convert(IWarehouse w, IReadOnlyList<string> ids, CancellationToken ct)
    {
        var nba = new List<string>();
        var standard = new List<(string Input, DateOnly Date, string Away, string Home)>();
        var bad = new Dictionary<string, BackfillException>();
        foreach (var raw in ids)
        {
            var id = raw?.Trim() ?? "";
            if (NbaId().IsMatch(id)) nba.Add(id);
            else if (StdId().Match(id) is { Success: true } m
                     && DateOnly.TryParseExact(m.Groups[1].Value, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
                standard.Add((raw!, d, m.Groups[2].Value.ToUpperInvariant(), m.Groups[3].Value.ToUpperInvariant()));
            else
                bad[raw ?? ""] = new BackfillException(ErrorIds.InvalidGameId, ErrorKind.InvalidArgument,
                    $"'{raw}' is not a game id. Give an NBA id of 10 digits (0022200886) or a standard id YYYYMMDD_AWAY_HOME (20230223_DEN_CLE).", raw);
        }

        var games = nba.Count == 0 && standard.Count == 0 ? new List<(string Id, DateOnly Date, string Away, string Home, long Year)>()
            : w.Query(LookupSql(nba, standard.Select(s => s.Date).ToList()), null, ct)
                .AsRows().Select(r => (Id: r.GetString("game_id")!, Date: r.GetDate("game_date"), Away: r.GetString("away")!, Home: r.GetString("home")!, Year: r.GetInt64("season_year")))
                .ToList();

        GameIdMapping Map(string input, (string Id, DateOnly Date, string Away, string Home, long Year) g) => new()
        {
            InputId = input, NbaGameId = g.Id, StandardId = StandardId(g.Date, g.Away, g.Home), GameDate = g.Date,
            AwayTeam = g.Away, HomeTeam = g.Home, Season = Season.Label((int)g.Year),
        };
        BackfillException NotFound(string input, string what) => new(ErrorIds.GameIdNotFound, ErrorKind.ObjectNotFound,
            $"No game {what} is in the schedule (nba_raw.nbac_schedule).", input);

        var result = new List<Outcome>();
        foreach (var raw in ids)
        {
            var id = raw?.Trim() ?? "";
            if (bad.TryGetValue(raw ?? "", out var err)) { result.Add(new Outcome(raw ?? "", null, err)); continue; }
            if (NbaId().IsMatch(id))
            {
                var g = games.Where(x => x.Id == id).OrderByDescending(x => x.Date).ToList();
                result.Add(g.Count > 0 ? new Outcome(raw!, Map(raw!, g[0]), null) : new Outcome(raw!, null, NotFound(raw!, $"with NBA id {id}")));
                continue;
            }
            var s = standard.First(x => x.Input == raw);
            var hit = games.Where(x => x.Date == s.Date && x.Away == s.Away && x.Home == s.Home).ToList();
            result.Add(hit.Count > 0 ? new Outcome(raw!, Map(raw!, hit[0]), null)
                : new Outcome(raw!, null, NotFound(raw!, $"on {s.Date:yyyy-MM-dd} with {s.Away} at {s.Home}")));
        }
        return result;
    }

    [GeneratedRegex(@"^\d{10}$")]
    private static partial Regex NbaId();

    [GeneratedRegex(@"^(\d{8})_([A-Za-z]{2,4})_([A-Za-z]{2,4})$")]
    private static partial Regex StdId();
}

/// <summary>An NBA official game id and the standard id of the same game.</summary>
public sealed class GameIdMapping
{
    public required string InputId { get; init; }
    public required string NbaGameId { get; init; }
    public required string StandardId { get; init; }
    public required DateOnly GameDate { get; init; }
    public required string AwayTeam { get; init; }
    public required string HomeTeam { get; init; }
    public required string Season { get; init; }
}
