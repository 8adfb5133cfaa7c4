using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using Xunit;

namespace BackfillTools.Tests.Processors;

/// <summary>PSZA zones, the L20 >= 15 rule and the dynamic minimum (spec §6), hand-computed.</summary>
public class PszaTests
{
    private static readonly DateOnly Opener = new(2023, 10, 24);

    /// <summary>A player with <paramref name="games"/> identical games on the days before <paramref name="d"/>.</summary>
    private static IEnumerable<object> Games(string player, DateOnly d, int games, long paint, long mid, long three, string team = "LAL") =>
        Enumerable.Range(1, games).Select(g => (object)new
        {
            player_lookup = player, game_id = $"{player}{g}", game_date = d.AddDays(-g), team_abbr = team, season_year = 2023L,
            minutes_played = 30.0, is_active = true, fg_attempts = paint + mid + three, fg_makes = 4L,
            paint_attempts = paint, paint_makes = 2L, mid_range_attempts = mid, mid_range_makes = 1L, three_pt_attempts = three,
            three_pt_makes = 1L, assisted_fg_makes = 3L, unassisted_fg_makes = 1L, data_hash = $"h{g}",
        });

    [Fact]
    public void Primary_zone_thresholds_and_the_L20_rule()
    {
        using var db = new ProcessorTestDb();
        db.AddGame(Opener, "BOS", "NYK");
        var d = new DateOnly(2023, 12, 15);
        db.AddMany(WarehouseSchema.PlayerGameSummary, Games("paint40", d, 15, 2, 1, 2)   // 40/20/40: paint is checked first
            .Concat(Games("perim", d, 14, 3, 3, 4))                                        // 30/30/40
            .Concat(Games("mid35", d, 12, 6, 7, 7))                                        // 30/35/35
            .Concat(Games("balanced", d, 12, 7, 6, 7)));                                   // 35/30/35
        db.Run(ProcessorName.PSZA, new[] { d });

        var p = db.Single(PrecomputeTables.Psza, "player_lookup = 'paint40'");
        Assert.Equal("paint", p.GetString("primary_scoring_zone"));
        Assert.Equal(40.0, p.GetDouble("paint_rate_last_10"), 9);
        Assert.Equal(0.5, p.GetDouble("three_pt_pct_last_10"), 9);     // 10 makes / 20 attempts
        Assert.Equal(75.0, p.GetDouble("assisted_rate_last_10"), 9);   // 3 of 4 makes
        Assert.Equal(50L, p.GetInt64("total_shots_last_10"));
        Assert.Equal(40.0, p.GetDouble("paint_rate_last_20"), 9);      // 15 games: L20 columns filled
        Assert.Equal("good", p.GetString("sample_quality_20"));        // 15 >= floor(0.7 * 20)

        var q = db.Single(PrecomputeTables.Psza, "player_lookup = 'perim'");
        Assert.Equal("perimeter", q.GetString("primary_scoring_zone"));
        Assert.True(q.IsNull("paint_rate_last_20"));                  // 14 games < 15
        Assert.Equal(14L, q.GetInt64("games_in_sample_20"));
        Assert.Equal("mid_range", db.Single(PrecomputeTables.Psza, "player_lookup = 'mid35'").GetString("primary_scoring_zone"));
        Assert.Equal("balanced", db.Single(PrecomputeTables.Psza, "player_lookup = 'balanced'").GetString("primary_scoring_zone"));
    }

    [Fact]
    public void Dynamic_minimum_on_day_14_is_7_games()
    {
        using var db = new ProcessorTestDb();
        var d = Opener.AddDays(14);
        // LAL played 6 scheduled games before D, BOS played 14: the same shortfall means different things.
        for (var g = 1; g <= 14; g++) db.AddGame(d.AddDays(-g), g <= 6 ? "LAL" : "MIA", "BOS");
        db.AddMany(WarehouseSchema.PlayerGameSummary, Games("seven", d, 7, 2, 1, 2, "BOS")
            .Concat(Games("six_lal", d, 6, 2, 1, 2))
            .Concat(Games("six_bos", d, 6, 2, 1, 2, "BOS")));
        db.Run(ProcessorName.PSZA, new[] { d });

        var seven = db.Single(PrecomputeTables.Psza, "player_lookup = 'seven'");
        // 3 + floor(14 / 3) = 7: production has no column for the minimum; the failure rows below it carry it.
        Assert.Equal(7L, seven.GetInt64("games_in_sample_10"));
        Assert.All(db.Failures(ProcessorName.PSZA).AsRows(), x => Assert.Equal(7L, x.GetInt64("expected_game_count")));
        Assert.True(seven.GetBoolean("early_season_flag"));
        Assert.Equal("high", seven.GetString("data_quality_tier"));
        var f = db.Failures(ProcessorName.PSZA).AsRows().ToDictionary(x => x.GetString("entity_id")!, x => x.GetString("failure_category"));
        Assert.Equal("EXPECTED_INCOMPLETE", f["six_lal"]);             // the team itself has only 6 games
        Assert.Equal("INSUFFICIENT_DATA", f["six_bos"]);               // the team has 14; the player missed games
        Assert.Equal(2, f.Count);
    }

    [Fact]
    public void Bootstrap_day_13_produces_nothing_and_day_14_produces_rows()
    {
        using var db = new ProcessorTestDb();
        MiniLeague.Load(db, 16);
        var day13 = MiniLeague.Opener.AddDays(13);
        var day14 = MiniLeague.Opener.AddDays(14);
        var r13 = db.Run(ProcessorName.PSZA, new[] { day13 });
        Assert.Equal((0L, 0L), (r13.Rows, r13.Failures));
        var r14 = db.Run(ProcessorName.PSZA, new[] { day14 });
        Assert.Equal(MiniLeague.Teams * MiniLeague.PlayersPerTeam, r14.Rows);

        // The expected-entity SQL agrees: nothing is expected on a bootstrap day.
        var sql = ProcessorCatalog.Create(ProcessorName.PSZA).ExpectedEntitiesSql.Replace("{{stage.dates}}", r13.Staging.Dates.Placeholder);
        Assert.Equal(0, db.W.Query(sql).Count);

        // PCF on day 13 writes no context row either.
        var pcf = db.Run(ProcessorName.PCF, new[] { day13 });
        Assert.Equal((0L, 0L, 0L), (pcf.Rows, pcf.Failures, pcf.Contexts));
    }
}
