using System.Globalization;
using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using BackfillTools.Core.Warehouse.BigQuery;
using static BackfillTools.Core.Warehouse.Col;

namespace BackfillTools.Core.Backfill;

/// <summary>
/// Publishes one processor chunk from staging in one transaction, touching only what the product owns
/// (<see cref="ProcessorCatalog.OutputOwnership"/>, <see cref="ProcessorCatalog.FailureOwnership"/>). In the scope of the
/// published dates, keys of the new result get their owned columns replaced, new keys are inserted with every other
/// column NULL, and keys the result no longer has are deleted; rows outside the scope and the columns the product does
/// not own keep their values. The same transaction opens with the lock's fence and carries the context log, the
/// quarantine copy and the ledger's statuses, so a date is published whole or not at all.
/// </summary>
internal sealed class ScopedPublisher
{
    /// <summary>Per published date, what the publish did to the output table (read back after the commit).</summary>
    internal static readonly TableDef CountsShape = new(BackfillRunner.StagingDataset, "counts",
        new[] { Date("partition_date", false), Int("rows_updated"), Int("rows_inserted"), Int("rows_deleted") }, Array.Empty<string>());

    private readonly IWarehouse _w;
    private readonly string _runId;

    public ScopedPublisher(IWarehouse warehouse, string runId)
    {
        _w = warehouse;
        _runId = runId;
    }

    /// <summary>When the archive rows of this publisher's transactions were written (retention counts from it).</summary>
    private DateTime ArchivedAt { get; } = DateTime.UtcNow;

    /// <summary>The run's lock: its fence opens every publish transaction.</summary>
    public IPublishFence? Fence { get; init; }

    /// <summary>
    /// Per table, the columns later production migrations added that the warehouse's table has (archived with the
    /// rows a publish deletes); looked up once per publisher, and none when statements are listed without a warehouse.
    /// </summary>
    private IReadOnlyList<string> MigrationColumns(TableDef table) =>
        _w is null ? Array.Empty<string>()
            : _migrationColumns.TryGetValue(table.FullName, out var c) ? c : _migrationColumns[table.FullName] = PublishArchive.MigrationColumnsIn(_w, table);

    private readonly Dictionary<string, IReadOnlyList<string>> _migrationColumns = new();

    /// <summary>Test hook: a statement run inside each publish transaction, after the data statements and before the ledger's.</summary>
    public SqlStatement? InsidePublish { get; init; }

    /// <summary>
    /// Publish <paramref name="results"/>' Published dates and quarantine their Quarantined ones; returns the results
    /// with the rows updated, inserted and deleted per date, or, when BigQuery refuses the batch because a table it
    /// writes still has rows in its streaming buffer, every result that would have written as Failed (StreamingBufferBusy).
    /// </summary>
    public IReadOnlyList<BackfillResult> Publish(ProcessorDefinition def, BackfillRunner.Staging staging, IReadOnlyList<BackfillResult> results,
        DateTime started, DateTime finished, CancellationToken ct)
    {
        StageResults(staging.Results, results, started, finished, ct);
        try
        {
            RunFenced(Statements(def, staging, results), ct);
        }
        catch (BackfillException ex) when (ex.ErrorId == BigQueryErrors.StreamingBufferBusyErrorId)
        {
            return RecordRefusal(staging, results, ex, started, finished, ct);
        }
        if (results.All(r => r.Status != PartitionStatus.Published)) return results;
        var counts = _w.Query(CountsSql(staging.Counts), null, ct)
            .AsRows().ToDictionary(r => r.GetDate("partition_date"));
        foreach (var r in results.Where(r => r.Status == PartitionStatus.Published))
        {
            if (!counts.TryGetValue(r.Date, out var c)) continue;
            r.RowsUpdated = c.GetInt64("rows_updated");
            r.RowsInserted = c.GetInt64("rows_inserted");
            r.RowsDeleted = c.GetInt64("rows_deleted");
        }
        return results;
    }

    /// <summary>The read-back, after the commit, of what the publish did per date.</summary>
    internal static string CountsSql(TableDef counts) => $"SELECT partition_date, rows_updated, rows_inserted, rows_deleted FROM {counts.Placeholder}";

    /// <summary>Every statement of one publish transaction, in order: the single place where they are assembled.</summary>
    internal IReadOnlyList<SqlStatement> Statements(ProcessorDefinition def, BackfillRunner.Staging staging, IReadOnlyList<BackfillResult> results)
    {
        var st = staging.Tables;
        var statements = new List<SqlStatement>();
        if (DatesWith(results, PartitionStatus.Published) is { } dates)
        {
            var output = ProcessorCatalog.OutputOwnership(def.Name);
            statements.Add(CountChanges(output, st.Rows, dates, staging.Counts));
            // The replaced state goes to the archive first, in the same transaction (Undo-BackfillRun restores it).
            statements.AddRange(PublishArchive.ArchiveStatements(output, st.Rows, dates, _runId, ArchivedAt, MigrationColumns(output.Table)));
            statements.AddRange(ReplaceOwnedRows(output, st.Rows, dates));
            statements.AddRange(PublishArchive.ArchiveStatements(ProcessorCatalog.FailureOwnership(def.Name), st.Failures, dates, _runId, ArchivedAt,
                MigrationColumns(ProcessorCatalog.FailureOwnership(def.Name).Table)));
            statements.AddRange(ReplaceOwnedRows(ProcessorCatalog.FailureOwnership(def.Name), st.Failures, dates));
            // The context log is the product's own table: its rows of the processor's dates are replaced whole (and archived first).
            statements.AddRange(PublishArchive.ContextArchiveStatements(def, staging.Results, dates, _runId, ArchivedAt));
            var contextCols = string.Join(", ", WarehouseSchema.ContextSourceLog.ColumnNames);
            statements.Add(new($"DELETE FROM {WarehouseSchema.ContextSourceLog.Placeholder} WHERE processor_name = @processor AND analysis_date IN {dates.List}",
                WarehouseExtensions.Params(("processor", def.Name.ToString()))));
            statements.Add($"INSERT INTO {WarehouseSchema.ContextSourceLog.Placeholder} ({contextCols}) SELECT {contextCols} FROM {st.ContextSources.Placeholder} WHERE analysis_date IN {dates.List}");
            statements.AddRange(ProductLineageStatements(def, staging, dates.List));
        }
        if (DatesWith(results, PartitionStatus.Quarantined) is { } held)
        {
            var cols = string.Join(", ", def.Output.ColumnNames);
            statements.Add($"DELETE FROM {staging.Quarantine.Placeholder} WHERE {def.DateColumn} IN {held.List}");
            statements.Add($"INSERT INTO {staging.Quarantine.Placeholder} ({cols}) SELECT {cols} FROM {st.Rows.Placeholder} WHERE {def.DateColumn} IN {held.List}");
        }
        if (InsidePublish is { } injected) statements.Add(injected);
        statements.Add(BackfillLedger.RecordResultsStatement(_runId, staging.Results));
        return statements;
    }

    /// <summary>
    /// The product-owned facts of a publish, in its transaction: which run published which table × date
    /// (<see cref="WarehouseSchema.PublishLineage"/>), and the per-row context of player-context processors.
    /// </summary>
    private static IEnumerable<SqlStatement> ProductLineageStatements(ProcessorDefinition def, BackfillRunner.Staging staging, string publishedDates)
    {
        yield return new($"INSERT INTO {WarehouseSchema.PublishLineage.Placeholder} (run_id, processor, table_name, partition_date, rows_published, published_at) " +
            $"SELECT run_id, processor, @table_name, partition_date, rows_written, finished_at FROM {staging.Results.Placeholder} WHERE status = '{nameof(PartitionStatus.Published)}'",
            WarehouseExtensions.Params(("table_name", def.Output.FullName)));
        foreach (var statement in ContextPublishStatements(def, staging.Tables, publishedDates, DateTime.UtcNow)) yield return statement;
    }

    /// <summary>
    /// For a player-context processor, the context each published row was built from, moved from the staging rows
    /// to <see cref="WarehouseSchema.EntityContextSources"/> (the processor's rows of the published dates replaced);
    /// nothing for TDZA and PSZA.
    /// </summary>
    internal static IEnumerable<SqlStatement> ContextPublishStatements(ProcessorDefinition def, StagingTables staging, string publishedDates, DateTime publishedAt)
    {
        if (def.ContextColumns.Count == 0) yield break;
        var contexts = WarehouseSchema.EntityContextSources;
        var p = WarehouseExtensions.Params(("processor", def.Name.ToString()), ("run_id", staging.RunId), ("published_at", publishedAt));
        yield return new($"DELETE FROM {contexts.Placeholder} WHERE processor_name = @processor AND analysis_date IN {publishedDates}", p);
        yield return new($"INSERT INTO {contexts.Placeholder} (processor_name, analysis_date, entity_id, context_source, team_abbr, opponent_team_abbr, run_id, published_at) " +
            $"SELECT @processor, {def.DateColumn}, {def.EntityColumn}, context_source, team_abbr, opponent_team_abbr, @run_id, @published_at " +
            $"FROM {staging.Rows.Placeholder} WHERE {def.DateColumn} IN {publishedDates}", p);
    }


    /// <summary>
    /// The dates of a status as the statements filter on them: a list of DATE constants, which BigQuery prunes partitions
    /// on (a subquery would not count as a partition filter, and each table a statement references bills 10 MB at least).
    /// </summary>
    internal sealed record DateList(string List)
    {
        public static DateList Of(IEnumerable<DateOnly> dates) =>
            new("(" + string.Join(", ", dates.Distinct().Order().Select(d => $"DATE '{d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}'")) + ")");
    }

    internal static DateList? DatesWith(IEnumerable<BackfillResult> results, PartitionStatus status)
    {
        var dates = results.Where(r => r.Status == status).Select(r => r.Date).ToList();
        return dates.Count == 0 ? null : DateList.Of(dates);
    }

    /// <summary>
    /// Replace what <paramref name="owned"/> owns on the published dates with the staged rows: delete the keys in scope
    /// the stage no longer has, update the owned columns of the keys it has, insert the keys the table lacks. One staged
    /// row per key is used (the audit quarantines output dates with duplicate keys; failure rows are not audited).
    /// </summary>
    internal static IReadOnlyList<SqlStatement> ReplaceOwnedRows(TableOwnership owned, TableDef staged, DateList dates)
    {
        var p = ScopeParameters(owned);
        var target = owned.Table.Placeholder;
        var setOwned = string.Join(", ", owned.OwnedColumns.Select(c => $"{c} = s.{c}"));
        var inserted = string.Join(", ", owned.InsertedColumns);
        var list = new List<SqlStatement>
        {
            new($"DELETE FROM {target} AS t WHERE {InScope(owned, "t", dates)} AND NOT EXISTS (SELECT 1 FROM {staged.Placeholder} AS s WHERE {StagedInScope(owned, "s", dates)} AND {KeyMatch(owned, "t", "s")})", p),
        };
        if (owned.OwnedColumns.Count > 0)
            list.Add(new($"UPDATE {target} AS t SET {setOwned} FROM {OnePerKey(owned, staged, dates)} AS s WHERE {InScope(owned, "t", dates)} AND {KeyMatch(owned, "t", "s")}", p)
                { UpdatesScalarsByKey = owned.OwnsScalarsOnly });
        list.Add(new($"INSERT INTO {target} ({inserted}) SELECT {string.Join(", ", owned.InsertedColumns.Select(c => "s." + c))} FROM {OnePerKey(owned, staged, dates)} AS s " +
                     $"WHERE NOT EXISTS (SELECT 1 FROM {target} AS t WHERE {InScope(owned, "t", dates)} AND {KeyMatch(owned, "t", "s")})", p));
        return list;
    }

    /// <summary>
    /// Per published date: rows of the scope that the publish will update (their key is staged), delete (it is not) and
    /// insert (staged keys the scope lacks). Runs first in the transaction, so it counts what the statements after it do.
    /// </summary>
    internal static SqlStatement CountChanges(TableOwnership owned, TableDef staged, DateList dates, TableDef counts)
    {
        var target = owned.Table.Placeholder;
        var stagedKey = $"SELECT 1 FROM {staged.Placeholder} AS s WHERE {StagedInScope(owned, "s", dates)} AND {KeyMatch(owned, "t", "s")}";
        return new($@"INSERT INTO {counts.Placeholder} (partition_date, rows_updated, rows_inserted, rows_deleted)
SELECT partition_date, COUNTIF(change = 'updated'), COUNTIF(change = 'inserted'), COUNTIF(change = 'deleted')
FROM (
  SELECT t.{owned.DateColumn} AS partition_date, CASE WHEN EXISTS ({stagedKey}) THEN 'updated' ELSE 'deleted' END AS change
  FROM {target} AS t WHERE {InScope(owned, "t", dates)}
  UNION ALL
  SELECT s.{owned.DateColumn} AS partition_date, 'inserted' AS change FROM {OnePerKey(owned, staged, dates)} AS s
  WHERE NOT EXISTS (SELECT 1 FROM {target} AS t WHERE {InScope(owned, "t", dates)} AND {KeyMatch(owned, "t", "s")})
) AS c
GROUP BY partition_date", ScopeParameters(owned));
    }

    /// <summary>The product's rows of the table on the published dates (constant bounds first: BigQuery prunes on them).</summary>
    internal static string InScope(TableOwnership owned, string alias, DateList dates) =>
        string.Join(" AND ", new[] { $"{alias}.{owned.DateColumn} IN {dates.List}" }.Concat(MarkersHold(owned, alias)));

    /// <summary>The staged rows of the published dates that carry the scope's markers (the only ones ever written).</summary>
    internal static string StagedInScope(TableOwnership owned, string alias, DateList dates) =>
        string.Join(" AND ", new[] { $"{alias}.{owned.DateColumn} IN {dates.List}" }.Concat(MarkersHold(owned, alias)));

    private static IEnumerable<string> MarkersHold(TableOwnership owned, string alias) =>
        owned.Markers.Select((m, i) => $"{alias}.{m.Column} = @scope_{i}");

    /// <summary>Same key: plain equality on NOT NULL key columns, NULL-safe on nullable ones.</summary>
    internal static string KeyMatch(TableOwnership owned, string target, string staged) =>
        string.Join(" AND ", owned.Key.Select(c => owned.Table.Column(c).Nullable
            ? $"{target}.{c} IS NOT DISTINCT FROM {staged}.{c}"
            : $"{target}.{c} = {staged}.{c}"));

    /// <summary>
    /// The staged rows in scope, one per key: the first by every owned column that can be ordered, each NULLS LAST
    /// written out (GoogleSQL puts NULLs first by default, DuckDB last), data_hash last. The hash covers the columns
    /// that cannot be ordered (arrays, STRUCT), so rows still tied are equal in every column kept and both engines keep
    /// the same values. The markers, constant in scope, partition too, so the pick names every column it keeps.
    /// Where the stage is one per key already (<see cref="TableOwnership.StagedKeysUnique"/>), no pick: the sort over
    /// every owned column was most of a wide table's publish time, paid by five statements of each transaction.
    /// </summary>
    internal static string OnePerKey(TableOwnership owned, TableDef staged, DateList dates)
    {
        if (owned.StagedKeysUnique)
            return $"(SELECT {string.Join(", ", owned.InsertedColumns)} FROM {staged.Placeholder} AS s WHERE {StagedInScope(owned, "s", dates)})";
        var order = owned.OwnedColumns.Where(c => owned.Table.Column(c).FullType is { IsScalar: true, Kind: not ColumnType.Json })
            .OrderBy(c => string.Equals(c, DataHash.Column, StringComparison.OrdinalIgnoreCase)).ToList();
        var orderBy = order.Count == 0 ? "" : " ORDER BY " + string.Join(", ", order.Select(c => c + " NULLS LAST"));
        return $"(SELECT * FROM (SELECT {string.Join(", ", owned.InsertedColumns)}, ROW_NUMBER() OVER (PARTITION BY {string.Join(", ", owned.Key.Concat(owned.Markers.Select(m => m.Column)))}{orderBy}) AS key_rank " +
               $"FROM {staged.Placeholder} AS s WHERE {StagedInScope(owned, "s", dates)}) AS ranked WHERE key_rank = 1)";
    }

    internal static Dictionary<string, object?> ScopeParameters(TableOwnership owned)
    {
        var p = new Dictionary<string, object?>();
        for (var i = 0; i < owned.Markers.Count; i++) p[$"scope_{i}"] = owned.Markers[i].Value;
        return p;
    }

    private void StageResults(TableDef results, IEnumerable<BackfillResult> rows, DateTime started, DateTime finished, CancellationToken ct) =>
        _w.BulkAppend(results, rows.Select(r => new object?[]
        {
            _runId, r.Date, r.Processor.ToString(), r.Season, r.Status.ToString(), PlanItem.Run, r.Expected, r.Actual, r.Accounted,
            r.CoveragePct, r.RowsPct, r.Source, r.PgsPlayers, r.UpcgRows, r.RowsWritten, started, finished, r.DurationMs,
            r.ErrorCategory, r.Message,
        }), ct);

    private void RunFenced(IReadOnlyList<SqlStatement> statements, CancellationToken ct)
    {
        Fence?.ThrowIfLost();
        var fenced = (Fence?.FenceStatements() ?? Array.Empty<SqlStatement>()).Concat(statements).ToList();
        try
        {
            _w.ExecuteInTransaction(fenced, ct);
        }
        catch (Exception ex) when (Fence?.AsLockLost(ex) is { } lost)
        {
            throw lost;
        }
    }

    /// <summary>
    /// BigQuery refused the batch (rows still in a table's streaming buffer): its transaction rolled back whole. Every
    /// date that would have written is recorded Failed, so -RetryFailed retries it once the buffer has flushed.
    /// </summary>
    private IReadOnlyList<BackfillResult> RecordRefusal(BackfillRunner.Staging staging, IReadOnlyList<BackfillResult> results,
        BackfillException refusal, DateTime started, DateTime finished, CancellationToken ct)
    {
        var failed = results.Select(r => r.Status is PartitionStatus.Published or PartitionStatus.Quarantined
            ? r.AsFailed(refusal.ErrorId, $"Nothing of this batch was written: {refusal.Message}")
            : r).ToList();
        _w.Execute($"DELETE FROM {staging.Results.Placeholder} WHERE TRUE", null, ct);
        StageResults(staging.Results, failed, started, finished, ct);
        RunFenced(new[] { BackfillLedger.RecordResultsStatement(_runId, staging.Results) }, ct);
        return failed;
    }

    /// <summary>A publish transaction's statements for every processor, with sample values, for the GoogleSQL gate.</summary>
    [StatementCatalog]
    internal static IEnumerable<RegisteredStatement> Catalog()
    {
        foreach (var def in ProcessorCatalog.All)
        {
            var publisher = new ScopedPublisher(null!, "gate-run");
            var staging = BackfillRunner.StagingFor(def, "gate-run", "gate");
            BackfillResult Result(DateOnly day, PartitionStatus status) => new()
                { RunId = "gate-run", Date = day, Season = Season.LabelOf(day), Processor = def.Name, Status = status };
            var statements = publisher.Statements(def, staging,
                new[] { Result(new DateOnly(2024, 1, 15), PartitionStatus.Published), Result(new DateOnly(2024, 1, 16), PartitionStatus.Published),
                        Result(new DateOnly(2024, 1, 17), PartitionStatus.Quarantined) });
            for (var i = 0; i < statements.Count; i++)
                yield return new($"ScopedPublisher[{def.Name}]#{i + 1}", statements[i].Sql, statements[i].Parameters);
            yield return new($"ScopedPublisher[{def.Name}].Counts", CountsSql(staging.Counts));
        }
    }
}
