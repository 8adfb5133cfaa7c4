using System.Globalization;
using System.Text.RegularExpressions;
using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using BackfillTools.Core.Warehouse.BigQuery;
using static BackfillTools.Core.Warehouse.Col;

namespace BackfillTools.Core.Backfill;

/// <summary>One processor's share of a run's estimate: bytes billed per compute script (chunk) × chunks.</summary>
public sealed record ProcessorCostEstimate(ProcessorName Processor, int Chunks, long BytesPerChunk)
{
    public long Bytes => BytesPerChunk * Chunks;
}

/// <summary>What a plan is expected to bill on BigQuery; on DuckDB it is not applicable.</summary>
public sealed record CostEstimate(bool Applicable, IReadOnlyList<ProcessorCostEstimate> Processors, string Warehouse)
{
    public long TotalBytes => Processors.Sum(p => p.Bytes);

    public long BytesPerChunk(ProcessorName processor) =>
        Processors.FirstOrDefault(p => p.Processor == processor)?.BytesPerChunk ?? 0;

    public static CostEstimate NotApplicable(string warehouse) => new(false, Array.Empty<ProcessorCostEstimate>(), warehouse);

    /// <summary>Lines for -WhatIf and -Verbose: one per processor, then the total.</summary>
    public IEnumerable<string> Describe(BigQueryPricing pricing)
    {
        if (!Applicable)
        {
            yield return $"Cost estimate: not applicable on {Warehouse} (only BigQuery bills by bytes).";
            yield break;
        }
        foreach (var p in Processors)
            yield return $"Cost estimate {p.Processor}: {BigQueryPricing.FormatBytes(p.Bytes)} ({p.Chunks} chunk(s) × {BigQueryPricing.FormatBytes(p.BytesPerChunk)}){pricing.FormatCost(p.Bytes)}.";
        yield return $"Cost estimate total: {BigQueryPricing.FormatBytes(TotalBytes)} ({TotalBytes:N0} bytes){pricing.FormatCost(TotalBytes)}.";
    }
}

/// <summary>
/// Estimates what a plan will bill on BigQuery before any of its jobs runs (documented in about_BackfillTools, "Cost
/// guard on BigQuery"). Per processor it takes the statements of one compute script (the chunk the runner submits):
/// <list type="bullet">
/// <item>every production table a statement reads is dry-run (free) as <c>SELECT &lt;the columns the statement
/// names&gt; FROM table</c>: what BigQuery would scan without partition pruning, so an upper bound;</item>
/// <item>a staging or scratch table holds what an earlier statement produced from those reads (the processors filter
/// and aggregate, never multiply, their inputs), so each one a statement reads is bounded by the processor's largest
/// production read;</item>
/// <item>each statement is billed by <see cref="BigQueryPricing.BilledBytes"/> (rounded up, with BigQuery's
/// minimum per table referenced).</item>
/// </list>
/// The sum is multiplied by the number of chunks. The audit, publish and ledger statements read the small staging
/// results and are not estimated; the running budget check counts every job's real bytes billed.
/// </summary>
public static partial class CostEstimator
{
    [StatementCatalog]
    internal static IEnumerable<RegisteredStatement> Catalog()
    {
        yield return new("CostEstimator.Probe", ProbeSql(WarehouseSchema.PlayerGameSummary, new[] { "game_date", "player_lookup", "minutes_played" }));
        // Every probe an estimate sends: one per production table a processor step reads, with the columns it names.
        var probes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var name in Enum.GetValues<ProcessorName>())
            foreach (var step in ((SqlProcessor)ProcessorCatalog.Create(name)).Steps(SampleStaging(name), ProcessorOptions.Default, DateTime.UnixEpoch))
                foreach (var table in TablePlaceholder().Matches(step.Sql).Select(m => m.Groups[1].Value).Distinct(StringComparer.OrdinalIgnoreCase))
                    if (!table.StartsWith(DatasetNames.Staging + ".", StringComparison.OrdinalIgnoreCase) && ProbeFor(table, step.Sql) is { } probe)
                        probes.Add(probe);
        var i = 0;
        foreach (var probe in probes) yield return new($"CostEstimator.Probe[{++i}]", probe);
    }

    /// <summary>The dry-run scan of the columns of <paramref name="table"/> that <paramref name="statement"/> names, or null when it names none.</summary>
    private static string? ProbeFor(string table, string statement)
    {
        var def = WarehouseSchema.Find(table);
        var columns = def.ColumnNames.Where(c => Regex.IsMatch(statement, $@"\b{Regex.Escape(c)}\b", RegexOptions.IgnoreCase)).ToList();
        return columns.Count == 0 ? null : ProbeSql(def, columns);
    }

    public static CostEstimate Estimate(IWarehouse warehouse, IReadOnlyList<PlanItem> plan, BackfillRequest request, CancellationToken ct = default)
    {
        if (warehouse is not IDryRunWarehouse bigQuery) return CostEstimate.NotApplicable(warehouse.Dialect.Name);
        var probes = new Dictionary<string, long>(StringComparer.Ordinal);
        var estimates = new List<ProcessorCostEstimate>();
        foreach (var group in plan.Where(p => p.IsRun).GroupBy(p => p.Processor).OrderBy(g => g.Key))
        {
            var dates = group.Select(p => p.Date).Distinct().OrderBy(d => d).ToList();
            var chunks = BackfillRunner.Chunk(dates, request.DatesPerChunk).Count();
            estimates.Add(new ProcessorCostEstimate(group.Key, chunks, PerChunk(bigQuery, group.Key, request, probes, ct)));
        }
        return new CostEstimate(true, estimates, bigQuery.Description);
    }

    private static long PerChunk(IDryRunWarehouse w, ProcessorName name, BackfillRequest request, Dictionary<string, long> probes, CancellationToken ct)
    {
        var steps = ((SqlProcessor)ProcessorCatalog.Create(name)).Steps(SampleStaging(name), request.ProcessorOptions, DateTime.UtcNow);
        var reads = steps.Select(s =>
        {
            var tables = TablePlaceholder().Matches(s.Sql).Select(m => m.Groups[1].Value).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            var production = tables.Where(t => !t.StartsWith(DatasetNames.Staging + ".", StringComparison.OrdinalIgnoreCase)).ToList();
            var productionBytes = production.Select(t => Probe(w, t, s.Sql, probes, ct)).ToList();
            return (Tables: tables.Count, Staging: tables.Count - production.Count, Production: productionBytes);
        }).ToList();
        var stagingBound = reads.SelectMany(r => r.Production).DefaultIfEmpty(0).Max();
        return reads.Sum(r => BigQueryPricing.BilledBytes(r.Production.Sum() + r.Staging * stagingBound, r.Tables));
    }

    /// <summary>Dry-run a scan of the columns of <paramref name="table"/> that <paramref name="statement"/> names.</summary>
    private static long Probe(IDryRunWarehouse w, string table, string statement, Dictionary<string, long> probes, CancellationToken ct)
    {
        if (ProbeFor(table, statement) is not { } sql) return 0;
        if (!probes.TryGetValue(sql, out var bytes)) probes[sql] = bytes = w.DryRun(sql, null, ct).BytesProcessed;
        return bytes;
    }

    /// <summary>The dry-run scan of some columns of a production table.</summary>
    internal static string ProbeSql(TableDef table, IEnumerable<string> columns) =>
        $"SELECT {string.Join(", ", columns)} FROM {table.Placeholder}" + (table.AllPartitionsFilter is { } all ? $" WHERE {all}" : "");

    /// <summary>Staging tables shaped like the runner's; only their dataset matters here.</summary>
    private static StagingTables SampleStaging(ProcessorName name)
    {
        var def = ProcessorCatalog.Get(name);
        var p = name.ToString().ToLowerInvariant();
        var ds = DatasetNames.Staging;
        return new StagingTables("estimate",
            new TableDef(ds, $"{p}_dates_estimate", new[] { Date("analysis_date", false) }, Array.Empty<string>()),
            def.StagingRows.WithName(ds, $"{p}_rows_estimate"),
            WarehouseSchema.PrecomputeFailures.WithName(ds, $"{p}_failures_estimate"),
            WarehouseSchema.ContextSourceLog.WithName(ds, $"{p}_context_estimate"));
    }

    [GeneratedRegex(@"\{\{([A-Za-z0-9_]+\.[A-Za-z0-9_]+)\}\}")]
    private static partial Regex TablePlaceholder();
}

/// <summary>The one budget rule of -MaxBytesBilled: before the run, and before every chunk of it.</summary>
public static class CostBudget
{
    public const string ErrorId = "CostBudgetExceeded";

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
    public static long? Remaining(long? budget, long billedSoFar) => budget is { } b ? Math.Max(1, b - billedSoFar) : null;
}
