using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using BackfillTools.Core.Backfill;
using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Validation;
using BackfillTools.Core.Warehouse;
using BackfillTools.Core.Warehouse.BigQuery;
using BackfillTools.Samples;
using Xunit;
using Xunit.Abstractions;

namespace BackfillTools.Tests.BigQuery;

/// <summary>
/// The gate sees everything against production (issue #13 item 5): a realistic operator session runs through the
/// product's services against the in-process fake BigQuery (over a loopback endpoint, the way Connect-BackfillWarehouse
/// -Endpoint reaches an emulator), the fake records every request, and every statement sent is then analyzed by ZetaSQL
/// against the production catalog and checked against the partition-filter rule. Nothing is listed by hand: what the
/// product sends is what is checked.
/// </summary>
[Trait("Category", "SqlGate")]
public sealed class WireGateTests
{
    private readonly ITestOutputHelper _output;

    public WireGateTests(ITestOutputHelper output) => _output = output;

    /// <summary>One statement as it crossed the wire: text (project renamed to the gate's) and typed parameters.</summary>
    public sealed record WireStatement(string Sql, IReadOnlyList<(string Name, string Type)> Parameters, bool DryRun);

    [ZetaSqlFact]
    [Trait("Category", "Slow")]
    public void Every_statement_an_operator_session_sends_is_valid_GoogleSQL_against_production_and_filters_partitions()
    {
        var wire = RecordOperatorSession(_output);
        var distinct = wire.GroupBy(s => (s.Sql, string.Join(",", s.Parameters))).Select(g => g.First()).ToList();
        var statements = distinct.Select((s, i) => new ZetaSqlGate.Statement($"wire#{i + 1}", s.Sql, s.Parameters, "wire")).ToList();
        // Production's layout: each table as production-schema.json records it, migration columns included (production may
        // have them; the fake, like production, was created that way), then what the session itself created.
        var production = ProductionSchema.Tables.Select(t => new ZetaSqlGate.CatalogTable($"{ZetaSqlGate.GateProject}.{t.FullName}",
            t.Replica.Columns.Select(c => (c.Name, Equivalence.ReferenceEngine.TypeName(c.FullType))).ToList()));
        var results = ZetaSqlGate.Analyze(statements, production.Concat(WireTables));
        var errors = results.Where(r => !r.Ok).ToList();
        var unfiltered = results.Where(r => r.Ok && r.Unfiltered.Count > 0).ToList();
        _output.WriteLine($"wire: {wire.Count} statements sent, {distinct.Count} distinct; {errors.Count} fail analysis; {unfiltered.Count} scan a require_partition_filter table without a constant bound");
        string Show(ZetaSqlGate.Result r, string what) =>
            $"{r.Name}: {what}\n    {ZetaSqlGate.Excerpt(statements.First(s => s.Name == r.Name).Sql, r.Error)}";
        foreach (var r in errors) _output.WriteLine(Show(r, r.Error!));
        foreach (var r in unfiltered) _output.WriteLine(Show(r, "unfiltered " + string.Join(", ", r.Unfiltered)));
        // Nothing escapes the registry: every statement sent has the shape of a registered one.
        var registered = RegisteredShapes();
        var unregistered = distinct.Where(s => !registered.Contains(Shape(s.Sql))).Select(s => Shape(s.Sql)).Distinct().ToList();
        _output.WriteLine($"{unregistered.Count} statement shapes sent that no [StatementCatalog] entry or processor step registers");
        foreach (var u in unregistered) _output.WriteLine("unregistered: " + (u.Length > 400 ? u[..400] + " …" : u));
        Assert.True(distinct.Count > 50, $"only {distinct.Count} statements recorded");
        Assert.True(errors.Count == 0, "GoogleSQL errors on the wire:\n" + string.Join("\n", errors.Select(r => Show(r, r.Error!))));
        Assert.True(unfiltered.Count == 0, "Partition-filter violations on the wire:\n" + string.Join("\n", unfiltered.Select(r => Show(r, string.Join(", ", r.Unfiltered)))));
        // Nothing the product sends escapes the registry (issue #13 item 5).
        Assert.True(unregistered.Count == 0,
            $"{unregistered.Count} statement shapes sent but not registered where they are defined:\n" + string.Join("\n", unregistered.Select(u => u.Length > 400 ? u[..400] : u)));
    }

    /// <summary>The shapes of everything registered: the [StatementCatalog] entries, every processor step, the transaction frame.</summary>
    public static HashSet<string> RegisteredShapes() =>
        ZetaSqlGate.ProductStatements().Select(s => Shape(s.Sql)).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// A statement's shape: the text with comments dropped, literals, numbers and parameter names replaced by <c>?</c>,
    /// lists of them collapsed, a run's staging and quarantine tables by <c>&lt;staging&gt;</c>, and whitespace
    /// collapsed; what stays is what the code that built it decided.
    /// </summary>
    public static string Shape(string sql)
    {
        var (masked, literals) = SqlDialect.MaskLiterals(sql);
        var text = System.Text.RegularExpressions.Regex.Replace(masked, "\u0001(\\d+)\u0002", m =>
        {
            var literal = literals[int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)];
            return literal.StartsWith('\'') || literal.StartsWith('"') ? "'?'" : " ";
        });
        text = System.Text.RegularExpressions.Regex.Replace(text, @"`[^`]*\.(?:[A-Za-z0-9_]*_staging|[A-Za-z0-9_]*_quarantine|stage|nba_staging)\.[^`]+`|`[^`]*\.upcg_backup_[^`]+`", "<staging>");
        // Names that carry a time stamp or run id (a UPCG backup, a run's tables) differ per run.
        text = System.Text.RegularExpressions.Regex.Replace(text, @"`[^`]*`", m => System.Text.RegularExpressions.Regex.Replace(m.Value, @"\d{4,}[0-9a-f_]*", "?"));
        text = System.Text.RegularExpressions.Regex.Replace(text, @"@\w+", "@?");
        text = System.Text.RegularExpressions.Regex.Replace(text, @"(?<![\w.])-?\d+(?:\.\d+)?(?![\w])", "?");
        text = System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ").Trim();
        text = System.Text.RegularExpressions.Regex.Replace(text, @"(?:DATE |TIMESTAMP )?'\?'|@\?", "?");
        text = System.Text.RegularExpressions.Regex.Replace(text, @"\?(?: ?, ?\?)+", "?");
        text = System.Text.RegularExpressions.Regex.Replace(text, @"(?: UNION ALL SELECT \? AS analysis_date)+", "");
        return text;
    }

    /// <summary>Tables the session created through tables.insert (the product's dataset, staging), for the catalog.</summary>
    private List<ZetaSqlGate.CatalogTable> WireTables { get; } = new();

    /// <summary>
    /// Connect (check + migrate), backfill two weeks with every processor, an interrupted run and its -Resume, a run with
    /// quarantines and its -RetryFailed, the -WhatIf plan with its cost estimate, Test-Coverage on every layer and scope,
    /// Get-SeasonReport, Get-BackfillWarehouse, Find/Clear/Restore-StaleUpcg, Test-DataQuality, Get-BackfillRun and
    /// Get-BackfillFailure with and without a run id, and the waiver cmdlets' calls.
    /// </summary>
    private List<WireStatement> RecordOperatorSession(ITestOutputHelper output)
    {
        using var fake = new FakeBigQuery { DefaultPageSize = 1000, IncompletePolls = 0, RecordRequests = false };
        using (var setup = BigQueryTestHost.Open(fake, pageSize: 1000))
        {
            // Production as it is before the product arrives: its tables, filled (not the product's doing, not recorded).
            ProductionSchema.CreateReplica(setup);
            SampleLeague.Generate(setup, new SampleLeagueOptions(new[] { "2022-23" }, new[] { "StaleUpcg" }));
        }
        using var listener = Serve(fake, out var endpoint);
        var connection = new WarehouseConnection(WarehouseKind.BigQuery, Project: FakeBigQuery.Project, Location: "EU", Endpoint: endpoint);
        fake.RecordRequests = true;
        var ct = CancellationToken.None;
        var warnings = new List<string>();
        var callbacks = new BackfillCallbacks { Warning = warnings.Add };
        var from = new DateOnly(2023, 2, 20);
        var to = new DateOnly(2023, 3, 3);

        using (var w = WarehouseService.Open(connection))
        {
            var request = new BackfillRequest { StartDate = from, EndDate = to, Today = new DateOnly(2023, 6, 1) };
            // -WhatIf: the plan and the cost estimate (dry runs).
            var plan = BackfillService.PlanOnly(w, request, BackfillMode.New, null, ct);
            CostEstimator.Estimate(w, plan, request, ct);
        }

        // A run interrupted after its first publishes, then resumed.
        var week = new BackfillRequest { StartDate = from, EndDate = from.AddDays(6), Today = new DateOnly(2023, 6, 1) };
        var publishes = 0;
        Assert.ThrowsAny<Exception>(() => BackfillService.Run(connection, week, BackfillMode.New, null, null, callbacks, ct,
            runner => runner.BeforePublish = (_, _) => { if (++publishes == 3) throw new OperationCanceledException(); }));
        string interrupted;
        using (var w = WarehouseService.Open(connection)) interrupted = new BackfillLedger(w).LatestRunId()!;
        var resumed = BackfillService.Run(connection, week, BackfillMode.Resume, interrupted, null, callbacks, ct);
        Assert.NotEmpty(resumed.Results);

        // The second week; PCF forced onto stale UPCG quarantines, then -RetryFailed with the default context source.
        BackfillService.Run(connection, week with { StartDate = from.AddDays(7), EndDate = to }, BackfillMode.New, null, null, callbacks, ct);
        var forced = BackfillService.Run(connection, week with
        {
            StartDate = new DateOnly(2023, 2, 23), EndDate = new DateOnly(2023, 2, 24), Processors = new[] { ProcessorName.PCF },
            ProcessorOptions = new ProcessorOptions { ContextSource = ContextSourceMode.ForceUpcg },
        }, BackfillMode.New, null, null, callbacks, ct);
        BackfillService.Run(connection, week with { Processors = new[] { ProcessorName.PCF } }, BackfillMode.RetryFailed, forced.RunId, null, callbacks, ct);

        using (var w = WarehouseService.Open(connection))
        {
            var scopes = new[]
            {
                DateScope.Range(from, to), DateScope.Explicit(new[] { from, new DateOnly(2023, 2, 19) }),
                DateScope.Seasons(new[] { "2022-23" }, regularSeasonOnly: true), DateScope.All(),
            };
            foreach (var scope in scopes)
            {
                CoverageValidator.Run(w, scope, new CoverageOptions(), null, ct);
                DataQualityChecker.Run(w, scope, new DataQualityOptions(), null, ct);
            }
            SeasonReporter.Coverage(w, new[] { "2022-23" }, null, ct);
            SeasonReporter.Coverage(w, null, null, ct);
            WarehouseService.Describe(w, ct);

            var ledger = new BackfillLedger(w);
            ledger.GetRuns(null, 50);
            ledger.GetRuns(forced.RunId, null);
            FailureReader.Read(w, null, null, null, null, ct);
            FailureReader.Read(w, forced.RunId, new[] { new DateOnly(2023, 2, 23) }, new[] { ProcessorName.PCF }, new[] { "UpstreamIncomplete" }, ct);

            BackfillWaivers.Add(w, new[] { "0022200617" }, "Lost upstream", ct);
            BackfillWaivers.Get(w, ct);
            BackfillWaivers.Find(w, new[] { "0022200617" }, ct);
            BackfillWaivers.Remove(w, new[] { "0022200617" }, ct);

            StaleContextCleanup.Plan(w, null, 7, new DateOnly(2023, 3, 8), ct);
            var plan = StaleContextCleanup.Plan(w, new[] { new DateOnly(2023, 2, 23), new DateOnly(2023, 2, 25) }, 0, new DateOnly(2023, 3, 8), ct);
            var cleared = StaleContextCleanup.Clear(w, plan, backup: true, ct);
            if (cleared.BackupTable is { } backup)
            {
                var table = StaleContextCleanup.ParseBackupName(backup);
                StaleContextCleanup.EnsureBackupExists(w, table);
                StaleContextCleanup.Restore(w, table, ct);
            }
        }
        fake.RecordRequests = false;
        output.WriteLine($"warnings: {string.Join(" | ", warnings)}");

        foreach (var r in fake.Calls("tables.insert"))
            if (CatalogTableOf(r.Body) is { } t) WireTables.Add(t);
        return fake.Calls("jobs.insert").SelectMany(r => StatementsOf(r.Body!)).ToList();
    }

    /// <summary>A jobs.insert body's statements: a script (BEGIN … COMMIT) splits at its top-level semicolons.</summary>
    public static IEnumerable<WireStatement> StatementsOf(string body)
    {
        var job = JsonNode.Parse(body)!["configuration"]!;
        var query = job["query"];
        if (query is null) yield break;
        var dryRun = (bool?)job["dryRun"] == true;
        var parameters = (query["queryParameters"] as JsonArray ?? new JsonArray())
            .Select(p => ((string)p!["name"]!, ZetaSqlGate.TypeOf(p["parameterType"]!))).ToList();
        var sql = ((string)query["query"]!).Replace($"`{FakeBigQuery.Project}.", $"`{ZetaSqlGate.GateProject}.", StringComparison.Ordinal);
        var (masked, literals) = SqlDialect.MaskLiterals(sql);
        foreach (var part in masked.Split(';').Select(p => SqlDialect.Unmask(p, literals).Trim()).Where(p => p.Length > 0))
            yield return new WireStatement(part, parameters, dryRun);
    }

    /// <summary>A tables.insert body as a catalog table (REST field types to GoogleSQL names).</summary>
    public static ZetaSqlGate.CatalogTable? CatalogTableOf(string? body)
    {
        if (body is null) return null;
        var t = JsonNode.Parse(body)!;
        var r = t["tableReference"];
        if (r is null || t["schema"]?["fields"] is not JsonArray fields) return null;
        return new ZetaSqlGate.CatalogTable($"{ZetaSqlGate.GateProject}.{(string)r["datasetId"]!}.{(string)r["tableId"]!}",
            fields.Select(f => ((string)f!["name"]!, FieldType(f))).ToList());
    }

    private static string FieldType(JsonNode f)
    {
        var type = ((string)f["type"]!).ToUpperInvariant() switch
        {
            "INTEGER" => "INT64", "FLOAT" => "FLOAT64", "BOOLEAN" => "BOOL", "BIGNUMERIC" => "NUMERIC",
            "RECORD" or "STRUCT" => $"STRUCT<{string.Join(", ", ((JsonArray)f["fields"]!).Select(c => $"{(string)c!["name"]!} {FieldType(c)}"))}>",
            var other => other,
        };
        return (string?)f["mode"] == "REPEATED" ? $"ARRAY<{type}>" : type;
    }

    /// <summary>The fake behind a loopback HttpListener (as tests/FakeBigQueryServer serves it), for connection-based services.</summary>
    private static IDisposable Serve(FakeBigQuery fake, out Uri endpoint)
    {
        var http = new FakeBigQueryHttp(fake);
        endpoint = http.Url;
        return http;
    }
}
