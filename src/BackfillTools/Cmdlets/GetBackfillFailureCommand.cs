using System.Management.Automation;
using BackfillTools.Core.Backfill;
using BackfillTools.Core.Processors;

namespace BackfillTools.Cmdlets;

/// <summary>Reads entity-level failures (nba_processing.precompute_failures) of published partitions.</summary>
[Cmdlet(VerbsCommon.Get, "BackfillFailure")]
[OutputType(typeof(PrecomputeFailure))]
public sealed class GetBackfillFailureCommand : BackfillCmdlet
{
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    public string? RunId { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [DateArgumentTransformation]
    public DateTime[]? Date { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProcessorCompleter))]
    public string[]? Processor { get; set; }

    [Parameter]
    public string[]? Category { get; set; }

    protected override void ProcessRecord() => Guard(() =>
    {
        var processors = Processor?.Select(ProcessorCatalog.Parse).ToList();
        using var w = OpenWarehouse();
        var rows = FailureReader.Read(w, RunId, Date?.Select(DateOnly.FromDateTime).ToList(), processors, Category, CancellationToken);
        WriteObject(rows, enumerateCollection: true);
    });
}
