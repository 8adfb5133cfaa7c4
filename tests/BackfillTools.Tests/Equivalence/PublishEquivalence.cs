using System.Globalization;
using BackfillTools.Core.Backfill;
using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using BackfillTools.Core.Warehouse.BigQuery;

namespace BackfillTools.Tests.Equivalence;

/// <summary>
/// Issue #14, the publish: the statements <see cref="ScopedPublisher"/> renders for one batch (the change counts, then per
/// owned table DELETE vanished keys / UPDATE owned columns / INSERT new keys) run on DuckDB (the product's path) and, as
/// BigQuery receives them, through the reference engine's EvaluateModify, against the same production-layout contents:
/// the staged rows plus foreign content seeded first (rows of the scope with other owned values and with values in
/// non-owned columns, keys in scope the stage no longer has, rows on a date outside the scope, MLFS rows of another
/// feature_version, failure rows of another processor). Both engines' resulting tables are compared key by key.
/// </summary>
internal sealed partial class EquivalenceSlice
{
    /// <summary>Per published table of the last <see cref="Run"/>: rows the publish updated, inserted and deleted (DuckDB's counts).</summary>
    public List<(string Label, long Updated, long Inserted, long Deleted)> Changes { get; } = new();

    /// <summary>A date no slice computes or reads: the seeded rows outside the scope's dates.</summary>
    private static DateOnly ForeignDate(IReadOnlyList<DateOnly> dates) => dates.Min().AddDays(-400);

    /// <summary>The marker value of rows in the same table and dates that belong to someone else.</summary>
    private static string ForeignMarker(ScopeValue m) => m.Column == "feature_version" ? "v2_54features" : $"FOREIGN_{m.Value}";

    /// <summary>
    /// Seed foreign content, publish <paramref name="dates"/> from the staging tables on both engines, compare the
    /// published tables (published dates and the foreign date, every marker) and the change counts, clean the seeds.
    /// DuckDB's tables end as the product's publish leaves them (without the seeds).
    /// </summary>
    private IReadOnlyList<TableComparison> PublishOnBothEngines(ProcessorDefinition def, StagingTables staging, IReadOnlyList<DateOnly> dates, int run) =>
        dates.Distinct().Order().Chunk(PublishBatchDates).SelectMany((batch, k) => PublishBatchOnBothEngines(def, staging, batch, run * 100 + k)).ToList();

    /// <summary>
    /// Dates per publish batch. The product publishes chunk by chunk; a week of MLFS rows with the seeded values in its
    /// 109 non-owned columns is 10 MB on the wire, over the evaluator's 4 MB request limit, so the slice is published in
    /// batches of two dates (each batch's statements as the product renders them for those dates).
    /// </summary>
    private const int PublishBatchDates = 2;

    private IReadOnlyList<TableComparison> PublishBatchOnBothEngines(ProcessorDefinition def, StagingTables staging, IReadOnlyList<DateOnly> dates, int run)
    {
        var dateList = new ScopedPublisher.DateList("(" + string.Join(", ", dates.Distinct().Order().Select(Literal)) + ")");
        var comparisons = new List<TableComparison>();
        var owned = new[] { (Label: "published rows", Owned: ProcessorCatalog.OutputOwnership(def.Name), Staged: staging.Rows),
                            (Label: "published failures", Owned: ProcessorCatalog.FailureOwnership(def.Name), Staged: staging.Failures) };
        var i = 0;
        foreach (var (label, o, staged) in owned)
        {
            var counts = ScopedPublisher.CountsShape.WithName("nba_staging", $"eq_counts_{run}_{i++}");
            Db.W.EnsureTable(counts);
            var foreign = ForeignDate(dates);
            var seeded = Seed(o, staged, dateList, foreign);
            var scope = $"{o.DateColumn} IN {dateList.List[..^1]}, {Literal(foreign)})";
            var statements = new List<SqlStatement> { ScopedPublisher.CountChanges(o, staged, dateList, counts) };
            statements.AddRange(ScopedPublisher.ReplaceOwnedRows(o, staged, dateList));

            // Same contents on the reference engine: the table's rows of the compared dates, the stage, empty counts.
            Engine.SetTable(RenderedName(o.Table), o.Table.Columns.Select(c => (c.Name, c.FullType)).ToList(),
                Db.W.Query($"SELECT {string.Join(", ", o.Table.ColumnNames)} FROM {o.Table.Placeholder} WHERE {scope}").Rows);
            // Only the batch's staged rows: every statement reads the stage as `AS s WHERE s.date IN (batch)` (checked).
            var stagedReads = System.Text.RegularExpressions.Regex.Matches(string.Join("\n", statements.Select(x => x.Sql)), System.Text.RegularExpressions.Regex.Escape(staged.Placeholder) + @"(.{0,40})");
            if (stagedReads.Count == 0 || stagedReads.Any(m => !m.Groups[1].Value.StartsWith($" AS s WHERE s.{o.DateColumn} IN {dateList.List}", StringComparison.Ordinal)
                                                              && !$" AS s WHERE s.{o.DateColumn} IN {dateList.List}".StartsWith(m.Groups[1].Value, StringComparison.Ordinal)))
                throw new InvalidOperationException($"{def.Name}: the publish no longer reads the stage only through its dates: {string.Join(" | ", stagedReads.Select(m => m.Value))}");
            Engine.SetTable(RenderedName(staged), staged.Columns.Select(c => (c.Name, c.FullType)).ToList(),
                Db.W.Query($"SELECT {string.Join(", ", staged.ColumnNames)} FROM {staged.Placeholder} WHERE {o.DateColumn} IN {dateList.List}").Rows);
            Engine.SetTable(RenderedName(counts), counts.Columns.Select(c => (c.Name, c.FullType)).ToList(), Array.Empty<object?[]>());
            foreach (var s in statements)
            {
                var (sql, ps) = BigQueryWarehouse.BindParameters(Dialect.Render(s.Sql), s.Parameters);
                try { Engine.Run(sql, ps.Select(p => (p.Name, TypeOf(p.ToQueryParameter()["parameterType"]!), p.Value))); }
                catch (ReferenceEngineException ex)
                {
                    throw new InvalidOperationException($"{def.Name} publish into {o.Table.FullName} failed on the reference engine: {ex.Message}\n{BackfillTools.Tests.BigQuery.ZetaSqlGate.Excerpt(sql, ex.Message)}", ex);
                }
            }
            Db.W.ExecuteInTransaction(statements);

            var key = o.Key.Concat(o.Markers.Select(m => m.Column)).ToList();
            comparisons.Add(CompareTable(label, o.Table, key, $"SELECT {string.Join(", ", o.Table.ColumnNames)} FROM {o.Table.Placeholder} WHERE {scope}", RenderedName(o.Table)));
            comparisons.Add(CompareTable(label.Replace("published", "publish counts of", StringComparison.Ordinal), counts, new[] { "partition_date" },
                $"SELECT {string.Join(", ", counts.ColumnNames)} FROM {counts.Placeholder}", RenderedName(counts)));
            var c = Db.W.Query($"SELECT COALESCE(SUM(rows_updated), 0), COALESCE(SUM(rows_inserted), 0), COALESCE(SUM(rows_deleted), 0) FROM {counts.Placeholder}").Rows[0];
            Changes.Add((label, Convert.ToInt64(c[0], CultureInfo.InvariantCulture), Convert.ToInt64(c[1], CultureInfo.InvariantCulture), Convert.ToInt64(c[2], CultureInfo.InvariantCulture)));
            // Not vacuous: what lies outside the scope is still there (on both engines, by the comparison), and so are
            // the non-owned values of the surviving seeded keys.
            var outside = Db.W.ScalarInt64($"SELECT COUNT(*) FROM {o.Table.Placeholder} WHERE {o.DateColumn} = {Literal(foreign)}" +
                string.Concat(o.Markers.Select(m => $" OR ({o.DateColumn} IN {dateList.List} AND {m.Column} = '{ForeignMarker(m)}')")));
            if (outside != seeded.Outside)
                throw new InvalidOperationException($"{def.Name} publish into {o.Table.FullName} left {outside} of the {seeded.Outside} rows outside its scope");
            if (ForeignFills(o).FirstOrDefault() is { Column: { } kept } && seeded.Existing > 0 &&
                Db.W.ScalarInt64($"SELECT COUNT(*) FROM {o.Table.Placeholder} WHERE {o.DateColumn} IN {dateList.List} AND {kept} IS NOT NULL" +
                    string.Concat(o.Markers.Select(m => $" AND {m.Column} = '{m.Value}'"))) != seeded.Existing)
                throw new InvalidOperationException($"{def.Name} publish into {o.Table.FullName} lost non-owned values of {kept}");
            Clean(o, dateList, foreign);
            Db.W.DropTable(counts.Dataset, counts.Name);
        }
        return comparisons;
    }

    private static string Literal(DateOnly d) => $"DATE '{d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}'";

    /// <summary>
    /// The columns of <paramref name="o"/>'s table that someone else owns and that the seeds fill (nullable scalars), with
    /// the value: production-made rows carry values there that the publish must keep.
    /// </summary>
    private static IEnumerable<(string Column, string Value)> ForeignFills(TableOwnership o)
    {
        var identifying = o.InsertedColumns.ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var c in o.Table.Columns.Where(c => c.Nullable && !identifying.Contains(c.Name)))
        {
            var value = c.FullType.Kind switch
            {
                ColumnType.String => "'kept by production'",
                ColumnType.Int64 => "7",
                ColumnType.Float64 => "0.1",
                ColumnType.Numeric => "CAST(1 AS NUMERIC)",
                ColumnType.Bool => "TRUE",
                ColumnType.Date => "DATE '2020-01-02'",
                ColumnType.Timestamp => "TIMESTAMP '2020-01-02 03:04:05.678901'",
                _ => null,
            };
            if (value is not null) yield return (c.Name, value);
        }
    }

    /// <summary>
    /// On DuckDB, before the publish: every third staged key already in the table with another key's owned values and
    /// non-owned values (the UPDATE must replace the first and keep the second); every fifth staged row again under a key
    /// the stage lacks (the DELETE must remove it); rows on a date outside the scope and, per marker, rows of the same
    /// dates with another marker value (both must stay byte-identical).
    /// </summary>
    private (long Existing, long Outside) Seed(TableOwnership o, TableDef staged, ScopedPublisher.DateList dates, DateOnly foreign)
    {
        var fills = ForeignFills(o).ToList();
        var entity = o.Key[1];
        var ownedCols = o.OwnedColumns;
        var into = string.Join(", ", o.InsertedColumns.Concat(fills.Select(f => f.Column)));
        var fillValues = string.Concat(fills.Select(f => ", " + f.Value));
        var markers = string.Concat(o.Markers.Select(m => $" AND {m.Column} = '{m.Value}'"));
        var ranked = $"(SELECT *, ROW_NUMBER() OVER (PARTITION BY {o.DateColumn} ORDER BY {entity}) AS seed_i, COUNT(*) OVER (PARTITION BY {o.DateColumn}) AS seed_n " +
                     $"FROM {staged.Placeholder} WHERE {o.DateColumn} IN {dates.List}{markers})";
        string Row(string alias, string? date = null, string? entityExpr = null, IEnumerable<string>? markerExprs = null, string? ownedAlias = null) =>
            string.Join(", ", new[] { date ?? $"{alias}.{o.DateColumn}", entityExpr ?? $"{alias}.{entity}" }
                .Concat(markerExprs ?? o.Markers.Select(m => $"{alias}.{m.Column}"))
                .Concat(ownedCols.Select(c => $"{ownedAlias ?? alias}.{c}"))) + fillValues;
        var t = o.Table.Placeholder;
        var w = Db.W;
        // Existing keys with another row's owned values (the next entity of the date); only keys the table lacks, since
        // production holds one row per key (a re-run of the same dates already has them all).
        var existing = w.Execute($"INSERT INTO {t} ({into}) SELECT {Row("a", ownedAlias: "b")} FROM {ranked} AS a JOIN {ranked} AS b " +
                  $"ON b.{o.DateColumn} = a.{o.DateColumn} AND b.seed_i = a.seed_i % a.seed_n + 1 WHERE a.seed_i % 3 = 0 " +
                  $"AND NOT EXISTS (SELECT 1 FROM {t} AS x WHERE x.{o.DateColumn} = a.{o.DateColumn} AND x.{entity} = a.{entity}" +
                  string.Concat(o.Markers.Select(m => $" AND x.{m.Column} = a.{m.Column}")) + ")");
        // Keys in scope that the stage no longer has.
        w.Execute($"INSERT INTO {t} ({into}) SELECT {Row("a", entityExpr: $"CONCAT(a.{entity}, '_vanished')")} FROM {ranked} AS a WHERE a.seed_i % 5 = 1");
        // Outside the scope: another date, and another marker value on the published dates.
        var outside = w.Execute($"INSERT INTO {t} ({into}) SELECT {Row("a", date: Literal(foreign))} FROM {ranked} AS a WHERE a.seed_i % 4 = 2 AND a.{o.DateColumn} = (SELECT MIN({o.DateColumn}) FROM {ranked} AS m)");
        if (o.Markers.Count > 0)
            outside += w.Execute($"INSERT INTO {t} ({into}) SELECT {Row("a", markerExprs: o.Markers.Select(m => $"'{ForeignMarker(m)}'"))} FROM {ranked} AS a WHERE a.seed_i % 4 = 3");
        return (existing, outside);
    }

    /// <summary>Remove the seeds from DuckDB after the comparison, so later processors and slices read only the product's rows.</summary>
    private void Clean(TableOwnership o, ScopedPublisher.DateList dates, DateOnly foreign)
    {
        var t = o.Table.Placeholder;
        Db.W.Execute($"DELETE FROM {t} WHERE {o.DateColumn} = {Literal(foreign)}");
        foreach (var m in o.Markers)
            Db.W.Execute($"DELETE FROM {t} WHERE {o.DateColumn} IN {dates.List} AND {m.Column} = '{ForeignMarker(m)}'");
        var fills = ForeignFills(o).Select(f => $"{f.Column} = NULL").ToList();
        if (fills.Count > 0) Db.W.Execute($"UPDATE {t} SET {string.Join(", ", fills)} WHERE {o.DateColumn} IN {dates.List}");
    }

    /// <summary>
    /// One table on both engines: DuckDB's rows by <paramref name="duckSql"/>, the reference engine's table contents.
    /// BigQuery narrows a value assigned to a NUMERIC(p,s) column to its scale (half away from zero) and rejects one
    /// beyond its precision; the evaluator's tables are plain NUMERIC, so the harness applies that narrowing here.
    /// </summary>
    private TableComparison CompareTable(string label, TableDef shape, IReadOnlyList<string> key, string duckSql, string referenceName)
    {
        var duck = Db.W.Query(duckSql).Rows.Select(r => shape.Columns.Select((c, i) => ReferenceEngine.Canonical(c.FullType, r[i])).ToArray()).ToList();
        var (cols, raw) = Engine.Dump(referenceName);
        var ordinal = shape.Columns.Select(c => cols.ToList().FindIndex(x => string.Equals(x, c.Name, StringComparison.OrdinalIgnoreCase))).ToArray();
        var reference = raw.Select(r => shape.Columns.Select((c, i) => Narrow(c, r[ordinal[i]])).ToArray()).ToList();
        return RowComparer.Compare(label, shape, key, duck, reference);
    }

    private static object? Narrow(ColumnDef c, object? v)
    {
        if (v is not string text || c.FullType.Kind != ColumnType.Numeric) return v;
        var (precision, scale) = c.FullType.NumericDigits;
        var d = Math.Round(decimal.Parse(text, CultureInfo.InvariantCulture), scale, MidpointRounding.AwayFromZero);
        if (precision - scale < 28 && Math.Abs(d) >= (decimal)Math.Pow(10, precision - scale))
            throw new InvalidOperationException($"BigQuery would reject {text} for {c.Name} {c.FullType}: beyond its precision");
        return d.ToString("0.#########", CultureInfo.InvariantCulture);
    }
}
