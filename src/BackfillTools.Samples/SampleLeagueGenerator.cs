using System.Diagnostics;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Samples;

public static partial class SampleLeague
{
    /// <summary>Upcoming-game context exists only from this date on (the reference's Phase 3 started writing it then).</summary>
    public static readonly DateOnly ContextStart = new(2024, 1, 1);

    /// <summary>Regular-season games of 2021-22 that never reached the raw and analytics tables (schedule intact).</summary>
    public const int MissingGames2021 = 7;

    public static readonly DateOnly StaleUpcgFirstDate = new(2023, 2, 23);
    public static readonly DateOnly StaleUpcgSecondDate = new(2023, 2, 24);
    public const int StaleUpcgFirstRows = 1;
    public const int StaleUpcgSecondRows = 68;

    public static readonly DateOnly MissingUpstreamStart = new(2023, 1, 10);
    public const int MissingUpstreamDates = 10;

    /// <summary>What each scenario does to the warehouse (used by help and docs).</summary>
    public static IReadOnlyDictionary<string, string> ScenarioDescriptions { get; } =
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["StaleUpcg"] =
                "Stale, partial upcoming_player_game_context rows for 2023-02-23 (1 player, where about 185 played) and " +
                "2023-02-24 (68 players, where about 160 played), written before the All-Star break, so U < 0.9·E on both dates. " +
                "Needs season 2022-23.",
            ["MissingUpstream"] =
                "player_game_summary, team_defense_game_summary and team_offense_game_summary are absent for the 10 " +
                "consecutive game dates of 2022-23 from 2023-01-10 on; the schedule and raw box scores are intact. Needs season 2022-23.",
        };

    /// <summary>Fill an empty warehouse with the sample league (see docs/sample-league.md).</summary>
    public static SampleLeagueSummary Generate(IWarehouse warehouse, SampleLeagueOptions options,
        IProgress<ProgressInfo>? progress = null, CancellationToken cancellationToken = default)
    {
        Validate(options);
        var clock = Stopwatch.StartNew();
        var plans = Plans(options);
        var scenarios = options.Scenarios.ToHashSet(StringComparer.OrdinalIgnoreCase);

        var counts = WarehouseSchema.Inputs.ToDictionary(t => t.FullName, _ => 0L);
        var steps = plans.Count * 3;
        var step = 0;
        void Report(string what) => progress?.Report(new ProgressInfo("Generating sample league", what, step, steps));

        Report("players and rosters");
        var people = new SampleLeaguePeople(options.Seed);
        // The copies' people are one league running from the oldest copy up to 2020-21, whichever seasons were
        // chosen; the real seasons keep their own opening pool, so they come out as at scale 1.
        var shifted = options.Scale > 1
            ? new SampleLeaguePeople(options.Seed,
                Plans(options with { Seasons = AllSeasons }).Where(p => !p.IsReal).OrderBy(p => p.Year), after: people)
            : null;
        // Seasons are independent once the people exist, so the next season is simulated on the second core while
        // this one is appended. Appends and progress stay on the calling thread (the cmdlet's pipeline thread).
        // Only one season's rows are held (plus the next one's in the making), whatever the scale.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<SeasonRows> Start(SeasonPlan plan) =>
            Task.Run(() => BuildSeason(plan, plan.IsReal ? people : shifted!, options.Seed, scenarios, stop.Token), stop.Token);
        var next = plans.Count > 0 ? Start(plans[0]) : null;
        try
        {
            for (var i = 0; i < plans.Count; i++)
            {
                var label = Season.Label(plans[i].Year);
                Report($"{label}: games");
                var season = next!.GetAwaiter().GetResult();
                next = i + 1 < plans.Count ? Start(plans[i + 1]) : null;
                step++;

                Report($"{label}: schedule and box scores");
                Append(warehouse, counts, WarehouseSchema.Schedule, season.Schedule, cancellationToken);
                Append(warehouse, counts, WarehouseSchema.PlayerBoxscores, season.Boxscores, cancellationToken);
                step++;

                Report($"{label}: analytics and context");
                Append(warehouse, counts, WarehouseSchema.PlayerGameSummary, season.PlayerSummaries, cancellationToken);
                Append(warehouse, counts, WarehouseSchema.TeamDefenseGameSummary, season.TeamDefense, cancellationToken);
                Append(warehouse, counts, WarehouseSchema.TeamOffenseGameSummary, season.TeamOffense, cancellationToken);
                Append(warehouse, counts, WarehouseSchema.UpcomingPlayerGameContext, season.PlayerContext, cancellationToken);
                Append(warehouse, counts, WarehouseSchema.UpcomingTeamGameContext, season.TeamContext, cancellationToken);
                step++;
            }
        }
        finally
        {
            // A failed append must not leave a season being simulated in the background.
            stop.Cancel();
            try { next?.Wait(); } catch (AggregateException) { /* cancelled or failed: the first error is already propagating */ }
        }
        Report("done");
        return new SampleLeagueSummary(counts, clock.Elapsed);
    }

    private static void Append(IWarehouse w, Dictionary<string, long> counts, TableDef table, List<object?[]> rows, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (rows.Count > 0) counts[table.FullName] += w.BulkAppend(table, rows, ct);
    }

    private sealed record SeasonRows(
        List<object?[]> Schedule, List<object?[]> Boxscores, List<object?[]> PlayerSummaries, List<object?[]> TeamDefense,
        List<object?[]> TeamOffense, List<object?[]> PlayerContext, List<object?[]> TeamContext);

    private static SeasonRows BuildSeason(SeasonPlan plan, SampleLeaguePeople people, int seed, HashSet<string> scenarios, CancellationToken ct)
    {
        var year = plan.Year;
        var schedule = SampleSchedule.For(plan, seed);
        var rosters = people.Season(year);
        var paceRng = SampleRng.For(seed, $"{year}|team-pace");
        var teamPace = SampleData.Teams.ToDictionary(t => t.Tricode, _ => paceRng.Normal(0, 1.2), StringComparer.Ordinal);
        var games = new List<SimulatedGame>(schedule.Count);
        foreach (var g in schedule)
        {
            if (games.Count % 64 == 0) ct.ThrowIfCancellationRequested();
            games.Add(SampleGameSimulator.Simulate(g, rosters, teamPace, seed));
        }

        // The lost games and the scenarios belong to the real seasons only, never to their shifted copies.
        var lost = plan.IsReal && year == 2021 ? LostGames(schedule, seed) : new HashSet<string>();
        var gapDates = plan.IsReal && year == 2022 && scenarios.Contains("MissingUpstream")
            ? schedule.Select(g => g.Date).Where(d => d >= MissingUpstreamStart).Distinct().Order().Take(MissingUpstreamDates).ToHashSet()
            : new HashSet<DateOnly>();
        var stale = plan.IsReal && year == 2022 && scenarios.Contains("StaleUpcg");

        var rows = new SeasonRows(new(), new(), new(), new(), new(), new(), new());
        var scheduleShape = new RowShape(WarehouseSchema.Schedule);
        var boxShape = new RowShape(WarehouseSchema.PlayerBoxscores);
        var pgsShape = new RowShape(WarehouseSchema.PlayerGameSummary);
        var tdgsShape = new RowShape(WarehouseSchema.TeamDefenseGameSummary);
        var togsShape = new RowShape(WarehouseSchema.TeamOffenseGameSummary);
        foreach (var g in games) rows.Schedule.Add(ScheduleRow(scheduleShape, g));
        foreach (var g in games)
        {
            if (lost.Contains(g.Game.NbaGameId)) continue;
            foreach (var home in new[] { false, true })
            {
                var side = g.Side(home);
                var opp = g.Side(!home);
                foreach (var line in side.Players.OrderBy(l => l.Player.Lookup, StringComparer.Ordinal))
                    rows.Boxscores.Add(BoxRow(boxShape, g, side, line));
                if (gapDates.Contains(g.Game.Date)) continue;
                foreach (var line in side.Players.OrderBy(l => l.Player.Lookup, StringComparer.Ordinal))
                    rows.PlayerSummaries.Add(PgsRow(pgsShape, g.Game, side, opp, line));
                rows.TeamDefense.Add(TdgsRow(tdgsShape, g.Game, side, opp));
                rows.TeamOffense.Add(TogsRow(togsShape, g.Game, side, opp));
            }
        }

        // Copies end by April 2021, before ContextStart, so they would yield no context rows: skip the work.
        if (!plan.IsReal) return rows;
        var (upcg, utgc) = SampleContext.Build(games, rosters,
            d => d >= ContextStart || stale && (d == StaleUpcgFirstDate || d == StaleUpcgSecondDate),
            year == 2021 ? new DateOnly(2021, 5, 16) : SampleData.SeasonSpan(year - 1).Last);
        if (stale) upcg = StaleRows(upcg, seed);
        rows.PlayerContext.AddRange(upcg);
        var utgcDate = new RowShape(WarehouseSchema.UpcomingTeamGameContext).IndexOf("game_date");
        rows.TeamContext.AddRange(utgc.Where(r => (DateOnly)r[utgcDate]! >= ContextStart));
        return rows;
    }

    /// <summary>Seven games of 2021-22, on seven different dates past the first month, lost before ingestion.</summary>
    private static HashSet<string> LostGames(IReadOnlyList<SampleGame> schedule, int seed)
    {
        var rng = SampleRng.For(seed, "2021|lost-games");
        var candidates = schedule.Where(g => g.Date >= new DateOnly(2021, 11, 15) && g.Date <= new DateOnly(2022, 3, 31)).ToList();
        var lost = new HashSet<string>();
        var dates = new HashSet<DateOnly>();
        while (lost.Count < MissingGames2021)
        {
            var g = candidates[rng.Next(candidates.Count)];
            if (dates.Add(g.Date)) lost.Add(g.NbaGameId);
        }
        return lost;
    }

    /// <summary>
    /// The StaleUpcg defect: on the two dates after the 2023 All-Star break only a partial, early run of the context
    /// processor landed (1 and 68 players), stamped before the break.
    /// </summary>
    private static List<object?[]> StaleRows(List<object?[]> upcg, int seed)
    {
        var shape = new RowShape(WarehouseSchema.UpcomingPlayerGameContext);
        var dateIx = shape.IndexOf("game_date");
        var processedIx = shape.IndexOf("processed_at");
        var rng = SampleRng.For(seed, "2022|stale-upcg");
        var result = new List<object?[]>();
        foreach (var (date, keep) in new[] { (StaleUpcgFirstDate, StaleUpcgFirstRows), (StaleUpcgSecondDate, StaleUpcgSecondRows) })
        {
            var day = upcg.Where(r => (DateOnly)r[dateIx]! == date).ToList();
            rng.Shuffle(day);
            foreach (var r in day.Take(keep))
            {
                r[processedIx] = new DateTime(2023, 2, 15, 15, 0, 0);
                result.Add(r);
            }
        }
        return result.Concat(upcg.Where(r => (DateOnly)r[dateIx]! >= ContextStart)).ToList();
    }

    private static DateTime After(DateOnly date, int hour) => date.AddDays(1).ToDateTime(new TimeOnly(hour, 0));

    /// <summary>The final game as nbac_schedule records it (NBA ids, tricodes, team ids and names, arena, result).</summary>
    private static object?[] ScheduleRow(RowShape shape, SimulatedGame sim)
    {
        var g = sim.Game;
        var (home, away) = (SampleData.Team(g.Home), SampleData.Team(g.Away));
        var (homeScore, awayScore) = (sim.Home.Points, sim.Away.Points);
        var r = shape.New();
        r["game_id"] = g.NbaGameId;
        r["game_code"] = $"{g.Date:yyyyMMdd}/{g.Away}{g.Home}";
        r["season"] = Season.Label(g.SeasonYear);
        r["season_nba_format"] = Season.Label(g.SeasonYear);
        r["season_year"] = (long)g.SeasonYear;
        r["game_date"] = g.Date;
        r["game_date_est"] = g.Date.ToDateTime(new TimeOnly(19, 30));
        r["game_status"] = 3L;
        r["game_status_text"] = "Final";
        r["home_team_id"] = home.NbaTeamId;
        r["home_team_tricode"] = g.Home;
        r["home_team_name"] = home.FullName;
        r["away_team_id"] = away.NbaTeamId;
        r["away_team_tricode"] = g.Away;
        r["away_team_name"] = away.FullName;
        r["arena_name"] = home.Arena;
        r["arena_city"] = home.ArenaCity;
        r["arena_state"] = home.ArenaState;
        r["arena_timezone"] = home.Timezone;
        r["is_regular_season"] = true;
        r["is_playoffs"] = false;
        r["is_all_star"] = false;
        r["is_christmas"] = g.Date.Month == 12 && g.Date.Day == 25;
        r["is_mlk_day"] = g.Date.Month == 1 && g.Date.DayOfWeek == DayOfWeek.Monday && g.Date.Day is >= 15 and <= 21;
        r["day_of_week"] = g.Date.DayOfWeek.ToString();
        r["is_weekend"] = g.Date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
        r["time_slot"] = "evening";
        r["neutral_site_flag"] = false;
        r["international_game"] = false;
        r["home_team_score"] = (long)homeScore;
        r["away_team_score"] = (long)awayScore;
        r["winning_team_tricode"] = homeScore > awayScore ? g.Home : g.Away;
        r["data_source"] = "api_stats";
        r["source_file_path"] = $"nba-com/schedule/{Season.Label(g.SeasonYear)}/{g.Date:yyyy-MM-dd}/schedule.json";
        r["scrape_timestamp"] = After(g.Date, 4);
        r["created_at"] = After(g.Date, 5);
        r["processed_at"] = After(g.Date, 5);
        return r.Done();
    }

    /// <summary>A new row with the keys every per-game table shares (standard game id, date, team, opponent, season).</summary>
    private static RowShape.Row GameRow(RowShape shape, SampleGame g, string teamColumn, string team, string opponent)
    {
        var r = shape.New();
        r["game_id"] = g.StandardId;
        r["game_date"] = g.Date;
        r[teamColumn] = team;
        r["opponent_team_abbr"] = opponent;
        r["season_year"] = (long)g.SeasonYear;
        return r;
    }

    private static string StatusOf(PlayerLine l) => l.Status switch
    {
        LineStatus.Played => "active",
        LineStatus.Dnp => "dnp",
        _ => "inactive",
    };

    /// <summary>"MM:SS" as Ball Don't Lie writes minutes (tenths of a minute are whole multiples of 6 seconds).</summary>
    private static string BdlMinutes(double minutes)
    {
        var tenths = (int)Math.Round(minutes * 10);
        return $"{tenths / 10:00}:{tenths % 10 * 6:00}";
    }

    private static double? Pct(int made, int attempted) => attempted > 0 ? Math.Round((double)made / attempted, 3) : null;

    /// <summary>
    /// One bdl_player_boxscores row: standard game id, both teams, long stat names. Minutes are "MM:SS" for those who
    /// played and "00" for a dressed player who did not; an inactive player's line has no minutes or stats.
    /// </summary>
    private static object?[] BoxRow(RowShape shape, SimulatedGame sim, TeamLine side, PlayerLine l)
    {
        var g = sim.Game;
        var r = shape.New();
        r["game_id"] = g.StandardId;
        r["game_date"] = g.Date;
        r["season_year"] = (long)g.SeasonYear;
        r["game_status"] = "Final";
        r["period"] = 4L;
        r["is_postseason"] = false;
        r["home_team_abbr"] = g.Home;
        r["away_team_abbr"] = g.Away;
        r["home_team_score"] = (long)sim.Home.Points;
        r["away_team_score"] = (long)sim.Away.Points;
        r["team_abbr"] = side.Team;
        r["player_full_name"] = l.Player.Name;
        r["player_lookup"] = l.Player.Lookup;
        r["bdl_player_id"] = (long)l.Player.Id;
        r["position"] = l.Player.Position switch { SamplePosition.Guard => "G", SamplePosition.Forward => "F", _ => "C" };
        if (l.Status != LineStatus.Inactive)
        {
            r["minutes"] = l.Played ? BdlMinutes(l.Minutes) : "00";
            r["points"] = (long)l.Points;
            r["assists"] = (long)l.Ast;
            r["rebounds"] = (long)(l.Oreb + l.Dreb);
            r["offensive_rebounds"] = (long)l.Oreb;
            r["defensive_rebounds"] = (long)l.Dreb;
            r["steals"] = (long)l.Stl;
            r["blocks"] = (long)l.Blk;
            r["turnovers"] = (long)l.Tov;
            r["personal_fouls"] = (long)l.Pf;
            r["field_goals_made"] = (long)l.Fgm;
            r["field_goals_attempted"] = (long)l.Fga;
            r["field_goal_pct"] = Pct(l.Fgm, l.Fga);
            r["three_pointers_made"] = (long)l.ThreeM;
            r["three_pointers_attempted"] = (long)l.ThreeA;
            r["three_point_pct"] = Pct(l.ThreeM, l.ThreeA);
            r["free_throws_made"] = (long)l.Ftm;
            r["free_throws_attempted"] = (long)l.Fta;
            r["free_throw_pct"] = Pct(l.Ftm, l.Fta);
        }
        r["source_file_path"] = $"ball-dont-lie/boxscores/{g.Date:yyyy-MM-dd}/{g.StandardId}.json";
        r["created_at"] = After(g.Date, 6);
        r["processed_at"] = After(g.Date, 6);
        return r.Done();
    }

    /// <summary>Phase 3 bookkeeping every analytics row carries: source tier, when it was created and processed.</summary>
    private static void Processed(RowShape.Row r, SampleGame g, string primarySource)
    {
        r["data_quality_tier"] = "gold";
        r["primary_source_used"] = primarySource;
        r["processed_with_issues"] = false;
        r["created_at"] = After(g.Date, 8);
        r["processed_at"] = After(g.Date, 8);
    }

    private static object?[] PgsRow(RowShape shape, SampleGame g, TeamLine side, TeamLine opp, PlayerLine l)
    {
        var r = GameRow(shape, g, "team_abbr", side.Team, opp.Team);
        r["player_lookup"] = l.Player.Lookup;
        r["universal_player_id"] = l.Player.UniversalId;
        r["player_full_name"] = l.Player.Name;
        if (l.Played)
        {
            r["points"] = (long)l.Points;
            r["minutes_played"] = l.Minutes;
            r["assists"] = (long)l.Ast;
            r["offensive_rebounds"] = (long)l.Oreb;
            r["defensive_rebounds"] = (long)l.Dreb;
            r["steals"] = (long)l.Stl;
            r["blocks"] = (long)l.Blk;
            r["turnovers"] = (long)l.Tov;
            r["fg_attempts"] = (long)l.Fga;
            r["fg_makes"] = (long)l.Fgm;
            r["three_pt_attempts"] = (long)l.ThreeA;
            r["three_pt_makes"] = (long)l.ThreeM;
            r["ft_attempts"] = (long)l.Fta;
            r["ft_makes"] = (long)l.Ftm;
            r["plus_minus"] = (long)l.PlusMinus;
            r["personal_fouls"] = (long)l.Pf;
            r["paint_attempts"] = (long)l.PaintA;
            r["paint_makes"] = (long)l.PaintM;
            r["mid_range_attempts"] = (long)l.MidA;
            r["mid_range_makes"] = (long)l.MidM;
            r["has_complete_shot_zones"] = true;
            r["assisted_fg_makes"] = (long)l.Assisted;
            r["unassisted_fg_makes"] = (long)(l.Fgm - l.Assisted);
            r["usage_rate"] = l.Usage;
            r["ts_pct"] = l.TsPct;
            r["efg_pct"] = l.Fga > 0 ? Math.Round((l.Fgm + 0.5 * l.ThreeM) / l.Fga, 3) : null;
        }
        r["starter_flag"] = l.Played && l.Starter;
        r["is_active"] = l.Played;
        r["player_status"] = StatusOf(l);
        r["is_dnp"] = !l.Played;
        r["win_flag"] = false; // the reference never sets it on player rows (processors spec §2)
        r["game_status_at_processing"] = "Final";
        Processed(r, g, "nbac_gamebook");
        return r.Done();
    }

    /// <summary>A team's field goals, free throws, rebounds and assists; TOGS stores its own, TDGS the opponent's under "opp_".</summary>
    private static void CountingStats(RowShape.Row r, string prefix, TeamLine team)
    {
        r[prefix + "fg_attempts"] = (long)team.Fga;
        r[prefix + "fg_makes"] = (long)team.Fgm;
        r[prefix + "ft_attempts"] = (long)team.Sum(p => p.Fta);
        r[prefix + "ft_makes"] = (long)team.Sum(p => p.Ftm);
        r[prefix + "rebounds"] = (long)team.Sum(p => p.Oreb + p.Dreb);
        r[prefix + "assists"] = (long)team.Sum(p => p.Ast);
    }

    /// <summary>A team's shots by zone; TOGS stores its own (paint and mid-range under "team_"), TDGS the opponent's under "opp_".</summary>
    private static void ZoneShooting(RowShape.Row r, string prefix, string zonePrefix, TeamLine team)
    {
        r[zonePrefix + "paint_attempts"] = (long)team.Sum(p => p.PaintA);
        r[zonePrefix + "paint_makes"] = (long)team.Sum(p => p.PaintM);
        r[zonePrefix + "mid_range_attempts"] = (long)team.Sum(p => p.MidA);
        r[zonePrefix + "mid_range_makes"] = (long)team.Sum(p => p.MidM);
        r[prefix + "three_pt_attempts"] = (long)team.Sum(p => p.ThreeA);
        r[prefix + "three_pt_makes"] = (long)team.Sum(p => p.ThreeM);
    }

    private static double? TsPct(TeamLine t)
    {
        var den = 2 * (t.Fga + 0.44 * t.Sum(p => p.Fta));
        return den > 0 ? Math.Round(t.Points / den, 3) : null;
    }

    private static object?[] TdgsRow(RowShape shape, SampleGame g, TeamLine side, TeamLine opp)
    {
        var r = GameRow(shape, g, "defending_team_abbr", side.Team, opp.Team);
        r["points_allowed"] = (long)opp.Points;
        CountingStats(r, "opp_", opp);
        r["turnovers_forced"] = (long)opp.Sum(p => p.Tov);
        r["fouls_committed"] = (long)side.Sum(p => p.Pf);
        ZoneShooting(r, "opp_", "opp_", opp);
        r["points_in_paint_allowed"] = (long)(2 * opp.Sum(p => p.PaintM));
        r["mid_range_points_allowed"] = (long)(2 * opp.Sum(p => p.MidM));
        r["three_pt_points_allowed"] = (long)(3 * opp.Sum(p => p.ThreeM));
        r["blocks_paint"] = (long)side.BlocksPaint;
        r["blocks_mid_range"] = (long)side.BlocksMid;
        r["blocks_three_pt"] = (long)side.BlocksThree;
        r["steals"] = (long)side.Sum(p => p.Stl);
        r["defensive_rebounds"] = (long)side.Sum(p => p.Dreb);
        r["defensive_rating"] = Math.Round(100.0 * opp.Points / opp.Possessions, 2);
        r["opponent_pace"] = opp.Pace;
        r["opponent_ts_pct"] = TsPct(opp);
        r["home_game"] = side.Home;
        r["win_flag"] = side.Points > opp.Points;
        r["margin_of_victory"] = (long)(side.Points - opp.Points);
        r["overtime_periods"] = 0L;
        Processed(r, g, "nbac_team_boxscore");
        return r.Done();
    }

    private static object?[] TogsRow(RowShape shape, SampleGame g, TeamLine side, TeamLine opp)
    {
        var r = GameRow(shape, g, "team_abbr", side.Team, opp.Team);
        r["nba_game_id"] = g.NbaGameId;
        r["points_scored"] = (long)side.Points;
        CountingStats(r, "", side);
        ZoneShooting(r, "", "team_", side);
        r["turnovers"] = (long)side.Sum(p => p.Tov);
        r["personal_fouls"] = (long)side.Sum(p => p.Pf);
        r["points_in_paint_scored"] = (long)(2 * side.Sum(p => p.PaintM));
        r["offensive_rating"] = Math.Round(100.0 * side.Points / side.Possessions, 2);
        r["pace"] = side.Pace;
        // Production counts whole possessions; the rating above uses the estimate before rounding.
        r["possessions"] = (long)Math.Round(side.Possessions, MidpointRounding.AwayFromZero);
        r["ts_pct"] = TsPct(side);
        r["home_game"] = side.Home;
        r["win_flag"] = side.Points > opp.Points;
        r["margin_of_victory"] = (long)(side.Points - opp.Points);
        r["overtime_periods"] = 0L;
        r["shot_zones_available"] = true;
        r["shot_zones_source"] = "nbac_pbp";
        r["is_partial_game_data"] = false;
        r["game_completeness_pct"] = 100.0;
        r["game_status_at_processing"] = "Final";
        Processed(r, g, "nbac_team_boxscore");
        return r.Done();
    }
}
