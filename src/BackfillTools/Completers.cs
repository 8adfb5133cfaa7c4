using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using BackfillTools.Core.Samples;

namespace BackfillTools;

/// <summary>Tab completion from a fixed list of values.</summary>
public abstract class ListCompleter : IArgumentCompleter
{
    protected abstract IEnumerable<string> Values { get; }

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = wordToComplete.Trim('\'', '"');
        return Values.Where(v => v.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(v => new CompletionResult(v, v, CompletionResultType.ParameterValue, v));
    }
}

public sealed class SeasonCompleter : ListCompleter
{
    protected override IEnumerable<string> Values => SampleLeague.AllSeasons;
}

public sealed class ScenarioCompleter : ListCompleter
{
    protected override IEnumerable<string> Values => SampleLeague.KnownScenarios;
}
