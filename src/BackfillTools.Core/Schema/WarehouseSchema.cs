using BackfillTools.Core.Warehouse;
using static BackfillTools.Core.Warehouse.Col;

namespace BackfillTools.Core.Schema;

/// <summary>
/// Every table the product uses, declared once. The input tables are production's (Data/production-schema.json);
/// column names of the product's own tables follow the reference (processors spec §2 and appendix).
/// </summary>
public static class WarehouseSchema
{
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
    public static readonly TableDef PrecomputeFailures = new("nba_processing", "precompute_failures",
        new[]
        {
            Str("processor_name", false), Str("run_id", false), Date("analysis_date", false), Str("entity_id", false),
            Str("failure_category", false), Str("failure_reason", false), Bool("can_retry", false), Str("failure_type"),
            Int("expected_game_count"), Int("actual_game_count"), Str("resolution_status"), Ts("created_at"),
        },
        new[] { "processor_name", "analysis_date", "entity_id" }, "analysis_date", new[] { "processor_name", "failure_category", "can_retry" });

    /// <summary>Which player context a processor used for a date, and why (the reference's "defensive logging", persisted).</summary>
    public static readonly TableDef ContextSourceLog = new("nba_processing", "context_source_log",
        new[]
        {
            Str("processor_name", false), Date("analysis_date", false), Str("source", false), Int("pgs_players"), Int("upcg_rows"),
            Str("reason"), Str("run_id"), Ts("decided_at"),
        },
        new[] { "processor_name", "analysis_date" }, "analysis_date");

    public static readonly TableDef BackfillRuns = new("nba_backfill", "backfill_runs",
        new[]
        {
            Str("run_id", false), Str("status", false), Ts("started_at", false), Ts("finished_at"), Str("parameters"), Str("plan"),
            Str("processors"), Date("start_date"), Date("end_date"), Int("partitions"), Int("published"), Int("quarantined"),
            Int("failed"), Int("skipped"), Int("cancelled"), Str("tool_version"), Str("host"), Int("pid"), Str("user_name"),
            Str("resumed_from"), Str("message"),
        },
        new[] { "run_id" }, null);

    public static readonly TableDef BackfillPartitions = new("nba_backfill", "backfill_partitions",
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
    public static readonly TableDef BackfillJobs = new("nba_backfill", "backfill_jobs",
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
    public static readonly TableDef BackfillLock = new("nba_backfill", "backfill_lock",
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
    public static readonly TableDef BackfillWaivers = new("nba_backfill", "backfill_waivers",
        new[] { Str("game_id", false), Date("game_date"), Str("reason", false), Str("waived_by"), Ts("waived_at", false), Str("host") },
        new[] { "game_id" }, null);

    public static readonly TableDef SchemaVersion = new("nba_backfill", "schema_version",
        new[] { Int("version", false), Ts("applied_at", false), Str("tool_version"), Str("description") },
        new[] { "version" }, null);

    /// <summary>
    /// How this warehouse came to be, one row: origin 'created' (New-BackfillWarehouse made the file, so Remove may
    /// delete it) or 'connected' (the product was pointed at a file that already held tables; Remove drops only
    /// <see cref="ProductDatasets"/> and <see cref="ProductTablesInSharedDatasets"/>).
    /// </summary>
    public static readonly TableDef WarehouseOrigin = new("nba_backfill", "warehouse_origin",
        new[] { Str("origin", false), Ts("recorded_at", false), Str("tool_version"), Str("recorded_by") },
        new[] { "origin" }, null);

    /// <summary>
    /// The datasets that are wholly the product's (ledger, lock, schema version, origin, UPCG backups; staging;
    /// quarantine): what Remove-BackfillWarehouse drops from a file it only connected to. The single definition of
    /// "the product's own data"; the raw, analytics, precompute and processing datasets belong to the warehouse.
    /// </summary>
    public static IReadOnlyList<string> ProductDatasets { get; } = new[] { BackfillRuns.Dataset, Backfill.BackfillRunner.StagingDataset, Backfill.BackfillRunner.QuarantineDataset };

    /// <summary>The product's own tables inside datasets it shares with the warehouse (the persisted context-source log).</summary>
    public static IReadOnlyList<TableDef> ProductTablesInSharedDatasets { get; } = new[] { ContextSourceLog };

    public static IReadOnlyList<TableDef> Inputs { get; } = new[]
    {
        Schedule, PlayerBoxscores, PlayerGameSummary, TeamDefenseGameSummary, TeamOffenseGameSummary,
        UpcomingPlayerGameContext, UpcomingTeamGameContext,
    };

    public static IReadOnlyList<TableDef> Operations { get; } = new[]
    {
        PrecomputeFailures, ContextSourceLog, BackfillRuns, BackfillPartitions, BackfillLock, BackfillWaivers, SchemaVersion, WarehouseOrigin, BackfillJobs,
    };

    /// <summary>Every table, inputs first; precompute outputs come from <see cref="PrecomputeTables"/>.</summary>
    public static IReadOnlyList<TableDef> All => Inputs.Concat(PrecomputeTables.All).Concat(Operations).ToList();

    public static TableDef Find(string fullName) =>
        All.FirstOrDefault(t => string.Equals(t.FullName, fullName, StringComparison.OrdinalIgnoreCase))
        ?? throw new KeyNotFoundException($"No declared table '{fullName}'.");
}
