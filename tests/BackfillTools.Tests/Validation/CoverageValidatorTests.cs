using BackfillTools.Core.Processors;
using BackfillTools.Core.Validation;
using Xunit;
using F = BackfillTools.Tests.Validation.ValidationFixture;

namespace BackfillTools.Tests.Validation;

public sealed class CoverageValidatorTests : IDisposable
{
    private readonly F _f = new();

    public void Dispose() => _f.Dispose();

    private IReadOnlyList<CoverageResult> Run(DateScope scope, CoverageOptions? o = null) =>
        CoverageValidator.Run(_f.Db.W, scope, o ?? new CoverageOptions());

    private CoverageResult Pcf(DateOnly d, CoverageOptions? o = null) =>
        Run(DateScope.Explicit(new[] { d }), (o ?? new CoverageOptions()) with { Layers = new[] { CoverageLayer.Precompute }, Processors = new[] { ProcessorName.PCF } }).Single();

    [Theory]
    [InlineData("2023-10-24", CoverageStatus.Bootstrap, CoverageReason.ByDesign)]
    [InlineData("2023-11-20", CoverageStatus.OK, CoverageReason.None)]
    [InlineData("2023-11-21", CoverageStatus.OK, CoverageReason.None)]
    [InlineData("2023-11-22", CoverageStatus.Low, CoverageReason.Unknown)]
    [InlineData("2023-11-23", CoverageStatus.Incomplete, CoverageReason.ProcessorFailure)]
    [InlineData("2023-11-24", CoverageStatus.Missing, CoverageReason.Quarantined)]
    [InlineData("2023-11-25", CoverageStatus.Incomplete, CoverageReason.StaleUpcg)]
    [InlineData("2023-11-26", CoverageStatus.Missing, CoverageReason.UpstreamMissing)]
    [InlineData("2023-11-27", CoverageStatus.Missing, CoverageReason.NeverRun)]
    [InlineData("2023-11-28", CoverageStatus.NotEligible, CoverageReason.ByDesign)]
    [InlineData("2023-11-29", CoverageStatus.NoGames, CoverageReason.ByDesign)]
    public void Precompute_status_and_reason(string date, CoverageStatus status, CoverageReason reason)
    {
        var r = Pcf(DateOnly.Parse(date));
        Assert.Equal(status, r.Status);
        Assert.Equal(reason, r.Reason);
        // Every non-OK row explains itself.
        if (status != CoverageStatus.OK) Assert.False(string.IsNullOrWhiteSpace(r.Detail));
    }

    [Fact]
    public void By_design_failures_count_as_accounted_but_not_as_rows()
    {
        var r = Pcf(F.OkByDesign);
        Assert.Equal(10, r.Expected);
        Assert.Equal(9, r.Actual);
        Assert.Equal(10, r.Accounted);
        Assert.Equal(100, r.CoveragePct);
    }

    [Fact]
    public void Thresholds_are_parameters()
    {
        // 90% is Low by default and OK once the OK threshold drops to 90.
        Assert.Equal(CoverageStatus.OK, Pcf(F.Low, new CoverageOptions { OkThreshold = 90, LowThreshold = 80 }).Status);
        // 50% is Incomplete by default and Low with a Low threshold of 50.
        Assert.Equal(CoverageStatus.Low, Pcf(F.Failure, new CoverageOptions { LowThreshold = 50 }).Status);
        Assert.Throws<BackfillTools.Core.Domain.BackfillException>(() => new CoverageOptions { OkThreshold = 80, LowThreshold = 90 }.Validate());
    }

    [Fact]
    public void Stale_upcg_row_names_the_context_and_the_fix()
    {
        var r = Pcf(F.Stale);
        Assert.Equal("UPCG", r.Source);
        Assert.Equal(1, r.UpcgRows);
        Assert.Equal(10, r.PgsPlayers);
        Assert.Contains("Clear-StaleUpcg -Date 2023-11-25", r.Detail);
    }

    [Fact]
    public void Detailed_lists_exactly_the_unaccounted_entities()
    {
        var r = Pcf(F.Failure, new CoverageOptions { Detailed = true });
        var listed = r.Unaccounted!.Split(", ");
        Assert.Equal(r.Expected - r.Accounted, listed.Length);
        Assert.Contains("bbb1 (PROCESSING_ERROR)", listed);
        Assert.Null(Pcf(F.Ok, new CoverageOptions { Detailed = true }).Unaccounted);
    }

    [Fact]
    public void Raw_and_analytics_match_games_by_date_and_teams()
    {
        var rows = Run(DateScope.Explicit(new[] { F.Ok, F.NeverRun, F.NoPgs }), new CoverageOptions { Layers = new[] { CoverageLayer.Raw, CoverageLayer.Analytics } });
        var raw = rows.Single(r => r.Date == F.NeverRun && r.Layer == CoverageLayer.Raw);
        Assert.Equal((2L, 1L, CoverageStatus.Incomplete), (raw.Expected, raw.Actual, raw.Status));
        Assert.Contains(F.NbaId(F.NeverRun, 1), raw.Detail);
        var pgs = rows.Single(r => r.Date == F.NeverRun && r.Table == "nba_analytics.player_game_summary");
        Assert.Equal(CoverageReason.UpstreamMissing, pgs.Reason);
        // Box scores present, analytics absent: the raw layer is fine and analytics is Missing.
        Assert.Equal(CoverageStatus.OK, rows.Single(r => r.Date == F.NoPgs && r.Layer == CoverageLayer.Raw).Status);
        Assert.Equal(CoverageStatus.Missing, rows.Single(r => r.Date == F.NoPgs && r.Table == "nba_analytics.player_game_summary").Status);
        Assert.All(rows.Where(r => r.Date == F.Ok), r => Assert.Equal(CoverageStatus.OK, r.Status));
        Assert.Equal(4, rows.Count(r => r.Date == F.Ok)); // boxscores + PGS + TDGS + TOGS
    }

    [Fact]
    public void Analytics_alone_still_blames_the_raw_gap()
    {
        // Raw is measured even when only Analytics is reported, so the reason stays UpstreamMissing.
        var rows = Run(DateScope.Explicit(new[] { F.NeverRun }), new CoverageOptions { Layers = new[] { CoverageLayer.Analytics } });
        Assert.DoesNotContain(rows, r => r.Layer == CoverageLayer.Raw);
        Assert.All(rows, r => Assert.Equal(CoverageReason.UpstreamMissing, r.Reason));
    }

    [Fact]
    public void Range_scope_covers_game_dates_only_and_every_layer()
    {
        var rows = Run(DateScope.Range(F.Opener, F.OffDay));
        Assert.DoesNotContain(rows, r => r.Date == F.OffDay); // off-days are not game dates
        Assert.Equal(10 * (4 + 5), rows.Count);              // 10 game dates × (4 tables + 5 processors)
        Assert.Throws<BackfillTools.Core.Domain.BackfillException>(() => DateScope.Range(F.OffDay, F.Opener));
    }

    [Fact]
    public void A_cancelled_token_stops_the_run()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            CoverageValidator.Run(_f.Db.W, DateScope.All(), new CoverageOptions(), null, cts.Token));
    }

    [Fact]
    public void Accounting_sql_agrees_with_the_validator()
    {
        // The runner calls CoverageAccounting.Sql on staging tables; here on the published ones via a dates table.
        var w = _f.Db.W;
        w.Execute("CREATE SCHEMA IF NOT EXISTS nba_staging");
        w.Execute("CREATE TABLE nba_staging.acc_dates AS SELECT DATE '2023-11-21' AS analysis_date UNION ALL SELECT DATE '2023-11-23'");
        var rows = w.Query(CoverageAccounting.Sql(ProcessorName.PCF, "{{nba_staging.acc_dates}}")).AsRows()
            .ToDictionary(r => r.GetDate("analysis_date"), r => (r.GetInt64("expected"), r.GetInt64("accounted"), r.GetInt64("actual"), r.GetInt64("other_failures")));
        Assert.Equal((10L, 10L, 9L, 0L), rows[F.OkByDesign]);
        Assert.Equal((10L, 5L, 5L, 5L), rows[F.Failure]);
    }
}
