using System.Management.Automation;
using BackfillTools.Core.Backfill;

namespace BackfillTools.Cmdlets;

/// <summary>Reads the waived games from the ledger, in game-date order.</summary>
[Cmdlet(VerbsCommon.Get, "BackfillWaiver")]
[OutputType(typeof(BackfillWaiver))]
public sealed class GetBackfillWaiverCommand : BackfillCmdlet
{
    private readonly List<string> _ids = new();

    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("game_id")]
    [ValidateNotNullOrEmpty]
    public string[]? GameId { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Season { get; set; }

    protected override void ProcessRecord()
    {
        if (GameId is not null) _ids.AddRange(GameId);
    }

    protected override void EndProcessing() => Guard(() =>
    {
        var seasons = Season?.Select(s => Core.Domain.Season.Label(Core.Domain.Season.Parse(s))).ToHashSet();
        using var w = OpenWarehouse();
        var waivers = _ids.Count > 0 ? BackfillWaivers.Find(w, _ids, CancellationToken) : BackfillWaivers.Get(w, CancellationToken);
        WriteObject(waivers.Where(x => seasons is null || (x.Season is { } s && seasons.Contains(s))), enumerateCollection: true);
    });
}
