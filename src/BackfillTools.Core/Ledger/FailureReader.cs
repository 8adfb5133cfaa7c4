using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Core.Ledger;

/// <summary>Reads precompute_failures with optional filters (Get-BackfillFailure).</summary>
public static class FailureReader
{
    public static IReadOnlyList<PrecomputeFailure> Read(IWarehouse w, string? runId, IReadOnlyList<DateOnly>? dates,
        IReadOnlyList<ProcessorName>? processors, IReadOnlyList<string>? categories, CancellationToken ct = default)
    {
        // Filters go into the query: the failures table is the largest operations table.
        // Without -RunId there is no run filter at all: a NULL parameter would reach BigQuery as "run_id = NULL".
        var filters = new List<string> { "TRUE" };
        var parameters = WarehouseExtensions.Params();
        if (runId is not null)
        {
            filters.Add("run_id = @run_id");
            parameters["run_id"] = runId;
        }
        void In<T>(string column, string prefix, IReadOnlyList<T>? values)
        {
            if (values is null) return;
            var names = values.Select((v, i) => { parameters[$"{prefix}{i}"] = v; return $"@{prefix}{i}"; }).ToList();
            filters.Add(names.Count == 0 ? "FALSE" : $"{column} IN ({string.Join(", ", names)})");
        }
        In("analysis_date", "d", dates);
        In("processor_name", "p", processors?.Select(p => p.ToString()).ToList());
        In("UPPER(failure_category)", "c", categories?.Select(c => c.ToUpperInvariant()).ToList());
        var rows = w.Query($@"SELECT processor_name, analysis_date, entity_id, failure_category, failure_reason, can_retry, run_id, created_at
FROM {WarehouseSchema.PrecomputeFailures.Placeholder}
WHERE {string.Join(" AND ", filters)}
ORDER BY analysis_date, processor_name, entity_id", parameters, ct);
        return rows.AsRows()
            .Select(r => new PrecomputeFailure
            {
                Processor = r.GetString("processor_name")!, Date = r.GetDate("analysis_date"), EntityId = r.GetString("entity_id")!,
                Category = r.GetString("failure_category")!, Reason = r.GetString("failure_reason"), CanRetry = r.GetBoolean("can_retry"),
                RunId = r.GetString("run_id"), CreatedAt = r.GetNullableDateTime("created_at"),
            }).ToList();
    }
}
