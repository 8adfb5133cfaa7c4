using System.Text.Json.Nodes;

namespace BackfillTools.Core.Warehouse.BigQuery;

/// <summary>What one finished BigQuery query job cost, from its jobs.get statistics.</summary>
public sealed record BigQueryJobCost(string JobId, string Kind, string? RunId, string? Processor, long BytesProcessed, long BytesBilled,
    long SlotMs, DateTime FinishedAt);

/// <summary>
/// The cost side of a BigQuery session: the labels and the maximumBytesBilled every query job carries, and the bytes
/// billed and slot time of every job that finished, kept until the ledger takes them (<see cref="Drain"/>).
/// </summary>
public sealed class BigQueryCostMeter
{
    private readonly object _gate = new();
    private readonly List<BigQueryJobCost> _pending = new();
    private long _billed, _processed, _slotMs;

    /// <summary>Run id and processor the next jobs are attributed to (BigQuery labels run_id and processor).</summary>
    public string? RunId { get; set; }
    public string? Processor { get; set; }

    /// <summary>The maximumBytesBilled of the next query job (the budget still left, asked per job); null = no cap.</summary>
    public Func<long?>? JobCap { get; set; }

    /// <summary>The maximumBytesBilled of a job under a budget: what is left (at least 1 byte, so BigQuery refuses rather than ignores it).</summary>
    public static long BudgetLeft(long budget, long billedSoFar) => Math.Max(1, budget - billedSoFar);

    public long BytesBilled => Interlocked.Read(ref _billed);
    public long BytesProcessed => Interlocked.Read(ref _processed);
    public long SlotMs => Interlocked.Read(ref _slotMs);

    /// <summary>The labels of the next job: BigQuery label values are lowercase letters, digits, '_' and '-', at most 63 long.</summary>
    public IDictionary<string, string> Labels()
    {
        var labels = new Dictionary<string, string>();
        if (RunId is { } run) labels["run_id"] = LabelValue(run);
        if (Processor is { } p) labels["processor"] = LabelValue(p);
        return labels;
    }

    public static string LabelValue(string text)
    {
        var chars = text.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_').ToArray();
        return new string(chars, 0, Math.Min(chars.Length, 63));
    }

    /// <summary>Record a finished job from its resource (statistics.query.totalBytesBilled, statistics.totalSlotMs).</summary>
    public BigQueryJobCost Record(string kind, JsonNode jobResource)
    {
        var stats = jobResource["statistics"];
        var cost = new BigQueryJobCost(
            (string?)jobResource["jobReference"]?["jobId"] ?? "",
            kind, RunId, Processor,
            BigQueryRestClient.ParseLong(stats?["query"]?["totalBytesProcessed"] ?? stats?["totalBytesProcessed"]) ?? 0,
            BigQueryRestClient.ParseLong(stats?["query"]?["totalBytesBilled"]) ?? 0,
            BigQueryRestClient.ParseLong(stats?["totalSlotMs"] ?? stats?["query"]?["totalSlotMs"]) ?? 0,
            DateTime.UtcNow);
        Interlocked.Add(ref _billed, cost.BytesBilled);
        Interlocked.Add(ref _processed, cost.BytesProcessed);
        Interlocked.Add(ref _slotMs, cost.SlotMs);
        lock (_gate) _pending.Add(cost);
        return cost;
    }

    /// <summary>The jobs recorded since the last call (for the ledger).</summary>
    public IReadOnlyList<BigQueryJobCost> Drain()
    {
        lock (_gate)
        {
            var jobs = _pending.ToList();
            _pending.Clear();
            return jobs;
        }
    }
}
