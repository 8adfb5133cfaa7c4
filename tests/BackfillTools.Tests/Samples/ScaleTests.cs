using System.Management.Automation;
using System.Management.Automation.Runspaces;
using BackfillTools.Cmdlets;
using BackfillTools.Core;
using BackfillTools.Core.Processors;
using BackfillTools.Samples;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using Xunit;

namespace BackfillTools.Tests.Samples;

/// <summary>The league at scale 2 (eight seasons, 2017-18 to 2024-25) and at scale 1, same seed.</summary>
public sealed class ScaleFixture : IDisposable
{
    public GeneratedWarehouse Scaled { get; } = new(new SampleLeagueOptions(SampleLeague.AllSeasons, Array.Empty<string>(), Scale: 2));
    public GeneratedWarehouse Plain { get; } = new(new SampleLeagueOptions(SampleLeague.AllSeasons, Array.Empty<string>()));

    public void Dispose()
    {
        Scaled.Dispose();
        Plain.Dispose();
    }
}

public sealed class ScaleTests : IClassFixture<ScaleFixture>
{
    private const string Sched = "nba_raw.nbac_schedule";
    private const string Box = "nba_raw.bdl_player_boxscores";
    private const string Pgs = "nba_analytics.player_game_summary";
    private const string Togs = "nba_analytics.team_offense_game_summary";

    private readonly ScaleFixture _f;
    private GeneratedWarehouse S => _f.Scaled;

    public ScaleTests(ScaleFixture fixture) => _f = fixture;

    [Fact]
    public void Scale_2_has_eight_seasons_of_1230_regular_games_with_unique_ids()
    {
        var seasons = S.Query($"SELECT season_year, count(*) AS n, countif(is_regular_season AND game_status = 3) AS final_regular FROM {Sched} GROUP BY ALL ORDER BY 1")
            .AsRows().ToList();
        Assert.Equal(Enumerable.Range(2017, 8).Select(y => (long)y), seasons.Select(r => r.GetInt64("season_year")));
        Assert.All(seasons, r => Assert.Equal(1230, r.GetInt64("n")));
        Assert.All(seasons, r => Assert.Equal(1230, r.GetInt64("final_regular")));
        Assert.Equal(8 * 1230, S.Scalar($"SELECT count(DISTINCT game_id) FROM {Sched}"));
        // Standard ids too: one TOGS pair per game, no game id shared by two games.
        Assert.Equal(0, S.Scalar($"SELECT count(*) FROM (SELECT game_id FROM {Togs} GROUP BY ALL HAVING count(*) <> 2)"));
        // NBA ids: 00 + type 2 + the season's two digits + number.
        Assert.Equal(0, S.Scalar($"SELECT count(*) FROM {Sched} WHERE game_id <> '002' || right(CAST(season_year AS VARCHAR), 2) || right(game_id, 5)"));
        // Dates lie inside their season.
        Assert.Equal(0, S.Scalar($"""
            SELECT count(*) FROM {Sched}
            WHERE season_year <> CASE WHEN month(game_date) >= 10 THEN year(game_date) ELSE year(game_date) - 1 END
            """));
    }

    [Fact]
    public void No_team_plays_twice_on_a_date_and_every_copy_has_82_and_41()
    {
        Assert.Equal(0, S.Scalar($"""
            SELECT count(*) FROM (
              SELECT game_date, team FROM (SELECT game_date, home_team_tricode AS team FROM {Sched} UNION ALL SELECT game_date, away_team_tricode FROM {Sched})
              GROUP BY ALL HAVING count(*) > 1)
            """));
        var rows = S.Query($"""
            SELECT season_year, team, count(*) AS games, countif(home) AS home_games FROM (
              SELECT season_year, home_team_tricode AS team, TRUE AS home FROM {Sched}
              UNION ALL SELECT season_year, away_team_tricode, FALSE FROM {Sched})
            WHERE season_year < 2021 GROUP BY ALL
            """).AsRows().ToList();
        Assert.Equal(120, rows.Count);
        Assert.All(rows, r => Assert.Equal(82, r.GetInt64("games")));
        Assert.All(rows, r => Assert.Equal(41, r.GetInt64("home_games")));
    }

    [Theory]
    [InlineData(2017)]
    [InlineData(2018)]
    [InlineData(2019)]
    [InlineData(2020)]
    public void A_copy_has_its_source_seasons_dates_and_ids_four_years_back(int year)
    {
        string Days(int y) => $"SELECT DISTINCT strftime(game_date, '%m-%d') AS md FROM {Sched} WHERE season_year = {y}";
        Assert.Equal(S.Scalar($"SELECT count(*) FROM ({Days(year + 4)})"), S.Scalar($"SELECT count(*) FROM ({Days(year)})"));
        Assert.Equal(0, S.Scalar($"SELECT count(*) FROM (({Days(year)}) EXCEPT ({Days(year + 4)}))"));
        // Games per date and id numbers are the source's; the matchups are the copy's own.
        Assert.Equal(0, S.Scalar($"""
            SELECT count(*) FROM (
              (SELECT strftime(game_date, '%m-%d'), right(game_id, 5) FROM {Sched} WHERE season_year = {year})
              EXCEPT (SELECT strftime(game_date, '%m-%d'), right(game_id, 5) FROM {Sched} WHERE season_year = {year + 4}))
            """));
        Assert.True(S.Scalar($"""
            SELECT count(*) FROM {Sched} a JOIN {Sched} b ON right(a.game_id, 5) = right(b.game_id, 5)
            WHERE a.season_year = {year} AND b.season_year = {year + 4} AND a.home_team_tricode = b.home_team_tricode AND a.away_team_tricode = b.away_team_tricode
            """) < 200);
        // Every copied game reached the box scores and the analytics (the seven lost games are 2021-22's alone).
        Assert.Equal(1230, S.Scalar($"SELECT count(DISTINCT game_id) FROM {Box} WHERE season_year = {year}"));
        Assert.Equal(2460, S.Scalar($"SELECT count(*) FROM {Togs} WHERE season_year = {year}"));
    }

    [Fact]
    public void The_newest_four_seasons_are_exactly_the_scale_1_league()
    {
        foreach (var table in WarehouseSchema.Inputs.Select(t => t.FullName))
        {
            var slice = $"(SELECT * FROM {table} WHERE game_date >= DATE '2021-07-01')";
            var plain = _f.Plain.Checksum(table);
            Assert.Equal(plain, _f.Plain.Checksum(slice));
            Assert.Equal(plain, S.Checksum(slice));
            Assert.DoesNotMatch("^0:", plain);
        }
        // The copies carry no upcoming context (it starts 2024-01-01) and no scenario.
        Assert.Equal(0, S.Scalar("SELECT count(*) FROM nba_analytics.upcoming_player_game_context WHERE game_date < DATE '2024-01-01'"));
        Assert.Equal(0, S.Scalar("SELECT count(*) FROM nba_analytics.upcoming_team_game_context WHERE game_date < DATE '2024-01-01'"));
    }

    [Fact]
    public void Copies_have_their_own_fictional_players_who_carry_over()
    {
        // A lookup is one man: the copies' players never reuse a name of the real seasons.
        Assert.Equal(0, S.Scalar($"""
            SELECT count(*) FROM (SELECT DISTINCT player_lookup FROM {Pgs} WHERE season_year < 2021)
            WHERE player_lookup IN (SELECT player_lookup FROM {Pgs} WHERE season_year >= 2021)
            """));
        var real = File.ReadAllLines(Path.Combine(SourceDir(), "real-player-lookups.txt")).Where(x => !x.StartsWith('#')).ToHashSet();
        var generated = S.Query($"SELECT DISTINCT regexp_replace(lower(player_full_name), '[^a-z]', '', 'g') AS k FROM {Box} WHERE season_year < 2021")
            .AsRows().Select(r => r.GetString("k")!).ToList();
        Assert.True(generated.Count > 600);
        Assert.DoesNotContain(generated, real.Contains);
        // Across the copy's seasons, including from one copy's last season to the next copy's first.
        foreach (var year in new[] { 2018, 2019, 2020 })
        {
            var carried = S.Scalar($"SELECT count(DISTINCT player_lookup) FROM {Pgs} WHERE season_year = {year} AND player_lookup IN (SELECT player_lookup FROM {Pgs} WHERE season_year = {year - 1})");
            var all = S.Scalar($"SELECT count(DISTINCT player_lookup) FROM {Pgs} WHERE season_year = {year}");
            Assert.InRange((double)carried / all, 0.5, 0.95);
        }
    }

    [Fact]
    public void Plans_shift_whole_cycles_and_keep_season_meaning_the_real_seasons()
    {
        var ten = SampleLeague.SeasonYears(new SampleLeagueOptions(SampleLeague.AllSeasons, Array.Empty<string>(), Scale: 10));
        Assert.Equal(40, ten.Count);
        Assert.Equal(Enumerable.Range(1985, 40), ten.Order());
        Assert.Equal(new[] { 2021, 2022, 2023, 2024, 2017 }, ten.Take(5)); // the real seasons first
        var one = SampleLeague.SeasonYears(new SampleLeagueOptions(new[] { "2022-23" }, Array.Empty<string>(), Scale: 3));
        Assert.Equal(new[] { 2022, 2018, 2014 }, one);
        var deepest = SampleLeague.SeasonYears(new SampleLeagueOptions(SampleLeague.AllSeasons, Array.Empty<string>(), Scale: SampleLeague.MaxScale));
        Assert.Equal(1925, deepest.Min());
        // Two-digit season in the NBA id: 100 seasons stay distinct.
        Assert.Equal(100, deepest.Select(y => y % 100).Distinct().Count());
    }

    [Fact]
    public void Every_copy_up_to_the_largest_scale_gets_a_valid_schedule()
    {
        // The schedule generator retries from derived seeds; make sure none of the 96 copies runs out of tries.
        var plans = SampleLeague.Plans(new SampleLeagueOptions(SampleLeague.AllSeasons, Array.Empty<string>(), Scale: SampleLeague.MaxScale));
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var plan in plans.Where(p => !p.IsReal))
        {
            var games = SampleSchedule.For(plan, SampleLeague.DefaultSeed);
            Assert.Equal(1230, games.Count);
            Assert.All(games, g => Assert.True(ids.Add(g.NbaGameId), g.NbaGameId));
            Assert.All(games, g => Assert.Equal(plan.Year, Season.YearOf(g.Date)));
            var perTeam = games.SelectMany(g => new[] { (g.Home, Home: true), (g.Away, Home: false) }).GroupBy(x => x.Item1).ToList();
            Assert.All(perTeam, t => Assert.Equal(82, t.Count()));
            Assert.All(perTeam, t => Assert.Equal(41, t.Count(x => x.Home)));
            Assert.Equal(games.Count * 2, games.SelectMany(g => new[] { (g.Date, g.Home), (g.Date, g.Away) }).Distinct().Count());
        }
    }

    [Fact]
    public void Shifting_keeps_month_and_day_and_moves_the_id_season()
    {
        var back4 = new SeasonPlan(2019, 2023);
        Assert.Equal(new DateOnly(2020, 2, 29), back4.Shift(new DateOnly(2024, 2, 29)));
        Assert.Equal(new DateOnly(2019, 10, 24), back4.Shift(new DateOnly(2023, 10, 24)));
        Assert.Equal(new DateOnly(2023, 2, 28), new SeasonPlan(2022, 2023).Shift(new DateOnly(2024, 2, 29)));
        Assert.Equal("0021900061", back4.ShiftId("0022300061"));
        Assert.Equal("0029700001", new SeasonPlan(1997, 2021).ShiftId("0022100001"));
        Assert.Equal("0022300061", SeasonPlan.Real(2023).ShiftId("0022300061"));
    }

    [Theory]
    [InlineData(1985, "1985-86")]
    [InlineData(1999, "1999-00")]
    [InlineData(1925, "1925-26")]
    public void Season_labels_before_2000_round_trip(int year, string label)
    {
        Assert.Equal(label, Season.Label(year));
        Assert.Equal(year, Season.Parse(label));
        Assert.Equal(label, Season.LabelOf(new DateOnly(year + 1, 2, 1)));
    }

    /// <summary>
    /// The SQL calendar has a row for any date's season (a date without one would drop out of every Phase 4 query), and
    /// where the schedule has no game its opener is Season.FallbackOpener's: the known openers and the default alike.
    /// </summary>
    [Fact]
    public void The_season_calendar_falls_back_to_the_same_openers_as_the_planner_for_any_season()
    {
        using var w = DuckDbWarehouse.Open(":memory:");
        new Migrator().Upgrade(w);
        var years = Season.KnownFallbackOpeners.Keys.Concat(new[] { 1890, 1925, 1999, 2020, 2027, 2150 }).ToList();
        var dates = string.Join(" UNION ALL ", years.Select(y => $"SELECT DATE '{y + 1}-01-15' AS analysis_date"));
        var rows = w.Query($"WITH probe AS ({dates}), {SeasonCalendarSql.DateInfoCte("probe", "DATE '1800-01-01'", "DATE '2200-01-01'")} " +
                           "SELECT season_year, season_start, oct1 FROM dinfo ORDER BY season_year").AsRows().ToList();
        Assert.Equal(years.Order(), rows.Select(r => (int)r.GetInt64("season_year")));
        foreach (var r in rows)
        {
            var year = (int)r.GetInt64("season_year");
            Assert.Equal(Season.FallbackOpener(year), r.GetDate("season_start"));
            Assert.Equal(Season.FirstDay(year), r.GetDate("oct1"));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(26)]
    public void A_bad_scale_fails_before_anything_is_written(int scale)
    {
        using var w = DuckDbWarehouse.Open(":memory:", create: true);
        new Migrator().Upgrade(w);
        var ex = Assert.Throws<BackfillException>(() =>
            SampleLeague.Generate(w, new SampleLeagueOptions(SampleLeague.AllSeasons, Array.Empty<string>(), Scale: scale)));
        Assert.Equal("InvalidScale", ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal(0, w.ScalarInt64($"SELECT count(*) FROM {Sched}"));
    }

    [Fact]
    public void The_cmdlet_validates_scale_and_WhatIf_writes_nothing()
    {
        var dir = Path.Combine(Path.GetTempPath(), "bt-scale-cmdlet-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var path = Path.Combine(dir, "scaled.duckdb");
            Assert.Equal("InvalidScale", Run(ps => ps.AddParameter("Path", path).AddParameter("SampleData").AddParameter("Scale", 26)));
            Assert.Equal("SampleOptionsWithoutSampleData", Run(ps => ps.AddParameter("Path", path).AddParameter("Scale", 2)));
            Assert.Null(Run(ps => ps.AddParameter("Path", path).AddParameter("SampleData").AddParameter("Scale", 10).AddParameter("WhatIf")));
            Assert.Empty(Directory.GetFileSystemEntries(dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Runs New-BackfillWarehouse in-process; the ErrorId of its single error, or null.</summary>
    private static string? Run(Action<PowerShell> parameters)
    {
        var iss = InitialSessionState.CreateDefault2();
        iss.Commands.Add(new SessionStateCmdletEntry("New-BackfillWarehouse", typeof(NewBackfillWarehouseCommand), null));
        using var ps = PowerShell.Create(iss);
        ps.AddCommand("New-BackfillWarehouse");
        parameters(ps);
        try
        {
            ps.Invoke();
        }
        catch (RuntimeException ex)
        {
            // The cmdlet's errors are statement-terminating: Invoke throws them.
            return ex.ErrorRecord.FullyQualifiedErrorId.Split(',')[0];
        }
        return ps.Streams.Error.Count == 0 ? null : Assert.Single(ps.Streams.Error).FullyQualifiedErrorId.Split(',')[0];
    }

    private static string SourceDir([System.Runtime.CompilerServices.CallerFilePath] string file = "") => Path.GetDirectoryName(file)!;
}
