using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using static BackfillTools.Core.Backfill.ScopedPublisher;
using A = BackfillTools.Core.Schema.PublishArchiveTables;

namespace BackfillTools.Core.Backfill;

/// <summary>
/// The state a publish replaced (<see cref="PublishArchiveTables"/>), written in the publish transaction, and the
/// statements that put it back (<see cref="UndoService"/>). Keys are matched exactly as the publish matches them
/// (<see cref="ScopedPublisher.KeyMatch"/>), and only the scope the product owns is read or written.
/// </summary>
internal static class PublishArchive
{
    /// <summary>
    /// Archive the scope a publish is about to replace: owned columns of the keys it updates and whole rows of the keys
    /// it deletes (the table's wide archive), and the keys it inserts (the narrow <see cref="PublishArchiveTables.InsertedKeys"/>).
    /// Each row carries what the run writes (data_hash, processed_at), so an undo can tell whether the partition has changed since.
    /// </summary>
    internal static IReadOnlyList<SqlStatement> ArchiveStatements(TableOwnership owned, TableDef staged, DateList dates, string runId, DateTime archivedAt,
        IReadOnlyCollection<string> migrationColumns)
    {
        var archive = A.For(owned.Table);
        var target = owned.Table.Placeholder;
        var p = Parameters(owned, ("archive_run_id", runId), ("archived_at", archivedAt));
        var tail = $"{A.RunColumn}, {A.ChangeColumn}, {A.ArchivedAtColumn}, {A.WrittenHashColumn}, {A.WrittenProcessedAtColumn}";
        string Written(string alias) => $"{WrittenValue(owned, alias, "data_hash")}, {WrittenValue(owned, alias, WriteStampColumn(owned))}";
        var identifying = owned.Key.Concat(owned.Markers.Select(m => m.Column)).ToList();
        var kept = identifying.Concat(owned.OwnedColumns).ToList();
        var whole = WholeRow(owned.Table, migrationColumns);
        var stagedKey = $"SELECT 1 FROM {staged.Placeholder} AS s WHERE {StagedInScope(owned, "s", dates)} AND {KeyMatch(owned, "t", "s")}";
        return new SqlStatement[]
        {
            new($"INSERT INTO {archive.Placeholder} ({string.Join(", ", kept)}, {tail}) " +
                $"SELECT {string.Join(", ", kept.Select(c => "t." + c))}, @archive_run_id, '{A.Updated}', @archived_at, {Written("s")} " +
                $"FROM {target} AS t, {OnePerKey(owned, staged, dates)} AS s WHERE {InScope(owned, "t", dates)} AND {KeyMatch(owned, "t", "s")}", p),
            new($"INSERT INTO {archive.Placeholder} ({string.Join(", ", whole)}, {tail}) " +
                $"SELECT {string.Join(", ", whole.Select(c => "t." + c))}, @archive_run_id, '{A.Deleted}', @archived_at, NULL, NULL " +
                $"FROM {target} AS t WHERE {InScope(owned, "t", dates)} AND NOT EXISTS ({stagedKey})", p),
            new($"INSERT INTO {A.InsertedKeys.Placeholder} ({A.InsertedTableColumn}, {A.InsertedScopeColumn}, {A.InsertedDateColumn}, {A.InsertedEntityColumn}, " +
                $"{A.RunColumn}, {A.ArchivedAtColumn}, {A.WrittenHashColumn}, {A.WrittenProcessedAtColumn}) " +
                $"SELECT @archived_table, @archived_scope, s.{owned.DateColumn}, s.{owned.EntityColumn}, @archive_run_id, @archived_at, {Written("s")} " +
                $"FROM {OnePerKey(owned, staged, dates)} AS s WHERE NOT EXISTS (SELECT 1 FROM {target} AS t WHERE {InScope(owned, "t", dates)} AND {KeyMatch(owned, "t", "s")})",
                InsertedKeyParameters(owned, ("archive_run_id", runId), ("archived_at", archivedAt))),
        };
    }

    /// <summary>The owner's row scope as the inserted-key archive records it: its markers ("processor_name=PSZA"), empty without.</summary>
    internal static string ArchiveScope(TableOwnership owned) => string.Join(",", owned.Markers.Select(m => $"{m.Column}={m.Value}"));

    /// <summary>
    /// The keys <c>@undone_run_id</c> inserted in the owner's scope on <paramref name="dates"/>, named as the table's key
    /// columns (so <see cref="ScopedPublisher.KeyMatch"/> applies), with what the run wrote: the narrow archive's rows,
    /// and those publishes before schema migration 12 left in the wide archive.
    /// </summary>
    private static string InsertedKeysOf(TableOwnership owned, DateList dates)
    {
        var entity = owned.EntityColumn;
        return $"(SELECT w.{owned.DateColumn}, w.{entity}, w.{A.WrittenHashColumn}, w.{A.WrittenProcessedAtColumn} FROM {A.For(owned.Table).Placeholder} AS w " +
               $"WHERE w.{A.RunColumn} = @undone_run_id AND w.{A.ChangeColumn} = '{A.Inserted}' AND {InScope(owned, "w", dates)} " +
               $"UNION ALL SELECT k.{A.InsertedDateColumn} AS {owned.DateColumn}, k.{A.InsertedEntityColumn} AS {entity}, k.{A.WrittenHashColumn}, k.{A.WrittenProcessedAtColumn} " +
               $"FROM {A.InsertedKeys.Placeholder} AS k WHERE k.{A.InsertedDateColumn} IN {dates.List} AND k.{A.RunColumn} = @undone_run_id " +
               $"AND k.{A.InsertedTableColumn} = @archived_table AND k.{A.InsertedScopeColumn} = @archived_scope)";
    }

    /// <summary>
    /// The rows of the table's wide archive that <c>@undone_run_id</c> archived as <paramref name="change"/> in the owner's
    /// scope on <paramref name="dates"/> (its markers too: precompute_failures holds every processor's rows).
    /// </summary>
    private static string ArchivedOf(TableOwnership owned, DateList dates, string change) =>
        $"(SELECT * FROM {A.For(owned.Table).Placeholder} AS w WHERE w.{A.RunColumn} = @undone_run_id AND w.{A.ChangeColumn} = '{change}' AND {InScope(owned, "w", dates)})";

    /// <summary>
    /// The columns of a whole row of <paramref name="table"/>: its declared ones, then those of its migration columns
    /// the real table has (<paramref name="migrationColumns"/>, from <see cref="MigrationColumnsIn"/>).
    /// </summary>
    private static List<string> WholeRow(TableDef table, IReadOnlyCollection<string> migrationColumns) =>
        table.ColumnNames.Concat(A.MigrationColumnsOf(table).Select(c => c.Name).Where(c => migrationColumns.Contains(c, StringComparer.OrdinalIgnoreCase))).ToList();

    /// <summary>
    /// Which of <paramref name="table"/>'s migration columns (<see cref="PublishArchiveTables.MigrationColumnsOf"/>) the
    /// warehouse's table has: a deleted row is archived and restored with them. No lookup for a table that has none.
    /// </summary>
    internal static IReadOnlyList<string> MigrationColumnsIn(IWarehouse w, TableDef table)
    {
        var declared = A.MigrationColumnsOf(table);
        if (declared.Count == 0) return Array.Empty<string>();
        var live = (w.TableColumns(table.Dataset, table.Name) ?? Array.Empty<ColumnDef>()).Select(c => c.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return declared.Select(c => c.Name).Where(live.Contains).ToList();
    }

    /// <summary>The column the run writes, as the archive records it (NULL when the table has no such owned column).</summary>
    private static string WrittenValue(TableOwnership owned, string alias, string? column) =>
        column is not null && owned.OwnedColumns.Contains(column, StringComparer.OrdinalIgnoreCase) ? $"{alias}.{column}" : "NULL";

    /// <summary>
    /// The owned column that stamps when a row was written: the first of <see cref="BackfillRules.WriteStampColumns"/> the
    /// product owns in the table. With data_hash it tells an undo whether a row changed since.
    /// </summary>
    internal static string? WriteStampColumn(TableOwnership owned) =>
        BackfillRules.WriteStampColumns.FirstOrDefault(c => owned.OwnedColumns.Contains(c, StringComparer.OrdinalIgnoreCase));

    /// <summary>
    /// Put back what <paramref name="undoneRunId"/> replaced on <paramref name="dates"/>: keys it inserted are deleted,
    /// keys it updated get their archived owned columns back, and rows it deleted come back whole. Nothing but the
    /// owned columns of the scope is written.
    /// </summary>
    internal static IReadOnlyList<SqlStatement> RestoreStatements(TableOwnership owned, DateList dates, string undoneRunId, IReadOnlyCollection<string> migrationColumns)
    {
        var target = owned.Table.Placeholder;
        var p = Parameters(owned, ("undone_run_id", undoneRunId));
        string Archived(string change) => ArchivedOf(owned, dates, change);
        var whole = WholeRow(owned.Table, migrationColumns);
        var list = new List<SqlStatement>
        {
            new($"DELETE FROM {target} AS t WHERE {InScope(owned, "t", dates)} AND EXISTS (SELECT 1 FROM {InsertedKeysOf(owned, dates)} AS a WHERE {KeyMatch(owned, "t", "a")})",
                UndoParameters(owned, undoneRunId)),
        };
        if (owned.OwnedColumns.Count > 0)
            list.Add(new($"UPDATE {target} AS t SET {string.Join(", ", owned.OwnedColumns.Select(c => $"{c} = a.{c}"))} " +
                         $"FROM {Archived(A.Updated)} AS a WHERE {InScope(owned, "t", dates)} AND {KeyMatch(owned, "t", "a")}", p)
                { UpdatesScalarsByKey = owned.OwnsScalarsOnly });
        list.Add(new($"INSERT INTO {target} ({string.Join(", ", whole)}) SELECT {string.Join(", ", whole.Select(c => "a." + c))} FROM {Archived(A.Deleted)} AS a " +
                     $"WHERE NOT EXISTS (SELECT 1 FROM {target} AS t WHERE {InScope(owned, "t", dates)} AND {KeyMatch(owned, "t", "a")})", p));
        return list;
    }

    /// <summary>
    /// Archive the product's context logs a publish of <paramref name="def"/> is about to replace on <paramref name="dates"/>:
    /// their rows of the processor's dates, whole, and per date published (from <paramref name="results"/>) the marker
    /// that the run wrote that date's logs (<see cref="PublishArchiveTables.ContextLogs"/>).
    /// </summary>
    internal static IReadOnlyList<SqlStatement> ContextArchiveStatements(ProcessorDefinition def, TableDef results, DateList dates, string runId, DateTime archivedAt)
    {
        var p = WarehouseExtensions.Params(("processor", def.Name.ToString()), ("archive_run_id", runId), ("archived_at", archivedAt));
        var tail = $"{A.RunColumn}, {A.ChangeColumn}, {A.ArchivedAtColumn}";
        var list = ContextLogsOf(def).Select(log =>
        {
            var cols = string.Join(", ", log.ColumnNames);
            return new SqlStatement($"INSERT INTO {A.For(log).Placeholder} ({cols}, {tail}) SELECT {cols}, @archive_run_id, '{A.Deleted}', @archived_at " +
                                    $"FROM {log.Placeholder} WHERE processor_name = @processor AND analysis_date IN {dates.List}", p);
        }).ToList();
        list.Add(new($"INSERT INTO {A.For(WarehouseSchema.ContextSourceLog).Placeholder} (processor_name, analysis_date, {tail}) " +
                     $"SELECT @processor, partition_date, @archive_run_id, '{A.Inserted}', @archived_at FROM {results.Placeholder} " +
                     $"WHERE status = '{nameof(PartitionStatus.Published)}' AND partition_date IN {dates.List}", p));
        return list;
    }

    /// <summary>
    /// Put back the context logs <paramref name="undoneRunId"/> replaced on the dates of <paramref name="dates"/> whose
    /// logs it archived: the processor's rows there are replaced by the archived ones (none for a first-time publish).
    /// </summary>
    internal static IReadOnlyList<SqlStatement> ContextRestoreStatements(ProcessorDefinition def, DateList dates, string undoneRunId)
    {
        var p = WarehouseExtensions.Params(("processor", def.Name.ToString()), ("undone_run_id", undoneRunId));
        var archivedDates = $"(SELECT analysis_date FROM {A.For(WarehouseSchema.ContextSourceLog).Placeholder} WHERE {A.RunColumn} = @undone_run_id " +
                            $"AND {A.ChangeColumn} = '{A.Inserted}' AND processor_name = @processor AND analysis_date IN {dates.List})";
        var list = new List<SqlStatement>();
        foreach (var log in ContextLogsOf(def))
        {
            var cols = string.Join(", ", log.ColumnNames);
            list.Add(new($"DELETE FROM {log.Placeholder} WHERE processor_name = @processor AND analysis_date IN {dates.List} AND analysis_date IN {archivedDates}", p));
            list.Add(new($"INSERT INTO {log.Placeholder} ({cols}) SELECT {cols} FROM {A.For(log).Placeholder} WHERE {A.RunColumn} = @undone_run_id " +
                         $"AND {A.ChangeColumn} = '{A.Deleted}' AND processor_name = @processor AND analysis_date IN {dates.List} AND analysis_date IN {archivedDates}", p));
        }
        return list;
    }

    /// <summary>The context logs a processor's publish writes: context_source_log always, entity_context_sources for player-context processors.</summary>
    private static IEnumerable<TableDef> ContextLogsOf(ProcessorDefinition def) =>
        def.ContextColumns.Count > 0 ? new[] { WarehouseSchema.ContextSourceLog, WarehouseSchema.EntityContextSources } : new[] { WarehouseSchema.ContextSourceLog };

    /// <summary>Per date: how many keys the run updated, deleted and inserted (what an undo restores, re-inserts and removes).</summary>
    internal static SqlStatement CountsStatement(TableOwnership owned, DateList dates, string undoneRunId) =>
        new($@"SELECT partition_date, SUM(updated) AS updated, SUM(deleted) AS deleted, SUM(inserted) AS inserted FROM (
  SELECT w.{owned.DateColumn} AS partition_date, COUNTIF(w.{A.ChangeColumn} = '{A.Updated}') AS updated, COUNTIF(w.{A.ChangeColumn} = '{A.Deleted}') AS deleted, 0 AS inserted
  FROM {A.For(owned.Table).Placeholder} AS w WHERE w.{A.RunColumn} = @undone_run_id AND w.{A.ChangeColumn} IN ('{A.Updated}', '{A.Deleted}') AND {InScope(owned, "w", dates)} GROUP BY w.{owned.DateColumn}
  UNION ALL
  SELECT i.{owned.DateColumn} AS partition_date, 0 AS updated, 0 AS deleted, COUNT(*) AS inserted FROM {InsertedKeysOf(owned, dates)} AS i GROUP BY i.{owned.DateColumn}
) AS c GROUP BY partition_date", UndoParameters(owned, undoneRunId));

    /// <summary>
    /// Per date, rows of the scope that are no longer what the run left: a key it wrote that is gone or whose data_hash
    /// or write stamp (<see cref="WriteStampColumn"/>) differ from what it wrote, a key it deleted that is back, or a key it never wrote.
    /// </summary>
    internal static SqlStatement ChangedRowsStatement(TableOwnership owned, DateList dates, string undoneRunId)
    {
        var same = string.Concat(new[] { ("data_hash", A.WrittenHashColumn), (WriteStampColumn(owned), A.WrittenProcessedAtColumn) }
            .Where(c => c.Item1 is not null && owned.OwnedColumns.Contains(c.Item1, StringComparer.OrdinalIgnoreCase))
            .Select(c => $" AND t.{c.Item1} IS NOT DISTINCT FROM a.{c.Item2}"));
        // The keys the run wrote, with what it wrote: those it updated (wide archive) and those it inserted.
        var written = $"(SELECT {owned.DateColumn}, {owned.EntityColumn}, {A.WrittenHashColumn}, {A.WrittenProcessedAtColumn} FROM {ArchivedOf(owned, dates, A.Updated)} AS u " +
                      $"UNION ALL SELECT * FROM {InsertedKeysOf(owned, dates)} AS i)";
        return new($@"SELECT partition_date, COUNT(*) AS changed FROM (
  SELECT a.{owned.DateColumn} AS partition_date FROM {written} AS a
    WHERE NOT EXISTS (SELECT 1 FROM {owned.Table.Placeholder} AS t WHERE {InScope(owned, "t", dates)} AND {KeyMatch(owned, "t", "a")}{same})
  UNION ALL
  SELECT a.{owned.DateColumn} AS partition_date FROM {ArchivedOf(owned, dates, A.Deleted)} AS a
    WHERE EXISTS (SELECT 1 FROM {owned.Table.Placeholder} AS t WHERE {InScope(owned, "t", dates)} AND {KeyMatch(owned, "t", "a")})
  UNION ALL
  SELECT t.{owned.DateColumn} AS partition_date FROM {owned.Table.Placeholder} AS t WHERE {InScope(owned, "t", dates)}
    AND NOT EXISTS (SELECT 1 FROM {written} AS a WHERE {KeyMatch(owned, "t", "a")})
) AS c GROUP BY partition_date", UndoParameters(owned, undoneRunId));
    }

    /// <summary>
    /// Retention: per table × date the newest <paramref name="keepVersions"/> versions (replacing runs) stay; older ones
    /// go once archived before <paramref name="cutoff"/>. A production table's versions are its runs in its wide archive
    /// and in <see cref="PublishArchiveTables.InsertedKeys"/> together, so a run's archive of a date is kept or pruned
    /// whole: with <paramref name="production"/>, <paramref name="archive"/> is its wide archive or the inserted keys
    /// (its rows only); without, a context log's archive.
    /// </summary>
    internal static SqlStatement PruneStatement(TableDef archive, int keepVersions, DateTime cutoff, TableDef? production = null)
    {
        var p = WarehouseExtensions.Params(("cutoff", cutoff), ("keep", (long)keepVersions));
        var wide = production is null ? archive : A.For(production);
        var runs = $"SELECT {wide.PartitionColumn} AS partition_date, {A.RunColumn} AS run_id, {A.ArchivedAtColumn} AS archived FROM {wide.Placeholder}";
        var only = "";
        if (production is not null)
        {
            p["archived_table"] = production.FullName;
            runs += $" UNION ALL SELECT {A.InsertedDateColumn}, {A.RunColumn}, {A.ArchivedAtColumn} FROM {A.InsertedKeys.Placeholder} WHERE {A.InsertedTableColumn} = @archived_table";
            if (archive == A.InsertedKeys) only = $"x.{A.InsertedTableColumn} = @archived_table AND ";
        }
        return new($@"DELETE FROM {archive.Placeholder} AS x WHERE {only}x.{A.ArchivedAtColumn} < @cutoff AND EXISTS (
  SELECT 1 FROM (
    SELECT v.partition_date, v.run_id, ROW_NUMBER() OVER (PARTITION BY v.partition_date ORDER BY v.archived DESC, v.run_id DESC) AS version
    FROM (SELECT partition_date, run_id, MAX(archived) AS archived FROM ({runs}) AS u GROUP BY partition_date, run_id) AS v
  ) AS r WHERE r.version > @keep AND r.partition_date = x.{archive.PartitionColumn} AND r.run_id = x.{A.RunColumn})", p);
    }

    /// <summary>Every prune: per archived production table its wide archive and its inserted keys, then each context log's archive.</summary>
    private static IEnumerable<SqlStatement> PruneStatements(int keepVersions, DateTime cutoff) =>
        A.ArchivedTables.SelectMany(t => new[] { PruneStatement(A.For(t), keepVersions, cutoff, t), PruneStatement(A.InsertedKeys, keepVersions, cutoff, t) })
            .Concat(A.ContextLogs.Select(log => PruneStatement(log, keepVersions, cutoff)));

    /// <summary>Prune every archive (at the start of each run); returns the rows removed.</summary>
    public static long Prune(IWarehouse w, int keepVersions, int keepDays, DateTime now, CancellationToken ct = default)
    {
        if (keepVersions < 0 || keepDays < 0)
            throw new BackfillException(ErrorIds.InvalidArchiveRetention, ErrorKind.InvalidArgument,
                $"Archive retention must keep 0 or more versions and days (got {keepVersions} versions, {keepDays} days).");
        long removed = 0;
        foreach (var s in PruneStatements(keepVersions, now.AddDays(-keepDays)))
            removed += Math.Max(0, w.Execute(s.Sql, s.Parameters, ct));
        return removed;
    }

    private static Dictionary<string, object?> Parameters(TableOwnership owned, params (string Name, object? Value)[] more)
    {
        var p = ScopeParameters(owned);
        foreach (var (name, value) in more) p[name] = value;
        return p;
    }

    /// <summary>The parameters of a statement that reads or writes the owner's rows of <see cref="PublishArchiveTables.InsertedKeys"/>.</summary>
    private static Dictionary<string, object?> InsertedKeyParameters(TableOwnership owned, params (string Name, object? Value)[] more) =>
        Parameters(owned, more.Append(("archived_table", owned.Table.FullName)).Append(("archived_scope", ArchiveScope(owned))).ToArray());

    private static Dictionary<string, object?> UndoParameters(TableOwnership owned, string undoneRunId) => InsertedKeyParameters(owned, ("undone_run_id", undoneRunId));

    /// <summary>Archive, restore, count, change and prune statements for every processor, for the GoogleSQL gate.</summary>
    [StatementCatalog]
    internal static IEnumerable<RegisteredStatement> Catalog()
    {
        var dates = DateList.Of(new[] { new DateOnly(2024, 1, 15), new DateOnly(2024, 1, 16) });
        foreach (var def in ProcessorCatalog.All)
        {
            var run = BackfillRunner.StagingFor(def, "gate-run", "gate");
            var staging = run.Tables;
            foreach (var (owned, staged, label) in new[]
                     {
                         (ProcessorCatalog.OutputOwnership(def.Name), staging.Rows, "output"),
                         (ProcessorCatalog.FailureOwnership(def.Name), staging.Failures, "failures"),
                     })
            {
                // Without and with the migration columns production may have (the forms a publish and an undo send).
                var archived = new DateTime(2024, 1, 16, 0, 0, 0, DateTimeKind.Utc);
                var migration = A.MigrationColumnsOf(owned.Table).Select(c => c.Name).ToList();
                var all = ArchiveStatements(owned, staged, dates, "gate-run", archived, Array.Empty<string>())
                    .Concat(RestoreStatements(owned, dates, "gate-run", Array.Empty<string>()))
                    .Concat(migration.Count == 0 ? Array.Empty<SqlStatement>()
                        : ArchiveStatements(owned, staged, dates, "gate-run", archived, migration).Concat(RestoreStatements(owned, dates, "gate-run", migration)))
                    .Append(CountsStatement(owned, dates, "gate-run"))
                    .Append(ChangedRowsStatement(owned, dates, "gate-run")).ToList();
                for (var i = 0; i < all.Count; i++)
                    yield return new($"PublishArchive[{def.Name},{label}]#{i + 1}", all[i].Sql, all[i].Parameters);
            }
            var context = ContextArchiveStatements(def, run.Results, dates, "gate-run", new DateTime(2024, 1, 16, 0, 0, 0, DateTimeKind.Utc))
                .Concat(ContextRestoreStatements(def, dates, "gate-run")).ToList();
            for (var i = 0; i < context.Count; i++)
                yield return new($"PublishArchive[{def.Name},context]#{i + 1}", context[i].Sql, context[i].Parameters);
        }
        var prunes = PruneStatements(BackfillRules.ArchiveKeepVersions, new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc)).ToList();
        for (var i = 0; i < prunes.Count; i++)
            yield return new($"PublishArchive.Prune#{i + 1}", prunes[i].Sql, prunes[i].Parameters);
    }
}
