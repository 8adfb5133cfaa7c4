using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using BackfillTools.Core;
using BackfillTools.Core.Processors;
using BackfillTools.Samples;

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

/// <summary>
/// -Season of the cmdlets that read a warehouse: the current season and the ones before it, from the calendar alone, so
/// a TAB press never costs a warehouse query (a BigQuery job) and production is not offered the sample league's seasons.
/// </summary>
public sealed class SeasonCompleter : ListCompleter
{
    /// <summary>How many seasons, newest first, completion offers.</summary>
    public const int SeasonsOffered = 10;

    protected override IEnumerable<string> Values => Season.RecentLabels(BackfillRules.Today(), SeasonsOffered);
}

/// <summary>-Season of New-BackfillWarehouse -SampleData: the seasons the sample league can generate.</summary>
public sealed class SampleSeasonCompleter : ListCompleter
{
    protected override IEnumerable<string> Values => SampleLeague.AllSeasons;
}

public sealed class ScenarioCompleter : ListCompleter
{
    protected override IEnumerable<string> Values => SampleLeague.KnownScenarios;
}

public sealed class ProcessorCompleter : ListCompleter
{
    protected override IEnumerable<string> Values => Enum.GetNames<ProcessorName>();
}

/// <summary>Completes -RunId from the session warehouse's ledger (newest first); silent when none is reachable.</summary>
public sealed class RunIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = wordToComplete.Trim('\'', '"');
        try
        {
            var connection = BackfillCmdlet.GetDefault();
            if (connection is null) return Array.Empty<CompletionResult>();
            using var w = BackfillTools.Core.Schema.WarehouseService.Open(connection);
            return new BackfillTools.Core.Ledger.BackfillLedger(w).GetRuns(null, 50)
                .Where(r => r.RunId.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .Select(r => new CompletionResult(r.RunId, r.RunId, CompletionResultType.ParameterValue, $"{r.Status} {r.StartedAt:u}"))
                .ToList();
        }
        catch (Exception)
        {
            return Array.Empty<CompletionResult>(); // completion must never throw at the prompt
        }
    }
}
