using System.Reflection;
using BackfillTools.Tests.Layering.Synthetic.Core.Backfill;
using Xunit;

namespace BackfillTools.Tests.Layering;

/// <summary>Arrows point only downward (docs/architecture.md), read from the compiled assemblies.</summary>
public class ArchitectureTests
{
    private static readonly Assembly Core = typeof(BackfillTools.Core.Domain.BackfillRules).Assembly;
    private static readonly Assembly Cmdlets = typeof(BackfillTools.BackfillCmdlet).Assembly;
    private static readonly Assembly Samples = typeof(BackfillTools.Samples.SampleLeague).Assembly;

    /// <summary>One line per offending pair of types, naming the first place the reference was seen.</summary>
    private static List<string> Violations(Floors floors, Assembly assembly, string fromPrefix) =>
        TypeReferences.Of(assembly, fromPrefix)
            .Select(r => (r, why: floors.Violation(r.From.Namespace, r.To.Namespace)))
            .Where(x => x.why is not null)
            .GroupBy(x => (x.r.From, x.r.To))
            .Select(g => $"{g.Key.From.FullName} → {g.Key.To.FullName} ({g.First().r.Where}): {g.First().why}")
            .Order(StringComparer.Ordinal)
            .ToList();

    [Fact]
    public void Every_arrow_points_down()
    {
        var floors = new Floors();
        var violations = Violations(floors, Core, "BackfillTools.Core")
            .Concat(Violations(floors, Samples, "BackfillTools.Samples"))
            .Concat(Violations(floors, Cmdlets, "BackfillTools"))
            .ToList();
        Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations));
    }

    [Fact]
    public void The_reader_sees_references_in_fields_signatures_and_method_bodies()
    {
        var refs = TypeReferences.Of(typeof(UsesEverything).Assembly, "BackfillTools.Tests.Layering.Synthetic")
            .Where(r => r.From == typeof(UsesEverything)).ToList();
        Assert.Contains(refs, r => r.To == typeof(Synthetic.Core.Domain.InField) && r.Where.Contains("field"));
        Assert.Contains(refs, r => r.To == typeof(Synthetic.Core.Domain.InSignature) && r.Where.Contains("parameter"));
        Assert.Contains(refs, r => r.To == typeof(Synthetic.Core.Reports.InBody) && r.Where.Contains("body"));
        Assert.Contains(refs, r => r.To == typeof(Synthetic.Core.Reports.InLambda));
    }

    [Fact]
    public void A_synthetic_upward_and_sideways_arrow_fails()
    {
        var floors = new Floors("BackfillTools.Tests.Layering.Synthetic.Core", "none.samples", "none.cmdlets");
        var violations = Violations(floors, typeof(UsesEverything).Assembly, "BackfillTools.Tests.Layering.Synthetic");
        // Domain → Backfill points up; Backfill → Reports is sideways; Backfill → Domain is fine.
        Assert.Contains(violations, v => v.Contains("Domain.UpwardUse → ") && v.Contains("Backfill.UsesEverything") && v.Contains("above it"));
        Assert.Contains(violations, v => v.Contains("UsesEverything → ") && v.Contains("Synthetic.Core.Reports.InBody") && v.Contains("sibling"));
        Assert.DoesNotContain(violations, v => v.Contains("UsesEverything → ") && v.Contains("Synthetic.Core.Domain.InSignature"));
    }

    [Theory]
    [InlineData("BackfillTools.Core.Warehouse", "BackfillTools.Core.Backfill", true)]
    [InlineData("BackfillTools.Core.Schema", "BackfillTools.Core.Sql", true)]
    [InlineData("BackfillTools.Core.Backfill", "BackfillTools.Core.Validation", true)]
    [InlineData("BackfillTools.Core.Validation", "BackfillTools.Core.Processors", false)]
    [InlineData("BackfillTools.Core.Warehouse.BigQuery", "BackfillTools.Core.Warehouse", false)]
    [InlineData("BackfillTools.Samples", "BackfillTools.Core.Schema", false)]
    [InlineData("BackfillTools.Samples", "BackfillTools.Core.Processors", true)]
    [InlineData("BackfillTools.Core.Processors", "BackfillTools.Samples", true)]
    [InlineData("BackfillTools.Cmdlets", "BackfillTools.Core.Reports", false)]
    [InlineData("BackfillTools.Core", "BackfillTools.Core.Domain", true)]
    [InlineData("BackfillTools.Core.Domain", "System.Text", false)]
    public void The_rule(string from, string to, bool violates) =>
        Assert.Equal(violates, new Floors().Violation(from, to) is not null);
}
