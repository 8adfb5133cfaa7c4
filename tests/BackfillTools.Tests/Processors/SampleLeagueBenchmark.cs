using System.Diagnostics;
using System.Globalization;
using System.Text;
using BackfillTools.Core.Processors;
using BackfillTools.Samples;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using Xunit;
using Xunit.Abstractions;

namespace BackfillTools.Tests.Processors;

/// <summary>Runs only when BACKFILL_BENCH=1: the numbers are for docs/processors.md, not for every build.</summary>
public sealed class BenchFactAttribute : FactAttribute
{
    public BenchFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("BACKFILL_BENCH") != "1") Skip = "Set BACKFILL_BENCH=1 to run the sample-league benchmark.";
    }
}

/// <summary>
/// All five processors over the four sample seasons: set-based (one call per processor) against the per-date
/// baseline (the same call with one date at a time), plus per-season row and failure counts.
/// </summary>
public class SampleLeagueBenchmark(ITestOutputHelper output)
{
    [BenchFact]
    public void Four_seasons_set_based_versus_per_date()
    {
        var dir = Path.Combine(Path.GetTempPath(), "bt-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var report = new StringBuilder();
        var reportPath = Path.Combine(Path.GetTempPath(), "bt-bench-report.txt");
        File.WriteAllText(reportPath, "");
        // Lines go to the file as they are produced, so a long run can be followed.
        void Line(string text) { report.AppendLine(text); File.AppendAllText(reportPath, text + Environment.NewLine); }
        try
        {
            var gen = Stopwatch.StartNew();
            var w = DuckDbWarehouse.Open(Path.Combine(dir, "bench.duckdb"), create: true);
            using var db = new ProcessorTestDb(w);
            SampleLeague.Generate(w, new SampleLeagueOptions(SampleLeague.AllSeasons, Array.Empty<string>()));
            Line(string.Create(CultureInfo.InvariantCulture, $"generate: {gen.Elapsed.TotalSeconds:F1} s"));
            var dates = w.Query($"SELECT DISTINCT game_date FROM {WarehouseSchema.Schedule.Placeholder} WHERE game_status = 3 ORDER BY 1")
                .AsRows().Select(r => r.GetDate("game_date")).ToList();
            Line(string.Create(CultureInfo.InvariantCulture, $"dates: {dates.Count} ({dates[0]:yyyy-MM-dd} .. {dates[^1]:yyyy-MM-dd})"));

            // BACKFILL_BENCH_PERDATE=PSZA,PCF limits the (slow) per-date baseline to those processors; default all.
            var perDateOnly = Environment.GetEnvironmentVariable("BACKFILL_BENCH_PERDATE")?.Split(',').Select(ProcessorCatalog.Parse).ToHashSet();
            foreach (var def in ProcessorCatalog.All)
            {
                var sw = Stopwatch.StartNew();
                var all = db.Run(def.Name, dates);
                var setBased = sw.Elapsed;
                if (perDateOnly is not null && !perDateOnly.Contains(def.Name))
                {
                    Line(string.Create(CultureInfo.InvariantCulture, $"{def.Name}: rows {all.Rows}, failures {all.Failures}, set-based {setBased.TotalSeconds:F1} s"));
                    continue;
                }
                sw.Restart();
                long perDateRows = 0;
                foreach (var d in dates)
                {
                    var one = db.Run(def.Name, new[] { d }, publish: false);
                    perDateRows += one.Rows;
                    foreach (var t in new[] { one.Staging.Dates, one.Staging.Rows, one.Staging.Failures, one.Staging.ContextSources })
                        w.DropTable(t.Dataset, t.Name);
                }
                var perDate = sw.Elapsed;
                Assert.Equal(all.Rows, perDateRows); // the baseline computes the same thing
                Line(string.Create(CultureInfo.InvariantCulture,
                    $"{def.Name}: rows {all.Rows}, failures {all.Failures}, set-based {setBased.TotalSeconds:F1} s, per-date {perDate.TotalSeconds:F1} s ({perDate / setBased:F1}x)"));
            }

            foreach (var def in ProcessorCatalog.All)
            {
                var bySeason = w.Query($@"SELECT CASE WHEN EXTRACT(MONTH FROM {def.DateColumn}) >= 10 THEN EXTRACT(YEAR FROM {def.DateColumn})
                    ELSE EXTRACT(YEAR FROM {def.DateColumn}) - 1 END AS sy, COUNT(*) AS n FROM {def.Output.Placeholder} GROUP BY 1 ORDER BY 1");
                var failures = w.Query($@"SELECT failure_category, COUNT(*) AS n FROM {WarehouseSchema.PrecomputeFailures.Placeholder}
                    WHERE processor_name = '{def.Name}' GROUP BY 1 ORDER BY 1");
                Line(def.Name + " rows by season: " +
                    string.Join(", ", bySeason.AsRows().Select(r => $"{r.GetInt64("sy")}: {r.GetInt64("n")}")) +
                    "; failures: " + string.Join(", ", failures.AsRows().Select(r => $"{r.GetString("failure_category")} {r.GetInt64("n")}")));
            }
            var ctx = w.Query($@"SELECT processor_name, source, COUNT(*) AS n FROM {WarehouseSchema.ContextSourceLog.Placeholder} GROUP BY 1, 2 ORDER BY 1, 2");
            Line("context: " + string.Join(", ", ctx.AsRows().Select(r => $"{r.GetString("processor_name")} {r.GetString("source")} {r.GetInt64("n")}")));
            Assert.True(db.Count(PrecomputeTables.Mlfs) > 0);
        }
        finally
        {
            output.WriteLine(report.ToString());
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }
}
