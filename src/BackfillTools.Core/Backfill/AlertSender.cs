using System.Net.Http.Json;

namespace BackfillTools.Core.Backfill;

/// <summary>
/// Posts a Slack-compatible message when a run ends with failed or quarantined partitions. The webhook URL is a secret:
/// it is never put in a message, log, exception or table; a webhook that fails is a warning, never a failed backfill.
/// </summary>
public static class AlertSender
{
    public const int MaxListedPartitions = 10;
    public static TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    public static string BuildText(string runId, IReadOnlyList<BackfillResult> problems, long total)
    {
        var lines = new List<string> { $":rotating_light: BackfillTools run {runId}: {problems.Count} of {total} partitions need attention" };
        lines.AddRange(problems.OrderBy(p => p.Date).ThenBy(p => p.Processor).Take(MaxListedPartitions).Select(p =>
            $"• {p.Date:yyyy-MM-dd} {p.Processor}: {p.Status}{(p.CoveragePct is { } c ? $", coverage {c:0.#}%" : "")}{(p.ErrorCategory is { } e ? $" ({e})" : "")}"));
        if (problems.Count > MaxListedPartitions) lines.Add($"… and {problems.Count - MaxListedPartitions} more (Get-BackfillRun -RunId {runId})");
        lines.Add($"Repair: Invoke-Backfill -RetryFailed {runId}");
        return string.Join("\n", lines);
    }

    /// <summary>Send; returns null on success or a warning that names no secret.</summary>
    public static string? TrySend(Uri webhook, string text, HttpMessageHandler? handler = null)
    {
        try
        {
            using var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
            http.Timeout = Timeout;
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
