using System.Management.Automation;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Cmdlets;

/// <summary>Lists the warehouse's tables with row counts and date ranges.</summary>
[Cmdlet(VerbsCommon.Get, "BackfillWarehouse")]
[OutputType(typeof(WarehouseTableInfo))]
public sealed class GetBackfillWarehouseCommand : BackfillCmdlet
{
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public WarehouseLayer[]? Layer { get; set; }

    protected override void EndProcessing() => Guard(() =>
    {
        using var warehouse = OpenWarehouse();
        foreach (var t in WarehouseService.Describe(warehouse, CancellationToken))
            if (Layer is null || Layer.Contains(t.Layer))
                WriteObject(t);
    });
}
