using BackfillTools.Samples;
using Xunit;

namespace BackfillTools.Tests.Samples;

public sealed class SampleLeagueTests : IClassFixture<FullLeagueFixture>
{
    private const string Sched = "nba_raw.nbac_schedule";
    private const string Box = "nba_raw.bdl_player_boxscores";
    private const string Pgs = "nba_analytics.player_game_summary";
    private const string Tdgs = "nba_analytics.team_defense_game_summary";
    private const string Togs = "nba_analytics.team_offense_game_summary";
    private const string Upcg = "nba_analytics.upcoming_player_game_context";
    private const string Utgc = "nba_analytics.upcoming_team_game_context";

    private readonly FullLeagueFixture _f;
    private GeneratedWarehouse L => _f.League;

    public SampleLeagueTests(FullLeagueFixture fixture) => _f = fixture;

    private static string SourceDir([System.Runtime.CompilerServices.CallerFilePath] string file = "") => Path.GetDirectoryName(file)!;

    [Theory]
    [InlineData(2021, 1230, 165, "2021-10-19", "2022-04-10")]
    [InlineData(2022, 1230, 164, "2022-10-18", "2023-04-09")]
    [InlineData(2023, 1230, 160, "2023-10-24", "2024-04-14")]
    [InlineData(2024, 1230, 163, "2024-10-22", "2025-04-13")]
    public void Schedule_has_the_real_game_and_date_counts(int year, int games, int dates, string first, string last)
    {
        var r = L.Query($"SELECT count(*) AS n, count(DISTINCT game_date) AS d, CAST(min(game_date) AS VARCHAR) AS lo, CAST(max(game_date) AS VARCHAR) AS hi, " +
                        $"count(DISTINCT game_id) AS ids, countif(game_status = 3 AND is_regular_season AND NOT is_playoffs) AS final_regular " +
                        $"FROM {Sched} WHERE season_year = {year}")[0];
        Assert.Equal(games, r.GetInt64("n"));
        Assert.Equal(games, r.GetInt64("ids"));
        Assert.Equal(games, r.GetInt64("final_regular"));
        Assert.Equal(dates, r.GetInt64("d"));
        Assert.Equal(first, r.GetString("lo"));
        Assert.Equal(last, r.GetString("hi"));
    }

    [Fact]
    public void Schedule_uses_the_real_nba_ids_on_their_real_dates()
    {
        var real = SampleData.IdsAndDates("2022-23");
        var stored = L.Query($"SELECT game_id, game_date FROM {Sched} WHERE season_year = 2022").AsRows()
            .ToDictionary(r => r.GetString("game_id")!, r => r.GetDate("game_date"));
        Assert.Equal(real.Count, stored.Count);
        Assert.All(real, x => Assert.Equal(x.Date, stored[x.GameId]));
        // 2024-25 keeps the real matchups too.
        var realMatchups = SampleData.Real2024Games.Select(g => $"{g.NbaGameId}|{g.Away}|{g.Home}").ToHashSet();
        var storedMatchups = L.Query($"SELECT game_id || '|' || away_team_tricode || '|' || home_team_tricode AS k FROM {Sched} WHERE season_year = 2024")
            .AsRows().Select(r => r.GetString("k")!).ToHashSet();
        Assert.True(realMatchups.SetEquals(storedMatchups));
        Assert.Equal(30, L.Scalar($"SELECT count(DISTINCT home_team_tricode) FROM {Sched}"));
    }

    [Fact]
    public void Every_team_plays_82_games_with_41_at_home()
    {
        var rows = L.Query($"""
            SELECT season_year, team, count(*) AS games, countif(home) AS home_games FROM (
              SELECT season_year, home_team_tricode AS team, TRUE AS home FROM {Sched}
              UNION ALL SELECT season_year, away_team_tricode, FALSE FROM {Sched})
            GROUP BY season_year, team
            """).AsRows().ToList();
        Assert.Equal(120, rows.Count);
        Assert.All(rows, r => Assert.Equal(82, r.GetInt64("games")));
        Assert.All(rows.Where(r => r.GetInt64("season_year") < 2024), r => Assert.Equal(41, r.GetInt64("home_games")));
        Assert.All(rows.Where(r => r.GetInt64("season_year") == 2024), r => Assert.InRange(r.GetInt64("home_games"), 40, 42));
    }

    [Fact]
    public void No_team_plays_twice_on_a_date_or_three_days_running()
    {
        Assert.Equal(0, L.Scalar($"""
            SELECT count(*) FROM (
              SELECT game_date, team FROM (SELECT game_date, home_team_tricode AS team FROM {Sched} UNION ALL SELECT game_date, away_team_tricode FROM {Sched})
              GROUP BY game_date, team HAVING count(*) > 1)
            """));
        // Back-to-backs per team-season are in the real range (2024-25: 13-17), and nobody plays three days in a row.
        var b2b = L.Query($"""
            WITH g AS (SELECT season_year, game_date, home_team_tricode AS team FROM {Sched} UNION ALL SELECT season_year, game_date, away_team_tricode FROM {Sched}),
                 s AS (SELECT season_year, team, game_date, lag(game_date) OVER (PARTITION BY team, season_year ORDER BY game_date) AS prev,
                              lag(game_date, 2) OVER (PARTITION BY team, season_year ORDER BY game_date) AS prev2 FROM g)
            SELECT season_year, team, countif(game_date - prev = 1) AS b2b, countif(game_date - prev2 = 2) AS three FROM s GROUP BY season_year, team
            """).AsRows().ToList();
        Assert.All(b2b.Where(r => r.GetInt64("season_year") < 2024), r => Assert.InRange(r.GetInt64("b2b"), 8, 22));
        Assert.All(b2b.Where(r => r.GetInt64("season_year") < 2024), r => Assert.Equal(0, r.GetInt64("three")));
        var mean = b2b.Where(r => r.GetInt64("season_year") < 2024).Average(r => r.GetInt64("b2b"));
        Assert.InRange(mean, 12, 18);
    }

    [Fact]
    public void Team_rows_equal_the_sums_of_their_player_rows()
    {
        Assert.Equal(0, L.Scalar($"""
            SELECT count(*) FROM {Togs} t JOIN (
              SELECT game_id, team_abbr, sum(points) AS pts, sum(fg_attempts) AS fga, sum(fg_makes) AS fgm, sum(three_pt_attempts) AS tpa,
                     sum(three_pt_makes) AS tpm, sum(ft_attempts) AS fta, sum(ft_makes) AS ftm, sum(paint_attempts) AS pa, sum(paint_makes) AS pm,
                     sum(mid_range_attempts) AS ma, sum(mid_range_makes) AS mm, sum(assists) AS ast
              FROM {Pgs} GROUP BY game_id, team_abbr) p USING (game_id, team_abbr)
            WHERE t.points_scored <> p.pts OR t.fg_attempts <> p.fga OR t.fg_makes <> p.fgm OR t.three_pt_attempts <> p.tpa OR t.three_pt_makes <> p.tpm
               OR t.ft_attempts <> p.fta OR t.ft_makes <> p.ftm OR t.team_paint_attempts <> p.pa OR t.team_paint_makes <> p.pm
               OR t.team_mid_range_attempts <> p.ma OR t.team_mid_range_makes <> p.mm OR t.assists <> p.ast
            """));
        Assert.Equal(L.Scalar($"SELECT count(*) FROM {Togs}"), L.Scalar($"SELECT count(DISTINCT game_id || team_abbr) FROM {Pgs}"));
        // Raw box scores agree with the analytics rows.
        Assert.Equal(0, L.Scalar($"""
            SELECT count(*) FROM {Togs} t JOIN (SELECT game_id, team_abbr, sum(points) AS pts, sum(field_goals_attempted) AS fga, sum(three_pointers_made) AS tpm,
                                                       sum(CAST(split_part(minutes, ':', 1) AS INT) * 60 + COALESCE(TRY_CAST(NULLIF(split_part(minutes, ':', 2), '') AS INT), 0)) AS secs
                                                FROM {Box} GROUP BY ALL) b
            USING (game_id, team_abbr) WHERE t.points_scored <> b.pts OR t.fg_attempts <> b.fga OR t.three_pt_makes <> b.tpm OR b.secs <> 240 * 60
            """));
        // Defense rows are the opponent's shooting, and blocks by zone add up to the defenders' blocks.
        Assert.Equal(0, L.Scalar($"""
            SELECT count(*) FROM {Tdgs} d
            JOIN {Togs} o ON o.game_id = d.game_id AND o.team_abbr = d.opponent_team_abbr
            JOIN (SELECT game_id, team_abbr, sum(blocks) AS blk FROM {Box} GROUP BY ALL) b ON b.game_id = d.game_id AND b.team_abbr = d.defending_team_abbr
            WHERE d.points_allowed <> o.points_scored OR d.opp_paint_attempts <> o.team_paint_attempts OR d.opp_paint_makes <> o.team_paint_makes
               OR d.opp_mid_range_attempts <> o.team_mid_range_attempts OR d.opp_three_pt_makes <> o.three_pt_makes
               OR d.points_in_paint_allowed <> 2 * o.team_paint_makes OR d.points_in_paint_allowed <> o.points_in_paint_scored
               OR d.home_game = o.home_game OR d.win_flag = o.win_flag OR d.three_pt_points_allowed <> 3 * o.three_pt_makes
               OR d.blocks_paint + d.blocks_mid_range + d.blocks_three_pt <> b.blk OR d.opponent_pace <> o.pace
            """));
        Assert.Equal(L.Scalar($"SELECT count(*) FROM {Togs}"), L.Scalar($"SELECT count(*) FROM {Tdgs}"));
    }

    [Fact]
    public void Every_played_row_adds_up()
    {
        Assert.True(L.Scalar($"SELECT count(*) FROM {Pgs} WHERE is_active") > 100_000);
        Assert.Equal(0, L.Scalar($"""
            SELECT count(*) FROM {Pgs} WHERE is_active AND (
              points <> 2 * (fg_makes - three_pt_makes) + 3 * three_pt_makes + ft_makes
              OR paint_attempts + mid_range_attempts + three_pt_attempts <> fg_attempts
              OR paint_makes + mid_range_makes + three_pt_makes <> fg_makes
              OR assisted_fg_makes + unassisted_fg_makes <> fg_makes OR fg_makes > fg_attempts OR ft_makes > ft_attempts
              OR minutes_played <= 0 OR usage_rate IS NULL)
            """));
        Assert.Equal(0, L.Scalar($"SELECT count(*) FROM {Box} WHERE minutes LIKE '%:%' AND points <> 2 * (field_goals_made - three_pointers_made) + 3 * three_pointers_made + free_throws_made"));
        // Every team-game's minutes add to 240.
        Assert.Equal(0, L.Scalar($"SELECT count(*) FROM (SELECT game_id, team_abbr FROM {Pgs} GROUP BY ALL HAVING abs(sum(minutes_played) - 240) > 0.05)"));
        // Every game has a winner.
        Assert.Equal(0, L.Scalar($"SELECT count(*) FROM (SELECT game_id FROM {Togs} GROUP BY game_id HAVING countif(win_flag) <> 1)"));
    }

    [Fact]
    public void Player_rows_cover_active_dnp_and_inactive_players()
    {
        var r = L.Query($"""
            SELECT countif(player_status = 'active' AND is_active AND NOT is_dnp) AS active, countif(player_status = 'dnp' AND NOT is_active AND is_dnp) AS dnp,
                   countif(player_status = 'inactive' AND NOT is_active AND is_dnp) AS inactive, count(*) AS total,
                   countif(NOT is_active AND points IS NOT NULL) AS stats_on_bench
            FROM {Pgs}
            """)[0];
        Assert.Equal(r.GetInt64("total"), r.GetInt64("active") + r.GetInt64("dnp") + r.GetInt64("inactive"));
        Assert.True(r.GetInt64("dnp") > 10_000, $"dnp rows {r.GetInt64("dnp")}");
        Assert.True(r.GetInt64("inactive") > 10_000, $"inactive rows {r.GetInt64("inactive")}");
        Assert.Equal(0, r.GetInt64("stats_on_bench"));
        // 15-17 listed per team-game, and the same rows in raw and analytics.
        var sizes = L.Query($"SELECT min(n) AS lo, max(n) AS hi FROM (SELECT count(*) AS n FROM {Pgs} GROUP BY game_id, team_abbr)")[0];
        Assert.InRange(sizes.GetInt64("lo"), 15, 17);
        Assert.InRange(sizes.GetInt64("hi"), 15, 17);
        Assert.Equal(L.Scalar($"SELECT count(*) FROM {Box}"), L.Scalar($"SELECT count(*) FROM {Pgs}"));
    }

    [Fact]
    public void Players_are_fictional_with_stable_ids_trades_and_injuries()
    {
        Assert.Equal(0, L.Scalar($"SELECT count(*) FROM {Box} WHERE player_lookup <> lower(replace(player_full_name, ' ', ''))"));
        Assert.Equal(0, L.Scalar($"SELECT count(*) FROM (SELECT player_lookup FROM {Pgs} GROUP BY ALL HAVING count(DISTINCT universal_player_id) <> 1)"));
        Assert.Equal(0, L.Scalar($"SELECT count(*) FROM (SELECT universal_player_id FROM {Pgs} GROUP BY ALL HAVING count(DISTINCT player_lookup) <> 1)"));
        // None of the real players named in the data fixtures appear (letters only, so "Kelly Oubre Jr." cannot slip through).
        var real = File.ReadAllLines(Path.Combine(SourceDir(), "real-player-lookups.txt")).Where(x => !x.StartsWith('#')).ToList();
        Assert.True(real.Count > 500);
        var generated = L.Query($"SELECT DISTINCT regexp_replace(lower(player_full_name), '[^a-z]', '', 'g') AS k FROM {Box}").AsRows().Select(r => r.GetString("k")!).ToHashSet();
        Assert.True(generated.Count > 600);
        Assert.Empty(real.Where(generated.Contains));
        // Mid-season moves: players with two teams in one season.
        var traded = L.Scalar($"SELECT count(*) FROM (SELECT player_lookup, season_year FROM {Pgs} GROUP BY ALL HAVING count(DISTINCT team_abbr) > 1)");
        Assert.InRange(traded, 10, 80);
        // Players persist across seasons, with turnover.
        var carried = L.Scalar($"SELECT count(DISTINCT player_lookup) FROM {Pgs} WHERE season_year = 2022 AND player_lookup IN (SELECT player_lookup FROM {Pgs} WHERE season_year = 2021)");
        var all2022 = L.Scalar($"SELECT count(DISTINCT player_lookup) FROM {Pgs} WHERE season_year = 2022");
        Assert.InRange((double)carried / all2022, 0.5, 0.95);
    }

    /// <summary>Tolerances: ±0.02 on zone shares and make rates (mid-range ±0.04, the rarest zone), ±0.05 on assists per make.</summary>
    [Fact]
    public void Box_scores_match_the_calibration_statistics()
    {
        var r = L.Query($"""
            SELECT sum(paint_attempts) / sum(fg_attempts) AS paint_share, sum(mid_range_attempts) / sum(fg_attempts) AS mid_share,
                   sum(three_pt_attempts) / sum(fg_attempts) AS three_share, sum(paint_makes) / sum(paint_attempts) AS paint_fg,
                   sum(mid_range_makes) / sum(mid_range_attempts) AS mid_fg, sum(three_pt_makes) / sum(three_pt_attempts) AS three_fg,
                   sum(ft_makes) / sum(ft_attempts) AS ft_pct, sum(fg_makes) / sum(fg_attempts) AS fg_pct,
                   sum(assisted_fg_makes) / sum(fg_makes) AS ast_per_fgm, sum(ft_attempts) / sum(fg_attempts) AS fta_per_fga
            FROM {Pgs} WHERE is_active
            """)[0];
        void Near(string column, double tolerance, params string[] target) =>
            Assert.InRange(r.GetDouble(column), Calibration.Get(target) - tolerance, Calibration.Get(target) + tolerance);
        Near("paint_share", 0.02, "boxscore", "zone_pooled", "paint_share");
        Near("mid_share", 0.02, "boxscore", "zone_pooled", "mid_share");
        Near("three_share", 0.02, "boxscore", "zone_pooled", "three_share");
        Near("paint_fg", 0.02, "boxscore", "zone_pooled", "paint_fg");
        Near("mid_fg", 0.04, "boxscore", "zone_pooled", "mid_fg");
        Near("three_fg", 0.02, "boxscore", "pooled", "fg3_pct");
        Near("ft_pct", 0.02, "boxscore", "pooled", "ft_pct");
        Near("fg_pct", 0.02, "boxscore", "pooled", "fg_pct");
        Near("ast_per_fgm", 0.05, "boxscore", "pooled", "ast_per_fgm");
        Near("fta_per_fga", 0.04, "boxscore", "pooled", "fta_per_fga");
    }

    [Fact]
    public void Minutes_players_per_game_points_and_pace_match_the_calibration_statistics()
    {
        static void Near(double actual, double tolerance, params string[] target) =>
            Assert.InRange(actual, Calibration.Get(target) - tolerance, Calibration.Get(target) + tolerance);
        Near(L.Real($"SELECT avg(n) FROM (SELECT countif(is_active) AS n FROM {Pgs} GROUP BY game_id, team_abbr)"), 0.5,
            "boxscore", "played_per_team_game_all", "mean");
        var minutes = L.Query($"SELECT avg(minutes_played) AS m, stddev_samp(minutes_played) AS sd, quantile_cont(minutes_played, 0.9) AS p90 FROM {Pgs} WHERE is_active")[0];
        Near(minutes.GetDouble("m"), 1.5, "boxscore", "minutes_played", "mean");
        Near(minutes.GetDouble("sd"), 2.0, "boxscore", "minutes_played", "sd");
        Near(minutes.GetDouble("p90"), 2.5, "boxscore", "minutes_played", "p90");
        Near(L.Real($"SELECT avg(points) FROM {Pgs} WHERE is_active"), 1.0, "boxscore", "points", "mean");
        // The top-minutes player of a team-game scores like the calibration's rank 1.
        Near(L.Real($"SELECT avg(points) FROM (SELECT points FROM {Pgs} WHERE is_active QUALIFY row_number() OVER (PARTITION BY game_id, team_abbr ORDER BY minutes_played DESC) = 1)"),
            2.5, "boxscore", "by_minutes_rank", "1", "pts_mean");
        var team = L.Query($"SELECT avg(points_scored) AS pts, avg(pace) AS pace, stddev_samp(pace) AS pace_sd, countif(win_flag AND home_game) / countif(home_game) AS home_win FROM {Togs}")[0];
        Near(team.GetDouble("pts"), 4, "boxscore", "team_pts", "mean");
        Near(team.GetDouble("pace"), 1.0, "boxscore", "pace", "mean");
        Assert.InRange(team.GetDouble("pace_sd"), 2.5, 7.0);
        Near(team.GetDouble("home_win"), 0.04, "schedule_extra", "2024-25_regular_calibration", "home_win_pct");
    }

    [Fact]
    public void Seven_games_of_2021_22_are_missing_from_raw_and_analytics_only()
    {
        Assert.Equal(1230, L.Scalar($"SELECT count(*) FROM {Sched} WHERE season_year = 2021"));
        Assert.Equal(1223, L.Scalar($"SELECT count(DISTINCT game_id) FROM {Box} WHERE season_year = 2021"));
        Assert.Equal(1223, L.Scalar($"SELECT count(DISTINCT game_id) FROM {Pgs} WHERE season_year = 2021"));
        Assert.Equal(2 * 1223, L.Scalar($"SELECT count(*) FROM {Togs} WHERE season_year = 2021"));
        Assert.Equal(2 * 1223, L.Scalar($"SELECT count(*) FROM {Tdgs} WHERE season_year = 2021"));
        // The missing games are scheduled games (their ids map to the standard ids of the schedule), and later seasons are whole.
        const string standardId = "strftime(game_date, '%Y%m%d') || '_' || away_team_tricode || '_' || home_team_tricode";
        Assert.Equal(7, L.Scalar($"SELECT count(*) FROM {Sched} s WHERE season_year = 2021 AND {standardId} NOT IN (SELECT game_id FROM {Box})"));
        Assert.Equal(0, L.Scalar($"""
            SELECT count(*) FROM {Sched} s WHERE season_year = 2021 AND {standardId} IN (SELECT game_id FROM {Box})
            AND {standardId} NOT IN (SELECT game_id FROM {Pgs})
            """));
        Assert.Equal(3 * 1230, L.Scalar($"SELECT count(DISTINCT game_id) FROM {Box} WHERE season_year > 2021"));
    }

    [Fact]
    public void Upcoming_context_exists_only_from_2024_01_01_with_one_row_per_listed_player()
    {
        Assert.Equal("2024-01-01", L.Query($"SELECT CAST(min(game_date) AS VARCHAR) FROM {Upcg}").Rows[0][0]);
        Assert.Equal("2024-01-01", L.Query($"SELECT CAST(min(game_date) AS VARCHAR) FROM {Utgc}").Rows[0][0]);
        Assert.Equal(0, L.Scalar($"SELECT count(*) FROM {Upcg} WHERE game_date < DATE '2024-01-01'"));
        // U = E on every context date, and for the same players.
        Assert.Equal(0, L.Scalar($"""
            SELECT count(*) FROM (SELECT game_date, count(DISTINCT player_lookup) AS e FROM {Pgs} WHERE game_date >= DATE '2024-01-01' GROUP BY ALL) p
            FULL JOIN (SELECT game_date, count(*) AS u FROM {Upcg} GROUP BY ALL) c USING (game_date) WHERE p.e IS DISTINCT FROM c.u
            """));
        Assert.Equal(0, L.Scalar($"SELECT count(*) FROM {Upcg} c ANTI JOIN {Pgs} p USING (game_id, player_lookup, team_abbr)"));
        // UTGC: two rows per scheduled game, keyed by the NBA id.
        Assert.Equal(0, L.Scalar($"SELECT count(*) FROM {Utgc} u ANTI JOIN {Sched} s ON s.game_id = u.game_id AND s.game_date = u.game_date"));
        Assert.Equal(2 * L.Scalar($"SELECT count(*) FROM {Sched} WHERE game_date >= DATE '2024-01-01'"), L.Scalar($"SELECT count(*) FROM {Utgc}"));
        // Both sides of a game see the same total and mirrored spreads, and so do their players.
        Assert.Equal(0, L.Scalar($"SELECT count(*) FROM (SELECT game_id FROM {Utgc} GROUP BY ALL HAVING count(DISTINCT game_total) <> 1 OR sum(game_spread) <> 0 OR countif(home_game) <> 1)"));
        Assert.Equal(0, L.Scalar($"SELECT count(*) FROM {Upcg} c JOIN {Utgc} u USING (game_date, team_abbr) WHERE c.game_total <> u.game_total OR c.game_spread <> u.game_spread OR c.home_game <> u.home_game"));
    }

    [Fact]
    public void Upcoming_context_is_complete_and_consistent_with_earlier_games()
    {
        // No gaps in the columns a consumer relies on (projected_usage_rate stays NULL, as in the reference).
        Assert.Equal(0, L.Scalar($"""
            SELECT count(*) FROM {Upcg} WHERE team_abbr IS NULL OR opponent_team_abbr IS NULL OR home_game IS NULL OR back_to_back IS NULL
              OR season_phase IS NULL OR days_rest IS NULL OR opponent_days_rest IS NULL OR games_in_last_7_days IS NULL
              OR minutes_in_last_7_days IS NULL OR avg_minutes_per_game_last_7 IS NULL OR star_teammates_out IS NULL
              OR pace_differential IS NULL OR opponent_pace_last_10 IS NULL OR player_age IS NULL OR game_total IS NULL
              OR game_spread IS NULL OR has_prop_line IS NULL OR data_hash IS NULL OR projected_usage_rate IS NOT NULL
            """));
        Assert.Equal(0, L.Scalar($"SELECT count(*) FROM {Upcg} WHERE back_to_back <> (days_rest = 0) OR has_prop_line <> (current_points_line IS NOT NULL)"));
        Assert.True(L.Scalar($"SELECT count(*) FROM {Upcg} WHERE has_prop_line") > 10_000);
        // Last-7-day workload recomputed from the player rows before D agrees on every row.
        Assert.Equal(0, L.Scalar($"""
            SELECT count(*) FROM {Upcg} c LEFT JOIN (
              SELECT c2.game_date, c2.player_lookup, count(*) AS g7, sum(round(p.minutes_played * 10)) / 10 AS m7
              FROM {Upcg} c2 JOIN {Pgs} p ON p.player_lookup = c2.player_lookup AND p.is_active
               AND p.game_date < c2.game_date AND p.game_date > c2.game_date - 7
              GROUP BY ALL) w USING (game_date, player_lookup)
            WHERE c.games_in_last_7_days <> coalesce(w.g7, 0) OR c.minutes_in_last_7_days <> coalesce(round(w.m7), 0)
            """));
        // Rest days agree with the team's schedule.
        Assert.Equal(0, L.Scalar($"""
            WITH g AS (SELECT season_year, game_date, home_team_tricode AS team FROM {Sched} UNION ALL SELECT season_year, game_date, away_team_tricode FROM {Sched}),
                 r AS (SELECT team, game_date, game_date - lag(game_date) OVER (PARTITION BY team, season_year ORDER BY game_date) - 1 AS rest FROM g)
            SELECT count(*) FROM {Utgc} u JOIN r o ON o.team = u.opponent_team_abbr AND o.game_date = u.game_date
            JOIN {Upcg} c ON c.game_date = u.game_date AND c.team_abbr = u.team_abbr
            WHERE c.opponent_days_rest <> o.rest
            """));
        // A season opener's rest is the offseason.
        Assert.True(L.Scalar($"SELECT min(days_rest) FROM {Upcg} WHERE game_date = DATE '2024-10-22'") > 150);
        var pace = L.Query($"SELECT avg(opponent_pace_last_10) AS p, avg(abs(pace_differential)) AS d FROM {Upcg}")[0];
        Assert.InRange(pace.GetDouble("p"), 97, 100);
        Assert.InRange(pace.GetDouble("d"), 0.5, 4);
    }

    [Fact]
    public void Same_seed_gives_identical_tables_across_all_seasons()
    {
        using var again = new GeneratedWarehouse(new SampleLeagueOptions(SampleLeague.AllSeasons, Array.Empty<string>()));
        foreach (var table in new[] { Sched, Box, Pgs, Tdgs, Togs, Upcg, Utgc })
        {
            var first = L.Checksum(table);
            Assert.Equal(first, again.Checksum(table));
            Assert.DoesNotMatch("^0:", first);
        }
    }

    [Fact]
    public void A_season_does_not_depend_on_which_other_seasons_were_generated()
    {
        using var alone = new GeneratedWarehouse(new SampleLeagueOptions(new[] { "2022-23" }, Array.Empty<string>()));
        foreach (var table in new[] { Sched, Box, Pgs, Togs })
        {
            var slice = $"(SELECT * FROM {table} WHERE season_year = 2022)";
            Assert.Equal(L.Checksum(slice), alone.Checksum(slice));
        }
    }

    [Fact]
    public void Summary_and_progress_describe_what_was_written()
    {
        foreach (var (table, rows) in L.Summary.RowsByTable)
            Assert.Equal(rows, L.Scalar($"SELECT count(*) FROM {table}"));
        Assert.True(L.Summary.RowsByTable[Pgs] > 150_000);
        // Loose on purpose: test classes generate in parallel on a shared 2-core machine. Row-by-row INSERTs instead of
        // the appender would take minutes (≈0.5 ms per row), and that is the regression this guards against.
        Assert.True(L.Summary.Elapsed < TimeSpan.FromSeconds(120), $"generation took {L.Summary.Elapsed}");
        Assert.NotEmpty(_f.Progress);
        Assert.All(_f.Progress, p => Assert.Equal("Generating sample league", p.Activity));
        Assert.Equal(_f.Progress[^1].Total, _f.Progress[^1].Done);
        Assert.True(_f.Progress.Zip(_f.Progress.Skip(1)).All(x => x.First.Done <= x.Second.Done));
    }
}
