using System.Management.Automation;
using BackfillTools.Core;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Cmdlets;

/// <summary>Makes an existing warehouse the session default for every BackfillTools command.</summary>
[Cmdlet(VerbsCommunications.Connect, "BackfillWarehouse", DefaultParameterSetName = DuckDbSet)]
[OutputType(typeof(WarehouseSummary))]
public sealed class ConnectBackfillWarehouseCommand : WarehouseTargetCmdlet
{
    [Parameter(ParameterSetName = BigQuerySet)]
    [ValidatePattern(@"^[A-Za-z0-9_]*$")]
    public string DatasetPrefix { get; set; } = "";

    protected override string Prefix => DatasetPrefix;

    protected override void ProcessRecord() => Guard(() =>
    {
        var connection = TargetConnection();
        using var warehouse = WarehouseService.Open(connection);
        var summary = WarehouseSummary.Of(connection, warehouse);
        SetDefault(connection);
        WriteVerbose($"Connected to {connection}; schema version {summary.SchemaVersion}.");
        WriteObject(summary);
    });
}
