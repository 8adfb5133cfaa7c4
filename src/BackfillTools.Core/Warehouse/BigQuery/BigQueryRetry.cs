using System.Collections.Concurrent;
using Polly;
using Polly.Retry;

namespace BackfillTools.Core.Warehouse.BigQuery;

/// <summary>Back-off settings. Every delay is injectable so tests run with zero waits.</summary>
public sealed class BigQueryRetryOptions
{
    /// <summary>Retries of one HTTP call on rateLimitExceeded/backendError/internalError/502/503/504/network errors.</summary>
    public int MaxRetryAttempts { get; init; } = 6;
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(32);
    public bool UseJitter { get; init; } = true;

    /// <summary>Re-runs of a whole statement (new job id) after a DML conflict or a job-level backend error.</summary>
    public int MaxStatementReruns { get; init; } = 4;
    public TimeSpan StatementBaseDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Pause between jobs.get polls, and after a getQueryResults long-poll that came back early.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest wait for one job before it is cancelled.</summary>
    public TimeSpan JobTimeout { get; init; } = TimeSpan.FromHours(2);

    /// <summary>No waiting at all: for tests.</summary>
    public static BigQueryRetryOptions Immediate { get; } = new()
    {
        BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero, StatementBaseDelay = TimeSpan.Zero, PollInterval = TimeSpan.Zero, UseJitter = false,
    };

    internal ResiliencePipeline BuildHttpPipeline(BigQueryJobCounter counter) =>
        Build(BigQueryFailureKind.Transient, MaxRetryAttempts, BaseDelay, counter.CountHttpRetry);

    internal ResiliencePipeline BuildStatementPipeline(BigQueryJobCounter counter) =>
        Build(BigQueryFailureKind.RerunStatement, MaxStatementReruns, StatementBaseDelay, counter.CountStatementRerun);

    /// <summary>Exponential back-off (with jitter unless disabled) for exactly one failure kind; the caller's cancellation always wins.</summary>
    private ResiliencePipeline Build(BigQueryFailureKind handles, int attempts, TimeSpan delay, Action onRetry) =>
        new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = args => ValueTask.FromResult(
                args.Outcome.Exception is { } e && !args.Context.CancellationToken.IsCancellationRequested
                && BigQueryErrors.Classify(e) == handles),
            MaxRetryAttempts = attempts,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = UseJitter,
            Delay = delay,
            MaxDelay = MaxDelay,
            OnRetry = _ => { onRetry(); return default; },
        }).Build();
}

/// <summary>
/// Jobs issued per kind (query, dml, script, load), so a backfill can report how many BigQuery jobs it used.
/// A re-run statement counts as a new job (it is one, and it is billed); an HTTP retry of the same job id is not.
/// </summary>
public sealed class BigQueryJobCounter
{
    private readonly ConcurrentDictionary<string, long> _jobs = new(StringComparer.Ordinal);
    private long _httpRetries, _statementReruns, _cancellations;

    public void CountJob(string kind) => _jobs.AddOrUpdate(kind, 1, (_, n) => n + 1);
    internal void CountHttpRetry() => Interlocked.Increment(ref _httpRetries);
    internal void CountStatementRerun() => Interlocked.Increment(ref _statementReruns);
    internal void CountCancellation() => Interlocked.Increment(ref _cancellations);

    public long this[string kind] => _jobs.TryGetValue(kind, out var n) ? n : 0;
    public long TotalJobs => _jobs.Values.Sum();
    public long HttpRetries => Interlocked.Read(ref _httpRetries);
    public long StatementReruns => Interlocked.Read(ref _statementReruns);
    public long Cancellations => Interlocked.Read(ref _cancellations);

    public IReadOnlyDictionary<string, long> Snapshot() => new SortedDictionary<string, long>(_jobs, StringComparer.Ordinal);

    public override string ToString() =>
        $"{TotalJobs} jobs ({string.Join(", ", Snapshot().Select(kv => $"{kv.Key} {kv.Value}"))}); {HttpRetries} HTTP retries, {StatementReruns} statement re-runs";
}
