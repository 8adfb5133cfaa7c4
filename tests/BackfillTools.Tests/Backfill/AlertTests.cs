using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using BackfillTools.Core;
using BackfillTools.Core.Backfill;
using BackfillTools.Core.Processors;
using BackfillTools.Core.Warehouse;
using Xunit;

namespace BackfillTools.Tests.Backfill;

/// <summary>
/// The alert goes out whatever ends the run: the normal end, an exception from the caller's result handler
/// (-ErrorAction Stop), a failure during the run, or Ctrl+C; once, naming the failing dates, before the error propagates.
/// </summary>
public sealed class AlertTests : IClassFixture<SampleWarehouseFixture>
{
    private static readonly DateOnly Feb23 = new(2023, 2, 23), Feb24 = new(2023, 2, 24);
    private readonly SampleWarehouseFixture _fixture;

    public AlertTests(SampleWarehouseFixture fixture) => _fixture = fixture;

    /// <summary>A copy where PCF forced onto the stale UPCG quarantines both incident dates (upstream already published).</summary>
    private WarehouseConnection IncidentCopy()
    {
        var c = _fixture.NewCopy();
        BackfillService.Run(c, new BackfillRequest { StartDate = Feb23, EndDate = Feb24, Processors = new[] { ProcessorName.TDZA, ProcessorName.PSZA } },
            BackfillMode.New, null, null, new BackfillCallbacks(), CancellationToken.None);
        return c;
    }

    private static BackfillRequest ForcedPcf(int datesPerChunk = 0) => new()
    {
        StartDate = Feb23, EndDate = Feb24, Processors = new[] { ProcessorName.PCF }, DatesPerChunk = datesPerChunk,
        ProcessorOptions = new ProcessorOptions { ContextSource = ContextSourceMode.ForceUpcg },
    };

    private sealed class StopRequested : Exception;

    [Fact]
    public void A_result_handler_that_throws_still_gets_one_alert_naming_every_quarantined_date()
    {
        var c = IncidentCopy();
        using var hook = new WebhookListener();
        // Like WriteError under -ErrorAction Stop: the first quarantined result throws, so 02-24 is never handed over.
        var callbacks = new BackfillCallbacks { Result = r => { if (r.Status == PartitionStatus.Quarantined) throw new StopRequested(); } };
        Assert.Throws<StopRequested>(() => BackfillService.Run(c, ForcedPcf(), BackfillMode.New, null, hook.Url, callbacks, CancellationToken.None));

        var text = Assert.Single(hook.Bodies);
        Assert.Contains("stopped before its end", text);
        Assert.Contains("2023-02-23 PCF: Quarantined", text);
        Assert.Contains("2023-02-24 PCF: Quarantined", text);
        Assert.Contains("-RetryFailed", text);
    }

    [Fact]
    public void A_failure_during_the_run_sends_the_alert_before_it_propagates()
    {
        var c = IncidentCopy();
        using var hook = new WebhookListener();
        var seenBeforeThrow = -1;
        Assert.Throws<InvalidOperationException>(() => BackfillService.Run(c, ForcedPcf(datesPerChunk: 1), BackfillMode.New, null, hook.Url,
            new BackfillCallbacks(), CancellationToken.None,
            runner => runner.BeforePublish = (_, dates) =>
            {
                if (dates[0] == Feb24) { seenBeforeThrow = hook.Bodies.Count; throw new InvalidOperationException("simulated crash"); }
            }));

        Assert.Equal(0, seenBeforeThrow);
        var text = Assert.Single(hook.Bodies);
        Assert.Contains("stopped before its end: 1 of 2 partitions failed or were quarantined, 1 not run", text);
        Assert.Contains("2023-02-23 PCF: Quarantined, coverage", text);
        Assert.DoesNotContain("2023-02-24", text);
        Assert.Contains("-Resume", text);
    }

    [Fact]
    public void Ctrl_C_sends_a_cancelled_alert_and_a_silent_webhook_delays_it_by_the_cancel_timeout_only()
    {
        var c = IncidentCopy();
        using var hook = new WebhookListener(answer: false);
        using var cts = new CancellationTokenSource();
        var warnings = new List<string>();
        var clock = new Stopwatch();
        var callbacks = new BackfillCallbacks
        {
            Result = _ => { cts.Cancel(); clock.Start(); },
            Warning = warnings.Add,
        };
        Assert.ThrowsAny<OperationCanceledException>(() =>
            BackfillService.Run(c, ForcedPcf(datesPerChunk: 1), BackfillMode.New, null, hook.Url, callbacks, cts.Token));
        clock.Stop();

        var text = Assert.Single(hook.Bodies);
        Assert.Contains("was cancelled before its end", text);
        Assert.Contains("2023-02-23 PCF: Quarantined", text);
        Assert.Contains("1 not run", text);
        Assert.InRange(clock.Elapsed, AlertSender.CancelTimeout - TimeSpan.FromMilliseconds(200), AlertSender.CancelTimeout + TimeSpan.FromSeconds(5));
        Assert.Contains(warnings, w => w.Contains("alert was not delivered"));
        Assert.DoesNotContain(warnings, w => w.Contains(hook.Url.Authority));
    }

    [Fact]
    public void A_run_that_ends_normally_with_quarantines_alerts_once()
    {
        var c = IncidentCopy();
        using var hook = new WebhookListener();
        var summary = BackfillService.Run(c, ForcedPcf(), BackfillMode.New, null, hook.Url, new BackfillCallbacks(), CancellationToken.None);
        Assert.Equal(RunStatus.CompletedWithFailures, summary.Status);
        var text = Assert.Single(hook.Bodies);
        Assert.Contains("2 of 2 partitions need attention", text);
        Assert.DoesNotContain("before its end", text);
    }

    [Theory]
    [InlineData("hooks.slack.com/services/T000/B000/SECRETPART")]
    [InlineData("https://hooks.slack.com:99999/services/T000/B000/SECRETPART")]
    [InlineData("http://hooks.slack.com/services/T000/B000/SECRETPART")]
    [InlineData("ftp://hooks.slack.com/services/T000/B000/SECRETPART")]
    [InlineData("https:///services/T000/B000/SECRETPART")]
    public void A_malformed_relative_or_plain_http_webhook_is_refused_without_repeating_it(string value)
    {
        var ex = Assert.Throws<BackfillException>(() => AlertSender.ParseWebhook(value, "-AlertWebhook"));
        Assert.Equal("InvalidWebhook", ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Null(ex.Target);
        Assert.DoesNotContain("SECRETPART", ex.ToString());
        Assert.DoesNotContain("hooks.slack.com", ex.Message);
    }

    [Theory]
    [InlineData("https://hooks.slack.com/services/T000/B000/x")]
    [InlineData("http://127.0.0.1:8080/hook")]
    [InlineData("http://localhost:8080/hook")]
    [InlineData("http://[::1]:8080/hook")]
    public void Https_or_loopback_http_webhooks_are_accepted(string value) =>
        Assert.Equal(new Uri(value), AlertSender.ParseWebhook(value, "-AlertWebhook"));

    /// <summary>A local webhook: records each POST body; answers 200, or never (a hung webhook) when told not to.</summary>
    private sealed class WebhookListener : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly List<string> _bodies = new();
        private readonly List<HttpListenerContext> _held = new();

        public WebhookListener(bool answer = true)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Url = new Uri($"http://127.0.0.1:{port}/services/T000/B000/{Guid.NewGuid():N}");
            _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            _listener.Start();
            _ = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext context;
                    try { context = await _listener.GetContextAsync(); }
                    catch (Exception) { return; }
                    using (var reader = new StreamReader(context.Request.InputStream))
                    {
                        var body = await reader.ReadToEndAsync();
                        lock (_bodies) _bodies.Add(System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("text").GetString()!);
                    }
                    if (answer) { context.Response.StatusCode = 200; context.Response.Close(); }
                    else lock (_held) _held.Add(context);
                }
            });
        }

        public Uri Url { get; }

        public IReadOnlyList<string> Bodies { get { lock (_bodies) return _bodies.ToList(); } }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
        }
    }
}
