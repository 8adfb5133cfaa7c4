using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using BackfillTools.Core.Warehouse;
using BackfillTools.Tests.BigQuery;
using Xunit;

namespace BackfillTools.Tests.Equivalence;

/// <summary>
/// ZetaSQL's reference implementation of GoogleSQL (the evaluator of the npm package the gate pins), driven through the
/// long-lived tests/zetasql/evaluate.mjs: one JSON line per request. The driver keeps table contents; a CREATE TABLE …
/// AS SELECT becomes that table's contents, DML goes through EvaluateModify.
/// </summary>
public sealed class ReferenceEngine : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stderr;

    public ReferenceEngine()
    {
        var psi = new ProcessStartInfo("node", "evaluate.mjs")
        {
            WorkingDirectory = ZetaSqlGate.GateDir, RedirectStandardInput = true, RedirectStandardOutput = true,
            RedirectStandardError = true, UseShellExecute = false,
        };
        _process = Process.Start(psi)!;
        _stderr = _process.StandardError.ReadToEndAsync();
        var hello = ReadAnswer();
        if (hello["ready"] is null) throw new InvalidOperationException($"The reference engine did not start: {hello.ToJsonString()}");
    }

    /// <summary>Milliseconds the evaluator spent, summed over requests (the suite reports it).</summary>
    public long EngineMilliseconds { get; private set; }

    public void Dispose()
    {
        try { _process.StandardInput.Close(); if (!_process.WaitForExit(10_000)) _process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }

    /// <summary>
    /// The driver's name of a type: GoogleSQL text, except that NUMERIC(p,s) is the evaluator's NUMERIC (the product
    /// rounds to the scale itself; the narrowing on insert is BigQuery's, which the evaluator's tables do not model).
    /// </summary>
    public static string TypeName(SqlType type) => type.Kind switch
    {
        ColumnType.Numeric => "NUMERIC",
        ColumnType.Array => $"ARRAY<{TypeName(type.Element!)}>",
        ColumnType.Struct => $"STRUCT<{string.Join(", ", type.Fields.Select(f => $"{f.Name} {TypeName(f.Type)}"))}>",
        _ => type.ToString(),
    };

    /// <summary>Replace a table's contents (name as the rendered SQL spells it, without backticks).</summary>
    public void SetTable(string name, IReadOnlyList<(string Name, SqlType Type)> columns, IEnumerable<object?[]> rows) =>
        Send(new JsonObject
        {
            ["op"] = "table", ["name"] = name,
            ["columns"] = new JsonArray(columns.Select(c => (JsonNode)new JsonObject { ["name"] = c.Name, ["type"] = TypeName(c.Type) }).ToArray()),
            ["rows"] = new JsonArray(rows.Select(r => (JsonNode)new JsonArray(r.Select((v, i) => ToJson(columns[i].Type, v)).ToArray())).ToArray()),
        });

    /// <summary>One GoogleSQL statement with its bound parameters (type name, value).</summary>
    public JsonObject Run(string sql, IEnumerable<(string Name, string Type, object? Value)> parameters) =>
        Send(new JsonObject
        {
            ["op"] = "run", ["sql"] = sql,
            ["params"] = new JsonArray(parameters.Select(p => (JsonNode)new JsonObject
            {
                ["name"] = p.Name, ["type"] = p.Type, ["value"] = ParameterJson(p.Type, p.Value),
            }).ToArray()),
        });

    /// <summary>A table's contents: column names and rows in the canonical form of <see cref="Canonical"/>.</summary>
    public (IReadOnlyList<string> Columns, List<object?[]> Rows) Dump(string name)
    {
        var r = Send(new JsonObject { ["op"] = "dump", ["name"] = name });
        var cols = r["columns"]!.AsArray().Select(c => ((string)c!["name"]!, (string)c["type"]!)).ToList();
        var rows = r["rows"]!.AsArray().Select(row => row!.AsArray().Select((v, i) => FromJson(cols[i].Item2, v)).ToArray()).ToList();
        return (cols.Select(c => c.Item1).ToList(), rows);
    }

    /// <summary>A query's answer (from <see cref="Run"/>): its columns with their types, rows in the form of <see cref="Canonical"/>.</summary>
    public static (IReadOnlyList<(string Name, SqlType Type)> Columns, List<object?[]> Rows) Result(JsonObject answer)
    {
        var cols = answer["columns"]!.AsArray().Select(c => ((string)c!["name"]!, SqlType.Parse((string)c["type"]!))).ToList();
        var rows = answer["rows"]!.AsArray().Select(row => row!.AsArray().Select((v, i) => FromJson(cols[i].Item2, v)).ToArray()).ToList();
        return (cols, rows);
    }

    private JsonObject Send(JsonObject request)
    {
        if (_process.HasExited) throw new InvalidOperationException($"The reference engine exited ({_process.ExitCode}): {_stderr.Result}");
        _process.StandardInput.WriteLine(request.ToJsonString());
        _process.StandardInput.Flush();
        var answer = ReadAnswer();
        if (answer["ok"] is { } ok && !(bool)ok!)
            throw new ReferenceEngineException((string?)answer["error"] ?? answer.ToJsonString());
        EngineMilliseconds += (long?)answer["ms"] ?? 0;
        return answer;
    }

    private JsonObject ReadAnswer()
    {
        var line = _process.StandardOutput.ReadLine();
        if (line is null)
        {
            _process.WaitForExit(5_000);
            throw new InvalidOperationException($"The reference engine closed its output: {_stderr.Result}");
        }
        return JsonNode.Parse(line)!.AsObject();
    }

    // ---- values: the driver's JSON (INT64/NUMERIC as strings, TIMESTAMP as epoch microseconds) ----

    private static JsonNode? ToJson(SqlType type, object? v)
    {
        if (type.Kind == ColumnType.Struct && v is System.Collections.IDictionary fields)
            return new JsonArray(type.Fields.Select(f => ToJson(f.Type, fields.Contains(f.Name) ? fields[f.Name] : null)).ToArray());
        v = QueryResult.Normalize(v);
        if (v is null) return null;
        return type.Kind switch
        {
            ColumnType.Int64 => Convert.ToInt64(v, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
            ColumnType.Float64 => Double(Convert.ToDouble(v, CultureInfo.InvariantCulture)),
            // Production's NUMERIC(p,s) inputs: the stored value at its scale (reads give doubles), sent as text.
            ColumnType.Numeric => SqlType.Numeric().NumericValue(v).ToString(CultureInfo.InvariantCulture),
            ColumnType.String => (string)v,
            ColumnType.Bool => (bool)v,
            ColumnType.Date => DateText(v),
            ColumnType.Timestamp => Micros(v).ToString(CultureInfo.InvariantCulture),
            ColumnType.Array => new JsonArray(((System.Collections.IEnumerable)v).Cast<object?>().Select(e => ToJson(type.Element!, e)).ToArray()),
            _ => throw new ArgumentOutOfRangeException(nameof(type)),
        };
    }

    /// <summary>A NUMERIC as decimal text without trailing zeros (the driver's form); DuckDB's DECIMAL arrives as a double.</summary>
    private static string NumericText(object v) => v switch
    {
        string s => decimal.Parse(s, CultureInfo.InvariantCulture).ToString("0.#########", CultureInfo.InvariantCulture),
        _ => Convert.ToDouble(v, CultureInfo.InvariantCulture).ToString("0.#########", CultureInfo.InvariantCulture),
    };

    private static JsonNode? ParameterJson(string type, object? v) => type switch
    {
        "INT64" or "FLOAT64" or "STRING" or "BOOL" or "DATE" or "TIMESTAMP" => ToJson(SqlType.Parse(type), v),
        _ => throw new NotSupportedException($"parameter type {type}"),
    };

    private static JsonNode Double(double d) => double.IsFinite(d) ? JsonValue.Create(d) : JsonValue.Create(d.ToString(CultureInfo.InvariantCulture) switch
    {
        "∞" => "Infinity", "-∞" => "-Infinity", var s => s,
    })!;

    private static string DateText(object v) => v switch
    {
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime dt => dt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        string s => s,
        _ => throw new InvalidCastException($"date {v.GetType().Name}"),
    };

    private static long Micros(object v) => v switch
    {
        DateTime dt => (DateTime.SpecifyKind(dt, DateTimeKind.Utc) - DateTime.UnixEpoch).Ticks / 10,
        DateTimeOffset dto => (dto.UtcDateTime - DateTime.UnixEpoch).Ticks / 10,
        _ => throw new InvalidCastException($"timestamp {v.GetType().Name}"),
    };

    /// <summary>
    /// One value in the form both engines' results are compared in: long, double, string (also DATE as yyyy-MM-dd and
    /// NUMERIC as its decimal text), bool, TIMESTAMP as epoch microseconds, arrays as object?[].
    /// </summary>
    public static object? Canonical(SqlType type, object? v)
    {
        if (type.Kind == ColumnType.Struct && v is System.Collections.IDictionary fields)
            return type.Fields.Select(f => Canonical(f.Type, fields.Contains(f.Name) ? fields[f.Name] : null)).ToArray();
        v = QueryResult.Normalize(v);
        if (v is null) return null;
        return type.Kind switch
        {
            ColumnType.Int64 => Convert.ToInt64(v, CultureInfo.InvariantCulture),
            ColumnType.Float64 => Convert.ToDouble(v, CultureInfo.InvariantCulture),
            ColumnType.Numeric => NumericText(v),
            ColumnType.String => v.ToString(),
            ColumnType.Bool => (bool)v,
            ColumnType.Date => DateText(v),
            ColumnType.Timestamp => Micros(v),
            ColumnType.Array => ((System.Collections.IEnumerable)v).Cast<object?>().Select(e => Canonical(type.Element!, e)).ToArray(),
            ColumnType.Struct => ((System.Collections.IEnumerable)v).Cast<object?>().Zip(type.Fields, (e, f) => Canonical(f.Type, e)).ToArray(),
            _ => throw new ArgumentOutOfRangeException(nameof(type)),
        };
    }

    private static object? FromJson(string type, JsonNode? v) => FromJson(SqlType.Parse(type), v);

    private static object? FromJson(SqlType type, JsonNode? v)
    {
        if (v is null) return null;
        return type.Kind switch
        {
            ColumnType.Array => v.AsArray().Select(e => FromJson(type.Element!, e)).ToArray(),
            ColumnType.Struct => v.AsArray().Zip(type.Fields, (e, f) => FromJson(f.Type, e)).ToArray(),
            ColumnType.Int64 => long.Parse((string)v!, CultureInfo.InvariantCulture),
            ColumnType.Float64 => v.GetValueKind() == System.Text.Json.JsonValueKind.String
                ? (string)v! switch { "NaN" => double.NaN, "Infinity" => double.PositiveInfinity, _ => double.NegativeInfinity }
                : (double)v,
            ColumnType.Numeric => NumericText((string)v!),
            ColumnType.String or ColumnType.Date => (string)v!,
            ColumnType.Bool => (bool)v,
            ColumnType.Timestamp => long.Parse((string)v!, CultureInfo.InvariantCulture),
            _ => throw new NotSupportedException($"result type {type}"),
        };
    }
}

public sealed class ReferenceEngineException(string message) : Exception(message);

/// <summary>
/// A fact that needs the reference engine (node + the pinned ZetaSQL package). Locally it reports as skipped with the
/// reason; under CI=true it runs and fails on the missing install, so CI can never pass without the engine.
/// </summary>
public sealed class ReferenceEngineFactAttribute : FactAttribute
{
    public static bool RequiredHere => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public ReferenceEngineFactAttribute()
    {
        if (ZetaSqlGate.SkipReason is { } reason && !RequiredHere) Skip = reason;
    }

    /// <summary>Call first in such a test: under CI=true a missing engine fails it here, with the reason.</summary>
    public static void EnsureAvailable()
    {
        if (ZetaSqlGate.SkipReason is { } reason)
            Assert.Fail($"CI=true requires the reference engine: {reason}");
    }
}
