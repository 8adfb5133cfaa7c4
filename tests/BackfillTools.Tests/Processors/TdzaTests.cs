using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using Xunit;

namespace BackfillTools.Tests.Processors;

/// <summary>TDZA league averages and the 15-game minimum (spec §5), hand-computed.</summary>
public class TdzaTests
{
    private static readonly DateOnly D = new(2023, 12, 1);

    /// <summary>Teams T0..T(n-1) with 15 games on the 15 days before D; team i allows (10+i)/20 in the paint.</summary>
    private static ProcessorTestDb Fixture(int teams, int gamesOfLastTeam = 15)
    {
        var db = new ProcessorTestDb();
        db.AddGame(new DateOnly(2023, 10, 24), "BOS", "NYK");
        var rows = new List<object>();
        for (var i = 0; i < teams; i++)
            for (var g = 1; g <= (i == teams - 1 ? gamesOfLastTeam : 15); g++)
                rows.Add(new { game_id = $"g{i}_{g}", game_date = D.AddDays(-g), defending_team_abbr = $"T{i}", season_year = 2023L,
                    points_allowed = 110L, opp_paint_attempts = 20L, opp_paint_makes = 10L + i, opp_mid_range_attempts = 10L,
                    opp_mid_range_makes = 4L, opp_three_pt_attempts = 30L, opp_three_pt_makes = 11L, blocks_paint = 3L,
                    defensive_rating = 110.0 + i, opponent_pace = 100.0 });
        db.AddMany(WarehouseSchema.TeamDefenseGameSummary, rows);
        return db;
    }

    /// <summary>The league paint average a row was measured against: its own pct minus its vs-league points.</summary>
    private static double LeaguePaint(BackfillTools.Core.Warehouse.ResultRow row) =>
        Math.Round(row.GetDouble("paint_pct_allowed_last_15") - row.GetDouble("paint_defense_vs_league_avg") / 100, 9);

    [Fact]
    public void League_average_falls_back_to_defaults_below_10_teams()
    {
        using var db = Fixture(9);
        db.Run(ProcessorName.TDZA, new[] { D });
        var t0 = db.Single(PrecomputeTables.Tdza, "team_abbr = 'T0'");
        // The league averages have no production column; the vs-league columns are measured against them.
        Assert.Equal(0.58, LeaguePaint(t0), 9);
        Assert.Equal(0.5, t0.GetDouble("paint_pct_allowed_last_15"), 9);
        // (0.500 - 0.580) * 100 and (4/10 - 0.410) * 100, (11/30 - 0.355) * 100 = 1.1666.. -> 1.17
        Assert.Equal(-8.0, t0.GetDouble("paint_defense_vs_league_avg"), 9);
        Assert.Equal(-1.0, t0.GetDouble("mid_range_defense_vs_league_avg"), 9);
        Assert.Equal(1.17, t0.GetDouble("three_pt_defense_vs_league_avg"), 9);
        Assert.Equal(3.0, t0.GetDouble("paint_blocks_per_game"), 9);
        Assert.Equal(15L, t0.GetInt64("games_in_sample"));
        Assert.Equal("high", t0.GetString("data_quality_tier"));
        Assert.Equal("paint", t0.GetString("strongest_zone")); // -8 is the minimum vs-league
        Assert.Equal("perimeter", t0.GetString("weakest_zone"));
    }

    [Fact]
    public void League_average_is_the_unweighted_team_mean_from_10_teams()
    {
        using var db = Fixture(10);
        db.Run(ProcessorName.TDZA, new[] { D });
        var t0 = db.Single(PrecomputeTables.Tdza, "team_abbr = 'T0'");
        // League paint = mean((10+i)/20, i = 0..9) = 0.725, not the 0.580 default; T0: (0.5 - 0.725) * 100 = -22.5.
        Assert.Equal(0.725, LeaguePaint(t0), 9);
        Assert.Equal(-22.5, t0.GetDouble("paint_defense_vs_league_avg"), 9);
        Assert.Equal(0.0, t0.GetDouble("mid_range_defense_vs_league_avg"), 9);
        Assert.Equal(110.0, t0.GetDouble("defensive_rating_last_15"), 9);
    }

    [Fact]
    public void A_team_with_14_games_fails_with_insufficient_data()
    {
        using var db = Fixture(10, gamesOfLastTeam: 14);
        var r = db.Run(ProcessorName.TDZA, new[] { D });
        Assert.Equal(9, r.Rows);
        var f = db.Failures(ProcessorName.TDZA);
        var only = Assert.Single(f.AsRows());
        Assert.Equal("T9", only.GetString("entity_id"));
        Assert.Equal("INSUFFICIENT_DATA", only.GetString("failure_category"));
        Assert.Equal(14L, only.GetInt64("actual_game_count"));
        Assert.Equal(15L, only.GetInt64("expected_game_count"));
        Assert.True(ProcessorCatalog.IsByDesignSkip(only.GetString("failure_category")!));
    }

    [Fact]
    public void A_percentage_above_1_is_routed_to_a_validation_failure_not_dropped()
    {
        using var db = Fixture(10);
        // Bad upstream data: T3 allows more paint makes than attempts.
        db.W.Execute($"UPDATE {WarehouseSchema.TeamDefenseGameSummary.Placeholder} SET opp_paint_makes = 25 WHERE defending_team_abbr = 'T3'");
        var r = db.Run(ProcessorName.TDZA, new[] { D });
        Assert.Equal(9, r.Rows);
        Assert.Equal(0, db.Count(PrecomputeTables.Tdza, "team_abbr = 'T3'"));
        var only = Assert.Single(db.Failures(ProcessorName.TDZA).AsRows());
        Assert.Equal(("T3", "VALIDATION_ERROR"), (only.GetString("entity_id"), only.GetString("failure_category")));
    }

    [Fact]
    public void Season_start_switch_counts_the_minimum_from_the_opener()
    {
        using var db = new ProcessorTestDb();
        db.AddGame(new DateOnly(2023, 10, 24), "BOS", "NYK");
        var d = new DateOnly(2023, 11, 13); // 20 days after the opener, 43 after Oct 1
        db.AddMany(WarehouseSchema.TeamDefenseGameSummary, Enumerable.Range(1, 12).Select(g => (object)new
        {
            game_id = $"g{g}", game_date = d.AddDays(-g), defending_team_abbr = "T0", season_year = 2023L, opp_paint_attempts = 20L, opp_paint_makes = 10L,
        }));
        // As coded (Oct 1): 15 games needed. From the opener: min(5 + 20 / 3, 14) = 11, so 12 games suffice.
        Assert.Equal((0L, 1L), Counts(db.Run(ProcessorName.TDZA, new[] { d })));
        Assert.Equal((1L, 0L), Counts(db.Run(ProcessorName.TDZA, new[] { d }, new ProcessorOptions { TdzaSeasonStart = true })));
    }

    [Fact]
    public void League_window_includes_D_unless_the_strict_switch_is_on()
    {
        using var db = Fixture(10);
        // Every team allows 20 of 20 in the paint on D itself.
        db.AddMany(WarehouseSchema.TeamDefenseGameSummary, Enumerable.Range(0, 10).Select(i => (object)new
        {
            game_id = $"d{i}", game_date = D, defending_team_abbr = $"T{i}", season_year = 2023L, opp_paint_attempts = 20L, opp_paint_makes = 20L,
            opp_mid_range_attempts = 10L, opp_mid_range_makes = 4L, opp_three_pt_attempts = 30L, opp_three_pt_makes = 11L,
        }));
        db.Run(ProcessorName.TDZA, new[] { D });
        // League paint = mean((15 (10 + i) + 20) / 320) = 237.5 / 320 = 0.7421875; T0 (its last 15 exclude D) 0.5.
        Assert.Equal(-24.22, db.Single(PrecomputeTables.Tdza, "team_abbr = 'T0'").GetDouble("paint_defense_vs_league_avg"), 9);
        db.Run(ProcessorName.TDZA, new[] { D }, new ProcessorOptions { TdzaLeagueStrictlyBefore = true });
        Assert.Equal(-22.5, db.Single(PrecomputeTables.Tdza, "team_abbr = 'T0'").GetDouble("paint_defense_vs_league_avg"), 9);
    }

    private static (long Rows, long Failures) Counts(ProcessorTestDb.RunResult r) => (r.Rows, r.Failures);
}
