using System.Text.RegularExpressions;
using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using BackfillTools.Core.Warehouse.BigQuery;

namespace BackfillTools.Core.Backfill;

/// <summary>One processor's share of a run's estimate: bytes billed per chunk (its every statement) × chunks.</summary>
public sealed record ProcessorCostEstimate(ProcessorName Processor, int Chunks, long BytesPerChunk)
{
    public long Bytes => BytesPerChunk * Chunks;
}

/// <summary>
/// What a plan is expected to bill on BigQuery: <paramref name="PlanningBytes"/> once (the planner's and pre-flight's
/// reads), then each processor's chunks. On DuckDB it is not applicable.
/// </summary>
public sealed record CostEstimate(bool Applicable, IReadOnlyList<ProcessorCostEstimate> Processors, string Warehouse, long PlanningBytes = 0)
{
    public long TotalBytes => PlanningBytes + Processors.Sum(p => p.Bytes);

    public long BytesPerChunk(ProcessorName processor) =>
        Processors.FirstOrDefault(p => p.Processor == processor)?.BytesPerChunk ?? 0;

    public static CostEstimate NotApplicable(string warehouse) => new(false, Array.Empty<ProcessorCostEstimate>(), warehouse);

    /// <summary>Lines for -WhatIf and -Verbose: planning, one per processor, then the total.</summary>
    public IEnumerable<string> Describe(BigQueryPricing pricing)
    {
        if (!Applicable)
        {
            yield return $"Cost estimate: not applicable on {Warehouse} (only BigQuery bills by bytes).";
            yield break;
        }
        if (PlanningBytes > 0)
            yield return $"Cost estimate planning and pre-flight: {BigQueryPricing.FormatBytes(PlanningBytes)}{pricing.FormatCost(PlanningBytes)}.";
        foreach (var p in Processors)
            yield return $"Cost estimate {p.Processor}: {BigQueryPricing.FormatBytes(p.Bytes)} ({p.Chunks} chunk(s) × {BigQueryPricing.FormatBytes(p.BytesPerChunk)}){pricing.FormatCost(p.Bytes)}.";
        yield return $"Cost estimate total: {BigQueryPricing.FormatBytes(TotalBytes)} ({TotalBytes:N0} bytes){pricing.FormatCost(TotalBytes)}.";
    }
}

/// <summary>
/// Estimates what a plan will bill on BigQuery before any of its jobs runs, as an upper bound (the method is
/// documented in docs/bigquery.md, "Cost notes"). It bills every query statement the run will issue: the planner's and
/// pre-flight's reads once (<see cref="BackfillPlanner.Statements"/>, <see cref="Preflight.Statements"/>), and per chunk
/// the upstream checks, the compute script, the audit, the ledger's mark and the fenced publish
/// (<see cref="BackfillRunner.ChunkStatements"/>). Per statement:
/// <list type="bullet">
/// <item>every table that exists when the estimate is made (production tables, the product's ledger and quarantine)
/// is dry-run (free) as <c>SELECT &lt;the columns the statement names&gt; FROM table</c>: what BigQuery would scan
/// without partition pruning, so an upper bound;</item>
/// <item>the table an UPDATE, DELETE or MERGE modifies adds its every column (BigQuery bills DML by the modified
/// table's size on top of what the statement reads);</item>
/// <item>a staging table does not exist yet: it holds what the chunk's compute script produced from its reads (the
/// processors filter and aggregate, never multiply, their inputs), so each one a statement reads is bounded by the
/// processor's largest production read in that script;</item>
/// <item>each statement is billed by <see cref="BigQueryPricing.BilledBytes"/> (rounded up, with BigQuery's
/// minimum per table referenced).</item>
/// </list>
/// Without partition pruning every chunk of a processor bills the same, so a chunk's bound times the chunks is the
/// processor's. Not estimated: the lock's and the run record's bookkeeping on the product's small tables (a few
/// statements a run); the running budget check counts them, as it counts every job's real bytes billed.
/// </summary>
public static partial class CostEstimator
{
    /// <summary>Every probe an estimate can send, derived from the statements it bills (the same derivation the meter uses).</summary>
    [StatementCatalog]
    internal static IEnumerable<RegisteredStatement> Catalog()
    {
        var d = new DateOnly(2023, 2, 23);
        var plan = ProcessorCatalog.All.Select(p => new PlanItem(d, Season.LabelOf(d), p.Name, PlanAction.Run, null)).ToList();
        var request = new BackfillRequest { Seasons = new[] { Season.LabelOf(d) } };
        var statements = BackfillPlanner.Statements(request).Concat(Preflight.Statements(plan))
            .Concat(ProcessorCatalog.All.SelectMany(def => BackfillRunner.ChunkStatements(def, new[] { d }, ProcessorOptions.Default, "estimate")));
        var i = 0;
        foreach (var probe in statements.SelectMany(ProbesOf).ToHashSet(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            yield return new($"CostEstimator.Probe[{++i}]", probe);
    }

    /// <summary>
    /// The dry-run scans that bound what <paramref name="statement"/> reads of existing tables: the columns it names of
    /// each, the table it modifies whole (BigQuery bills DML by the target's size). Staging tables are bounded elsewhere.
    /// </summary>
    private static IEnumerable<string> ProbesOf(string statement)
    {
        var modified = ModifiedTable().Match(statement) is { Success: true } m ? m.Groups[1].Value : null;
        foreach (var name in Tables(statement).Where(t => !IsStaging(t)))
        {
            var table = Existing(name);
            if (table is null) continue;
            var columns = string.Equals(name, modified, StringComparison.OrdinalIgnoreCase)
                ? table.ColumnNames.ToList()
                : table.ColumnNames.Where(c => Regex.IsMatch(statement, $@"\b{Regex.Escape(c)}\b", RegexOptions.IgnoreCase)).ToList();
            if (columns.Count > 0) yield return ProbeSql(table, columns);
        }
    }

    private static bool IsStaging(string fullName) => fullName.StartsWith(DatasetNames.Staging + ".", StringComparison.OrdinalIgnoreCase);

    private static List<string> Tables(string statement) =>
        TablePlaceholder().Matches(statement).Select(m => m.Groups[1].Value).Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    /// <summary>A declared table, or a processor's quarantine copy of its output.</summary>
    private static TableDef? Existing(string fullName) =>
        WarehouseSchema.All.FirstOrDefault(t => string.Equals(t.FullName, fullName, StringComparison.OrdinalIgnoreCase))
        ?? ProcessorCatalog.All.Select(d => d.Output.WithName(DatasetNames.Quarantine, d.Output.Name))
            .FirstOrDefault(t => string.Equals(t.FullName, fullName, StringComparison.OrdinalIgnoreCase));

    /// <param name="planned">Whether the plan came from the planner (a new run), so its reads count; -Resume and -RetryFailed read it from the ledger.</param>
    public static CostEstimate Estimate(IWarehouse warehouse, IReadOnlyList<PlanItem> plan, BackfillRequest request, CancellationToken ct = default,
        bool planned = true)
    {
        if (warehouse is not IDryRunWarehouse bigQuery) return CostEstimate.NotApplicable(warehouse.Dialect.Name);
        var meter = new StatementMeter(bigQuery, ct);
        var planning = (planned ? BackfillPlanner.Statements(request) : Enumerable.Empty<string>())
            .Concat(request.SkipPreflight ? Enumerable.Empty<string>() : Preflight.Statements(plan));
        var planningBytes = planning.Sum(sql => meter.Billed(sql, stagingBound: 0));
        var estimates = new List<ProcessorCostEstimate>();
        foreach (var group in plan.Where(p => p.IsRun).GroupBy(p => p.Processor).OrderBy(g => g.Key))
        {
            var chunks = BackfillRunner.Chunk(group.Select(p => p.Date).Distinct().OrderBy(d => d).ToList(), request.DatesPerChunk).ToList();
            estimates.Add(new ProcessorCostEstimate(group.Key, chunks.Count, PerChunk(meter, ProcessorCatalog.Get(group.Key), chunks[0], request)));
        }
        return new CostEstimate(true, estimates, bigQuery.Description, planningBytes);
    }

    private static long PerChunk(StatementMeter meter, ProcessorDefinition def, IReadOnlyList<DateOnly> dates, BackfillRequest request)
    {
        var statements = BackfillRunner.ChunkStatements(def, dates, request.ProcessorOptions, "estimate").ToList();
        // What the staging tables can hold: the largest production read of the compute script that fills them.
        var compute = ProcessorCatalog.Engine(def.Name).Steps(BackfillRunner.StagingFor(def, "estimate", "estimate").Tables,
            request.ProcessorOptions, DateTime.UtcNow).Select(s => s.Sql).ToHashSet();
        var stagingBound = statements.Where(compute.Contains).SelectMany(meter.ProductionReads).DefaultIfEmpty(0).Max();
        return statements.Sum(sql => meter.Billed(sql, stagingBound));
    }

    /// <summary>The dry-run scan of some columns of a table (all partitions: a table with require_partition_filter needs a filter).</summary>
    internal static string ProbeSql(TableDef table, IEnumerable<string> columns) =>
        $"SELECT {string.Join(", ", columns)} FROM {table.Placeholder}" + (table.AllPartitionsFilter is { } all ? $" WHERE {all}" : "");

    /// <summary>Dry-runs the reads of statements, each distinct probe once.</summary>
    private sealed class StatementMeter(IDryRunWarehouse w, CancellationToken ct)
    {
        private readonly Dictionary<string, long> _probes = new(StringComparer.Ordinal);

        /// <summary>The bound of what one statement bills.</summary>
        public long Billed(string statement, long stagingBound)
        {
            var tables = Tables(statement);
            var staged = tables.Count(IsStaging);
            return BigQueryPricing.BilledBytes(ProductionReads(statement).Sum() + staged * stagingBound, tables.Count);
        }

        /// <summary>The dry-run bytes of each existing table <paramref name="statement"/> reads (the modified one whole).</summary>
        public IEnumerable<long> ProductionReads(string statement) => ProbesOf(statement).Select(Probe);

        private long Probe(string sql)
        {
            if (!_probes.TryGetValue(sql, out var bytes))
            {
                try { bytes = w.DryRun(sql, null, ct).BytesProcessed; }
                catch (BackfillException ex) when (ex.Kind == ErrorKind.ObjectNotFound) { bytes = 0; }   // a quarantine not created yet
                _probes[sql] = bytes;
            }
            return bytes;
        }
    }

    [GeneratedRegex(@"\{\{([A-Za-z0-9_]+\.[A-Za-z0-9_]+)\}\}")]
    private static partial Regex TablePlaceholder();

    /// <summary>The table an UPDATE, DELETE or MERGE modifies (BigQuery bills its whole size).</summary>
    [GeneratedRegex(@"^\s*(?:UPDATE|DELETE\s+FROM|DELETE|MERGE\s+INTO|MERGE)\s+\{\{([A-Za-z0-9_]+\.[A-Za-z0-9_]+)\}\}", RegexOptions.IgnoreCase)]
    private static partial Regex ModifiedTable();
}

/// <summary>The one budget rule of -MaxBytesBilled: before the run, and before every chunk of it.</summary>
public static class CostBudget
{
    public const string ErrorId = ErrorIds.CostBudgetExceeded;

    /// <summary>Refuse a run whose estimate exceeds the budget, before any job runs.</summary>
    public static void EnsureEstimateFits(CostEstimate estimate, long? budget, long billedBefore = 0)
    {
        if (budget is { } b && estimate.Applicable && billedBefore + estimate.TotalBytes > b)
            throw new BackfillException(ErrorId, ErrorKind.LimitsExceeded,
                $"The run is estimated to bill {BigQueryPricing.FormatBytes(estimate.TotalBytes)} ({estimate.TotalBytes:N0} bytes)" +
                (billedBefore > 0 ? $" on top of the {billedBefore:N0} bytes it already billed" : "") + ", more than -MaxBytesBilled " +
                $"{BigQueryPricing.FormatBytes(b)} ({b:N0} bytes). Narrow the dates or processors, or raise the budget; -WhatIf shows the estimate per processor.",
                estimate);
    }

    /// <summary>Stop (resumable) before a chunk whose estimate would take the bytes billed so far over the budget.</summary>
    public static void EnsureNextFits(long billedSoFar, long nextEstimate, long? budget, string what, string runId)
    {
        if (budget is { } b && billedSoFar + nextEstimate > b)
            throw new BackfillException(ErrorId, ErrorKind.LimitsExceeded,
                $"Stopped before {what}: {billedSoFar:N0} bytes billed so far plus its estimate of {nextEstimate:N0} bytes would exceed -MaxBytesBilled {b:N0} bytes. " +
                $"Raise the budget and resume with Invoke-Backfill -Resume {runId}.", runId);
    }

    /// <summary>A job of <paramref name="what"/> was refused by BigQuery for the budget left: the run stops, resumable.</summary>
    public static BackfillException Exhausted(long billedSoFar, long? budget, string what, string runId, Exception refusal) =>
        new(ErrorId, ErrorKind.LimitsExceeded,
            $"Stopped in {what}: BigQuery refused a job for the budget left ({billedSoFar:N0} bytes billed so far of -MaxBytesBilled {budget:N0} bytes); " +
            $"nothing of that chunk was published. Raise the budget and resume with Invoke-Backfill -Resume {runId}.", runId, refusal);

    /// <summary>The maximumBytesBilled of the next job: the budget still left (at least 1 byte, so BigQuery refuses rather than ignores it).</summary>
    public static long? Remaining(long? budget, long billedSoFar) => budget is { } b ? BigQueryCostMeter.BudgetLeft(b, billedSoFar) : null;
}
