using System.Management.Automation;
using BackfillTools.Core.Validation;

namespace BackfillTools.Cmdlets;

/// <summary>Per-season (or per season and processor) coverage of the regular season, rolled up from Test-Coverage.</summary>
[Cmdlet(VerbsCommon.Get, "SeasonReport")]
[OutputType(typeof(SeasonReport))]
[OutputType(typeof(SeasonProcessorReport))]
public sealed class GetSeasonReportCommand : BackfillCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(SeasonCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Season { get; set; }

    [Parameter]
    public SwitchParameter ByProcessor { get; set; }

    private readonly List<string> _seasons = new();

    protected override void ProcessRecord() => Guard(() =>
    {
        if (Season is { } s)
            foreach (var label in s)
            {
                BackfillTools.Core.Domain.Season.Parse(label); // a bad label fails before any query runs
                _seasons.Add(label);
            }
    });

    protected override void EndProcessing() => Guard(() =>
    {
        using var w = OpenWarehouse();
        var progress = new ProgressWriter(this);
        var coverage = SeasonReporter.Coverage(w, _seasons.Distinct().ToList(), progress, CancellationToken);
        progress.Complete();
        if (ByProcessor) WriteObject(SeasonReporter.ByProcessor(coverage), enumerateCollection: true);
        else WriteObject(SeasonReporter.BySeason(coverage), enumerateCollection: true);
    });
}
