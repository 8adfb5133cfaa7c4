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

    /// <summary>Session default of Invoke-Backfill -MaxBytesBilled (BigQuery budget per run, in bytes billed).</summary>
    [Parameter]
    [ValidateRange(1, long.MaxValue)]
    public long? MaxBytesBilled { get; set; }

    /// <summary>Price per TiB billed that Get-BackfillRun uses for EstimatedCost; default the on-demand list price.</summary>
    [Parameter]
    [ValidateRange(0.0, 1_000_000.0)]
    public decimal PricePerTiB { get; set; } = Core.Warehouse.BigQuery.BigQueryPricing.OnDemandListPricePerTiB;

    /// <summary>Capacity (Editions) pricing: show bytes and slot time, no price.</summary>
    [Parameter]
    public SwitchParameter CapacityPricing { get; set; }

    /// <summary>DuckDB: the most memory a session on this warehouse may use, in MB (scratch tables go to a file).</summary>
    [Parameter(ParameterSetName = DuckDbSet)]
    [ValidateRange(WarehouseConnection.MinMemoryLimitMB, 1_048_576)]
    public int? MemoryLimitMB { get; set; }

    protected override string Prefix => DatasetPrefix;

    protected override void ProcessRecord() => Guard(() =>
    {
        var connection = TargetConnection() with
        {
            MaxBytesBilled = MaxBytesBilled, Pricing = new Core.Warehouse.BigQuery.BigQueryPricing(PricePerTiB, CapacityPricing), MemoryLimitMB = MemoryLimitMB,
        };
        using var warehouse = WarehouseService.Open(connection);
        var summary = WarehouseSummary.Of(connection, warehouse);
        SetDefault(connection);
        WriteVerbose($"Connected to {connection}; schema version {summary.SchemaVersion}.");
        WriteObject(summary);
    });
}
