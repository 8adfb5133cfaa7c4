namespace BackfillTools.Core.Warehouse;

public enum WarehouseKind { DuckDb, BigQuery }

/// <summary>Where the warehouse is. Holds no secret: BigQuery authenticates through Application Default Credentials.</summary>
public sealed record WarehouseConnection(WarehouseKind Kind, string? Path = null, string? Project = null, string? Location = null, string DatasetPrefix = "")
{
    public static WarehouseConnection DuckDb(string path) => new(WarehouseKind.DuckDb, Path: System.IO.Path.GetFullPath(path));

    public override string ToString() => Kind == WarehouseKind.DuckDb ? $"DuckDB {Path}" : $"BigQuery {Project} ({Location ?? "default location"})";
}

/// <summary>A long operation's progress, reported from Core; cmdlets turn it into Write-Progress.</summary>
public sealed record ProgressInfo(string Activity, string Status, long Done, long Total);
