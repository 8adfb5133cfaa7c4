using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using Xunit;

namespace BackfillTools.Tests.Processors;

/// <summary>PDC sample std, the 3-game minimum and the 30-day staleness rule (spec §8), hand-computed.</summary>
public class PdcTests
{
    private static readonly DateOnly D = new(2023, 12, 1);

    [Fact]
    public void Sample_std_three_game_minimum_and_staleness()
    {
        using var db = new ProcessorTestDb();
        db.AddGame(new DateOnly(2023, 10, 24), "BOS", "NYK");
        var rows = new List<object>();
        void Game(string p, int daysBefore, long pts, bool active = true, bool? dnp = false) => rows.Add(new
        {
            player_lookup = p, game_id = $"{p}{daysBefore}", game_date = D.AddDays(-daysBefore), team_abbr = "LAL", season_year = 2023L,
            points = pts, minutes_played = active ? 30.0 : 0.0, usage_rate = 20.0, fg_makes = 4L, assisted_fg_makes = 1L,
            is_active = active, is_dnp = dnp,
        });
        Game("x", 1, 30); Game("x", 3, 20); Game("x", 5, 10);
        Game("x", 2, 0, active: false, dnp: true); // a DNP row is not a game
        Game("y", 1, 12); Game("y", 2, 14);
        for (var i = 31; i < 36; i++) Game("z", i, 8);
        db.AddMany(WarehouseSchema.PlayerGameSummary, rows);
        foreach (var p in new[] { "x", "y", "z" })
        {
            db.Add(WarehouseSchema.PlayerGameSummary, new { player_lookup = p, game_id = "20231201_BOS_LAL", game_date = D, team_abbr = "LAL",
                opponent_team_abbr = "BOS", season_year = 2023L, is_active = true });
            db.Add(WarehouseSchema.UpcomingPlayerGameContext, new { player_lookup = p, game_id = "20231201_BOS_LAL", game_date = D,
                team_abbr = "LAL", opponent_team_abbr = "BOS", games_in_last_7_days = 3L, player_age = 27L });
        }
        var pace = new[] { 98.0, 100.0, 102.0 };
        for (var i = 0; i < pace.Length; i++)
            db.Add(WarehouseSchema.TeamOffenseGameSummary, new { game_id = $"t{i}", game_date = D.AddDays(-1 - i), team_abbr = "LAL",
                season_year = 2023L, pace = pace[i], offensive_rating = 111.0 });

        db.Run(ProcessorName.PDC, new[] { D });

        var x = db.Single(PrecomputeTables.Pdc, "player_lookup = 'x'");
        // Points 30, 20, 10: mean 20, sample std sqrt(((10)^2 + 0 + (10)^2) / 2) = 10 (population would be 8.16).
        Assert.Equal(10.0, x.GetDouble("points_std_last_10"), 9);
        Assert.Equal(20.0, x.GetDouble("points_avg_last_5"), 9);
        Assert.Equal(3L, x.GetInt64("games_played_season"));
        Assert.Equal(0.25, x.GetDouble("assisted_rate_last_10"), 9); // a fraction, 3 of 12 makes
        Assert.Equal(100.0, x.GetDouble("team_pace_last_10"), 9);
        Assert.Equal(3L, x.GetInt64("games_in_last_7_days"));          // copied from the context
        Assert.True(x.GetBoolean("early_season_flag"));
        Assert.Equal("Only 3 games played, need 10 minimum", x.GetString("insufficient_data_reason"));
        Assert.False(x.GetBoolean("shot_zone_data_available"));

        var f = db.Failures(ProcessorName.PDC).AsRows().ToDictionary(r => r.GetString("entity_id")!, r => r.GetString("failure_category"));
        Assert.Equal("INSUFFICIENT_DATA", f["y"]);  // 2 games < 3
        Assert.Equal("EXPECTED_INCOMPLETE", f["z"]); // last game 31 days before D: idle by design (spec §10)
        Assert.Equal(2, f.Count);
        Assert.Equal(1L, db.Count(PrecomputeTables.Pdc));
    }
}
