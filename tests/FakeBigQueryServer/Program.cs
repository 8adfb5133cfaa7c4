using System.Diagnostics;
using System.Text.Json;
using BackfillTools.Samples;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using BackfillTools.Core.Warehouse.BigQuery;
using BackfillTools.Tests.BigQuery;

// Usage: FakeBigQueryServer [--season 2022-23[,…]] [--scenario StaleUpcg[,…]] [--page-size 1000] [--incomplete-polls 0] [--parent-pid N]
// Prints "Listening on http://127.0.0.1:PORT/" once ready (after generating the sample league, if asked), serves until
// killed or until the parent process exits (so a crashed test run leaves no server behind).
var options = ParseArgs(args);
// Jobs complete at once by default: polling is covered by the xUnit adapter tests; here it would only add 0.5 s a job.
using var fake = options.TryGetValue("season", out var seasons) ? League(seasons, options.GetValueOrDefault("scenario")) : new FakeBigQuery();
fake.RecordRequests = false;
fake.DefaultPageSize = int.Parse(options.GetValueOrDefault("page-size", "1000"));
fake.IncompletePolls = int.Parse(options.GetValueOrDefault("incomplete-polls", "0"));

using var host = new FakeBigQueryHttp(fake, ex => Console.Error.WriteLine(ex));
Console.WriteLine($"Listening on {host.Url}");

if (options.TryGetValue("parent-pid", out var parent))
{
    var parentProcess = Process.GetProcessById(int.Parse(parent));
    _ = Task.Run(() => { parentProcess.WaitForExit(); Environment.Exit(0); });
}

await Task.Delay(Timeout.Infinite);

// The migrated warehouse with the sample league, generated through the adapter as a test would. The first server of a
// build saves it to the temp directory (keyed by the league and the build of the fake, the product and the generator);
// the next ones (a Pester file starts several) copy it instead of generating the same league again.
static FakeBigQuery League(string seasons, string? scenarios)
{
    var builds = string.Join("-", new[] { typeof(FakeBigQuery), typeof(Migrator), typeof(SampleLeague) }.Select(t => t.Assembly.ManifestModule.ModuleVersionId.ToString("N")[..8]));
    var key = $"{seasons}_{scenarios}_{builds}".Replace(',', '+');
    var cache = Path.Combine(Path.GetTempPath(), "bft-fake-bigquery-leagues");
    var file = Path.Combine(cache, key + ".duckdb");
    var json = Path.Combine(cache, key + ".json");
    if (File.Exists(json) && File.Exists(file) && JsonSerializer.Deserialize<FakeBigQuerySnapshot>(File.ReadAllText(json)) is { } saved)
        return new FakeBigQuery(saved with { Path = file });

    var fake = new FakeBigQuery { RecordRequests = false, DefaultPageSize = 1000, IncompletePolls = 0 };
    var connection = new WarehouseConnection(WarehouseKind.BigQuery, Project: FakeBigQuery.Project, Location: "EU");
    using (var w = BigQueryWarehouse.Open(connection, new BigQueryWarehouseOptions { NoAuthentication = true, Transport = new KeepAlive(fake) }))
    {
        new Migrator().Upgrade(w);
        SampleLeague.Generate(w, new SampleLeagueOptions(seasons.Split(','), scenarios?.Split(',') ?? Array.Empty<string>()));
    }
    try
    {
        // Written aside and renamed, so a server starting meanwhile never reads half a file.
        Directory.CreateDirectory(cache);
        var partial = Path.Combine(cache, $"{key}.{Environment.ProcessId}.partial");
        var snapshot = fake.Snapshot(partial + ".duckdb");
        File.WriteAllText(partial + ".json", JsonSerializer.Serialize(snapshot with { Path = "" }));
        File.Move(partial + ".duckdb", file, overwrite: true);
        File.Move(partial + ".json", json, overwrite: true);
    }
    catch (IOException e)
    {
        Console.Error.WriteLine($"Could not keep the generated league for the next server: {e.Message}");
    }
    return fake;
}

static Dictionary<string, string> ParseArgs(string[] args)
{
    var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
    for (var i = 0; i + 1 < args.Length; i += 2)
    {
        if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"Unexpected argument '{args[i]}'.");
        map[args[i][2..]] = args[i + 1];
    }
    return map;
}
