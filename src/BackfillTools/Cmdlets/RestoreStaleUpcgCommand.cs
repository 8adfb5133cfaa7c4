using System.Management.Automation;
using BackfillTools.Core.Validation;

namespace BackfillTools.Cmdlets;

/// <summary>Undoes Clear-StaleUpcg: inserts a backup's rows back into upcoming_player_game_context (keys that exist again are left alone).</summary>
[Cmdlet(VerbsData.Restore, "StaleUpcg", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(StaleUpcgRestore))]
public sealed class RestoreStaleUpcgCommand : BackfillCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string BackupTable { get; set; } = "";

    protected override void ProcessRecord() => Guard(() =>
    {
        var table = StaleContextCleanup.ParseBackupName(BackupTable);
        using var w = OpenWarehouse();
        StaleContextCleanup.EnsureBackupExists(w, table);
        if (!ShouldProcess($"{StaleContextCleanup.BackupDataset}.{table}", "Restore its rows into nba_analytics.upcoming_player_game_context")) return;
        WriteObject(StaleContextCleanup.Restore(w, table, CancellationToken));
    });
}
