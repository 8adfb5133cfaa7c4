using System.Globalization;
using System.Text;

namespace BackfillTools.Core.Warehouse;

/// <summary>
/// A complete GoogleSQL column type: a kind plus what <see cref="ColumnType"/> alone cannot say (NUMERIC precision and
/// scale, an ARRAY's element type, a STRUCT's named fields). Two types are equal when their GoogleSQL text is, so a
/// comparison never depends on how a type was built. <see cref="ToString"/> is the GoogleSQL text.
/// </summary>
public sealed class SqlType : IEquatable<SqlType>
{
    private SqlType(ColumnType kind, int? precision = null, int? scale = null, SqlType? element = null,
        IReadOnlyList<StructField>? fields = null, string? unmodeledName = null)
    {
        Kind = kind;
        Precision = precision;
        Scale = scale;
        Element = element;
        Fields = fields ?? Array.Empty<StructField>();
        UnmodeledName = unmodeledName;
        _text = Render();
    }

    private readonly string _text;

    /// <summary>String, Int64, Float64, Bool, Date, Timestamp, Numeric, Json, Array, Struct or Unmodeled (never Float64Array/StringArray).</summary>
    public ColumnType Kind { get; }

    /// <summary>
    /// A single value a row holds in place: not an ARRAY, a STRUCT, or a type the product does not model. DuckDB updates
    /// a column of such a type in place, and a column of any other as a delete and insert of the row.
    /// </summary>
    public bool IsScalar => Kind is not (ColumnType.Array or ColumnType.Float64Array or ColumnType.StringArray or ColumnType.Struct or ColumnType.Unmodeled);

    /// <summary>NUMERIC precision; null for a bare NUMERIC (BigQuery's NUMERIC(38,9)).</summary>
    public int? Precision { get; }

    public int? Scale { get; }
    public SqlType? Element { get; }
    public IReadOnlyList<StructField> Fields { get; }

    /// <summary>The engine's name of a type the product never declares (BYTES, DATETIME, SMALLINT…), kept so a mismatch can name it.</summary>
    public string? UnmodeledName { get; }

    public static SqlType String { get; } = new(ColumnType.String);
    public static SqlType Int64 { get; } = new(ColumnType.Int64);
    public static SqlType Float64 { get; } = new(ColumnType.Float64);
    public static SqlType Bool { get; } = new(ColumnType.Bool);
    public static SqlType Date { get; } = new(ColumnType.Date);
    public static SqlType Timestamp { get; } = new(ColumnType.Timestamp);
    public static SqlType Json { get; } = new(ColumnType.Json);

    /// <summary>NUMERIC(precision, scale) within GoogleSQL's limits: 0 ≤ scale ≤ 9, max(1, scale) ≤ precision ≤ scale + 29.</summary>
    public static SqlType Numeric(int? precision = null, int? scale = null)
    {
        if (precision is null && scale is not null) throw new ArgumentException("NUMERIC with a scale needs a precision.");
        var s = scale ?? 0;
        if (precision is { } p && (s is < 0 or > 9 || p < Math.Max(1, s) || p > s + 29))
            throw new ArgumentException($"NUMERIC({p}, {s}) is outside GoogleSQL's limits (0 ≤ scale ≤ 9, max(1, scale) ≤ precision ≤ scale + 29).");
        return new(ColumnType.Numeric, precision, precision is null ? null : s);
    }

    /// <summary>
    /// A value for this NUMERIC type as the decimal the column holds: rounded half away from zero to the declared
    /// scale, as BigQuery does on assignment (a double converts at its 15 significant digits first, so 0.1 stays 0.1).
    /// </summary>
    public decimal NumericValue(object value)
    {
        var d = value as decimal? ?? Convert.ToDecimal(value, CultureInfo.InvariantCulture);
        return Math.Round(d, Scale ?? 9, MidpointRounding.AwayFromZero);
    }

    public static SqlType ArrayOf(SqlType element) =>
        element.Kind == ColumnType.Array
            ? throw new ArgumentException("GoogleSQL has no ARRAY of ARRAY; wrap the inner array in a STRUCT.")
            : new(ColumnType.Array, element: element);

    public static SqlType StructOf(IEnumerable<StructField> fields)
    {
        var list = fields.ToList();
        if (list.Count == 0) throw new ArgumentException("A STRUCT needs at least one field.");
        var duplicate = list.GroupBy(f => f.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"STRUCT field '{duplicate.Key}' appears twice.");
        return new(ColumnType.Struct, fields: list);
    }

    public static SqlType StructOf(params StructField[] fields) => StructOf((IEnumerable<StructField>)fields);

    public static SqlType Unmodeled(string engineName) => new(ColumnType.Unmodeled, unmodeledName: engineName.Trim());

    /// <summary>The type a plain <see cref="ColumnType"/> stands for (a bare Numeric is BigQuery's NUMERIC).</summary>
    public static SqlType Of(ColumnType type) => type switch
    {
        ColumnType.String => String,
        ColumnType.Int64 => Int64,
        ColumnType.Float64 => Float64,
        ColumnType.Bool => Bool,
        ColumnType.Date => Date,
        ColumnType.Timestamp => Timestamp,
        ColumnType.Float64Array => ArrayOf(Float64),
        ColumnType.StringArray => ArrayOf(String),
        ColumnType.Numeric => Numeric(),
        ColumnType.Json => Json,
        _ => throw new ArgumentException($"{type} needs its details (element type, fields, name); build it with SqlType's factories.", nameof(type)),
    };

    internal static SqlType? OfOrNull(ColumnType type) =>
        type is ColumnType.Array or ColumnType.Struct or ColumnType.Unmodeled ? null : Of(type);

    /// <summary>
    /// The <see cref="ColumnType"/> a <see cref="ColumnDef"/> of this type carries: value conversions switch on it, so
    /// ARRAY&lt;FLOAT64&gt; and ARRAY&lt;STRING&gt; keep their established kinds.
    /// </summary>
    public ColumnType ColumnKind => Kind == ColumnType.Array && Element!.Equals(Float64) ? ColumnType.Float64Array
        : Kind == ColumnType.Array && Element!.Equals(String) ? ColumnType.StringArray
        : Kind;

    /// <summary>The (precision, scale) a NUMERIC holds; a bare NUMERIC is (38, 9).</summary>
    public (int Precision, int Scale) NumericDigits => Kind == ColumnType.Numeric
        ? (Precision ?? 38, Precision is null ? 9 : Scale ?? 0)
        : throw new InvalidOperationException($"{this} is not NUMERIC.");

    public override string ToString() => _text;

    public bool Equals(SqlType? other) => other is not null && string.Equals(_text, other._text, StringComparison.Ordinal);
    public override bool Equals(object? obj) => Equals(obj as SqlType);
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(_text);

    private string Render() => Kind switch
    {
        ColumnType.String => "STRING",
        ColumnType.Int64 => "INT64",
        ColumnType.Float64 => "FLOAT64",
        ColumnType.Bool => "BOOL",
        ColumnType.Date => "DATE",
        ColumnType.Timestamp => "TIMESTAMP",
        ColumnType.Json => "JSON",
        ColumnType.Numeric => Precision is { } p ? $"NUMERIC({p},{Scale})" : "NUMERIC",
        ColumnType.Array => $"ARRAY<{Element}>",
        ColumnType.Struct => $"STRUCT<{string.Join(", ", Fields.Select(f => $"{f.Name} {f.Type}"))}>",
        ColumnType.Unmodeled => UnmodeledName!,
        _ => throw new ArgumentOutOfRangeException(nameof(Kind)),
    };

    // ------------------------------------------------------------------ parsing

    /// <summary>
    /// Parse GoogleSQL type text as BigQuery DDL and production-schema.json write it: STRING, INT64, FLOAT64, BOOL,
    /// DATE, TIMESTAMP, JSON, NUMERIC[(p[, s])], ARRAY&lt;T&gt;, STRUCT&lt;name T, …&gt; and the aliases INTEGER, INT,
    /// BIGINT, FLOAT, BOOLEAN, DECIMAL. Any other type is a <see cref="FormatException"/>: the product must model it first.
    /// </summary>
    public static SqlType Parse(string googleSql)
    {
        var p = new TypeParser(googleSql);
        var type = p.GoogleSqlType();
        p.End();
        return type;
    }

    /// <summary>
    /// Parse DuckDB type text as information_schema.columns reports it (VARCHAR, BIGINT, DOUBLE, DECIMAL(p,s),
    /// T[], STRUCT(name T, …), JSON…). Types GoogleSQL has no equivalent for become <see cref="Unmodeled"/>.
    /// </summary>
    public static SqlType ParseDuckDb(string duckDbType)
    {
        var p = new TypeParser(duckDbType);
        var type = p.DuckDbType();
        p.End();
        return type;
    }

    private sealed class TypeParser(string text)
    {
        private int _pos;

        public SqlType GoogleSqlType()
        {
            var name = Word().ToUpperInvariant();
            switch (name)
            {
                case "STRING": return String;
                case "INT64" or "INTEGER" or "INT" or "BIGINT": return Int64;
                case "FLOAT64" or "FLOAT": return Float64;
                case "BOOL" or "BOOLEAN": return Bool;
                case "DATE": return Date;
                case "TIMESTAMP": return Timestamp;
                case "JSON": return Json;
                case "NUMERIC" or "DECIMAL":
                {
                    if (!TryTake('(')) return Numeric();
                    var precision = Number();
                    int? scale = TryTake(',') ? Number() : 0;
                    Take(')');
                    return Wrap(() => Numeric(precision, scale));
                }
                case "ARRAY":
                {
                    Take('<');
                    var element = GoogleSqlType();
                    Take('>');
                    return Wrap(() => ArrayOf(element));
                }
                case "STRUCT":
                {
                    var fields = Fields('<', '>', GoogleSqlType);
                    return Wrap(() => StructOf(fields));
                }
                default: throw Error($"unknown GoogleSQL type '{name}'");
            }
        }

        public SqlType DuckDbType()
        {
            var start = _pos;
            var name = Word().ToUpperInvariant();
            SqlType type;
            // A name followed by another word is a multi-word engine type (TIMESTAMP WITH TIME ZONE): unmodeled.
            switch (NextIsLetter() ? "" : name)
            {
                case "VARCHAR": type = String; break;
                case "BIGINT": type = Int64; break;
                case "DOUBLE": type = Float64; break;
                case "BOOLEAN": type = Bool; break;
                case "DATE": type = Date; break;
                case "TIMESTAMP": type = Timestamp; break;
                case "JSON": type = Json; break;
                case "DECIMAL":
                {
                    Take('(');
                    var precision = Number();
                    var scale = TryTake(',') ? Number() : 0;
                    Take(')');
                    // DuckDB's DECIMAL(38,9) is how GoogleSQL's bare NUMERIC renders; read it back as that.
                    type = precision == 38 && scale == 9 ? Numeric() : Wrap(() => Numeric(precision, scale));
                    break;
                }
                case "STRUCT":
                {
                    var fields = Fields('(', ')', DuckDbType);
                    type = Wrap(() => StructOf(fields));
                    break;
                }
                default:
                    // Multi-word and parameterised engine types (TIMESTAMP WITH TIME ZONE, VARCHAR(10)…) stay whole.
                    for (var depth = 0; _pos < text.Length && (depth > 0 || text[_pos] is not ('[' or ',' or ')')); _pos++)
                        depth += text[_pos] == '(' ? 1 : text[_pos] == ')' ? -1 : 0;
                    type = Unmodeled(text[start.._pos]);
                    break;
            }
            while (TryTake('['))
            {
                Take(']');
                type = type.Kind == ColumnType.Array ? Unmodeled(text[start.._pos]) : ArrayOf(type);
            }
            return type;
        }

        public void End()
        {
            SkipSpace();
            if (_pos < text.Length) throw Error($"unexpected '{text[_pos..]}'");
        }

        private SqlType Wrap(Func<SqlType> build)
        {
            try { return build(); }
            catch (ArgumentException ex) { throw Error(ex.Message); }
        }

        private string Word()
        {
            SkipSpace();
            if (_pos < text.Length && text[_pos] == '"')
            {
                var close = text.IndexOf('"', _pos + 1);
                if (close < 0) throw Error("unterminated quoted name");
                var quoted = text[(_pos + 1)..close];
                _pos = close + 1;
                return quoted;
            }
            var start = _pos;
            while (_pos < text.Length && (char.IsLetterOrDigit(text[_pos]) || text[_pos] == '_')) _pos++;
            if (_pos == start) throw Error("expected a name");
            return text[start.._pos];
        }

        private int Number()
        {
            SkipSpace();
            var start = _pos;
            while (_pos < text.Length && char.IsDigit(text[_pos])) _pos++;
            if (_pos == start) throw Error("expected a number");
            return int.Parse(text[start.._pos], CultureInfo.InvariantCulture);
        }

        private bool NextIsLetter()
        {
            SkipSpace();
            return _pos < text.Length && char.IsLetter(text[_pos]);
        }

        /// <summary>A struct's "name type, …" list between <paramref name="open"/> and <paramref name="close"/>, each type read by <paramref name="type"/>.</summary>
        private List<StructField> Fields(char open, char close, Func<SqlType> type)
        {
            Take(open);
            var fields = new List<StructField>();
            do fields.Add(new StructField(Word(), type()));
            while (TryTake(','));
            Take(close);
            return fields;
        }

        private bool TryTake(char c)
        {
            SkipSpace();
            if (_pos < text.Length && text[_pos] == c) { _pos++; return true; }
            return false;
        }

        private void Take(char c)
        {
            if (!TryTake(c)) throw Error($"expected '{c}'");
        }

        private void SkipSpace()
        {
            while (_pos < text.Length && char.IsWhiteSpace(text[_pos])) _pos++;
        }

        private FormatException Error(string what) =>
            new(new StringBuilder("Cannot parse the type '").Append(text).Append("' at position ").Append(_pos).Append(": ").Append(what).Append('.').ToString());
    }
}

/// <summary>One named field of a STRUCT.</summary>
public sealed record StructField(string Name, SqlType Type);
