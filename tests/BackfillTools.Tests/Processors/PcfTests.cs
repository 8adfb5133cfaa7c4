using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using Xunit;

namespace BackfillTools.Tests.Processors;

/// <summary>PCF factors against values worked out by hand from spec §7.2.</summary>
public class PcfTests
{
    private static readonly DateOnly D = new(2023, 12, 1);

    private static ProcessorTestDb Fixture()
    {
        var db = new ProcessorTestDb();
        db.AddGame(new DateOnly(2023, 10, 24), "BOS", "NYK");
        foreach (var p in new[] { "a", "b", "c" })
            db.Add(WarehouseSchema.PlayerGameSummary, new { player_lookup = p, game_id = "20231201_BOS_LAL", game_date = D, team_abbr = "LAL",
                opponent_team_abbr = "BOS", season_year = 2023L, points = 10L, minutes_played = 30.0, is_active = true });
        // a: back-to-back, 36 years old, 4 games in 7 days, one b2b in 14 days.
        db.Add(WarehouseSchema.UpcomingPlayerGameContext, new { player_lookup = "a", game_id = "20231201_BOS_LAL", game_date = D, team_abbr = "LAL",
            opponent_team_abbr = "BOS", back_to_back = true, days_rest = 0L, games_in_last_7_days = 4L, minutes_in_last_7_days = 150L,
            avg_minutes_per_game_last_7 = 30.0, back_to_backs_last_14_days = 1L, player_age = 36L, avg_usage_rate_last_7_games = 20.0,
            pace_differential = 3.0, star_teammates_out = 0L });
        // b: every input NULL, so the spec's defaults apply.
        db.Add(WarehouseSchema.UpcomingPlayerGameContext, new { player_lookup = "b", game_id = "20231201_BOS_LAL", game_date = D, team_abbr = "LAL",
            opponent_team_abbr = "BOS" });
        // c: rested (+5) but heavy minutes, two b2bs, 31 years old; no PSZA row.
        db.Add(WarehouseSchema.UpcomingPlayerGameContext, new { player_lookup = "c", game_id = "20231201_BOS_LAL", game_date = D, team_abbr = "LAL",
            opponent_team_abbr = "BOS", back_to_back = false, days_rest = 4L, games_in_last_7_days = 2L, minutes_in_last_7_days = 250L,
            avg_minutes_per_game_last_7 = 36.0, back_to_backs_last_14_days = 2L, player_age = 31L });
        db.Add(PrecomputeTables.Tdza, new { analysis_date = D, team_abbr = "BOS", paint_defense_vs_league_avg = 6.0,
            mid_range_defense_vs_league_avg = -1.0, three_pt_defense_vs_league_avg = 12.5, processed_at = DateTime.UtcNow });
        db.Add(PrecomputeTables.Psza, new { analysis_date = D, player_lookup = "a", primary_scoring_zone = "paint", paint_rate_last_10 = 60.0,
            mid_range_rate_last_10 = 20.0, three_pt_rate_last_10 = 20.0, processed_at = DateTime.UtcNow });
        db.Add(PrecomputeTables.Psza, new { analysis_date = D, player_lookup = "b", primary_scoring_zone = "perimeter", paint_rate_last_10 = 30.0,
            mid_range_rate_last_10 = 30.0, three_pt_rate_last_10 = 40.0, processed_at = DateTime.UtcNow });
        return db;
    }

    [Fact]
    public void Fatigue_of_a_back_to_back_36_year_old_with_4_games_in_7_days()
    {
        using var db = Fixture();
        db.Run(ProcessorName.PCF, new[] { D });
        var a = db.Single(PrecomputeTables.Pcf, "player_lookup = 'a'");
        // 100 - 15 (b2b) - 10 (4 games in 7) - 5 (one b2b in 14) - 10 (age >= 35) = 60.
        Assert.Equal(60L, a.GetInt64("fatigue_score"));
        // Pace 3.0 / 2 = 1.5; usage (25 - 20) * 0.3 = 1.5; mismatch paint 6.0 * min(60/50, 1) = 6 -> |m| > 5 -> 7.2.
        Assert.Equal(1.5, a.GetDouble("pace_score"), 9);
        Assert.Equal(1.5, a.GetDouble("usage_spike_score"), 9);
        Assert.Equal(7.2, a.GetDouble("shot_zone_mismatch_score"), 9);
        // (60 - 100) / 20 + 7.2 + 1.5 + 1.5 = 8.2
        Assert.Equal(8.2, a.GetDouble("total_composite_adjustment"), 9);
        Assert.Equal(80.0, a.GetDouble("data_completeness_pct"), 9); // projected_usage_rate is always NULL
        Assert.Equal("projected_usage_rate", a.GetString("missing_data_fields"));
        Assert.False(a.GetBoolean("has_warnings"));

        var c = db.Single(PrecomputeTables.Pcf, "player_lookup = 'c'");
        // 100 + 5 (rest >= 3) - 10 (minutes > 240) - 8 (mpg > 35) - 12 (two b2bs) - 5 (age 30-34) = 70.
        Assert.Equal(70L, c.GetInt64("fatigue_score"));
    }

    [Fact]
    public void Mismatch_above_5_is_amplified_and_clamped_and_missing_psza_gives_zero()
    {
        using var db = Fixture();
        db.Run(ProcessorName.PCF, new[] { D });
        var b = db.Single(PrecomputeTables.Pcf, "player_lookup = 'b'");
        // perimeter: 12.5 * min(40/50, 1) = 10 -> * 1.2 = 12 -> clamped to 10.
        Assert.Equal(10.0, b.GetDouble("shot_zone_mismatch_score"), 9);
        Assert.Equal(100L, b.GetInt64("fatigue_score")); // all defaults: no penalty, no rest bonus (days_rest 1)
        Assert.Equal(10.0, b.GetDouble("total_composite_adjustment"), 9);
        Assert.Equal("EXTREME_MATCHUP", b.GetString("warning_details"));
        Assert.Equal(40.0, b.GetDouble("data_completeness_pct"), 9);

        var c = db.Single(PrecomputeTables.Pcf, "player_lookup = 'c'");
        Assert.Equal(0.0, c.GetDouble("shot_zone_mismatch_score"), 9);
        Assert.Equal("{\"missing_data\":true}", c.GetString("shot_zone_context_json"));
    }

    [Fact]
    public void Missing_tdza_rows_block_the_date_with_incomplete_upstream_failures()
    {
        using var db = Fixture();
        db.W.Execute($"DELETE FROM {PrecomputeTables.Tdza.Placeholder} WHERE TRUE");
        var r = db.Run(ProcessorName.PCF, new[] { D });
        Assert.Equal(0, r.Rows);
        var f = db.Failures(ProcessorName.PCF);
        Assert.Equal(new[] { "a", "b", "c" }, f.AsRows().Select(x => x.GetString("entity_id")).ToArray());
        Assert.All(f.AsRows(), x =>
        {
            Assert.Equal("INCOMPLETE_UPSTREAM", x.GetString("failure_category"));
            Assert.True(x.GetBoolean("can_retry"));
            Assert.Contains("team_defense_zone_analysis", x.GetString("failure_reason"));
            Assert.DoesNotContain("player_shot_zone_analysis", x.GetString("failure_reason"));
        });

        // The parity switch reproduces the reference: rows are written with the matchup inputs missing.
        var parity = db.Run(ProcessorName.PCF, new[] { D }, new ProcessorOptions { AllowMissingUpstream = true });
        Assert.Equal(3, parity.Rows);
        Assert.Equal(0, parity.Failures);
    }
}
