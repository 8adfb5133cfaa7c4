using System.Globalization;
using BackfillTools.Core.Domain;
using BackfillTools.Core.Processors;
using BackfillTools.Samples;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using Xunit;
using Xunit.Abstractions;

namespace BackfillTools.Tests.Equivalence;

/// <summary>
/// The sample league's 2021-22 season: seven games lost before ingestion (schedule Final, no box score, no analytics),
/// plus one synthetic doubleheader in the week before the first lost game (a game moved onto a team's previous game
/// date), so players and teams have equal game dates inside the windows of the lost game's slice: an actual tie.
/// </summary>
public sealed class Season2021Fixture : IDisposable
{
    private EquivalenceSlice? _slice;

    internal EquivalenceSlice Slice
    {
        get
        {
            ReferenceEngineFactAttribute.EnsureAvailable();
            if (_slice is not null) return _slice;
            _slice = new EquivalenceSlice(new SampleLeagueOptions(new[] { "2021-22" }, Array.Empty<string>()));
            var w = _slice.Db.W;
            FirstLostGameDate = w.Query(
                $"SELECT MIN(s.game_date) FROM {WarehouseSchema.Schedule.Placeholder} s WHERE s.game_status = 3 AND s.game_date >= DATE '2021-11-15' " +
                $"AND NOT EXISTS (SELECT 1 FROM {WarehouseSchema.PlayerGameSummary.Placeholder} p WHERE p.game_date = s.game_date " +
                $"AND p.team_abbr IN (s.home_team_tricode, s.away_team_tricode))").Rows[0][0] is DateOnly d ? d
                : throw new InvalidOperationException("The 2021-22 sample has no lost game");
            var pick = w.Query(
                $"SELECT b.game_id, a.game_date FROM {WarehouseSchema.TeamDefenseGameSummary.Placeholder} a " +
                $"JOIN {WarehouseSchema.TeamDefenseGameSummary.Placeholder} b ON b.defending_team_abbr = a.defending_team_abbr " +
                $"AND b.game_date > a.game_date AND b.game_date <= a.game_date + 3 " +
                $"WHERE a.game_date >= DATE '{FirstLostGameDate.AddDays(-7):yyyy-MM-dd}' AND b.game_date < DATE '{FirstLostGameDate:yyyy-MM-dd}' " +
                $"ORDER BY a.game_date, b.game_id LIMIT 1").Rows[0];
            DoubleheaderDate = (DateOnly)pick[1]!;
            var moved = 0L;
            foreach (var t in new[] { WarehouseSchema.PlayerGameSummary, WarehouseSchema.TeamDefenseGameSummary, WarehouseSchema.TeamOffenseGameSummary, WarehouseSchema.Schedule })
                moved += w.Execute($"UPDATE {t.Placeholder} SET game_date = DATE '{DoubleheaderDate:yyyy-MM-dd}' WHERE game_id = '{pick[0]}'");
            if (moved < 20) throw new InvalidOperationException($"The doubleheader moved only {moved} rows");
            return _slice;
        }
    }

    /// <summary>The first date with a Final game that has no player_game_summary rows.</summary>
    public DateOnly FirstLostGameDate { get; private set; }

    /// <summary>The date on which one team has two games (and its players two rows).</summary>
    public DateOnly DoubleheaderDate { get; private set; }

    public void Dispose() => _slice?.Dispose();
}

/// <summary>Issue #14: the reference engine and DuckDB agree on a date with a missing game and on tied game dates.</summary>
[Trait("Category", "Equivalence")]
public sealed class EdgeSliceEquivalenceTests(Season2021Fixture fixture, ITestOutputHelper output) : IClassFixture<Season2021Fixture>
{
    private void AssertEquivalent(DateOnly first, int days, bool comparePublish = true)
    {
        var dates = Enumerable.Range(0, days).Select(first.AddDays).ToList();
        output.WriteLine($"slice {dates[0]:yyyy-MM-dd}..{dates[^1]:yyyy-MM-dd}");
        var results = ProcessorCatalog.All.Select(d => fixture.Slice.Run(d.Name, dates, comparePublish: comparePublish)!).ToList();
        foreach (var r in results) output.WriteLine(r.Report());
        Assert.True(results.All(r => r.Differences == 0),
            "The reference engine and DuckDB differ:\n" + string.Join("\n", results.Where(r => r.Differences > 0).Select(r => r.Report())));
        Assert.All(results, r => Assert.True(r.Tables.Sum(t => t.RowsCompared) > 0, $"{r.Processor}: no rows compared"));
        // The publish compared every kind of change: keys updated, inserted and deleted in scope.
        if (comparePublish) Assert.All(results, r => Assert.True(r.Changes.Sum(c => c.Updated) > 0 && r.Changes.Sum(c => c.Inserted) > 0 && r.Changes.Sum(c => c.Deleted) > 0,
            $"{r.Processor}: the publish did not update, insert and delete"));
    }

    /// <summary>
    /// The lost game's date D (its players are scheduled but have no box score) and the day after (their windows lack
    /// that game); the doubleheader a few days earlier puts equal game dates inside the same windows. Two days, not
    /// weeks: the 5-minute budget of the whole suite on 2 cores.
    /// </summary>
    [ReferenceEngineFact]
    public void Date_with_a_missing_game_and_equal_game_dates_all_five_processors()
    {
        var slice = fixture.Slice;
        Assert.True(slice.Db.W.ScalarInt64($"SELECT COUNT(*) FROM {WarehouseSchema.PlayerGameSummary.Placeholder} WHERE game_date = DATE '{fixture.FirstLostGameDate:yyyy-MM-dd}'") > 0,
            "the lost game's date has other games");
        var ties = slice.Db.W.ScalarInt64(
            $"SELECT COUNT(*) FROM (SELECT player_lookup FROM {WarehouseSchema.PlayerGameSummary.Placeholder} " +
            $"WHERE game_date = DATE '{fixture.DoubleheaderDate:yyyy-MM-dd}' GROUP BY player_lookup HAVING COUNT(*) > 1)");
        Assert.True(ties >= 8, $"only {ties} players with two games on {fixture.DoubleheaderDate}");
        Assert.True(fixture.DoubleheaderDate < fixture.FirstLostGameDate && fixture.DoubleheaderDate >= fixture.FirstLostGameDate.AddDays(-7));
        AssertEquivalent(fixture.FirstLostGameDate, 2);
        // The lost game's date on Test-Coverage: its raw and analytics gap, and the accounting, on both engines.
        ProcessorEquivalenceTests.AssertCoverageEquivalent(slice, BackfillTools.Core.Sql.DateScope.Explicit(new[] { fixture.FirstLostGameDate, fixture.FirstLostGameDate.AddDays(1) }),
            fixture.FirstLostGameDate, fixture.FirstLostGameDate.AddDays(1), output);
    }

    /// <summary>
    /// Test-Coverage with the product's own tables filled: the lost game waived, then a real backfill of its date and
    /// the next (ledger partitions, publish lineage, per-entity context sources, precompute failures), then every
    /// query Test-Coverage sends, on both engines.
    /// </summary>
    [ReferenceEngineFact]
    public void Test_coverage_after_a_backfill_with_ledger_lineage_and_a_waiver()
    {
        var slice = fixture.Slice;
        var w = slice.Db.W;
        var (first, last) = (fixture.FirstLostGameDate, fixture.FirstLostGameDate.AddDays(1));
        var lost = (string)w.Query(
            $"SELECT s.game_id FROM {WarehouseSchema.Schedule.Placeholder} s WHERE s.game_date = DATE '{first:yyyy-MM-dd}' AND s.game_status = 3 " +
            $"AND NOT EXISTS (SELECT 1 FROM {WarehouseSchema.PlayerGameSummary.Placeholder} p WHERE p.game_date = s.game_date " +
            $"AND p.team_abbr IN (s.home_team_tricode, s.away_team_tricode)) ORDER BY s.game_id LIMIT 1").Rows[0][0]!;
        BackfillTools.Core.Ledger.BackfillWaivers.Add(w, new[] { lost }, "lost before ingestion (equivalence slice)");
        var results = BackfillTools.Tests.Backfill.ScopedPublishTests.RunBackfill(w,
            new BackfillTools.Core.Ledger.BackfillRequest { StartDate = first, EndDate = last, Processors = ProcessorCatalog.All.Select(d => d.Name).ToArray() });
        var runId = results[0].RunId;
        Assert.Contains(results, r => r.Status == PartitionStatus.Published);
        foreach (var (table, what) in new[] { (WarehouseSchema.BackfillWaivers, "waivers"), (WarehouseSchema.PublishLineage, "publish lineage"),
                     (WarehouseSchema.EntityContextSources, "entity context sources"), (WarehouseSchema.BackfillPartitions, "ledger partitions") })
            Assert.True(w.ScalarInt64($"SELECT COUNT(*) FROM {table.Placeholder}") > 0, $"no {what} rows");

        var coverage = slice.CompareCoverage(BackfillTools.Core.Sql.DateScope.Range(first, last), first, last);
        output.WriteLine("ledger, lineage and waiver filled: " + coverage.Report());
        Assert.True(coverage.Differences == 0, "Test-Coverage's queries differ between the reference engine and DuckDB:\n" + coverage.Report());
        // Not vacuous: the answers read the run's lineage and the waiver.
        Assert.Contains(coverage.Results, r => r.PublishedByRunId == runId);
        Assert.Contains(coverage.Results, r => r.WaivedGames.Length > 0);
    }

    /// <summary>
    /// The season opener S with the 14-day bootstrap boundary inside the slice (S+11 .. S+15: bootstrap dates produce
    /// nothing, the first computed dates follow). On this class's 2021-22 league, so it runs beside the 2022-23 slices
    /// rather than after them (the suite's time budget; docs/bigquery.md); the publish is compared on the 2-day slices.
    /// </summary>
    [ReferenceEngineFact]
    public void Season_opener_bootstrap_boundary_all_five_processors()
    {
        var slice = fixture.Slice;
        var opener = (DateOnly)slice.Db.W.Query(
            $"SELECT MIN(game_date) FROM {WarehouseSchema.Schedule.Placeholder} WHERE season_year = 2021 AND is_regular_season AND game_status = 3").Rows[0][0]!;
        var first = opener.AddDays(BackfillRules.BootstrapDays - 3);
        Assert.True(first < opener.AddDays(BackfillRules.BootstrapDays) && first.AddDays(4) >= opener.AddDays(BackfillRules.BootstrapDays));
        AssertEquivalent(first, 5, comparePublish: false);
        ProcessorEquivalenceTests.AssertCoverageEquivalent(slice, BackfillTools.Core.Sql.DateScope.Range(first, first.AddDays(4)), first, first.AddDays(4), output);
    }
}
