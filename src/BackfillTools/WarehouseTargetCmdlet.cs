using System.Management.Automation;
using BackfillTools.Core.Warehouse;

namespace BackfillTools;

/// <summary>
/// Base of the cmdlets that name a warehouse themselves (New-, Connect-, Remove-BackfillWarehouse): a DuckDB file
/// (-Path), or a BigQuery project (-BigQueryProject, -Location, -Endpoint, and each cmdlet's own -DatasetPrefix, which
/// Connect makes optional and New/Remove require).
/// </summary>
public abstract class WarehouseTargetCmdlet : BackfillCmdlet
{
    protected const string DuckDbSet = "DuckDb";
    protected const string BigQuerySet = "BigQuery";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = DuckDbSet, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = BigQuerySet)]
    [ValidatePattern(@"^[a-z][a-z0-9\-]{4,28}[a-z0-9]$")]
    public string BigQueryProject { get; set; } = "";

    [Parameter(ParameterSetName = BigQuerySet)]
    [Alias("Region", "BigQueryLocation")]
    [ValidateNotNullOrEmpty]
    public string? Location { get; set; }

    [Parameter(ParameterSetName = BigQuerySet)]
    [ValidateNotNull]
    public Uri? Endpoint { get; set; }

    /// <summary>
    /// The dataset the product keeps its own data in (default backfilltools; staging and quarantine beside it). Never a
    /// production dataset's name. On BigQuery -DatasetPrefix prefixes it like every other dataset.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ToolDataset { get; set; }

    /// <summary>The value of the cmdlet's -DatasetPrefix.</summary>
    protected abstract string Prefix { get; }

    protected bool IsBigQuery => ParameterSetName == BigQuerySet;

    /// <summary>The warehouse the parameters name (a relative -Path resolved against the PowerShell location).</summary>
    protected WarehouseConnection TargetConnection() => (IsBigQuery
        ? WarehouseConnection.BigQuery(BigQueryProject, Location, Prefix, Endpoint)
        : WarehouseConnection.DuckDb(ResolvePath(Path))).WithToolDataset(ToolDataset);
}
