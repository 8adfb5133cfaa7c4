using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Samples;

/// <summary>
/// Builds appender rows by column name, so a row cannot silently shift when a table gains a column, and fills
/// data_hash the way the reference does (SHA-256 of sorted "field:value" pairs, first 16 hex digits).
/// </summary>
internal sealed class RowShape
{
    private readonly Dictionary<string, int> _index;
    private readonly int _hashColumn;
    private readonly int[] _hashed;

    public RowShape(TableDef table)
    {
        Table = table;
        _index = table.Columns.Select((c, i) => (c.Name, i)).ToDictionary(x => x.Name, x => x.i, StringComparer.Ordinal);
        _hashColumn = _index.GetValueOrDefault("data_hash", -1);
        _hashed = table.Columns.Select((c, i) => (c.Name, i))
            .Where(x => x.Name is not ("data_hash" or "processed_at"))
            .OrderBy(x => x.Name, StringComparer.Ordinal).Select(x => x.i).ToArray();
    }

    public TableDef Table { get; }

    public Row New() => new(this, new object?[Table.Columns.Count]);

    internal int IndexOf(string column) =>
        _index.TryGetValue(column, out var i) ? i : throw new ArgumentException($"{Table.FullName} has no column '{column}'.");

    internal object?[] Complete(object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
            if (values[i] is null && !Table.Columns[i].Nullable && i != _hashColumn)
                throw new InvalidOperationException($"{Table.FullName}.{Table.Columns[i].Name} is NOT NULL but was not set.");
        if (_hashColumn >= 0) values[_hashColumn] = Hash(values);
        return values;
    }

    private string Hash(object?[] values)
    {
        var sb = new StringBuilder(512);
        foreach (var i in _hashed)
        {
            if (sb.Length > 0) sb.Append('|');
            sb.Append(Table.Columns[i].Name).Append(':').Append(Format(values[i]));
        }
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString()), digest);
        return Convert.ToHexString(digest[..8]).ToLowerInvariant();
    }

    private static string Format(object? v) => v switch
    {
        null => "NULL",
        string s => s.Trim(),
        bool b => b ? "true" : "false",
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        double x => x.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };

    internal readonly struct Row
    {
        private readonly RowShape _shape;
        private readonly object?[] _values;

        internal Row(RowShape shape, object?[] values)
        {
            _shape = shape;
            _values = values;
        }

        public object? this[string column]
        {
            get => _values[_shape.IndexOf(column)];
            set => _values[_shape.IndexOf(column)] = value;
        }

        public object?[] Done() => _shape.Complete(_values);
    }
}
