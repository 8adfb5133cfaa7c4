using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Core.Backfill;

/// <summary>
/// Turns a request into (date, processor) partitions from the schedule: only dates with final games are partitions
/// (off-days are not), bootstrap dates are planned as skips with the reason, processors in dependency order.
/// </summary>
public static class BackfillPlanner
{
    public const string ReasonBootstrap = "Bootstrap";
    public const string ReasonNoGames = "NoGames";

    internal static readonly string GameDatesSql = $@"
SELECT game_date, COUNT(*) AS games
FROM {WarehouseSchema.Schedule.Placeholder}
WHERE game_status = 3 AND (is_regular_season OR is_playoffs) AND game_date BETWEEN @start_date AND @end_date
GROUP BY game_date";

    private static readonly string OpenersSql = $@"
SELECT season_year, MIN(game_date) AS opener
FROM {WarehouseSchema.Schedule.Placeholder}
WHERE game_status = 3 AND is_regular_season AND game_date BETWEEN @read_from AND @read_to
GROUP BY season_year";

    private static readonly string SeasonBoundsSql = $@"
SELECT MIN(game_date) AS first_date, MAX(game_date) AS last_date
FROM {WarehouseSchema.Schedule.Placeholder}
WHERE season_year = @season_year AND game_date BETWEEN @season_first AND @season_last
  AND game_status = 3 AND (is_regular_season OR is_playoffs)";

    /// <summary>The planner's statements, with sample parameters, for the GoogleSQL gate.</summary>
    [StatementCatalog]
    internal static IEnumerable<RegisteredStatement> Catalog()
    {
        var d = new DateOnly(2023, 2, 23);
        yield return new("BackfillPlanner.GameDates", GameDatesSql, WarehouseExtensions.Params(("start_date", d), ("end_date", d)));
        yield return new("BackfillPlanner.Openers", OpenersSql, WarehouseExtensions.Params(("read_from", d), ("read_to", d)));
        yield return new("BackfillPlanner.SeasonBounds", SeasonBoundsSql,
            WarehouseExtensions.Params(("season_year", 2022L), ("season_first", d), ("season_last", d)));
    }

    public static IReadOnlyList<PlanItem> Plan(IWarehouse w, BackfillRequest request, CancellationToken ct = default)
    {
        var processors = ProcessorCatalog.InDependencyOrder(request.Processors);
        var wanted = new List<(DateOnly Date, ProcessorName Processor)>();

        if (request.Partitions is { } parts)
        {
            wanted.AddRange(parts.Distinct());
        }
        else
        {
            var ranges = new List<(DateOnly Start, DateOnly End)>();
            if (request.Seasons is { } seasons)
            {
                foreach (var label in seasons.Distinct())
                {
                    var year = Season.Parse(label);
                    var r = w.Query(SeasonBoundsSql, WarehouseExtensions.Params(
                        ("season_year", (long)year), ("season_first", Season.FirstDay(year)), ("season_last", Season.LastDay(year))), ct)[0];
                    if (r.GetNullableDate("first_date") is not { } first)
                        throw new BackfillException(ErrorIds.UnknownSeason, ErrorKind.ObjectNotFound,
                            $"The schedule has no final games for season {Season.Label(year)}. Load its schedule first, or choose another season.", label);
                    ranges.Add((first, r.GetDate("last_date")));
                }
            }
            else ranges.Add((request.StartDate!.Value, request.EndDate!.Value));

            foreach (var (start, end) in ranges)
                foreach (var date in GameDates(w, start, end, ct).Keys)
                    foreach (var p in processors) wanted.Add((date, p));
            if (wanted.Count == 0)
                throw new BackfillException(ErrorIds.NoGameDates, ErrorKind.ObjectNotFound,
                    $"The schedule has no final games between {ranges.Min(r => r.Start):yyyy-MM-dd} and {ranges.Max(r => r.End):yyyy-MM-dd}; nothing to backfill.");
        }

        var openers = SeasonOpeners(w, Season.ReadWindow(wanted.Select(x => x.Date)), ct);
        var gameDates = wanted.Count == 0 ? new Dictionary<DateOnly, long>()
            : GameDates(w, wanted.Min(x => x.Date), wanted.Max(x => x.Date), ct);
        var order = processors.Select((p, i) => (p, i)).ToDictionary(x => x.p, x => x.i);
        return wanted
            .Where(x => order.ContainsKey(x.Processor))
            .Distinct()
            .OrderBy(x => order[x.Processor]).ThenBy(x => x.Date)
            .Select(x =>
            {
                var season = Season.LabelOf(x.Date);
                if (!gameDates.ContainsKey(x.Date)) return new PlanItem(x.Date, season, x.Processor, PlanAction.Skip, ReasonNoGames);
                var opener = openers.TryGetValue(Season.YearOf(x.Date), out var o) ? o : Season.FallbackOpener(Season.YearOf(x.Date));
                return Season.IsBootstrap(x.Date, opener)
                    ? new PlanItem(x.Date, season, x.Processor, PlanAction.Skip, ReasonBootstrap)
                    : new PlanItem(x.Date, season, x.Processor, PlanAction.Run, null);
            })
            .ToList();
    }

    /// <summary>
    /// The statements <see cref="Plan"/> runs for <paramref name="request"/>, as often as it runs them (the cost estimate
    /// bills each): the season openers, each season's bounds, the game dates of each range and of the whole plan.
    /// </summary>
    internal static IEnumerable<string> Statements(BackfillRequest request)
    {
        yield return OpenersSql;
        var ranges = request.Partitions is not null ? 0 : request.Seasons is { } seasons ? seasons.Distinct().Count() : 1;
        for (var i = 0; i < ranges; i++)
        {
            if (request.Seasons is not null) yield return SeasonBoundsSql;
            yield return GameDatesSql;
        }
        yield return GameDatesSql;
    }

    /// <summary>Dates with final regular-season or playoff games, with their game counts.</summary>
    public static Dictionary<DateOnly, long> GameDates(IWarehouse w, DateOnly start, DateOnly end, CancellationToken ct = default) =>
        w.Query(GameDatesSql, WarehouseExtensions.Params(("start_date", start), ("end_date", end)), ct)
            .AsRows().ToDictionary(r => r.GetDate("game_date"), r => r.GetInt64("games"));

    /// <summary>First final regular-season game per season_year (spec §1: the season start S).</summary>
    public static Dictionary<int, DateOnly> SeasonOpeners(IWarehouse w, (DateOnly From, DateOnly To) window, CancellationToken ct = default) =>
        w.Query(OpenersSql, WarehouseExtensions.Params(("read_from", window.From), ("read_to", window.To)), ct).AsRows().ToDictionary(r => (int)r.GetInt64("season_year"), r => r.GetDate("opener"));
}
