using System.Management.Automation;
using BackfillTools.Core.Processors;
using BackfillTools.Core.Validation;

namespace BackfillTools.Cmdlets;

/// <summary>Finds duplicate and NULL keys, critical NULLs, out-of-range values, cascade contamination and thin partitions in the Phase 4 tables.</summary>
[Cmdlet(VerbsDiagnostic.Test, "DataQuality", DefaultParameterSetName = AllSet)]
[OutputType(typeof(DataQualityFinding))]
[OutputType(typeof(bool))]
public sealed class TestDataQualityCommand : BackfillCmdlet
{
    private const string AllSet = "All";
    private const string RangeSet = "Range";
    private const string SeasonSet = "Season";
    private const string DateSet = "Date";

    private readonly List<DateOnly> _dates = new();

    [Parameter(Mandatory = true, ParameterSetName = RangeSet)]
    [DateArgumentTransformation]
    public DateTime StartDate { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = RangeSet)]
    [DateArgumentTransformation]
    public DateTime EndDate { get; set; }

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = SeasonSet)]
    [ArgumentCompleter(typeof(SeasonCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Season { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ParameterSetName = DateSet, ValueFromPipelineByPropertyName = true)]
    [DateArgumentTransformation]
    public DateTime[] Date { get; set; } = Array.Empty<DateTime>();

    [Parameter]
    [ArgumentCompleter(typeof(ProcessorCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Processor { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public DataQualityCheck[]? Check { get; set; }

    [Parameter]
    [ValidateRange(0.01, 1.0)]
    public double ThinRatio { get; set; } = 0.5;

    [Parameter]
    [ValidateRange(0, 100)]
    public double ContaminationPct { get; set; } = 5;

    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessRecord() => Guard(() =>
    {
        if (ParameterSetName == DateSet) _dates.AddRange(Date.Select(DateOnly.FromDateTime));
    });

    protected override void EndProcessing() => Guard(() =>
    {
        var options = new DataQualityOptions
        {
            Processors = Processor?.Select(ProcessorCatalog.Parse).Distinct().ToList(),
            Checks = Check?.Distinct().ToList(),
            ThinRatio = ThinRatio,
            ContaminationPct = ContaminationPct,
        };
        var scope = ParameterSetName switch
        {
            RangeSet => DateScope.Range(DateOnly.FromDateTime(StartDate), DateOnly.FromDateTime(EndDate)),
            SeasonSet => DateScope.Seasons(Season),
            DateSet => DateScope.Explicit(_dates),
            _ => DateScope.All(),
        };
        using var w = OpenWarehouse();
        var progress = new ProgressWriter(this);
        var findings = DataQualityChecker.Run(w, scope, options, progress, CancellationToken);
        progress.Complete();
        if (Quiet) WriteObject(!findings.Any(f => f.Severity == FindingSeverity.Error));
        else WriteObject(findings, enumerateCollection: true);
    });
}
