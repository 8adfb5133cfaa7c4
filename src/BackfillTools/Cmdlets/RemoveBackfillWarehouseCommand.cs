using System.Management.Automation;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Cmdlets;

/// <summary>
/// Deletes a warehouse: a DuckDB file (only if it is one, and no process holds it) with its sidecar files, or every
/// dataset of a prefixed BigQuery warehouse. The production (unprefixed) BigQuery datasets are never removed.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "BackfillWarehouse", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = DuckDbSet)]
[OutputType(typeof(void))]
public sealed class RemoveBackfillWarehouseCommand : WarehouseTargetCmdlet
{
    [Parameter(Mandatory = true, ParameterSetName = BigQuerySet)]
    [ValidatePattern(@"^[A-Za-z0-9_]+$")]
    public string DatasetPrefix { get; set; } = "";

    protected override string Prefix => DatasetPrefix;

    protected override void ProcessRecord() => Guard(() =>
    {
        var connection = TargetConnection();
        var target = connection.Kind == WarehouseKind.BigQuery
            ? $"BigQuery {BigQueryProject}: every dataset named {DatasetPrefix}nba_* and their tables"
            : connection.Path!;
        if (!ShouldProcess(target, "Delete the warehouse")) return;

        var removed = WarehouseService.Remove(connection);
        foreach (var item in removed) WriteVerbose($"Deleted {item}.");
        if (GetDefault() is { } current && SameWarehouse(current, connection))
        {
            ClearDefault();
            WriteVerbose("It was the session's warehouse; connect to another with Connect-BackfillWarehouse.");
        }
    });

    private static bool SameWarehouse(WarehouseConnection a, WarehouseConnection b) =>
        a.Kind == b.Kind && (a.Kind == WarehouseKind.DuckDb
            ? string.Equals(a.Path, b.Path, StringComparison.Ordinal)
            : a.Project == b.Project && a.DatasetPrefix == b.DatasetPrefix);
}
