using System.Management.Automation;
using BackfillTools.Core.Validation;

namespace BackfillTools.Cmdlets;

/// <summary>Converts NBA official game ids (0022200886) to standard ids (20230223_DEN_CLE) and back, through the schedule.</summary>
[Cmdlet(VerbsData.ConvertTo, "GameId")]
[OutputType(typeof(GameIdMapping))]
public sealed class ConvertToGameIdCommand : BackfillCmdlet
{
    private readonly List<string> _ids = new();

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("game_id", "Id")]
    [AllowEmptyString]
    public string[] GameId { get; set; } = Array.Empty<string>();

    protected override void ProcessRecord() => _ids.AddRange(GameId);

    protected override void EndProcessing() => Guard(() =>
    {
        if (_ids.Count == 0) return;
        using var w = OpenWarehouse();
        // One schedule lookup for every id; results keep the input order, and a bad id never stops the others.
        foreach (var o in GameIdConverter.Convert(w, _ids, CancellationToken))
        {
            if (o.Error is { } e) WriteBackfillError(e);
            else WriteObject(o.Mapping);
        }
    });
}
