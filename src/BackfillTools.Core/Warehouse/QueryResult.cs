using System.Globalization;

namespace BackfillTools.Core.Warehouse;

/// <summary>Rows of a query, with engine values normalised to long, double, bool, string, DateOnly, DateTime.</summary>
public sealed class QueryResult
{
    private readonly Dictionary<string, int> _index;

    public QueryResult(IReadOnlyList<string> columns, IReadOnlyList<object?[]> rows)
    {
        Columns = columns;
        Rows = rows;
        _index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < columns.Count; i++) _index.TryAdd(columns[i], i);
    }

    public IReadOnlyList<string> Columns { get; }
    public IReadOnlyList<object?[]> Rows { get; }
    public int Count => Rows.Count;

    public int Ordinal(string column) =>
        _index.TryGetValue(column, out var i) ? i : throw new KeyNotFoundException($"Result has no column '{column}'.");

    public object? Value(int row, string column) => Rows[row][Ordinal(column)];

    public IEnumerable<ResultRow> AsRows() => Rows.Select(r => new ResultRow(this, r));

    public ResultRow this[int row] => new(this, Rows[row]);

    /// <summary>Convert one engine value to the CLR types the rest of Core expects.</summary>
    public static object? Normalize(object? v) => v switch
    {
        null or DBNull => null,
        int i => (long)i,
        short s => (long)s,
        sbyte sb => (long)sb,
        byte b => (long)b,
        uint ui => (long)ui,
        ulong ul => (long)ul,
        System.Numerics.BigInteger bi => (long)bi,
        decimal d => (double)d,
        float f => (double)f,
        _ => v,
    };
}

public readonly struct ResultRow
{
    private readonly QueryResult _result;
    private readonly object?[] _values;

    public ResultRow(QueryResult result, object?[] values) { _result = result; _values = values; }

    public object? this[string column] => _values[_result.Ordinal(column)];

    public bool IsNull(string column) => this[column] is null;

    public string? GetString(string column) => this[column]?.ToString();

    public long GetInt64(string column) => Convert.ToInt64(this[column] ?? 0L, CultureInfo.InvariantCulture);

    public long? GetNullableInt64(string column) => this[column] is { } v ? Convert.ToInt64(v, CultureInfo.InvariantCulture) : null;

    public double GetDouble(string column) => Convert.ToDouble(this[column] ?? 0d, CultureInfo.InvariantCulture);

    public bool GetBoolean(string column) => this[column] is { } v && Convert.ToBoolean(v, CultureInfo.InvariantCulture);

    public DateOnly GetDate(string column) => ToDate(this[column]) ?? throw new InvalidCastException($"Column '{column}' is NULL.");

    public DateOnly? GetNullableDate(string column) => ToDate(this[column]);

    public DateTime? GetNullableDateTime(string column) => this[column] switch
    {
        null => null,
        DateTime dt => dt,
        DateTimeOffset dto => dto.UtcDateTime,
        DateOnly d => d.ToDateTime(TimeOnly.MinValue),
        string s => DateTime.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
        var o => throw new InvalidCastException($"Cannot read {o.GetType().Name} as a timestamp."),
    };

    private static DateOnly? ToDate(object? v) => v switch
    {
        null => null,
        DateOnly d => d,
        DateTime dt => DateOnly.FromDateTime(dt),
        string s => DateOnly.ParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture),
        _ => DateOnly.FromDateTime(Convert.ToDateTime(v, CultureInfo.InvariantCulture)),
    };
}
