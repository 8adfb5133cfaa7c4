using System.Management.Automation;
using BackfillTools.Core.Validation;

namespace BackfillTools.Cmdlets;

/// <summary>Lists dates of upcoming_player_game_context that are stale (older than -OlderThanDays) or partial (under 90% of the players who played).</summary>
[Cmdlet(VerbsCommon.Find, "StaleUpcg")]
[OutputType(typeof(StaleUpcgDate))]
public sealed class FindStaleUpcgCommand : BackfillCmdlet
{
    [Parameter]
    [ValidateRange(0, 36500)]
    public int OlderThanDays { get; set; } = BackfillRules.StaleContextTtlDays;

    [Parameter]
    [DateArgumentTransformation]
    public DateTime? AsOf { get; set; }

    protected override void EndProcessing() => Guard(() =>
    {
        using var w = OpenWarehouse();
        var rows = StaleContext.Find(w, OlderThanDays, AsOf is { } a ? DateOnly.FromDateTime(a) : null, CancellationToken);
        WriteObject(rows, enumerateCollection: true);
    });
}
