using System.Management.Automation;
using BackfillTools.Core.Backfill;

namespace BackfillTools.Cmdlets;

/// <summary>
/// Waives games whose Phase 3 rows can never be filled: their dates are then published over the games that exist and
/// reported as Waived. Piped ids are collected and written at once; a bad or unknown id writes nothing.
/// </summary>
[Cmdlet(VerbsCommon.Add, "BackfillWaiver", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(BackfillWaiver))]
public sealed class AddBackfillWaiverCommand : BackfillCmdlet
{
    private readonly List<string> _ids = new();

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("game_id", "MissingGames")]
    [AllowEmptyString]
    public string[] GameId { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true)]
    [AllowEmptyString]
    public string Reason { get; set; } = "";

    protected override void ProcessRecord() => _ids.AddRange(GameId);

    protected override void EndProcessing() => Guard(() =>
    {
        if (NothingPiped(_ids.Count, "game ids", "waived")) return;
        using var w = OpenWarehouse();
        // Validated before the prompt: bad input is refused the same way with or without -WhatIf.
        var added = BackfillWaivers.Add(w, _ids, Reason, CancellationToken, waivers => ShouldProcess(
            $"game(s) {string.Join(", ", waivers.Select(x => $"{x.GameId} ({x.StandardId})"))}", "Waive (the backfill completeness check skips them)"));
        WriteObject(added, enumerateCollection: true);
    });
}
