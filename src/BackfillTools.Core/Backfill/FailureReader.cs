using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Core.Backfill;

/// <summary>Reads precompute_failures with optional filters (Get-BackfillFailure).</summary>
public static class FailureReader
{
    public static IReadOnlyList<PrecomputeFailure> Read(IWarehouse w, string? runId, IReadOnlyList<DateOnly>? dates,
        IReadOnlyList<ProcessorName>? processors, IReadOnlyList<string>? categories, CancellationToken ct = default)
    {
        var rows = w.Query($@"SELECT processor_name, analysis_date, entity_id, failure_category, failure_reason, can_retry, run_id, created_at
FROM {WarehouseSchema.PrecomputeFailures.Placeholder}
WHERE (@run_id IS NULL OR run_id = @run_id)
ORDER BY analysis_date, processor_name, entity_id", WarehouseExtensions.Params(("run_id", runId)), ct);
        var dateSet = dates?.ToHashSet();
        var procSet = processors?.Select(p => p.ToString()).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var catSet = categories?.ToHashSet(StringComparer.OrdinalIgnoreCase);
        return rows.AsRows()
            .Where(r => dateSet is null || dateSet.Contains(r.GetDate("analysis_date")))
            .Where(r => procSet is null || procSet.Contains(r.GetString("processor_name")!))
            .Where(r => catSet is null || catSet.Contains(r.GetString("failure_category")!))
            .Select(r => new PrecomputeFailure
            {
                Processor = r.GetString("processor_name")!, Date = r.GetDate("analysis_date"), EntityId = r.GetString("entity_id")!,
                Category = r.GetString("failure_category")!, Reason = r.GetString("failure_reason"), CanRetry = r.GetBoolean("can_retry"),
                RunId = r.GetString("run_id"), CreatedAt = r.GetNullableDateTime("created_at"),
            }).ToList();
    }
}
