using System.Text.RegularExpressions;
using Xunit;

namespace BackfillTools.Tests.Layering;

/// <summary>
/// Each rule is defined once, in BackfillRules: the numbers 90, 95, 0.9, 14 and 7 appear in no other source file of src/
/// (C# and SQL, comments aside) except the files listed here, where they mean something else, named beside each.
/// </summary>
public class RuleLiteralTests
{
    private static readonly Regex RuleNumber = new(@"(?<![\w.])(90|95|0\.9|14|7)(?![\w.])", RegexOptions.CultureInvariant);

    /// <summary>(file under src/, number) → what the number means there. A file not listed may hold none of them.</summary>
    private static readonly Dictionary<(string File, string Number), string> OtherMeanings = new()
    {
        [("BackfillTools.Samples/SampleLeagueGenerator.cs", "7")] = "MissingGames2021: games the sample drops from 2021-22",
        [("BackfillTools.Samples/SampleLeagueGenerator.cs", "0.9")] = "a scenario's description quoting the rule",
        [("BackfillTools.Samples/SampleRosters.cs", "7")] = "roster slot numbers",
        [("BackfillTools.Samples/SampleContext.cs", "7")] = "the sample UPCG's 7-day window (as Common.sql's)",
        [("BackfillTools.Samples/SampleContext.cs", "14")] = "the sample UPCG's 14-day window (as Common.sql's)",
        [("BackfillTools.Core/Reports/XlsxWriter.cs", "7")] = "a cell style index",
        [("BackfillTools.Core/Reports/XlsxWriter.cs", "14")] = "the title's font size; the digits of an exact number",
        [("BackfillTools.Core/Validation/DataQualityChecker.cs", "7")] = "DefaultNeighbours: the outlier window",
        [("BackfillTools.Core/Processors/MlfsSql.cs", "7")] = "MLFS feature indices",
        [("BackfillTools.Core/Processors/MlfsSql.cs", "14")] = "MLFS feature indices",
        [("BackfillTools.Core/Processors/MlfsSql.cs", "90")] = "SourceQualityWeights: opponent_history's weight",
        [("BackfillTools.Core/Processors/MlfsSql.cs", "95")] = "SourceQualityWeights: minutes_ppm's weight",
        [("BackfillTools.Core/Processors/Sql/MLFS.sql", "7")] = "the 7-day minutes window",
        [("BackfillTools.Core/Processors/Sql/MLFS.sql", "95")] = "the gold quality tier",
        [("BackfillTools.Core/Processors/Sql/MLFS.sql", "0.9")] = "the phase4 share of the 37 features",
        [("BackfillTools.Core/Processors/Sql/PSZA.sql", "7")] = "sample-size tiers",
        [("BackfillTools.Core/Processors/Sql/PSZA.sql", "14")] = "sample-size tiers",
        [("BackfillTools.Core/Processors/Sql/Common.sql", "7")] = "the player context's 7-day window",
        [("BackfillTools.Core/Processors/Sql/Common.sql", "14")] = "the player context's 14-day history",
        [("BackfillTools.Core/Processors/Sql/PDC.sql", "7")] = "the cache's 7-day completeness window (as Common.sql's)",
        [("BackfillTools.Core/Processors/Sql/PDC.sql", "14")] = "the cache's 14-day completeness window (as Common.sql's)",
        [("BackfillTools.Core/Processors/Sql/TDZA.sql", "14")] = "the cap of TDZA's dynamic minimum",
        [("BackfillTools.Core/Schema/Migrator.cs", "7")] = "schema version 7 (publish lineage)",
    };

    internal static string SrcDir()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "BackfillTools.sln"))) dir = dir.Parent;
        return Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("BackfillTools.sln not found above the test output"), "src");
    }

    /// <summary>Every rule number outside comments, as (file relative to src/, line, number).</summary>
    internal static IEnumerable<(string File, int Line, string Number)> Occurrences(string srcDir)
    {
        foreach (var path in Directory.EnumerateFiles(srcDir, "*.*", SearchOption.AllDirectories)
                     .Where(p => p.EndsWith(".cs", StringComparison.Ordinal) || p.EndsWith(".sql", StringComparison.Ordinal))
                     .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")))
        {
            var file = Path.GetRelativePath(srcDir, path).Replace('\\', '/');
            var lines = File.ReadAllLines(path);
            for (var i = 0; i < lines.Length; i++)
            {
                var code = StripComment(lines[i], path.EndsWith(".sql", StringComparison.Ordinal) ? "--" : "//");
                foreach (Match m in RuleNumber.Matches(code)) yield return (file, i + 1, m.Value);
            }
        }
    }

    private static string StripComment(string line, string marker)
    {
        var at = line.IndexOf(marker, StringComparison.Ordinal);
        return at < 0 ? line : line[..at];
    }

    [Fact]
    public void The_rule_numbers_live_only_in_BackfillRules()
    {
        var stray = Occurrences(SrcDir())
            .Where(o => o.File != "BackfillTools.Core/Domain/BackfillRules.cs" && !OtherMeanings.ContainsKey((o.File, o.Number)))
            .Select(o => $"{o.File}:{o.Line}: {o.Number}")
            .ToList();
        Assert.True(stray.Count == 0, "Use BackfillRules (or name the other meaning here):" + Environment.NewLine + string.Join(Environment.NewLine, stray));
    }

    [Fact]
    public void BackfillRules_defines_each_rule_number()
    {
        var rules = Occurrences(SrcDir()).Where(o => o.File == "BackfillTools.Core/Domain/BackfillRules.cs").Select(o => o.Number).ToHashSet();
        Assert.Superset(new HashSet<string> { "90", "95", "0.9", "14", "7" }, rules);
    }

    [Fact]
    public void The_scan_finds_a_restated_rule()
    {
        var dir = Directory.CreateTempSubdirectory("rules-");
        try
        {
            Directory.CreateDirectory(Path.Combine(dir.FullName, "X"));
            File.WriteAllText(Path.Combine(dir.FullName, "X", "Cmdlet.cs"), "public double MinCoverage { get; set; } = 90; // not 95\n");
            File.WriteAllText(Path.Combine(dir.FullName, "X", "Rule.sql"), "SELECT upcg_rows >= 0.9 * pgs_players -- 0.9\n");
            var found = Occurrences(dir.FullName).ToList();
            Assert.Equal(new[] { ("X/Cmdlet.cs", 1, "90"), ("X/Rule.sql", 1, "0.9") }, found.OrderBy(f => f.File, StringComparer.Ordinal));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Every_declared_dataset_is_named_in_Domain()
    {
        Assert.Empty(WarehouseSchema.All.Select(t => t.Dataset).Distinct().Except(DatasetNames.Declared));
    }
}
