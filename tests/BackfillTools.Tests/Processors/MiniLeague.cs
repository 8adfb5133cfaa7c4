using BackfillTools.Core.Schema;

namespace BackfillTools.Tests.Processors;

/// <summary>
/// A deterministic toy league for tests that need volume rather than hand-computed values: 12 teams that all play
/// every day from the opener (2023-10-24), 5 players per team, stats from a simple formula of player and day.
/// </summary>
internal static class MiniLeague
{
    public static readonly DateOnly Opener = new(2023, 10, 24);
    public const int Teams = 12, PlayersPerTeam = 5;

    public static string Team(int i) => $"T{i:00}";
    public static string Player(int team, int k) => $"p{team:00}{k}";

    /// <summary>Load <paramref name="days"/> game days; UPCG rows for a fraction of players on each day (1 = all).</summary>
    public static void Load(ProcessorTestDb db, int days, double upcgFraction = 1.0)
    {
        var sched = new List<object>(); var pgs = new List<object>(); var tdgs = new List<object>(); var togs = new List<object>();
        var upcg = new List<object>();
        for (var d = 0; d < days; d++)
        {
            var date = Opener.AddDays(d);
            for (var g = 0; g < Teams / 2; g++)
            {
                // Rotate pairings so opponents vary from day to day.
                var home = g; var away = (g + 6 + d) % Teams; if (away < 6) away += 6;
                away = 6 + (g + d) % 6;
                var gid = $"{date:yyyyMMdd}_{Team(away)}_{Team(home)}";
                sched.Add(new { game_id = $"00223{d:00000}{g}", game_date = date, season_year = 2023L, game_status = 3L,
                    home_team_tricode = Team(home), away_team_tricode = Team(away), is_regular_season = true, is_playoffs = false });
                foreach (var (team, opp) in new[] { (home, away), (away, home) })
                {
                    var s = (team * 7 + d * 3) % 10;
                    tdgs.Add(new { game_id = gid, game_date = date, defending_team_abbr = Team(team), opponent_team_abbr = Team(opp),
                        season_year = 2023L, points_allowed = 100L + s, opp_paint_attempts = 30L + s, opp_paint_makes = 17L + s % 4,
                        opp_mid_range_attempts = 15L + s % 3, opp_mid_range_makes = 6L, opp_three_pt_attempts = 32L, opp_three_pt_makes = 11L + s % 3,
                        points_in_paint_allowed = 40L, blocks_paint = 4L, blocks_mid_range = 1L, blocks_three_pt = 0L,
                        defensive_rating = 108.0 + s, opponent_pace = 98.0 + s % 5, data_hash = $"h{d}" });
                    togs.Add(new { game_id = gid, game_date = date, team_abbr = Team(team), opponent_team_abbr = Team(opp), season_year = 2023L,
                        pace = 99.0 + s % 4, offensive_rating = 110.0 + s, win_flag = (s % 2) == 0, home_game = team == home });
                    for (var k = 0; k < PlayersPerTeam; k++)
                    {
                        var pts = (long)(5 + (team + k * 3 + d * 5) % 25);
                        var active = !(k == 4 && d % 5 == 0); // one bench player sits out now and then
                        pgs.Add(new { player_lookup = Player(team, k), universal_player_id = $"u{team:00}{k}", game_id = gid, game_date = date,
                            team_abbr = Team(team), opponent_team_abbr = Team(opp), season_year = 2023L,
                            points = active ? pts : 0L, minutes_played = active ? 20.0 + k * 3 : 0.0,
                            fg_attempts = active ? 10L + k : 0L, fg_makes = active ? 4L + k % 3 : 0L,
                            three_pt_attempts = active ? 3L + k % 2 : 0L, three_pt_makes = active ? 1L : 0L, ft_makes = active ? 2L : 0L,
                            paint_attempts = active ? 4L + k % 3 : 0L, paint_makes = active ? 2L : 0L,
                            mid_range_attempts = active ? 3L : 0L, mid_range_makes = active ? 1L : 0L,
                            assisted_fg_makes = active ? 2L : 0L, unassisted_fg_makes = active ? 2L + k % 3 : 0L,
                            usage_rate = 18.0 + k, ts_pct = 0.55, is_active = active, player_status = active ? "active" : "dnp",
                            is_dnp = !active, data_hash = $"p{d}" });
                        if ((team * PlayersPerTeam + k) % 100 < upcgFraction * 100)
                            upcg.Add(new { player_lookup = Player(team, k), universal_player_id = $"u{team:00}{k}", game_id = gid, game_date = date,
                                team_abbr = Team(team), opponent_team_abbr = Team(opp), home_game = team == home, back_to_back = d > 0,
                                season_phase = "early", days_rest = d > 0 ? 0L : 3L, opponent_days_rest = d > 0 ? 0L : 3L,
                                games_in_last_7_days = (long)Math.Min(d, 7), minutes_in_last_7_days = (long)Math.Min(d, 7) * 25,
                                avg_minutes_per_game_last_7 = 25.0, back_to_backs_last_14_days = (long)Math.Min(d, 7),
                                avg_usage_rate_last_7_games = 20.0, star_teammates_out = 0L, pace_differential = 1.5, player_age = 24L + k * 3,
                                player_status = "available" });
                    }
                }
            }
        }
        db.AddMany(WarehouseSchema.Schedule, sched); db.AddMany(WarehouseSchema.PlayerGameSummary, pgs);
        db.AddMany(WarehouseSchema.TeamDefenseGameSummary, tdgs); db.AddMany(WarehouseSchema.TeamOffenseGameSummary, togs);
        db.AddMany(WarehouseSchema.UpcomingPlayerGameContext, upcg);
    }
}
