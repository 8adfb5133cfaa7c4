using BackfillTools.Core.Warehouse;
using static BackfillTools.Core.Warehouse.Col;

namespace BackfillTools.Core.Schema;

/// <summary>
/// Every table the product uses, declared once. The input tables are production's (Data/production-schema.json);
/// column names of the product's own tables follow the reference (processors spec §2 and appendix).
/// </summary>
public static class WarehouseSchema
{
    /// <summary>Prefix of the UPCG backups Clear-StaleUpcg makes in the tool dataset (older versions: in nba_backfill).</summary>
    public const string UpcgBackupPrefix = "upcg_backup_";

    // ---------- L1 raw and L3 analytics: the production tables, exactly ----------
    // Built from production-schema.json's base columns (names, NUMERIC(p,s) and other types, NOT NULL, partitioning,
    // clustering, require_partition_filter), so they cannot drift from production; ProductionDeclarationTests checks it.
    // The keys are the product's own: production declares none; informational on BigQuery, enforced on DuckDB.
    // nbac_schedule keeps the file's five clustering columns; the BigQuery table resource sends the first four
    // (BigQuery's limit), which is what a live table created from that DDL can have.

    public static readonly TableDef Schedule = Production("nba_raw.nbac_schedule", "game_id");

    /// <summary>The Raw (L1) layer: Ball Don't Lie box scores, long stat names, minutes as "MM:SS"/"MM" text.</summary>
    public static readonly TableDef PlayerBoxscores = Production(ProductionSchema.RawBoxscoresTable, "game_id", "player_lookup");

    public static readonly TableDef PlayerGameSummary = Production("nba_analytics.player_game_summary", "game_id", "player_lookup");

    public static readonly TableDef TeamDefenseGameSummary = Production("nba_analytics.team_defense_game_summary", "game_id", "defending_team_abbr");

    public static readonly TableDef TeamOffenseGameSummary = Production("nba_analytics.team_offense_game_summary", "game_id", "team_abbr");

    public static readonly TableDef UpcomingPlayerGameContext = Production("nba_analytics.upcoming_player_game_context", "game_date", "player_lookup");

    public static readonly TableDef UpcomingTeamGameContext = Production("nba_analytics.upcoming_team_game_context", "game_id", "team_abbr");

    /// <summary>A production table's base declaration with the product's key.</summary>
    private static TableDef Production(string fullName, params string[] key) =>
        ProductionSchema.Find(fullName).Base with { PrimaryKey = key };

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

    /// <summary>
    /// Which partitions (processor × date) an undo restored, written in the restoring transaction: a re-run of
    /// Undo-BackfillRun skips them, so it completes an interrupted undo and changes nothing after a complete one.
    /// <c>forced</c> records a partition restored although it had changed since the undone run (-Force).
    /// </summary>
    public static readonly TableDef UndoLog = new(DatasetNames.Tool, "undo_log",
        new[]
        {
            Str("undone_run_id", false), Str("undo_run_id", false), Str("processor", false), Date("partition_date", false),
            Int("rows_restored"), Int("rows_reinserted"), Int("rows_removed"), Bool("forced", false), Ts("undone_at", false),
        },
        new[] { "undone_run_id", "processor", "partition_date" }, "partition_date", new[] { "undone_run_id" });

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
    public static IReadOnlyList<TableDef> All => Inputs.Concat(PrecomputeTables.All).Concat(Operations).Concat(PublishArchiveTables.Everything).Append(UndoLog).ToList();

    /// <summary>The product's own tables (in <see cref="DatasetNames.Tool"/>): the only tables migrations create.</summary>
    public static IReadOnlyList<TableDef> ProductTables => All.Where(t => DatasetNames.IsProduct(t.Dataset)).ToList();

    /// <summary>The production tables the product reads and writes: checked on connect, created only for a new warehouse.</summary>
    public static IReadOnlyList<TableDef> ProductionTables => All.Where(t => !DatasetNames.IsProduct(t.Dataset)).ToList();

    public static TableDef Find(string fullName) =>
        All.FirstOrDefault(t => string.Equals(t.FullName, fullName, StringComparison.OrdinalIgnoreCase))
        ?? throw new KeyNotFoundException($"No declared table '{fullName}'.");
}
