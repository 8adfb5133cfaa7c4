using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using Xunit;

namespace BackfillTools.Tests.Processors;

/// <summary>MLFS features and quality scoring (spec §9.2, §9.4), values worked out by hand.</summary>
public class MlfsTests
{
    private static readonly DateOnly D = new(2023, 12, 1);
    private const string Game = "20231201_BOS_LAL";

    // Newest first; the two oldest rows are DNPs with NULL points.
    private static readonly long?[] Points = { 30, 28, 20, 18, 16, 10, 10, 10, null, null };

    private static ProcessorTestDb Fixture()
    {
        var db = new ProcessorTestDb();
        db.AddGame(new DateOnly(2023, 10, 24), "BOS", "NYK");
        var now = DateTime.UtcNow;
        foreach (var p in new[] { "m", "n", "r" })
        {
            db.Add(WarehouseSchema.PlayerGameSummary, new { player_lookup = p, game_id = Game, game_date = D, team_abbr = "LAL",
                opponent_team_abbr = "BOS", season_year = 2023L, is_active = true });
            db.Add(WarehouseSchema.UpcomingPlayerGameContext, new { player_lookup = p, game_id = Game, game_date = D, team_abbr = "LAL",
                opponent_team_abbr = "BOS", home_game = true, days_rest = 1L, opponent_days_rest = 2L, player_status = "Questionable",
                games_in_last_7_days = 2L });
        }
        // n: one DNP 20 days ago only. A PGS row within 60 days keeps him on the roster; nothing else is known.
        db.Add(WarehouseSchema.PlayerGameSummary, new { player_lookup = "n", game_id = "n0", game_date = D.AddDays(-20), team_abbr = "LAL",
            opponent_team_abbr = "MIA", season_year = 2023L, minutes_played = 0.0, is_active = false, is_dnp = true });
        // k: no PGS row in the 60 days before D: dropped from the roster (HEAD rule), so a by-design failure.
        db.Add(WarehouseSchema.PlayerGameSummary, new { player_lookup = "k", game_id = Game, game_date = D, team_abbr = "LAL",
            opponent_team_abbr = "BOS", season_year = 2023L, is_active = true });
        db.Add(WarehouseSchema.UpcomingPlayerGameContext, new { player_lookup = "k", game_id = Game, game_date = D, team_abbr = "LAL",
            opponent_team_abbr = "BOS" });
        // c: a cache miss (no PDC, no PSZA) with 5 played games, 4 of 10 shots in the paint each.
        db.Add(WarehouseSchema.PlayerGameSummary, new { player_lookup = "c", game_id = Game, game_date = D, team_abbr = "LAL",
            opponent_team_abbr = "BOS", season_year = 2023L, is_active = true });
        db.Add(WarehouseSchema.UpcomingPlayerGameContext, new { player_lookup = "c", game_id = Game, game_date = D, team_abbr = "LAL",
            opponent_team_abbr = "BOS" });
        db.AddMany(WarehouseSchema.PlayerGameSummary, Enumerable.Range(1, 5).Select(i => (object)new
        {
            player_lookup = "c", game_id = $"c{i}", game_date = D.AddDays(-i), team_abbr = "LAL", opponent_team_abbr = "MIA",
            season_year = 2023L, points = 10L, minutes_played = 30.0, fg_attempts = 10L, paint_attempts = 4L, is_active = true, is_dnp = false,
        }));
        foreach (var p in new[] { "m", "r" })
        {
            db.AddMany(WarehouseSchema.PlayerGameSummary, Points.Select((pts, i) => (object)new
            {
                player_lookup = p, game_id = $"{p}{i}", game_date = D.AddDays(-1 - i), team_abbr = "LAL", opponent_team_abbr = "MIA",
                season_year = 2023L, points = pts, minutes_played = pts is null ? 0.0 : 30.0, ft_makes = pts is null ? 0L : 4L,
                is_active = pts is not null, is_dnp = pts is null,
            }));
            db.Add(PrecomputeTables.Pcf, new { game_date = D, player_lookup = p, game_id = Game, fatigue_score = 80L, shot_zone_mismatch_score = 1.0,
                pace_score = 0.5, usage_spike_score = 0.3, processed_at = now });
        }
        db.Add(PrecomputeTables.Pdc, new { cache_date = D, player_lookup = "m", points_avg_last_5 = 25.0, points_avg_last_10 = 20.0,
            points_avg_season = 15.0, points_std_last_10 = 5.0, games_in_last_7_days = 3L, minutes_avg_last_10 = 30.0,
            team_pace_last_10 = 100.0, team_off_rating_last_10 = 112.0, processed_at = now });
        db.Add(PrecomputeTables.Pdc, new { cache_date = D, player_lookup = "r", points_avg_last_5 = 40.0, points_avg_last_10 = 20.0,
            points_avg_season = 10.0, points_std_last_10 = 5.0, games_in_last_7_days = 3L, minutes_avg_last_10 = 30.0,
            team_pace_last_10 = 100.0, team_off_rating_last_10 = 112.0, processed_at = now });
        db.Add(PrecomputeTables.Psza, new { analysis_date = D, player_lookup = "m", paint_rate_last_10 = 40.0, mid_range_rate_last_10 = 20.0,
            three_pt_rate_last_10 = 40.0, processed_at = now });
        db.Add(PrecomputeTables.Tdza, new { analysis_date = D, team_abbr = "BOS", defensive_rating_last_15 = 110.0, opponent_pace = 99.0, processed_at = now });
        for (var i = 0; i < 6; i++)
            db.Add(WarehouseSchema.TeamOffenseGameSummary, new { game_id = $"t{i}", game_date = D.AddDays(-1 - i), team_abbr = "LAL",
                season_year = 2023L, win_flag = i < 4 });
        return db;
    }

    private static double[] Features(ProcessorTestDb db, string player) =>
        ((IEnumerable<double>)db.Single(PrecomputeTables.Mlfs, $"player_lookup = '{player}'")["features"]!).ToArray();

    [Fact]
    public void Trend_free_throw_share_dnp_rate_slope_and_zscore()
    {
        using var db = Fixture();
        db.Run(ProcessorName.MLFS, new[] { D });
        var f = Features(db, "m");
        Assert.Equal(37, f.Length);
        // #11: newest two mean 29, next three mean 18, diff 11 >= 5 -> 2.
        Assert.Equal(2.0, f[11]);
        // #21: 8 played rows x 4 FT makes = 32 over 142 points = 0.2253521126... (9 dp).
        Assert.Equal(0.225352113, f[21], 9);
        // #33: 2 DNP rows of 10.
        Assert.Equal(0.2, f[33], 9);
        // #34: oldest first y = 0,0,10,10,10,16,18,20,28,30 over x = 0..9: Sxy = 912 - 639 = 273, Sxx = 82.5 -> 3.309090909.
        Assert.Equal(3.309090909, f[34], 9);
        // #35: (25 - 15) / 5 = 2; #36: 25 > 15 + 1.5 * 5 -> 1.
        Assert.Equal(2.0, f[35], 9);
        Assert.Equal(1.0, f[36]);
        // Other calculated features: rest 1 - 2 = -1, questionable -> 2, minutes (30 - 24) / 24 = 0.25 -> 2, 4 wins in 6.
        Assert.Equal(-1.0, f[9]);
        Assert.Equal(2.0, f[10]);
        Assert.Equal(2.0, f[12]);
        Assert.Equal(0.666666667, f[24], 9);
        Assert.Equal(0.4, f[18], 9); // PSZA paint rate 40 % as a fraction
        Assert.Equal(3.0, Features(db, "r")[35], 9); // (40 - 10) / 5 = 6, clamped to 3
    }

    [Fact]
    public void Quality_score_is_the_mean_weight_capped_by_required_defaults()
    {
        using var db = Fixture();
        db.Run(ProcessorName.MLFS, new[] { D });

        var m = db.Single(PrecomputeTables.Mlfs, "player_lookup = 'm'");
        // 34 counted features (optional vegas 25-27 are missing and left out): 16 phase4 (100), 12 calculated (100),
        // 3 phase3 (87), opponent_history (90), 2 minutes_ppm (95) = 3341 / 34 = 98.26.
        Assert.Equal(98.26, m.GetDouble("feature_quality_score"), 9);
        Assert.Equal(0L, m.GetInt64("required_default_count"));
        Assert.Equal("gold", m.GetString("quality_tier"));
        Assert.True(m.GetBoolean("is_quality_ready"));
        Assert.Equal("green", m.GetString("quality_alert_level"));
        Assert.Equal(new long[] { 25, 26, 27 }, ((System.Collections.IEnumerable)m["default_feature_indices"]!).Cast<object>()
            .Select(i => Convert.ToInt64(i, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(3L, m.GetInt64("default_feature_count"));

        var r = db.Single(PrecomputeTables.Mlfs, "player_lookup = 'r'");
        // No PSZA and no PDC zone rates: 3 required defaults cap 89.44 at 69.
        Assert.Equal(3L, r.GetInt64("required_default_count"));
        Assert.Equal(69.0, r.GetDouble("feature_quality_score"), 9);
        Assert.Equal("poor", r.GetString("quality_tier"));
        Assert.Equal("yellow", r.GetString("quality_alert_level"));
        Assert.True(r.IsNull("feature_18_value"));

        var n = db.Single(PrecomputeTables.Mlfs, "player_lookup = 'n'");
        // Nothing upstream but the DNP row: 16 required defaults (0-3, 5-8, 18-23, 31, 32) cap 66.79 at 49. The DNP row
        // makes a cache miss, so #4 is phase4 (0 games in 7 days): 13 x 40 + 3 x 0 + 3 x 100 (4, 13, 14) +
        // 3 x 87 (15-17) + 11 x 100 (calculated) + 90 (#30) = 2271 over 34 counted features.
        Assert.Equal(16L, n.GetInt64("required_default_count"));
        Assert.Equal(49.0, n.GetDouble("feature_quality_score"), 9);
        Assert.Equal("critical", n.GetString("quality_tier"));
        Assert.Equal("red", n.GetString("quality_alert_level"));
        Assert.Equal(10.0, Features(db, "n")[0]); // points_avg_last_5 default
        Assert.Equal("default", n.GetString("feature_0_source"));
        // The cache miss shows in #4's source (cache_miss_fallback_used is a column only later migrations add).
        Assert.Equal("phase4", n.GetString("feature_4_source"));

        Assert.Equal(0, db.Count(PrecomputeTables.Mlfs, "player_lookup = 'k'"));
        var k = Assert.Single(db.Failures(ProcessorName.MLFS).AsRows());
        Assert.Equal(("k", "INSUFFICIENT_DATA"), (k.GetString("entity_id"), k.GetString("failure_category")));
    }

    [Fact]
    public void Zone_units_fix_scales_cache_miss_rates_to_percent()
    {
        using var db = Fixture();
        db.Run(ProcessorName.MLFS, new[] { D });
        Assert.Equal("phase4", db.Single(PrecomputeTables.Mlfs, "player_lookup = 'c'").GetString("feature_18_source")); // recomputed on the cache miss
        // Parity: the recompute yields the fraction 0.4, which is divided by 100 again (§11.3).
        Assert.Equal(0.004, Features(db, "c")[18], 9);
        db.Run(ProcessorName.MLFS, new[] { D }, new ProcessorOptions { MlfsZoneUnits = true });
        Assert.Equal(0.4, Features(db, "c")[18], 9);
    }

    [Fact]
    public void Roster_context_fix_fills_home_from_the_game_id_on_synthetic_dates()
    {
        using var db = Fixture();
        var synthetic = new ProcessorOptions { ContextSource = ContextSourceMode.ForceSynthetic };
        db.Run(ProcessorName.MLFS, new[] { D }, synthetic);
        Assert.Equal(0.0, Features(db, "m")[15]); // parity: no UPCG home flag, so 0
        db.Run(ProcessorName.MLFS, new[] { D }, synthetic with { MlfsRosterContext = true });
        Assert.Equal(1.0, Features(db, "m")[15]); // LAL is the third segment of 20231201_BOS_LAL
        Assert.True(db.Single(PrecomputeTables.Mlfs, "player_lookup = 'm'").GetBoolean("is_home"));
    }
}
