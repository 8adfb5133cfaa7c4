using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using BackfillTools.Core.Warehouse;
using BackfillTools.Core.Warehouse.BigQuery;
using DuckDB.NET.Data;

namespace BackfillTools.Tests.BigQuery;

/// <summary>
/// An in-process BigQuery REST v2 stand-in: it executes the received GoogleSQL on an in-memory DuckDB (translated back
/// with the product's own DuckDbDialect) and answers in BigQuery's JSON shapes: legacy type names in schema.fields,
/// rows[].f[].v strings, jobComplete:false before completion, pageToken paging with small pages, numDmlAffectedRows,
/// script child jobs, multipart load jobs, Google error bodies. Faults can be injected per operation.
/// It is deliberately strict where BigQuery is (unknown project/dataset → 404, duplicate job id → 409, unknown NDJSON
/// field → 400) so the adapter cannot pass by being sloppy.
/// </summary>
public sealed partial class FakeBigQuery : HttpMessageHandler
{
    public const string Project = "test-proj";

    private readonly DuckDBConnection _db;
    private readonly object _gate = new();
    private readonly List<Fault> _faults = new();
    private readonly Queue<(string Reason, string Message, int Status)> _jobFailures = new();
    private readonly Dictionary<string, FakeJob> _jobs = new();
    private readonly Dictionary<string, JsonObject> _tables = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, JsonObject> _datasetLabels = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _streamingBuffers = new(StringComparer.OrdinalIgnoreCase);
    private long _clock = 1_700_000_000_000;

    public FakeBigQuery()
    {
        _db = new DuckDBConnection("Data Source=:memory:");
        _db.Open();
        foreach (var macro in DuckDbDialect.SessionMacros) Exec(macro);
    }

    /// <summary>
    /// A fake that starts where <paramref name="snapshot"/> was taken: the same datasets, tables, rows and table
    /// resources (jobs and requests are not carried over). Tests share an expensive set-up this way and stay independent.
    /// </summary>
    public FakeBigQuery(FakeBigQuerySnapshot snapshot) : this()
    {
        lock (_gate)
        {
            Exec($"ATTACH '{snapshot.Path.Replace("'", "''")}' AS snapshot (READ_ONLY)");
            Exec("COPY FROM DATABASE snapshot TO memory");
            Exec("DETACH snapshot");
            foreach (var (key, table) in snapshot.Tables) _tables[key] = JsonNode.Parse(table)!.AsObject();
            foreach (var (key, labels) in snapshot.DatasetLabels) _datasetLabels[key] = JsonNode.Parse(labels)!.AsObject();
            _clock = snapshot.Clock;
            TotalBytesBilled = snapshot.TotalBytesBilled;
            DryRuns = snapshot.DryRuns;
        }
    }

    /// <summary>Save what this fake holds to <paramref name="path"/> (a new DuckDB file), for <see cref="FakeBigQuery(FakeBigQuerySnapshot)"/>.</summary>
    public FakeBigQuerySnapshot Snapshot(string path)
    {
        lock (_gate)
        {
            Exec($"ATTACH '{path.Replace("'", "''")}' AS snapshot");
            Exec("COPY FROM DATABASE memory TO snapshot");
            Exec("DETACH snapshot");
            return new FakeBigQuerySnapshot(path,
                _tables.ToDictionary(kv => kv.Key, kv => kv.Value.ToJsonString(), StringComparer.OrdinalIgnoreCase),
                _datasetLabels.ToDictionary(kv => kv.Key, kv => kv.Value.ToJsonString(), StringComparer.OrdinalIgnoreCase),
                _clock, TotalBytesBilled, DryRuns);
        }
    }

    /// <summary>Rows per getQueryResults page (and tables per tables.list page) when the client sends no maxResults.</summary>
    public int DefaultPageSize { get; set; } = 2;

    /// <summary>How many getQueryResults/jobs.get calls answer "not done yet" before a job completes.</summary>
    public int IncompletePolls { get; set; } = 1;

    /// <summary>Jobs never complete (cancellation tests).</summary>
    public bool NeverComplete { get; set; }

    public List<Recorded> Requests { get; } = new();

    /// <summary>Keep every request in <see cref="Requests"/> (tests inspect them); a long-running server turns this off.</summary>
    public bool RecordRequests { get; set; } = true;

    public IEnumerable<Recorded> Calls(string operation) => Requests.Where(r => r.Operation == operation);

    public sealed record Recorded(string Method, string Operation, string PathAndQuery, string? Body, string? Authorization);

    private sealed class Fault
    {
        public required string Operation;
        public int Status;
        public string? Reason;
        public string Message = "";
        public int Times;
        public bool AfterApplying;
    }

    private sealed class FakeJob
    {
        public required JsonObject Resource;
        public JsonArray? Fields;
        public List<JsonArray> Rows = new();
        public long? NumDml;
        public (string Reason, string Message, int Status)? Error;
        public int PollsLeft;
        public List<JsonObject> Children = new();
    }

    /// <summary>Answer the next <paramref name="times"/> calls of <paramref name="operation"/> with an HTTP error (status 0 = network failure).</summary>
    public void Inject(string operation, int status, string? reason, string message = "injected", int times = 1, bool afterApplying = false)
    {
        lock (_gate) _faults.Add(new Fault { Operation = operation, Status = status, Reason = reason, Message = message, Times = times, AfterApplying = afterApplying });
    }

    /// <summary>The next query jobs fail inside BigQuery (status.errorResult) without running.</summary>
    public void FailNextJobs(string reason, string message, int times = 1, int httpStatus = 400)
    {
        lock (_gate)
            for (var i = 0; i < times; i++) _jobFailures.Enqueue((reason, message, httpStatus));
    }

    /// <summary>
    /// Simulate rows streamed into a table (tabledata.insertAll) that are still in its streaming buffer: until cleared,
    /// every UPDATE, DELETE or MERGE on it fails as BigQuery fails it, and a script that runs one rolls back.
    /// </summary>
    public void SetStreamingBuffer(string datasetId, string tableId, bool hasStreamedRows = true)
    {
        lock (_gate)
        {
            if (hasStreamedRows) _streamingBuffers.Add($"{datasetId}.{tableId}");
            else _streamingBuffers.Remove($"{datasetId}.{tableId}");
        }
    }

    /// <summary>Run SQL on the backing DuckDB directly (DuckDB spelling), to check what a job really did.</summary>
    public long ScalarInt64(string duckSql)
    {
        lock (_gate)
        {
            Changing(duckSql);
            using var cmd = _db.CreateCommand();
            cmd.CommandText = duckSql;
            return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Run SQL on the backing DuckDB directly (DuckDB spelling): the first column of every row, as text (NULL as null).</summary>
    public IReadOnlyList<string?> Texts(string duckSql)
    {
        lock (_gate)
        {
            Changing(duckSql);
            using var cmd = _db.CreateCommand();
            cmd.CommandText = duckSql;
            using var reader = cmd.ExecuteReader();
            var texts = new List<string?>();
            while (reader.Read()) texts.Add(reader.IsDBNull(0) ? null : Convert.ToString(reader.GetValue(0), CultureInfo.InvariantCulture));
            return texts;
        }
    }

    /// <summary>A stored job's resource as jobs.get returns it (labels, statistics), or null.</summary>
    public JsonObject? JobResource(string jobId)
    {
        lock (_gate) return _jobs.TryGetValue(jobId, out var j) ? j.Resource.DeepClone().AsObject() : null;
    }

    public JsonObject? TableResource(string datasetId, string tableId)
    {
        lock (_gate)
        {
            if (_tables.TryGetValue($"{datasetId}.{tableId}", out var r)) return r;
            // A table a query made (CREATE TABLE … AS SELECT): BigQuery describes it like any other.
            var columns = EngineColumns(datasetId, tableId);
            if (columns.Count == 0) return null;
            var table = new TableDef(datasetId, tableId, columns.Select(c => new ColumnDef(c.Name, QueryResultType(c.Type), c.Nullable)).ToList(), Array.Empty<string>());
            return BigQueryTableResource.Build(table, Project, datasetId);
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        var contentType = request.Content?.Headers.ContentType;
        // Yield so cancellation and polling behave like a real network hop.
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var uri = request.RequestUri!;
            var (operation, segments) = Route(request.Method, uri.AbsolutePath);
            if (RecordRequests) Requests.Add(new Recorded(request.Method.Method, operation, uri.PathAndQuery, body, request.Headers.Authorization?.ToString()));
            var query = ParseQuery(uri.Query);

            var fault = _faults.FirstOrDefault(f => f.Operation == operation && f.Times > 0);
            if (fault is not null) fault.Times--;
            if (fault is { AfterApplying: false }) return FaultResponse(fault);
            HttpResponseMessage response;
            try
            {
                response = Handle(operation, segments, query, body, contentType);
            }
            catch (ApiError e)
            {
                response = Error(e.Status, e.Reason, e.Message);
            }
            if (fault is not null)
            {
                response.Dispose();
                return FaultResponse(fault);
            }
            return response;
        }
    }

    private static HttpResponseMessage FaultResponse(Fault f)
    {
        if (f.Status == 0) throw new HttpRequestException("injected network failure (connection reset)");
        return f.Reason is null ? new HttpResponseMessage((HttpStatusCode)f.Status) { Content = new StringContent("<html>bad gateway</html>") } : Error(f.Status, f.Reason, f.Message);
    }

    private sealed class ApiError(int status, string reason, string message) : Exception(message)
    {
        public int Status { get; } = status;
        public string Reason { get; } = reason;
    }

    private static (string Operation, string[] Segments) Route(HttpMethod method, string path)
    {
        var upload = path.StartsWith("/upload/", StringComparison.Ordinal);
        var rest = upload ? path["/upload".Length..] : path;
        var m = Regex.Match(rest, "^/bigquery/v2/projects/([^/]+)/(.*)$");
        if (!m.Success) return ("unknown", Array.Empty<string>());
        var segs = m.Groups[2].Value.Split('/').Select(Uri.UnescapeDataString).Prepend(Uri.UnescapeDataString(m.Groups[1].Value)).ToArray();
        // segs[0] = project
        var op = (method.Method, segs.Length, segs[1]) switch
        {
            ("POST", 2, "jobs") => upload ? "jobs.upload" : "jobs.insert",
            ("GET", 2, "jobs") => "jobs.list",
            ("GET", 3, "jobs") => "jobs.get",
            ("POST", 4, "jobs") when segs[3] == "cancel" => "jobs.cancel",
            ("GET", 3, "queries") => "getQueryResults",
            ("POST", 2, "datasets") => "datasets.insert",
            ("DELETE", 3, "datasets") => "datasets.delete",
            ("GET", 3, "datasets") => "datasets.get",
            ("POST", 4, "datasets") => "tables.insert",
            ("GET", 4, "datasets") => "tables.list",
            ("GET", 5, "datasets") => "tables.get",
            ("DELETE", 5, "datasets") => "tables.delete",
            _ => "unknown",
        };
        return (op, segs);
    }

    private HttpResponseMessage Handle(string op, string[] s, Dictionary<string, string> q, string? body, System.Net.Http.Headers.MediaTypeHeaderValue? contentType)
    {
        if (op == "unknown") throw new ApiError(404, "notFound", "Not found: URL");
        if (s[0] != Project) throw new ApiError(404, "notFound", $"Not found: Project {s[0]}");
        switch (op)
        {
            case "jobs.insert":
                return Ok(InsertJob(JsonNode.Parse(body!)!.AsObject(), null));
            case "jobs.upload":
            {
                if (q.GetValueOrDefault("uploadType") != "multipart") throw new ApiError(400, "invalid", "uploadType must be multipart");
                var (json, data) = ParseMultipart(body!, contentType);
                return Ok(InsertJob(json, data));
            }
            case "jobs.get":
                return Ok(JobState(GetJob(s[2]), poll: true));
            case "jobs.cancel":
            {
                var job = GetJob(s[2]);
                job.PollsLeft = 0;
                job.Error ??= ("stopped", "Job execution was cancelled: User requested cancellation", 400);
                return Ok(new JsonObject { ["kind"] = "bigquery#jobCancelResponse", ["job"] = JobState(job, poll: false) });
            }
            case "jobs.list":
            {
                var parent = q.GetValueOrDefault("parentJobId") ?? throw new ApiError(400, "invalid", "only parentJobId listing is faked");
                var children = GetJob(parent).Children;
                return Ok(new JsonObject { ["jobs"] = new JsonArray(children.AsEnumerable().Reverse().Select(c => (JsonNode)c.DeepClone()).ToArray()) });
            }
            case "getQueryResults":
                return Ok(QueryResults(GetJob(s[2]), q));
            case "datasets.insert":
            {
                var ds = (string)JsonNode.Parse(body!)!["datasetReference"]!["datasetId"]!;
                if (SchemaExists(ds)) throw new ApiError(409, "duplicate", $"Already Exists: Dataset {Project}:{ds}");
                Exec($"CREATE SCHEMA {ds}");
                _datasetLabels[ds] = JsonNode.Parse(body!)!["labels"]?.AsObject().DeepClone().AsObject() ?? new JsonObject();
                return Ok(JsonNode.Parse(body!)!);
            }
            case "datasets.get":
            {
                if (!SchemaExists(s[2])) throw new ApiError(404, "notFound", $"Not found: Dataset {Project}:{s[2]}");
                return Ok(new JsonObject
                {
                    ["kind"] = "bigquery#dataset",
                    ["datasetReference"] = new JsonObject { ["projectId"] = Project, ["datasetId"] = s[2] },
                    ["labels"] = _datasetLabels.TryGetValue(s[2], out var labels) ? labels.DeepClone() : new JsonObject(),
                });
            }
            case "datasets.delete":
            {
                if (!SchemaExists(s[2])) throw new ApiError(404, "notFound", $"Not found: Dataset {Project}:{s[2]}");
                var cascade = q.GetValueOrDefault("deleteContents") == "true";
                var prefix = s[2] + ".";
                if (!cascade && _tables.Keys.Any(k => k.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)))
                    throw new ApiError(400, "resourceInUse", $"Dataset {Project}:{s[2]} is still in use");
                Exec($"DROP SCHEMA {s[2]} CASCADE");
                _datasetLabels.Remove(s[2]);
                foreach (var key in _tables.Keys.Where(k => k.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)).ToList()) _tables.Remove(key);
                return new HttpResponseMessage(HttpStatusCode.NoContent) { Content = new StringContent("") };
            }
            case "tables.insert":
                return Ok(CreateTable(s[2], JsonNode.Parse(body!)!.AsObject()));
            case "tables.get":
                return Ok(TableResource(s[2], s[4]) ?? throw new ApiError(404, "notFound", $"Not found: Table {Project}:{s[2]}.{s[4]}"));
            case "tables.list":
            {
                if (!SchemaExists(s[2])) throw new ApiError(404, "notFound", $"Not found: Dataset {Project}:{s[2]}");
                var names = new List<string>();
                using (var cmd = _db.CreateCommand())
                {
                    cmd.CommandText = $"SELECT table_name FROM information_schema.tables WHERE table_schema = '{s[2]}' ORDER BY table_name";
                    using var r = cmd.ExecuteReader();
                    while (r.Read()) names.Add(r.GetString(0));
                }
                var start = q.TryGetValue("pageToken", out var tok) ? int.Parse(tok[1..], CultureInfo.InvariantCulture) : 0;
                var size = DefaultPageSize;
                var page = names.Skip(start).Take(size).ToList();
                var result = new JsonObject
                {
                    ["tables"] = new JsonArray(page.Select(n => (JsonNode)new JsonObject
                    {
                        ["tableReference"] = new JsonObject { ["projectId"] = Project, ["datasetId"] = s[2], ["tableId"] = n },
                    }).ToArray()),
                    ["totalItems"] = names.Count,
                };
                if (start + size < names.Count) result["nextPageToken"] = "t" + (start + size);
                return Ok(result);
            }
            case "tables.delete":
            {
                if (TableResource(s[2], s[4]) is null) throw new ApiError(404, "notFound", $"Not found: Table {Project}:{s[2]}.{s[4]}");
                Exec($"DROP TABLE {s[2]}.{s[4]}");
                _tables.Remove($"{s[2]}.{s[4]}");
                return new HttpResponseMessage(HttpStatusCode.NoContent) { Content = new StringContent("") };
            }
        }
        throw new ApiError(404, "notFound", op);
    }

    // ------------------------------------------------------------------ jobs

    private FakeJob GetJob(string id) =>
        _jobs.TryGetValue(id, out var j) ? j : throw new ApiError(404, "notFound", $"Not found: Job {Project}:{id}");

    private JsonObject InsertJob(JsonObject resource, byte[]? upload)
    {
        var id = (string?)resource["jobReference"]?["jobId"] ?? throw new ApiError(400, "invalid", "jobReference.jobId is required");
        if (resource["configuration"]?["dryRun"]?.GetValue<bool>() == true) return DryRun(resource);
        if (_jobs.ContainsKey(id)) throw new ApiError(409, "duplicate", $"Already Exists: Job {Project}:{id}");
        var job = new FakeJob { Resource = resource, PollsLeft = NeverComplete ? int.MaxValue : IncompletePolls };
        resource["statistics"] = new JsonObject { ["creationTime"] = (_clock++).ToString(CultureInfo.InvariantCulture) };
        _jobs[id] = job;
        var config = resource["configuration"]!;
        try
        {
            if (config["query"] is { } qc)
            {
                if (_jobFailures.Count > 0) job.Error = _jobFailures.Dequeue();
                else RunQuery(job, (string)qc["query"]!, qc["queryParameters"] as JsonArray,
                    qc["maximumBytesBilled"] is { } cap ? long.Parse((string)cap!, CultureInfo.InvariantCulture) : null);
            }
            else if (config["load"] is { } load)
            {
                if (upload is null) throw new ApiError(400, "invalid", "load jobs without a source are not faked");
                Load(job, load, upload);
            }
            else throw new ApiError(400, "invalid", "unsupported job configuration");
        }
        catch (DuckDBException e)
        {
            job.Error = MapEngineError(e);
        }
        catch (ApiError e)
        {
            job.Error = (e.Reason, e.Message, e.Status);
        }
        return JobState(job, poll: false);
    }

    private static (string, string, int) MapEngineError(DuckDBException e)
    {
        var msg = e.Message.Split('\n')[0];
        return msg.Contains("does not exist", StringComparison.OrdinalIgnoreCase) && msg.StartsWith("Catalog Error", StringComparison.Ordinal)
            ? ("notFound", "Not found: " + msg, 404)
            : ("invalidQuery", msg, 400);
    }

    private JsonObject JobState(FakeJob job, bool poll)
    {
        var r = job.Resource.DeepClone().AsObject();
        var running = job.PollsLeft > 0;
        if (poll && running && job.PollsLeft != int.MaxValue) job.PollsLeft--;
        var status = new JsonObject { ["state"] = running ? "RUNNING" : "DONE" };
        if (!running && job.Error is { } e)
        {
            status["errorResult"] = new JsonObject { ["reason"] = e.Reason, ["message"] = e.Message };
            status["errors"] = new JsonArray(new JsonObject { ["reason"] = e.Reason, ["message"] = e.Message });
        }
        r["status"] = status;
        return r;
    }

    private JsonObject QueryResults(FakeJob job, Dictionary<string, string> q)
    {
        var reference = job.Resource["jobReference"]!.DeepClone();
        if (job.PollsLeft > 0)
        {
            if (job.PollsLeft != int.MaxValue) job.PollsLeft--;
            return new JsonObject { ["kind"] = "bigquery#getQueryResultsResponse", ["jobReference"] = reference, ["jobComplete"] = false };
        }
        if (job.Error is { } e) throw new ApiError(e.Status, e.Reason, e.Message);
        var start = q.TryGetValue("pageToken", out var tok) ? int.Parse(tok[1..], CultureInfo.InvariantCulture) : 0;
        var size = q.TryGetValue("maxResults", out var mr) ? int.Parse(mr, CultureInfo.InvariantCulture) : DefaultPageSize;
        var int64Ts = q.GetValueOrDefault("formatOptions.useInt64Timestamp") == "true";
        var result = new JsonObject
        {
            ["kind"] = "bigquery#getQueryResultsResponse",
            ["jobReference"] = reference,
            ["jobComplete"] = true,
            ["schema"] = new JsonObject { ["fields"] = job.Fields?.DeepClone() ?? new JsonArray() },
            ["totalRows"] = job.Rows.Count.ToString(CultureInfo.InvariantCulture),
            ["rows"] = new JsonArray(job.Rows.Skip(start).Take(size).Select(r => (JsonNode)Cells(r, job.Fields!, int64Ts)).ToArray()),
        };
        if (job.NumDml is { } n) result["numDmlAffectedRows"] = n.ToString(CultureInfo.InvariantCulture);
        if (start + size < job.Rows.Count) result["pageToken"] = "p" + (start + size);
        return result;
    }

    private static JsonObject Cells(JsonArray raw, JsonArray fields, bool int64Ts)
    {
        var f = new JsonArray();
        for (var i = 0; i < raw.Count; i++)
        {
            var type = (string)fields[i]!["type"]!;
            var v = raw[i];
            if (v is JsonArray arr) f.Add(new JsonObject { ["v"] = new JsonArray(arr.Select(x => (JsonNode)new JsonObject { ["v"] = Cell(type, x, int64Ts) }).ToArray()) });
            else f.Add(new JsonObject { ["v"] = Cell(type, v, int64Ts) });
        }
        return new JsonObject { ["f"] = f };
    }

    private static JsonNode? Cell(string type, JsonNode? v, bool int64Ts)
    {
        if (v is null) return null;
        if (type == "TIMESTAMP" && !int64Ts)
        {
            // Without useInt64Timestamp BigQuery sends float seconds, e.g. "1.7093E9".
            var micros = long.Parse((string)v!, CultureInfo.InvariantCulture);
            return (micros / 1_000_000m).ToString("0.######E0", CultureInfo.InvariantCulture);
        }
        return v.DeepClone();
    }

    // ------------------------------------------------------------------ SQL

    /// <summary>
    /// GoogleSQL as the product sends it → DuckDB: `project.dataset.table` → {{dataset.table}} (the prefixed dataset is
    /// the DuckDB schema), then the product's DuckDbDialect does the rest (@x → $x, DATE_DIFF, FLOAT64, SAFE_CAST).
    /// </summary>
    // BigQuery keeps every dataset in one store, and so does the fake: staging is not moved to a scratch database.
    private static readonly DuckDbDialect Dialect = new() { StagesInScratch = false };

    private static string ToDuckDb(string sql)
    {
        var withPlaceholders = Regex.Replace(sql, "`([^`]+)`", m =>
        {
            var parts = m.Groups[1].Value.Split('.');
            if (parts.Length != 3 || parts[0] != Project)
                throw new ApiError(404, "notFound", $"Not found: Table {m.Groups[1].Value}");
            return "{{" + parts[1] + "." + parts[2] + "}}";
        });
        return Dialect.Render(withPlaceholders);
    }

    private void RunQuery(FakeJob job, string sql, JsonArray? parameters, long? maximumBytesBilled)
    {
        var duck = ToDuckDb(sql);
        var values = (parameters ?? new JsonArray()).ToDictionary(p => (string)p!["name"]!, p => ParamValue(p!["parameterType"]!, p["parameterValue"]));
        // A script: a transaction frame, or more than one statement (IWarehouse.ExecuteBatch).
        if (Regex.IsMatch(sql, @"^\s*BEGIN\s+TRANSACTION\s*;", RegexOptions.IgnoreCase)
            || SqlDialect.MaskLiterals(duck).Masked.Split(';').Count(x => x.Trim().Length > 0) > 1)
        {
            RunScript(job, duck, values, maximumBytesBilled);
            return;
        }
        var scan = Scan(duck);
        EnforceCap(scan.Billed, maximumBytesBilled);
        var (dml, fields, rows) = RunStatement(duck, values);
        job.NumDml = dml;
        job.Fields = fields;
        job.Rows = rows;
        var stats = job.Resource["statistics"]!.AsObject();
        stats["query"] = new JsonObject { ["statementType"] = StatementType(duck) };
        if (dml is { } n) stats["query"]!["numDmlAffectedRows"] = n.ToString(CultureInfo.InvariantCulture);
        AddCost(stats, scan);
    }

    // ------------------------------------------------------------------ bytes model

    /// <summary>What the fake billed (finished query jobs, children of scripts counted once through their parent).</summary>
    public long TotalBytesBilled { get; private set; }

    /// <summary>Dry runs answered (they are not jobs: nothing runs, nothing is billed).</summary>
    public int DryRuns { get; private set; }

    /// <summary>A query's scan: bytes of the columns it names in the tables it references, and what BigQuery bills for it.</summary>
    public readonly record struct ScanCost(long Processed, int Tables, long Billed, long SlotMs)
    {
        public static ScanCost operator +(ScanCost a, ScanCost b) =>
            new(a.Processed + b.Processed, a.Tables + b.Tables, a.Billed + b.Billed, a.SlotMs + b.SlotMs);
    }

    /// <summary>
    /// Deterministic bytes model after BigQuery's: a query processes, for each table it references, the columns it names
    /// over all rows, at BigQuery's sizes (INT64/FLOAT64/DATE/TIMESTAMP 8 bytes, BOOL 1, NUMERIC 16, STRING 2 + UTF-8
    /// length, NULL 0). An UPDATE or DELETE (or a MERGE that updates or deletes) also processes every column of the table
    /// it modifies (BigQuery's DML pricing: q + t). Billing rounds up to 1 MiB with a 10 MiB minimum per table referenced.
    /// </summary>
    private ScanCost Scan(string duckSql)
    {
        var modified = DmlTarget().Match(duckSql) is { Success: true } dml
                       && (!dml.Value.TrimStart().StartsWith("MERGE", StringComparison.OrdinalIgnoreCase) || Regex.IsMatch(duckSql, @"\bWHEN\s+MATCHED\b", RegexOptions.IgnoreCase))
            ? (dml.Groups[1].Value.ToLowerInvariant(), dml.Groups[2].Value.ToLowerInvariant())
            : default((string, string)?);
        var catalog = Catalog();
        var tables = new List<(string Schema, string Table)>();
        foreach (Match m in Regex.Matches(SqlDialect.MaskLiterals(duckSql).Masked, @"\b([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\b"))
        {
            var key = (m.Groups[1].Value.ToLowerInvariant(), m.Groups[2].Value.ToLowerInvariant());
            if (catalog.ContainsKey(key) && !tables.Contains(key)) tables.Add(key);
        }
        long processed = 0;
        // The words of the statement, once: a column is named where it stands as a whole word (as \bcolumn\b matches).
        var words = Regex.Matches(duckSql, @"\w+").Select(m => m.Value).ToHashSet(StringComparer.OrdinalIgnoreCase);
        bool Names(string column) => Regex.IsMatch(column, @"^\w+$")
            ? words.Contains(column)
            : Regex.IsMatch(duckSql, $@"\b{Regex.Escape(column)}\b", RegexOptions.IgnoreCase);
        foreach (var (schema, table) in tables)
        {
            var relation = catalog[(schema, table)];
            var named = relation.Columns.Where(c => (modified is { } target && target == (schema, table)) || Names(c.Name)).ToList();
            processed += ColumnBytes(schema, table, relation.IsView, named).Sum();
        }
        const long mib = 1024 * 1024;
        var billed = Math.Max((processed + mib - 1) / mib * mib, tables.Count * 10 * mib);
        return new ScanCost(processed, tables.Count, billed, 10L * tables.Count + processed / 100_000);
    }

    /// <summary>The table an UPDATE, DELETE or MERGE writes.</summary>
    [GeneratedRegex(@"^\s*(?:UPDATE|DELETE\s+FROM|DELETE|MERGE\s+INTO|MERGE)\s+([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)", RegexOptions.IgnoreCase)]
    private static partial Regex DmlTarget();

    // The bytes model reads the catalog and every named column's size for each statement; both are cached until
    // something may have changed them (any statement that is not a read, insert, update, delete or merge empties the
    // caches; those four forget their target table), so a backfill's hundreds of statements do not rescan every input.
    private Dictionary<(string Schema, string Table), (bool IsView, List<(string Name, string Type)> Columns)>? _catalog;
    private readonly Dictionary<(string Schema, string Table), Dictionary<string, long>> _columnBytes = new();

    private Dictionary<(string Schema, string Table), (bool IsView, List<(string Name, string Type)> Columns)> Catalog()
    {
        if (_catalog is not null) return _catalog;
        var catalog = new Dictionary<(string, string), (bool, List<(string, string)>)>();
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "SELECT t.table_schema, t.table_name, t.table_type = 'VIEW', c.column_name, c.data_type FROM information_schema.tables AS t " +
                          "LEFT JOIN information_schema.columns AS c ON c.table_catalog = t.table_catalog AND c.table_schema = t.table_schema AND c.table_name = t.table_name";
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            var key = (r.GetString(0).ToLowerInvariant(), r.GetString(1).ToLowerInvariant());
            if (!catalog.TryGetValue(key, out var relation)) catalog[key] = relation = (r.GetBoolean(2), new List<(string, string)>());
            if (!r.IsDBNull(3)) relation.Item2.Add((r.GetString(3), r.GetString(4).ToUpperInvariant()));
        }
        return _catalog = catalog;
    }

    /// <summary>Each column's bytes over all rows at BigQuery's sizes (a view's are computed afresh: its tables may have changed).</summary>
    private IEnumerable<long> ColumnBytes(string schema, string table, bool isView, IReadOnlyList<(string Name, string Type)> columns)
    {
        if (!_columnBytes.TryGetValue((schema, table), out var known) || isView) _columnBytes[(schema, table)] = known = new Dictionary<string, long>();
        var missing = columns.Where(c => !known.ContainsKey(c.Name)).ToList();
        if (missing.Count > 0)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT " + string.Join(", ", missing.Select(c => "CAST(" + (c.Type switch
            {
                "BIGINT" or "INTEGER" or "DOUBLE" or "DATE" or "TIMESTAMP" or "TIMESTAMP WITH TIME ZONE" => $"8 * COUNT(\"{c.Name}\")",
                "BOOLEAN" => $"COUNT(\"{c.Name}\")",
                _ when c.Type.StartsWith("DECIMAL", StringComparison.Ordinal) => $"16 * COUNT(\"{c.Name}\")",
                _ => $"COALESCE(SUM(2 + strlen(CAST(\"{c.Name}\" AS VARCHAR))), 0)",
            }) + " AS BIGINT)")) + $" FROM {schema}.{table}";
            using var r = cmd.ExecuteReader();
            r.Read();
            for (var i = 0; i < missing.Count; i++) known[missing[i].Name] = r.IsDBNull(i) ? 0 : Convert.ToInt64(r.GetValue(i), CultureInfo.InvariantCulture);
        }
        return columns.Select(c => known[c.Name]);
    }

    /// <summary>Forget what <paramref name="sql"/> may change: its target table's sizes, or everything.</summary>
    private void Changing(string sql)
    {
        var type = StatementType(sql);
        // A WITH that writes (DuckDB allows WITH … INSERT/UPDATE/DELETE) or anything else than a query forgets everything.
        if (type is "SELECT" or "VALUES" && !Regex.IsMatch(SqlDialect.MaskLiterals(sql).Masked, @"\b(INSERT|UPDATE|DELETE|MERGE|CREATE|DROP|ALTER|ATTACH|COPY|TRUNCATE)\b|;\s*\S", RegexOptions.IgnoreCase))
            return;
        if (Regex.IsMatch(sql, @"^\s*(BEGIN(\s+TRANSACTION)?|COMMIT(\s+TRANSACTION)?)\s*;?\s*$", RegexOptions.IgnoreCase)) return;
        if (type is "INSERT" or "UPDATE" or "DELETE" or "MERGE"
            && Regex.Match(sql, @"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|DELETE|MERGE\s+INTO|MERGE)\s+([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)\b(?!\s*\.)", RegexOptions.IgnoreCase) is { Success: true } target)
        {
            _columnBytes.Remove((target.Groups[1].Value.ToLowerInvariant(), target.Groups[2].Value.ToLowerInvariant()));
            return;
        }
        _catalog = null;
        _columnBytes.Clear();
    }

    /// <summary>BigQuery's answer to a job over its maximumBytesBilled: the job fails, nothing runs.</summary>
    private static void EnforceCap(long billed, long? maximumBytesBilled)
    {
        if (maximumBytesBilled is { } cap && billed > cap)
            throw new ApiError(400, "bytesBilledLimitExceeded",
                $"Query exceeded limit for bytes billed: {cap}. {billed} or higher required.");
    }

    private void AddCost(JsonObject stats, ScanCost scan, bool bill = true)
    {
        var ci = CultureInfo.InvariantCulture;
        stats["totalBytesProcessed"] = scan.Processed.ToString(ci);
        stats["totalSlotMs"] = scan.SlotMs.ToString(ci);
        var q = stats["query"] as JsonObject ?? new JsonObject();
        stats["query"] = q;
        q["totalBytesProcessed"] = scan.Processed.ToString(ci);
        q["totalBytesBilled"] = scan.Billed.ToString(ci);
        q["totalSlotMs"] = scan.SlotMs.ToString(ci);
        q["billingTier"] = 1;
        if (bill) TotalBytesBilled += scan.Billed;
    }

    /// <summary>dryRun: the statistics of the query without running it; no job is stored and nothing is billed.</summary>
    private JsonObject DryRun(JsonObject resource)
    {
        var sql = (string?)resource["configuration"]?["query"]?["query"] ?? throw new ApiError(400, "invalid", "only query dry runs are faked");
        var duck = ToDuckDb(sql);
        var scan = Scan(duck);
        DryRuns++;
        var result = resource.DeepClone().AsObject();
        var stats = new JsonObject { ["creationTime"] = (_clock++).ToString(CultureInfo.InvariantCulture) };
        stats["query"] = new JsonObject
        {
            ["statementType"] = StatementType(duck),
            ["referencedTables"] = new JsonArray(Regex.Matches(sql, "`([^`]+)`").Select(m => m.Groups[1].Value).Distinct()
                .Select(t => (JsonNode)new JsonObject { ["projectId"] = Project, ["datasetId"] = t.Split('.')[1], ["tableId"] = t.Split('.')[2] }).ToArray()),
        };
        AddCost(stats, scan with { Billed = 0, SlotMs = 0 }, bill: false);
        stats["query"]!.AsObject().Remove("totalBytesBilled");
        result["statistics"] = stats;
        result["status"] = new JsonObject { ["state"] = "DONE" };
        return result;
    }

    private void RunScript(FakeJob job, string duckScript, Dictionary<string, object?> values, long? maximumBytesBilled)
    {
        var total = default(ScanCost);
        var (masked, literals) = SqlDialect.MaskLiterals(duckScript);
        var statements = masked.Split(';').Select(x => SqlDialect.Unmask(x, literals).Trim()).Where(x => x.Length > 0).ToList();
        var parentId = (string)job.Resource["jobReference"]!["jobId"]!;
        var inTransaction = false;
        try
        {
            for (var i = 0; i < statements.Count; i++)
            {
                var st = statements[i];
                var childScan = default(ScanCost);
                string type;
                long? n = null;
                if (Regex.IsMatch(st, @"^BEGIN(\s+TRANSACTION)?$", RegexOptions.IgnoreCase)) { Exec("BEGIN TRANSACTION"); inTransaction = true; type = "BEGIN_TRANSACTION"; }
                else if (Regex.IsMatch(st, @"^COMMIT(\s+TRANSACTION)?$", RegexOptions.IgnoreCase)) { Exec("COMMIT"); inTransaction = false; type = "COMMIT_TRANSACTION"; }
                else
                {
                    // The cap holds for the script as a whole: the statement that would take it over fails the script.
                    var scan = Scan(st);
                    EnforceCap(total.Billed + scan.Billed, maximumBytesBilled);
                    (n, _, _) = RunStatement(st, values);
                    type = StatementType(st);
                    total += scan;
                    childScan = scan;
                }
                var child = new JsonObject
                {
                    ["jobReference"] = new JsonObject { ["projectId"] = Project, ["jobId"] = $"script_job_{parentId}_{i}" },
                    ["statistics"] = new JsonObject
                    {
                        ["creationTime"] = (_clock++).ToString(CultureInfo.InvariantCulture),
                        ["parentJobId"] = parentId,
                        ["query"] = new JsonObject { ["statementType"] = type },
                    },
                    ["status"] = new JsonObject { ["state"] = "DONE" },
                };
                if (n is { } c) child["statistics"]!["query"]!["numDmlAffectedRows"] = c.ToString(CultureInfo.InvariantCulture);
                AddCost(child["statistics"]!.AsObject(), childScan, bill: false);
                job.Children.Add(child);
            }
            job.Fields = new JsonArray();
            AddCost(job.Resource["statistics"]!.AsObject(), total);
            job.Resource["statistics"]!["query"]!["statementType"] = "SCRIPT";
        }
        catch
        {
            // A script that fails inside a transaction rolls it back, as BigQuery does.
            if (inTransaction) Exec("ROLLBACK");
            throw;
        }
    }

    private static string StatementType(string sql) =>
        Regex.Match(sql, @"^\s*(\w+)").Groups[1].Value.ToUpperInvariant() switch
        {
            "WITH" => "SELECT",
            var k => k,
        };

    private (long? Dml, JsonArray Fields, List<JsonArray> Rows) RunStatement(string duckSql, Dictionary<string, object?> values)
    {
        var dml = DmlTarget().Match(duckSql);
        if (dml.Success && _streamingBuffers.Contains($"{dml.Groups[1].Value}.{dml.Groups[2].Value}"))
            throw new ApiError(400, "invalidQuery", $"UPDATE or DELETE statement over table {Project}.{dml.Groups[1].Value}.{dml.Groups[2].Value} " +
                                                    "would affect rows in the streaming buffer, which is not supported");
        Changing(duckSql);
        using var cmd = _db.CreateCommand();
        cmd.CommandText = duckSql;
        foreach (Match m in Regex.Matches(duckSql, @"\$([A-Za-z_][A-Za-z0-9_]*)"))
        {
            var name = m.Groups[1].Value;
            if (!values.TryGetValue(name, out var v)) throw new ApiError(400, "invalidQuery", $"Query parameter '{name}' not found");
            if (!cmd.Parameters.Contains(name)) cmd.Parameters.Add(new DuckDBParameter(name, v ?? DBNull.Value));
        }
        if (StatementType(duckSql) is "INSERT" or "UPDATE" or "DELETE" or "MERGE")
            return (cmd.ExecuteNonQuery(), new JsonArray(), new List<JsonArray>());
        if (StatementType(duckSql) is not ("SELECT" or "VALUES"))
        {
            cmd.ExecuteNonQuery();
            AddColumnToResource(duckSql);
            return (null, new JsonArray(), new List<JsonArray>());
        }
        using var r = cmd.ExecuteReader();
        var fields = new JsonArray();
        var types = new string[r.FieldCount];
        for (var i = 0; i < r.FieldCount; i++)
        {
            var clr = r.GetFieldType(i);
            var repeated = clr.IsGenericType && clr.GetGenericTypeDefinition() == typeof(List<>);
            types[i] = LegacyType(repeated ? clr.GetGenericArguments()[0] : clr);
            fields.Add(new JsonObject { ["name"] = r.GetName(i), ["type"] = types[i], ["mode"] = repeated ? "REPEATED" : "NULLABLE" });
        }
        var rows = new List<JsonArray>();
        while (r.Read())
        {
            var row = new JsonArray();
            for (var i = 0; i < r.FieldCount; i++)
                row.Add(r.IsDBNull(i) ? null : r.GetValue(i) is System.Collections.IList list && r.GetValue(i) is not string
                    ? new JsonArray(list.Cast<object?>().Select(x => (JsonNode?)JsonValue.Create(Text(x))).ToArray())
                    : JsonValue.Create(Text(r.GetValue(i))));
            rows.Add(row);
        }
        return (null, fields, rows);
    }

    /// <summary>ALTER TABLE … ADD COLUMN changes the table's schema as tables.get reports it, as in BigQuery.</summary>
    private void AddColumnToResource(string duckSql)
    {
        var m = Regex.Match(duckSql, @"^\s*ALTER\s+TABLE\s+([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)\s+ADD\s+COLUMN\s+(?:IF\s+NOT\s+EXISTS\s+)?([A-Za-z_][A-Za-z0-9_]*)\s+([A-Za-z0-9]+)\s*$", RegexOptions.IgnoreCase);
        if (!m.Success || TableResource(m.Groups[1].Value, m.Groups[2].Value) is not { } resource) return;
        var type = m.Groups[4].Value.ToUpperInvariant() switch
        {
            "STRING" or "VARCHAR" => "STRING",
            "INT64" or "BIGINT" => "INTEGER",
            "FLOAT64" or "DOUBLE" => "FLOAT",
            "BOOL" or "BOOLEAN" => "BOOLEAN",
            "DATE" => "DATE",
            "TIMESTAMP" => "TIMESTAMP",
            var other => throw new ApiError(400, "invalid", $"ADD COLUMN of type {other} not faked"),
        };
        ((JsonArray)resource["schema"]!["fields"]!).Add(new JsonObject { ["name"] = m.Groups[3].Value, ["type"] = type, ["mode"] = "NULLABLE" });
    }

    private static string LegacyType(Type t)
    {
        t = Nullable.GetUnderlyingType(t) ?? t;
        if (t == typeof(long) || t == typeof(int) || t == typeof(short) || t == typeof(sbyte) || t == typeof(byte) || t == typeof(System.Numerics.BigInteger) || t == typeof(ulong) || t == typeof(uint)) return "INTEGER";
        if (t == typeof(double) || t == typeof(float)) return "FLOAT";
        if (t == typeof(decimal)) return "NUMERIC";
        if (t == typeof(bool)) return "BOOLEAN";
        if (t == typeof(DateOnly)) return "DATE";
        if (t == typeof(DateTime) || t == typeof(DateTimeOffset)) return "TIMESTAMP";
        return "STRING";
    }

    /// <summary>Cell text as BigQuery writes it; TIMESTAMP as int64 microseconds (float seconds are derived later).</summary>
    private static string? Text(object? v) => v switch
    {
        null or DBNull => null,
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => ((double)f).ToString("R", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime dt => ((dt.Ticks - DateTime.UnixEpoch.Ticks) / 10).ToString(CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString(),
    };

    private static object? ParamValue(JsonNode type, JsonNode? value)
    {
        var t = (string)type["type"]!;
        if (t == "ARRAY")
        {
            var et = type["arrayType"]!;
            var items = (value?["arrayValues"] as JsonArray ?? new JsonArray()).Select(x => ParamValue(et, x)).ToList();
            return (string)et["type"]! switch
            {
                "INT64" => items.Select(x => (long)x!).ToList(),
                "FLOAT64" => items.Select(x => (double)x!).ToList(),
                "STRING" => items.Select(x => (string)x!).ToList(),
                "DATE" => items.Select(x => (DateOnly)x!).ToList(),
                "BOOL" => items.Select(x => (bool)x!).ToList(),
                var other => throw new ApiError(400, "invalid", $"array of {other} not faked"),
            };
        }
        var s = (string?)value?["value"];
        if (s is null) return null;
        var ci = CultureInfo.InvariantCulture;
        return t switch
        {
            "INT64" => long.Parse(s, ci),
            "FLOAT64" => double.Parse(s, ci),
            "NUMERIC" => decimal.Parse(s, ci),
            "BOOL" => s switch { "TRUE" => true, "FALSE" => false, _ => throw new ApiError(400, "invalid", $"bad BOOL '{s}'") },
            "STRING" => s,
            "DATE" => DateOnly.ParseExact(s, "yyyy-MM-dd", ci),
            "TIMESTAMP" => ParseTimestampText(s),
            "DATETIME" => DateTime.Parse(s, ci),
            _ => throw new ApiError(400, "invalid", $"type {t} not faked"),
        };
    }

    /// <summary>BigQuery timestamp literal text "yyyy-MM-dd HH:mm:ss[.ffffff]+00" → UTC DateTime.</summary>
    private static DateTime ParseTimestampText(string s)
    {
        var m = Regex.Match(s, @"^(\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d{1,6})?)(?:\+00(?::00)?|Z| UTC)$");
        if (!m.Success) throw new ApiError(400, "invalid", $"Invalid TIMESTAMP '{s}'");
        return DateTime.SpecifyKind(DateTime.Parse(m.Groups[1].Value.Replace(' ', 'T'), CultureInfo.InvariantCulture), DateTimeKind.Utc);
    }

    // ------------------------------------------------------------------ tables and loads

    private bool SchemaExists(string name)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = $"SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = '{name.Replace("'", "''")}'";
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
    }

    private JsonObject CreateTable(string dataset, JsonObject resource)
    {
        if (!SchemaExists(dataset)) throw new ApiError(404, "notFound", $"Not found: Dataset {Project}:{dataset}");
        var table = (string)resource["tableReference"]!["tableId"]!;
        if (_tables.ContainsKey($"{dataset}.{table}")) throw new ApiError(409, "duplicate", $"Already Exists: Table {Project}:{dataset}.{table}");
        var cols = ((JsonArray)resource["schema"]!["fields"]!).Select(f =>
            $"{f!["name"]} {EngineType(f)}{((string?)f["mode"] == "REQUIRED" ? " NOT NULL" : "")}");
        Exec($"CREATE TABLE {dataset}.{table} ({string.Join(", ", cols)})");
        var stored = resource.DeepClone().AsObject();
        stored["kind"] = "bigquery#table";
        _tables[$"{dataset}.{table}"] = stored;
        return stored;
    }

    /// <summary>A schema field's DuckDB column type: NUMERIC keeps its precision and scale, RECORD becomes STRUCT, REPEATED a list.</summary>
    private static string EngineType(JsonNode field)
    {
        var ci = CultureInfo.InvariantCulture;
        var type = (string)field["type"]! switch
        {
            "INT64" or "INTEGER" => "BIGINT",
            "FLOAT64" or "FLOAT" => "DOUBLE",
            "BOOL" or "BOOLEAN" => "BOOLEAN",
            "STRING" => "VARCHAR",
            "DATE" => "DATE",
            "TIMESTAMP" => "TIMESTAMP",
            "JSON" => "JSON",
            // BigQuery's bare NUMERIC is NUMERIC(38, 9).
            "NUMERIC" => field["precision"] is { } p
                ? $"DECIMAL({int.Parse(p.ToString(), ci)},{int.Parse(field["scale"]?.ToString() ?? "0", ci)})"
                : "DECIMAL(38,9)",
            "RECORD" or "STRUCT" => $"STRUCT({string.Join(", ", ((JsonArray)field["fields"]!).Select(f => $"{f!["name"]} {EngineType(f)}"))})",
            var other => throw new ApiError(400, "invalid", $"type {other} not faked"),
        };
        return (string?)field["mode"] == "REPEATED" ? type + "[]" : type;
    }

    /// <summary>The GoogleSQL type BigQuery gives a query result column of this DuckDB type (integers are INT64, floats FLOAT64).</summary>
    private static SqlType QueryResultType(string duckDbType)
    {
        var type = SqlType.ParseDuckDb(duckDbType);
        if (type.Kind != ColumnType.Unmodeled) return type;
        return duckDbType.ToUpperInvariant() switch
        {
            "INTEGER" or "SMALLINT" or "TINYINT" or "HUGEINT" or "UBIGINT" or "UINTEGER" or "USMALLINT" or "UTINYINT" => SqlType.Of(ColumnType.Int64),
            "FLOAT" or "REAL" => SqlType.Of(ColumnType.Float64),
            _ => SqlType.Of(ColumnType.String),
        };
    }

    /// <summary>The backing DuckDB's column types of a table (DuckDB spelling), to check what tables.insert really created.</summary>
    public IReadOnlyList<(string Name, string Type, bool Nullable)> EngineColumns(string datasetId, string tableId)
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = $s AND table_name = $t ORDER BY ordinal_position";
            cmd.Parameters.Add(new DuckDBParameter("s", datasetId));
            cmd.Parameters.Add(new DuckDBParameter("t", tableId));
            using var r = cmd.ExecuteReader();
            var columns = new List<(string, string, bool)>();
            while (r.Read()) columns.Add((r.GetString(0), r.GetString(1), r.GetString(2) == "YES"));
            return columns;
        }
    }

    private static (JsonObject Job, byte[] Data) ParseMultipart(string body, System.Net.Http.Headers.MediaTypeHeaderValue? contentType)
    {
        if (contentType?.MediaType != "multipart/related") throw new ApiError(400, "invalid", "expected multipart/related");
        var boundary = contentType.Parameters.First(p => p.Name == "boundary").Value!.Trim('"');
        var parts = body.Split("--" + boundary).Select(p => p.Trim('\r', '\n')).Where(p => p.Length > 0 && p != "--").ToList();
        if (parts.Count != 2) throw new ApiError(400, "invalid", $"expected 2 parts, got {parts.Count}");
        string Content(string part, string expectedType)
        {
            var split = part.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            var headers = part[..split];
            if (!headers.Contains("Content-Type: " + expectedType, StringComparison.OrdinalIgnoreCase))
                throw new ApiError(400, "invalid", $"part must be {expectedType}: {headers}");
            return part[(split + 4)..];
        }
        return (JsonNode.Parse(Content(parts[0], "application/json"))!.AsObject(), Encoding.UTF8.GetBytes(Content(parts[1], "application/octet-stream")));
    }

    private void Load(FakeJob job, JsonNode load, byte[] data)
    {
        var dest = load["destinationTable"]!;
        var (ds, table) = ((string)dest["datasetId"]!, (string)dest["tableId"]!);
        if ((string?)load["sourceFormat"] != "NEWLINE_DELIMITED_JSON") throw new ApiError(400, "invalid", "only NDJSON loads are faked");
        var resource = TableResource(ds, table) ?? throw new ApiError(404, "notFound", $"Not found: Table {Project}:{ds}.{table}");
        var fields = ((JsonArray)resource["schema"]!["fields"]!).Select(f => f!).ToList();
        var lines = Encoding.UTF8.GetString(data).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Exec("BEGIN TRANSACTION");
        try
        {
            // Validate every line first, then append: the appender is what makes a season's load take seconds, not a minute.
            var names = fields.Select(f => (string)f["name"]!).ToList();
            var known = names.ToHashSet();
            var rows = new List<object?[]>(lines.Length);
            foreach (var line in lines)
            {
                var obj = JsonNode.Parse(line)!.AsObject();
                foreach (var (k, _) in obj)
                    if (!known.Contains(k)) throw new ApiError(400, "invalid", $"JSON table encountered unknown field: {k}");
                rows.Add(fields.Select((f, i) => LoadValue(f, obj[names[i]])).ToArray());
            }
            _columnBytes.Remove((ds.ToLowerInvariant(), table.ToLowerInvariant()));
            using (var appender = _db.CreateAppender(ds, table))
            {
                foreach (var values in rows)
                {
                    var row = appender.CreateRow();
                    foreach (var v in values) AppendExact(row, v);
                    row.EndRow();
                }
            }
            Exec("COMMIT");
        }
        catch
        {
            Exec("ROLLBACK");
            throw;
        }
        job.Resource["statistics"]!["load"] = new JsonObject { ["outputRows"] = lines.Length.ToString(CultureInfo.InvariantCulture) };
    }

    // LoadValue yields exactly the CLR type of the column, so the appender cannot narrow a value.
    private static void AppendExact(IDuckDBAppenderRow row, object? v)
    {
        switch (v)
        {
            case null: row.AppendNullValue(); break;
            case long l: row.AppendValue((long?)l); break;
            case double d: row.AppendValue((double?)d); break;
            case bool b: row.AppendValue((bool?)b); break;
            case string s: row.AppendValue(s); break;
            case DateOnly d: row.AppendValue((DateOnly?)d); break;
            case DateTime t: row.AppendValue((DateTime?)t); break;
            case decimal m: row.AppendValue((decimal?)m); break;
            case List<double?> list: row.AppendValue(list); break;
            case List<string?> list: row.AppendValue(list); break;
            case List<long?> list: row.AppendValue(list); break;
            case List<decimal?> list: row.AppendValue(list); break;
            case List<bool?> list: row.AppendValue(list); break;
            case List<DateOnly?> list: row.AppendValue(list); break;
            case List<DateTime?> list: row.AppendValue(list); break;
            default: throw new ApiError(400, "invalid", $"value type {v.GetType().Name} not faked");
        }
    }

    private static object? LoadValue(JsonNode field, JsonNode? v)
    {
        var type = (string)field["type"]!;
        var mode = (string?)field["mode"] ?? "NULLABLE";
        if (mode == "REPEATED")
        {
            var items = (v as JsonArray ?? new JsonArray()).ToList();
            var element = field.DeepClone();
            element["mode"] = "NULLABLE";
            var values = items.Select(x => LoadValue(element, x)).ToList();
            // Typed lists, so the appender writes each element at the column's element type.
            return type switch
            {
                "FLOAT64" or "FLOAT" => values.Select(x => (double?)x).ToList(),
                "INT64" or "INTEGER" => values.Select(x => (long?)x).ToList(),
                "NUMERIC" => values.Select(x => (decimal?)x).ToList(),
                "BOOL" or "BOOLEAN" => values.Select(x => (bool?)x).ToList(),
                "DATE" => values.Select(x => (DateOnly?)x).ToList(),
                "TIMESTAMP" => values.Select(x => (DateTime?)x).ToList(),
                "STRING" or "JSON" => (object)values.Select(x => (string?)x).ToList(),
                _ => throw new ApiError(400, "invalid", $"REPEATED {type} not faked"),
            };
        }
        if (v is null)
            return mode == "REQUIRED" ? throw new ApiError(400, "invalid", $"Missing required field: {field["name"]}") : null;
        var ci = CultureInfo.InvariantCulture;
        string Str() => v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString();
        return type switch
        {
            "INT64" or "INTEGER" => long.Parse(Str(), ci),
            "FLOAT64" or "FLOAT" => double.Parse(Str(), ci),
            // Rounded to the column's scale, as BigQuery does on assignment; too many integer digits are refused.
            "NUMERIC" => NumericLoad(field, decimal.Parse(Str(), NumberStyles.Float, ci)),
            "BOOL" or "BOOLEAN" => v.GetValue<bool>(),
            "STRING" => v.GetValue<string>(),
            "JSON" => Str(),
            "DATE" => DateOnly.ParseExact(v.GetValue<string>(), "yyyy-MM-dd", ci),
            "TIMESTAMP" => ParseTimestampText(v.GetValue<string>()),
            _ => throw new ApiError(400, "invalid", $"type {type} not faked"),
        };
    }

    private static decimal NumericLoad(JsonNode field, decimal value)
    {
        var ci = CultureInfo.InvariantCulture;
        var precision = field["precision"] is { } p ? int.Parse(p.ToString(), ci) : 38;
        var scale = field["precision"] is null ? 9 : int.Parse(field["scale"]?.ToString() ?? "0", ci);
        var rounded = Math.Round(value, scale, MidpointRounding.AwayFromZero);
        if (precision - scale < 28 && Math.Abs(rounded) >= (decimal)Math.Pow(10, precision - scale))
            throw new ApiError(400, "invalid", $"Invalid NUMERIC({precision},{scale}) value {value} for field {field["name"]}");
        return rounded;
    }

    // ------------------------------------------------------------------ plumbing

    private void Exec(string sql)
    {
        Changing(sql);
        using var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static Dictionary<string, string> ParseQuery(string query) =>
        query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => Uri.UnescapeDataString(p[0]), p => p.Length > 1 ? Uri.UnescapeDataString(p[1]) : "");

    private static HttpResponseMessage Ok(JsonNode body) =>
        new(HttpStatusCode.OK) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };

    public static HttpResponseMessage Error(int status, string reason, string message)
    {
        var body = new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["code"] = status,
                ["message"] = message,
                ["errors"] = new JsonArray(new JsonObject { ["message"] = message, ["domain"] = "global", ["reason"] = reason }),
                ["status"] = status switch { 400 => "INVALID_ARGUMENT", 403 => "PERMISSION_DENIED", 404 => "NOT_FOUND", 409 => "ALREADY_EXISTS", 429 => "RESOURCE_EXHAUSTED", 503 => "UNAVAILABLE", _ => "INTERNAL" },
            },
        };
        return new HttpResponseMessage((HttpStatusCode)status) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _db.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>What <see cref="FakeBigQuery.Snapshot"/> saved: the engine's file and the fake's own bookkeeping (resources as JSON text, so fakes on other threads can read them).</summary>
public sealed record FakeBigQuerySnapshot(
    string Path,
    IReadOnlyDictionary<string, string> Tables,
    IReadOnlyDictionary<string, string> DatasetLabels,
    long Clock,
    long TotalBytesBilled,
    int DryRuns);
