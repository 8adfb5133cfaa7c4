namespace BackfillTools.Core.Warehouse;

/// <summary>Engine-neutral column types (GoogleSQL names); the dialect renders them per engine.</summary>
public enum ColumnType { String, Int64, Float64, Bool, Date, Timestamp, Float64Array, StringArray }

public sealed record ColumnDef(string Name, ColumnType Type, bool Nullable = true, int? Scale = null);

/// <summary>
/// One table of the warehouse, declared once: DuckDB DDL and the BigQuery table resource are both rendered from it.
/// <paramref name="PartitionColumn"/> is the date column a backfill replaces atomically.
/// </summary>
public sealed record TableDef(
    string Dataset,
    string Name,
    IReadOnlyList<ColumnDef> Columns,
    IReadOnlyList<string> PrimaryKey,
    string? PartitionColumn = null,
    IReadOnlyList<string>? Clustering = null)
{
    public string FullName => $"{Dataset}.{Name}";

    /// <summary>The placeholder SQL files use for this table; rendered per engine.</summary>
    public string Placeholder => "{{" + FullName + "}}";

    public ColumnDef Column(string name) =>
        Columns.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Table {FullName} has no column '{name}'.", nameof(name));

    public IEnumerable<string> ColumnNames => Columns.Select(c => c.Name);

    /// <summary>A copy of this table under another name (staging, quarantine, backup): same columns, no keys.</summary>
    public TableDef WithName(string dataset, string name, bool keepKey = false) =>
        this with { Dataset = dataset, Name = name, PrimaryKey = keepKey ? PrimaryKey : Array.Empty<string>() };
}

/// <summary>Small helpers so table declarations read like a schema.</summary>
public static class Col
{
    public static ColumnDef Str(string name, bool nullable = true) => new(name, ColumnType.String, nullable);
    public static ColumnDef Int(string name, bool nullable = true) => new(name, ColumnType.Int64, nullable);
    public static ColumnDef Num(string name, int scale = -1, bool nullable = true) => new(name, ColumnType.Float64, nullable, scale < 0 ? null : scale);
    public static ColumnDef Bool(string name, bool nullable = true) => new(name, ColumnType.Bool, nullable);
    public static ColumnDef Date(string name, bool nullable = true) => new(name, ColumnType.Date, nullable);
    public static ColumnDef Ts(string name, bool nullable = true) => new(name, ColumnType.Timestamp, nullable);
    public static ColumnDef FloatArray(string name) => new(name, ColumnType.Float64Array);
    public static ColumnDef StrArray(string name) => new(name, ColumnType.StringArray);
}
