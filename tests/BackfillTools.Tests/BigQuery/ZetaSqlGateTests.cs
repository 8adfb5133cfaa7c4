using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using BackfillTools.Core.Backfill;
using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using BackfillTools.Core.Warehouse.BigQuery;
using Xunit;

namespace BackfillTools.Tests.BigQuery;

/// <summary>
/// The GoogleSQL validity gate: ZetaSQL's analyzer (the GoogleSQL front end BigQuery is built on, shipped as a Linux
/// x86-64 server in the npm package @fivetrandevelopers/zetasql, pinned in tests/zetasql) checks every statement the
/// product can send against the declared schema, in BigQuery's product mode. Install with `npm ci` in tests/zetasql;
/// without it these tests report as skipped with the reason, never as passed.
/// </summary>
public static partial class ZetaSqlGate
{
    public const string GateProject = "gate-proj";

    public static string GateDir { get; } = Path.GetFullPath(Path.Combine(SourceDir(), "..", "..", "zetasql"));

    private static string SourceDir([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    public static string? SkipReason { get; } = ComputeSkipReason();

    /// <summary>CI=true: the gate is part of the run, so a missing analyzer is a failure rather than a skip.</summary>
    public static bool RequiredHere =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    private static string? ComputeSkipReason()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.OSArchitecture != Architecture.X64)
            return "ZetaSQL gate: the packaged analyzer server is a Linux x86-64 binary.";
        if (!File.Exists(Path.Combine(GateDir, "gate.mjs")))
            return $"ZetaSQL gate: {GateDir}/gate.mjs not found (tests run outside the source tree).";
        if (!File.Exists(Path.Combine(GateDir, "node_modules", "@fivetrandevelopers", "zetasql", "lib", "zetasql", "remote_server.so")))
            return "ZetaSQL gate: run `npm ci --prefix tests/zetasql` first (installs the pinned @fivetrandevelopers/zetasql).";
        if (FindOnPath("node") is null)
            return "ZetaSQL gate: `node` is not on PATH.";
        return null;
    }

    private static string? FindOnPath(string exe) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, exe)).FirstOrDefault(File.Exists);

    /// <summary>
    /// Token substitution for SQL resources, applied before rendering (documented in docs/bigquery.md):
    /// <c>{{stage.X}}</c> is a staging copy of the declared table named X (same columns), so the catalog carries a
    /// <c>stage.X</c> table for every declared table; other single-name tokens map to the literal below.
    /// Anything left unmapped fails the gate with its name.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> TokenMap = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["{{run_id}}"] = "'gate-run'",
        ["{{processor}}"] = "'gate-processor'",
    };

    public const string StageDataset = "stage";

    /// <summary>Resource names of processor step files (read by SqlProcessor, never sent as they are).</summary>
    public const string ProcessorSqlPrefix = "Processors/Sql/";

    /// <summary>
    /// The analyzer's tables: every declared table as production may have it (production-schema.json's tables with
    /// their migration columns, which statements built from a table's real width name), its staging copy, the run's
    /// staging and quarantine tables, and where older versions kept the product's tables.
    /// </summary>
    public static IEnumerable<TableDef> CatalogTables() =>
        WarehouseSchema.All.Select(AsInProduction).Concat(WarehouseSchema.All.Select(t => AsInProduction(t).WithName(StageDataset, t.Name)))
            .Concat(ProcessorCatalog.All.SelectMany(d => { var s = RunStaging(d); return s.Scratch.Append(s.Quarantine); }))
            .Concat(ToolDatasetMigration.Moves.Select(m => m.From))
            .GroupBy(t => t.FullName, StringComparer.OrdinalIgnoreCase).Select(g => g.First());

    private static TableDef AsInProduction(TableDef t) =>
        ProductionSchema.Tables.FirstOrDefault(p => string.Equals(p.Base.FullName, t.FullName, StringComparison.OrdinalIgnoreCase)) is { } production
            ? t with { Columns = production.Replica.Columns } : t;

    /// <summary>A statement; those sharing a Sequence are analyzed as one run (earlier CTAS tables visible to later ones).</summary>
    public sealed record Statement(string Name, string Sql, IReadOnlyList<(string Name, string Type)>? Parameters, string? Sequence = null);

    /// <summary>A chunk's staging tables exactly as BackfillRunner creates them (declared in the gate's catalog).</summary>
    internal static BackfillRunner.Staging RunStaging(ProcessorDefinition def) => BackfillRunner.StagingFor(def, "gate-run", "gate");

    /// <summary>The processor's staging tables (what its steps write).</summary>
    public static StagingTables Staging(ProcessorDefinition def) => RunStaging(def).Tables;

    /// <summary>
    /// Options that can change a processor's SQL text (the rest only change parameter values). Runs whose statements
    /// come out identical to an earlier variant's are analyzed once.
    /// </summary>
    public static IEnumerable<(string Name, ProcessorOptions Options)> OptionVariants() =>
        new (string, ProcessorOptions)[] { ("Default", ProcessorOptions.Default), ("AllowMissingUpstream", new() { AllowMissingUpstream = true }) }
            .Concat(Enum.GetValues<ContextSourceMode>().Select(m => ($"ContextSource={m}", new ProcessorOptions { ContextSource = m })))
            .Concat(new (string, ProcessorOptions)[]
            {
                ("TdzaSeasonStart", new() { TdzaSeasonStart = true }), ("TdzaLeagueStrictlyBefore", new() { TdzaLeagueStrictlyBefore = true }),
                ("MlfsZoneUnits", new() { MlfsZoneUnits = true }), ("MlfsRosterContext", new() { MlfsRosterContext = true }),
            });

    /// <summary>
    /// Every processor run's statements exactly as ComputeToStaging sends them (SqlProcessor.Steps: tokens substituted,
    /// parameters bound as BigQueryWarehouse.Execute binds them), one sequence per processor and distinct option variant.
    /// </summary>
    public static List<Statement> ProcessorStatements()
    {
        var list = new List<Statement>();
        var processedAt = new DateTime(2024, 1, 15, 12, 0, 0, DateTimeKind.Utc);
        foreach (var def in ProcessorCatalog.All)
        {
            var processor = (SqlProcessor)ProcessorCatalog.Create(def.Name);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (variant, options) in OptionVariants())
            {
                var steps = processor.Steps(Staging(def), options, processedAt);
                if (!seen.Add(string.Join("\n;\n", steps.Select(s => s.Sql)))) continue;
                var sequence = $"{def.Name}[{variant}]";
                list.AddRange(steps.Select(step => Bind($"{sequence}/{step.Name}", step.Sql, step.Parameters) with { Sequence = sequence }));
            }
        }
        return list;
    }

    private static Statement Bind(string name, string portableSql, IReadOnlyDictionary<string, object?>? parameters)
    {
        var (sql, ps) = BigQueryWarehouse.BindParameters(Dialect.Render(portableSql), parameters);
        return new Statement(name, sql, ps.Select(p => (p.Name, TypeOf(p.ToQueryParameter()["parameterType"]!))).ToList());
    }

    /// <summary>An analysis verdict; <paramref name="Unfiltered"/> lists the require_partition_filter tables scanned without a constant bound.</summary>
    public sealed record Result(string Name, bool Ok, string? Error, IReadOnlyList<string> Unfiltered);

    /// <summary>Production's require_partition_filter tables and their partition columns, as the gate's catalog names them.</summary>
    public static IEnumerable<(string Table, string Column)> PartitionFilterTables() =>
        ProductionSchema.Tables.Where(t => t.Base.RequirePartitionFilter)
            .Select(t => ($"{GateProject}.{t.Base.Dataset}.{t.Base.Name}", t.Base.PartitionColumn!));

    private static readonly BigQueryDialect Dialect = new(GateProject);

    /// <summary>A catalog entry as BigQueryWarehouse would send it, with parameter types from the sample values.</summary>
    public static Statement FromEntry(RegisteredStatement e) => Bind(e.Name, e.Sql, e.SampleParameters);

    /// <summary>A table of the analyzer's catalog: full name (project.dataset.table) and GoogleSQL column types.</summary>
    public sealed record CatalogTable(string Name, IReadOnlyList<(string Name, string Type)> Columns);

    public static string TypeOf(JsonNode t) =>
        (string)t["type"]! == "ARRAY" ? $"ARRAY<{TypeOf(t["arrayType"]!)}>" : (string)t["type"]!;

    /// <summary>One resource → its statements (split on top-level ';'), tokens substituted, rendered for BigQuery.</summary>
    public static IEnumerable<Statement> FromResource(string name, string sql)
    {
        var declared = ParamHeader().Matches(sql).Select(m => (m.Groups[1].Value, m.Groups[2].Value.ToUpperInvariant())).ToList();
        foreach (var (token, replacement) in TokenMap) sql = sql.Replace(token, replacement, StringComparison.OrdinalIgnoreCase);
        var (masked, literals) = SqlDialect.MaskLiterals(sql);
        var parts = masked.Split(';').Select(p => SqlDialect.Unmask(p, literals)).Where(p => !string.IsNullOrWhiteSpace(StripComments(p))).ToList();
        for (var i = 0; i < parts.Count; i++)
        {
            var leftover = Regex.Match(parts[i], @"\{\{\s*[A-Za-z0-9_]+\s*\}\}");
            var rendered = leftover.Success ? $"-- unmapped token {leftover.Value}: add it to ZetaSqlGate.TokenMap\nSELECT {leftover.Value}" : Dialect.Render(parts[i]);
            // Declared parameters only for those the statement uses; undeclared ones are inferred by the analyzer.
            var used = declared.Where(d => Regex.IsMatch(rendered, $@"@{d.Item1}\b")).ToList();
            yield return new Statement(parts.Count == 1 ? name : $"{name}#{i + 1}", rendered.Trim(), declared.Count > 0 ? used : null);
        }
    }

    /// <summary>The line an analyzer error points at ("[at L:C]"), else the statement's first line: MLFS steps run to hundreds of lines.</summary>
    public static string Excerpt(string sql, string? error)
    {
        var lines = sql.Split('\n');
        var at = Regex.Match(error ?? "", @"\[at (\d+):(\d+)\]");
        var line = at.Success && int.Parse(at.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) is var n && n <= lines.Length ? lines[n - 1] : lines[0];
        return line.Length > 300 ? line[..300] + " …" : line;
    }

    private static string StripComments(string s) => Regex.Replace(s, @"--[^\n]*|/\*.*?\*/", "", RegexOptions.Singleline);

    [GeneratedRegex(@"^\s*--\s*@param\s+([A-Za-z_]\w*)\s+([A-Za-z0-9<>]+)", RegexOptions.Multiline)]
    private static partial Regex ParamHeader();

    /// <summary>
    /// Everything the product can send: the PortableSql catalog, every processor run in step order, other embedded
    /// resources, and the script frame.
    /// </summary>
    public static List<Statement> ProductStatements()
    {
        var list = PortableSql.Catalog.Select(FromEntry).ToList();
        list.AddRange(ProcessorStatements());
        // Processor .sql files are only fragments (steps picked by name, tokens SqlProcessor fills): covered above.
        foreach (var (name, sql) in PortableSql.EmbeddedResources().Where(r => !r.Name.StartsWith(ProcessorSqlPrefix, StringComparison.Ordinal)))
            list.AddRange(FromResource(name, sql));
        // ExecuteInTransaction wraps statements in this frame (one script job).
        list.Add(new Statement("BigQueryWarehouse.Transaction.Begin", "BEGIN TRANSACTION", Array.Empty<(string, string)>()));
        list.Add(new Statement("BigQueryWarehouse.Transaction.Commit", "COMMIT TRANSACTION", Array.Empty<(string, string)>()));
        return list;
    }

    /// <summary>Start the analyzer (127.0.0.1 only, via tests/zetasql/gate.mjs) and analyze every statement.</summary>
    public static IReadOnlyList<Result> Analyze(IEnumerable<Statement> statements, IEnumerable<CatalogTable>? extraTables = null)
    {
        if (SkipReason is { } missing) throw new InvalidOperationException($"{missing} (CI=true: the gate must run, not skip).");
        // Extra tables (for example those a recorded session created through tables.insert) replace declared ones of the same name.
        var extra = (extraTables ?? Array.Empty<CatalogTable>()).GroupBy(t => t.Name, StringComparer.OrdinalIgnoreCase).Select(g => g.Last()).ToList();
        var tables = CatalogTables()
            .Select(t => new CatalogTable($"{GateProject}.{t.Dataset}.{t.Name}", t.Columns.Select(c => (c.Name, Equivalence.ReferenceEngine.TypeName(c.FullType))).ToList()))
            .Where(t => !extra.Any(e => string.Equals(e.Name, t.Name, StringComparison.OrdinalIgnoreCase)))
            .Concat(extra);
        var request = new JsonObject
        {
            ["tables"] = new JsonArray(tables.Select(t => (JsonNode)new JsonObject
            {
                ["name"] = t.Name,
                ["columns"] = new JsonArray(t.Columns.Select(c => (JsonNode)new JsonObject { ["name"] = c.Name, ["type"] = c.Type }).ToArray()),
            }).ToArray()),
            ["partitionFilters"] = new JsonArray(PartitionFilterTables().Select(p => (JsonNode)new JsonObject { ["table"] = p.Table, ["column"] = p.Column }).ToArray()),
            ["statements"] = new JsonArray(statements.Select(s => (JsonNode)new JsonObject
            {
                ["name"] = s.Name,
                ["sql"] = s.Sql,
                ["parameters"] = s.Parameters is null ? null : new JsonArray(s.Parameters.Select(p => (JsonNode)new JsonObject { ["name"] = p.Name, ["type"] = p.Type }).ToArray()),
                ["sequence"] = s.Sequence,
            }).ToArray()),
        };
        var psi = new ProcessStartInfo("node", "gate.mjs")
        {
            WorkingDirectory = GateDir, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        p.StandardInput.Write(request.ToJsonString());
        p.StandardInput.Close();
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("The ZetaSQL gate did not finish in 120 s.");
        }
        var output = JsonNode.Parse(stdout.Length > 0 ? stdout : "{}")!;
        if (output["fatal"] is { } fatal || p.ExitCode != 0)
            throw new InvalidOperationException($"ZetaSQL gate failed to run (exit {p.ExitCode}): {output["fatal"]} {stderr.Result}");
        return output["results"]!.AsArray().Select(r => new Result((string)r!["name"]!, (bool)r["ok"]!, (string?)r["error"],
            (r["unfiltered"] as JsonArray)?.Select(u => (string)u!).ToList() ?? new List<string>())).ToList();
    }
}

/// <summary>A fact that reports as skipped, with the reason, when the ZetaSQL gate cannot run here.</summary>
public sealed class ZetaSqlFactAttribute : FactAttribute
{
    public ZetaSqlFactAttribute()
    {
        // Under CI=true a missing node or ZetaSQL install fails the test (ZetaSqlGate.Analyze throws the reason) instead of skipping.
        if (ZetaSqlGate.SkipReason is { } reason && !ZetaSqlGate.RequiredHere) Skip = reason;
    }
}

[Trait("Category", "SqlGate")]
public sealed class ZetaSqlGateTests
{
    [ZetaSqlFact]
    public void All_product_sql_is_valid_GoogleSQL()
    {
        var statements = ZetaSqlGate.ProductStatements();
        Assert.True(statements.Count >= PortableSql.Catalog.Count + 2);
        var results = ZetaSqlGate.Analyze(statements);
        Assert.Equal(statements.Count, results.Count);
        var failures = results.Where(r => !r.Ok).Select(r => $"{r.Name}: {r.Error}\n    {ZetaSqlGate.Excerpt(statements.First(s => s.Name == r.Name).Sql, r.Error)}").ToList();
        Assert.True(failures.Count == 0, "GoogleSQL errors:\n" + string.Join("\n", failures));
    }

    [ZetaSqlFact]
    public void Gate_catches_what_BigQuery_would_reject()
    {
        var pbs = $"`{ZetaSqlGate.GateProject}.nba_raw.bdl_player_boxscores`";
        var results = ZetaSqlGate.Analyze(new ZetaSqlGate.Statement[]
        {
            new("good", $"SELECT game_date, COUNTIF(points > @p) AS n FROM {pbs} WHERE game_date = @d GROUP BY game_date", new[] { ("p", "INT64"), ("d", "DATE") }),
            new("delete_without_where", $"DELETE FROM {pbs}", Array.Empty<(string, string)>()),
            new("duckdb_count_if_filter", $"SELECT COUNT(*) FILTER (WHERE points > 1) FROM {pbs}", Array.Empty<(string, string)>()),
            new("duckdb_parameter", $"SELECT * FROM {pbs} WHERE points > $p", Array.Empty<(string, string)>()),
            new("double_type", $"SELECT CAST(points AS DOUBLE) FROM {pbs}", Array.Empty<(string, string)>()),
            new("unknown_column", $"SELECT no_such_column FROM {pbs}", Array.Empty<(string, string)>()),
            new("wrong_parameter_type", $"SELECT * FROM {pbs} WHERE game_date = @d", new[] { ("d", "INT64") }),
        });
        Assert.True(results.Single(r => r.Name == "good").Ok, results.Single(r => r.Name == "good").Error);
        Assert.All(results.Where(r => r.Name != "good"), r => Assert.False(r.Ok, $"{r.Name} should have been rejected"));
    }

    [ZetaSqlFact]
    public void Partition_filter_rule_accepts_constant_bounds_and_rejects_subquery_only_or_missing_filters()
    {
        var s = $"`{ZetaSqlGate.GateProject}.nba_raw.nbac_schedule`";
        var b = $"`{ZetaSqlGate.GateProject}.nba_raw.bdl_player_boxscores`";
        var pgs = $"`{ZetaSqlGate.GateProject}.nba_analytics.player_game_summary`";
        var d = new[] { ("f", "DATE"), ("t", "DATE") };
        var none = Array.Empty<(string, string)>();
        var results = ZetaSqlGate.Analyze(new ZetaSqlGate.Statement[]
        {
            new("ok_between_params", $"SELECT COUNT(*) FROM {s} WHERE game_status = 3 AND game_date BETWEEN @f AND @t", d),
            new("ok_in_literals", $"SELECT game_id FROM {s} WHERE game_date IN (DATE '2023-02-23', DATE '2023-02-24')", none),
            new("ok_pair_and_join_on", $"SELECT b.points FROM {pgs} p JOIN {b} b ON b.game_date = p.game_date AND b.game_date >= @f AND b.game_date < DATE_ADD(@t, INTERVAL 1 DAY)", d),
            new("ok_cte_body", $"WITH x AS (SELECT game_date FROM {s} WHERE game_date = @f) SELECT COUNT(*) FROM x", d),
            new("ok_delete", $"DELETE FROM {b} WHERE game_date BETWEEN @f AND @t AND player_lookup = 'x'", d),
            new("ok_insert_target", $"INSERT INTO {b} (game_date) SELECT game_date FROM {pgs}", none),
            new("no_filter", $"SELECT COUNT(*), MIN(game_date), MAX(game_date) FROM {s}", none),
            new("subquery_in", $"SELECT game_id FROM {s} WHERE game_date IN (SELECT game_date FROM {pgs})", none),
            new("subquery_max", $"SELECT game_id FROM {s} WHERE game_date >= @f AND game_date < (SELECT MAX(game_date) FROM {pgs})", d),
            new("one_sided", $"SELECT game_id FROM {s} WHERE game_date < @t", d),
            new("inside_or", $"SELECT game_id FROM {s} WHERE game_date = @f OR game_status = 3", d),
            new("other_tables_column", $"SELECT s.game_id FROM {s} s JOIN {pgs} p ON p.game_date = s.game_date WHERE p.game_date = @f", d),
            new("outside_the_cte", $"WITH x AS (SELECT game_date FROM {s}) SELECT COUNT(*) FROM x WHERE game_date = @f", d),
            new("column_bound", $"SELECT s.game_id FROM {s} s JOIN {pgs} p ON s.game_date BETWEEN p.game_date AND p.game_date", none),
            new("update_without", $"UPDATE {b} SET points = 1 WHERE player_lookup = 'x'", none),
        });
        Assert.All(results, r => Assert.True(r.Ok, $"{r.Name}: {r.Error}"));
        Assert.All(results.Where(r => r.Name.StartsWith("ok_", StringComparison.Ordinal)), r => Assert.True(r.Unfiltered.Count == 0, $"{r.Name} should pass the rule"));
        Assert.All(results.Where(r => !r.Name.StartsWith("ok_", StringComparison.Ordinal)), r => Assert.True(r.Unfiltered.Count == 1, $"{r.Name} should violate the rule"));
        Assert.Equal($"{ZetaSqlGate.GateProject}.nba_raw.nbac_schedule", results.Single(r => r.Name == "no_filter").Unfiltered.Single());
    }

    [ZetaSqlFact]
    public void Every_registered_statement_bounds_its_require_partition_filter_scans()
    {
        var statements = ZetaSqlGate.ProductStatements();
        var results = ZetaSqlGate.Analyze(statements);
        var violations = results.Where(r => r.Unfiltered.Count > 0).Select(r => $"{r.Name}: {string.Join(", ", r.Unfiltered)}").ToList();
        Assert.True(violations.Count == 0, "Scans of require_partition_filter tables without a constant bound:\n" + string.Join("\n", violations));
    }

    [ZetaSqlFact]
    public void A_sequence_sees_the_tables_its_earlier_statements_create_and_no_others()
    {
        var pbs = $"`{ZetaSqlGate.GateProject}.nba_raw.bdl_player_boxscores`";
        var work = $"`{ZetaSqlGate.GateProject}.nba_staging.gate_w_x`";
        var none = Array.Empty<(string, string)>();
        var results = ZetaSqlGate.Analyze(new ZetaSqlGate.Statement[]
        {
            new("use_before_create", $"SELECT n FROM {work}", none, "a"),
            new("ctas", $"CREATE OR REPLACE TABLE {work} AS SELECT game_date, CAST(points AS NUMERIC) AS n FROM {pbs}", none, "a"),
            new("typed_column", $"SELECT DATE_DIFF(game_date, game_date, DAY), n + 1 FROM {work}", none, "a"),
            new("wrong_type", $"SELECT n FROM {work} WHERE game_date = 'x' || 1", none, "a"),
            new("unknown_column", $"SELECT points FROM {work}", none, "a"),
            new("other_sequence", $"SELECT n FROM {work}", none, "b"),
            new("drop", $"DROP TABLE {work}", none, "a"),
            new("use_after_drop", $"SELECT n FROM {work}", none, "a"),
        });
        string Verdict(string name) { var r = results.Single(x => x.Name == name); return r.Ok ? "ok" : "rejected"; }
        Assert.Equal(
            new[] { "rejected", "ok", "ok", "rejected", "rejected", "rejected", "ok", "rejected" },
            new[] { "use_before_create", "ctas", "typed_column", "wrong_type", "unknown_column", "other_sequence", "drop", "use_after_drop" }.Select(Verdict));
    }

    [ZetaSqlFact]
    public void Resources_with_stage_tokens_and_declared_parameters_are_analyzed()
    {
        // Stands in for a processor's .sql resource until the processors branch lands its own.
        const string resource = """
            -- @param analysis_date DATE
            DELETE FROM {{stage.team_defense_zone_analysis}} WHERE analysis_date = @analysis_date;
            INSERT INTO {{stage.team_defense_zone_analysis}} (analysis_date, team_abbr, calculation_notes, processed_at)
            SELECT @analysis_date, defending_team_abbr, {{run_id}}, CURRENT_TIMESTAMP()
            FROM {{nba_analytics.team_defense_game_summary}} WHERE game_date < @analysis_date AND game_date >= @analysis_date - 14
            """;
        var statements = ZetaSqlGate.FromResource("sample.sql", resource).ToList();
        Assert.Equal(2, statements.Count);
        var results = ZetaSqlGate.Analyze(statements);
        Assert.All(results, r => Assert.True(r.Ok, $"{r.Name}: {r.Error}"));
    }
}

/// <summary>Gate plumbing that needs no analyzer: always runs.</summary>
public sealed class ZetaSqlGatePlumbingTests
{
    [Fact]
    public void Resource_splitting_token_substitution_and_parameter_headers()
    {
        var st = ZetaSqlGate.FromResource("x.sql", "-- @param d DATE\n-- @param unused INT64\nSELECT ';' AS semi FROM {{stage.foo}} WHERE a = @d;\nSELECT {{run_id}};\nSELECT {{mystery}}").ToList();
        Assert.Equal(new[] { "x.sql#1", "x.sql#2", "x.sql#3" }, st.Select(s => s.Name));
        Assert.Contains("`gate-proj.stage.foo`", st[0].Sql);
        Assert.Contains("';'", st[0].Sql); // the literal semicolon did not split the statement
        Assert.Equal(new[] { ("d", "DATE") }, st[0].Parameters);
        Assert.Equal("SELECT 'gate-run'", st[1].Sql);
        Assert.Contains("unmapped token {{mystery}}", st[2].Sql);
    }

    [Fact]
    public void Every_processor_run_is_covered_step_by_step_with_typed_parameters()
    {
        var statements = ZetaSqlGate.ProcessorStatements();
        foreach (var def in ProcessorCatalog.All)
        {
            var steps = ((SqlProcessor)ProcessorCatalog.Create(def.Name)).Steps(ZetaSqlGate.Staging(def), ProcessorOptions.Default, DateTime.UnixEpoch);
            var sequence = statements.Where(s => s.Sequence == $"{def.Name}[Default]").ToList();
            Assert.Equal(steps.Select(s => $"{def.Name}[Default]/{s.Name}"), sequence.Select(s => s.Name));
            Assert.All(sequence, s => Assert.DoesNotContain("{{", SqlDialect.MaskLiterals(s.Sql).Masked));
            // The integrity check's SQL differs when switched off; processors that require upstream tables get both.
            Assert.Equal(def.RequiredUpstream.Count > 0, statements.Any(s => s.Sequence == $"{def.Name}[AllowMissingUpstream]"));
        }
        // ContextSource and the formula switches are parameters: same text, analyzed once.
        Assert.DoesNotContain(statements, s => s.Sequence!.Contains("ContextSource=", StringComparison.Ordinal));
        var ctx = statements.First(s => s.Name == "PCF[Default]/ctx_decision");
        Assert.Contains(("context_mode", "STRING"), ctx.Parameters!);
        Assert.Contains(statements, s => s.Parameters!.Contains(("processed_at", "TIMESTAMP")));
        // Processor step files are no longer split raw.
        Assert.DoesNotContain(ZetaSqlGate.ProductStatements(), s => s.Name.StartsWith(ZetaSqlGate.ProcessorSqlPrefix, StringComparison.Ordinal));
    }

    [Fact]
    public void Catalog_entries_carry_parameter_types_from_sample_values()
    {
        var record = ZetaSqlGate.FromEntry(PortableSql.Catalog.Single(e => e.Name == "Migrator.RecordMigration"));
        Assert.Equal(new[] { ("v", "INT64"), ("t", "TIMESTAMP"), ("tv", "STRING"), ("d", "STRING") }, record.Parameters);
        Assert.Contains("`gate-proj.backfilltools.schema_version`", record.Sql);
        Assert.Equal(WarehouseSchema.All.Count, PortableSql.Catalog.Count(e => e.Name.StartsWith("WarehouseService.Describe", StringComparison.Ordinal)));
    }
}
