using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using BackfillTools.Core.Processors;
using BackfillTools.Samples;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using BackfillTools.Core.Warehouse.BigQuery;
using BackfillTools.Tests.BigQuery;
using BackfillTools.Tests.Processors;

namespace BackfillTools.Tests.Equivalence;

/// <summary>
/// Runs a processor over a slice of dates twice: on DuckDB (the product's normal path) and on ZetaSQL's reference
/// GoogleSQL engine with the statements exactly as the product renders and binds them for BigQuery, over the same
/// inputs, then compares the staging tables (rows, failures, context) key by key. The DuckDB result is then published
/// so the next processor of the slice reads the same upstream on both engines.
/// </summary>
internal sealed partial class EquivalenceSlice : IDisposable
{
    private static int _runs;
    private static readonly BigQueryDialect Dialect = new(ZetaSqlGate.GateProject);

    /// <summary>
    /// Processors whose reference run is split by a column of one input table, each shard run separately and the
    /// staging rows united, because the whole input exceeds the evaluator's 4 MB request limit. PSZA by player: each of
    /// its rows and failures is one (date, player) computed from windows partitioned by player over that player's
    /// games, plus per-team schedule counts and the dates, which every shard receives whole; no statement aggregates
    /// across players. A shard that lost a player's row would show as a key only on DuckDB, a duplicate as a duplicate.
    /// </summary>
    private static readonly Dictionary<ProcessorName, (TableDef Table, string Column, int Count)> ShardedBy = new()
    {
        [ProcessorName.PSZA] = (WarehouseSchema.PlayerGameSummary, "player_lookup", 3),
    };

    /// <summary>
    /// Steps whose input table alone exceeds the 4 MB limit in late February and whose processor cannot be sharded
    /// (PDC's and MLFS's context decision counts players across the league). The step reads the table only as <c>p</c>:
    /// it receives only the columns it names as <c>p.column</c> (the harness otherwise sends every column
    /// named anywhere in the statement) and, with a filter, only the rows its own WHERE keeps: the step's conjunct on
    /// that table alone, copied verbatim (the harness fails if the statement stops containing it or reads the table
    /// other than as p), so nothing dropped can reach the result.
    /// </summary>
    private static readonly Dictionary<(ProcessorName, string), (TableDef Table, string? Filter)> NarrowedStepInputs = new()
    {
        [(ProcessorName.PDC, "pdc_seq")] = (WarehouseSchema.PlayerGameSummary,
            "p.is_active AND (p.is_dnp IS NULL OR NOT p.is_dnp) AND (p.minutes_played > 0 OR p.points > 0)"),
        [(ProcessorName.MLFS, "mlfs_hist")] = (WarehouseSchema.PlayerGameSummary, null),
    };

    /// <summary>One processed_at for both engines (it lands in the failure rows).</summary>
    public static readonly DateTime ProcessedAt = new(2024, 1, 15, 12, 0, 0, DateTimeKind.Utc);

    public EquivalenceSlice(SampleLeagueOptions league)
    {
        Db = new ProcessorTestDb();
        SampleLeague.Generate(Db.W, league);
        Engine = new ReferenceEngine();
    }

    public ProcessorTestDb Db { get; }

    public ReferenceEngine Engine { get; }

    public void Dispose()
    {
        Engine.Dispose();
        Db.Dispose();
    }

    /// <summary>
    /// Compute <paramref name="name"/> for <paramref name="dates"/> on both engines, compare, publish DuckDB's result.
    /// <paramref name="compare"/> false computes and publishes on DuckDB only (an upstream the slice needs but does not
    /// compare, e.g. where a statement's input exceeds the evaluator's 4 MB request limit); it returns null.
    /// </summary>
    /// <param name="comparePublish">false publishes DuckDB's result with the product's statements on DuckDB only (the
    /// publish is compared on the 2-day slices; a week of MLFS publish is the suite's most expensive comparison).</param>
    public ProcessorComparison? Run(ProcessorName name, IReadOnlyList<DateOnly> dates, ProcessorOptions? options = null, bool compare = true,
        bool comparePublish = true)
    {
        options ??= ProcessorOptions.Default;
        var def = ProcessorCatalog.Get(name);
        var n = Interlocked.Increment(ref _runs);
        var staging = new StagingTables($"eq{n}",
            new TableDef("nba_staging", $"eq_dates_{n}", new[] { Col.Date("analysis_date", false) }, Array.Empty<string>()),
            def.StagingRows.WithName("nba_staging", $"eq_rows_{n}"),
            WarehouseSchema.PrecomputeFailures.WithName("nba_staging", $"eq_failures_{n}"),
            WarehouseSchema.ContextSourceLog.WithName("nba_staging", $"eq_context_{n}"));
        var w = Db.W;
        foreach (var t in new[] { staging.Dates, staging.Rows, staging.Failures, staging.ContextSources }) w.EnsureTable(t);
        w.BulkAppend(staging.Dates, dates.Distinct().Select(d => new object?[] { d }));

        var steps = ((SqlProcessor)ProcessorCatalog.Create(name)).Steps(staging, options, ProcessedAt);
        var sent = steps.Select(s => (s.Name, Bound: BigQueryWarehouse.BindParameters(Dialect.Render(s.Sql), s.Parameters))).ToList();

        if (!compare)
        {
            ((IWarehouse)w).ExecuteBatch(steps.Select(s => new SqlStatement(s.Sql, s.Parameters)).ToList());
            foreach (var (ds, table) in SqlProcessor.WorkTables(staging, steps)) w.DropTable(ds, table);
            PublishOwned(def, staging, dates);
            Publish(def, staging);
            return null;
        }

        // The reference engine first, while DuckDB's staging tables are still empty (they are its inputs too).
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var stepMs = new Dictionary<string, long>();
        var shards = ShardedBy.TryGetValue(name, out var shard) ? shard.Count : 1;
        var stagingTables = new[] { staging.Rows, staging.Failures, staging.ContextSources };
        var reference = stagingTables.ToDictionary(t => t.Name, _ => (Columns: (IReadOnlyList<string>)Array.Empty<string>(), Rows: new List<object?[]>()));
        for (var k = 0; k < shards; k++)
        {
            var shardFilter = shards == 1 ? new List<(TableDef, string)>() : new() { (shard.Table, $"hash({shard.Column}) % {shards} = {k}") };
            var script = string.Join("\n", sent.Select(s => s.Bound.Sql));
            LoadInputs(script, dates.Max(), staging, shardFilter);
            foreach (var (step, (sql, ps)) in sent)
            {
                try
                {
                    var narrowed = NarrowedStepInputs.TryGetValue((name, step), out var f);
                    if (narrowed) LoadTable(f.Table, NarrowedColumns(name, step, sql, f.Table, f.Filter), dates.Max(),
                        f.Filter is null ? shardFilter : shardFilter.Append((f.Table, f.Filter)).ToList());
                    var answer = Engine.Run(sql, ps.Select(p => (p.Name, TypeOf(p.ToQueryParameter()["parameterType"]!), p.Value)));
                    if (narrowed) LoadTable(f.Table, script, dates.Max(), shardFilter);
                    stepMs[step] = stepMs.GetValueOrDefault(step) + ((long?)answer["ms"] ?? 0);
                }
                catch (ReferenceEngineException ex)
                {
                    throw new InvalidOperationException($"{name} step '{step}' failed on the reference engine: {ex.Message}\n{ZetaSqlGate.Excerpt(sql, ex.Message)}", ex);
                }
            }
            foreach (var t in stagingTables)
            {
                var (cols, rows) = Engine.Dump(RenderedName(t));
                reference[t.Name] = (cols, reference[t.Name].Rows.Concat(rows).ToList());
            }
        }
        var referenceMs = clock.ElapsedMilliseconds;

        clock.Restart();
        ((IWarehouse)w).ExecuteBatch(steps.Select(s => new SqlStatement(s.Sql, s.Parameters)).ToList());
        foreach (var (ds, table) in SqlProcessor.WorkTables(staging, steps)) w.DropTable(ds, table);
        var duckMs = clock.ElapsedMilliseconds;

        var tables = new[]
        {
            // Production declares no keys: a row is one (date, entity), a failure one (processor, date, entity).
            Compare("rows", def.StagingRows, new[] { def.DateColumn, def.EntityColumn }, staging.Rows, reference[staging.Rows.Name]),
            Compare("failures", WarehouseSchema.PrecomputeFailures, new[] { "processor_name", "analysis_date", "entity_id" }, staging.Failures, reference[staging.Failures.Name]),
            Compare("context", WarehouseSchema.ContextSourceLog, WarehouseSchema.ContextSourceLog.PrimaryKey, staging.ContextSources, reference[staging.ContextSources.Name]),
        };
        clock.Restart();
        Changes.Clear();
        IReadOnlyList<TableComparison> published = Array.Empty<TableComparison>();
        if (comparePublish) published = PublishOnBothEngines(def, staging, dates, n);
        else PublishOwned(def, staging, dates);
        var publishMs = clock.ElapsedMilliseconds;
        Publish(def, staging);
        return new ProcessorComparison(name, tables, duckMs, referenceMs, stepMs.Select(x => (x.Key, x.Value)).OrderByDescending(x => x.Value).Take(3).ToList(), shards)
        {
            Published = published, PublishMs = publishMs, Changes = Changes.ToList(),
        };
    }

    /// <summary>The columns a step names as p.column, after checking it reads <paramref name="table"/> only as p (once
    /// when filtered) and still contains <paramref name="filter"/>.</summary>
    private static string NarrowedColumns(ProcessorName name, string step, string sql, TableDef table, string? filter)
    {
        var reference = $"`{RenderedName(table)}`";
        var reads = sql.Split(reference).Length - 1;
        if (reads == 0 || Regex.Matches(sql, Regex.Escape(reference) + @" p\s").Count != reads || filter is not null && reads != 1)
            throw new InvalidOperationException($"{name} step '{step}' no longer reads {table.FullName} only as p (once, with a filter): update NarrowedStepInputs");
        if (filter is not null && !sql.Contains(filter, StringComparison.Ordinal))
            throw new InvalidOperationException($"{name} step '{step}' no longer filters by '{filter}': update NarrowedStepInputs");
        return string.Join(" ", Regex.Matches(sql, @"\bp\.(\w+)").Select(m => m.Groups[1].Value));
    }

    private static string TypeOf(System.Text.Json.Nodes.JsonNode t) =>
        (string)t["type"]! == "ARRAY" ? $"ARRAY<{TypeOf(t["arrayType"]!)}>" : (string)t["type"]!;

    private static string RenderedName(TableDef t) => $"{ZetaSqlGate.GateProject}.{t.Dataset}.{t.Name}";

    /// <summary>
    /// Every declared table the statements name, with only the columns the statements mention (the evaluator's server
    /// takes requests up to 4 MB) and only rows up to the slice's last date; staging tables whole.
    /// </summary>
    private void LoadInputs(string script, DateOnly last, StagingTables staging, IReadOnlyList<(TableDef Table, string Filter)> filters)
    {
        foreach (var t in WarehouseSchema.All)
            if (script.Contains($"`{RenderedName(t)}`", StringComparison.Ordinal)) LoadTable(t, script, last, filters);
        foreach (var t in new[] { staging.Dates, staging.Rows, staging.Failures, staging.ContextSources })
            Engine.SetTable(RenderedName(t), t.Columns.Select(c => (c.Name, c.FullType)).ToList(), Db.W.Query($"SELECT * FROM {t.Placeholder}").Rows);
    }

    /// <summary>One input table: the columns <paramref name="script"/> names, rows up to <paramref name="last"/> and
    /// matching every filter aimed at this table.</summary>
    private void LoadTable(TableDef t, string script, DateOnly last, IReadOnlyList<(TableDef Table, string Filter)> filters)
    {
        var words = Regex.Matches(script, @"\w+").Select(m => m.Value).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var cols = t.Columns.Where(c => words.Contains(c.Name)).ToList();
        var partition = t.PartitionColumn is { } p && t.Column(p).Type == ColumnType.Date ? p : null;
        var where = partition is null ? "TRUE" : $"{partition} <= DATE '{last:yyyy-MM-dd}'";
        foreach (var f in filters.Where(f => f.Table.FullName == t.FullName)) where += $" AND ({f.Filter})";
        // Alias p: a step filter is copied from a statement that reads the table as p.
        var rows = Db.W.Query($"SELECT {string.Join(", ", cols.Select(c => c.Name))} FROM {t.Placeholder} p WHERE {where}").Rows;
        Engine.SetTable(RenderedName(t), cols.Select(c => (c.Name, c.FullType)).ToList(), rows);
    }

    private TableComparison Compare(string label, TableDef shape, IReadOnlyList<string> key, TableDef stagingTable, (IReadOnlyList<string> Columns, List<object?[]> Rows) reference)
    {
        var duck = Db.W.Query($"SELECT {string.Join(", ", shape.ColumnNames)} FROM {stagingTable.Placeholder}");
        var duckRows = duck.Rows.Select(r => shape.Columns.Select((c, i) => ReferenceEngine.Canonical(c.FullType, r[i])).ToArray()).ToList();
        var (refCols, refRaw) = reference;
        var ordinal = shape.Columns.Select(c => refCols.ToList().FindIndex(x => string.Equals(x, c.Name, StringComparison.OrdinalIgnoreCase))).ToArray();
        var refRows = refRaw.Select(r => ordinal.Select(i => r[i]).ToArray()).ToList();
        return RowComparer.Compare(label, shape, key, duckRows, refRows);
    }

    /// <summary>The product-owned tables beside the outputs: the context log and, for player-context processors, the
    /// per-row context (the output and failure rows are published by the scoped publish, <see cref="PublishOwned"/>).</summary>
    private void Publish(ProcessorDefinition def, StagingTables s)
    {
        var p = WarehouseExtensions.Params(("p", def.Name.ToString()));
        string Cols(TableDef t) => string.Join(", ", t.ColumnNames);
        Db.W.ExecuteInTransaction(new SqlStatement[]
        {
            new($"DELETE FROM {WarehouseSchema.ContextSourceLog.Placeholder} WHERE processor_name = @p AND analysis_date IN (SELECT analysis_date FROM {s.Dates.Placeholder})", p),
            $"INSERT INTO {WarehouseSchema.ContextSourceLog.Placeholder} ({Cols(WarehouseSchema.ContextSourceLog)}) SELECT {Cols(WarehouseSchema.ContextSourceLog)} FROM {s.ContextSources.Placeholder}",
        }.Concat(ScopedPublisher.ContextPublishStatements(def, s, $"(SELECT analysis_date FROM {s.Dates.Placeholder})", ProcessedAt)).ToList());
    }

    /// <summary>The product's scoped publish of the output and failure rows, on DuckDB only.</summary>
    private void PublishOwned(ProcessorDefinition def, StagingTables s, IReadOnlyList<DateOnly> dates)
    {
        var dateList = new ScopedPublisher.DateList("(" + string.Join(", ", dates.Distinct().Order().Select(Literal)) + ")");
        Db.W.ExecuteInTransaction(ScopedPublisher.ReplaceOwnedRows(ProcessorCatalog.OutputOwnership(def.Name), s.Rows, dateList)
            .Concat(ScopedPublisher.ReplaceOwnedRows(ProcessorCatalog.FailureOwnership(def.Name), s.Failures, dateList)).ToList());
    }
}

internal sealed record ProcessorComparison(ProcessorName Processor, IReadOnlyList<TableComparison> Tables, long DuckDbMs, long ReferenceMs, IReadOnlyList<(string Step, long Ms)> SlowestSteps, int Shards)
{
    /// <summary>The publish of the staged rows and failures into production's tables, compared on both engines.</summary>
    public IReadOnlyList<TableComparison> Published { get; init; } = Array.Empty<TableComparison>();

    public long PublishMs { get; init; }

    /// <summary>Per published table: rows updated, inserted, deleted.</summary>
    public IReadOnlyList<(string Label, long Updated, long Inserted, long Deleted)> Changes { get; init; } = Array.Empty<(string, long, long, long)>();

    public long Differences => Tables.Sum(t => t.Differences.Count) + Published.Sum(t => t.Differences.Count);

    public string Report()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{Processor}: rows compared {Tables.Sum(t => t.RowsCompared)}, cells compared {Tables.Sum(t => t.CellsCompared)}, differences = {Differences}")
          .Append(CultureInfo.InvariantCulture, $" ({(Shards > 1 ? $"reference in {Shards} shards, " : "")}DuckDB {DuckDbMs} ms, reference {ReferenceMs} ms; slowest {string.Join(", ", SlowestSteps.Select(x => $"{x.Step} {x.Ms} ms"))})\n");
        foreach (var t in Tables) sb.Append("  ").Append(t.Report()).Append('\n');
        if (Published.Count > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{Processor} publish: rows compared {Published.Sum(t => t.RowsCompared)}, cells compared {Published.Sum(t => t.CellsCompared)}, differences = {Published.Sum(t => t.Differences.Count)} ({string.Join("; ", Changes.Select(c => $"{c.Label}: {c.Updated} updated, {c.Inserted} inserted, {c.Deleted} deleted"))}; both engines {PublishMs} ms)\n");
            foreach (var t in Published) sb.Append("  ").Append(t.Report()).Append('\n');
        }
        return sb.ToString();
    }
}

/// <summary>One table of both engines, matched by key.</summary>
internal sealed record TableComparison(string Label, long RowsCompared, long CellsCompared, IReadOnlyList<string> Differences, IReadOnlyDictionary<string, int> ByColumn)
{
    public string Report()
    {
        var head = $"{Label}: rows {RowsCompared}, cells {CellsCompared}, differences = {Differences.Count}";
        if (Differences.Count == 0) return head;
        return head + " [" + string.Join(", ", ByColumn.Select(kv => $"{kv.Key}×{kv.Value}")) + "]\n    "
            + string.Join("\n    ", Differences.Take(12));
    }
}

/// <summary>
/// The equality the suites demand: same set of keys; per column NUMERIC/INT64/STRING/DATE/BOOL/TIMESTAMP exactly,
/// FLOAT64 within 1e-9 relative, NULL only where NULL, arrays element by element.
/// </summary>
internal static class RowComparer
{
    public const double RelativeTolerance = 1e-9;

    public static TableComparison Compare(string label, TableDef shape, IReadOnlyList<string> key, List<object?[]> duck, List<object?[]> reference)
    {
        var keyIdx = key.Select(k => shape.Columns.ToList().FindIndex(c => c.Name == k)).ToArray();
        string KeyOf(object?[] r) => string.Join("|", keyIdx.Select(i => Show(r[i])));
        var diffs = new List<string>();
        var byColumn = new SortedDictionary<string, int>(StringComparer.Ordinal);
        Dictionary<string, object?[]> Index(List<object?[]> rows, string engine)
        {
            var map = new Dictionary<string, object?[]>();
            foreach (var r in rows)
                if (!map.TryAdd(KeyOf(r), r)) { diffs.Add($"{engine}: duplicate key {KeyOf(r)}"); Count(byColumn, "(duplicate key)"); }
            return map;
        }
        var d = Index(duck, "DuckDB");
        var z = Index(reference, "reference");
        foreach (var k in d.Keys.Except(z.Keys)) { diffs.Add($"key {k}: only on DuckDB"); Count(byColumn, "(key only on DuckDB)"); }
        foreach (var k in z.Keys.Except(d.Keys)) { diffs.Add($"key {k}: only on the reference engine"); Count(byColumn, "(key only on reference)"); }
        long rows = 0, cells = 0;
        foreach (var (k, dr) in d)
        {
            if (!z.TryGetValue(k, out var zr)) continue;
            rows++;
            for (var i = 0; i < shape.Columns.Count; i++)
            {
                cells++;
                if (Equal(shape.Columns[i].FullType, dr[i], zr[i])) continue;
                diffs.Add($"key {k} {shape.Columns[i].Name}: DuckDB {Show(dr[i])} vs reference {Show(zr[i])}");
                Count(byColumn, shape.Columns[i].Name);
            }
        }
        return new TableComparison(label, rows, cells, diffs, byColumn);
    }

    private static void Count(IDictionary<string, int> m, string k) => m[k] = m.TryGetValue(k, out var n) ? n + 1 : 1;

    public static bool Equal(SqlType type, object? a, object? b)
    {
        if (a is null || b is null) return a is null && b is null;
        switch (type.Kind)
        {
            case ColumnType.Float64:
                var x = (double)a; var y = (double)b;
                if (double.IsNaN(x) || double.IsNaN(y)) return double.IsNaN(x) && double.IsNaN(y);
                return x == y || Math.Abs(x - y) <= RelativeTolerance * Math.Max(Math.Abs(x), Math.Abs(y));
            case ColumnType.Array:
                var ea = (object?[])a; var eb = (object?[])b;
                return ea.Length == eb.Length && ea.Zip(eb).All(p => Equal(type.Element!, p.First, p.Second));
            case ColumnType.Struct:
                var fa = (object?[])a; var fb = (object?[])b;
                return fa.Length == fb.Length && type.Fields.Select((f, i) => Equal(f.Type, fa[i], fb[i])).All(e => e);
            default:
                return Equals(a, b);
        }
    }

    public static string Show(object? v) => v switch
    {
        null => "NULL",
        double dbl => dbl.ToString("R", CultureInfo.InvariantCulture),
        object?[] arr => "[" + string.Join(",", arr.Select(Show)) + "]",
        _ => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "",
    };
}
