using BackfillTools.Core.Backfill;
using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using Xunit;

namespace BackfillTools.Tests.Backfill;

/// <summary>
/// Issue #13 item 3: the mechanically derived families of PCF, PDC and MLFS (source tracking, completeness counts,
/// upstream readiness) are filled on a real backfill of the sample league and agree with their definitions
/// (docs/production-schema.md "Hash and completeness definitions used"): every *_hash is the data_hash of an upstream
/// row the processor read, every *_last_updated that row's processed_at, the percentages are actual ÷ expected × 100.
/// </summary>
public sealed class SourceTrackingTests
{
    private static readonly DateOnly First = new(2022, 12, 5), Last = new(2022, 12, 6);

    /// <summary>One backfill of the slice for the class's three checks (they only read it).</summary>
    private static readonly Lazy<WarehouseConnection> Published = new(() =>
    {
        var dir = Directory.CreateTempSubdirectory("bft-src-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { /* best effort */ }
        };
        var path = Path.Combine(dir, "w.duckdb");
        File.Copy(SampleSeasonTemplate.Path, path);
        var c = WarehouseConnection.DuckDb(path);
        // The 2022-23 sample has no team context (it starts in 2024): give the home teams of the first date a row, so
        // PCF's team-context source is seen both found and missing.
        using (var w = WarehouseService.Open(c))
            Assert.True(w.Execute($@"INSERT INTO {WarehouseSchema.UpcomingTeamGameContext.Placeholder}
  (team_abbr, game_id, game_date, season_year, opponent_team_abbr, home_game, is_back_to_back, team_back_to_back,
   games_in_last_7_days, games_in_last_14_days, starters_out_count, questionable_players_count, team_win_streak_entering,
   team_loss_streak_entering, travel_miles, processed_at, created_at, data_hash)
SELECT home_team_tricode, game_id, game_date, season_year, away_team_tricode, TRUE, FALSE, FALSE, 0, 0, 0, 0, 0, 0, 0,
       TIMESTAMP '2022-12-05 15:00:00', TIMESTAMP '2022-12-05 15:00:00', CONCAT('utgc-', game_id)
FROM {WarehouseSchema.Schedule.Placeholder} WHERE game_date = DATE '{First:yyyy-MM-dd}'") > 0);
        var summary = BackfillService.Run(c, new BackfillRequest { StartDate = First, EndDate = Last }, BackfillMode.New, null, null,
            new BackfillCallbacks(), CancellationToken.None);
        Assert.All(summary.Results, r => Assert.Equal(PartitionStatus.Published, r.Status));
        return c;
    });

    private static string T(ProcessorName p) => ProcessorCatalog.Get(p).Output.Placeholder;

    private static string Rows(ProcessorName p) =>
        $"{T(p)} t WHERE t.{ProcessorCatalog.Get(p).DateColumn} BETWEEN DATE '{First:yyyy-MM-dd}' AND DATE '{Last:yyyy-MM-dd}'"
        + ProcessorCatalog.OutputOwnership(p).ProductRowsFilter("t");

    private long Count(string sql)
    {
        using var w = WarehouseService.Open(Published.Value);
        return w.ScalarInt64(sql);
    }

    /// <summary>The processor's published rows of the slice matching <paramref name="condition"/>.</summary>
    private long Where(ProcessorName p, string condition) => Count($"SELECT COUNT(*) FROM {Rows(p)} AND ({condition})");

    private void None(ProcessorName p, string condition) =>
        Assert.True(Where(p, condition) == 0, $"{p}: {Where(p, condition)} rows where {condition}");

    private void Some(ProcessorName p, string condition) =>
        Assert.True(Where(p, condition) > 0, $"{p}: no row where {condition}");

    private static string AnyNull(params string[] columns) => string.Join(" OR ", columns.Select(c => $"t.{c} IS NULL"));

    private static string Pct(string column, string found, int expected) =>
        $"CAST(t.{column} AS DOUBLE) <> ROUND(CAST({found} AS DOUBLE) * 100 / {expected}, 2)";

    [Fact]
    public void PCF_fills_source_tracking_completeness_and_readiness_consistently()
    {
        var p = ProcessorName.PCF;
        Some(p, "TRUE");
        None(p, AnyNull("source_player_context_last_updated", "source_player_context_rows_found", "source_player_context_completeness_pct",
            "source_player_context_hash", "source_team_context_rows_found", "source_team_context_completeness_pct",
            "source_player_shot_rows_found", "source_player_shot_completeness_pct", "source_team_defense_rows_found",
            "source_team_defense_completeness_pct", "expected_games_count", "actual_games_count", "completeness_percentage",
            "missing_games_count", "upstream_player_shot_ready", "upstream_team_defense_ready", "upstream_player_context_ready",
            "upstream_team_context_ready", "all_upstreams_ready"));
        // A row found has its load time and fingerprint; a row missing has neither.
        foreach (var s in new[] { "team_context", "player_shot", "team_defense" })
        {
            None(p, $"t.source_{s}_rows_found > 0 AND ({AnyNull($"source_{s}_last_updated", $"source_{s}_hash")})");
            None(p, $"t.source_{s}_rows_found = 0 AND (t.source_{s}_last_updated IS NOT NULL OR t.source_{s}_hash IS NOT NULL)");
            None(p, Pct($"source_{s}_completeness_pct", $"LEAST(t.source_{s}_rows_found, 1)", 1));
        }
        // Each fingerprint and load time is the upstream row's own.
        var psza = T(ProcessorName.PSZA);
        None(p, $"t.source_player_shot_rows_found = 1 AND NOT EXISTS (SELECT 1 FROM {psza} s WHERE s.analysis_date = t.analysis_date " +
                "AND s.player_lookup = t.player_lookup AND s.data_hash = t.source_player_shot_hash AND s.processed_at = t.source_player_shot_last_updated)");
        None(p, $"t.source_team_defense_rows_found = 1 AND NOT EXISTS (SELECT 1 FROM {T(ProcessorName.TDZA)} z WHERE z.analysis_date = t.analysis_date " +
                "AND z.data_hash = t.source_team_defense_hash AND z.processed_at = t.source_team_defense_last_updated)");
        None(p, $"NOT EXISTS (SELECT 1 FROM {WarehouseSchema.UpcomingPlayerGameContext.Placeholder} u WHERE u.game_date = t.game_date " +
                "AND u.player_lookup = t.player_lookup AND u.data_hash = t.source_player_context_hash AND u.processed_at = t.source_player_context_last_updated) " +
                $"AND NOT EXISTS (SELECT 1 FROM {WarehouseSchema.PlayerGameSummary.Placeholder} g WHERE g.game_date = t.game_date " +
                "AND g.player_lookup = t.player_lookup AND g.data_hash = t.source_player_context_hash AND g.processed_at = t.source_player_context_last_updated)");
        None(p, $"t.source_team_context_rows_found > 0 AND NOT EXISTS (SELECT 1 FROM {WarehouseSchema.UpcomingTeamGameContext.Placeholder} u " +
                "WHERE u.game_date = t.game_date AND u.data_hash = t.source_team_context_hash AND u.processed_at = t.source_team_context_last_updated)");
        Some(p, "t.source_team_context_rows_found = 1");
        Some(p, "t.source_team_context_rows_found = 0");
        // Completeness counts of the last-10 window, and readiness as the AND of the four flags.
        None(p, "t.expected_games_count <> 10 OR t.missing_games_count <> t.expected_games_count - t.actual_games_count " +
                "OR ABS(t.completeness_percentage - CAST(t.actual_games_count AS DOUBLE) * 100 / t.expected_games_count) > 1e-9");
        // The window is PSZA's: where the player has a PSZA row, both count the same games.
        None(p, $"EXISTS (SELECT 1 FROM {psza} s WHERE s.analysis_date = t.analysis_date AND s.player_lookup = t.player_lookup " +
                "AND s.actual_games_count <> t.actual_games_count)");
        None(p, "t.upstream_player_shot_ready <> (t.source_player_shot_rows_found = 1) OR t.upstream_team_defense_ready <> (t.source_team_defense_rows_found = 1)");
        None(p, "t.all_upstreams_ready <> (t.upstream_player_shot_ready AND t.upstream_team_defense_ready AND t.upstream_player_context_ready AND t.upstream_team_context_ready)");
        Some(p, "t.all_upstreams_ready");
        Some(p, "t.actual_games_count < t.expected_games_count");   // a window that spans missing games says so
        Some(p, "t.actual_games_count = t.expected_games_count");
    }

    [Fact]
    public void PDC_fills_source_tracking_and_the_window_completeness_consistently()
    {
        var p = ProcessorName.PDC;
        Some(p, "TRUE");
        None(p, AnyNull("source_player_game_last_updated", "source_player_game_completeness_pct", "source_player_game_hash",
            "source_team_offense_rows_found", "source_team_offense_completeness_pct", "source_upcoming_context_rows_found",
            "source_upcoming_context_completeness_pct", "source_shot_zone_rows_found", "source_shot_zone_completeness_pct",
            "l5_completeness_pct", "l5_is_complete", "l10_completeness_pct", "l10_is_complete", "l7d_completeness_pct",
            "l7d_is_complete", "l14d_completeness_pct", "l14d_is_complete", "all_windows_complete"));
        None(p, $"NOT EXISTS (SELECT 1 FROM {WarehouseSchema.PlayerGameSummary.Placeholder} g WHERE g.player_lookup = t.player_lookup " +
                "AND g.game_date < t.cache_date AND g.data_hash = t.source_player_game_hash)");
        None(p, $"t.source_player_game_last_updated > (SELECT MAX(g.processed_at) FROM {WarehouseSchema.PlayerGameSummary.Placeholder} g " +
                "WHERE g.player_lookup = t.player_lookup AND g.game_date < t.cache_date)");
        None(p, "CAST(t.source_player_game_completeness_pct AS DOUBLE) <> ROUND(t.completeness_percentage, 2)");
        None(p, $"t.source_team_offense_rows_found > 0 AND NOT EXISTS (SELECT 1 FROM {WarehouseSchema.TeamOffenseGameSummary.Placeholder} o " +
                "WHERE o.game_date < t.cache_date AND o.data_hash = t.source_team_offense_hash AND o.processed_at <= t.source_team_offense_last_updated)");
        None(p, Pct("source_team_offense_completeness_pct", "t.source_team_offense_rows_found", 10));
        None(p, $"t.source_shot_zone_rows_found = 1 AND NOT EXISTS (SELECT 1 FROM {T(ProcessorName.PSZA)} s WHERE s.analysis_date = t.cache_date " +
                "AND s.player_lookup = t.player_lookup AND s.data_hash = t.source_shot_zone_hash AND s.processed_at = t.source_shot_zone_last_updated)");
        None(p, Pct("source_shot_zone_completeness_pct", "t.source_shot_zone_rows_found", 1));
        None(p, Pct("source_upcoming_context_completeness_pct", "t.source_upcoming_context_rows_found", 1));
        None(p, $"t.source_upcoming_context_rows_found = 1 AND NOT EXISTS (SELECT 1 FROM {WarehouseSchema.UpcomingPlayerGameContext.Placeholder} u " +
                "WHERE u.game_date = t.cache_date AND u.player_lookup = t.player_lookup AND u.data_hash = t.source_upcoming_context_hash) " +
                $"AND NOT EXISTS (SELECT 1 FROM {WarehouseSchema.PlayerGameSummary.Placeholder} g WHERE g.game_date = t.cache_date " +
                "AND g.player_lookup = t.player_lookup AND g.data_hash = t.source_upcoming_context_hash)");
        // The game windows: L10 is the row's completeness; complete means no game missing.
        None(p, "ABS(t.l10_completeness_pct - t.completeness_percentage) > 1e-9 OR t.l10_is_complete <> (t.actual_games_count = 10)");
        None(p, "ABS(t.l5_completeness_pct - CAST(LEAST(t.actual_games_count, 5) AS DOUBLE) * 20) > 1e-9 OR t.l5_is_complete <> (t.actual_games_count >= 5)");
        None(p, "t.l7d_completeness_pct > 100 OR t.l14d_completeness_pct > 100 OR t.l7d_is_complete <> (t.l7d_completeness_pct = 100) " +
                "OR t.l14d_is_complete <> (t.l14d_completeness_pct = 100)");
        None(p, "t.all_windows_complete <> (t.l5_is_complete AND t.l10_is_complete AND t.l7d_is_complete AND t.l14d_is_complete)");
        Some(p, "t.all_windows_complete");
        Some(p, "NOT t.l7d_is_complete OR NOT t.l14d_is_complete");   // a day window that spans a missed game says so
    }

    [Fact]
    public void MLFS_fills_the_four_phase4_sources_with_their_rows_fingerprints()
    {
        var p = ProcessorName.MLFS;
        Some(p, "TRUE");
        foreach (var (s, table, date, entity) in new[]
                 {
                     ("daily_cache", ProcessorName.PDC, "cache_date", "u.player_lookup = t.player_lookup"),
                     ("composite", ProcessorName.PCF, "game_date", "u.player_lookup = t.player_lookup"),
                     ("shot_zones", ProcessorName.PSZA, "analysis_date", "u.player_lookup = t.player_lookup"),
                     ("team_defense", ProcessorName.TDZA, "analysis_date", "u.team_abbr = t.opponent_team_abbr"),
                 })
        {
            None(p, AnyNull($"source_{s}_rows_found", $"source_{s}_completeness_pct"));
            None(p, Pct($"source_{s}_completeness_pct", $"t.source_{s}_rows_found", 1));
            None(p, $"t.source_{s}_rows_found = 1 AND NOT EXISTS (SELECT 1 FROM {T(table)} u WHERE u.{date} = t.game_date AND {entity} " +
                    $"AND u.data_hash = t.source_{s}_hash AND u.processed_at = t.source_{s}_last_updated)");
            None(p, $"t.source_{s}_rows_found = 0 AND (t.source_{s}_hash IS NOT NULL OR t.source_{s}_last_updated IS NOT NULL)");
            Some(p, $"t.source_{s}_rows_found = 1");
        }
    }
}
