using System.Management.Automation;
using BackfillTools.Core;
using BackfillTools.Samples;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Cmdlets;

/// <summary>
/// Creates a warehouse with the full schema, optionally filled with the sample league: an embedded DuckDB file, or a
/// set of prefixed BigQuery datasets (never the production ones).
/// </summary>
[Cmdlet(VerbsCommon.New, "BackfillWarehouse", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = DuckDbSet)]
[OutputType(typeof(WarehouseSummary))]
public sealed class NewBackfillWarehouseCommand : WarehouseTargetCmdlet
{
    // Mandatory and non-empty: sample data must never land in the production (unprefixed) datasets.
    [Parameter(Mandatory = true, ParameterSetName = BigQuerySet)]
    [ValidatePattern(@"^[A-Za-z0-9_]+$")]
    public string DatasetPrefix { get; set; } = "";

    protected override string Prefix => DatasetPrefix;

    [Parameter]
    public SwitchParameter SampleData { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(SampleSeasonCompleter))]
    public string[] Season { get; set; } = SampleLeague.AllSeasons.ToArray();

    [Parameter]
    [ArgumentCompleter(typeof(ScenarioCompleter))]
    public string[] Scenario { get; set; } = Array.Empty<string>();

    [Parameter]
    public int Seed { get; set; } = SampleLeague.DefaultSeed;

    // Checked by SampleLeague.Validate rather than [ValidateRange], so a bad value fails with the InvalidScale ErrorId.
    [Parameter]
    public int Scale { get; set; } = 1;

    [Parameter(ParameterSetName = DuckDbSet)]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord() => Guard(() =>
    {
        var options = new SampleLeagueOptions(Season, Scenario, Seed, Scale);
        if (SampleData) SampleLeague.Validate(options);
        else if (MyInvocation.BoundParameters.ContainsKey(nameof(Season)) || Scenario.Length > 0 || MyInvocation.BoundParameters.ContainsKey(nameof(Scale)))
            throw new BackfillException(ErrorIds.SampleOptionsWithoutSampleData, ErrorKind.InvalidArgument,
                "-Season, -Scenario and -Scale describe sample data; add -SampleData, or leave them out for an empty warehouse.");

        var what = SampleData ? $"Create warehouse with sample data ({string.Join(", ", Season)})" : "Create empty warehouse";
        if (SampleData && Scale > 1)
        {
            var years = SampleLeague.SeasonYears(options);
            what += $" at scale {Scale}: {years.Count} seasons, {BackfillTools.Core.Domain.Season.Label(years.Min())} to {BackfillTools.Core.Domain.Season.Label(years.Max())}";
        }
        var progress = new ProgressWriter(this);
        Action<IWarehouse>? fill = SampleData ? w => SampleLeague.Generate(w, options, progress, CancellationToken) : null;

        var connection = TargetConnection();
        if (IsBigQuery)
        {
            if (!ShouldProcess($"BigQuery {BigQueryProject}, datasets {DatasetPrefix}nba_*", what)) return;
            WarehouseService.CreateBigQuery(connection, fill);
        }
        else
        {
            if (File.Exists(connection.Path)) what += " (replacing the existing file)";
            if (!ShouldProcess(connection.Path!, what)) return;
            WarehouseService.CreateDuckDb(connection.Path!, Force, fill, connection.ToolDataset);
        }
        progress.Complete();

        SetDefault(connection);
        using var warehouse = WarehouseService.Open(connection);
        WriteObject(WarehouseSummary.Of(connection, warehouse));
    });
}
