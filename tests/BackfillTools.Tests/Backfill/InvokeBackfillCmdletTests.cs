using System.Management.Automation;
using System.Management.Automation.Runspaces;
using BackfillTools.Cmdlets;
using BackfillTools.Core.Backfill;
using BackfillTools.Core.Warehouse;
using Xunit;

namespace BackfillTools.Tests.Backfill;

/// <summary>The cmdlet hosted in-process: Ctrl+C (StopProcessing) and streams, which a child pwsh cannot observe as precisely.</summary>
public sealed class InvokeBackfillCmdletTests : IClassFixture<SampleWarehouseFixture>
{
    private readonly SampleWarehouseFixture _fixture;

    public InvokeBackfillCmdletTests(SampleWarehouseFixture fixture) => _fixture = fixture;

    private static PowerShell NewShell()
    {
        var iss = InitialSessionState.CreateDefault2();
        var ps = PowerShell.Create(iss);
        ps.AddCommand("Import-Module").AddParameter("Name", typeof(InvokeBackfillCommand).Assembly.Location).Invoke();
        ps.Commands.Clear();
        return ps;
    }

    [Fact]
    public void Stopping_the_pipeline_cancels_the_run_and_leaves_it_resumable()
    {
        var c = _fixture.NewCopy();
        using var ps = NewShell();
        ps.AddCommand("Connect-BackfillWarehouse").AddParameter("Path", c.Path).Invoke();
        ps.Commands.Clear();
        ps.AddCommand("Invoke-Backfill").AddParameter("Season", new[] { "2022-23" }).AddParameter("ErrorAction", "SilentlyContinue");
        var seen = 0;
        var stopped = new ManualResetEventSlim();
        var output = new PSDataCollection<PSObject>();
        output.DataAdded += (_, _) =>
        {
            // Stop once the first processor's partitions are out: later processors are still to run.
            if (Interlocked.Increment(ref seen) == 20) Task.Run(() => { ps.Stop(); stopped.Set(); });
        };
        var handle = ps.BeginInvoke<PSObject, PSObject>(null, output);
        Assert.True(stopped.Wait(TimeSpan.FromMinutes(3)), "the backfill never produced 20 results");
        try { ps.EndInvoke(handle); } catch (PipelineStoppedException) { /* expected */ }

        using (var w = WarehouseService.Open(c))
        {
            var run = new BackfillLedger(w).GetRuns(null, 1).Single();
            Assert.Equal(RunStatus.Cancelled, run.Status);
            Assert.True(run.Cancelled > 0);
            Assert.Equal(0, run.Pending);
            Assert.True(run.Published >= 20);
        }

        using var ps2 = NewShell();
        ps2.AddCommand("Connect-BackfillWarehouse").AddParameter("Path", c.Path).Invoke();
        ps2.Commands.Clear();
        string runId;
        using (var w = WarehouseService.Open(c)) runId = new BackfillLedger(w).LatestRunId()!;
        var resumed = ps2.AddCommand("Invoke-Backfill").AddParameter("Resume", runId).AddParameter("ErrorAction", "SilentlyContinue").Invoke();
        Assert.NotEmpty(resumed);
        Assert.All(resumed, r => Assert.Equal(runId, ((BackfillResult)r.BaseObject).RunId));
        using (var w = WarehouseService.Open(c))
        {
            var run = new BackfillLedger(w).GetRun(runId)!;
            Assert.Equal(0, run.Cancelled + run.Pending);
        }
    }

    [Fact]
    public void Progress_is_reported_with_counts_and_completed_at_the_end()
    {
        var c = _fixture.NewCopy();
        using var ps = NewShell();
        ps.AddCommand("Connect-BackfillWarehouse").AddParameter("Path", c.Path).Invoke();
        ps.Commands.Clear();
        ps.AddCommand("Invoke-Backfill").AddParameter("StartDate", new DateTime(2022, 12, 1)).AddParameter("EndDate", new DateTime(2022, 12, 5))
            .AddParameter("Processor", new[] { "TDZA", "PSZA" }).Invoke();
        var progress = ps.Streams.Progress.ToList();
        Assert.Contains(progress, p => p.Activity.Contains("TDZA") && p.StatusDescription.Contains("/"));
        Assert.Equal(ProgressRecordType.Completed, progress.Last().RecordType);
    }

    [Fact]
    public void Verbose_names_E_U_and_the_context_source_per_date()
    {
        var c = _fixture.NewCopy();
        using var ps = NewShell();
        ps.AddCommand("Connect-BackfillWarehouse").AddParameter("Path", c.Path).Invoke();
        ps.Commands.Clear();
        ps.AddCommand("Invoke-Backfill").AddParameter("StartDate", new DateTime(2023, 2, 23)).AddParameter("EndDate", new DateTime(2023, 2, 23))
            .AddParameter("Processor", new[] { "TDZA", "PSZA", "PCF" }).AddParameter("Verbose", true).AddParameter("WarningAction", "SilentlyContinue").Invoke();
        var verbose = string.Join("\n", ps.Streams.Verbose.Select(v => v.Message));
        Assert.Matches(@"2023-02-23 PCF: context Synthetic \(E=\d+, U=1", verbose);
    }
}
