using System.Net;
using System.Text.Json.Nodes;

namespace BackfillTools.Core.Warehouse.BigQuery;

/// <summary>
/// A failed BigQuery call or job (the official client's GoogleApiException). <see cref="HttpStatus"/> is 0 for a job
/// that failed inside BigQuery (status.errorResult). Messages come from BigQuery's error body only: no request
/// headers, so no credential, can end up here.
/// </summary>
public sealed class BigQueryApiException : Exception
{
    public BigQueryApiException(int httpStatus, IReadOnlyList<BigQueryError> errors, string message, JobReference? job = null,
        bool jobFailed = false, Exception? inner = null)
        : base(message, inner)
    {
        HttpStatus = httpStatus;
        Errors = errors;
        Job = job;
        JobFailed = jobFailed;
    }

    public int HttpStatus { get; }
    public IReadOnlyList<BigQueryError> Errors { get; }
    public JobReference? Job { get; }

    /// <summary>True when the job ran and failed (as opposed to the HTTP call failing).</summary>
    public bool JobFailed { get; }

    public string? Reason => Errors.Count > 0 ? Errors[0].Reason : null;

    /// <summary>Parse Google's JSON error body; proxies may send none, so the status alone must do.</summary>
    internal static BigQueryApiException FromResponse(HttpStatusCode status, string? body, JobReference? job)
    {
        var errors = new List<BigQueryError>();
        string? message = null;
        try
        {
            var error = string.IsNullOrWhiteSpace(body) ? null : JsonNode.Parse(body)?["error"];
            message = (string?)error?["message"];
            if (error?["errors"] is JsonArray list)
                errors.AddRange(list.Select(e => BigQueryError.Parse(e)!));
        }
        catch (System.Text.Json.JsonException)
        {
            // not JSON (an HTML page from a proxy): status only
        }
        return new BigQueryApiException((int)status, errors, message ?? $"HTTP {(int)status} {status}", job);
    }
}

/// <summary>What to do about a failure: the retry policy in one place (spec bigquery.md §1.7).</summary>
public enum BigQueryFailureKind
{
    /// <summary>Retry the same HTTP call (same job id for jobs.insert).</summary>
    Transient,
    /// <summary>The job ran and failed in a way a re-run can fix: run the whole statement again with a NEW job id.</summary>
    RerunStatement,
    /// <summary>Retrying cannot help.</summary>
    Fatal,
}

public static class BigQueryErrors
{
    public const string BytesBilledLimitErrorId = "BigQueryBytesBilledLimit";

    /// <summary>
    /// BigQuery refused an UPDATE, DELETE or MERGE because rows streamed into the table are still in its streaming buffer
    /// (up to about 90 minutes after a streaming insert). Nothing ran; the same statement succeeds once the buffer flushed.
    /// </summary>
    public const string StreamingBufferBusyErrorId = ErrorIds.StreamingBufferBusy;

    // BigQuery gives the refusal no reason of its own (it is an invalidQuery); its message is stable.
    private const string StreamingBufferText = "in the streaming buffer";

    private static readonly string[] TransientReasons = { "rateLimitExceeded", "backendError", "internalError" };

    private static readonly string[] ConflictTexts =
    {
        "Could not serialize access", "concurrent update", "Transaction is aborted", "Too many DML statements outstanding",
    };

    public static BigQueryFailureKind Classify(Exception ex)
    {
        switch (ex)
        {
            case BigQueryApiException api:
                // Conflicts are keyed on the message: BigQuery gives them no reason of their own.
                if (ConflictTexts.Any(t => api.Message.Contains(t, StringComparison.OrdinalIgnoreCase)
                                           || api.Errors.Any(e => e.Message.Contains(t, StringComparison.OrdinalIgnoreCase))))
                    return BigQueryFailureKind.RerunStatement;
                if (api.JobFailed)
                    return api.Errors.Count > 0 && api.Errors.All(e => TransientReasons.Contains(e.Reason) || e.Reason is "jobBackendError" or "jobInternalError")
                        ? BigQueryFailureKind.RerunStatement
                        : BigQueryFailureKind.Fatal;
                if (api.HttpStatus is 429 or 502 or 503 or 504) return BigQueryFailureKind.Transient;
                if (api.Errors.Count == 0) return api.HttpStatus >= 500 ? BigQueryFailureKind.Transient : BigQueryFailureKind.Fatal;
                return api.Errors.All(e => TransientReasons.Contains(e.Reason)) ? BigQueryFailureKind.Transient : BigQueryFailureKind.Fatal;
            case HttpRequestException or IOException or TimeoutException:
                return BigQueryFailureKind.Transient;
            // HttpClient.Timeout surfaces as TaskCanceledException without the caller's token being cancelled.
            case TaskCanceledException { InnerException: TimeoutException }:
                return BigQueryFailureKind.Transient;
            default:
                return BigQueryFailureKind.Fatal;
        }
    }

    /// <summary>The stable ErrorIds operators match on.</summary>
    public static BackfillException ToBackfillException(Exception ex, string? target = null)
    {
        if (ex is BackfillException be) return be;
        if (ex is TimeoutException)
            return new BackfillException(ErrorIds.BigQueryJobTimeout, ErrorKind.OperationStopped, ex.Message, target, ex);
        if (ex is System.Text.Json.JsonException)
            return new BackfillException(ErrorIds.BigQueryBadResponse, ErrorKind.InvalidData, $"BigQuery (or a proxy) sent a response that is not the expected JSON: {ex.Message}", target, ex);
        if (ex is not BigQueryApiException api)
            return new BackfillException(ErrorIds.BigQueryUnavailable, ErrorKind.ConnectionError,
                $"BigQuery could not be reached after retries: {ex.Message}", target, ex);

        var reason = api.Reason ?? "";
        var where = api.Job is null ? "" : $" (job {api.Job.JobId})";
        var (id, kind, advice) = IsStreamingBufferRefusal(api)
            ? (StreamingBufferBusyErrorId, ErrorKind.ResourceBusy,
                "Rows streamed into the table are still in its streaming buffer, which DML cannot change; retry with Invoke-Backfill -RetryFailed once it has flushed (BigQuery flushes it at most an hour and a half after the last streaming insert).")
            : Classify(api) switch
        {
            BigQueryFailureKind.RerunStatement when !api.Message.Contains("DML statements outstanding", StringComparison.OrdinalIgnoreCase)
                && api.Errors.All(e => e.Reason is not ("backendError" or "internalError" or "rateLimitExceeded" or "jobBackendError" or "jobInternalError"))
                => ("BigQueryConcurrentUpdate", ErrorKind.ResourceBusy, "Another writer changed the same table or partition; run one backfill per table at a time and retry."),
            _ => reason switch
            {
                "invalidQuery" => ("BigQueryInvalidQuery", ErrorKind.InvalidArgument, "The SQL was rejected; this is a bug in the statement, not a transient failure."),
                "invalid" or "badRequest" => ("BigQueryInvalidRequest", ErrorKind.InvalidData, "BigQuery rejected the request or its data."),
                "notFound" => ("BigQueryNotFound", ErrorKind.ObjectNotFound, "Check the project, the dataset prefix and the location."),
                "accessDenied" or "billingNotEnabled" or "forbidden" => ("BigQueryAccessDenied", ErrorKind.PermissionDenied,
                    "The credential needs roles/bigquery.jobUser on the project and roles/bigquery.dataEditor on the datasets."),
                "bytesBilledLimitExceeded" => (BytesBilledLimitErrorId, ErrorKind.LimitsExceeded, "The query would bill more than MaximumBytesBilled; narrow the date range or raise the limit."),
                "quotaExceeded" => ("BigQueryQuotaExceeded", ErrorKind.LimitsExceeded, "A BigQuery quota is exhausted; wait for it to reset or raise it."),
                "resourcesExceeded" or "responseTooLarge" => ("BigQueryResourcesExceeded", ErrorKind.LimitsExceeded, "Process fewer dates per statement."),
                "stopped" => ("BigQueryJobCancelled", ErrorKind.OperationStopped, "The job was cancelled."),
                "duplicate" => ("BigQueryDuplicate", ErrorKind.ResourceExists, "The resource already exists."),
                _ when api.HttpStatus == 401 => ("BigQueryAccessDenied", ErrorKind.PermissionDenied,
                    "The credential was refused; run 'gcloud auth application-default login' or set GOOGLE_APPLICATION_CREDENTIALS."),
                _ when Classify(api) != BigQueryFailureKind.Fatal => (ErrorIds.BigQueryUnavailable, ErrorKind.ResourceUnavailable, "BigQuery kept failing after retries; try again later."),
                _ => ("BigQueryError", ErrorKind.InvalidOperation, ""),
            },
        };
        var text = $"BigQuery {(api.HttpStatus > 0 ? $"HTTP {api.HttpStatus} " : "")}{(reason.Length > 0 ? reason + ": " : "")}{api.Message}{where}. {advice}".TrimEnd();
        return new BackfillException(id, kind, text, target, api);
    }

    private static bool IsStreamingBufferRefusal(BigQueryApiException api) =>
        api.Message.Contains(StreamingBufferText, StringComparison.OrdinalIgnoreCase)
        || api.Errors.Any(e => e.Message.Contains(StreamingBufferText, StringComparison.OrdinalIgnoreCase));
}
