using System.Management.Automation;
using BackfillTools.Core.Backfill;

namespace BackfillTools.Cmdlets;

/// <summary>Reads backfill runs from the ledger, newest first.</summary>
[Cmdlet(VerbsCommon.Get, "BackfillRun", DefaultParameterSetName = "Last")]
[OutputType(typeof(BackfillRunInfo))]
[OutputType(typeof(ProcessorCost))]
public sealed class GetBackfillRunCommand : BackfillCmdlet
{
    [Parameter(Position = 0, ParameterSetName = "RunId", ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? RunId { get; set; }

    [Parameter(ParameterSetName = "Last")]
    [ValidateRange(1, int.MaxValue)]
    public int Last { get; set; } = 20;

    /// <summary>Price per TiB billed for EstimatedCost; default the session's (Connect-BackfillWarehouse), else the on-demand list price.</summary>
    [Parameter]
    [ValidateRange(0.0, 1_000_000.0)]
    public decimal? PricePerTiB { get; set; }

    /// <summary>Capacity (Editions) pricing: bytes and slot time, no price.</summary>
    [Parameter]
    public SwitchParameter CapacityPricing { get; set; }

    /// <summary>Emit the run's BigQuery jobs summed per processor instead of the run.</summary>
    [Parameter]
    public SwitchParameter CostByProcessor { get; set; }

    protected override void ProcessRecord() => Guard(() =>
    {
        using var w = OpenWarehouse();
        var ledger = new BackfillLedger(w);
        var session = ResolveConnection().Pricing;
        var pricing = new Core.Warehouse.BigQuery.BigQueryPricing(PricePerTiB ?? session.PricePerTiB, CapacityPricing || (PricePerTiB is null && session.Capacity));
        void Emit(BackfillRunInfo run)
        {
            if (!CostByProcessor)
            {
                run.EstimatedCost = pricing.Cost(run.BytesBilled);
                run.PricePerTiB = pricing.Capacity ? null : pricing.PricePerTiB;
                WriteObject(run);
                return;
            }
            foreach (var cost in ledger.ProcessorCosts(run.RunId))
            {
                cost.EstimatedCost = pricing.Cost(cost.BytesBilled);
                WriteObject(cost);
            }
        }
        if (RunId is null)
        {
            foreach (var run in ledger.GetRuns(null, Last)) Emit(run);
            return;
        }
        foreach (var id in RunId)
        {
            if (ledger.GetRun(id) is { } run) Emit(run);
            else WriteError(ToErrorRecord(new Core.Domain.BackfillException(ErrorIds.RunNotFound, Core.Domain.ErrorKind.ObjectNotFound,
                $"No backfill run '{id}' in the ledger. Get-BackfillRun lists the runs.", id)));
        }
    });
}
