using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Google.Apis.Auth.OAuth2;
using Polly;

namespace BackfillTools.Core.Warehouse.BigQuery;

public sealed class BigQueryClientOptions
{
    public Uri BaseUri { get; init; } = new("https://bigquery.googleapis.com/");
    public string? DefaultLocation { get; init; }
    public BigQueryRetryOptions Retry { get; init; } = new();
    public string JobIdPrefix { get; init; } = "backfilltools_";
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
    public TimeSpan HttpTimeout { get; init; } = TimeSpan.FromMinutes(3);
}

/// <summary>
/// A thin BigQuery REST v2 client over HttpClient: jobs.insert (query, script, multipart load) with client-chosen job
/// ids, jobs.getQueryResults polling and paging, jobs.get/cancel/list, tables.insert/get/list/delete, datasets.insert/get/delete.
/// Its public surface follows Google.Cloud.BigQuery.V2's BigQueryClient (ExecuteQuery = CreateQueryJob +
/// GetQueryResults, BigQueryParameter, BigQueryResults, BigQueryJob), so moving to the official package once it is
/// available is a mechanical swap. Retries follow spec bigquery.md §1.7 through Polly.
/// </summary>
public sealed class BigQueryRestClient : IDisposable
{
    public const string Scope = "https://www.googleapis.com/auth/bigquery";

    private readonly HttpClient _http;
    private readonly BigQueryClientOptions _options;
    private readonly ResiliencePipeline _httpRetry;
    private readonly ResiliencePipeline _statementRetry;

    public BigQueryRestClient(string projectId, HttpMessageHandler handler, BigQueryClientOptions? options = null, BigQueryJobCounter? counter = null)
    {
        ProjectId = projectId;
        _options = options ?? new BigQueryClientOptions();
        _http = new HttpClient(handler, disposeHandler: true) { BaseAddress = _options.BaseUri, Timeout = _options.HttpTimeout };
        Jobs = counter ?? new BigQueryJobCounter();
        _httpRetry = _options.Retry.BuildHttpPipeline(Jobs);
        _statementRetry = _options.Retry.BuildStatementPipeline(Jobs);
    }

    /// <summary>
    /// A client authenticated by <paramref name="credential"/> (a bearer token per request), or unauthenticated when it is
    /// null (emulators, tests). <paramref name="transport"/> replaces the network (tests).
    /// </summary>
    public static BigQueryRestClient Create(string projectId, ITokenAccess? credential, BigQueryClientOptions? options = null,
        HttpMessageHandler? transport = null, BigQueryJobCounter? counter = null)
    {
        HttpMessageHandler handler = transport ?? new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.All };
        if (credential is not null) handler = new GoogleBearerHandler(credential) { InnerHandler = handler };
        return new BigQueryRestClient(projectId, handler, options, counter);
    }

    /// <summary>Application Default Credentials, scoped to BigQuery (GOOGLE_APPLICATION_CREDENTIALS, gcloud, metadata server).</summary>
    public static async Task<GoogleCredential> GetApplicationDefaultCredentialAsync(CancellationToken ct = default)
    {
        var credential = await GoogleCredential.GetApplicationDefaultAsync(ct).ConfigureAwait(false);
        return credential.IsCreateScopedRequired ? credential.CreateScoped(Scope) : credential;
    }

    public string ProjectId { get; }
    public BigQueryJobCounter Jobs { get; }
    public string? DefaultLocation => _options.DefaultLocation;

    // ---------------------------------------------------------------- queries

    /// <summary>jobs.insert of a query job, then getQueryResults until complete, every page read.</summary>
    public async Task<BigQueryResults> ExecuteQueryAsync(string sql, IEnumerable<BigQueryParameter>? parameters = null,
        QueryOptions? queryOptions = null, GetQueryResultsOptions? resultsOptions = null, CancellationToken ct = default, string jobKind = "query")
    {
        var job = await CreateQueryJobAsync(sql, parameters, queryOptions, ct, jobKind).ConfigureAwait(false);
        return await GetQueryResultsAsync(job.Reference!, resultsOptions, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Run <paramref name="attempt"/> again (it must use a NEW job id each time) when a job fails with a DML conflict or a
    /// job-level backend error; anything else propagates at once.
    /// </summary>
    public async Task<T> RerunOnConflictAsync<T>(Func<CancellationToken, Task<T>> attempt, CancellationToken ct) =>
        await _statementRetry.ExecuteAsync(async token => await attempt(token).ConfigureAwait(false), ct).ConfigureAwait(false);

    public Task<BigQueryJob> CreateQueryJobAsync(string sql, IEnumerable<BigQueryParameter>? parameters = null,
        QueryOptions? options = null, CancellationToken ct = default, string jobKind = "query")
    {
        var paramList = parameters?.ToList() ?? new List<BigQueryParameter>();
        var query = new JsonObject { ["query"] = sql, ["useLegacySql"] = false };
        if (paramList.Count > 0)
        {
            query["parameterMode"] = "NAMED";
            query["queryParameters"] = new JsonArray(paramList.Select(p => (JsonNode)p.ToQueryParameter()).ToArray());
        }
        if (options?.MaximumBytesBilled is { } max) query["maximumBytesBilled"] = max.ToString(CultureInfo.InvariantCulture);
        var configuration = new JsonObject { ["query"] = query };
        if (options?.DryRun == true) configuration["dryRun"] = true;
        return InsertJobAsync(configuration, options, jobKind, upload: null, ct);
    }

    /// <summary>
    /// jobs.insert with dryRun: BigQuery validates the query and answers with statistics.totalBytesProcessed without
    /// running or billing anything. No job is created, so none is counted.
    /// </summary>
    public async Task<JsonNode> DryRunQueryAsync(string sql, IEnumerable<BigQueryParameter>? parameters = null, CancellationToken ct = default)
    {
        var paramList = parameters?.ToList() ?? new List<BigQueryParameter>();
        var query = new JsonObject { ["query"] = sql, ["useLegacySql"] = false };
        if (paramList.Count > 0)
        {
            query["parameterMode"] = "NAMED";
            query["queryParameters"] = new JsonArray(paramList.Select(p => (JsonNode)p.ToQueryParameter()).ToArray());
        }
        var reference = NewJobReference("dryrun");
        var body = BuildJobResource(new JsonObject { ["query"] = query, ["dryRun"] = true }, reference, "dryrun", null).ToJsonString();
        var node = await SendWithRetryAsync(() => JsonRequest(HttpMethod.Post, JobsPath(), body), reference, ct).ConfigureAwait(false);
        new BigQueryJob(node!).ThrowOnAnyError();
        return node!;
    }

    /// <summary>The body of jobs.insert; public so golden tests can pin the request JSON.</summary>
    public JsonObject BuildJobResource(JsonObject configuration, JobReference reference, string jobKind, IDictionary<string, string>? extraLabels)
    {
        var labels = new JsonObject { ["tool"] = "backfilltools", ["job_kind"] = jobKind };
        foreach (var (k, v) in (_options.Labels ?? new Dictionary<string, string>()).Concat(extraLabels ?? new Dictionary<string, string>()))
            labels[k] = v;
        configuration["labels"] = labels;
        var jobRef = new JsonObject { ["projectId"] = reference.ProjectId, ["jobId"] = reference.JobId };
        if (reference.Location is not null) jobRef["location"] = reference.Location;
        return new JsonObject { ["jobReference"] = jobRef, ["configuration"] = configuration };
    }

    public JobReference NewJobReference(string jobKind, QueryOptions? options = null)
    {
        // Client-chosen ids make jobs.insert safe to retry (a 409 then means "already submitted").
        var id = options?.JobId ?? $"{options?.JobIdPrefix ?? _options.JobIdPrefix}{jobKind}_{DateTime.UtcNow:yyyyMMdd_HHmmss}_{Guid.NewGuid():N}";
        return new JobReference(ProjectId, id, options?.JobLocation ?? _options.DefaultLocation);
    }

    private async Task<BigQueryJob> InsertJobAsync(JsonObject configuration, QueryOptions? options, string jobKind,
        (byte[] Data, string MediaType)? upload, CancellationToken ct)
    {
        var reference = NewJobReference(jobKind, options);
        var body = BuildJobResource(configuration, reference, jobKind, options?.Labels).ToJsonString();
        Jobs.CountJob(jobKind);
        var attempts = 0;
        try
        {
            var node = await _httpRetry.ExecuteAsync(async token =>
            {
                attempts++;
                try
                {
                    return await SendAsync(() => upload is { } u ? UploadRequest(body, u.Data, u.MediaType) : JsonRequest(HttpMethod.Post, JobsPath(), body),
                        reference, token).ConfigureAwait(false);
                }
                catch (BigQueryApiException ex) when (ex.HttpStatus == 409 && attempts > 1)
                {
                    // Our earlier attempt reached BigQuery and the job exists: follow it instead of starting another.
                    return (await GetJobAsync(reference, token).ConfigureAwait(false)).Resource;
                }
            }, ct).ConfigureAwait(false);
            var job = new BigQueryJob(node!);
            // Some failures (e.g. invalidQuery) are reported at insert time as a finished job with an errorResult.
            job.ThrowOnAnyError();
            return job;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await TryCancelAsync(reference).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Poll jobs.getQueryResults until the job completes, then read every page (pageToken).</summary>
    public async Task<BigQueryResults> GetQueryResultsAsync(JobReference job, GetQueryResultsOptions? options = null, CancellationToken ct = default)
    {
        var deadline = DateTime.UtcNow + (options?.Timeout ?? _options.Retry.JobTimeout);
        IReadOnlyList<TableFieldSchema>? schema = null;
        var rows = new List<BigQueryRow>();
        string? pageToken = null;
        ulong totalRows = 0;
        long? dml = null;
        try
        {
            while (true)
            {
                var remaining = deadline - DateTime.UtcNow;
                if (remaining <= TimeSpan.Zero)
                {
                    await TryCancelAsync(job).ConfigureAwait(false);
                    throw new TimeoutException($"BigQuery job {job.JobId} did not finish in {(options?.Timeout ?? _options.Retry.JobTimeout).TotalMinutes:0} minutes; it was cancelled.");
                }
                var timeoutMs = (long)Math.Clamp(remaining.TotalMilliseconds, 1, 60_000);
                var url = $"{QueriesPath(job.JobId)}?timeoutMs={timeoutMs}&formatOptions.useInt64Timestamp=true"
                          + Loc(job.Location, "&")
                          + (options?.PageSize is { } ps ? $"&maxResults={ps}" : "")
                          + (pageToken is null ? "" : "&pageToken=" + Uri.EscapeDataString(pageToken));
                var response = await _httpRetry.ExecuteAsync(async token =>
                {
                    try
                    {
                        return await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, url), job, token).ConfigureAwait(false);
                    }
                    catch (BigQueryApiException ex) when (BigQueryErrors.Classify(ex) == BigQueryFailureKind.Transient)
                    {
                        // A job that itself failed with backendError answers getQueryResults with that error forever:
                        // ask jobs.get, and surface a finished job's error instead of retrying the read.
                        var state = await TryGetJobAsync(job, token).ConfigureAwait(false);
                        state?.ThrowOnAnyError();
                        throw;
                    }
                }, ct).ConfigureAwait(false);

                if (response?["jobComplete"]?.GetValue<bool>() != true)
                {
                    if (_options.Retry.PollInterval > TimeSpan.Zero) await Task.Delay(_options.Retry.PollInterval, ct).ConfigureAwait(false);
                    else ct.ThrowIfCancellationRequested();
                    continue;
                }
                schema ??= TableFieldSchema.ParseFields(response["schema"]);
                if (response["rows"] is JsonArray page)
                    rows.AddRange(page.Select(r => new BigQueryRow(schema, r!)));
                totalRows = ParseULong(response["totalRows"]) ?? (ulong)rows.Count;
                dml ??= ParseLong(response["numDmlAffectedRows"]);
                pageToken = (string?)response["pageToken"];
                if (pageToken is null) break;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stop paying for a job nobody waits for.
            await TryCancelAsync(job).ConfigureAwait(false);
            throw;
        }
        return new BigQueryResults(job, schema ?? Array.Empty<TableFieldSchema>(), rows, totalRows, dml, null);
    }

    // ---------------------------------------------------------------- jobs

    public async Task<BigQueryJob> GetJobAsync(JobReference job, CancellationToken ct = default) =>
        new((await SendWithRetryAsync(() => new HttpRequestMessage(HttpMethod.Get, $"{JobsPath()}/{Uri.EscapeDataString(job.JobId)}{Loc(job.Location, "?")}"), job, ct).ConfigureAwait(false))!);

    /// <summary>jobs.get every PollInterval until DONE (load jobs have no long-poll), then the job's error if any.</summary>
    public async Task<BigQueryJob> PollJobUntilCompletedAsync(JobReference job, CancellationToken ct = default)
    {
        var deadline = DateTime.UtcNow + _options.Retry.JobTimeout;
        try
        {
            while (true)
            {
                var state = await GetJobAsync(job, ct).ConfigureAwait(false);
                if (state.IsDone) return state.ThrowOnAnyError();
                if (DateTime.UtcNow > deadline)
                {
                    await TryCancelAsync(job).ConfigureAwait(false);
                    throw new TimeoutException($"BigQuery job {job.JobId} did not finish in time; it was cancelled.");
                }
                if (_options.Retry.PollInterval > TimeSpan.Zero) await Task.Delay(_options.Retry.PollInterval, ct).ConfigureAwait(false);
                else ct.ThrowIfCancellationRequested();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await TryCancelAsync(job).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The child jobs of a script, oldest first (each statement of a script is one child).</summary>
    public async Task<IReadOnlyList<BigQueryJob>> ListChildJobsAsync(JobReference parent, CancellationToken ct = default)
    {
        var jobs = new List<BigQueryJob>();
        string? token = null;
        do
        {
            var url = $"{JobsPath()}?parentJobId={Uri.EscapeDataString(parent.JobId)}&projection=full&maxResults=1000"
                      + (token is null ? "" : "&pageToken=" + Uri.EscapeDataString(token));
            var node = await SendWithRetryAsync(() => new HttpRequestMessage(HttpMethod.Get, url), parent, ct).ConfigureAwait(false);
            if (node?["jobs"] is JsonArray list) jobs.AddRange(list.Select(j => new BigQueryJob(j!)));
            token = (string?)node?["nextPageToken"];
        } while (token is not null);
        return jobs
            .OrderBy(j => ParseLong(j.Statistics?["creationTime"]) ?? 0)
            .ThenBy(j => j.Reference?.JobId, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// A load job with the data in the request (multipart upload): rows written this way never sit in the streaming
    /// buffer, so a failed backfill can delete and redo them at once (tabledata.insertAll is deliberately not offered).
    /// </summary>
    public async Task<BigQueryJob> UploadJsonAsync(string datasetId, string tableId, JsonArray schemaFields, byte[] newlineDelimitedJson,
        QueryOptions? options = null, CancellationToken ct = default)
    {
        var load = new JsonObject
        {
            ["destinationTable"] = new JsonObject { ["projectId"] = ProjectId, ["datasetId"] = datasetId, ["tableId"] = tableId },
            ["sourceFormat"] = "NEWLINE_DELIMITED_JSON",
            ["writeDisposition"] = "WRITE_APPEND",
            ["createDisposition"] = "CREATE_NEVER",
            ["schema"] = new JsonObject { ["fields"] = schemaFields.DeepClone() },
        };
        var job = await InsertJobAsync(new JsonObject { ["load"] = load }, options, "load", (newlineDelimitedJson, "application/octet-stream"), ct).ConfigureAwait(false);
        return await PollJobUntilCompletedAsync(job.Reference!, ct).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- tables and datasets

    /// <summary>tables.insert; false when the table already exists.</summary>
    public async Task<bool> CreateTableAsync(string datasetId, JsonObject table, CancellationToken ct = default)
    {
        try
        {
            await SendWithRetryAsync(() => JsonRequest(HttpMethod.Post, $"{ProjectPath()}/datasets/{Uri.EscapeDataString(datasetId)}/tables", table.ToJsonString()), null, ct).ConfigureAwait(false);
            return true;
        }
        catch (BigQueryApiException ex) when (ex.HttpStatus == 409)
        {
            return false;
        }
    }

    /// <summary>tables.get; null when it does not exist.</summary>
    public async Task<JsonNode?> GetTableAsync(string datasetId, string tableId, CancellationToken ct = default)
    {
        try
        {
            return await SendWithRetryAsync(() => new HttpRequestMessage(HttpMethod.Get, TablePath(datasetId, tableId)), null, ct).ConfigureAwait(false);
        }
        catch (BigQueryApiException ex) when (ex.HttpStatus == 404)
        {
            return null;
        }
    }

    /// <summary>tables.list (all pages); null when the dataset does not exist.</summary>
    public async Task<IReadOnlyList<string>?> ListTablesAsync(string datasetId, CancellationToken ct = default)
    {
        var names = new List<string>();
        string? token = null;
        try
        {
            do
            {
                var url = $"{ProjectPath()}/datasets/{Uri.EscapeDataString(datasetId)}/tables?maxResults=1000" + (token is null ? "" : "&pageToken=" + Uri.EscapeDataString(token));
                var node = await SendWithRetryAsync(() => new HttpRequestMessage(HttpMethod.Get, url), null, ct).ConfigureAwait(false);
                if (node?["tables"] is JsonArray list)
                    names.AddRange(list.Select(t => (string?)t?["tableReference"]?["tableId"]).OfType<string>());
                token = (string?)node?["nextPageToken"];
            } while (token is not null);
        }
        catch (BigQueryApiException ex) when (ex.HttpStatus == 404)
        {
            return null;
        }
        return names;
    }

    /// <summary>tables.delete; false when it did not exist.</summary>
    public async Task<bool> DeleteTableAsync(string datasetId, string tableId, CancellationToken ct = default)
    {
        try
        {
            await SendWithRetryAsync(() => new HttpRequestMessage(HttpMethod.Delete, TablePath(datasetId, tableId)), null, ct).ConfigureAwait(false);
            return true;
        }
        catch (BigQueryApiException ex) when (ex.HttpStatus == 404)
        {
            return false;
        }
    }

    /// <summary>datasets.insert (with <paramref name="labels"/>); false when it already exists.</summary>
    public async Task<bool> CreateDatasetAsync(string datasetId, string? location, CancellationToken ct = default, IReadOnlyDictionary<string, string>? labels = null)
    {
        var body = new JsonObject { ["datasetReference"] = new JsonObject { ["projectId"] = ProjectId, ["datasetId"] = datasetId } };
        if (location is not null) body["location"] = location;
        if (labels is { Count: > 0 }) body["labels"] = new JsonObject(labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value)));
        try
        {
            await SendWithRetryAsync(() => JsonRequest(HttpMethod.Post, $"{ProjectPath()}/datasets", body.ToJsonString()), null, ct).ConfigureAwait(false);
            return true;
        }
        catch (BigQueryApiException ex) when (ex.HttpStatus == 409)
        {
            return false;
        }
    }

    /// <summary>datasets.get: the dataset's labels (empty when it has none); null when it does not exist.</summary>
    public async Task<IReadOnlyDictionary<string, string>?> GetDatasetLabelsAsync(string datasetId, CancellationToken ct = default)
    {
        try
        {
            var node = await SendWithRetryAsync(() => new HttpRequestMessage(HttpMethod.Get, $"{ProjectPath()}/datasets/{Uri.EscapeDataString(datasetId)}"), null, ct).ConfigureAwait(false);
            return (node?["labels"] as JsonObject)?.ToDictionary(l => l.Key, l => (string?)l.Value ?? "") ?? new Dictionary<string, string>();
        }
        catch (BigQueryApiException ex) when (ex.HttpStatus == 404)
        {
            return null;
        }
    }

    /// <summary>datasets.delete with its tables (test clean-up); false when it did not exist.</summary>
    public async Task<bool> DeleteDatasetAsync(string datasetId, bool deleteContents, CancellationToken ct = default)
    {
        try
        {
            await SendWithRetryAsync(() => new HttpRequestMessage(HttpMethod.Delete,
                $"{ProjectPath()}/datasets/{Uri.EscapeDataString(datasetId)}?deleteContents={(deleteContents ? "true" : "false")}"), null, ct).ConfigureAwait(false);
            return true;
        }
        catch (BigQueryApiException ex) when (ex.HttpStatus == 404)
        {
            return false;
        }
    }

    // ---------------------------------------------------------------- HTTP

    private string ProjectPath() => $"bigquery/v2/projects/{Uri.EscapeDataString(ProjectId)}";
    private string JobsPath() => $"{ProjectPath()}/jobs";
    private string QueriesPath(string jobId) => $"{ProjectPath()}/queries/{Uri.EscapeDataString(jobId)}";
    private string TablePath(string datasetId, string tableId) => $"{ProjectPath()}/datasets/{Uri.EscapeDataString(datasetId)}/tables/{Uri.EscapeDataString(tableId)}";
    private static string Loc(string? location, string sep) => location is null ? "" : $"{sep}location={Uri.EscapeDataString(location)}";

    private static HttpRequestMessage JsonRequest(HttpMethod method, string path, string json) =>
        new(method, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    private HttpRequestMessage UploadRequest(string jobJson, byte[] data, string mediaType)
    {
        var multipart = new MultipartContent("related", "backfilltools_" + Guid.NewGuid().ToString("N"));
        multipart.Add(new StringContent(jobJson, Encoding.UTF8, "application/json"));
        var payload = new ByteArrayContent(data);
        payload.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        multipart.Add(payload);
        return new HttpRequestMessage(HttpMethod.Post, $"upload/{JobsPath()}?uploadType=multipart") { Content = multipart };
    }

    private async Task<JsonNode?> SendWithRetryAsync(Func<HttpRequestMessage> request, JobReference? job, CancellationToken ct) =>
        await _httpRetry.ExecuteAsync(async token => await SendAsync(request, job, token).ConfigureAwait(false), ct).ConfigureAwait(false);

    private async Task<JsonNode?> SendAsync(Func<HttpRequestMessage> build, JobReference? job, CancellationToken ct)
    {
        using var request = build();
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw BigQueryApiException.FromResponse(response.StatusCode, body, job);
        return string.IsNullOrWhiteSpace(body) ? null : JsonNode.Parse(body);
    }

    private async Task<BigQueryJob?> TryGetJobAsync(JobReference job, CancellationToken ct)
    {
        try
        {
            return new BigQueryJob((await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, $"{JobsPath()}/{Uri.EscapeDataString(job.JobId)}{Loc(job.Location, "?")}"), job, ct).ConfigureAwait(false))!);
        }
        catch (Exception ex) when (ex is BigQueryApiException or HttpRequestException)
        {
            return null;
        }
    }

    private async Task TryCancelAsync(JobReference job)
    {
        // Best effort, on a fresh token: the caller's token is already cancelled.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, $"{JobsPath()}/{Uri.EscapeDataString(job.JobId)}/cancel{Loc(job.Location, "?")}"), job, cts.Token).ConfigureAwait(false);
            Jobs.CountCancellation();
        }
        catch (Exception ex) when (ex is BigQueryApiException or HttpRequestException or OperationCanceledException)
        {
            // The job may never have been created, or is already done.
        }
    }

    internal static long? ParseLong(JsonNode? n) => n is null ? null
        : n.GetValueKind() == System.Text.Json.JsonValueKind.String ? long.Parse(n.GetValue<string>(), CultureInfo.InvariantCulture) : n.GetValue<long>();

    private static ulong? ParseULong(JsonNode? n) => ParseLong(n) is { } l ? (ulong)l : null;

    public void Dispose() => _http.Dispose();
}

/// <summary>Adds "Authorization: Bearer …" from a Google credential to every request; the token is never logged.</summary>
public sealed class GoogleBearerHandler : DelegatingHandler
{
    private readonly ITokenAccess _credential;

    public GoogleBearerHandler(ITokenAccess credential) => _credential = credential;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var token = await _credential.GetAccessTokenForRequestAsync(request.RequestUri?.GetLeftPart(UriPartial.Authority) + "/", ct).ConfigureAwait(false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await base.SendAsync(request, ct).ConfigureAwait(false);
    }
}
