using BackfillTools.Core.Schema;

namespace BackfillTools.Samples;

/// <summary>
/// Pre-game context (UPCG, UTGC) computed from the simulated games strictly before each date, as the real
/// Phase 3 processors would have seen them the morning of the game. Windows stay inside the season.
/// </summary>
internal static class SampleContext
{
    private sealed class PlayerHistory
    {
        public readonly List<(DateOnly Date, PlayerLine Line)> Games = new();
        public int Played;
        public double MinutesSum;
    }

    private sealed class TeamHistory
    {
        public readonly List<(DateOnly Date, double Pace, int Points, int Allowed, string Venue)> Games = new();
    }

    /// <param name="previousSeasonEnd">Last regular-season date before this season: the "previous game" of anyone
    /// without one yet this season, so an opener's days_rest is the offseason rather than NULL.</param>
    public static (List<object?[]> Players, List<object?[]> Teams) Build(IReadOnlyList<SimulatedGame> games, SeasonRosters rosters,
        Func<DateOnly, bool> wanted, DateOnly previousSeasonEnd)
    {
        var upcg = new RowShape(WarehouseSchema.UpcomingPlayerGameContext);
        var utgc = new RowShape(WarehouseSchema.UpcomingTeamGameContext);
        var players = new Dictionary<int, PlayerHistory>();
        var teams = new Dictionary<string, TeamHistory>(StringComparer.Ordinal);
        var playerRows = new List<object?[]>();
        var teamRows = new List<object?[]>();

        foreach (var day in games.GroupBy(g => g.Game.Date))
        {
            var date = day.Key;
            if (wanted(date))
            {
                foreach (var g in day)
                {
                    var homeTotals = Recent(teams, g.Game.Home);
                    var awayTotals = Recent(teams, g.Game.Away);
                    var total = HalfPoint(homeTotals.Points + awayTotals.Points);
                    // Home court is worth about two points; the spread is from the home side's view (negative = favoured).
                    var homeSpread = HalfPoint(-((homeTotals.Margin - awayTotals.Margin) / 2 + 2.0));
                    foreach (var home in new[] { false, true })
                    {
                        var side = g.Side(home);
                        var opp = g.Side(!home);
                        var spread = home ? homeSpread : -homeSpread;
                        var processed = date.ToDateTime(new TimeOnly(15, 0));
                        var t = utgc.New();
                        t["team_abbr"] = side.Team;
                        t["game_date"] = date;
                        t["game_id"] = g.Game.NbaGameId;
                        t["season_year"] = (long)g.Game.SeasonYear;
                        t["opponent_team_abbr"] = opp.Team;
                        t["home_game"] = home;
                        FillTeamSchedule(t, teams.GetValueOrDefault(side.Team), date, g.Game.Home);
                        t["game_total"] = total;
                        t["game_spread"] = spread;
                        t["starters_out_count"] = (long)side.Players.Count(l => l.Injured && rosters.Rating(l.Player) >= StarterRating(side, rosters));
                        t["questionable_players_count"] = 0L;
                        t["is_production_ready"] = true;
                        t["processed_at"] = processed;
                        t["created_at"] = processed;
                        teamRows.Add(t.Done());

                        var ownPace = Recent(teams, side.Team);
                        var oppPace = Recent(teams, opp.Team);
                        var oppRest = RestDays(teams.TryGetValue(opp.Team, out var oh) ? oh.Games[^1].Date : previousSeasonEnd, date);
                        var stars = side.Players.OrderByDescending(l => rosters.Rating(l.Player)).Take(3).ToList();
                        foreach (var line in side.Players)
                        {
                            var h = players.GetValueOrDefault(line.Player.Id);
                            var r = upcg.New();
                            r["player_lookup"] = line.Player.Lookup;
                            r["universal_player_id"] = line.Player.UniversalId;
                            r["game_id"] = g.Game.StandardId;
                            r["game_date"] = date;
                            r["team_abbr"] = side.Team;
                            r["opponent_team_abbr"] = opp.Team;
                            r["home_game"] = home;
                            r["season_phase"] = date.Month is 10 or 11 ? "early" : date.Month is 12 or 1 or 2 ? "mid" : "late";
                            var last = h?.Games.Count > 0 ? h.Games[^1].Date : previousSeasonEnd;
                            r["days_rest"] = RestDays(last, date);
                            r["back_to_back"] = last == date.AddDays(-1);
                            r["opponent_days_rest"] = oppRest;
                            FillWorkload(r, h, date);
                            r["projected_usage_rate"] = null; // the reference never fills it
                            r["star_teammates_out"] = (long)stars.Count(s => s != line && s.Injured);
                            r["pace_differential"] = Math.Round(ownPace.Pace - oppPace.Pace, 1, MidpointRounding.AwayFromZero);
                            r["opponent_pace_last_10"] = Math.Round(oppPace.Pace, 1, MidpointRounding.AwayFromZero);
                            r["player_age"] = (long)line.Player.AgeOn(date);
                            r["player_status"] = line.Injured ? "out" : "available";
                            var propLine = PropLine(h, line);
                            r["has_prop_line"] = propLine is not null;
                            r["current_points_line"] = propLine;
                            r["game_total"] = total;
                            r["game_spread"] = spread;
                            r["is_production_ready"] = true;
                            r["processed_at"] = processed;
                            r["created_at"] = processed;
                            playerRows.Add(r.Done());
                        }
                    }
                }
            }

            foreach (var g in day)
                foreach (var side in new[] { g.Away, g.Home })
                {
                    var opp = side == g.Away ? g.Home : g.Away;
                    if (!teams.TryGetValue(side.Team, out var th)) teams[side.Team] = th = new TeamHistory();
                    th.Games.Add((date, side.Pace, side.Points, opp.Points, g.Game.Home));
                    foreach (var line in side.Players)
                    {
                        if (!players.TryGetValue(line.Player.Id, out var ph)) players[line.Player.Id] = ph = new PlayerHistory();
                        ph.Games.Add((date, line));
                        if (line.Played) { ph.Played++; ph.MinutesSum += line.Minutes; }
                    }
                }
        }
        return (playerRows, teamRows);
    }

    private static long RestDays(DateOnly last, DateOnly date) => date.DayNumber - last.DayNumber - 1;

    /// <summary>The rating of the team's fifth-best listed player: anyone at least as good is a starter.</summary>
    private static double StarterRating(TeamLine side, SeasonRosters rosters) =>
        side.Players.Select(l => rosters.Rating(l.Player)).OrderByDescending(x => x).Skip(4).DefaultIfEmpty(double.MaxValue).First();

    /// <summary>UTGC's schedule context from the team's games before <paramref name="date"/> this season.</summary>
    private static void FillTeamSchedule(RowShape.Row t, TeamHistory? h, DateOnly date, string venue)
    {
        var games = h?.Games ?? new();
        var last = games.Count > 0 ? games[^1] : default;
        var backToBack = games.Count > 0 && last.Date == date.AddDays(-1);
        t["is_back_to_back"] = backToBack;
        t["team_back_to_back"] = backToBack;
        t["days_since_last_game"] = games.Count > 0 ? (long)(date.DayNumber - last.Date.DayNumber) : null;
        t["team_days_rest"] = games.Count > 0 ? (long)(date.DayNumber - last.Date.DayNumber - 1) : null;
        t["game_number_in_season"] = (long)(games.Count + 1);
        t["games_in_last_7_days"] = (long)games.Count(x => date.DayNumber - x.Date.DayNumber <= 7);
        t["games_in_last_14_days"] = (long)games.Count(x => date.DayNumber - x.Date.DayNumber <= 14);
        long wins = 0, losses = 0;
        for (var i = games.Count - 1; i >= 0 && (wins == 0 || losses == 0); i--)
        {
            var won = games[i].Points > games[i].Allowed;
            if (won && losses == 0) wins++;
            else if (!won && wins == 0) losses++;
            else break;
        }
        t["team_win_streak_entering"] = wins;
        t["team_loss_streak_entering"] = losses;
        t["last_game_margin"] = games.Count > 0 ? (long)(last.Points - last.Allowed) : null;
        t["last_game_result"] = games.Count > 0 ? (last.Points > last.Allowed ? "W" : "L") : null;
        t["travel_miles"] = games.Count > 0 ? SampleData.MilesBetween(last.Venue, venue) : 0L;
    }

    private static double HalfPoint(double x) => Math.Round(x * 2, MidpointRounding.AwayFromZero) / 2;

    /// <summary>Last-10 means for a team: pace, points scored and margin (league-typical values before any game).</summary>
    private static (int Games, double Pace, double Points, double Margin) Recent(Dictionary<string, TeamHistory> teams, string team)
    {
        if (!teams.TryGetValue(team, out var th) || th.Games.Count == 0) return (0, SampleGameSimulator.LeaguePace, 112, 0);
        var last = th.Games.Skip(Math.Max(0, th.Games.Count - 10)).ToList();
        return (last.Count, last.Average(x => x.Pace), last.Average(x => x.Points), last.Average(x => x.Points - x.Allowed));
    }

    /// <summary>Rest and load over the last 7 and 14 days (games actually played, D−7 &lt; date &lt; D).</summary>
    private static void FillWorkload(RowShape.Row r, PlayerHistory? h, DateOnly date)
    {
        long g7 = 0, g14 = 0, b2b14 = 0, q4 = 0, m7 = 0, m14 = 0; // minutes in tenths, exact
        DateOnly? later = null;
        var usage = new List<double>(7);
        if (h is not null)
        {
            for (var i = h.Games.Count - 1; i >= 0; i--)
            {
                var (d, line) = h.Games[i];
                if (!line.Played) continue;
                if (usage.Count < 7 && line.Usage is { } u) usage.Add(u);
                var age = date.DayNumber - d.DayNumber;
                if (age < 14)
                {
                    g14++;
                    m14 += (long)Math.Round(line.Minutes * 10);
                    if (later is { } l && l.DayNumber - d.DayNumber == 1) b2b14++;
                    later = d;
                }
                if (age < 7)
                {
                    g7++;
                    m7 += (long)Math.Round(line.Minutes * 10);
                    q4 += line.Q4Minutes;
                }
                if (age >= 14 && usage.Count >= 7) break;
            }
        }
        r["games_in_last_7_days"] = g7;
        r["games_in_last_14_days"] = g14;
        // Whole minutes round half away from zero, as CAST(x AS INT64) does.
        r["minutes_in_last_7_days"] = (m7 + 5) / 10;
        r["minutes_in_last_14_days"] = (m14 + 5) / 10;
        r["avg_minutes_per_game_last_7"] = g7 > 0 ? Math.Round(m7 / 10.0 / g7, 1, MidpointRounding.AwayFromZero) : 0.0;
        r["back_to_backs_last_14_days"] = b2b14;
        r["fourth_quarter_minutes_last_7"] = q4;
        r["avg_usage_rate_last_7_games"] = usage.Count > 0 ? Math.Round(usage.Average(), 1) : null;
    }

    /// <summary>Books post a points line for healthy rotation players: last-10 scoring average, on the half point.</summary>
    private static double? PropLine(PlayerHistory? h, PlayerLine line)
    {
        if (h is null || line.Injured || h.Played < 5 || h.MinutesSum / h.Played < 20) return null;
        var recent = h.Games.Where(x => x.Line.Played).TakeLast(10).Select(x => x.Line.Points).ToList();
        return Math.Floor(recent.Average()) + 0.5;
    }
}
