using BackfillTools.Core.Warehouse;
using Xunit;

namespace BackfillTools.Tests.Warehouse;

/// <summary>
/// Content of a table as "rows:hash" for comparing two runs' tables (the xUnit twin of Get-TableChecksum in
/// tests/pester/Common.ps1, same scheme). NULL-aware: every value is hashed as '=' + its text and NULL as 'NULL' (no
/// '='), so NULL and '' differ, and the columns are hashed as a list, so no value can shift into its neighbour.
/// </summary>
internal static class TableChecksum
{
    public static string Of(IWarehouse w, TableDef table, IEnumerable<string>? exclude = null)
    {
        // By default the columns that name the run that wrote a row and the load times of the rows it read.
        var skip = (exclude ?? BackfillRules.RunColumns).ToHashSet(StringComparer.OrdinalIgnoreCase);
        bool Skipped(string n) => skip.Contains(n) || (exclude is null && BackfillRules.IsSourceLoadTime(n));
        var values = string.Join(", ", table.ColumnNames.Where(n => !Skipped(n)).Select(n => $"COALESCE('=' || CAST({n} AS VARCHAR), 'NULL')"));
        var r = w.Query($"SELECT COUNT(*) AS n, CAST(COALESCE(SUM(hash(list_value({values}))), 0) AS VARCHAR) AS h FROM {table.Placeholder}")[0];
        return $"{r["n"]}:{r["h"]}";
    }
}

public sealed class TableChecksumTests
{
    [Fact]
    public void NULL_an_empty_string_and_the_text_NULL_have_different_checksums_and_run_columns_do_not_count()
    {
        using var w = DuckDbWarehouse.Open(":memory:");
        var t = new TableDef("main", "t", new[] { Col.Str("a"), Col.Str("b"), Col.Str("run_id") }, Array.Empty<string>());
        w.EnsureTable(t);
        string With(string row)
        {
            w.Execute($"DELETE FROM {t.Placeholder}");
            w.Execute($"INSERT INTO {t.Placeholder} VALUES {row}");
            return TableChecksum.Of(w, t);
        }
        var nullValue = With("(NULL, 'x', 'r1')");
        Assert.NotEqual(nullValue, With("('', 'x', 'r1')"));
        Assert.NotEqual(nullValue, With("('NULL', 'x', 'r1')"));
        Assert.NotEqual(With("('a|', 'b', 'r1')"), With("('a', '|b', 'r1')"));
        Assert.Equal(nullValue, With("(NULL, 'x', 'r2')"));
    }
}
