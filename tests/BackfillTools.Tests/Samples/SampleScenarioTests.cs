using BackfillTools.Core;
using BackfillTools.Samples;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using Xunit;

namespace BackfillTools.Tests.Samples;

/// <summary>2022-23 with both scenarios, generated twice (the second copy proves determinism).</summary>
public sealed class ScenarioFixture : IDisposable
{
    public static readonly SampleLeagueOptions Options = new(new[] { "2022-23" }, new[] { "staleupcg", "MissingUpstream" });

    public GeneratedWarehouse First { get; } = new(Options);
    public GeneratedWarehouse Second { get; } = new(Options);

    public void Dispose()
    {
        First.Dispose();
        Second.Dispose();
    }
}

public sealed class SampleScenarioTests : IClassFixture<ScenarioFixture>
{
    private const string Pgs = "nba_analytics.player_game_summary";
    private const string Upcg = "nba_analytics.upcoming_player_game_context";

    private readonly ScenarioFixture _f;

    public SampleScenarioTests(ScenarioFixture fixture) => _f = fixture;

    [Fact]
    public void Same_seed_gives_identical_tables()
    {
        foreach (var table in WarehouseSchema.Inputs)
        {
            var a = _f.First.Checksum(table.FullName);
            Assert.Equal(a, _f.Second.Checksum(table.FullName));
            Assert.DoesNotMatch("^0:", a);
        }
    }

    [Fact]
    public void Another_seed_gives_different_games_on_the_same_schedule_dates()
    {
        using var other = new GeneratedWarehouse(new SampleLeagueOptions(new[] { "2022-23" }, Array.Empty<string>(), Seed: 7));
        Assert.NotEqual(_f.First.Checksum("nba_raw.bdl_player_boxscores"), other.Checksum("nba_raw.bdl_player_boxscores"));
        Assert.NotEqual(_f.First.Checksum("nba_raw.nbac_schedule"), other.Checksum("nba_raw.nbac_schedule"));
        Assert.Equal(
            _f.First.Scalar("SELECT count(DISTINCT game_date) FROM nba_raw.nbac_schedule"),
            other.Scalar("SELECT count(DISTINCT game_date) FROM nba_raw.nbac_schedule"));
        // Without the scenarios there is no context before 2024 and no hole in the analytics.
        Assert.Equal(0, other.Scalar($"SELECT count(*) FROM {Upcg}"));
        Assert.Equal(164, other.Scalar($"SELECT count(DISTINCT game_date) FROM {Pgs}"));
    }

    [Fact]
    public void StaleUpcg_leaves_exactly_1_and_68_context_rows_after_the_break()
    {
        var w = _f.First;
        Assert.Equal(1, w.Scalar($"SELECT count(*) FROM {Upcg} WHERE game_date = DATE '2023-02-23'"));
        Assert.Equal(68, w.Scalar($"SELECT count(*) FROM {Upcg} WHERE game_date = DATE '2023-02-24'"));
        Assert.Equal(69, w.Scalar($"SELECT count(*) FROM {Upcg}"));
        // Where many more players played (about 187 and 175), so U is far below 90% of E.
        var played23 = w.Scalar($"SELECT count(DISTINCT player_lookup) FROM {Pgs} WHERE game_date = DATE '2023-02-23' AND is_active");
        var played24 = w.Scalar($"SELECT count(DISTINCT player_lookup) FROM {Pgs} WHERE game_date = DATE '2023-02-24' AND is_active");
        Assert.InRange(played23, 165, 210);
        Assert.InRange(played24, 150, 200);
        // The stale rows are real players of those games, stamped before the All-Star break.
        Assert.Equal(0, w.Scalar($"SELECT count(*) FROM {Upcg} c ANTI JOIN {Pgs} p USING (game_id, player_lookup)"));
        Assert.Equal(0, w.Scalar($"SELECT count(*) FROM {Upcg} WHERE processed_at >= TIMESTAMP '2023-02-17'"));
        Assert.Equal(0, w.Scalar("SELECT count(*) FROM nba_analytics.upcoming_team_game_context"));
    }

    [Fact]
    public void MissingUpstream_removes_phase3_for_ten_game_dates_only()
    {
        var w = _f.First;
        var gap = w.Query("""
            SELECT game_date FROM nba_raw.nbac_schedule WHERE game_date >= DATE '2023-01-10'
            GROUP BY game_date ORDER BY game_date LIMIT 10
            """).AsRows().Select(r => r.GetDate("game_date")).ToList();
        Assert.Equal(new DateOnly(2023, 1, 10), gap[0]);
        var inGap = $"game_date BETWEEN DATE '{gap[0]:yyyy-MM-dd}' AND DATE '{gap[^1]:yyyy-MM-dd}'";
        foreach (var table in new[] { Pgs, "nba_analytics.team_defense_game_summary", "nba_analytics.team_offense_game_summary" })
        {
            Assert.Equal(0, w.Scalar($"SELECT count(*) FROM {table} WHERE {inGap}"));
            Assert.True(w.Scalar($"SELECT count(*) FROM {table} WHERE game_date = DATE '2023-01-09'") > 0, table);
            Assert.True(w.Scalar($"SELECT count(*) FROM {table} WHERE game_date = DATE '{gap[^1].AddDays(1):yyyy-MM-dd}'") > 0, table);
        }
        var scheduled = w.Scalar($"SELECT count(*) FROM nba_raw.nbac_schedule WHERE {inGap}");
        Assert.True(scheduled > 50);
        Assert.Equal(scheduled, w.Scalar($"SELECT count(DISTINCT game_id) FROM nba_raw.bdl_player_boxscores WHERE {inGap}"));
        Assert.Equal(164 - 10, w.Scalar($"SELECT count(DISTINCT game_date) FROM {Pgs}"));
    }

    [Fact]
    public void Scenarios_are_described_and_need_their_season()
    {
        Assert.Equal(SampleLeague.KnownScenarios.OrderBy(x => x), SampleLeague.ScenarioDescriptions.Keys.OrderBy(x => x));
        Assert.All(SampleLeague.ScenarioDescriptions.Values, d => Assert.Contains("2022-23", d));
        using var w = DuckDbWarehouse.Open(":memory:", create: true);
        new Migrator().Upgrade(w);
        var ex = Assert.Throws<BackfillException>(() =>
            SampleLeague.Generate(w, new SampleLeagueOptions(new[] { "2023-24" }, new[] { "StaleUpcg" })));
        Assert.Contains("2022-23", ex.Message);
        Assert.Equal("ScenarioNeedsSeason", ex.ErrorId);
        Assert.Throws<BackfillException>(() => SampleLeague.Generate(w, new SampleLeagueOptions(new[] { "2022-23" }, new[] { "Nope" })));
        Assert.Equal(0, w.ScalarInt64("SELECT count(*) FROM nba_raw.nbac_schedule"));
    }

    [Fact]
    public void Cancellation_stops_generation()
    {
        using var w = DuckDbWarehouse.Open(":memory:", create: true);
        new Migrator().Upgrade(w);
        using var cts = new CancellationTokenSource();
        var progress = new CancelAfter(cts, 2);
        Assert.ThrowsAny<OperationCanceledException>(() =>
            SampleLeague.Generate(w, new SampleLeagueOptions(SampleLeague.AllSeasons, Array.Empty<string>()), progress, cts.Token));
        Assert.True(w.ScalarInt64("SELECT count(DISTINCT season_year) FROM nba_raw.nbac_schedule") < 4);
    }

    private sealed class CancelAfter(CancellationTokenSource cts, int reports) : IProgress<ProgressInfo>
    {
        private int _seen;
        public void Report(ProgressInfo value)
        {
            if (++_seen >= reports) cts.Cancel();
        }
    }
}
