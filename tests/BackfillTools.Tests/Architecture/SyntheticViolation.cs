// A deliberately broken little house for ArchitectureTests: it proves the reader and the rule catch bad arrows.
namespace BackfillTools.Tests.Layering.Synthetic.Core.Domain
{
    public sealed class InField { }

    public sealed class InSignature { }

    /// <summary>Domain reaching up into Backfill: the arrow the test must catch.</summary>
    public sealed class UpwardUse
    {
        public Backfill.UsesEverything? Up;
    }
}

namespace BackfillTools.Tests.Layering.Synthetic.Core.Reports
{
    public sealed class InBody
    {
        public static int Value() => 1;
    }

    public sealed class InLambda
    {
        public static int Value() => 2;
    }
}

namespace BackfillTools.Tests.Layering.Synthetic.Core.Backfill
{
    using BackfillTools.Tests.Layering.Synthetic.Core.Domain;
    using BackfillTools.Tests.Layering.Synthetic.Core.Reports;

    public sealed class UsesEverything
    {
        public InField? Field;

        public static void Take(InSignature _) { }

        public static int Body() => InBody.Value();

        public static Func<int> Lambda() => () => InLambda.Value();
    }
}
