using System.Diagnostics;
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
using var fake = new FakeBigQuery
{
    RecordRequests = false,
    DefaultPageSize = int.Parse(options.GetValueOrDefault("page-size", "1000")),
    IncompletePolls = int.Parse(options.GetValueOrDefault("incomplete-polls", "0")),
};

if (options.TryGetValue("season", out var seasons))
{
    var connection = new WarehouseConnection(WarehouseKind.BigQuery, Project: FakeBigQuery.Project, Location: "EU");
    using var w = BigQueryWarehouse.Open(connection, new BigQueryWarehouseOptions { NoAuthentication = true, Transport = new KeepAlive(fake) });
    new Migrator().Upgrade(w);
    var scenarios = options.TryGetValue("scenario", out var s) ? s.Split(',') : Array.Empty<string>();
    SampleLeague.Generate(w, new SampleLeagueOptions(seasons.Split(','), scenarios));
}

using var host = new FakeBigQueryHttp(fake, ex => Console.Error.WriteLine(ex));
Console.WriteLine($"Listening on {host.Url}");

if (options.TryGetValue("parent-pid", out var parent))
{
    var parentProcess = Process.GetProcessById(int.Parse(parent));
    _ = Task.Run(() => { parentProcess.WaitForExit(); Environment.Exit(0); });
}

await Task.Delay(Timeout.Infinite);

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
