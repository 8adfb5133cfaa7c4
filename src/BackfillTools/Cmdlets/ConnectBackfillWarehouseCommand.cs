using System.Management.Automation;
using BackfillTools.Core;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Cmdlets;

/// <summary>Makes an existing warehouse the session default for every BackfillTools command.</summary>
[Cmdlet(VerbsCommunications.Connect, "BackfillWarehouse", DefaultParameterSetName = DuckDbSet)]
[OutputType(typeof(WarehouseSummary))]
public sealed class ConnectBackfillWarehouseCommand : BackfillCmdlet
{
    private const string DuckDbSet = "DuckDb";
    private const string BigQuerySet = "BigQuery";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = DuckDbSet, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = BigQuerySet)]
    [ValidatePattern(@"^[a-z][a-z0-9\-]{4,28}[a-z0-9]$")]
    public string BigQueryProject { get; set; } = "";

    [Parameter(ParameterSetName = BigQuerySet)]
    [Alias("Region", "BigQueryLocation")]
    [ValidateNotNullOrEmpty]
    public string? Location { get; set; }

    [Parameter(ParameterSetName = BigQuerySet)]
    [ValidatePattern(@"^[A-Za-z0-9_]*$")]
    public string DatasetPrefix { get; set; } = "";

    [Parameter(ParameterSetName = BigQuerySet)]
    [ValidateNotNull]
    public Uri? Endpoint { get; set; }

    protected override void ProcessRecord() => Guard(() =>
    {
        var connection = ParameterSetName == DuckDbSet
            ? WarehouseConnection.DuckDb(ResolvePath(Path))
            : WarehouseConnection.BigQuery(BigQueryProject, Location, DatasetPrefix, Endpoint);
        using var warehouse = WarehouseService.Open(connection);
        var summary = WarehouseSummary.Of(connection, warehouse);
        SetDefault(connection);
        WriteVerbose($"Connected to {connection}; schema version {summary.SchemaVersion}.");
        WriteObject(summary);
    });
}
