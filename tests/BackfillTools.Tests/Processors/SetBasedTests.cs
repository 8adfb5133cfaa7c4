using System.Collections;
using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using Xunit;

namespace BackfillTools.Tests.Processors;

/// <summary>One set-based call over many dates gives exactly what one call per date gives (the benchmark baseline).</summary>
public class SetBasedTests
{
    [Fact]
    public void Set_based_over_several_dates_equals_one_date_at_a_time()
    {
        using var db = new ProcessorTestDb();
        MiniLeague.Load(db, 24, upcgFraction: 0.5); // half UPCG: the synthetic path is exercised too
        var dates = Enumerable.Range(12, 12).Select(d => MiniLeague.Opener.AddDays(d)).ToList();
        foreach (var def in ProcessorCatalog.All)
        {
            var all = db.Run(def.Name, dates); // published, so the next processor reads it
            var single = dates.Select(d => db.Run(def.Name, new[] { d }, publish: false)).ToList();
            Assert.Equal(all.Rows, single.Sum(s => s.Rows));
            Assert.Equal(all.Failures, single.Sum(s => s.Failures));
            var keys = $"{def.DateColumn}, {def.EntityColumn}";
            var expected = Dump(db, all.Staging.Rows, keys);
            var actual = single.SelectMany(s => Dump(db, s.Staging.Rows, keys)).OrderBy(x => x, StringComparer.Ordinal).ToList();
            Assert.Equal(expected.OrderBy(x => x, StringComparer.Ordinal).ToList(), actual);
            var fexp = Dump(db, all.Staging.Failures, "analysis_date, entity_id");
            var fact = single.SelectMany(s => Dump(db, s.Staging.Failures, "analysis_date, entity_id")).ToList();
            Assert.Equal(fexp.OrderBy(x => x, StringComparer.Ordinal), fact.OrderBy(x => x, StringComparer.Ordinal));
        }
        Assert.True(db.Count(PrecomputeTables.Mlfs) > 0);
    }

    /// <summary>Rows as text without run_id and timestamps; doubles at 9 decimals so summation order cannot matter.</summary>
    private static List<string> Dump(ProcessorTestDb db, BackfillTools.Core.Warehouse.TableDef t, string order)
    {
        var r = db.Select(t, "TRUE", order);
        var skip = BackfillRules.RunColumns.ToHashSet(StringComparer.OrdinalIgnoreCase);
        return r.Rows.Select(row => string.Join("|", r.Columns.Select((c, i) => skip.Contains(c) ? "" : Format(row[i])))).ToList();
    }

    private static string Format(object? v) => v switch
    {
        null => "NULL",
        double d => d.ToString("F9", System.Globalization.CultureInfo.InvariantCulture),
        string s => s,
        IEnumerable e => "[" + string.Join(",", e.Cast<object?>().Select(Format)) + "]",
        _ => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };
}
