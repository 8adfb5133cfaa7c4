using BackfillTools.Core.Processors;
using BackfillTools.Core.Warehouse.BigQuery;

namespace BackfillTools.Core.Backfill;

/// <summary>
/// A run's cost guard on BigQuery: labels every job with the run and processor, keeps the budget (-MaxBytesBilled) over
/// the bytes billed so far (earlier attempts of a resumed run included), gives every job the budget still left as its
/// maximumBytesBilled, and writes each finished job's bytes and slot time to the ledger.
/// </summary>
public sealed class RunCostGuard
{
    private readonly BigQueryWarehouse _w;
    private readonly BackfillLedger _ledger;
    private readonly string _runId;
    private readonly CostEstimate _estimate;
    private readonly long? _budget;
    private readonly long _billedBefore;

    public RunCostGuard(BigQueryWarehouse warehouse, BackfillLedger ledger, string runId, CostEstimate estimate, long? budget, long billedBefore)
    {
        _w = warehouse;
        _ledger = ledger;
        _runId = runId;
        _estimate = estimate;
        _budget = budget;
        _billedBefore = billedBefore;
        warehouse.Cost.RunId = runId;
        warehouse.Cost.Processor = null;
        warehouse.Cost.JobCap = () => CostBudget.Remaining(_budget, BilledSoFar);
    }

    /// <summary>
    /// Bytes billed by this run so far: every job since the warehouse was opened for it (the lock and the plan's reads
    /// included, as the ledger records them), plus earlier attempts of a resumed run.
    /// </summary>
    public long BilledSoFar => _billedBefore + _w.Cost.BytesBilled;

    /// <summary>Before a chunk: stop if its estimate does not fit the budget left; else label its jobs.</summary>
    public void BeforeChunk(ProcessorName processor, IReadOnlyList<DateOnly> dates)
    {
        CostBudget.EnsureNextFits(BilledSoFar, _estimate.BytesPerChunk(processor), _budget,
            $"{processor} {dates[0]:yyyy-MM-dd}..{dates[^1]:yyyy-MM-dd}", _runId);
        _w.Cost.Processor = processor.ToString();
    }

    /// <summary>The clean stop when BigQuery refused a job of a chunk for the budget left (its maximumBytesBilled).</summary>
    public BackfillException Exhausted(ProcessorName processor, IReadOnlyList<DateOnly> dates, Exception refusal) =>
        CostBudget.Exhausted(BilledSoFar, _budget, $"{processor} {dates[0]:yyyy-MM-dd}..{dates[^1]:yyyy-MM-dd}", _runId, refusal);

    /// <summary>
    /// After a chunk, and on the way out: the jobs that follow are the run's own (its record, the lock) until the next
    /// chunk; write the jobs finished since the last call to the ledger's backfill_jobs (a load job: free).
    /// </summary>
    public void RecordJobs()
    {
        _w.Cost.Processor = null;
        _ledger.RecordJobs(_runId, _w.Cost.Drain());
    }

    /// <summary>
    /// Test hook: this guard over another estimate and budget, as if the tables had grown since the estimate (the only
    /// way a run that passed its estimate can reach the budget: the estimate is an upper bound of the plan).
    /// </summary>
    internal RunCostGuard Outdated(CostEstimate estimate, long? budget) => new(_w, _ledger, _runId, estimate, budget, _billedBefore);

    /// <summary>On the way out of a failing run: the original error matters more than the job rows.</summary>
    public void TryRecordJobs()
    {
        try { RecordJobs(); }
        catch (Exception) { /* the jobs stay in BigQuery's INFORMATION_SCHEMA.JOBS under the run's labels */ }
    }
}
