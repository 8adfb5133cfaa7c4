using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using BackfillTools.Tests.BigQuery;
using Xunit;

namespace BackfillTools.Tests.Schema;

/// <summary>
/// docs/bigquery.md "Pointing the module at the production project, step by step", rehearsed exactly as written on the
/// fake BigQuery holding a production replica: the documented PowerShell block runs line by line through the module.
/// Permissions aside, the only changes are how the fake is reached: <c>-Endpoint</c> is added to the lines that name the
/// project, and the fake's one project stands in for nba-props-platform.
/// </summary>
public sealed partial class BigQueryProductionReplicaTests
{
    private const string DocumentedProject = "nba-props-platform";
    private const string Heading = "### Pointing the module at the production project, step by step";

    /// <summary>The documented block's commands, each with the step its comment names ("# 2. …").</summary>
    internal static IReadOnlyList<(int Step, string Command)> DocumentedProcedure()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "BackfillTools.sln"))) dir = dir.Parent;
        var doc = File.ReadAllText(Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("BackfillTools.sln not found"), "docs", "bigquery.md"));
        var section = doc[doc.IndexOf(Heading, StringComparison.Ordinal)..];
        var block = Regex.Match(section, "```powershell\n(.*?)```", RegexOptions.Singleline).Groups[1].Value;
        var step = 0;
        var commands = new List<(int, string)>();
        foreach (var line in block.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0))
        {
            if (Regex.Match(line, @"^#\s*(\d+)\.") is { Success: true } heading) step = int.Parse(heading.Groups[1].Value);
            else if (!line.StartsWith('#')) commands.Add((step, line));
        }
        return commands;
    }

    /// <summary>The datasets a structural call (datasets.*, tables.insert/delete, load) names.</summary>
    private static IEnumerable<string> DatasetsNamed(FakeBigQuery.Recorded call) =>
        Regex.Matches(call.PathAndQuery + " " + call.Body, @"datasets/([A-Za-z0-9_]+)|""datasetId""\s*:\s*""([A-Za-z0-9_]+)""")
            .Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value).Distinct();

    private static readonly string[] Structural = { "datasets.insert", "datasets.delete", "tables.insert", "tables.delete", "jobs.upload" };

    /// <summary>The tables a query job writes: "dataset.table" of every DML or DDL statement in its text.</summary>
    private static IEnumerable<string> TablesWritten(FakeBigQuery.Recorded call)
    {
        var sql = (string?)JsonNode.Parse(call.Body!)?["configuration"]?["query"]?["query"] ?? "";
        return Regex.Matches(sql, @"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|MERGE(?:\s+INTO)?|TRUNCATE\s+TABLE|(?:CREATE|ALTER|DROP)(?:\s+OR\s+REPLACE)?\s+TABLE(?:\s+IF\s+(?:NOT\s+)?EXISTS)?)\s+`[\w-]+\.(\w+)\.(\w+)`",
                RegexOptions.IgnoreCase)
            .Select(m => $"{m.Groups[1].Value}.{m.Groups[2].Value}");
    }

    [Fact]
    public void The_operator_procedure_of_docs_bigquery_md_runs_as_written_on_a_production_replica()
    {
        var procedure = DocumentedProcedure();
        Assert.Equal(new[] { 2, 3, 4 }, procedure.Select(c => c.Step).Distinct());
        Assert.Contains(procedure, c => c.Step == 3 && c.Command == $"Connect-BackfillWarehouse -BigQueryProject {DocumentedProject} -Location us-west2");

        Load(Template.NewCopy(), incompleteGame: false);
        SetupDone();
        var before = Snapshot();
        var production = ProductionSchema.Tables.Select(t => t.FullName).ToHashSet();
        var written = ProcessorCatalog.All.Select(d => d.Output.FullName).Append(WarehouseSchema.PrecomputeFailures.FullName).ToHashSet();

        using var ps = NewShell();
        foreach (var (step, command) in procedure)
        {
            var reached = command.Replace(DocumentedProject, FakeBigQuery.Project, StringComparison.Ordinal);
            if (reached.Contains("-BigQueryProject", StringComparison.Ordinal)) reached += $" -Endpoint {_endpoint.Url}";
            var first = _fake.Requests.Count;
            var run = Run(ps, p => p.AddScript(reached));
            Assert.True(run.Terminated is null && run.Errors.Count == 0,
                $"step {step}: {command} failed: {run.Terminated?.Message ?? run.Errors.FirstOrDefault()?.ToString()}");
            var calls = _fake.Requests.Skip(first).ToList();
            var structural = calls.Where(c => Structural.Contains(c.Operation)).ToList();
            var tablesWritten = calls.Where(c => c.Operation == "jobs.insert").SelectMany(TablesWritten).Distinct().ToList();

            if (step == 2)
            {
                // The rehearsal copy lives in rehearsal_* datasets only; production is neither read for it nor written.
                Assert.All(structural.SelectMany(DatasetsNamed), d => Assert.StartsWith("rehearsal_", d));
                Assert.All(tablesWritten, t => Assert.StartsWith("rehearsal_", t));
                Assert.DoesNotContain(calls, c => production.Any(t => c.PathAndQuery.Contains($"/datasets/{t.Replace(".", "/tables/")}", StringComparison.Ordinal)));
            }
            else
            {
                // Production: structure only in the product's datasets, DML only into the six tables it writes.
                Assert.All(structural.SelectMany(DatasetsNamed), d => Assert.True(DatasetNames.IsProduct(d), $"step {step}: {command} named dataset {d}"));
                Assert.All(tablesWritten, t => Assert.True(DatasetNames.IsProduct(t[..t.IndexOf('.')]) || written.Contains(t), $"step {step}: {command} wrote {t}"));
            }

            if (command.StartsWith("New-BackfillWarehouse", StringComparison.Ordinal))
                Assert.Contains(structural, c => c.Operation == "datasets.insert" && DatasetsNamed(c).Contains("rehearsal_backfilltools"));
            if (command.StartsWith("Remove-BackfillWarehouse", StringComparison.Ordinal))
                Assert.DoesNotContain(StoreTexts("SELECT schema_name FROM information_schema.schemata"), s => s!.StartsWith("rehearsal_", StringComparison.Ordinal));
            if (step == 3)
            {
                // The check reads the 13 tables (tables.get, no job) before anything is written; then one dataset.
                var firstWrite = calls.FindIndex(c => c.Method != "GET");
                Assert.True(firstWrite > 0);
                var checkedTables = calls.Take(firstWrite).Where(c => c.Operation == "tables.get")
                    .Select(c => Regex.Match(c.PathAndQuery, @"datasets/(\w+)/tables/(\w+)")).Select(m => $"{m.Groups[1].Value}.{m.Groups[2].Value}").ToHashSet();
                Assert.Superset(production, checkedTables);
                var created = Assert.Single(structural, c => c.Operation == "datasets.insert");
                Assert.Equal(new[] { DatasetNames.Tool }, DatasetsNamed(created));
                Assert.Contains("backfilltools-created", created.Body);
                Assert.Empty(tablesWritten.Where(t => !DatasetNames.IsProduct(t[..t.IndexOf('.')])));
            }
            if (step == 4 && command.StartsWith("Invoke-Backfill", StringComparison.Ordinal))
            {
                Assert.Equal(new[] { DatasetNames.Quarantine, DatasetNames.Staging },
                    structural.Where(c => c.Operation == "datasets.insert").SelectMany(DatasetsNamed).Order());
                Assert.Contains(tablesWritten, written.Contains);
                Assert.All(run.Output.OfType<BackfillResult>(), r => Assert.Equal(PartitionStatus.Published, r.Status));
            }
            if (command == "Get-BackfillRun")
                Assert.Equal(RunStatus.Succeeded, Assert.Single(run.Output.OfType<BackfillRunInfo>()).Status);
        }

        // Production afterwards: the same tables and resources, and every table the product does not write unchanged.
        AssertProductionResources();
        var after = Snapshot();
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var table in before.Keys.Where(t => !written.Contains(t)))
            AssertSameRows(table, before[table].Select(r => r.Row).ToList(), after[table].Select(r => r.Row).ToList());
        var datasets = StoreTexts("SELECT schema_name FROM information_schema.schemata WHERE schema_name NOT IN ('information_schema', 'pg_catalog', 'main')").Select(s => s!).ToList();
        Assert.Equal(DatasetNames.Production.Intersect(datasets).Concat(DatasetNames.Product).Order(), datasets.Order());
    }
}
