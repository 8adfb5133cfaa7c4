using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Core.Ledger;

/// <summary>Reads precompute_failures with optional filters (Get-BackfillFailure).</summary>
public static class FailureReader
{
    /// <summary>Every filter combination (each on or off), with sample values, for the GoogleSQL gate.</summary>
    [StatementCatalog]
    internal static IEnumerable<RegisteredStatement> Catalog()
    {
        for (var mask = 0; mask < 16; mask++)
        {
            var (sql, parameters) = Statement((mask & 1) != 0 ? "r" : null, (mask & 2) != 0 ? new[] { new DateOnly(2023, 2, 23) } : null,
                (mask & 4) != 0 ? new[] { ProcessorName.PCF } : null, (mask & 8) != 0 ? new[] { "UPSTREAM" } : null);
            yield return new($"FailureReader.Read[{mask}]", sql, parameters);
        }
    }

    public static IReadOnlyList<PrecomputeFailure> Read(IWarehouse w, string? runId, IReadOnlyList<DateOnly>? dates,
        IReadOnlyList<ProcessorName>? processors, IReadOnlyList<string>? categories, CancellationToken ct = default)
    {
        var (sql, parameters) = Statement(runId, dates, processors, categories);
        var rows = w.Query(sql, parameters, ct);
        return rows.AsRows()
            .Select(r => new PrecomputeFailure
            {
                Processor = r.GetString("processor_name")!, Date = r.GetDate("analysis_date"), EntityId = r.GetString("entity_id")!,
                Category = r.GetString("failure_category")!, Reason = r.GetString("failure_reason"), CanRetry = r.GetBoolean("can_retry"),
                RunId = r.GetString("run_id"), CreatedAt = r.GetNullableDateTime("created_at"),
            }).ToList();
    }

    private static (string Sql, Dictionary<string, object?> Parameters) Statement(string? runId, IReadOnlyList<DateOnly>? dates,
        IReadOnlyList<ProcessorName>? processors, IReadOnlyList<string>? categories)
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
        return ($@"SELECT processor_name, analysis_date, entity_id, failure_category, failure_reason, can_retry, run_id, created_at
FROM {WarehouseSchema.PrecomputeFailures.Placeholder}
WHERE {string.Join(" AND ", filters)}
ORDER BY analysis_date, processor_name, entity_id", parameters);
    }
}
