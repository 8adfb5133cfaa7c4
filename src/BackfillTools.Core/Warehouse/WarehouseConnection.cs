using BackfillTools.Core.Warehouse.BigQuery;

namespace BackfillTools.Core.Warehouse;

public enum WarehouseKind { DuckDb, BigQuery }

/// <summary>
/// Where the warehouse is. Holds no secret: BigQuery authenticates through Application Default Credentials.
/// <paramref name="Endpoint"/> points BigQuery calls at an emulator instead of bigquery.googleapis.com.
/// </summary>
public sealed record WarehouseConnection(WarehouseKind Kind, string? Path = null, string? Project = null, string? Location = null,
    string DatasetPrefix = "", Uri? Endpoint = null)
{
    /// <summary>Session budget of a BigQuery run in bytes billed (Connect-BackfillWarehouse -MaxBytesBilled); -MaxBytesBilled on Invoke-Backfill wins.</summary>
    public long? MaxBytesBilled { get; init; }

    /// <summary>
    /// DuckDB's memory limit in MB for every session on this warehouse (Connect-BackfillWarehouse -MemoryLimitMB); null
    /// leaves DuckDB's default (80 % of the machine's memory). Under a limit the scratch tables live in a file.
    /// </summary>
    public int? MemoryLimitMB { get; init; }

    /// <summary>The smallest -MemoryLimitMB: below it DuckDB cannot hold the blocks of one wide table's write.</summary>
    public const int MinMemoryLimitMB = 256;

    /// <summary>
    /// What one DuckDB thread needs under a memory limit: writing MLFS (263 columns) pins a block of every column per
    /// thread. Measured on the sample league: 400 MB ran one thread and failed with two, 300 MB failed with one.
    /// </summary>
    public const int MemoryPerThreadMB = 400;

    /// <summary>How Get-BackfillRun prices bytes billed (Connect-BackfillWarehouse -PricePerTiB / -CapacityPricing).</summary>
    public BigQueryPricing Pricing { get; init; } = BigQueryPricing.Default;

    /// <summary>
    /// The dataset the product keeps its own data in (Connect-/New-/Remove-BackfillWarehouse -ToolDataset); staging and
    /// quarantine are beside it (<c>_staging</c>, <c>_quarantine</c>). With <see cref="DatasetPrefix"/> it is prefixed too.
    /// </summary>
    public string ToolDataset { get; init; } = DatasetNames.Tool;

    /// <summary>This connection with another tool dataset; a production dataset's name (or an invalid name) is refused.</summary>
    public WarehouseConnection WithToolDataset(string? toolDataset)
    {
        if (string.IsNullOrEmpty(toolDataset)) return this;
        if (!System.Text.RegularExpressions.Regex.IsMatch(toolDataset, "^[A-Za-z_][A-Za-z0-9_]{0,1000}$"))
            throw new BackfillException(ErrorIds.InvalidToolDataset, ErrorKind.InvalidArgument,
                $"-ToolDataset '{toolDataset}' is not a dataset name: letters, digits and underscores, not starting with a digit.", toolDataset);
        if (DatasetNames.Production.Contains(toolDataset, StringComparer.OrdinalIgnoreCase))
            throw new BackfillException(ErrorIds.ToolDatasetIsProduction, ErrorKind.InvalidArgument,
                $"-ToolDataset '{toolDataset}' is a production dataset; the product keeps its data in a dataset of its own, such as '{DatasetNames.Tool}'.", toolDataset);
        return this with { ToolDataset = toolDataset };
    }

    /// <summary>The variable Google's client libraries read for a BigQuery emulator ("host:port").</summary>
    public const string EmulatorHostVariable = "BIGQUERY_EMULATOR_HOST";

    public static WarehouseConnection DuckDb(string path) => new(WarehouseKind.DuckDb, Path: System.IO.Path.GetFullPath(path));

    /// <summary>A BigQuery connection as the cmdlets take it: the endpoint from -Endpoint, else the emulator variable.</summary>
    public static WarehouseConnection BigQuery(string project, string? location, string datasetPrefix, Uri? endpoint)
    {
        var connection = new WarehouseConnection(WarehouseKind.BigQuery, Project: project, Location: location, DatasetPrefix: datasetPrefix,
            Endpoint: BigQueryEndpoint(endpoint));
        connection.CheckEndpoint();
        return connection;
    }

    /// <summary>
    /// Refuses an endpoint that is not an absolute http(s) URL (InvalidEndpoint), or that is plain http to anything but
    /// this machine (InsecureEndpoint): Google credentials travel over TLS only, and an http emulator must be local.
    /// Runs before any credential is looked up.
    /// </summary>
    public void CheckEndpoint()
    {
        if (Endpoint is null) return;
        if (!(Endpoint.IsAbsoluteUri && Endpoint.Scheme is "http" or "https"))
            throw new BackfillException(ErrorIds.InvalidEndpoint, ErrorKind.InvalidArgument,
                $"-Endpoint must be an absolute http(s) URL such as http://localhost:9050/, not '{Endpoint}'.", Endpoint.ToString());
        if (!Transport.IsTlsOrLoopback(Endpoint))
            throw new BackfillException(ErrorIds.InsecureEndpoint, ErrorKind.InvalidArgument, IsEmulator
                ? $"-Endpoint '{Endpoint}' uses plain http on another machine: http is accepted only for an emulator on this machine (localhost, 127.0.0.1, ::1); use https."
                : $"-Endpoint '{Endpoint}' would send Google credentials without TLS: use https://{Endpoint.Authority}/.", Endpoint.ToString());
    }

    /// <summary>An explicit endpoint, else <see cref="EmulatorHostVariable"/>, else null (the real service).</summary>
    public static Uri? BigQueryEndpoint(Uri? explicitEndpoint)
    {
        if (explicitEndpoint is not null) return explicitEndpoint;
        var host = Environment.GetEnvironmentVariable(EmulatorHostVariable);
        if (string.IsNullOrWhiteSpace(host)) return null;
        return Uri.TryCreate(host.Contains("://", StringComparison.Ordinal) ? host : "http://" + host, UriKind.Absolute, out var uri)
            ? uri
            : throw new BackfillException(ErrorIds.InvalidEmulatorHost, ErrorKind.InvalidArgument,
                $"${EmulatorHostVariable} must be host:port (for example localhost:9050), not '{host}'.", host);
    }

    /// <summary>Google credentials are only ever sent to Google (over TLS, see <see cref="CheckEndpoint"/>): any other endpoint is an emulator and gets none.</summary>
    public bool IsEmulator => Endpoint is not null && !Endpoint.Host.EndsWith(".googleapis.com", StringComparison.OrdinalIgnoreCase);

    public override string ToString() => Kind == WarehouseKind.DuckDb
        ? $"DuckDB {Path}"
        : $"BigQuery {Project} ({Location ?? "default location"}){(Endpoint is null ? "" : $" at {Endpoint}")}";
}

/// <summary>A long operation's progress, reported from Core; cmdlets turn it into Write-Progress.</summary>
public sealed record ProgressInfo(string Activity, string Status, long Done, long Total);
