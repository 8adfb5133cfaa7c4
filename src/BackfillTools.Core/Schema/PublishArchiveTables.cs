using BackfillTools.Core.Warehouse;
using static BackfillTools.Core.Warehouse.Col;

namespace BackfillTools.Core.Schema;

/// <summary>
/// The publish archive (Undo-BackfillRun): per production table the product publishes to, a table in the tool dataset
/// with the production table's own columns (all nullable; those production migrations add included) plus who replaced what. Each publish writes, in its
/// transaction, the prior state of its scope: owned columns of keys it updated and whole rows of keys it deleted there,
/// and the keys it inserted in the one narrow <see cref="InsertedKeys"/> table (schema migration 12; a key is a date and
/// an entity, so a fresh backfill no longer writes a row of the wide table, 305 columns for MLFS, per row it publishes). The table's own column types (not JSON) are what lets an undo restore NUMERIC(p,s), arrays, structs
/// and timestamps byte for byte on DuckDB and BigQuery alike: values are copied column to column, never re-parsed.
/// </summary>
public static class PublishArchiveTables
{
    /// <summary>The run whose publish replaced the archived state (the run an undo takes back).</summary>
    public const string RunColumn = "archive_run_id";

    /// <summary>What the publish did to the key: <see cref="Updated"/>, <see cref="Deleted"/> or <see cref="Inserted"/>.</summary>
    public const string ChangeColumn = "archive_change";

    public const string ArchivedAtColumn = "archived_at";

    /// <summary>
    /// The data_hash and write stamp (processed_at; updated_at or created_at where the product owns no processed_at) the
    /// replacing run wrote, NULL where it writes none: how an undo sees that rows changed since.
    /// </summary>
    public const string WrittenHashColumn = "written_data_hash";
    public const string WrittenProcessedAtColumn = "written_processed_at";

    public const string Updated = "updated", Deleted = "deleted", Inserted = "inserted";

    public const string Prefix = "archive_";

    /// <summary>
    /// The archive of one table: its declared columns and those a later production migration adds to it
    /// (<see cref="MigrationColumnsOf"/>), so a deleted row comes back whole wherever production has them.
    /// </summary>
    public static TableDef For(TableDef production) => new(DatasetNames.Tool, Prefix + production.Name,
        production.Columns.Concat(MigrationColumnsOf(production)).Select(c => c with { Nullable = true })
            .Concat(new[] { Str(RunColumn, false), Str(ChangeColumn, false), Ts(ArchivedAtColumn, false), Str(WrittenHashColumn), Ts(WrittenProcessedAtColumn) })
            .ToList(),
        Array.Empty<string>(), production.PartitionColumn, new[] { RunColumn });

    /// <summary>
    /// The columns production-schema.json says a later production migration adds to <paramref name="table"/>
    /// (<c>added_by_migrations</c>): production may or may not have them; none for the product's own tables.
    /// </summary>
    public static IReadOnlyList<ColumnDef> MigrationColumnsOf(TableDef table) =>
        ProductionSchema.Tables.FirstOrDefault(t => string.Equals(t.FullName, table.FullName, StringComparison.OrdinalIgnoreCase))?.MigrationColumns
        ?? (IReadOnlyList<ColumnDef>)Array.Empty<ColumnDef>();

    /// <summary>
    /// Schema migration 11: archives created before it gain the migration columns of their table (only the tool
    /// dataset is altered; the production tables stay as they are).
    /// </summary>
    public static IEnumerable<string> AddMigrationColumnsSql(TableDef production) =>
        MigrationColumnsOf(production).Select(c => $"ALTER TABLE {For(production).Placeholder} ADD COLUMN IF NOT EXISTS {c.Name} {c.FullType}");

    /// <summary>The archive columns that are the table's, declared and migration-added alike (what a restore may copy back).</summary>
    public static IEnumerable<string> DataColumns(TableDef archive) =>
        archive.ColumnNames.Where(c => c is not (RunColumn or ChangeColumn or ArchivedAtColumn or WrittenHashColumn or WrittenProcessedAtColumn));

    /// <summary>The production tables a publish archives: the five outputs and precompute_failures.</summary>
    public static IReadOnlyList<TableDef> ArchivedTables => PrecomputeTables.All.Append(WarehouseSchema.PrecomputeFailures).ToList();

    /// <summary>Their wide archives.</summary>
    public static IReadOnlyList<TableDef> All => ArchivedTables.Select(For).ToList();

    /// <summary>
    /// The archives of the product's context logs (context_source_log, entity_context_sources; schema migration 11): a
    /// publish replaces a processor's rows of its dates whole, so it keeps them whole (<see cref="Deleted"/>), plus one
    /// <see cref="Inserted"/> row per processor × date it published in the context_source_log archive, which tells an
    /// undo that the logs of that date are the run's to put back (publishes before migration 11 left none, so an undo
    /// of them leaves the logs as they are).
    /// </summary>
    public static IReadOnlyList<TableDef> ContextLogs => new[] { WarehouseSchema.ContextSourceLog, WarehouseSchema.EntityContextSources }.Select(For).ToList();

    public const string InsertedTableColumn = "archived_table", InsertedScopeColumn = "archived_scope",
        InsertedDateColumn = "partition_date", InsertedEntityColumn = "entity";

    /// <summary>
    /// The keys publishes inserted, for every production table (schema migration 12): the table, the owner's row scope
    /// (its markers, e.g. <c>processor_name=PSZA</c>; empty without), the key (date and entity), and what the run wrote.
    /// An undo deletes them; the wide archives hold only the updated and deleted keys of later publishes (and the
    /// inserted keys of publishes before migration 12, which an undo reads there too).
    /// </summary>
    public static readonly TableDef InsertedKeys = new(DatasetNames.Tool, Prefix + "inserted_keys",
        new[]
        {
            Str(InsertedTableColumn, false), Str(InsertedScopeColumn, false), Date(InsertedDateColumn, false), Str(InsertedEntityColumn),
            Str(RunColumn, false), Ts(ArchivedAtColumn, false), Str(WrittenHashColumn), Ts(WrittenProcessedAtColumn),
        },
        Array.Empty<string>(), InsertedDateColumn, new[] { RunColumn, InsertedTableColumn });

    /// <summary>Every archive retention prunes: the production tables', the inserted keys and the context logs'.</summary>
    public static IReadOnlyList<TableDef> Everything => All.Append(InsertedKeys).Concat(ContextLogs).ToList();
}
