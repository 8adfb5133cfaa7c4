using System.Net;
using System.Net.Sockets;

namespace BackfillTools.Tests.BigQuery;

/// <summary>
/// A <see cref="FakeBigQuery"/> served over HTTP on this machine, in-process: the module's cmdlets reach it as an
/// operator reaches an emulator, with <c>-Endpoint</c> (no credentials are sent to a loopback emulator). Every request
/// is still recorded by the fake.
/// </summary>
public sealed class FakeBigQueryEndpoint : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly HttpMessageInvoker _invoker;
    private readonly Task _loop;

    public FakeBigQueryEndpoint(FakeBigQuery fake)
    {
        _invoker = new HttpMessageInvoker(fake, disposeHandler: false);
        var port = FreePort();
        Uri = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(Uri.ToString());
        _listener.Start();
        _loop = Task.Run(Loop);
    }

    /// <summary>What -Endpoint takes.</summary>
    public Uri Uri { get; }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { /* the listener was closed under it */ }
        _invoker.Dispose();
    }

    private async Task Loop()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            _ = Task.Run(() => Serve(context));
        }
    }

    private async Task Serve(HttpListenerContext context)
    {
        try
        {
            using var request = new HttpRequestMessage(new HttpMethod(context.Request.HttpMethod), context.Request.Url);
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
            var bytes = await response.Content.ReadAsByteArrayAsync();
            await context.Response.OutputStream.WriteAsync(bytes);
        }
        catch (Exception)
        {
            // The fake answers BigQuery's errors itself; anything else is a fault of the fake, answered like a backend error.
            context.Response.StatusCode = 500;
        }
        finally
        {
            context.Response.Close();
        }
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
