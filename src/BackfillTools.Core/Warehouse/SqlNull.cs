namespace BackfillTools.Core.Warehouse;

/// <summary>
/// A NULL parameter value of a known type. It travels as a typed parameter (BigQuery: a query parameter without a
/// value), never spliced into the statement text, so the text sent is the registered text whatever the value.
/// </summary>
public sealed record SqlNull(ColumnType Type)
{
    public static SqlNull String { get; } = new(ColumnType.String);

    /// <summary>The value, or a STRING NULL when there is none (optional filters such as "@run_id IS NULL OR …").</summary>
    public static object OrNull(string? value) => value is null ? String : value;
}
