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
    // "name:" of each hashed column (with the '|' separator before all but the first), UTF-8, built once per shape.
    private readonly byte[][] _hashPrefixes;
    private byte[] _buffer = new byte[4096];

    public RowShape(TableDef table)
    {
        Table = table;
        _index = table.Columns.Select((c, i) => (c.Name, i)).ToDictionary(x => x.Name, x => x.i, StringComparer.Ordinal);
        _hashColumn = _index.GetValueOrDefault("data_hash", -1);
        _hashed = table.Columns.Select((c, i) => (c.Name, i))
            .Where(x => x.Name is not ("data_hash" or "processed_at"))
            .OrderBy(x => x.Name, StringComparer.Ordinal).Select(x => x.i).ToArray();
        _hashPrefixes = _hashed.Select((i, k) => Encoding.UTF8.GetBytes((k > 0 ? "|" : "") + table.Columns[i].Name + ":")).ToArray();
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

    // The same bytes as joining "name:value" with '|' and UTF-8 encoding, written straight into one reused buffer:
    // the production tables are wide (up to 115 columns), and building strings per row dominated generation time.
    // A shape belongs to one season's builder thread, so the buffer is never shared.
    private string Hash(object?[] values)
    {
        var length = 0;
        for (var k = 0; k < _hashed.Length; k++)
        {
            var prefix = _hashPrefixes[k];
            Ensure(ref length, prefix.Length);
            prefix.CopyTo(_buffer, length);
            length += prefix.Length;
            WriteValue(values[_hashed[k]], ref length);
        }
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(_buffer.AsSpan(0, length), digest);
        return Convert.ToHexString(digest[..8]).ToLowerInvariant();
    }

    private void Ensure(ref int length, int more)
    {
        if (length + more > _buffer.Length) Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, length + more));
    }

    private void WriteValue(object? v, ref int length)
    {
        while (true)
        {
            var span = _buffer.AsSpan(length);
            int written;
            var ok = v switch
            {
                null => Encoding.UTF8.TryGetBytes("NULL", span, out written),
                string s => Encoding.UTF8.TryGetBytes(s.AsSpan().Trim(), span, out written),
                bool b => Encoding.UTF8.TryGetBytes(b ? "true" : "false", span, out written),
                long l => l.TryFormat(span, out written, default, CultureInfo.InvariantCulture),
                double x => x.TryFormat(span, out written, "R", CultureInfo.InvariantCulture),
                DateOnly d => d.TryFormat(span, out written, "yyyy-MM-dd", CultureInfo.InvariantCulture),
                DateTime t => t.TryFormat(span, out written, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                _ => Encoding.UTF8.TryGetBytes(Format(v), span, out written),
            };
            if (ok) { length += written; return; }
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }
    }

    private static string Format(object v) => v switch
    {
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
