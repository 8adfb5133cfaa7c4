using BackfillTools.Core.Schema;
using BackfillTools.Tests.Processors;

namespace BackfillTools.Tests.Validation;

/// <summary>
/// A hand-built warehouse in which every coverage status and reason occurs on its own date (season 2023-24, opener
/// 2023-10-24). One game a day, AAA at BBB, five players a side; dates and their story are named below.
/// </summary>
internal sealed class ValidationFixture : IDisposable
{
    public static readonly DateOnly Opener = new(2023, 10, 24);      // bootstrap
    public static readonly DateOnly Ok = new(2023, 11, 20);          // 10 PCF rows
    public static readonly DateOnly OkByDesign = new(2023, 11, 21);  // 9 rows + 1 INSUFFICIENT_DATA failure = 100% accounted
    public static readonly DateOnly Low = new(2023, 11, 22);         // 9 of 10 rows, ledger Published → Unknown
    public static readonly DateOnly Failure = new(2023, 11, 23);     // 5 rows + 5 PROCESSING_ERROR failures
    public static readonly DateOnly Quarantined = new(2023, 11, 24); // no rows, ledger Quarantined
    public static readonly DateOnly Stale = new(2023, 11, 25);       // 1 row from a 1-row UPCG
    public static readonly DateOnly NoPgs = new(2023, 11, 26);       // game scheduled, no PGS at all
    public static readonly DateOnly NeverRun = new(2023, 11, 27);    // two games, one lost before raw; no PCF, no ledger
    public static readonly DateOnly NotEligible = new(2023, 11, 28); // all 10 INSUFFICIENT_DATA failures, no rows
    public static readonly DateOnly OffDay = new(2023, 11, 29);      // no game

    public ProcessorTestDb Db { get; } = new();

    public static string NbaId(DateOnly d, int n = 0) => $"00223{d.DayOfYear:000}{n:00}";

    public static string[] Players(string team) => Enumerable.Range(1, 5).Select(i => $"{team.ToLowerInvariant()}{i}").ToArray();

    public ValidationFixture()
    {
        foreach (var d in new[] { Opener, Ok, OkByDesign, Low, Failure, Quarantined, Stale, NoPgs, NeverRun, NotEligible })
        {
            Game(d, "AAA", "BBB", 0, box: true, pgs: d != NoPgs);
            var pcfRows = d == Ok ? 10 : d == OkByDesign || d == Low ? 9 : d == Failure ? 5 : d == Stale ? 1 : 0;
            var all = Players("AAA").Concat(Players("BBB")).ToArray();
            Db.AddMany(PrecomputeTables.Pcf, all.Take(pcfRows).Select(p => (object)new
            {
                game_date = d, player_lookup = p, game_id = $"{d:yyyyMMdd}_AAA_BBB", analysis_date = d, fatigue_score = 80L, shot_zone_mismatch_score = 1.0m,
                pace_score = 0.5m, opponent_strength_score = 0.0m, total_composite_adjustment = 0.1m, processed_at = DateTime.UtcNow,
            }));
            // The context each row was built from lives in the product's table, as a publish writes it.
            Db.AddMany(WarehouseSchema.EntityContextSources, all.Take(pcfRows).Select(p => (object)new
            {
                processor_name = "PCF", analysis_date = d, entity_id = p, context_source = d == Stale ? "UPCG" : "Synthetic",
                run_id = "r1", published_at = DateTime.UtcNow,
            }));
            // PCF needs its upstream TDZA and PSZA rows on D, else the reason would be UpstreamMissing.
            if (d != Opener)
            {
                Db.Add(PrecomputeTables.Tdza, new { analysis_date = d, team_abbr = "AAA", processed_at = DateTime.UtcNow });
                Db.Add(PrecomputeTables.Psza, new { analysis_date = d, player_lookup = "aaa1", processed_at = DateTime.UtcNow });
            }
            if (d == OkByDesign) Failures(d, "INSUFFICIENT_DATA", all.Skip(9));
            if (d == Failure) Failures(d, "PROCESSING_ERROR", all.Skip(5));
            if (d == NotEligible) Failures(d, "INSUFFICIENT_DATA", all);
            if (d is var x && x != NeverRun && x != Opener && x != NoPgs)
                Ledger(d, d == Quarantined ? "Quarantined" : "Published", d == Stale ? "UPCG" : "Synthetic");
        }
        // The second game on NeverRun never reached the raw box scores (nor analytics).
        Game(NeverRun, "CCC", "DDD", 1, box: false, pgs: false);
        Db.Add(WarehouseSchema.UpcomingPlayerGameContext, new { player_lookup = "aaa1", game_id = $"{Stale:yyyyMMdd}_AAA_BBB", game_date = Stale });
    }

    private void Game(DateOnly d, string away, string home, int n, bool box, bool pgs)
    {
        Db.Add(WarehouseSchema.Schedule, new
        {
            game_id = NbaId(d, n), game_date = d, season_year = 2023L, game_status = 3L, home_team_tricode = home, away_team_tricode = away,
            is_regular_season = true, is_playoffs = false,
        });
        var std = $"{d:yyyyMMdd}_{away}_{home}";
        foreach (var (team, opp) in new[] { (away, home), (home, away) })
        {
            if (box)
                Db.AddMany(WarehouseSchema.PlayerBoxscores, Players(team).Select(p => (object)new
                    { game_id = std, game_date = d, season_year = 2023L, home_team_abbr = home, away_team_abbr = away, team_abbr = team, player_lookup = p, minutes = "20:00" }));
            if (!pgs) continue;
            Db.AddMany(WarehouseSchema.PlayerGameSummary, Players(team).Select(p => (object)new
            {
                player_lookup = p, game_id = std, game_date = d, team_abbr = team, opponent_team_abbr = opp, season_year = 2023L,
                minutes_played = 20.0, fg_attempts = 5L, is_active = true, points = 10L,
            }));
            Db.Add(WarehouseSchema.TeamDefenseGameSummary, new { game_id = std, game_date = d, defending_team_abbr = team, opponent_team_abbr = opp });
            Db.Add(WarehouseSchema.TeamOffenseGameSummary, new { game_id = std, game_date = d, team_abbr = team, opponent_team_abbr = opp });
        }
    }

    private void Failures(DateOnly d, string category, IEnumerable<string> players) =>
        Db.AddMany(WarehouseSchema.PrecomputeFailures, players.Select(p => (object)new
        {
            processor_name = "PCF", run_id = "r1", analysis_date = d, entity_id = p, failure_category = category,
            failure_reason = "test", can_retry = false,
        }));

    private void Ledger(DateOnly d, string status, string source) =>
        Db.Add(WarehouseSchema.BackfillPartitions, new
        {
            run_id = "r1", partition_date = d, processor = "PCF", status, source, pgs_players = 10L, upcg_rows = source == "UPCG" ? 1L : 0L,
            error_category = status == "Quarantined" ? "CoverageBelowThreshold" : null, message = "test",
            started_at = DateTime.UtcNow, finished_at = DateTime.UtcNow,
        });

    public void Dispose() => Db.Dispose();
}
