using System.Text.Json.Nodes;
using BackfillTools.Core;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using BackfillTools.Core.Warehouse.BigQuery;
using Xunit;
using static BackfillTools.Core.Warehouse.Col;

namespace BackfillTools.Tests.BigQuery;

/// <summary>The REST adapter's wire behaviour: request JSON, polling, paging, retries, errors, cancellation, auth.</summary>
public sealed class BigQueryAdapterTests : IDisposable
{
    private static readonly TableDef Small = new("bf_test", "small", new[] { Str("k", false), Int("v"), Date("d") }, new[] { "k" }, "d", new[] { "k" });

    private readonly FakeBigQuery _fake = new();

    public void Dispose() => _fake.Dispose();

    private BigQueryWarehouse OpenWithTable(int? pageSize = null)
    {
        var w = BigQueryTestHost.Open(_fake, pageSize: pageSize);
        w.EnsureTable(Small);
        return w;
    }

    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected\n{JsonNode.Parse(expected)}\nactual\n{actual}");

    // ------------------------------------------------------------------ golden request JSON

    [Fact]
    public async Task Golden_jobs_insert_body_with_query_parameters()
    {
        using var client = BigQueryTestHost.Client(_fake);
        await client.CreateQueryJobAsync("SELECT @d AS d, @n AS n, @x AS x, @s AS s, @b AS b, @t AS t, @a AS a",
            new[]
            {
                new BigQueryParameter("d", new DateOnly(2024, 3, 1)), new BigQueryParameter("n", 41L), new BigQueryParameter("x", 1.25),
                new BigQueryParameter("s", "x'y"), new BigQueryParameter("b", false),
                new BigQueryParameter("t", new DateTime(2024, 3, 1, 2, 3, 4, DateTimeKind.Utc)),
                new BigQueryParameter("a", new[] { "DE", "FR" }),
            },
            new QueryOptions { JobId = "golden_job_1" });
        AssertJson("""
            {
              "jobReference": {"projectId": "test-proj", "jobId": "golden_job_1", "location": "EU"},
              "configuration": {
                "query": {
                  "query": "SELECT @d AS d, @n AS n, @x AS x, @s AS s, @b AS b, @t AS t, @a AS a",
                  "useLegacySql": false,
                  "parameterMode": "NAMED",
                  "queryParameters": [
                    {"name": "d", "parameterType": {"type": "DATE"}, "parameterValue": {"value": "2024-03-01"}},
                    {"name": "n", "parameterType": {"type": "INT64"}, "parameterValue": {"value": "41"}},
                    {"name": "x", "parameterType": {"type": "FLOAT64"}, "parameterValue": {"value": "1.25"}},
                    {"name": "s", "parameterType": {"type": "STRING"}, "parameterValue": {"value": "x'y"}},
                    {"name": "b", "parameterType": {"type": "BOOL"}, "parameterValue": {"value": "FALSE"}},
                    {"name": "t", "parameterType": {"type": "TIMESTAMP"}, "parameterValue": {"value": "2024-03-01 02:03:04.000000+00"}},
                    {"name": "a", "parameterType": {"type": "ARRAY", "arrayType": {"type": "STRING"}},
                     "parameterValue": {"arrayValues": [{"value": "DE"}, {"value": "FR"}]}}
                  ]
                },
                "labels": {"tool": "backfilltools", "job_kind": "query"}
              }
            }
            """, JsonNode.Parse(_fake.Calls("jobs.insert").Single().Body!));
    }

    [Fact]
    public void Golden_table_resource_with_partitioning_clustering_and_key()
    {
        using var w = BigQueryTestHost.Open(_fake, prefix: "dev_");
        // A fixed table, so the golden body does not follow changes to the product schema.
        w.EnsureTable(new TableDef("nba_precompute", "team_defense_zone_analysis",
            new[] { Col.Date("analysis_date", false), Col.Str("team_abbr", false), Col.Str("run_id"), Col.Ts("processed_at", false) },
            new[] { "analysis_date", "team_abbr" }, "analysis_date", new[] { "team_abbr" }));
        // The first tables.insert hits a missing dataset (404), then datasets.insert, then the retry: same body.
        Assert.Equal(2, _fake.Calls("tables.insert").Count());
        Assert.Contains("\"location\":\"EU\"", _fake.Calls("datasets.insert").Single().Body);
        AssertJson("""
            {
              "tableReference": {"projectId": "test-proj", "datasetId": "dev_nba_precompute", "tableId": "team_defense_zone_analysis"},
              "schema": {"fields": [
                {"name": "analysis_date", "type": "DATE", "mode": "REQUIRED"},
                {"name": "team_abbr", "type": "STRING", "mode": "REQUIRED"},
                {"name": "run_id", "type": "STRING", "mode": "NULLABLE"},
                {"name": "processed_at", "type": "TIMESTAMP", "mode": "REQUIRED"}
              ]},
              "timePartitioning": {"type": "DAY", "field": "analysis_date"},
              "clustering": {"fields": ["team_abbr"]},
              "tableConstraints": {"primaryKey": {"columns": ["analysis_date", "team_abbr"]}}
            }
            """, JsonNode.Parse(_fake.Calls("tables.insert").Last().Body!));
        // tables.get reads the same resource back; a missing table is null, not an error.
        Assert.Equal("analysis_date", (string?)w.Client.GetTableAsync("dev_nba_precompute", "team_defense_zone_analysis").Result?["timePartitioning"]?["field"]);
        Assert.Null(w.Client.GetTableAsync("dev_nba_precompute", "nope").Result);
    }

    [Fact]
    public void Golden_transaction_script_renames_parameters_per_statement()
    {
        using var w = BigQueryTestHost.Open(_fake, prefix: "dev_");
        var script = w.BuildTransactionScript(new SqlStatement[]
        {
            new($"DELETE FROM {Small.Placeholder} WHERE d = @d;", WarehouseExtensions.Params(("d", new DateOnly(2024, 1, 2)))),
            new($"INSERT INTO {Small.Placeholder} (k, v, d) VALUES (@k, @v, @d)", WarehouseExtensions.Params(("k", "a"), ("v", new SqlNull(ColumnType.Int64)), ("d", new DateOnly(2024, 1, 2)))),
        }, out var ps);
        Assert.Equal("""
            BEGIN TRANSACTION;
            DELETE FROM `test-proj.dev_bf_test.small` WHERE d = @s0_d;
            INSERT INTO `test-proj.dev_bf_test.small` (k, v, d) VALUES (@s1_k, @s1_v, @s1_d);
            COMMIT TRANSACTION;
            """.ReplaceLineEndings("\n"), script);
        Assert.Equal(new[] { "s0_d", "s1_k", "s1_v", "s1_d" }, ps.Select(p => p.Name));
        // The NULL is renamed like every other parameter and keeps its type.
        Assert.Equal(BigQueryDbType.Int64, ps.Single(p => p.Name == "s1_v").Type);
        Assert.Null(ps.Single(p => p.Name == "s1_v").Value);
    }

    [Fact]
    public void Golden_load_job_is_a_multipart_ndjson_upload_not_insertAll()
    {
        using var w = OpenWithTable();
        Assert.Equal(2, w.BulkAppend(Small, new[] { new object?[] { "a", 1L, new DateOnly(2024, 1, 2) }, new object?[] { "b", null, null } }));
        var upload = _fake.Calls("jobs.upload").Single();
        Assert.StartsWith("/upload/bigquery/v2/projects/test-proj/jobs?uploadType=multipart", upload.PathAndQuery);
        Assert.DoesNotContain(_fake.Requests, r => r.PathAndQuery.Contains("insertAll"));
        var jobJson = upload.Body!.Split("\r\n\r\n")[1].Split("\r\n--")[0];
        var job = JsonNode.Parse(jobJson)!;
        job["jobReference"]!.AsObject().Remove("jobId"); // random per run
        AssertJson("""
            {
              "jobReference": {"projectId": "test-proj", "location": "EU"},
              "configuration": {
                "load": {
                  "destinationTable": {"projectId": "test-proj", "datasetId": "bf_test", "tableId": "small"},
                  "sourceFormat": "NEWLINE_DELIMITED_JSON",
                  "writeDisposition": "WRITE_APPEND",
                  "createDisposition": "CREATE_NEVER",
                  "schema": {"fields": [
                    {"name": "k", "type": "STRING", "mode": "REQUIRED"},
                    {"name": "v", "type": "INT64", "mode": "NULLABLE"},
                    {"name": "d", "type": "DATE", "mode": "NULLABLE"}
                  ]}
                },
                "labels": {"tool": "backfilltools", "job_kind": "load"}
              }
            }
            """, job);
        Assert.Contains("{\"k\":\"a\",\"v\":\"1\",\"d\":\"2024-01-02\"}\n{\"k\":\"b\",\"v\":null,\"d\":null}", upload.Body);
        Assert.Equal(2, _fake.ScalarInt64("SELECT COUNT(*) FROM bf_test.small"));
    }

    [Fact]
    public void Null_parameters_are_sent_as_typed_query_parameters_never_as_literal_NULL()
    {
        using var w = OpenWithTable();
        w.Execute($"INSERT INTO {Small.Placeholder} (k, v, d) VALUES (@k, @v, @d)",
            WarehouseExtensions.Params(("k", "x"), ("v", new SqlNull(ColumnType.Int64)), ("d", new SqlNull(ColumnType.Date))));
        var body = JsonNode.Parse(_fake.Calls("jobs.insert").Last().Body!)!;
        // The text is the registered text whatever the values; each NULL is a parameter of its column's type without a value.
        Assert.Equal("INSERT INTO `test-proj.bf_test.small` (k, v, d) VALUES (@k, @v, @d)", (string?)body["configuration"]!["query"]!["query"]);
        var parameters = body["configuration"]!["query"]!["queryParameters"]!.AsArray();
        Assert.Equal(new[] { "k", "v", "d" }, parameters.Select(p => (string?)p!["name"]));
        Assert.Equal("INT64", (string?)parameters[1]!["parameterType"]!["type"]);
        Assert.Equal("DATE", (string?)parameters[2]!["parameterType"]!["type"]);
        Assert.Null(parameters[1]!["parameterValue"]!["value"]);
        Assert.Null(parameters[2]!["parameterValue"]!["value"]);
        Assert.Equal(1, _fake.ScalarInt64("SELECT COUNT(*) FROM bf_test.small WHERE v IS NULL AND d IS NULL"));

        // An untyped null has no GoogleSQL type: refused before anything is sent.
        var sent = _fake.Calls("jobs.insert").Count();
        Assert.Throws<ArgumentException>(() => w.Execute($"INSERT INTO {Small.Placeholder} (k, v, d) VALUES (@k, @v, @d)",
            WarehouseExtensions.Params(("k", "y"), ("v", null), ("d", null))));
        Assert.Equal(sent, _fake.Calls("jobs.insert").Count());
    }

    [Fact]
    public void MaximumBytesBilled_is_sent_with_every_query_job()
    {
        using var w = BigQueryWarehouse.Open(new WarehouseConnection(WarehouseKind.BigQuery, Project: FakeBigQuery.Project),
            new BigQueryWarehouseOptions { NoAuthentication = true, Transport = _fake, Retry = BigQueryRetryOptions.Immediate, MaximumBytesBilled = 1L << 30 });
        w.Query("SELECT 1 AS one");
        var query = JsonNode.Parse(_fake.Calls("jobs.insert").Single().Body!)!["configuration"]!["query"]!;
        Assert.Equal("1073741824", (string?)query["maximumBytesBilled"]);
        Assert.Null(JsonNode.Parse(_fake.Calls("jobs.insert").Single().Body!)!["jobReference"]!["location"]); // no location configured
    }

    // ------------------------------------------------------------------ polling, paging, counting

    [Fact]
    public void Polls_until_jobComplete_then_pages_with_pageToken()
    {
        _fake.IncompletePolls = 3;
        using var w = OpenWithTable(pageSize: 2);
        w.BulkAppend(Small, Enumerable.Range(0, 5).Select(i => new object?[] { $"k{i}", (long)i, null }));
        var before = _fake.Calls("getQueryResults").Count();
        var r = w.Query($"SELECT k, v FROM {Small.Placeholder} ORDER BY v");
        Assert.Equal(new long[] { 0, 1, 2, 3, 4 }, r.Rows.Select(x => (long)x[1]!));
        var polls = _fake.Calls("getQueryResults").Skip(before).ToList();
        // 3 "not complete" answers, then 3 pages of 2, 2, 1 rows.
        Assert.Equal(6, polls.Count);
        Assert.Equal(2, polls.Count(p => p.PathAndQuery.Contains("pageToken=")));
        Assert.All(polls, p => Assert.Contains("maxResults=2", p.PathAndQuery));
        Assert.All(polls, p => Assert.Contains("location=EU", p.PathAndQuery));
        // Load jobs are polled through jobs.get instead (no long-poll there).
        Assert.True(_fake.Calls("jobs.get").Count() >= 3);
    }

    [Fact]
    public void Job_counter_reports_jobs_per_kind_and_chunked_loads()
    {
        using var w = BigQueryTestHost.Open(_fake, loadChunkBytes: 64);
        w.EnsureTable(Small);
        w.BulkAppend(Small, Enumerable.Range(0, 6).Select(i => new object?[] { $"key{i}", (long)i, new DateOnly(2024, 1, 1) })); // ~45 bytes a line
        w.Query($"SELECT COUNT(*) FROM {Small.Placeholder}");
        w.Execute($"DELETE FROM {Small.Placeholder} WHERE v = 0");
        w.ExecuteInTransaction(new SqlStatement[] { $"DELETE FROM {Small.Placeholder} WHERE v = 1", $"DELETE FROM {Small.Placeholder} WHERE v = 2" });
        Assert.Equal(6, w.Jobs["load"]); // 64-byte chunks hold one line each
        Assert.Equal(1, w.Jobs["query"]);
        Assert.Equal(1, w.Jobs["dml"]);
        Assert.Equal(1, w.Jobs["script"]);
        Assert.Equal(9, w.Jobs.TotalJobs);
        Assert.Equal(9, _fake.Calls("jobs.insert").Count() + _fake.Calls("jobs.upload").Count());
        Assert.Contains("9 jobs", w.Jobs.ToString());
        Assert.Equal(3, _fake.ScalarInt64("SELECT COUNT(*) FROM bf_test.small"));
    }

    [Fact]
    public void Migrator_and_Describe_run_over_BigQuery()
    {
        using var w = BigQueryTestHost.Open(_fake, prefix: "m_");
        var applied = new Migrator().Upgrade(w);
        Assert.NotEmpty(applied);
        Assert.Equal(new Migrator().LatestVersion, Migrator.CurrentVersion(w));
        Assert.Empty(new Migrator().Upgrade(w)); // second open applies nothing
        var tables = WarehouseService.Describe(w);
        Assert.Equal(WarehouseSchema.All.Count, tables.Count);
        Assert.Equal(new Migrator().Migrations.Count, tables.Single(t => t.Table == WarehouseSchema.SchemaVersion.FullName).Rows);
        Assert.Equal(1, tables.Single(t => t.Table == WarehouseSchema.BackfillLock.FullName).Rows); // the seeded, free lock row
    }

    [Fact]
    public void The_factory_opens_a_BigQuery_connection_with_the_BigQuery_backend()
    {
        // No hook to install: WarehouseService.Open switches on the kind and reaches BigQueryWarehouse.Open, whose own
        // refusal (no project) proves the route.
        var ex = Assert.Throws<BackfillException>(() => WarehouseService.Open(new WarehouseConnection(WarehouseKind.BigQuery, Project: "")));
        Assert.Equal("BigQueryProjectMissing", ex.ErrorId);
    }

    // ------------------------------------------------------------------ retries

    [Theory]
    [InlineData("jobs.insert", 403, "rateLimitExceeded")]
    [InlineData("jobs.insert", 500, "backendError")]
    [InlineData("jobs.insert", 500, "internalError")]
    [InlineData("getQueryResults", 503, "backendError")]
    [InlineData("getQueryResults", 502, null)]
    [InlineData("getQueryResults", 504, null)]
    [InlineData("jobs.get", 429, null)] // Too Many Requests without a Google body
    [InlineData("jobs.insert", 0, null)] // network failure
    [InlineData("tables.list", 0, null)]
    public void Transient_failures_are_retried_with_the_same_job_id(string operation, int status, string? reason)
    {
        using var w = OpenWithTable();
        _fake.Inject(operation, status, reason, times: 2);
        w.BulkAppend(Small, new[] { new object?[] { "a", 5L, null } }); // polls jobs.get
        if (operation == "tables.list")
        {
            Assert.Contains("bf_test.small", w.ExistingTables());
        }
        else
        {
            Assert.Equal(5L, w.ScalarInt64($"SELECT v FROM {Small.Placeholder}"));
            var inserts = _fake.Calls("jobs.insert").Select(c => (string)JsonNode.Parse(c.Body!)!["jobReference"]!["jobId"]!).ToList();
            // Retries of the same call reuse the job id: one job, however many HTTP attempts.
            Assert.Single(inserts.Distinct());
            Assert.Equal(1, w.Jobs["query"]);
        }
        Assert.Equal(2, w.Jobs.HttpRetries);
    }

    [Fact]
    public void Lost_insert_response_then_409_follows_the_existing_job_and_applies_once()
    {
        using var w = OpenWithTable();
        // The first insert reaches BigQuery (the job runs) but its answer is lost as a 503.
        _fake.Inject("jobs.insert", 503, "backendError", afterApplying: true);
        var n = w.Execute($"INSERT INTO {Small.Placeholder} (k, v) VALUES ('once', 1)");
        Assert.Equal(1, n);
        Assert.Equal(2, _fake.Calls("jobs.insert").Count());
        Assert.NotEmpty(_fake.Calls("jobs.get"));
        Assert.Equal(1, _fake.ScalarInt64("SELECT COUNT(*) FROM bf_test.small"));
    }

    [Theory]
    [InlineData("invalidQuery", "Could not serialize access to table test-proj:bf_test.small due to concurrent update", 400)]
    [InlineData("invalidQuery", "Transaction is aborted due to concurrent update against table test-proj:bf_test.small", 400)]
    [InlineData("backendError", "Backend error. Job aborted.", 500)]
    public void Job_level_conflicts_rerun_the_whole_statement_with_a_new_job_id(string reason, string message, int status)
    {
        using var w = OpenWithTable();
        _fake.FailNextJobs(reason, message, times: 1, httpStatus: status);
        Assert.Equal(1, w.Execute($"INSERT INTO {Small.Placeholder} (k, v) VALUES ('x', 1)"));
        var ids = _fake.Calls("jobs.insert").Select(c => (string)JsonNode.Parse(c.Body!)!["jobReference"]!["jobId"]!).ToList();
        Assert.Equal(2, ids.Distinct().Count());
        Assert.Equal(1, w.Jobs.StatementReruns);
        Assert.Equal(2, w.Jobs["dml"]); // the re-run is a second (billed) job
        Assert.Equal(1, _fake.ScalarInt64("SELECT COUNT(*) FROM bf_test.small"));
    }

    [Fact]
    public void Persistent_conflict_gives_up_with_BigQueryConcurrentUpdate()
    {
        using var w = OpenWithTable();
        _fake.FailNextJobs("invalidQuery", "Could not serialize access to table test-proj:bf_test.small due to concurrent update", times: 50);
        var ex = Assert.Throws<BackfillException>(() => w.Execute($"DELETE FROM {Small.Placeholder} WHERE TRUE"));
        Assert.Equal("BigQueryConcurrentUpdate", ex.ErrorId);
        Assert.Equal(ErrorKind.ResourceBusy, ex.Kind);
        Assert.Equal(1 + BigQueryRetryOptions.Immediate.MaxStatementReruns, _fake.Calls("jobs.insert").Count());
    }

    [Theory]
    [InlineData(400, "invalidQuery", "BigQueryInvalidQuery", ErrorKind.InvalidArgument)]
    [InlineData(404, "notFound", "BigQueryNotFound", ErrorKind.ObjectNotFound)]
    [InlineData(403, "accessDenied", "BigQueryAccessDenied", ErrorKind.PermissionDenied)]
    [InlineData(403, "quotaExceeded", "BigQueryQuotaExceeded", ErrorKind.LimitsExceeded)]
    [InlineData(401, "authError", "BigQueryAccessDenied", ErrorKind.PermissionDenied)]
    public void Permanent_errors_are_not_retried_and_map_to_stable_ids(int status, string reason, string errorId, ErrorKind kind)
    {
        using var w = OpenWithTable();
        var before = _fake.Requests.Count;
        _fake.Inject("jobs.insert", status, reason, "nope", times: 5);
        var ex = Assert.Throws<BackfillException>(() => w.Query("SELECT 1 AS one"));
        Assert.Equal(errorId, ex.ErrorId);
        Assert.Equal(kind, ex.Kind);
        Assert.Single(_fake.Requests.Skip(before)); // exactly one attempt
        Assert.Equal(0, w.Jobs.HttpRetries);
    }

    [Fact]
    public void Exhausted_transient_retries_map_to_BigQueryUnavailable()
    {
        using var w = OpenWithTable();
        _fake.Inject("jobs.insert", 503, "backendError", times: 100);
        var ex = Assert.Throws<BackfillException>(() => w.Query("SELECT 1 AS one"));
        Assert.Equal("BigQueryUnavailable", ex.ErrorId);
        Assert.Equal(1 + BigQueryRetryOptions.Immediate.MaxRetryAttempts, _fake.Calls("jobs.insert").Count());
    }

    [Fact]
    public void Real_sql_errors_from_the_engine_are_classified()
    {
        using var w = OpenWithTable();
        Assert.Equal("BigQueryInvalidQuery", Assert.Throws<BackfillException>(() => w.Query("SELEC 1")).ErrorId);
        Assert.Equal("BigQueryNotFound", Assert.Throws<BackfillException>(() => w.Query("SELECT * FROM {{bf_test.nope}}")).ErrorId);
        Assert.Equal(0, w.Jobs.StatementReruns); // neither was re-run
        Assert.Equal(0, w.Jobs.HttpRetries);
    }

    [Fact]
    public void Backoff_delays_come_from_the_options()
    {
        using var w = BigQueryTestHost.Open(_fake, retry: new BigQueryRetryOptions
        {
            BaseDelay = TimeSpan.FromMilliseconds(150), MaxDelay = TimeSpan.FromMilliseconds(150), UseJitter = false, PollInterval = TimeSpan.Zero,
        });
        _fake.Inject("jobs.insert", 403, "rateLimitExceeded", times: 2);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        w.Query("SELECT 1 AS one");
        Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(290), $"two retries should wait ~300 ms, took {sw.ElapsedMilliseconds} ms");
    }

    // ------------------------------------------------------------------ cancellation and secrets

    [Fact]
    public void Cancellation_cancels_the_running_job()
    {
        using var w = OpenWithTable();
        _fake.NeverComplete = true;
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        Assert.ThrowsAny<OperationCanceledException>(() => w.Query($"SELECT * FROM {Small.Placeholder}", null, cts.Token));
        var jobId = (string)JsonNode.Parse(_fake.Calls("jobs.insert").Last().Body!)!["jobReference"]!["jobId"]!;
        var cancel = Assert.Single(_fake.Calls("jobs.cancel"));
        Assert.Contains($"/jobs/{jobId}/cancel", cancel.PathAndQuery);
        Assert.Equal(1, w.Jobs.Cancellations);
    }

    [Fact]
    public void Requests_carry_a_self_signed_bearer_token_that_never_appears_in_errors()
    {
        using var w = OpenWithTable();
        var auth = _fake.Requests.First().Authorization!;
        Assert.StartsWith("Bearer ", auth);
        var token = auth["Bearer ".Length..];
        Assert.Equal(3, token.Split('.').Length); // a JWT minted locally from the generated key
        Assert.All(_fake.Requests, r => Assert.Equal(auth, r.Authorization));

        _fake.Inject("jobs.insert", 403, "accessDenied", "Access Denied: Project test-proj: User does not have bigquery.jobs.create permission");
        var ex = Assert.Throws<BackfillException>(() => w.Query("SELECT 1 AS one"));
        foreach (var text in new[] { ex.Message, ex.ToString() })
        {
            Assert.DoesNotContain(token, text);
            Assert.DoesNotContain("PRIVATE KEY", text);
        }
        Assert.Contains("bigquery.jobUser", ex.Message); // says what role is missing
    }

    [Fact]
    public void No_auth_option_sends_no_Authorization_header()
    {
        using var w = BigQueryTestHost.Open(_fake, noAuth: true);
        w.EnsureTable(Small);
        Assert.All(_fake.Requests, r => Assert.Null(r.Authorization));
    }

    // ------------------------------------------------------------------ response parsing from fixture JSON

    [Fact]
    public void Cells_convert_by_schema_including_repeated_record_null_and_both_timestamp_encodings()
    {
        var response = JsonNode.Parse("""
            {"schema": {"fields": [
                {"name": "day", "type": "DATE"}, {"name": "users", "type": "INTEGER"}, {"name": "amt", "type": "FLOAT"},
                {"name": "tags", "type": "STRING", "mode": "REPEATED"},
                {"name": "s", "type": "RECORD", "fields": [{"name": "a", "type": "INTEGER"}, {"name": "b", "type": "STRING"}]},
                {"name": "ts_float", "type": "TIMESTAMP"}, {"name": "ts_micros", "type": "TIMESTAMP"}, {"name": "flag", "type": "BOOLEAN"},
                {"name": "missing", "type": "STRING"}]},
             "rows": [{"f": [{"v": "2024-03-01"}, {"v": "17"}, {"v": "2.5"}, {"v": [{"v": "a"}, {"v": "b"}]},
                             {"v": {"f": [{"v": "1"}, {"v": "x"}]}}, {"v": "1.7093E9"}, {"v": "1709300000000001"}, {"v": "true"}, {"v": null}]}]}
            """)!;
        var schema = TableFieldSchema.ParseFields(response["schema"]);
        var row = new BigQueryResults(null, schema, response["rows"]!.AsArray().Select(r => MakeRow(schema, r!)).ToList(), 1, null, null).Single();
        Assert.Equal(new DateOnly(2024, 3, 1), row["day"]);
        Assert.Equal(17L, row["users"]);
        Assert.Equal(2.5, row["amt"]);
        Assert.Equal(new List<string> { "a", "b" }, row["tags"]);
        var rec = Assert.IsType<Dictionary<string, object?>>(row["s"]);
        Assert.Equal(1L, rec["a"]);
        Assert.Equal(new DateTime(2024, 3, 1, 13, 33, 20, DateTimeKind.Utc), row["ts_float"]);
        Assert.Equal(new DateTime(2024, 3, 1, 13, 33, 20, DateTimeKind.Utc).AddTicks(10), row["ts_micros"]);
        Assert.Equal(true, row["flag"]);
        Assert.Null(row["missing"]);
    }

    private static BigQueryRow MakeRow(IReadOnlyList<TableFieldSchema> schema, JsonNode raw) => new(schema, raw);

    [Fact]
    public void A_job_that_reports_its_error_at_insert_time_is_not_polled()
    {
        using var w = OpenWithTable();
        _fake.IncompletePolls = 0;
        _fake.FailNextJobs("invalidQuery", "Syntax error: Unexpected keyword SELEC at [1:1]");
        var before = _fake.Calls("getQueryResults").Count();
        Assert.Equal("BigQueryInvalidQuery", Assert.Throws<BackfillException>(() => w.Query("SELECT 1")).ErrorId);
        Assert.Equal(before, _fake.Calls("getQueryResults").Count());
    }
}
