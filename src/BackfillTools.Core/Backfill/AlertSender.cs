using System.Net.Http.Json;

namespace BackfillTools.Core.Backfill;

/// <summary>
/// Posts a Slack-compatible message when a run ends with failed or quarantined partitions, or ends before its last
/// partition (stopped by an error or -ErrorAction Stop, or cancelled). The webhook URL is a secret: it is never put in a
/// message, log, exception or table; a webhook that fails is a warning, never a failed backfill.
/// </summary>
public static class AlertSender
{
    public const int MaxListedPartitions = 10;

    /// <summary>The environment variable that gives the webhook when -AlertWebhook is not given (unattended runs).</summary>
    public const string WebhookEnvVar = "BACKFILLTOOLS_ALERT_WEBHOOK";

    /// <summary>
    /// The run's webhook: <paramref name="given"/> (-AlertWebhook), else $env:BACKFILLTOOLS_ALERT_WEBHOOK, else none;
    /// either is checked by <see cref="ParseWebhook"/>.
    /// </summary>
    public static Uri? ResolveWebhook(string? given) =>
        given is not null ? ParseWebhook(given, "-AlertWebhook")
        : Environment.GetEnvironmentVariable(WebhookEnvVar) is { Length: > 0 } env ? ParseWebhook(env, $"$env:{WebhookEnvVar}")
        : null;

    /// <summary>How long a run that ends normally, or is stopped by an error, waits for the webhook.</summary>
    public static TimeSpan Timeout { get; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a cancelled run (Ctrl+C) waits for the webhook: the operator is waiting for the prompt.</summary>
    public static TimeSpan CancelTimeout { get; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The webhook from -AlertWebhook (or the environment variable named by <paramref name="source"/>): an absolute
    /// https URL, or http to this machine only. Anything else is refused with InvalidWebhook, and neither the message nor
    /// the error's target repeats the value, which is a secret even when it is mistyped.
    /// </summary>
    public static Uri ParseWebhook(string value, string source)
    {
        if (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) || uri.Host.Length == 0)
            throw InvalidWebhook($"{source} is not an absolute URL (or its port is out of range); give the whole webhook URL, starting with https://.");
        if (!Transport.IsTlsOrLoopback(uri))
            throw InvalidWebhook($"{source} must be an https URL (plain http is accepted only for a listener on this machine): the webhook URL is a secret and must not cross a network unencrypted.");
        return uri;
    }

    private static BackfillException InvalidWebhook(string message) => new(ErrorIds.InvalidWebhook, ErrorKind.InvalidArgument, message);

    /// <param name="ending">Null when the run reached its end; otherwise how it ended (Stopped, Cancelled, Failed).</param>
    /// <param name="unfinished">Partitions the run did not reach (marked Cancelled for -Resume).</param>
    public static string BuildText(string runId, IReadOnlyList<BackfillResult> problems, long total, RunStatus? ending = null, long unfinished = 0)
    {
        var header = ending is null
            ? $":rotating_light: BackfillTools run {runId}: {problems.Count} of {total} partitions need attention"
            : $":rotating_light: BackfillTools run {runId} {DescribeEnding(ending.Value)} before its end: {problems.Count} of {total} partitions failed or were quarantined, {unfinished} not run";
        var lines = new List<string> { header };
        lines.AddRange(problems.OrderBy(p => p.Date).ThenBy(p => p.Processor).Take(MaxListedPartitions).Select(p =>
            $"• {p.Date:yyyy-MM-dd} {p.Processor}: {p.Status}{(p.CoveragePct is { } c ? $", coverage {c:0.#}%" : "")}{(p.ErrorCategory is { } e ? $" ({e})" : "")}"));
        if (problems.Count > MaxListedPartitions) lines.Add($"… and {problems.Count - MaxListedPartitions} more (Get-BackfillRun -RunId {runId})");
        if (ending is not null) lines.Add($"Finish: Invoke-Backfill -Resume {runId}");
        if (problems.Count > 0) lines.Add($"Repair: Invoke-Backfill -RetryFailed {runId}");
        return string.Join("\n", lines);
    }

    private static string DescribeEnding(RunStatus ending) => ending switch
    {
        RunStatus.Cancelled => "was cancelled",
        RunStatus.Failed => "failed",
        _ => "stopped",
    };

    /// <summary>Send, waiting at most <paramref name="timeout"/> (default <see cref="Timeout"/>); returns null on success or a warning that names no secret.</summary>
    public static string? TrySend(Uri webhook, string text, HttpMessageHandler? handler = null, TimeSpan? timeout = null)
    {
        try
        {
            using var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
            http.Timeout = timeout ?? Timeout;
            using var response = http.PostAsJsonAsync(webhook, new { text }).GetAwaiter().GetResult();
            return response.IsSuccessStatusCode ? null : $"The alert webhook answered HTTP {(int)response.StatusCode}; the alert was not delivered.";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidOperationException)
        {
            // Exception messages can echo the URL, so only the kind of failure is reported.
            return $"The alert webhook could not be reached ({ex.GetType().Name}); the alert was not delivered.";
        }
    }
}
