using BackfillTools.Core.Warehouse;
using static BackfillTools.Core.Warehouse.Col;

namespace BackfillTools.Core.Schema;

/// <summary>
/// Every table the product uses, declared once. Column names follow the reference (processors spec §2 and appendix).
/// NUMERIC(p,s) columns are FLOAT64 here and rounded explicitly in SQL (the scale is kept for BigQuery's NUMERIC).
/// </summary>
public static class WarehouseSchema
{
    /// <summary>Prefix of the UPCG backups Clear-StaleUpcg makes in the tool dataset (older versions: in nba_backfill).</summary>
    public const string UpcgBackupPrefix = "upcg_backup_";

    // ---------- L1 raw ----------
    public static readonly TableDef Schedule = new("nba_raw", "nbac_schedule",
        new[]
        {
            Str("game_id", false), Date("game_date", false), Int("season_year", false), Int("game_status", false),
            Str("home_team_tricode"), Str("away_team_tricode"), Bool("is_regular_season"), Bool("is_playoffs"),
            Ts("processed_at"),
        },
        new[] { "game_id" }, "game_date", new[] { "season_year" });

    public static readonly TableDef PlayerBoxscores = new("nba_raw", "player_boxscores",
        new[]
        {
            Str("game_id", false), Str("nba_game_id"), Date("game_date", false), Int("season_year"),
            Str("team_abbr", false), Str("opponent_team_abbr"), Str("player_lookup", false), Str("player_name"),
            Str("player_status"), Bool("starter"), Num("minutes", 1), Int("points"), Int("fgm"), Int("fga"),
            Int("fg3m"), Int("fg3a"), Int("ftm"), Int("fta"), Int("oreb"), Int("dreb"), Int("ast"), Int("stl"),
            Int("blk"), Int("tov"), Int("pf"), Int("plus_minus"), Ts("processed_at"),
        },
        new[] { "game_id", "player_lookup" }, "game_date", new[] { "team_abbr" });

    // ---------- L3 analytics ----------
    public static readonly TableDef PlayerGameSummary = new("nba_analytics", "player_game_summary",
        new[]
        {
            Str("player_lookup", false), Str("universal_player_id"), Str("game_id", false), Date("game_date", false),
            Str("team_abbr", false), Str("opponent_team_abbr"), Int("season_year"), Int("points"), Num("minutes_played", 1),
            Int("fg_attempts"), Int("fg_makes"), Int("three_pt_attempts"), Int("three_pt_makes"), Int("ft_attempts"), Int("ft_makes"),
            Int("paint_attempts"), Int("paint_makes"), Int("mid_range_attempts"), Int("mid_range_makes"),
            Int("assisted_fg_makes"), Int("unassisted_fg_makes"), Num("usage_rate", 1), Num("ts_pct", 3),
            Bool("is_active"), Str("player_status"), Bool("is_dnp"), Bool("win_flag"), Ts("processed_at"), Str("data_hash"),
        },
        new[] { "game_id", "player_lookup" }, "game_date", new[] { "player_lookup", "team_abbr" });

    public static readonly TableDef TeamDefenseGameSummary = new("nba_analytics", "team_defense_game_summary",
        new[]
        {
            Str("game_id", false), Date("game_date", false), Str("defending_team_abbr", false), Str("opponent_team_abbr"),
            Int("season_year"), Int("points_allowed"), Int("opp_paint_attempts"), Int("opp_paint_makes"),
            Int("opp_mid_range_attempts"), Int("opp_mid_range_makes"), Int("opp_three_pt_attempts"), Int("opp_three_pt_makes"),
            Int("points_in_paint_allowed"), Int("mid_range_points_allowed"), Int("three_pt_points_allowed"),
            Int("blocks_paint"), Int("blocks_mid_range"), Int("blocks_three_pt"), Num("defensive_rating", 2),
            Num("opponent_pace", 1), Ts("processed_at"), Str("data_hash"),
        },
        new[] { "game_id", "defending_team_abbr" }, "game_date", new[] { "defending_team_abbr" });

    public static readonly TableDef TeamOffenseGameSummary = new("nba_analytics", "team_offense_game_summary",
        new[]
        {
            Str("game_id", false), Str("nba_game_id"), Date("game_date", false), Str("team_abbr", false), Str("opponent_team_abbr"),
            Int("season_year"), Int("points"), Int("fg_attempts"), Int("fg_makes"), Int("three_pt_attempts"), Int("three_pt_makes"),
            Int("ft_attempts"), Int("ft_makes"), Int("paint_attempts"), Int("paint_makes"), Int("mid_range_attempts"), Int("mid_range_makes"),
            Int("assisted_fg_makes"), Num("possessions", 1), Num("pace", 1), Num("offensive_rating", 2), Bool("win_flag"), Bool("home_game"),
            Ts("processed_at"), Str("data_hash"),
        },
        new[] { "game_id", "team_abbr" }, "game_date", new[] { "team_abbr" });

    public static readonly TableDef UpcomingPlayerGameContext = new("nba_analytics", "upcoming_player_game_context",
        new[]
        {
            Str("player_lookup", false), Str("universal_player_id"), Str("game_id", false), Date("game_date", false),
            Str("team_abbr"), Str("opponent_team_abbr"), Bool("home_game"), Bool("back_to_back"), Str("season_phase"),
            Int("days_rest"), Int("opponent_days_rest"), Int("games_in_last_7_days"), Int("games_in_last_14_days"),
            Int("minutes_in_last_7_days"), Int("minutes_in_last_14_days"), Num("avg_minutes_per_game_last_7", 1),
            Int("back_to_backs_last_14_days"), Int("fourth_quarter_minutes_last_7"), Num("avg_usage_rate_last_7_games", 1),
            Num("projected_usage_rate", 1), Int("star_teammates_out"), Num("pace_differential", 2), Num("opponent_pace_last_10", 1),
            Int("player_age"), Str("player_status"), Bool("has_prop_line"), Num("current_points_line", 1), Num("game_total", 1),
            Num("game_spread", 1), Bool("is_production_ready"), Ts("processed_at"), Str("data_hash"),
        },
        new[] { "game_date", "player_lookup" }, "game_date", new[] { "player_lookup" });

    public static readonly TableDef UpcomingTeamGameContext = new("nba_analytics", "upcoming_team_game_context",
        new[]
        {
            Str("team_abbr", false), Date("game_date", false), Str("game_id", false), Str("opponent_team_abbr"), Bool("home_game"),
            Num("game_total", 1), Num("game_spread", 1), Bool("is_production_ready"), Ts("processed_at"),
        },
        new[] { "game_id", "team_abbr" }, "game_date", new[] { "team_abbr" });

    // ---------- operations ----------
    /// <summary>
    /// Production's failure table, declared as production-schema.json declares it. The product writes it the
    /// reference's way: a processor's rows of the dates it publishes are replaced.
    /// </summary>
    public static readonly TableDef PrecomputeFailures = ProductionSchema.Find("nba_processing.precompute_failures").Base;

    /// <summary>Which player context a processor used for a date, and why (the reference's "defensive logging", persisted).</summary>
    public static readonly TableDef ContextSourceLog = new(DatasetNames.Tool, "context_source_log",
        new[]
        {
            Str("processor_name", false), Date("analysis_date", false), Str("source", false), Int("pgs_players"), Int("upcg_rows"),
            Str("reason"), Str("run_id"), Ts("decided_at"),
        },
        new[] { "processor_name", "analysis_date" }, "analysis_date");

    public static readonly TableDef BackfillRuns = new(DatasetNames.Tool, "backfill_runs",
        new[]
        {
            Str("run_id", false), Str("status", false), Ts("started_at", false), Ts("finished_at"), Str("parameters"), Str("plan"),
            Str("processors"), Date("start_date"), Date("end_date"), Int("partitions"), Int("published"), Int("quarantined"),
            Int("failed"), Int("skipped"), Int("cancelled"), Str("tool_version"), Str("host"), Int("pid"), Str("user_name"),
            Str("resumed_from"), Str("message"),
        },
        new[] { "run_id" }, null);

    /// <summary>
    /// Which run published which output table × date (production's output tables have no run column): one row per
    /// published (processor, date), written in the publish transaction. The latest row of a table × date names the run
    /// whose rows are there now.
    /// </summary>
    public static readonly TableDef PublishLineage = new(DatasetNames.Tool, "publish_lineage",
        new[]
        {
            Str("run_id", false), Str("processor", false), Str("table_name", false), Date("partition_date", false),
            Int("rows_published"), Ts("published_at", false),
        },
        new[] { "run_id", "processor", "partition_date" }, "partition_date", new[] { "processor", "run_id" });

    /// <summary>
    /// Per published PCF/PDC/MLFS row: the player context it was built from (UPCG, Synthetic, UPCG+roster) and the
    /// context's teams, which production's tables have no column for. Replaced with the processor's rows of a date.
    /// </summary>
    public static readonly TableDef EntityContextSources = new(DatasetNames.Tool, "entity_context_sources",
        new[]
        {
            Str("processor_name", false), Date("analysis_date", false), Str("entity_id", false), Str("context_source", false),
            Str("team_abbr"), Str("opponent_team_abbr"), Str("run_id", false), Ts("published_at", false),
        },
        new[] { "processor_name", "analysis_date", "entity_id" }, "analysis_date", new[] { "processor_name" });

    public static readonly TableDef BackfillPartitions = new(DatasetNames.Tool, "backfill_partitions",
        new[]
        {
            Str("run_id", false), Date("partition_date", false), Str("processor", false), Str("season"), Str("status", false),
            Str("action"), Int("expected"), Int("actual"), Int("accounted"), Num("coverage_pct", 2), Num("rows_pct", 2),
            Str("source"), Int("pgs_players"), Int("upcg_rows"), Int("rows_written"), Ts("started_at"), Ts("finished_at"),
            Int("duration_ms"), Str("error_category"), Str("message"),
        },
        new[] { "run_id", "partition_date", "processor" }, "partition_date", new[] { "run_id", "processor" });

    /// <summary>
    /// One row per BigQuery query job a run issued: bytes processed and billed and slot time (jobs.get statistics),
    /// attributed to the run and processor that its labels name. Sums per processor and run come from here.
    /// </summary>
    public static readonly TableDef BackfillJobs = new(DatasetNames.Tool, "backfill_jobs",
        new[]
        {
            Str("run_id", false), Str("processor"), Str("job_id", false), Str("kind"), Int("bytes_processed"), Int("bytes_billed"),
            Int("slot_ms"), Ts("finished_at"), Str("user_name"), Str("host"),
        },
        new[] { "run_id", "job_id" }, null, new[] { "run_id", "processor" });

    /// <summary>
    /// The warehouse-side backfill lock (BigQuery has no file to lock): one always-present row per lock name, taken by an
    /// UPDATE that only matches while run_id is NULL. BigQuery runs mutating DML on one table one at a time, so two
    /// takers cannot both match; a plain INSERT-if-absent could, because concurrent INSERTs never conflict.
    /// run_token (random per run), process_started_at and pid_namespace (schema version 3) tell holders apart where
    /// host and pid do not (a resumed run id, a reused pid, containers sharing a host name); see WarehouseLock.
    /// </summary>
    public static readonly TableDef BackfillLock = new(DatasetNames.Tool, "backfill_lock",
        new[]
        {
            Str("lock_name", false), Str("run_id"), Str("host"), Int("pid"), Ts("started_at"), Ts("heartbeat_at"),
            Str("run_token"), Ts("process_started_at"), Str("pid_namespace"),
        },
        new[] { "lock_name" }, null);

    /// <summary>
    /// Scheduled games whose Phase 3 rows can never be filled, waived by an operator (who, when, why). The upstream
    /// completeness check skips a waived game; everything else about its date is still checked.
    /// </summary>
    public static readonly TableDef BackfillWaivers = new(DatasetNames.Tool, "backfill_waivers",
        new[] { Str("game_id", false), Date("game_date"), Str("reason", false), Str("waived_by"), Ts("waived_at", false), Str("host") },
        new[] { "game_id" }, null);

    public static readonly TableDef SchemaVersion = new(DatasetNames.Tool, "schema_version",
        new[] { Int("version", false), Ts("applied_at", false), Str("tool_version"), Str("description") },
        new[] { "version" }, null);

    /// <summary>
    /// How this warehouse came to be, one row: origin 'created' (New-BackfillWarehouse made the file, so Remove may
    /// delete it) or 'connected' (the product was pointed at a file that already held tables; Remove drops only
    /// <see cref="DatasetNames.Product"/>).
    /// </summary>
    public static readonly TableDef WarehouseOrigin = new(DatasetNames.Tool, "warehouse_origin",
        new[] { Str("origin", false), Ts("recorded_at", false), Str("tool_version"), Str("recorded_by") },
        new[] { "origin" }, null);


    public static IReadOnlyList<TableDef> Inputs { get; } = new[]
    {
        Schedule, PlayerBoxscores, PlayerGameSummary, TeamDefenseGameSummary, TeamOffenseGameSummary,
        UpcomingPlayerGameContext, UpcomingTeamGameContext,
    };

    public static IReadOnlyList<TableDef> Operations { get; } = new[]
    {
        PrecomputeFailures, ContextSourceLog, BackfillRuns, BackfillPartitions, BackfillLock, BackfillWaivers, SchemaVersion, WarehouseOrigin, BackfillJobs,
        PublishLineage, EntityContextSources,
    };

    /// <summary>Every table, inputs first; precompute outputs come from <see cref="PrecomputeTables"/>.</summary>
    public static IReadOnlyList<TableDef> All => Inputs.Concat(PrecomputeTables.All).Concat(Operations).ToList();

    /// <summary>The product's own tables (in <see cref="DatasetNames.Tool"/>): the only tables migrations create.</summary>
    public static IReadOnlyList<TableDef> ProductTables => All.Where(t => DatasetNames.IsProduct(t.Dataset)).ToList();

    /// <summary>The production tables the product reads and writes: checked on connect, created only for a new warehouse.</summary>
    public static IReadOnlyList<TableDef> ProductionTables => All.Where(t => !DatasetNames.IsProduct(t.Dataset)).ToList();

    public static TableDef Find(string fullName) =>
        All.FirstOrDefault(t => string.Equals(t.FullName, fullName, StringComparison.OrdinalIgnoreCase))
        ?? throw new KeyNotFoundException($"No declared table '{fullName}'.");
}
