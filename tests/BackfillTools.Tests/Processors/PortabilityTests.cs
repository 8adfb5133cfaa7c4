using System.Text.RegularExpressions;
using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using Xunit;

namespace BackfillTools.Tests.Processors;

/// <summary>
/// The processor SQL is meant to run unchanged on BigQuery: after token substitution it must contain no DuckDB-only
/// spellings (bigquery.md §5) and render for BigQuery with every placeholder resolved.
/// </summary>
public class PortabilityTests
{
    private static readonly (string Pattern, string Why)[] DuckDbOnly =
    {
        (@"::", "DuckDB cast shorthand"),
        (@"\bEXCLUDE\s*\(", "SELECT * EXCLUDE"),
        (@"\bINTERVAL\b", "DATE - INTERVAL is TIMESTAMP in DuckDB and DATE_SUB differs; write d - 14"),
        (@"\bTRY_CAST\b", "use SAFE_CAST"),
        (@"\bFILTER\s*\(", "aggregate FILTER is not GoogleSQL; use COUNTIF or CASE"),
        (@"\bDAYOFWEEK\b|\bDOW\b", "day-of-week numbering differs"),
        (@"\bBOOL_(OR|AND)\b", "use LOGICAL_OR / LOGICAL_AND"),
        (@"\bDOUBLE\b", "use FLOAT64"),
        (@"//", "integer division: use DIV"),
        (@"\$\w", "parameters are @name"),
        (@"date_diff\s*\(\s*'", "use DATE_DIFF(end, start, DAY)"),
        (@"\bQUALIFY\b", null!),
    };

    [Fact]
    public void Processor_sql_uses_only_the_portable_subset()
    {
        var staging = new StagingTables("r1",
            new TableDef("stg", "dates", new[] { Col.Date("analysis_date", false) }, Array.Empty<string>()),
            PrecomputeTables.Pcf.WithName("stg", "rows"), WarehouseSchema.PrecomputeFailures.WithName("stg", "failures"),
            WarehouseSchema.ContextSourceLog.WithName("stg", "context"));
        var bigQuery = new BigQueryDialect("proj");
        var checkedStatements = 0;
        foreach (var def in ProcessorCatalog.All)
        {
            var processor = (SqlProcessor)ProcessorCatalog.Create(def.Name);
            foreach (var (name, sql) in processor.PortableStatements(staging, ProcessorOptions.Default))
            {
                var code = SqlDialect.MaskLiterals(sql).Masked; // string literals and comments may say anything
                foreach (var (pattern, why) in DuckDbOnly.Where(p => p.Why is not null))
                    Assert.False(Regex.IsMatch(code, pattern, RegexOptions.IgnoreCase), $"{def.Name}/{name}: {why}");
                // BigQuery wants WHERE (or GROUP BY / HAVING) next to QUALIFY.
                if (Regex.IsMatch(code, @"\bQUALIFY\b", RegexOptions.IgnoreCase))
                    Assert.Matches(new Regex(@"\bWHERE\b[^;]*\bQUALIFY\b", RegexOptions.IgnoreCase | RegexOptions.Singleline), code);
                var rendered = SqlDialect.MaskLiterals(bigQuery.Render(sql)).Masked;
                Assert.DoesNotContain("{{", rendered);
                Assert.Contains("`proj.", rendered);
                checkedStatements++;
            }
        }
        Assert.True(checkedStatements > 40);
    }
}
