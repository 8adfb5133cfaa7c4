using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Google.Apis.Auth.OAuth2;

namespace BackfillTools.Core.Warehouse.BigQuery;

public sealed class BigQueryWarehouseOptions
{
    /// <summary>Explicit credential; null means Application Default Credentials (unless <see cref="NoAuthentication"/>).</summary>
    public ITokenAccess? Credential { get; init; }

    /// <summary>Send no Authorization header (a local emulator). Never for real BigQuery.</summary>
    public bool NoAuthentication { get; init; }

    /// <summary>Replaces the network (tests).</summary>
    public HttpMessageHandler? Transport { get; init; }

    public Uri? BaseUri { get; init; }
    public BigQueryRetryOptions Retry { get; init; } = new();

    /// <summary>Rows per getQueryResults page (null = BigQuery's default, capped at 10 MB per page).</summary>
    public int? PageSize { get; init; }

    /// <summary>NDJSON bytes per load job in BulkAppend: one load job per chunk.</summary>
    public int LoadChunkBytes { get; init; } = 32 * 1024 * 1024;

    public string JobIdPrefix { get; init; } = "backfilltools_";
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>Cost guard: query jobs that would bill more bytes fail (bytesBilledLimitExceeded) instead of running.</summary>
    public long? MaximumBytesBilled { get; init; }
}

/// <summary>
/// The production warehouse: BigQuery through <see cref="BigQueryRestClient"/>. Every IWarehouse call is a small, fixed
/// number of jobs: Query/Execute one query job, ExecuteInTransaction one script job, BulkAppend one load job per
/// <see cref="BigQueryWarehouseOptions.LoadChunkBytes"/>; <see cref="Jobs"/> counts them.
/// </summary>
public sealed partial class BigQueryWarehouse : IWarehouse, IDryRunWarehouse
{
    private readonly BigQueryRestClient _client;
    private readonly BigQueryWarehouseOptions _options;
    private readonly HashSet<string> _datasets = new(StringComparer.OrdinalIgnoreCase);
    private readonly BigQueryDialect _dialect;

    public BigQueryWarehouse(BigQueryRestClient client, string datasetPrefix = "", BigQueryWarehouseOptions? options = null, string? toolDataset = null)
    {
        _client = client;
        _options = options ?? new BigQueryWarehouseOptions();
        _dialect = new BigQueryDialect(client.ProjectId, datasetPrefix) { ToolDataset = toolDataset ?? DatasetNames.Tool };
        // The legacy datasets too: migration 8 finds an older version's tables there.
        foreach (var d in DatasetNames.Declared.Concat(DatasetNames.Legacy)) _datasets.Add(d);
    }

    /// <summary>
    /// The label every dataset this tool creates carries: Remove-BackfillWarehouse deletes only labeled datasets (and
    /// unlabeled ones from older versions only with -Force).
    /// </summary>
    public static readonly KeyValuePair<string, string> CreatedLabel = new("backfilltools-created", "true");

    /// <summary>The labels of a dataset (prefixed name), or null when it does not exist.</summary>
    public IReadOnlyDictionary<string, string>? DatasetLabels(string dataset) =>
        Run(ct => _client.GetDatasetLabelsAsync(dataset, ct), CancellationToken.None, dataset);

    /// <summary>A declared dataset's name in this project: the prefix, then the name this warehouse gives it.</summary>
    public string DatasetName(string dataset) => _dialect.DatasetName(dataset);

    /// <summary>datasets.delete (prefixed name), with contents unless told not to (then a non-empty dataset is refused); false when it did not exist.</summary>
    public bool DeleteDataset(string dataset, bool deleteContents = true) =>
        Run(ct => _client.DeleteDatasetAsync(dataset, deleteContents, ct), CancellationToken.None, dataset);

    /// <summary>Whether a table exists (unprefixed dataset name).</summary>
    public bool TableExists(string dataset, string name) =>
        Run(ct => _client.GetTableAsync(_dialect.DatasetName(dataset), name, ct), CancellationToken.None, $"{dataset}.{name}") is not null;

    public static BigQueryWarehouse Open(WarehouseConnection connection, BigQueryWarehouseOptions? options = null)
    {
        options ??= new BigQueryWarehouseOptions();
        if (string.IsNullOrWhiteSpace(connection.Project))
            throw new BackfillException(ErrorIds.BigQueryProjectMissing, ErrorKind.InvalidArgument,
                "A BigQuery warehouse needs a project id (-Project).", connection);
        connection.CheckEndpoint();
        var credential = options.Credential ?? (options.NoAuthentication || connection.IsEmulator ? null : ApplicationDefaultCredential());
        var client = BigQueryRestClient.Create(connection.Project, credential, new BigQueryClientOptions
        {
            BaseUri = options.BaseUri ?? connection.Endpoint ?? new Uri("https://bigquery.googleapis.com/"),
            DefaultLocation = connection.Location,
            Retry = options.Retry,
            JobIdPrefix = options.JobIdPrefix,
            Labels = options.Labels,
        }, options.Transport);
        var warehouse = new BigQueryWarehouse(client, connection.DatasetPrefix, options, connection.ToolDataset);
        // A run's budget (-MaxBytesBilled) caps every job from the first, the connection's own checks included; the
        // run's cost guard then also counts what earlier attempts of a resumed run billed.
        if (connection.MaxBytesBilled is { } budget) warehouse.Cost.JobCap = () => BigQueryCostMeter.BudgetLeft(budget, warehouse.Cost.BytesBilled);
        return warehouse;
    }

    private static GoogleCredential ApplicationDefaultCredential()
    {
        try
        {
            return Task.Run(() => BigQueryRestClient.GetApplicationDefaultCredentialAsync()).GetAwaiter().GetResult();
        }
        catch (InvalidOperationException ex)
        {
            // Google's message names the places it looked; it never contains a secret.
            throw new BackfillException(ErrorIds.BigQueryCredentialsNotFound, ErrorKind.PermissionDenied,
                "No Google Application Default Credentials: run 'gcloud auth application-default login', or set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file. " + ex.Message,
                null, ex);
        }
    }

    public BigQueryRestClient Client => _client;
    public SqlDialect Dialect => _dialect;
    public string Project => _client.ProjectId;
    public string DatasetPrefix => _dialect.DatasetPrefix;

    /// <summary>Jobs issued so far, per kind (query, dml, script, load).</summary>
    public BigQueryJobCounter Jobs => _client.Jobs;

    public string Description =>
        $"BigQuery {Project}{(DatasetPrefix.Length > 0 ? $" (datasets prefixed '{DatasetPrefix}')" : "")} in {_client.DefaultLocation ?? "the default location"}";

    private GetQueryResultsOptions ResultsOptions => new() { PageSize = _options.PageSize };

    /// <summary>Labels, the per-job byte cap and the bytes billed so far (the cost guard of Invoke-Backfill).</summary>
    public BigQueryCostMeter Cost { get; } = new();

    /// <summary>The lower of the session cap and the run's budget still left; every query job carries it.</summary>
    private long? JobCap => (_options.MaximumBytesBilled, Cost.JobCap?.Invoke()) switch
    {
        ({ } a, { } b) => Math.Min(a, b),
        (var a, var b) => a ?? b,
    };

    private QueryOptions JobOptions => new() { MaximumBytesBilled = JobCap, Labels = Cost.Labels() };

    /// <summary>One query job, then its statistics (jobs.get, not a job) into <see cref="Cost"/>.</summary>
    private async Task<BigQueryResults> RunJobAsync(string sql, List<BigQueryParameter> parameters, string kind, CancellationToken ct)
    {
        var results = await _client.ExecuteQueryAsync(sql, parameters, JobOptions, ResultsOptions, ct, kind).ConfigureAwait(false);
        if (results.JobReference is { } reference)
            Cost.Record(kind, (await _client.GetJobAsync(reference, ct).ConfigureAwait(false)).Resource);
        return results;
    }

    /// <summary>
    /// A dry run of one statement: the bytes BigQuery would process and the number of tables it references. Free: no
    /// job runs and nothing is billed.
    /// </summary>
    public (long BytesProcessed, int TablesReferenced) DryRun(string sql, IReadOnlyDictionary<string, object?>? parameters = null, CancellationToken cancellationToken = default)
    {
        var (text, ps) = BindParameters(_dialect.Render(sql), parameters);
        var job = Run(ct => _client.DryRunQueryAsync(text, ps, ct), cancellationToken);
        var stats = job["statistics"];
        return (BigQueryRestClient.ParseLong(stats?["query"]?["totalBytesProcessed"] ?? stats?["totalBytesProcessed"]) ?? 0,
            (stats?["query"]?["referencedTables"] as JsonArray)?.Count ?? 0);
    }

    public QueryResult Query(string sql, IReadOnlyDictionary<string, object?>? parameters = null, CancellationToken cancellationToken = default)
    {
        var (text, ps) = BindParameters(_dialect.Render(sql), parameters);
        var results = Run(ct => _client.RerunOnConflictAsync(t => RunJobAsync(text, ps, "query", t), ct), cancellationToken);
        return new QueryResult(results.Schema.Select(f => f.Name).ToList(), results.Rows.Select(r => r.Values).ToList());
    }

    public long Execute(string sql, IReadOnlyDictionary<string, object?>? parameters = null, CancellationToken cancellationToken = default)
    {
        var (text, ps) = BindParameters(_dialect.Render(sql), parameters);
        var results = Run(ct => _client.RerunOnConflictAsync(t => RunJobAsync(text, ps, "dml", t), ct), cancellationToken);
        return results.NumDmlAffectedRows ?? -1;
    }

    /// <summary>
    /// ONE script job: BEGIN TRANSACTION; …; COMMIT TRANSACTION. A failing statement ends the script, and BigQuery rolls
    /// the open transaction back. Parameters are renamed per statement (@s0_x, @s1_x) so statements may reuse names.
    /// Row counts come from the script's child jobs (jobs.list?parentJobId, an API call, not a job).
    /// </summary>
    public IReadOnlyList<long> ExecuteInTransaction(IReadOnlyList<SqlStatement> statements, CancellationToken cancellationToken = default)
    {
        if (statements.Count == 0) return Array.Empty<long>();
        var script = BuildTransactionScript(statements, out var ps);
        return Run(ct => _client.RerunOnConflictAsync(async t =>
        {
            var results = await RunJobAsync(script, ps, "script", t).ConfigureAwait(false);
            var children = await _client.ListChildJobsAsync(results.JobReference!, t).ConfigureAwait(false);
            var dml = children
                .Where(j => (string?)j.Statistics?["query"]?["statementType"] is not ("BEGIN_TRANSACTION" or "COMMIT_TRANSACTION" or "SCRIPT"))
                .Select(j => BigQueryRestClient.ParseLong(j.Statistics?["query"]?["numDmlAffectedRows"]) ?? -1)
                .ToList();
            return dml.Count == statements.Count ? dml : (IReadOnlyList<long>)statements.Select(_ => -1L).ToList();
        }, ct), cancellationToken);
    }

    /// <summary>
    /// One script job for the whole batch (a processor run is ~15 statements: 15 jobs' latency and quota become one).
    /// A job-level failure re-runs the script with a new job id, which the batch contract makes safe.
    /// </summary>
    public void ExecuteBatch(IReadOnlyList<SqlStatement> statements, CancellationToken cancellationToken = default)
    {
        if (statements.Count == 0) return;
        var script = BuildScript(statements, transaction: false, out var ps);
        Run(ct => _client.RerunOnConflictAsync(t => RunJobAsync(script, ps, "script", t), ct), cancellationToken);
    }

    /// <summary>The script text ExecuteInTransaction sends (public for the SQL gate).</summary>
    public string BuildTransactionScript(IReadOnlyList<SqlStatement> statements, out List<BigQueryParameter> parameters) =>
        BuildScript(statements, transaction: true, out parameters);

    /// <summary>Statements joined into one script; each statement's parameters renamed @s&lt;i&gt;_name so they cannot collide.</summary>
    public string BuildScript(IReadOnlyList<SqlStatement> statements, bool transaction, out List<BigQueryParameter> parameters)
    {
        var sb = new StringBuilder(transaction ? "BEGIN TRANSACTION;\n" : "");
        parameters = new List<BigQueryParameter>();
        for (var i = 0; i < statements.Count; i++)
        {
            var (text, ps) = BindParameters(_dialect.Render(statements[i].Sql), statements[i].Parameters, $"s{i}_");
            sb.Append(text.TrimEnd().TrimEnd(';').TrimEnd()).Append(";\n");
            parameters.AddRange(ps);
        }
        return transaction ? sb.Append("COMMIT TRANSACTION;").ToString() : sb.ToString();
    }

    /// <summary>
    /// Load jobs with NDJSON in the request body (never tabledata.insertAll: streamed rows cannot be deleted for up to
    /// 90 minutes, which would block redoing a failed date). One load job per chunk; each chunk is atomic.
    /// </summary>
    public long BulkAppend(TableDef table, IEnumerable<object?[]> rows, CancellationToken cancellationToken = default)
    {
        var fields = BigQueryTableResource.SchemaFields(table);
        var dataset = _dialect.DatasetName(table.Dataset);
        long total = 0;
        var buffer = new MemoryStream();
        long pending = 0;

        void Flush()
        {
            if (pending == 0) return;
            var data = buffer.ToArray();
            var sent = pending;
            var job = Run(ct => _client.RerunOnConflictAsync(t => _client.UploadJsonAsync(dataset, table.Name, fields, data, null, t), ct), cancellationToken, table.FullName);
            total += BigQueryRestClient.ParseLong(job.Statistics?["load"]?["outputRows"]) ?? sent;
            buffer.SetLength(0);
            pending = 0;
        }

        foreach (var values in rows)
        {
            if (values.Length != table.Columns.Count)
                throw new ArgumentException($"{table.FullName} has {table.Columns.Count} columns; a row has {values.Length}.");
            var obj = new JsonObject();
            for (var i = 0; i < values.Length; i++)
                obj[table.Columns[i].Name] = BigQueryValues.ToLoadJson(table.Columns[i].FullType, values[i]);
            var line = Encoding.UTF8.GetBytes(obj.ToJsonString() + "\n");
            if (pending > 0 && buffer.Length + line.Length > _options.LoadChunkBytes) Flush();
            buffer.Write(line);
            pending++;
        }
        Flush();
        return total;
    }

    public IReadOnlySet<string> ExistingTables()
    {
        var result = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        List<string> datasets;
        lock (_datasets) datasets = _datasets.ToList();
        foreach (var dataset in datasets)
        {
            IReadOnlyList<string>? tables;
            try
            {
                tables = Run(ct => _client.ListTablesAsync(_dialect.DatasetName(dataset), ct), CancellationToken.None, dataset);
            }
            catch (BackfillException ex) when (ex.Kind == ErrorKind.PermissionDenied && !DatasetNames.Declared.Contains(dataset, StringComparer.OrdinalIgnoreCase))
            {
                // A dataset only an older version used (nba_backfill): unreadable to this identity, so it holds nothing of ours.
                continue;
            }
            foreach (var t in tables ?? Array.Empty<string>()) result.Add($"{dataset}.{t}");
        }
        return result;
    }

    /// <summary>tables.get: the live table resource's schema (not a query job, so it costs nothing).</summary>
    public IReadOnlyList<ColumnDef>? TableColumns(string dataset, string name)
    {
        var resource = Run(ct => _client.GetTableAsync(_dialect.DatasetName(dataset), name, ct), CancellationToken.None, $"{dataset}.{name}");
        return resource is null ? null : BigQueryTableResource.ParseSchema(resource);
    }

    /// <summary>tables.insert from the declared TableDef (partitioning, clustering); creates the dataset when missing.</summary>
    public void EnsureTable(TableDef table)
    {
        var dataset = _dialect.DatasetName(table.Dataset);
        var resource = BigQueryTableResource.Build(table, Project, dataset);
        Run(async ct =>
        {
            try
            {
                return await _client.CreateTableAsync(dataset, resource, ct).ConfigureAwait(false);
            }
            catch (BigQueryApiException ex) when (ex.HttpStatus == 404)
            {
                await _client.CreateDatasetAsync(dataset, _client.DefaultLocation, ct, new Dictionary<string, string> { [CreatedLabel.Key] = CreatedLabel.Value }).ConfigureAwait(false);
                return await _client.CreateTableAsync(dataset, resource, ct).ConfigureAwait(false);
            }
        }, CancellationToken.None, table.FullName);
        lock (_datasets) _datasets.Add(table.Dataset);
    }

    public void DropTable(string dataset, string name) =>
        Run(ct => _client.DeleteTableAsync(_dialect.DatasetName(dataset), name, ct), CancellationToken.None, $"{dataset}.{name}");

    /// <summary>
    /// Bind portable <c>@name</c> parameters: each becomes a typed BigQuery query parameter (renamed with
    /// <paramref name="prefix"/>). A NULL travels as <see cref="SqlNull"/>: a typed parameter without a value, so the text
    /// sent is the registered text whatever the value. An untyped null is refused: GoogleSQL has no type for it
    /// (a spliced literal NULL breaks "= NULL" and leaves the statement unregistered).
    /// </summary>
    public static (string Sql, List<BigQueryParameter> Parameters) BindParameters(string sql, IReadOnlyDictionary<string, object?>? parameters, string prefix = "")
    {
        var (masked, literals) = SqlDialect.MaskLiterals(sql);
        var lookup = parameters is null
            ? new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
            : new Dictionary<string, object?>(parameters, StringComparer.OrdinalIgnoreCase);
        var used = new List<BigQueryParameter>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var code = ParameterToken().Replace(masked, m =>
        {
            var name = m.Groups[1].Value;
            if (!lookup.TryGetValue(name, out var value))
                throw new ArgumentException($"The SQL uses @{name}, but no value was given for it.");
            if (value is null)
                throw new ArgumentException($"@{name} is an untyped NULL: pass SqlNull with the column's type so it binds as a typed query parameter.");
            if (seen.Add(name))
                used.Add(value is SqlNull typedNull
                    ? new BigQueryParameter(prefix + name, ToDbType(typedNull.Type), null)
                    : value is BigQueryParameter typed
                    ? new BigQueryParameter(prefix + name, typed.Type, typed.Value) { ArrayElementType = typed.ArrayElementType }
                    : new BigQueryParameter(prefix + name, value));
            return "@" + prefix + name;
        });
        return (SqlDialect.Unmask(code, literals), used);
    }

    private static BigQueryDbType ToDbType(ColumnType type) => type switch
    {
        ColumnType.Int64 => BigQueryDbType.Int64,
        ColumnType.Float64 => BigQueryDbType.Float64,
        ColumnType.Numeric => BigQueryDbType.Numeric,
        ColumnType.Bool => BigQueryDbType.Bool,
        ColumnType.Date => BigQueryDbType.Date,
        ColumnType.Timestamp => BigQueryDbType.Timestamp,
        _ => BigQueryDbType.String,
    };

    [GeneratedRegex(@"(?<![@\w])@([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex ParameterToken();

    private static T Run<T>(Func<CancellationToken, Task<T>> action, CancellationToken ct, string? target = null)
    {
        try
        {
            // Task.Run: no caller synchronization context can deadlock the sync-over-async bridge.
            return Task.Run(() => action(ct), CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is BigQueryApiException or HttpRequestException or TimeoutException or IOException or TaskCanceledException or System.Text.Json.JsonException)
        {
            throw BigQueryErrors.ToBackfillException(ex, target);
        }
    }

    public void Dispose() => _client.Dispose();
}
