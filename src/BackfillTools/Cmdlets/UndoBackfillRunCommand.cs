using System.Management.Automation;
using BackfillTools.Core.Backfill;

namespace BackfillTools.Cmdlets;

/// <summary>
/// Takes back a backfill run: every partition it published gets the state its publish replaced (kept in the publish
/// archive of the tool dataset), one published batch per transaction, under the backfill lock. Partitions changed since
/// the run are refused unless -Force. The undo is itself a run in the ledger; the undone run reads Undone.
/// </summary>
[Cmdlet(VerbsCommon.Undo, "BackfillRun", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(UndoResult))]
public sealed class UndoBackfillRunCommand : BackfillCmdlet
{
    /// <summary>The run to take back (Get-BackfillRun lists them; a run object can be piped).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string RunId { get; set; } = "";

    /// <summary>Restore also the partitions changed since the run (republished later, or rows edited); recorded in the undo log.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord() => Guard(() =>
    {
        var connection = ResolveConnection();
        IReadOnlyList<UndoResult> preview;
        // On DuckDB a running backfill or undo holds the file: its lock refuses first (BackfillInProgress, naming it),
        // rather than the engine's own file-lock error. Released before the undo takes it for good.
        using (connection.Kind == WarehouseKind.DuckDb ? BackfillLock.Acquire(connection.Path!, LockHolder.Current($"preview of the undo of {RunId}", DateTime.UtcNow)) : null)
        using (var w = OpenWarehouse()) preview = UndoService.Preview(w, RunId, CancellationToken);
        if (preview.Count == 0)
        {
            // Nothing to restore: the service only completes the Undone status a kill after the last batch left unset.
            if (MyInvocation.BoundParameters.ContainsKey("WhatIf")) WriteWarning($"Run {RunId} has nothing left to undo.");
            else UndoService.Run(connection, RunId, Force, new BackfillCallbacks { Warning = WriteWarning }, CancellationToken);
            return;
        }
        var changed = preview.Count(p => p.ChangedSince is not null);
        var description = $"Undo run {RunId}: restore {preview.Count} partition(s) " +
                          $"({preview.Sum(p => p.RowsRestored)} row(s) restored, {preview.Sum(p => p.RowsReinserted)} re-inserted, {preview.Sum(p => p.RowsRemoved)} removed)" +
                          (changed > 0 ? $", {changed} of them changed since the run" : "");
        if (MyInvocation.BoundParameters.ContainsKey("WhatIf"))
        {
            // -WhatIf lists the partitions with their row counts, the changed ones with why (ChangedSince).
            ShouldProcess(connection.ToString(), description);
            WriteObject(preview, enumerateCollection: true);
            return;
        }
        // The refusal comes before the prompt: it must not depend on its answer.
        if (!Force && UndoService.Refusal(RunId, preview) is { } refusal) throw refusal;
        if (!ShouldProcess(connection.ToString(), description)) return;
        var results = UndoService.Run(connection, RunId, Force, new BackfillCallbacks { Verbose = WriteVerbose, Warning = WriteWarning }, CancellationToken);
        WriteObject(results, enumerateCollection: true);
    });
}
