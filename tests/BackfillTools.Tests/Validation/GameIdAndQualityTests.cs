using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Validation;
using Xunit;
using F = BackfillTools.Tests.Validation.ValidationFixture;

namespace BackfillTools.Tests.Validation;

public sealed class GameIdAndQualityTests : IDisposable
{
    private readonly F _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public void Game_ids_convert_both_ways_and_bad_ones_fail_per_item()
    {
        var nba = F.NbaId(F.Ok);
        var std = $"{F.Ok:yyyyMMdd}_AAA_BBB";
        var o = GameIdConverter.Convert(_f.Db.W, new[] { nba, std.ToLowerInvariant(), "12345", "20231120_BBB_AAA" }, default);
        Assert.Equal(std, o[0].Mapping!.StandardId);
        Assert.Equal(nba, o[1].Mapping!.NbaGameId);
        Assert.Equal("2023-24", o[0].Mapping!.Season);
        Assert.Equal("InvalidGameId", o[2].Error!.ErrorId);
        Assert.Equal("GameIdNotFound", o[3].Error!.ErrorId); // home and away swapped: not the same game
    }

    private IReadOnlyList<DataQualityFinding> Quality(DataQualityOptions? o = null) =>
        DataQualityChecker.Run(_f.Db.W, DateScope.All(), o ?? new DataQualityOptions { Processors = new[] { ProcessorName.PCF } });

    [Fact]
    public void Clean_rows_give_no_range_or_null_findings()
    {
        var f = Quality(new DataQualityOptions { Processors = new[] { ProcessorName.PCF }, Checks = new[] { DataQualityCheck.OutOfRange, DataQualityCheck.CriticalNull } });
        Assert.Empty(f);
    }

    [Fact]
    public void Out_of_range_critical_null_contamination_and_duplicates_are_found()
    {
        var w = _f.Db.W;
        w.Execute("UPDATE nba_precompute.player_composite_factors SET fatigue_score = 140 WHERE game_date = DATE '2023-11-20' AND player_lookup = 'aaa1'");
        w.Execute("UPDATE nba_precompute.player_composite_factors SET opponent_strength_score = NULL WHERE game_date = DATE '2023-11-21'");
        w.Execute("UPDATE nba_precompute.player_composite_factors SET missing_data_fields = 'team_defense_zone' WHERE game_date = DATE '2023-11-22'");
        // The DuckDB table enforces its key; BigQuery does not. Recreate it keyless to plant a duplicate.
        w.Execute("CREATE TABLE nba_staging_pcf AS SELECT * FROM nba_precompute.player_composite_factors");
        w.DropTable("nba_precompute", "player_composite_factors");
        w.EnsureTable(PrecomputeTables.Pcf.WithName("nba_precompute", "player_composite_factors"));
        w.Execute("INSERT INTO nba_precompute.player_composite_factors SELECT * FROM nba_staging_pcf");
        w.Execute("INSERT INTO nba_precompute.player_composite_factors SELECT * FROM nba_staging_pcf WHERE game_date = DATE '2023-11-23' AND player_lookup = 'aaa1'");

        var f = Quality();
        Assert.Contains(f, x => x.Check == DataQualityCheck.OutOfRange && x.Column == "fatigue_score" && x.Date == F.Ok && x.Observed == 1 && x.Severity == FindingSeverity.Error);
        Assert.Contains(f, x => x.Check == DataQualityCheck.CriticalNull && x.Column == "opponent_strength_score" && x.Date == F.OkByDesign && x.Observed == 100);
        Assert.Contains(f, x => x.Check == DataQualityCheck.CascadeContamination && x.Date == F.Low && x.Observed == 100 && x.Severity == FindingSeverity.Error);
        Assert.Contains(f, x => x.Check == DataQualityCheck.DuplicateKey && x.Date == F.Failure && x.Observed == 1);
        Assert.DoesNotContain(f, x => x.Check == DataQualityCheck.DuplicateKey && x.Date != F.Failure);
    }

    [Fact]
    public void Thin_partitions_compare_with_the_neighbourhood_median()
    {
        // PCF has 10, 9, 9, 5, 1 rows on its first five dates (one game each): the 1-row date is thin, the 9s are not.
        var f = Quality(new DataQualityOptions { Processors = new[] { ProcessorName.PCF }, Checks = new[] { DataQualityCheck.ThinPartition } });
        Assert.Contains(f, x => x.Date == F.Stale);
        Assert.DoesNotContain(f, x => x.Date == F.Ok || x.Date == F.Low);
        Assert.Throws<BackfillTools.Core.Domain.BackfillException>(() => Quality(new DataQualityOptions { ThinRatio = 0 }));
    }

    [Fact]
    public void Season_report_rolls_up_the_coverage_rows()
    {
        var coverage = SeasonReporter.Coverage(_f.Db.W, new[] { "2023-24" }, null, default);
        var season = Assert.Single(SeasonReporter.BySeason(coverage));
        Assert.Equal(10, season.Dates);
        Assert.Equal(11, season.Games);
        Assert.Equal(Math.Round(100.0 * 10 / 11, 1), season.RawPct);
        Assert.NotEqual("Clean", season.Status);
        var pcf = SeasonReporter.ByProcessor(coverage).Single(r => r.Processor == "PCF");
        // Low, Failure, Quarantined, Stale, NoPgs, NeverRun are problems; OK ×2, bootstrap and NotEligible are not.
        Assert.Equal(6, pcf.ProblemDates);
        Assert.Equal("6 errors", pcf.Status);
        Assert.Equal(1, pcf.BootstrapDates);
        Assert.Equal(1, pcf.NotEligibleDates);
    }
}
