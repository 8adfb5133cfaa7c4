using System.Text.RegularExpressions;
using BackfillTools.Core.Processors;
using BackfillTools.Tests.Layering;
using Xunit;

namespace BackfillTools.Tests.Schema;

/// <summary>
/// docs/production-schema.md lists, per output table, the columns the product owns and those it leaves NULL for new
/// rows. Ownership derives from the columns a processor writes, so the lists follow the code: this keeps the page
/// from claiming a column is filled (or left NULL) when it is not.
/// </summary>
public sealed partial class OwnershipDocsTests
{
    private static string Page() => File.ReadAllText(Path.Combine(Path.GetDirectoryName(RuleLiteralTests.SrcDir())!, "docs", "production-schema.md"));

    private static List<string> Names(string list) => Backticked().Matches(list).Select(m => m.Groups[1].Value).ToList();

    public static TheoryData<ProcessorName> Processors() => new(ProcessorCatalog.All.Select(d => d.Name));

    [Theory]
    [MemberData(nameof(Processors))]
    public void The_owned_and_left_NULL_lists_match_the_columns_the_processor_writes(ProcessorName name)
    {
        var ownership = ProcessorCatalog.OutputOwnership(name);
        var table = ownership.Table;
        var page = Page();
        var heading = page.IndexOf($"#### {table.FullName} ", StringComparison.Ordinal);
        Assert.True(heading >= 0, $"no section for {table.FullName}");
        var section = page[heading..];
        var owned = OwnedLine().Match(section);
        var leftNull = LeftNullLine().Match(section);
        Assert.True(owned.Success && leftNull.Success, $"{table.FullName}: the section lacks its Owned or Left NULL line");

        var documentedOwned = Names(owned.Groups[3].Value);
        var written = ownership.InsertedColumns.ToList();
        Assert.Equal(written.Order(StringComparer.Ordinal), documentedOwned.Order(StringComparer.Ordinal));
        Assert.Equal(documentedOwned.Count, int.Parse(owned.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(table.Columns.Count, int.Parse(owned.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));

        var documentedNull = Names(leftNull.Groups[2].Value);
        var notWritten = table.ColumnNames.Where(c => !written.Contains(c, StringComparer.OrdinalIgnoreCase)).ToList();
        Assert.Equal(notWritten.Order(StringComparer.Ordinal), documentedNull.Order(StringComparer.Ordinal));
        Assert.Equal(documentedNull.Count, int.Parse(leftNull.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"`(\w+)`")]
    private static partial Regex Backticked();

    [GeneratedRegex(@"^Owned \((\d+) of (\d+) base columns\): (.*)$", RegexOptions.Multiline)]
    private static partial Regex OwnedLine();

    [GeneratedRegex(@"^Left NULL for new rows \((\d+)\): (.*)$", RegexOptions.Multiline)]
    private static partial Regex LeftNullLine();
}
