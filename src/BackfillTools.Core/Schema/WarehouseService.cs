using BackfillTools.Core.Warehouse.BigQuery;

namespace BackfillTools.Core.Schema;

/// <summary>One table's size and date range, as Get-BackfillWarehouse reports it.</summary>
public sealed record WarehouseTableInfo(string Table, WarehouseLayer Layer, long Rows, DateOnly? MinDate, DateOnly? MaxDate, string? DateColumn);

/// <summary>Creating, opening and describing warehouses.</summary>
public static class WarehouseService
{
    /// <summary>
    /// Open a warehouse, check that its production tables have what the product reads and writes (SchemaMismatch
    /// otherwise, with nothing written), and bring the product's own tables up to date.
    /// </summary>
    public static IWarehouse Open(WarehouseConnection connection)
    {
        return connection.Kind switch
        {
            WarehouseKind.DuckDb => OpenDuckDb(connection.Path!, connection.ToolDataset, connection.MemoryLimitMB),
            WarehouseKind.BigQuery => Connected(BigQueryWarehouse.Open(connection)),
            _ => throw new ArgumentOutOfRangeException(nameof(connection), connection.Kind, "Unknown warehouse kind."),
        };
    }

    /// <summary>
    /// What connecting does to an opened warehouse: check its production tables (SchemaMismatch, before anything is
    /// written), then bring the product's own tables up to date. Closes the warehouse when either fails.
    /// </summary>
    public static IWarehouse Connected(IWarehouse w) => Migrated(Checked(w));

    /// <summary>The production tables' check, before anything is written; the warehouse is closed when it fails.</summary>
    private static IWarehouse Checked(IWarehouse w)
    {
        try
        {
            SchemaCompatibility.EnsureCompatible(w, SchemaCompatibility.ProductionRequirements());
        }
        catch
        {
            w.Dispose();
            throw;
        }
        return w;
    }

    /// <summary>
    /// Open an existing DuckDB file as a warehouse. A file that holds no table at all is not one, and is refused rather
    /// than turned into one; a file the product did not create is recorded as 'connected' the first time.
    /// </summary>
    private static IWarehouse OpenDuckDb(string path, string toolDataset, int? memoryLimitMB)
    {
        var unchanged = CheckedDuckDbFiles.IsUnchangedSinceChecked(path, toolDataset);
        var w = DuckDbWarehouse.Open(path, toolDataset: toolDataset, memoryLimitMB: memoryLimitMB);
        try
        {
            if (w.ExistingTables().Count == 0)
                throw NotABackfillWarehouse(path, "it is an empty DuckDB database. Create a warehouse with New-BackfillWarehouse");
        }
        catch
        {
            w.Dispose();
            throw;
        }
        if (!unchanged) Connected(w);
        w.AfterClose = () => CheckedDuckDbFiles.Remember(w.Path, toolDataset);
        if (ReadOrigin(w) is null) RecordOrigin(w, WarehouseOrigin.Connected, "BackfillTools opening an existing file");
        return w;
    }

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

    /// <summary>
    /// Create a DuckDB warehouse with the full schema, optionally filled by <paramref name="fill"/>. It is built under a
    /// temporary name beside the target and moved into place only when complete: a failure leaves nothing behind.
    /// </summary>
    public static void CreateDuckDb(string path, bool overwrite, Action<IWarehouse>? fill = null, string? toolDataset = null)
    {
        path = System.IO.Path.GetFullPath(path);
        var dir = System.IO.Path.GetDirectoryName(path)!;
        if (!Directory.Exists(dir))
            throw new BackfillException(ErrorIds.WarehouseDirectoryNotFound, ErrorKind.ObjectNotFound,
                $"The directory '{dir}' does not exist. Create it first, or choose another -Path.", path);
        if (Directory.Exists(path))
            throw new BackfillException(ErrorIds.WarehousePathIsDirectory, ErrorKind.InvalidArgument, $"'{path}' is a directory; give a file name such as '{System.IO.Path.Combine(path, "backfill.duckdb")}'.", path);
        if (File.Exists(path) && !overwrite)
            throw new BackfillException(ErrorIds.WarehouseExists, ErrorKind.ResourceExists,
                $"'{path}' already exists. Use -Force to replace it, or Connect-BackfillWarehouse -Path '{path}' to use it.", path);
        if (File.Exists(path))
        {
            // -Force replaces only a file BackfillTools created; anything else may be someone else's database.
            if (InspectDuckDb(path, toolDataset) != WarehouseOrigin.Created)
                throw NotABackfillWarehouse(path, "BackfillTools did not create it, so -Force does not replace it. Choose another -Path");
            EnsureNotLocked(path);
        }

        var temp = System.IO.Path.Combine(dir, $".{System.IO.Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            try
            {
                using var probe = File.Create(temp);
            }
            catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
            {
                throw new BackfillException(ErrorIds.WarehouseNotWritable, ErrorKind.PermissionDenied,
                    $"Cannot create a file in '{dir}': {ex.Message}. Choose a writable location.", path, ex);
            }
            File.Delete(temp);
            using (var w = DuckDbWarehouse.Open(temp, create: true, toolDataset: toolDataset))
            {
                new Migrator().Upgrade(w);
                RecordOrigin(w, WarehouseOrigin.Created, "New-BackfillWarehouse");
                fill?.Invoke(w);
                w.Execute("CHECKPOINT");
            }
            File.Move(temp, path, overwrite);
            TryDelete(DuckDbFiles.WriteAheadLog(path));
        }
        finally
        {
            TryDelete(temp);
            TryDelete(DuckDbFiles.WriteAheadLog(temp));
        }
    }

    /// <summary>
    /// Create a BigQuery warehouse under a dataset prefix (the datasets and tables, then <paramref name="fill"/>). Never
    /// without a prefix, so sample data cannot land in the production datasets, and never over existing data. The only
    /// path besides a new DuckDB file that creates production tables (a replica's).
    /// </summary>
    public static void CreateBigQuery(WarehouseConnection connection, Action<IWarehouse>? fill = null)
    {
        RequirePrefix(connection, "create");
        using var w = BigQueryWarehouse.Open(connection);
        foreach (var t in WarehouseSchema.ProductionTables) w.EnsureTable(t);
        Migrated(w);
        var rows = DataRows(Describe(w));
        if (rows > 0)
            throw new BackfillException(ErrorIds.WarehouseNotEmpty, ErrorKind.ResourceExists,
                $"The datasets prefixed '{connection.DatasetPrefix}' in {connection.Project} already hold {rows:N0} rows. " +
                $"Remove them first (Remove-BackfillWarehouse -BigQueryProject {connection.Project} -DatasetPrefix {connection.DatasetPrefix}), or choose another prefix.",
                connection.DatasetPrefix);
        fill?.Invoke(w);
    }

    /// <summary>
    /// Who made this DuckDB file, read without changing it: Created, Connected, or null (not a BackfillTools warehouse:
    /// empty, not DuckDB, unreadable, or a database without the marker). The header is checked before DuckDB opens it.
    /// </summary>
    public static WarehouseOrigin? InspectDuckDb(string path, string? toolDataset = null)
    {
        if (!DuckDbWarehouse.HasDuckDbHeader(path)) return null;
        try
        {
            using var w = DuckDbWarehouse.Open(path, readOnly: true, toolDataset: toolDataset);
            return ReadOrigin(w);
        }
        catch (BackfillException ex) when (ex.ErrorId is "WarehouseNotDuckDb" or "WarehouseOpenFailed")
        {
            return null;
        }
    }

    private static WarehouseOrigin? ReadOrigin(IWarehouse w)
    {
        // Where versions before 8 kept it, until migration 8 moves it.
        var table = new[] { WarehouseSchema.WarehouseOrigin, ToolDatasetMigration.Moves.Single(m => m.To == WarehouseSchema.WarehouseOrigin).From }
            .FirstOrDefault(t => w.ExistingTables().Contains(t.FullName));
        if (table is null) return null;
        var origins = w.Query(ReadOriginFromSql(table)).AsRows().Select(r => r.GetString("origin")).ToList();
        // 'connected' wins: a created row alongside it can only come from copying tables around, and deleting is the risk.
        if (origins.Contains(OriginConnected)) return WarehouseOrigin.Connected;
        return origins.Contains(OriginCreated) ? WarehouseOrigin.Created : null;
    }

    private const string OriginCreated = "created";
    private const string OriginConnected = "connected";

    private static void RecordOrigin(IWarehouse w, WarehouseOrigin origin, string recordedBy) =>
        w.Execute(RecordOriginSql, WarehouseExtensions.Params(
            ("origin", origin == WarehouseOrigin.Created ? OriginCreated : OriginConnected), ("at", DateTime.UtcNow), ("tv", ToolInfo.Version), ("by", recordedBy)));

    internal static string ReadOriginSql => ReadOriginFromSql(WarehouseSchema.WarehouseOrigin);

    private static string ReadOriginFromSql(TableDef table) => $"SELECT origin FROM {table.Placeholder}";

    /// <summary>Describe's per-table statement.</summary>
    internal static string DescribeSql(TableDef t) => t.PartitionColumn is null
        ? $"SELECT COUNT(*) AS n, CAST(NULL AS DATE) AS lo, CAST(NULL AS DATE) AS hi FROM {t.Placeholder}"
        : $"SELECT COUNT(*) AS n, MIN({t.PartitionColumn}) AS lo, MAX({t.PartitionColumn}) AS hi FROM {t.Placeholder}"
          // BigQuery refuses to scan a require_partition_filter table without a constant bound.
          + (t.AllPartitionsFilter is { } all ? $" WHERE {all}" : "");

    [StatementCatalog]
    internal static IEnumerable<RegisteredStatement> Catalog()
    {
        yield return new("WarehouseService.RecordOrigin", RecordOriginSql,
            WarehouseExtensions.Params(("origin", OriginCreated), ("at", new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc)), ("tv", "0.0.0"), ("by", "New-BackfillWarehouse")));
        yield return new("WarehouseService.ReadOrigin", ReadOriginSql);
        foreach (var t in WarehouseSchema.All) yield return new($"WarehouseService.Describe[{t.FullName}]", DescribeSql(t));
    }

    internal static string RecordOriginSql =>
        $"INSERT INTO {WarehouseSchema.WarehouseOrigin.Placeholder} (origin, recorded_at, tool_version, recorded_by) VALUES (@origin, @at, @tv, @by)";

    internal static BackfillException NotABackfillWarehouse(string path, string why) =>
        new(ErrorIds.NotABackfillWarehouse, ErrorKind.InvalidData, $"'{path}' is not a BackfillTools warehouse: {why}. Nothing was changed.", path);

    internal static void RequirePrefix(WarehouseConnection connection, string verb)
    {
        if (string.IsNullOrEmpty(connection.DatasetPrefix))
            throw new BackfillException(ErrorIds.DatasetPrefixRequired, ErrorKind.InvalidArgument,
                $"BackfillTools does not {verb} the unprefixed (production) datasets. Give -DatasetPrefix, for example dev_ or scratch_.",
                connection.Project);
    }

    internal static void EnsureNotLocked(string path)
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
            var r = w.Query(DescribeSql(t), null, ct)[0];
            list.Add(new WarehouseTableInfo(t.FullName, LayerOf(t.Dataset), r.GetInt64("n"), r.GetNullableDate("lo"), r.GetNullableDate("hi"), t.PartitionColumn));
        }
        return list;
    }

    /// <summary>Rows of data (raw, analytics, precompute), not of the bookkeeping (operations) tables.</summary>
    public static long DataRows(IEnumerable<WarehouseTableInfo> tables) => tables.Where(t => t.Layer != WarehouseLayer.Operations).Sum(t => t.Rows);

    public static WarehouseLayer LayerOf(string dataset) => dataset switch
    {
        "nba_raw" => WarehouseLayer.Raw,
        "nba_analytics" => WarehouseLayer.Analytics,
        "nba_precompute" or "nba_predictions" => WarehouseLayer.Precompute,
        _ => WarehouseLayer.Operations,
    };
}

/// <summary>Whether BackfillTools created a warehouse or was connected to one that already held tables.</summary>
public enum WarehouseOrigin { Created, Connected }

/// <summary>
/// What Remove-BackfillWarehouse will delete: the whole file (<see cref="DeletesFile"/>), or the listed datasets and
/// tables. <see cref="Unlabeled"/> are BigQuery datasets without the creation label (older versions), deleted only with -Force.
/// </summary>
public sealed record WarehouseRemoval(string Target, bool DeletesFile, IReadOnlyList<string> Items, IReadOnlyList<string> Unlabeled);

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
