using BackfillTools.Core.Backfill;
using BackfillTools.Core.Schema;
using Xunit;

namespace BackfillTools.Tests.BigQuery;

/// <summary>
/// Get-BackfillRun and Get-BackfillFailure without -RunId: GoogleSQL refuses <c>run_id = NULL</c> ("Operands of = cannot
/// be literal NULL"), so no NULL run id may reach the query text; the fake BigQuery would accept it, hence the check on
/// what was sent.
/// </summary>
public sealed class UnfilteredReadsTests
{
    [Fact]
    public void Reading_all_runs_and_all_failures_sends_no_run_id_predicate_and_no_NULL_literal()
    {
        using var fake = new FakeBigQuery();
        using var w = BigQueryTestHost.Open(fake);
        new Migrator().Upgrade(w);
        w.Execute($"INSERT INTO {WarehouseSchema.BackfillRuns.Placeholder} (run_id, status, started_at) VALUES ('r1', 'Succeeded', TIMESTAMP '2024-01-01 00:00:00')");
        fake.Requests.Clear();

        Assert.Equal("r1", Assert.Single(new BackfillLedger(w).GetRuns(null, null)).RunId);
        Assert.Empty(FailureReader.Read(w, null, null, null, null));
        Assert.Equal("r1", Assert.Single(new BackfillLedger(w).GetRuns("r1", null)).RunId);

        var queries = fake.Calls("jobs.insert").Select(r => r.Body!).ToList();
        Assert.Equal(3, queries.Count);
        Assert.All(queries.Take(2), q =>
        {
            Assert.DoesNotContain("NULL IS NULL", q, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("run_id = NULL", q, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("@run_id", q, StringComparison.Ordinal);
        });
        Assert.Contains("r.run_id = @run_id", queries[2]);
    }
}
