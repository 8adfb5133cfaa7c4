using System.Collections;
using System.Globalization;
using System.Text.Json.Nodes;

namespace BackfillTools.Core.Warehouse.BigQuery;

// The types in this file mirror the official Google.Cloud.BigQuery.V2 client (BigQueryDbType, BigQueryParameter,
// QueryOptions, GetQueryResultsOptions, BigQueryResults, BigQueryRow, BigQueryJob, JobReference) in names and
// semantics, so replacing BigQueryRestClient by the official BigQueryClient later is a mechanical change of
// namespaces and construction. The official package is not served by this project's package feed.

/// <summary>GoogleSQL parameter/column types (the official client's BigQueryDbType).</summary>
public enum BigQueryDbType { Int64, Float64, Numeric, Bool, String, Date, DateTime, Timestamp, Array }

/// <summary>A named query parameter; the type is inferred from the CLR value when not given.</summary>
public sealed class BigQueryParameter
{
    public BigQueryParameter(string name, BigQueryDbType? type, object? value)
    {
        Name = name;
        Type = type;
        Value = value;
    }

    public BigQueryParameter(string name, object? value) : this(name, null, value) { }

    public string Name { get; }
    public BigQueryDbType? Type { get; set; }
    public BigQueryDbType? ArrayElementType { get; set; }
    public object? Value { get; }

    /// <summary>
    /// CLR → GoogleSQL type. Deviates from the official client in one place on purpose: <see cref="DateTime"/> maps to
    /// TIMESTAMP (not DATETIME), because every time column of this warehouse is TIMESTAMP and BigQuery does not coerce
    /// DATETIME into TIMESTAMP columns.
    /// </summary>
    public static BigQueryDbType InferType(Type clr) => clr switch
    {
        _ when clr == typeof(long) || clr == typeof(int) || clr == typeof(short) || clr == typeof(sbyte) || clr == typeof(byte)
               || clr == typeof(uint) || clr == typeof(ushort) => BigQueryDbType.Int64,
        _ when clr == typeof(double) || clr == typeof(float) => BigQueryDbType.Float64,
        _ when clr == typeof(decimal) => BigQueryDbType.Numeric,
        _ when clr == typeof(bool) => BigQueryDbType.Bool,
        _ when clr == typeof(string) || clr == typeof(Guid) => BigQueryDbType.String,
        _ when clr == typeof(DateOnly) => BigQueryDbType.Date,
        _ when clr == typeof(DateTime) || clr == typeof(DateTimeOffset) => BigQueryDbType.Timestamp,
        _ when ElementTypeOf(clr) is not null => BigQueryDbType.Array,
        _ => throw new ArgumentException($"No BigQuery parameter type for {clr.Name}."),
    };

    internal static Type? ElementTypeOf(Type clr)
    {
        if (clr == typeof(string)) return null;
        if (clr.IsArray) return clr.GetElementType();
        var e = clr.GetInterfaces().Append(clr)
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        return e?.GetGenericArguments()[0];
    }

    /// <summary>The REST QueryParameter JSON: {name, parameterType, parameterValue}; scalars travel as strings.</summary>
    public JsonObject ToQueryParameter()
    {
        var type = Type ?? (Value is null ? BigQueryDbType.String : InferType(Value.GetType()));
        var json = new JsonObject { ["name"] = Name };
        if (type == BigQueryDbType.Array)
        {
            var clrElement = Value is null ? null : ElementTypeOf(Value.GetType());
            var elementType = ArrayElementType ?? (clrElement is null || clrElement == typeof(object)
                ? InferFromFirst(Value as IEnumerable)
                : InferType(Nullable.GetUnderlyingType(clrElement) ?? clrElement));
            json["parameterType"] = new JsonObject { ["type"] = "ARRAY", ["arrayType"] = new JsonObject { ["type"] = TypeName(elementType) } };
            var values = new JsonArray();
            if (Value is IEnumerable items)
                foreach (var item in items)
                    values.Add(item is null ? new JsonObject() : new JsonObject { ["value"] = FormatScalar(elementType, item) });
            json["parameterValue"] = new JsonObject { ["arrayValues"] = values };
        }
        else
        {
            json["parameterType"] = new JsonObject { ["type"] = TypeName(type) };
            // A NULL travels as a parameterValue without "value".
            json["parameterValue"] = Value is null ? new JsonObject() : new JsonObject { ["value"] = FormatScalar(type, Value) };
        }
        return json;
    }

    private static BigQueryDbType InferFromFirst(IEnumerable? items)
    {
        var first = items?.Cast<object?>().FirstOrDefault(x => x is not null);
        return first is null ? BigQueryDbType.String : InferType(first.GetType());
    }

    public static string TypeName(BigQueryDbType t) => t switch
    {
        BigQueryDbType.Int64 => "INT64",
        BigQueryDbType.Float64 => "FLOAT64",
        BigQueryDbType.Numeric => "NUMERIC",
        BigQueryDbType.Bool => "BOOL",
        BigQueryDbType.String => "STRING",
        BigQueryDbType.Date => "DATE",
        BigQueryDbType.DateTime => "DATETIME",
        BigQueryDbType.Timestamp => "TIMESTAMP",
        BigQueryDbType.Array => "ARRAY",
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    /// <summary>Invariant text for a scalar (a string value is passed through, as in the official client).</summary>
    public static string FormatScalar(BigQueryDbType type, object value)
    {
        if (value is string s) return s;
        var ci = CultureInfo.InvariantCulture;
        return type switch
        {
            BigQueryDbType.Int64 => Convert.ToInt64(value, ci).ToString(ci),
            BigQueryDbType.Float64 => Convert.ToDouble(value, ci).ToString("R", ci),
            BigQueryDbType.Numeric => Convert.ToDecimal(value, ci).ToString(ci),
            BigQueryDbType.Bool => Convert.ToBoolean(value, ci) ? "TRUE" : "FALSE",
            BigQueryDbType.Date => value switch
            {
                DateOnly d => d.ToString("yyyy-MM-dd", ci),
                DateTime dt => dt.ToString("yyyy-MM-dd", ci),
                _ => throw new ArgumentException($"Cannot send {value.GetType().Name} as DATE."),
            },
            BigQueryDbType.DateTime => Convert.ToDateTime(value, ci).ToString("yyyy-MM-dd HH:mm:ss.ffffff", ci),
            BigQueryDbType.Timestamp => FormatTimestamp(value),
            _ => Convert.ToString(value, ci) ?? "",
        };
    }

    /// <summary>UTC timestamp text; an unspecified-kind DateTime is taken as UTC (DuckDB's TIMESTAMP has no zone either).</summary>
    public static string FormatTimestamp(object value)
    {
        var utc = value switch
        {
            DateTimeOffset dto => dto.UtcDateTime,
            DateTime { Kind: DateTimeKind.Local } dt => dt.ToUniversalTime(),
            DateTime dt => DateTime.SpecifyKind(dt, DateTimeKind.Utc),
            _ => throw new ArgumentException($"Cannot send {value.GetType().Name} as TIMESTAMP."),
        };
        return utc.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "+00";
    }
}

public sealed record JobReference(string ProjectId, string JobId, string? Location);

/// <summary>Options of a query job (subset of the official QueryOptions).</summary>
public sealed class QueryOptions
{
    /// <summary>Full job id; otherwise <see cref="JobIdPrefix"/> + a GUID.</summary>
    public string? JobId { get; set; }
    public string? JobIdPrefix { get; set; }
    public string? JobLocation { get; set; }
    public bool? DryRun { get; set; }
    public long? MaximumBytesBilled { get; set; }
    public IDictionary<string, string>? Labels { get; set; }
}

/// <summary>How long to wait for a query and how many rows per page (the official GetQueryResultsOptions).</summary>
public sealed class GetQueryResultsOptions
{
    public TimeSpan? Timeout { get; set; }
    public int? PageSize { get; set; }
}

public sealed record TableFieldSchema(string Name, string Type, string Mode, IReadOnlyList<TableFieldSchema>? Fields)
{
    public bool IsRepeated => string.Equals(Mode, "REPEATED", StringComparison.OrdinalIgnoreCase);

    internal static IReadOnlyList<TableFieldSchema> ParseFields(JsonNode? schema) =>
        schema?["fields"] is JsonArray fields ? fields.Select(f => Parse(f!)).ToList() : Array.Empty<TableFieldSchema>();

    private static TableFieldSchema Parse(JsonNode f) => new(
        (string?)f["name"] ?? "",
        (string?)f["type"] ?? "STRING",
        (string?)f["mode"] ?? "NULLABLE",
        f["fields"] is JsonArray ? ParseFields(f) : null);
}

/// <summary>One result row, converted by schema (the official BigQueryRow).</summary>
public sealed class BigQueryRow
{
    private readonly object?[] _values;
    private readonly IReadOnlyList<TableFieldSchema> _schema;

    internal BigQueryRow(IReadOnlyList<TableFieldSchema> schema, JsonNode rawRow)
    {
        _schema = schema;
        RawRow = rawRow;
        var cells = rawRow["f"] as JsonArray ?? new JsonArray();
        _values = new object?[schema.Count];
        for (var i = 0; i < schema.Count && i < cells.Count; i++)
            _values[i] = BigQueryValues.FromCell(schema[i], cells[i]?["v"]);
    }

    public JsonNode RawRow { get; }
    public object? this[int index] => _values[index];

    public object? this[string name]
    {
        get
        {
            for (var i = 0; i < _schema.Count; i++)
                if (string.Equals(_schema[i].Name, name, StringComparison.OrdinalIgnoreCase)) return _values[i];
            throw new KeyNotFoundException($"Result has no column '{name}'.");
        }
    }

    internal object?[] Values => _values;
}

/// <summary>
/// All rows of a finished query (every page already fetched). Unlike the official client, rows come from
/// jobs.getQueryResults pages rather than tabledata.list, which needs no read permission on the anonymous table.
/// </summary>
public sealed class BigQueryResults : IEnumerable<BigQueryRow>
{
    internal BigQueryResults(JobReference? job, IReadOnlyList<TableFieldSchema> schema, IReadOnlyList<BigQueryRow> rows,
        ulong totalRows, long? numDmlAffectedRows, string? statementType)
    {
        JobReference = job;
        Schema = schema;
        Rows = rows;
        TotalRows = totalRows;
        NumDmlAffectedRows = numDmlAffectedRows;
        StatementType = statementType;
    }

    public JobReference? JobReference { get; }
    public IReadOnlyList<TableFieldSchema> Schema { get; }
    public IReadOnlyList<BigQueryRow> Rows { get; }
    public ulong TotalRows { get; }
    public long? NumDmlAffectedRows { get; }
    public string? StatementType { get; }

    public IEnumerator<BigQueryRow> GetEnumerator() => Rows.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>A job resource (the official BigQueryJob, reduced to what a backfill reads).</summary>
public sealed class BigQueryJob
{
    internal BigQueryJob(JsonNode resource)
    {
        Resource = resource;
        var r = resource["jobReference"];
        Reference = r is null ? null : new JobReference((string?)r["projectId"] ?? "", (string?)r["jobId"] ?? "", (string?)r["location"]);
        State = (string?)resource["status"]?["state"] ?? "PENDING";
        ErrorResult = BigQueryError.Parse(resource["status"]?["errorResult"]);
        Errors = resource["status"]?["errors"] is JsonArray errs ? errs.Select(e => BigQueryError.Parse(e)!).ToList() : Array.Empty<BigQueryError>();
    }

    public JobReference? Reference { get; }
    public string State { get; }
    public bool IsDone => State == "DONE";
    public BigQueryError? ErrorResult { get; }
    public IReadOnlyList<BigQueryError> Errors { get; }
    public JsonNode Resource { get; }

    public JsonNode? Statistics => Resource["statistics"];

    /// <summary>Throws the job's final error, if it has one (the official ThrowOnAnyError).</summary>
    public BigQueryJob ThrowOnAnyError()
    {
        if (ErrorResult is not null)
            throw new BigQueryApiException(0, Errors.Count > 0 ? Errors : new[] { ErrorResult }, ErrorResult.Message, Reference, jobFailed: true);
        return this;
    }
}

/// <summary>Google's ErrorProto: reason is the stable key, the message is for people.</summary>
public sealed record BigQueryError(string Reason, string Message, string? Location)
{
    internal static BigQueryError? Parse(JsonNode? e) => e is null ? null
        : new BigQueryError((string?)e["reason"] ?? "", (string?)e["message"] ?? "", (string?)e["location"]);
}
