using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using Xunit;

namespace BackfillTools.Tests.Processors;

/// <summary>The UPCG-or-synthetic rule at its edges (E = 100 PGS players on D).</summary>
public class ContextSourceTests
{
    private static readonly DateOnly D = new(2023, 12, 1);

    private static ProcessorTestDb Fixture(int upcgRows)
    {
        var db = new ProcessorTestDb();
        db.AddGame(new DateOnly(2023, 10, 24), "BOS", "NYK");
        var players = Enumerable.Range(0, 100).Select(i => $"p{i:000}").ToList();
        db.AddMany(WarehouseSchema.PlayerGameSummary, players.Select(p => (object)new
        {
            player_lookup = p, game_id = "20231201_BOS_LAL", game_date = D, team_abbr = "LAL", opponent_team_abbr = "BOS",
            season_year = 2023L, points = 10L, minutes_played = 30.0, is_active = true,
        }));
        // One game the day before for p000 only: the synthetic context must see a back-to-back.
        db.Add(WarehouseSchema.PlayerGameSummary, new { player_lookup = "p000", game_id = "20231130_LAL_MIA", game_date = D.AddDays(-1),
            team_abbr = "LAL", opponent_team_abbr = "MIA", season_year = 2023L, points = 12L, minutes_played = 38.0, usage_rate = 30.0, is_active = true });
        db.AddMany(WarehouseSchema.UpcomingPlayerGameContext, players.Take(upcgRows).Select(p => (object)new
        {
            player_lookup = p, game_id = "20231201_BOS_LAL", game_date = D, team_abbr = "LAL", opponent_team_abbr = "BOS", days_rest = 2L,
        }));
        // PCF's required upstream rows for D (their content does not matter here).
        db.Add(PrecomputeTables.Tdza, new { analysis_date = D, team_abbr = "BOS", processed_at = DateTime.UtcNow });
        db.Add(PrecomputeTables.Psza, new { analysis_date = D, player_lookup = "p000", processed_at = DateTime.UtcNow });
        return db;
    }

    private static ResultRow Log(ProcessorTestDb db) => db.Single(WarehouseSchema.ContextSourceLog, "processor_name = 'PCF'");

    [Fact]
    public void U_at_90_percent_of_E_uses_UPCG_and_the_missing_10_fail_visibly()
    {
        using var db = Fixture(90);
        var r = db.Run(ProcessorName.PCF, new[] { D });
        var log = Log(db);
        Assert.Equal(("UPCG", 100L, 90L), (log.GetString("source"), log.GetInt64("pgs_players"), log.GetInt64("upcg_rows")));
        Assert.Equal(90, r.Rows);
        var f = db.Failures(ProcessorName.PCF);
        Assert.Equal(10, f.Count);
        Assert.All(f.AsRows(), x => Assert.Equal("INCOMPLETE_UPSTREAM", x.GetString("failure_category")));
        Assert.Equal("UPCG", db.ContextSource(ProcessorName.PCF, "p050"));
    }

    [Fact]
    public void U_at_89_percent_of_E_falls_back_to_the_synthetic_context_for_everyone()
    {
        using var db = Fixture(89);
        var r = db.Run(ProcessorName.PCF, new[] { D });
        Assert.Equal("Synthetic", Log(db).GetString("source"));
        Assert.Equal(100, r.Rows);
        Assert.Equal(0, r.Failures);
        var p0 = db.Single(PrecomputeTables.Pcf, "player_lookup = 'p000'");
        // Synthetic: played D-1 -> back-to-back (-15); 38 minutes in 1 game -> avg_mpg7 38 > 35 (-8); one game in 7 days.
        Assert.Equal(77L, p0.GetInt64("fatigue_score"));
        Assert.Equal("Synthetic", db.ContextSource(ProcessorName.PCF, "p000"));
        // (25 - 30) * 0.3 = -1.5 from the synthetic usage average.
        Assert.Equal(-1.5, p0.GetDouble("usage_spike_score"), 9);
        // Synthetic days_rest is 1 when not a back-to-back, so the +5 rest bonus never applies.
        Assert.Equal(100L, db.Single(PrecomputeTables.Pcf, "player_lookup = 'p001'").GetInt64("fatigue_score"));
    }

    [Fact]
    public void U_zero_falls_back_unless_UPCG_is_forced()
    {
        using var db = Fixture(0);
        var auto = db.Run(ProcessorName.PCF, new[] { D });
        Assert.Equal(("Synthetic", 100L, 0L), (Log(db).GetString("source"), auto.Rows, auto.Failures));

        var forced = db.Run(ProcessorName.PCF, new[] { D }, new ProcessorOptions { ContextSource = ContextSourceMode.ForceUpcg });
        Assert.Equal(("UPCG", 0L, 100L), (Log(db).GetString("source"), forced.Rows, forced.Failures));
        Assert.All(db.Failures(ProcessorName.PCF).AsRows(), x => Assert.Equal("STALE_DATA", x.GetString("failure_category")));
    }

    [Fact]
    public void Expected_entities_are_the_PGS_players_not_the_context_rows()
    {
        using var db = Fixture(1);
        var r = db.Run(ProcessorName.PCF, new[] { D }, new ProcessorOptions { ContextSource = ContextSourceMode.ForceUpcg }, publish: false);
        foreach (var name in new[] { ProcessorName.PCF, ProcessorName.PDC, ProcessorName.MLFS })
        {
            var sql = ProcessorCatalog.Create(name).ExpectedEntitiesSql.Replace("{{stage.dates}}", r.Staging.Dates.Placeholder);
            Assert.Equal(100, db.W.Query(sql).Count);
        }
        // Only 1 of 100 rows: coverage would show 1%, and the other 99 are failures.
        Assert.Equal((1L, 99L), (r.Rows, r.Failures));
    }
}
