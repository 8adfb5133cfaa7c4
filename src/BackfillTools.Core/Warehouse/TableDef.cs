namespace BackfillTools.Core.Warehouse;

/// <summary>
/// Engine-neutral column types (GoogleSQL names); the dialect renders them per engine. Numeric, Json, Array and Struct
/// need details (precision and scale, element, fields) that a <see cref="SqlType"/> carries; Unmodeled is a type an
/// engine reports that the product never declares.
/// </summary>
public enum ColumnType { String, Int64, Float64, Bool, Date, Timestamp, Float64Array, StringArray, Numeric, Json, Array, Struct, Unmodeled }

/// <summary>
/// One column. <paramref name="Scale"/> on a FLOAT64 is the scale the product rounds to; on a NUMERIC it is the
/// declared scale. A column built from a <see cref="SqlType"/> keeps it whole in <see cref="FullType"/>.
/// </summary>
public sealed record ColumnDef(string Name, ColumnType Type, bool Nullable = true, int? Scale = null)
{
    private readonly SqlType? _declaredType;

    /// <summary>A column of any GoogleSQL type (NUMERIC(p,s), ARRAY of any element, STRUCT, JSON).</summary>
    public ColumnDef(string name, SqlType type, bool nullable = true)
        : this(name, type.ColumnKind, nullable, type.Kind == ColumnType.Numeric ? type.Scale : null) =>
        // Kept only when ColumnType cannot say it all, so equal columns are equal records however they were built.
        _declaredType = type.Equals(SqlType.OfOrNull(type.ColumnKind)) ? null : type;

    /// <summary>The complete type: the one declared, or the one <see cref="Type"/> stands for.</summary>
    public SqlType FullType => _declaredType ?? SqlType.Of(Type);
}

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
    /// <summary>BigQuery rejects a query on this table that does not filter <see cref="PartitionColumn"/> prunably.</summary>
    public bool RequirePartitionFilter { get; init; }

    /// <summary>
    /// For a require_partition_filter table, the constant predicate that admits every partition
    /// (<c>col BETWEEN DATE '0001-01-01' AND DATE '9999-12-31'</c>, <see cref="Season.AllTime"/>): what a whole-table read
    /// (a row count, a cost probe) adds so BigQuery accepts it. Null for other tables.
    /// </summary>
    public string? AllPartitionsFilter => RequirePartitionFilter
        ? $"{PartitionColumn} BETWEEN DATE '{Season.AllTime.From.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)}' AND DATE '{Season.AllTime.To.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)}'"
        : null;

    public string FullName => $"{Dataset}.{Name}";

    /// <summary>The placeholder SQL files use for this table; rendered per engine.</summary>
    public string Placeholder => "{{" + FullName + "}}";

    public ColumnDef Column(string name) =>
        Columns.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Table {FullName} has no column '{name}'.", nameof(name));

    public IEnumerable<string> ColumnNames => Columns.Select(c => c.Name);

    /// <summary>
    /// A copy of this table under another name (staging, quarantine, backup): same columns, no keys, and no partition
    /// filter requirement, because the tool reads its own copies whole.
    /// </summary>
    public TableDef WithName(string dataset, string name, bool keepKey = false) =>
        this with { Dataset = dataset, Name = name, PrimaryKey = keepKey ? PrimaryKey : Array.Empty<string>(), RequirePartitionFilter = false };
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

    /// <summary>An exact NUMERIC(precision, scale) column (DuckDB DECIMAL(p,s)).</summary>
    public static ColumnDef Numeric(string name, int precision, int scale, bool nullable = true) => new(name, SqlType.Numeric(precision, scale), nullable);

    public static ColumnDef ArrayOf(string name, SqlType element) => new(name, SqlType.ArrayOf(element));
    public static ColumnDef StructOf(string name, params StructField[] fields) => new(name, SqlType.StructOf(fields));
    public static ColumnDef JsonColumn(string name, bool nullable = true) => new(name, SqlType.Json, nullable);
}
