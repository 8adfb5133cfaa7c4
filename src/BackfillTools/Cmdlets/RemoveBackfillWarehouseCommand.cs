using System.Management.Automation;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Cmdlets;

/// <summary>
/// Deletes what BackfillTools made, and nothing else: a DuckDB file it created (with its sidecar files); from a file it
/// only connected to, its own datasets; on BigQuery, the prefixed datasets it created (labeled), refused while a
/// backfill holds the lock. The production (unprefixed) BigQuery datasets are never removed.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "BackfillWarehouse", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = DuckDbSet)]
[OutputType(typeof(void))]
public sealed class RemoveBackfillWarehouseCommand : WarehouseTargetCmdlet
{
    [Parameter(Mandatory = true, ParameterSetName = BigQuerySet)]
    [ValidatePattern(@"^[A-Za-z0-9_]+$")]
    public string DatasetPrefix { get; set; } = "";

    /// <summary>Also delete prefixed datasets without the creation label (made by an older version); they are listed in the confirmation.</summary>
    [Parameter(ParameterSetName = BigQuerySet)]
    public SwitchParameter Force { get; set; }

    protected override string Prefix => DatasetPrefix;

    protected override void ProcessRecord() => Guard(() =>
    {
        var connection = TargetConnection();
        // Refusals (not ours, a live backfill, unlabeled datasets without -Force) come before any prompt.
        var plan = WarehouseRemover.PlanRemoval(connection, Force);
        if (!ShouldProcess(Describe(plan), "Delete the warehouse")) return;

        var removed = WarehouseRemover.Remove(connection, Force);
        foreach (var item in removed) WriteVerbose($"Deleted {item}.");
        if (GetDefault() is { } current && SameWarehouse(current, connection))
        {
            ClearDefault();
            WriteVerbose("It was the session's warehouse; connect to another with Connect-BackfillWarehouse.");
        }
    });

    /// <summary>The confirmation names everything that goes; unlabeled BigQuery datasets are called out.</summary>
    private static string Describe(WarehouseRemoval plan)
    {
        if (plan.DeletesFile) return $"{plan.Target}, a warehouse created by New-BackfillWarehouse (the file and its sidecars)";
        var ours = string.Join(", ", plan.Items.Except(plan.Unlabeled));
        if (plan.Unlabeled.Count > 0)
            return $"{plan.Target}: {ours}; and, WITHOUT the creation label (an older version, or not BackfillTools'): {string.Join(", ", plan.Unlabeled)}";
        return $"{plan.Target}: {(ours.Length == 0 ? "nothing of BackfillTools' is there" : ours)}";
    }

    private static bool SameWarehouse(WarehouseConnection a, WarehouseConnection b) =>
        a.Kind == b.Kind && (a.Kind == WarehouseKind.DuckDb
            ? string.Equals(a.Path, b.Path, StringComparison.Ordinal)
            : a.Project == b.Project && a.DatasetPrefix == b.DatasetPrefix);
}
