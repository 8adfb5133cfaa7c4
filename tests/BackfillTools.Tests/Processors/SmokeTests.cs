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
        // Every published row carries its data_hash (64 lower-case hex digits), and different rows hash differently.
        foreach (var p in ProcessorCatalog.All)
        {
            Assert.True(db.Count(p.Output) > 0, $"{p.Name}: no rows");
            Assert.Equal(0, db.Count(p.Output, "data_hash IS NULL OR NOT regexp_full_match(data_hash, '[0-9a-f]{64}')"));
            Assert.Equal(db.Count(p.Output), db.W.ScalarInt64($"SELECT COUNT(DISTINCT data_hash) FROM {p.Output.Placeholder}"));
        }
    }
}
