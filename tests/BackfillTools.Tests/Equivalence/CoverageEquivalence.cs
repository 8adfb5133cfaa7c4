using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Sql;
using BackfillTools.Core.Validation;
using BackfillTools.Core.Warehouse;
using BackfillTools.Core.Warehouse.BigQuery;

namespace BackfillTools.Tests.Equivalence;

/// <summary>
/// Issue #14, the validation accounting: Test-Coverage runs through its public entry point
/// (<see cref="CoverageValidator.Run"/>) on the slice's DuckDB warehouse, seen through <see cref="Recorder"/>, which
/// sends every query it makes, rendered and bound for BigQuery, also to the reference engine over the same table
/// contents and compares the two answers. The statements are whatever the validator sends, not copies of its text.
/// </summary>
internal sealed partial class EquivalenceSlice
{
    /// <summary>Test-Coverage (every layer, -Detailed) over <paramref name="scope"/>, each of its queries compared.</summary>
    public CoverageComparison CompareCoverage(DateScope scope, DateOnly first, DateOnly last)
    {
        using var recorder = new Recorder(this, first, last);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var results = CoverageValidator.Run(recorder, scope, new CoverageOptions { Detailed = true });
        return new CoverageComparison(recorder.Compared, results, clock.ElapsedMilliseconds);
    }

    /// <summary>One query's answers on both engines, keyed by its identifying columns where it has them.</summary>
    private TableComparison CompareQuery(string label, string portableSql, IReadOnlyDictionary<string, object?>? parameters, QueryResult duck, DateOnly first, DateOnly last)
    {
        var (sql, ps) = BigQueryWarehouse.BindParameters(Dialect.Render(portableSql), parameters);
        foreach (var t in WarehouseSchema.All)
        {
            var name = $"`{RenderedName(t)}`";
            if (!sql.Contains(name, StringComparison.Ordinal)) continue;
            // A table the statement reads only as `t WHERE game_date IN (SELECT analysis_date FROM cov_dates)` gets only
            // the rows of the scope's dates (cov_dates lies within first..last): a season of player games is over the
            // evaluator's 4 MB in late February. Any other read gets every row up to the last date.
            var reads = sql.Split(name).Length - 1;
            var throughDates = sql.Split(name + " WHERE game_date IN (SELECT analysis_date FROM cov_dates)").Length - 1;
            var filters = reads == throughDates && t.PartitionColumn == "game_date"
                ? new List<(TableDef, string)> { (t, $"p.game_date >= DATE '{first:yyyy-MM-dd}'") }
                : new List<(TableDef, string)>();
            LoadTable(t, sql, last, filters);
        }
        JsonObject answer;
        try { answer = Engine.Run(sql, ps.Select(p => (p.Name, TypeOf(p.ToQueryParameter()["parameterType"]!), p.Value))); }
        catch (ReferenceEngineException ex)
        {
            throw new InvalidOperationException($"Test-Coverage query '{label}' failed on the reference engine: {ex.Message}\n{BackfillTools.Tests.BigQuery.ZetaSqlGate.Excerpt(sql, ex.Message)}", ex);
        }
        var (columns, reference) = ReferenceEngine.Result(answer);
        var shape = new TableDef("query", "result", columns.Select(c => new ColumnDef(c.Name, c.Type)).ToList(), Array.Empty<string>());
        if (duck.Columns.Count != columns.Count || !duck.Columns.Zip(columns).All(x => string.Equals(x.First, x.Second.Name, StringComparison.OrdinalIgnoreCase)))
            throw new InvalidOperationException($"'{label}': DuckDB answers ({string.Join(", ", duck.Columns)}), the reference engine ({string.Join(", ", columns.Select(c => c.Name))})");
        var duckRows = duck.Rows.Select(r => columns.Select((c, i) => ReferenceEngine.Canonical(c.Type, r[i])).ToArray()).ToList();
        var key = columns.Select(c => c.Name).Where(IdentifyingColumns.Contains).ToList();
        if (key.Count == 0) key = columns.Where(c => c.Type.Kind != ColumnType.Float64).Select(c => c.Name).ToList();
        return RowComparer.Compare(label, shape, key, duckRows, reference);
    }

    /// <summary>The columns that identify a row of a validation answer (a date, a processor, an entity, a game, a table).</summary>
    private static readonly HashSet<string> IdentifyingColumns = new(StringComparer.OrdinalIgnoreCase)
    {
        "analysis_date", "partition_date", "processor", "processor_name", "entity_id", "game_id", "game_date", "tbl",
    };

    /// <summary>
    /// The slice's DuckDB warehouse as Test-Coverage sees it: every call goes to DuckDB; each query is also compared on
    /// the reference engine (labelled by the processor whose output table it reads, if exactly one).
    /// </summary>
    private sealed class Recorder(EquivalenceSlice slice, DateOnly first, DateOnly last) : IWarehouse
    {
        private IWarehouse W => slice.Db.W;

        public List<(string Processor, TableComparison Comparison)> Compared { get; } = new();

        public SqlDialect Dialect => W.Dialect;

        public string Description => W.Description;

        public QueryResult Query(string sql, IReadOnlyDictionary<string, object?>? parameters = null, CancellationToken cancellationToken = default)
        {
            var duck = W.Query(sql, parameters, cancellationToken);
            var readers = ProcessorCatalog.All.Where(d => sql.Contains(d.Output.Placeholder, StringComparison.Ordinal)).Select(d => d.Name.ToString()).ToList();
            var owner = readers.Count == 1 ? readers[0] : "shared";
            var label = $"query {Compared.Count + 1} ({owner})";
            Compared.Add((owner, slice.CompareQuery(label, sql, parameters, duck, first, last)));
            return duck;
        }

        public long Execute(string sql, IReadOnlyDictionary<string, object?>? parameters = null, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("Test-Coverage must not write: " + sql);

        public IReadOnlyList<long> ExecuteInTransaction(IReadOnlyList<SqlStatement> statements, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("Test-Coverage must not write.");

        public long BulkAppend(TableDef table, IEnumerable<object?[]> rows, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("Test-Coverage must not write.");

        public IReadOnlySet<string> ExistingTables() => W.ExistingTables();

        public IReadOnlyList<ColumnDef>? TableColumns(string dataset, string name) => W.TableColumns(dataset, name);

        public void EnsureTable(TableDef table) => throw new InvalidOperationException("Test-Coverage must not create tables.");

        public void DropTable(string dataset, string name) => throw new InvalidOperationException("Test-Coverage must not drop tables.");

        public void Dispose() { }
    }
}

/// <summary>Test-Coverage's queries on both engines over one slice, and the results it graded (from DuckDB).</summary>
internal sealed record CoverageComparison(IReadOnlyList<(string Processor, TableComparison Comparison)> Queries, IReadOnlyList<CoverageResult> Results, long Ms)
{
    public long Differences => Queries.Sum(q => q.Comparison.Differences.Count);

    public string Report()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"Test-Coverage: {Queries.Count} queries, rows compared {Queries.Sum(q => q.Comparison.RowsCompared)}, cells compared {Queries.Sum(q => q.Comparison.CellsCompared)}, differences = {Differences} ({Ms} ms)\n");
        foreach (var g in Queries.GroupBy(q => q.Processor))
            sb.Append(CultureInfo.InvariantCulture, $"  {g.Key}: queries {g.Count()}, rows compared {g.Sum(q => q.Comparison.RowsCompared)}, cells compared {g.Sum(q => q.Comparison.CellsCompared)}, differences = {g.Sum(q => q.Comparison.Differences.Count)}\n");
        foreach (var q in Queries.Where(q => q.Comparison.Differences.Count > 0)) sb.Append("  ").Append(q.Comparison.Report()).Append('\n');
        foreach (var r in Results.Where(r => r.Layer == BackfillTools.Core.Domain.CoverageLayer.Precompute))
            sb.Append(CultureInfo.InvariantCulture, $"  {r.Date:yyyy-MM-dd} {r.Processor}: expected {r.Expected}, actual {r.Actual}, accounted {r.Accounted}, {r.Status}\n");
        return sb.ToString();
    }
}
