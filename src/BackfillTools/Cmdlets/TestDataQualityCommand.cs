using System.Management.Automation;
using BackfillTools.Core.Processors;
using BackfillTools.Core.Validation;

namespace BackfillTools.Cmdlets;

/// <summary>Finds duplicate and NULL keys, critical NULLs, out-of-range values, cascade contamination and thin partitions in the Phase 4 tables.</summary>
[Cmdlet(VerbsDiagnostic.Test, "DataQuality", DefaultParameterSetName = AllSet)]
[OutputType(typeof(DataQualityFinding))]
[OutputType(typeof(bool))]
public sealed class TestDataQualityCommand : DateScopedCmdlet
{
    [Parameter]
    [ValidateNotNullOrEmpty]
    public DataQualityCheck[]? Check { get; set; }

    [Parameter]
    [ValidateRange(0.01, 1.0)]
    public double ThinRatio { get; set; } = DataQualityOptions.DefaultThinRatio;

    [Parameter]
    [ValidateRange(0, 100)]
    public double ContaminationPct { get; set; } = DataQualityOptions.DefaultContaminationPct;

    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void EndProcessing() => Guard(() =>
    {
        if (NoDatesPiped("checked")) return;
        var options = new DataQualityOptions
        {
            Processors = Processors,
            Checks = Check?.Distinct().ToList(),
            ThinRatio = ThinRatio,
            ContaminationPct = ContaminationPct,
        };
        var scope = Scope();
        using var w = OpenWarehouse();
        var progress = new ProgressWriter(this);
        var findings = DataQualityChecker.Run(w, scope, options, progress, CancellationToken);
        progress.Complete();
        if (Quiet) WriteObject(!findings.Any(f => f.Severity == FindingSeverity.Error));
        else WriteObject(findings, enumerateCollection: true);
    });
}
