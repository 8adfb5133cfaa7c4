using BackfillTools.Core.Schema;

namespace BackfillTools.Core.Warehouse;

/// <summary>One table's size and date range, as Get-BackfillWarehouse reports it.</summary>
public sealed record WarehouseTableInfo(string Table, string Layer, long Rows, DateOnly? MinDate, DateOnly? MaxDate, string? DateColumn);

/// <summary>Creating, opening and describing warehouses.</summary>
public static class WarehouseService
{
    /// <summary>Open a warehouse and bring its schema up to date.</summary>
    public static IWarehouse Open(WarehouseConnection connection) => Migrated(connection.Kind switch
    {
        WarehouseKind.DuckDb => DuckDbWarehouse.Open(connection.Path!),
        _ => OpenBigQuery?.Invoke(connection) ?? throw new BackfillException("BigQueryNotAvailable", ErrorKind.NotImplemented,
            "The BigQuery backend is not available in this build.", connection.Project),
    });

    private static IWarehouse Migrated(IWarehouse w)
    {
        try
        {
            new Migrator().Upgrade(w);
        }
        catch
        {
            w.Dispose();
            throw;
        }
        return w;
    }

    /// <summary>Set by the BigQuery backend (opens without migrating; Open migrates); a hook so the DuckDB path needs no Google code.</summary>
    public static Func<WarehouseConnection, IWarehouse>? OpenBigQuery { get; set; }

    /// <summary>
    /// Create a DuckDB warehouse with the full schema, optionally filled by <paramref name="fill"/>. It is built under a
    /// temporary name beside the target and moved into place only when complete: a failure leaves nothing behind.
    /// </summary>
    public static void CreateDuckDb(string path, bool overwrite, Action<IWarehouse>? fill = null)
    {
        path = System.IO.Path.GetFullPath(path);
        var dir = System.IO.Path.GetDirectoryName(path)!;
        if (!Directory.Exists(dir))
            throw new BackfillException("WarehouseDirectoryNotFound", ErrorKind.ObjectNotFound,
                $"The directory '{dir}' does not exist. Create it first, or choose another -Path.", path);
        if (Directory.Exists(path))
            throw new BackfillException("WarehousePathIsDirectory", ErrorKind.InvalidArgument, $"'{path}' is a directory; give a file name such as '{System.IO.Path.Combine(path, "backfill.duckdb")}'.", path);
        if (File.Exists(path) && !overwrite)
            throw new BackfillException("WarehouseExists", ErrorKind.ResourceExists,
                $"'{path}' already exists. Use -Force to replace it, or Connect-BackfillWarehouse -Path '{path}' to use it.", path);
        if (File.Exists(path))
            EnsureNotLocked(path);

        var temp = System.IO.Path.Combine(dir, $".{System.IO.Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            try
            {
                using var probe = File.Create(temp);
            }
            catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
            {
                throw new BackfillException("WarehouseNotWritable", ErrorKind.PermissionDenied,
                    $"Cannot create a file in '{dir}': {ex.Message}. Choose a writable location.", path, ex);
            }
            File.Delete(temp);
            using (var w = DuckDbWarehouse.Open(temp, create: true))
            {
                new Migrator().Upgrade(w);
                fill?.Invoke(w);
                w.Execute("CHECKPOINT");
            }
            File.Move(temp, path, overwrite);
            TryDelete(path + ".wal");
        }
        finally
        {
            TryDelete(temp);
            TryDelete(temp + ".wal");
        }
    }

    /// <summary>
    /// Create a BigQuery warehouse under a dataset prefix (the datasets and tables, then <paramref name="fill"/>). Never
    /// without a prefix, so sample data cannot land in the production datasets, and never over existing data.
    /// </summary>
    public static void CreateBigQuery(WarehouseConnection connection, Action<IWarehouse>? fill = null)
    {
        RequirePrefix(connection, "create");
        using var w = Open(connection);
        var rows = DataRows(Describe(w));
        if (rows > 0)
            throw new BackfillException("WarehouseNotEmpty", ErrorKind.ResourceExists,
                $"The datasets prefixed '{connection.DatasetPrefix}' in {connection.Project} already hold {rows:N0} rows. " +
                $"Remove them first (Remove-BackfillWarehouse -BigQueryProject {connection.Project} -DatasetPrefix {connection.DatasetPrefix}), or choose another prefix.",
                connection.DatasetPrefix);
        fill?.Invoke(w);
    }

    /// <summary>
    /// Delete a warehouse: a DuckDB file (only if it is one) with its sidecars, or every dataset under a BigQuery prefix.
    /// Returns what was deleted, for the caller to report.
    /// </summary>
    public static IReadOnlyList<string> Remove(WarehouseConnection connection)
    {
        if (connection.Kind == WarehouseKind.BigQuery)
        {
            RequirePrefix(connection, "remove");
            return RemoveBigQuery?.Invoke(connection) ?? throw new BackfillException("BigQueryNotAvailable", ErrorKind.NotImplemented,
                "The BigQuery backend is not available in this build.", connection.Project);
        }
        var path = connection.Path!;
        if (!File.Exists(path))
            throw new BackfillException("WarehouseNotFound", ErrorKind.ObjectNotFound, $"There is no warehouse at '{path}'.", path);
        // Opening proves it is a DuckDB file that no other process holds, so nothing else is ever deleted.
        EnsureNotLocked(path);
        var removed = new List<string>();
        var (lockPath, infoPath) = Backfill.BackfillLock.SidecarPaths(path);
        foreach (var file in new[] { path, path + ".wal", lockPath, infoPath })
        {
            if (!File.Exists(file)) continue;
            File.Delete(file);
            removed.Add(file);
        }
        return removed;
    }

    /// <summary>Set by the BigQuery backend: delete every dataset of a prefixed warehouse; returns the dataset names.</summary>
    public static Func<WarehouseConnection, IReadOnlyList<string>>? RemoveBigQuery { get; set; }

    private static void RequirePrefix(WarehouseConnection connection, string verb)
    {
        if (string.IsNullOrEmpty(connection.DatasetPrefix))
            throw new BackfillException("DatasetPrefixRequired", ErrorKind.InvalidArgument,
                $"BackfillTools does not {verb} the unprefixed (production) datasets. Give -DatasetPrefix, for example dev_ or scratch_.",
                connection.Project);
    }

    private static void EnsureNotLocked(string path)
    {
        // Opening it proves no other process holds it (and maps the lock error); close at once.
        using var w = DuckDbWarehouse.Open(path);
    }

    private static void TryDelete(string file)
    {
        try { if (File.Exists(file)) File.Delete(file); } catch (IOException) { /* best effort */ }
    }

    /// <summary>Row counts and date ranges for every declared table.</summary>
    public static IReadOnlyList<WarehouseTableInfo> Describe(IWarehouse w, CancellationToken ct = default)
    {
        var existing = w.ExistingTables();
        var list = new List<WarehouseTableInfo>();
        foreach (var t in WarehouseSchema.All.Where(t => existing.Contains(t.FullName)))
        {
            var r = w.Query(PortableSql.Describe(t), null, ct)[0];
            list.Add(new WarehouseTableInfo(t.FullName, LayerOf(t.Dataset), r.GetInt64("n"), r.GetNullableDate("lo"), r.GetNullableDate("hi"), t.PartitionColumn));
        }
        return list;
    }

    /// <summary>Rows of data (raw, analytics, precompute), not of the bookkeeping (operations) tables.</summary>
    public static long DataRows(IEnumerable<WarehouseTableInfo> tables) => tables.Where(t => t.Layer != "Operations").Sum(t => t.Rows);

    public static string LayerOf(string dataset) => dataset switch
    {
        "nba_raw" => "Raw",
        "nba_analytics" => "Analytics",
        "nba_precompute" or "nba_predictions" => "Precompute",
        _ => "Operations",
    };
}

/// <summary>A connected or created warehouse, as New-/Connect-BackfillWarehouse report it. TotalRows counts data, not bookkeeping tables.</summary>
public sealed record WarehouseSummary(string Kind, string Location, int SchemaVersion, int Tables, long TotalRows)
{
    /// <summary>The DuckDB file (null on BigQuery); binds to Connect-BackfillWarehouse -Path from the pipeline.</summary>
    public string? Path { get; init; }

    public static WarehouseSummary Of(WarehouseConnection c, IWarehouse w)
    {
        var tables = WarehouseService.Describe(w);
        return new WarehouseSummary(c.Kind.ToString(), c.Kind == WarehouseKind.DuckDb ? c.Path! : $"{c.Project}/{c.Location}",
            Schema.Migrator.CurrentVersion(w), tables.Count, WarehouseService.DataRows(tables))
        {
            Path = c.Kind == WarehouseKind.DuckDb ? c.Path : null,
        };
    }
}
