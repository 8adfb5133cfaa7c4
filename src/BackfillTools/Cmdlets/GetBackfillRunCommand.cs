using System.Management.Automation;
using BackfillTools.Core.Backfill;

namespace BackfillTools.Cmdlets;

/// <summary>Reads backfill runs from the ledger, newest first.</summary>
[Cmdlet(VerbsCommon.Get, "BackfillRun", DefaultParameterSetName = "Last")]
[OutputType(typeof(BackfillRunInfo))]
public sealed class GetBackfillRunCommand : BackfillCmdlet
{
    [Parameter(Position = 0, ParameterSetName = "RunId", ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? RunId { get; set; }

    [Parameter(ParameterSetName = "Last")]
    [ValidateRange(1, int.MaxValue)]
    public int Last { get; set; } = 20;

    protected override void ProcessRecord() => Guard(() =>
    {
        using var w = OpenWarehouse();
        var ledger = new BackfillLedger(w);
        if (RunId is null)
        {
            WriteObject(ledger.GetRuns(null, Last), enumerateCollection: true);
            return;
        }
        foreach (var id in RunId)
        {
            if (ledger.GetRun(id) is { } run) WriteObject(run);
            else WriteError(ToErrorRecord(new Core.BackfillException("RunNotFound", Core.ErrorKind.ObjectNotFound,
                $"No backfill run '{id}' in the ledger. Get-BackfillRun lists the runs.", id)));
        }
    });
}
