using BackfillTools.Core;
using BackfillTools.Core.Backfill;
using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Validation;
using BackfillTools.Core.Warehouse;
using Xunit;

namespace BackfillTools.Tests.Backfill;

/// <summary>
/// Issue #12 item 1: a date whose Phase 3 lacks a scheduled game is never published as complete; a waiver names the
/// game, and the date is then published and reported as Waived. The sample's 2023-01-10 has 7 games; BOS @ POR
/// (0022200617) has 31 player_game_summary rows.
/// </summary>
public sealed class UpstreamCompletenessTests : IClassFixture<SampleWarehouseFixture>
{
    private static readonly DateOnly Day = new(2023, 1, 10);
    private const string GameNbaId = "0022200617";
    private const string GameStdId = "20230110_BOS_POR";
    private static readonly ProcessorName[] ReadsPgs = { ProcessorName.PSZA, ProcessorName.PCF, ProcessorName.PDC, ProcessorName.MLFS };
    private readonly SampleWarehouseFixture _fixture;

    public UpstreamCompletenessTests(SampleWarehouseFixture fixture) => _fixture = fixture;

    private static BackfillRequest OneDay => new() { StartDate = Day, EndDate = Day };

    private static long Execute(WarehouseConnection c, string sql)
    {
        using var w = WarehouseService.Open(c);
        return w.Execute(sql);
    }

    private static long Count(WarehouseConnection c, string sql)
    {
        using var w = WarehouseService.Open(c);
        return w.ScalarInt64(sql);
    }

    private WarehouseConnection CopyWithoutTheGame()
    {
        var c = _fixture.NewCopy();
        Assert.Equal(31, Execute(c, $"DELETE FROM {WarehouseSchema.PlayerGameSummary.Placeholder} WHERE game_id = '{GameStdId}'"));
        return c;
    }

    private static (BackfillSummary Summary, List<string> Warnings) Run(WarehouseConnection c, BackfillRequest request)
    {
        var warnings = new List<string>();
        var summary = BackfillService.Run(c, request, BackfillMode.New, null, null, new BackfillCallbacks { Warning = warnings.Add }, CancellationToken.None);
        return (summary, warnings);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void A_game_missing_from_PGS_fails_its_date_as_UpstreamIncomplete_whatever_the_switches(bool force, bool skipPreflight)
    {
        var c = CopyWithoutTheGame();
        var (summary, warnings) = Run(c, OneDay with { Force = force, SkipPreflight = skipPreflight });

        foreach (var r in summary.Results.Where(r => ReadsPgs.Contains(r.Processor)))
        {
            Assert.Equal(PartitionStatus.Failed, r.Status);
            Assert.Equal("UpstreamIncomplete", r.ErrorCategory);
            Assert.Contains(GameNbaId, r.Message);
            Assert.Contains("BOS @ POR", r.Message);
            Assert.Contains("player_game_summary lacks BOS, POR", r.Message);
            Assert.Equal(0, r.RowsWritten);
        }
        // TDZA reads team_defense_game_summary only, which still has the game.
        Assert.Equal(PartitionStatus.Published, summary.Results.Single(r => r.Processor == ProcessorName.TDZA).Status);
        Assert.Equal(0, Count(c, $"SELECT COUNT(*) FROM {PrecomputeTables.Pcf.Placeholder} WHERE game_date = DATE '2023-01-10'"));
        Assert.Equal(0, Count(c, $"SELECT COUNT(*) FROM {PrecomputeTables.Mlfs.Placeholder} WHERE game_date = DATE '2023-01-10'"));

        // Pre-flight lists the date before anything runs; -SkipPreflight skips the list, never the gate.
        var listed = warnings.Where(w => w.StartsWith("Pre-flight: 2023-01-10", StringComparison.Ordinal) && w.Contains(GameNbaId)).ToList();
        Assert.Equal(skipPreflight ? 0 : 1, listed.Count);
    }

    [Fact]
    public void Preflight_lists_the_incomplete_date_with_its_game_and_teams()
    {
        var c = CopyWithoutTheGame();
        using var w = WarehouseService.Open(c);
        var plan = BackfillPlanner.Plan(w, new BackfillRequest { StartDate = Day.AddDays(-1), EndDate = Day.AddDays(1) });
        var report = Preflight.Check(w, plan);
        var gap = Assert.Single(report.IncompleteGames);
        Assert.Equal((Day, GameNbaId, "BOS", "POR", WarehouseSchema.PlayerGameSummary.FullName), (gap.Date, gap.GameId, gap.Away, gap.Home, gap.Table));
        Assert.Equal(new[] { "BOS", "POR" }, gap.MissingTeams);
    }

    [Fact]
    public void A_one_sided_game_names_the_missing_team_and_only_fails_the_processors_that_read_the_table()
    {
        var c = _fixture.NewCopy();
        Assert.True(Execute(c, $"DELETE FROM {WarehouseSchema.TeamOffenseGameSummary.Placeholder} WHERE game_id = '{GameStdId}' AND team_abbr = 'POR'") == 1);
        var (summary, _) = Run(c, OneDay);
        var byProcessor = summary.Results.ToDictionary(r => r.Processor);
        // PDC and MLFS read team_offense_game_summary; TDZA, PSZA and PCF do not.
        foreach (var p in new[] { ProcessorName.PDC, ProcessorName.MLFS })
        {
            Assert.Equal("UpstreamIncomplete", byProcessor[p].ErrorCategory);
            Assert.Contains("team_offense_game_summary lacks POR)", byProcessor[p].Message);
        }
        foreach (var p in new[] { ProcessorName.TDZA, ProcessorName.PSZA, ProcessorName.PCF })
            Assert.Equal(PartitionStatus.Published, byProcessor[p].Status);
    }

    [Fact]
    public void A_waived_game_publishes_the_date_and_every_report_shows_Waived_not_OK()
    {
        var c = CopyWithoutTheGame();
        using (var w = WarehouseService.Open(c))
        {
            var added = Assert.Single(BackfillWaivers.Add(w, new[] { GameStdId }, "Box score lost upstream"));
            Assert.Equal(GameNbaId, added.GameId);
        }
        var (summary, warnings) = Run(c, OneDay);
        Assert.All(summary.Results, r => Assert.Equal(PartitionStatus.Published, r.Status));
        Assert.DoesNotContain(warnings, x => x.Contains(GameNbaId));
        var pcf = summary.Results.Single(r => r.Processor == ProcessorName.PCF);
        Assert.Equal(100, pcf.CoveragePct);
        Assert.Contains($"Waived game(s) left out: {GameNbaId} BOS @ POR", pcf.Message);
        Assert.Contains("Box score lost upstream", pcf.Message);
        // Waived players are neither expected nor accounted: coverage is over the 6 games that exist.
        Assert.Equal(Count(c, $"SELECT COUNT(DISTINCT player_lookup) FROM {WarehouseSchema.PlayerGameSummary.Placeholder} WHERE game_date = DATE '2023-01-10'"), pcf.Expected);

        IReadOnlyList<CoverageResult> coverage;
        using (var w = WarehouseService.Open(c))
            coverage = CoverageValidator.Run(w, DateScope.Explicit(new[] { Day }), new CoverageOptions());
        foreach (var p in ReadsPgs)
        {
            var row = coverage.Single(r => r.Layer == CoverageLayer.Precompute && r.Processor == p.ToString());
            Assert.Equal(CoverageStatus.Waived, row.Status);
            Assert.Equal(CoverageReason.Waived, row.Reason);
            Assert.Equal(new[] { GameNbaId }, row.WaivedGames);
            Assert.Contains(GameNbaId, row.Detail);
        }
        var pgs = coverage.Single(r => r.Table == WarehouseSchema.PlayerGameSummary.FullName);
        Assert.Equal((CoverageStatus.Waived, 6L, 6L), (pgs.Status, pgs.Expected, pgs.Actual));
        Assert.Equal(CoverageStatus.OK, coverage.Single(r => r.Processor == "TDZA").Status);
        var report = SeasonReporter.ByProcessor(coverage).Single(r => r.Processor == "PCF");
        Assert.Equal(("Waived", 1L), (report.Status, report.WaivedDates));
        Assert.Equal(new[] { GameNbaId }, report.WaivedGames);
        var season = Assert.Single(SeasonReporter.BySeason(coverage));
        Assert.Equal("Waived", season.Status);
        Assert.Equal(7, season.Games);

        // Without the waiver the published date is a problem again: complete coverage of incomplete inputs.
        using (var w = WarehouseService.Open(c))
        {
            BackfillWaivers.Remove(w, new[] { GameNbaId });
            var after = CoverageValidator.Run(w, DateScope.Explicit(new[] { Day }), new CoverageOptions { Layers = new[] { CoverageLayer.Precompute } });
            var row = after.Single(r => r.Processor == "PCF");
            Assert.Equal((CoverageStatus.Incomplete, CoverageReason.UpstreamIncomplete), (row.Status, row.Reason));
            Assert.Equal(new[] { GameNbaId }, row.MissingGames);
            Assert.Matches(@"^\d+ errors$", SeasonReporter.ByProcessor(after).Single(r => r.Processor == "PCF").Status);
        }
    }

    [Fact]
    public void Season_status_precedence_is_errors_over_Waived_over_Clean()
    {
        CoverageResult Row(int day, CoverageStatus status, params string[] waived) => new()
        {
            Date = new DateOnly(2023, 1, day), Season = "2022-23", Layer = CoverageLayer.Precompute, Processor = "PCF",
            Table = PrecomputeTables.Pcf.FullName, Expected = 10, Actual = 10, Accounted = 10, Status = status, WaivedGames = waived,
        };
        string Status(params CoverageResult[] rows) => SeasonReporter.BySeason(rows).Single().Status;
        string ByProcessor(params CoverageResult[] rows) => SeasonReporter.ByProcessor(rows).Single().Status;

        Assert.Equal("Clean", Status(Row(10, CoverageStatus.OK), Row(11, CoverageStatus.NotEligible)));
        Assert.Equal("Waived", Status(Row(10, CoverageStatus.OK), Row(11, CoverageStatus.Waived, "0022200617")));
        Assert.Equal("1 errors", Status(Row(10, CoverageStatus.Incomplete), Row(11, CoverageStatus.Waived, "0022200617")));
        Assert.Equal("Waived", ByProcessor(Row(10, CoverageStatus.OK), Row(11, CoverageStatus.Waived, "0022200617")));
        Assert.Equal("1 errors", ByProcessor(Row(10, CoverageStatus.Missing), Row(11, CoverageStatus.Waived, "0022200617")));
        // Never green in an exported workbook either.
        Assert.Equal(Core.Reports.StatusTone.Amber, Core.Reports.XlsxWriter.ToneOf(CoverageStatus.Waived));
        Assert.Equal(Core.Reports.StatusTone.Amber, Core.Reports.XlsxWriter.ToneOf("Waived"));
        // A Waived date counts as covered at L4 (its existing players are all accounted for).
        Assert.Equal(100, SeasonReporter.BySeason(new[] { Row(10, CoverageStatus.OK), Row(11, CoverageStatus.Waived, "x") }).Single().PrecomputePct);
    }

    [Fact]
    public void Waiver_changes_refuse_bad_input_and_write_nothing()
    {
        var c = _fixture.NewCopy();
        using var w = WarehouseService.Open(c);
        long Waivers() => w.ScalarInt64($"SELECT COUNT(*) FROM {WarehouseSchema.BackfillWaivers.Placeholder}");
        void Refused(string errorId, ErrorKind kind, Action act)
        {
            var ex = Assert.Throws<BackfillException>(act);
            Assert.Equal((errorId, kind), (ex.ErrorId, ex.Kind));
        }

        // One unknown game among good ones writes none of them.
        Refused("GameIdNotFound", ErrorKind.ObjectNotFound, () => BackfillWaivers.Add(w, new[] { GameNbaId, "0022299999" }, "reason"));
        Refused("InvalidGameId", ErrorKind.InvalidArgument, () => BackfillWaivers.Add(w, new[] { "0022200617'; DROP TABLE x;--" }, "reason"));
        Refused("InvalidGameId", ErrorKind.InvalidArgument, () => BackfillWaivers.Add(w, Array.Empty<string>(), "reason"));
        Refused("InvalidWaiverReason", ErrorKind.InvalidArgument, () => BackfillWaivers.Add(w, new[] { GameNbaId }, "  "));
        Refused("InvalidWaiverReason", ErrorKind.InvalidArgument, () => BackfillWaivers.Add(w, new[] { GameNbaId }, new string('x', 1001)));
        Assert.Empty(BackfillWaivers.Add(w, new[] { GameNbaId }, "reason", confirm: _ => false));
        Assert.Equal(0, Waivers());

        // A reason that looks like SQL is stored as it is.
        const string reason = "it's gone'); DELETE FROM backfilltools.backfill_runs; --";
        BackfillWaivers.Add(w, new[] { GameStdId, GameNbaId }, reason);
        var stored = Assert.Single(BackfillWaivers.Get(w));
        Assert.Equal((GameNbaId, reason, "BOS", "POR", "2022-23", (DateOnly?)Day), (stored.GameId, stored.Reason, stored.AwayTeam, stored.HomeTeam, stored.Season, stored.GameDate));
        Assert.Equal(Environment.UserName, stored.WaivedBy);

        Refused("WaiverExists", ErrorKind.ResourceExists, () => BackfillWaivers.Add(w, new[] { GameNbaId }, "again"));
        // Removing a waived and an unwaived game removes neither.
        Refused("WaiverNotFound", ErrorKind.ObjectNotFound, () => BackfillWaivers.Remove(w, new[] { GameNbaId, "0022200618" }));
        Refused("GameIdNotFound", ErrorKind.ObjectNotFound, () => BackfillWaivers.Remove(w, new[] { "0022299999" }));
        Assert.Equal(1, Waivers());
        Assert.Equal(GameNbaId, Assert.Single(BackfillWaivers.Remove(w, new[] { GameStdId })).GameId);
        Assert.Equal(0, Waivers());
    }
}
