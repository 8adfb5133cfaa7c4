using System.Management.Automation;
using BackfillTools.Core.Backfill;

namespace BackfillTools.Cmdlets;

/// <summary>
/// Removes waivers, so the games count as missing again in every later run. All named waivers must exist; otherwise
/// nothing is removed. Piped ids are collected and removed in one transaction.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "BackfillWaiver", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(BackfillWaiver))]
public sealed class RemoveBackfillWaiverCommand : BackfillCmdlet
{
    private readonly List<string> _ids = new();

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("game_id")]
    [AllowEmptyString]
    public string[] GameId { get; set; } = Array.Empty<string>();

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord() => _ids.AddRange(GameId);

    protected override void EndProcessing() => Guard(() =>
    {
        if (NothingPiped(_ids.Count, "game ids", "removed")) return;
        using var w = OpenWarehouse();
        // Validate first (unknown id, no waiver): a refusal must not depend on the answer to a prompt.
        var waivers = BackfillWaivers.Find(w, _ids, CancellationToken);
        if (!ShouldProcess($"waiver(s) of game(s) {string.Join(", ", waivers.Select(x => x.GameId))}", "Remove")) return;
        var removed = BackfillWaivers.Remove(w, _ids, CancellationToken);
        if (PassThru) WriteObject(removed, enumerateCollection: true);
    });
}
