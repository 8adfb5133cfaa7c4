using System.Management.Automation;
using System.Management.Automation.Runspaces;
using BackfillTools.Cmdlets;
using BackfillTools.Core.Warehouse;
using Xunit;

namespace BackfillTools.Tests.Samples;

/// <summary>The sample league through the cmdlet users run (in-process pwsh).</summary>
public sealed class NewBackfillWarehouseSampleTests
{
    [Fact]
    public void SampleData_switch_builds_a_filled_warehouse_with_the_scenario()
    {
        var dir = Path.Combine(Path.GetTempPath(), "bt-sample-cmdlet-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var path = Path.Combine(dir, "sample.duckdb");
            var iss = InitialSessionState.CreateDefault2();
            iss.Commands.Add(new SessionStateCmdletEntry("New-BackfillWarehouse", typeof(NewBackfillWarehouseCommand), null));
            using var ps = PowerShell.Create(iss);
            ps.AddCommand("New-BackfillWarehouse").AddParameter("Path", path).AddParameter("SampleData")
                .AddParameter("Season", new[] { "2022-23" }).AddParameter("Scenario", new[] { "StaleUpcg" });
            ps.Invoke();
            Assert.False(ps.HadErrors, string.Join("; ", ps.Streams.Error.Select(e => e.ToString())));
            Assert.Contains(ps.Streams.Progress, p => p.Activity == "Generating sample league");
            Assert.Empty(Directory.GetFiles(dir, "*.tmp"));

            using var w = DuckDbWarehouse.Open(path);
            Assert.Equal(1230, w.ScalarInt64("SELECT count(*) FROM nba_raw.nbac_schedule"));
            Assert.Equal(69, w.ScalarInt64("SELECT count(*) FROM nba_analytics.upcoming_player_game_context"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
