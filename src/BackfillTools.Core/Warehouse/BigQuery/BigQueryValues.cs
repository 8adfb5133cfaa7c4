using System.Globalization;
using System.Text.Json.Nodes;

namespace BackfillTools.Core.Warehouse.BigQuery;

/// <summary>Value conversions between BigQuery's wire formats and the CLR types QueryResult promises.</summary>
internal static class BigQueryValues
{
    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    /// <summary>
    /// One <c>rows[].f[].v</c> cell → long, double, bool, string, DateOnly, DateTime (UTC), List&lt;T&gt; for REPEATED
    /// (DuckDB returns lists the same way), Dictionary for RECORD. Scalars arrive as strings, SQL NULL as JSON null.
    /// </summary>
    public static object? FromCell(TableFieldSchema field, JsonNode? v)
    {
        if (v is null) return null;
        if (field.IsRepeated)
        {
            var scalar = field with { Mode = "NULLABLE" };
            var items = (v as JsonArray ?? new JsonArray()).Select(x => FromCell(scalar, x?["v"])).ToList();
            return ToTypedList(field.Type, items);
        }
        if (field.Type is "RECORD" or "STRUCT")
        {
            var cells = v["f"] as JsonArray ?? new JsonArray();
            var dict = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
            var fields = field.Fields ?? Array.Empty<TableFieldSchema>();
            for (var i = 0; i < fields.Count && i < cells.Count; i++) dict[fields[i].Name] = FromCell(fields[i], cells[i]?["v"]);
            return dict;
        }
        var s = v.GetValueKind() == System.Text.Json.JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString();
        return field.Type switch
        {
            "INTEGER" or "INT64" => long.Parse(s, Ci),
            "FLOAT" or "FLOAT64" => ParseDouble(s),
            "NUMERIC" or "BIGNUMERIC" => double.Parse(s, Ci),
            "BOOLEAN" or "BOOL" => bool.Parse(s),
            "DATE" => DateOnly.ParseExact(s, "yyyy-MM-dd", Ci),
            "TIMESTAMP" => ParseTimestamp(s),
            "DATETIME" => DateTime.Parse(s, Ci, DateTimeStyles.None),
            "BYTES" => Convert.FromBase64String(s),
            _ => s, // STRING, TIME, JSON, GEOGRAPHY stay text
        };
    }

    private static double ParseDouble(string s) => s switch
    {
        "NaN" => double.NaN,
        "Infinity" => double.PositiveInfinity,
        "-Infinity" => double.NegativeInfinity,
        _ => double.Parse(s, NumberStyles.Float, Ci),
    };

    /// <summary>TIMESTAMP cells are int64 microseconds (formatOptions.useInt64Timestamp) or float seconds ("1.7093E9").</summary>
    public static DateTime ParseTimestamp(string s)
    {
        if (long.TryParse(s, NumberStyles.AllowLeadingSign, Ci, out var micros))
            return DateTime.UnixEpoch.AddTicks(micros * 10);
        var seconds = decimal.Parse(s, NumberStyles.Float, Ci);
        return DateTime.UnixEpoch.AddTicks((long)decimal.Round(seconds * 10_000_000m));
    }

    private static object ToTypedList(string type, List<object?> items) => type switch
    {
        "INTEGER" or "INT64" => items.Select(x => (long)x!).ToList(),
        "FLOAT" or "FLOAT64" or "NUMERIC" or "BIGNUMERIC" => items.Select(x => (double)x!).ToList(),
        "BOOLEAN" or "BOOL" => items.Select(x => (bool)x!).ToList(),
        "STRING" => items.Select(x => (string)x!).ToList(),
        "DATE" => items.Select(x => (DateOnly)x!).ToList(),
        "TIMESTAMP" or "DATETIME" => items.Select(x => (DateTime)x!).ToList(),
        _ => items,
    };

    /// <summary>One value of a declared column as a JSON value for a NEWLINE_DELIMITED_JSON load job.</summary>
    public static JsonNode? ToLoadJson(ColumnType type, object? v) => ToLoadJson(SqlType.Of(type), v);

    /// <summary>
    /// One value of a column of any type as its NDJSON load value: NUMERIC as decimal text (exact, at the column's
    /// scale), JSON as its text, ARRAY as a JSON array of its elements, STRUCT (a name → value dictionary) as an object.
    /// </summary>
    public static JsonNode? ToLoadJson(SqlType type, object? v)
    {
        if (v is null or DBNull) return null;
        return type.Kind switch
        {
            ColumnType.String => JsonValue.Create(Convert.ToString(v, Ci)),
            // INT64 as a string: JSON numbers lose precision past 2^53 in some readers; BigQuery accepts both.
            ColumnType.Int64 => JsonValue.Create(Convert.ToInt64(v, Ci).ToString(Ci)),
            ColumnType.Float64 => FloatJson(Convert.ToDouble(v, Ci)),
            ColumnType.Numeric => JsonValue.Create(type.NumericValue(v).ToString(Ci)),
            ColumnType.Bool => JsonValue.Create(Convert.ToBoolean(v, Ci)),
            ColumnType.Date => JsonValue.Create((v is DateOnly d ? d : DateOnly.FromDateTime(Convert.ToDateTime(v, Ci))).ToString("yyyy-MM-dd", Ci)),
            ColumnType.Timestamp => JsonValue.Create(BigQueryParameter.FormatTimestamp(v is DateTimeOffset ? v : Convert.ToDateTime(v, Ci))),
            // A JSON column loads from the JSON text as a string value.
            ColumnType.Json => JsonValue.Create(v as string ?? System.Text.Json.JsonSerializer.Serialize(v)),
            ColumnType.Float64Array => new JsonArray(((System.Collections.IEnumerable)v).Cast<object>().Select(x => FloatJson(Convert.ToDouble(x, Ci))).ToArray()),
            ColumnType.StringArray => new JsonArray(((System.Collections.IEnumerable)v).Cast<object>().Select(x => (JsonNode?)JsonValue.Create(Convert.ToString(x, Ci))).ToArray()),
            ColumnType.Array => new JsonArray(((System.Collections.IEnumerable)v).Cast<object?>().Select(x => ToLoadJson(type.Element!, x)).ToArray()),
            ColumnType.Struct => StructJson(type, v),
            _ => throw new ArgumentOutOfRangeException(nameof(type), $"Loads do not take {type} values."),
        };
    }

    private static JsonObject StructJson(SqlType type, object v)
    {
        var fields = v as System.Collections.Generic.IReadOnlyDictionary<string, object?>
            ?? throw new ArgumentException($"A {type} value must be a dictionary of field name to value.", nameof(v));
        var obj = new JsonObject();
        foreach (var f in type.Fields) obj[f.Name] = ToLoadJson(f.Type, fields.TryGetValue(f.Name, out var x) ? x : null);
        return obj;
    }

    // NaN/Infinity are not JSON numbers; BigQuery's JSON loader reads them as strings.
    private static JsonNode FloatJson(double d) =>
        double.IsFinite(d) ? JsonValue.Create(d) : JsonValue.Create(double.IsNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
}
