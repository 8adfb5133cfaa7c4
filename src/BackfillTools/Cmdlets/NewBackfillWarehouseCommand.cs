using System.Management.Automation;
using BackfillTools.Core;
using BackfillTools.Core.Samples;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Cmdlets;

/// <summary>Creates an embedded (DuckDB) warehouse with the full schema, optionally filled with the sample league.</summary>
[Cmdlet(VerbsCommon.New, "BackfillWarehouse", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(WarehouseSummary))]
public sealed class NewBackfillWarehouseCommand : BackfillCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter]
    public SwitchParameter SampleData { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(SeasonCompleter))]
    public string[] Season { get; set; } = SampleLeague.AllSeasons.ToArray();

    [Parameter]
    [ArgumentCompleter(typeof(ScenarioCompleter))]
    public string[] Scenario { get; set; } = Array.Empty<string>();

    [Parameter]
    public int Seed { get; set; } = SampleLeague.DefaultSeed;

    // Checked by SampleLeague.Validate rather than [ValidateRange], so a bad value fails with the InvalidScale ErrorId.
    [Parameter]
    public int Scale { get; set; } = 1;

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord() => Guard(() =>
    {
        var path = ResolvePath(Path);
        var options = new SampleLeagueOptions(Season, Scenario, Seed, Scale);
        if (SampleData) SampleLeague.Validate(options);
        else if (MyInvocation.BoundParameters.ContainsKey(nameof(Season)) || Scenario.Length > 0 || MyInvocation.BoundParameters.ContainsKey(nameof(Scale)))
            throw new BackfillException("SampleOptionsWithoutSampleData", ErrorKind.InvalidArgument,
                "-Season, -Scenario and -Scale describe sample data; add -SampleData, or leave them out for an empty warehouse.");

        var what = SampleData ? $"Create warehouse with sample data ({string.Join(", ", Season)})" : "Create empty warehouse";
        if (SampleData && Scale > 1)
        {
            var years = SampleLeague.SeasonYears(options);
            what += $" at scale {Scale}: {years.Count} seasons, {BackfillTools.Core.Season.Label(years.Min())} to {BackfillTools.Core.Season.Label(years.Max())}";
        }
        if (File.Exists(path)) what += " (replacing the existing file)";
        if (!ShouldProcess(path, what)) return;

        var progress = new ProgressWriter(this);
        WarehouseService.CreateDuckDb(path, Force, SampleData
            ? w => SampleLeague.Generate(w, options, progress, CancellationToken)
            : null);
        progress.Complete();

        var connection = WarehouseConnection.DuckDb(path);
        SetDefault(connection);
        using var warehouse = WarehouseService.Open(connection);
        WriteObject(WarehouseSummary.Of(connection, warehouse));
    });
}
