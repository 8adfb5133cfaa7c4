using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using Xunit;

namespace BackfillTools.Tests.Processors;

public class SmokeTests
{
    [Fact]
    public void All_five_run_over_a_mini_league()
    {
        using var db = new ProcessorTestDb();
        MiniLeague.Load(db, 30);
        var dates = Enumerable.Range(10, 20).Select(d => MiniLeague.Opener.AddDays(d)).ToList();
        foreach (var p in ProcessorCatalog.All)
        {
            var r = db.Run(p.Name, dates);
            Console.WriteLine($"{p.Name}: rows {r.Rows} failures {r.Failures} ctx {r.Contexts}");
        }
        Assert.True(db.Count(PrecomputeTables.Mlfs) > 0);
    }
}
