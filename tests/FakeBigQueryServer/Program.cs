using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
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

var port = FreePort();
using var listener = new HttpListener();
listener.Prefixes.Add($"http://127.0.0.1:{port}/");
listener.Start();
using var invoker = new HttpMessageInvoker(fake, disposeHandler: false);
Console.WriteLine($"Listening on http://127.0.0.1:{port}/");

if (options.TryGetValue("parent-pid", out var parent))
{
    var parentProcess = Process.GetProcessById(int.Parse(parent));
    _ = Task.Run(() => { parentProcess.WaitForExit(); Environment.Exit(0); });
}

while (true)
{
    var context = await listener.GetContextAsync();
    _ = Task.Run(() => Serve(context));
}

async Task Serve(HttpListenerContext context)
{
    try
    {
        var request = new HttpRequestMessage(new HttpMethod(context.Request.HttpMethod), context.Request.Url);
        if (context.Request.HasEntityBody)
        {
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            request.Content = new ByteArrayContent(body.ToArray());
            if (context.Request.ContentType is { } type) request.Content.Headers.TryAddWithoutValidation("Content-Type", type);
        }
        if (context.Request.Headers["Authorization"] is { } auth) request.Headers.TryAddWithoutValidation("Authorization", auth);
        using var response = await invoker.SendAsync(request, CancellationToken.None);
        context.Response.StatusCode = (int)response.StatusCode;
        if (response.Content.Headers.ContentType is { } contentType) context.Response.ContentType = contentType.ToString();
        var bytes = await response.Content.ReadAsByteArrayAsync();
        await context.Response.OutputStream.WriteAsync(bytes);
    }
    catch (Exception ex)
    {
        // The fake answers BigQuery errors itself; anything else is a bug in the fake, reported like a backend error.
        Console.Error.WriteLine(ex);
        context.Response.StatusCode = 500;
    }
    finally
    {
        context.Response.Close();
    }
}

static int FreePort()
{
    var probe = new TcpListener(IPAddress.Loopback, 0);
    probe.Start();
    var port = ((IPEndPoint)probe.LocalEndpoint).Port;
    probe.Stop();
    return port;
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

/// <summary>The warehouse disposes its handler chain; the fake must outlive it.</summary>
sealed class KeepAlive(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override void Dispose(bool disposing) { }
}
