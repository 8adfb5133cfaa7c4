namespace BackfillTools.Core.Warehouse;

// Optional capabilities: what only some engines can do. Callers ask for the capability, never for an engine's class.

/// <summary>A warehouse that can say what a statement would scan without running it (BigQuery's dry run).</summary>
public interface IDryRunWarehouse : IWarehouse
{
    (long BytesProcessed, int TablesReferenced) DryRun(string sql, IReadOnlyDictionary<string, object?>? parameters = null,
        CancellationToken cancellationToken = default);
}

/// <summary>A warehouse whose parallelism the caller sets (DuckDB's thread count, -ThrottleLimit).</summary>
public interface IThreadLimitedWarehouse : IWarehouse
{
    void SetThreads(int threads);
}
