using System.Management.Automation;
using BackfillTools.Core.Processors;
using BackfillTools.Core.Validation;

namespace BackfillTools.Cmdlets;

/// <summary>
/// Proves coverage per (date, layer, table/processor) against the schedule: raw box scores, analytics tables and
/// every Phase 4 processor, graded and explained. Rows pipe into Invoke-Backfill by Date, Processor and Layer.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "Coverage", DefaultParameterSetName = AllSet)]
[OutputType(typeof(CoverageResult))]
[OutputType(typeof(bool))]
public sealed class TestCoverageCommand : DateScopedCmdlet
{
    [Parameter]
    [ValidateNotNullOrEmpty]
    public CoverageLayer[]? Layer { get; set; }

    [Parameter]
    public SwitchParameter FailedOnly { get; set; }

    [Parameter]
    public SwitchParameter Quiet { get; set; }

    [Parameter]
    public SwitchParameter Detailed { get; set; }

    [Parameter]
    [ValidateRange(0, 100)]
    public double OkThreshold { get; set; } = BackfillRules.CoverageWarnPct;

    [Parameter]
    [ValidateRange(0, 100)]
    public double LowThreshold { get; set; } = BackfillRules.CoverageMinPct;

    protected override void EndProcessing() => Guard(() =>
    {
        if (NoDatesPiped("checked")) return;
        var options = new CoverageOptions
        {
            Processors = Processors,
            Layers = Layer?.Distinct().ToList(),
            OkThreshold = OkThreshold,
            LowThreshold = LowThreshold,
            Detailed = Detailed,
        };
        options.Validate();
        var scope = Scope();
        using var w = OpenWarehouse();
        var progress = new ProgressWriter(this);
        var results = CoverageValidator.Run(w, scope, options, progress, CancellationToken);
        progress.Complete();
        if (Quiet)
        {
            WriteObject(!results.Any(r => r.IsProblem));
            return;
        }
        WriteObject(FailedOnly ? results.Where(r => r.IsProblem) : results, enumerateCollection: true);
    });
}
