using System.Net;
using System.Net.Sockets;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Tests.BigQuery;

/// <summary>
/// The fake BigQuery served over HTTP on 127.0.0.1, so a client opens it the production way (an emulator endpoint):
/// the xUnit tests that go through BackfillService (whatever WarehouseService's BigQuery hook currently is) and the
/// FakeBigQueryServer the Pester suite starts (which compiles this file in).
/// </summary>
internal sealed class FakeBigQueryHttp : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly HttpMessageInvoker _invoker;
    private readonly Action<Exception>? _onFault;

    /// <param name="onFault">Told of a failure inside the fake (answered as a backend error, 500).</param>
    public FakeBigQueryHttp(FakeBigQuery fake, Action<Exception>? onFault = null)
    {
        _invoker = new HttpMessageInvoker(fake, disposeHandler: false);
        _onFault = onFault;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Url = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(Url.ToString());
        _listener.Start();
        Connection = WarehouseConnection.BigQuery(FakeBigQuery.Project, "EU", "", Url);
        _ = Task.Run(Loop);
    }

    public Uri Url { get; }

    public WarehouseConnection Connection { get; }

    private async Task Loop()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) { return; }   // stopped
            _ = Task.Run(() => Serve(context));
        }
    }

    private async Task Serve(HttpListenerContext context)
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
            using var response = await _invoker.SendAsync(request, CancellationToken.None);
            context.Response.StatusCode = (int)response.StatusCode;
            if (response.Content.Headers.ContentType is { } contentType) context.Response.ContentType = contentType.ToString();
            await context.Response.OutputStream.WriteAsync(await response.Content.ReadAsByteArrayAsync());
        }
        catch (Exception ex)
        {
            // The fake answers BigQuery errors itself; anything else is a bug in the fake, reported like a backend error.
            _onFault?.Invoke(ex);
            context.Response.StatusCode = 500;
        }
        finally
        {
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _invoker.Dispose();
    }
}

/// <summary>A handler over the fake that a warehouse or client may dispose (they dispose their handler chain): the fake outlives them.</summary>
internal sealed class KeepAlive(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override void Dispose(bool disposing) { }
}
