using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace BackfillTools.Core.Warehouse;

/// <summary>
/// The one place where engine differences live. Product SQL is written once in the GoogleSQL subset both
/// engines accept (<c>@name</c> parameters, <c>{{dataset.table}}</c> placeholders, <c>COUNTIF</c>, <c>d - 14</c>,
/// <c>SAFE_DIVIDE</c>, <c>DATE_DIFF(a, b, DAY)</c>, <c>FLOAT64</c>, <c>MERGE INTO … AS …</c>); each dialect renders it.
/// </summary>
public abstract partial class SqlDialect
{
    public abstract string Name { get; }

    /// <summary>How a declared table is named in this engine's SQL.</summary>
    public abstract string QualifiedName(string dataset, string table);

    public string QualifiedName(TableDef table) => QualifiedName(table.Dataset, table.Name);

    /// <summary>What this warehouse calls the product's dataset (<see cref="DatasetNames.Tool"/> unless configured).</summary>
    public string ToolDataset { get; init; } = DatasetNames.Tool;

    /// <summary>
    /// A declared dataset as this warehouse names it: the product's datasets (<c>backfilltools</c>, <c>backfilltools_staging</c>,
    /// <c>backfilltools_quarantine</c>) under <see cref="ToolDataset"/>; every other dataset unchanged.
    /// </summary>
    public string PhysicalDataset(string dataset) => RenameToolDataset(dataset, DatasetNames.Tool, ToolDataset);

    /// <summary>The inverse of <see cref="PhysicalDataset"/>: a dataset this warehouse has, as declarations name it.</summary>
    public string DeclaredDataset(string dataset) => RenameToolDataset(dataset, ToolDataset, DatasetNames.Tool);

    private static string RenameToolDataset(string dataset, string from, string to)
    {
        if (string.Equals(from, to, StringComparison.Ordinal)) return dataset;
        // Each product dataset is the tool dataset's name plus a suffix ("", "_staging", "_quarantine").
        foreach (var suffix in DatasetNames.Product.Select(d => d[DatasetNames.Tool.Length..]))
            if (string.Equals(dataset, from + suffix, StringComparison.OrdinalIgnoreCase)) return to + suffix;
        return dataset;
    }

    public string ColumnTypeSql(ColumnType type) => TypeSql(SqlType.Of(type));

    /// <summary>A declared column's complete type in this engine's DDL (NUMERIC precision, ARRAY element, STRUCT fields).</summary>
    public string ColumnTypeSql(ColumnDef column) => TypeSql(column.FullType);

    public abstract string TypeSql(SqlType type);

    /// <summary>Turn portable SQL into this engine's text. String literals and comments are never touched.</summary>
    public string Render(string portableSql)
    {
        var (masked, literals) = MaskLiterals(portableSql);
        var code = TablePlaceholder().Replace(masked, m =>
        {
            var parts = m.Groups[1].Value.Split('.');
            if (parts.Length != 2) throw new ArgumentException($"Table placeholder '{m.Value}' must be {{{{dataset.table}}}}.");
            return QualifiedName(parts[0], parts[1]);
        });
        var leftover = code.IndexOf("{{", StringComparison.Ordinal);
        if (leftover >= 0)
            throw new ArgumentException($"Unrendered placeholder near '{code.Substring(leftover, Math.Min(40, code.Length - leftover))}': table placeholders are {{{{dataset.table}}}}.");
        code = RewriteCalls(code, "ROUND_DECIMAL", a => a.Count is 1 or 2
            ? RoundDecimal(a[0], a.Count == 2 ? a[1] : "0")
            : throw new ArgumentException("ROUND_DECIMAL takes (value) or (value, places)."));
        code = RewriteCalls(code, "SCALED_DECIMAL_TEXT", a => a.Count == 2 && int.TryParse(a[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var scale) && scale <= 9
            ? ScaledDecimalText(a[0], scale)
            : throw new ArgumentException("SCALED_DECIMAL_TEXT takes (value, places 0..9 as a literal)."));
        code = RewriteCalls(code, "ROUND_NUMERIC", RoundNumeric);
        code = RewriteCalls(code, "SHA256_HEX", a => a.Count == 1
            ? Sha256Hex(a[0])
            : throw new ArgumentException("SHA256_HEX takes (text)."));
        code = RewriteCalls(code, "NAMED_STRUCT", a => a.Count >= 2 && a.Count % 2 == 0
            ? NamedStruct(Enumerable.Range(0, a.Count / 2).Select(i => (a[2 * i], a[2 * i + 1])).ToList())
            : throw new ArgumentException("NAMED_STRUCT takes (name, value) pairs."));
        code = RenderCode(code);
        return Unmask(code, literals);
    }

    /// <summary>
    /// Portable ROUND_DECIMAL(x [, n]): x as a 9-decimal NUMERIC, rounded half away from zero to n places, as FLOAT64.
    /// ROUND on a FLOAT64 differs between the engines at a binary half (GoogleSQL rounds the stored binary value, so
    /// ROUND(19.95, 1) = 19.9; DuckDB scales first: 20.0); rounding the decimal value is exact and the same on both.
    /// </summary>
    protected virtual string RoundDecimal(string value, string places) => $"CAST(ROUND(CAST({value} AS NUMERIC), {places}) AS FLOAT64)";

    /// <summary>
    /// Portable SCALED_DECIMAL_TEXT(x, n): x as a 9-decimal NUMERIC rounded half away from zero to n places, times
    /// 10^n, as the integer's text (a FLOAT64's text in a row's data_hash: the engines format floats differently).
    /// </summary>
    protected virtual string ScaledDecimalText(string value, int places) =>
        $"CAST(CAST(ROUND(CAST({value} AS NUMERIC), {places}) * {PowerOfTen(places)} AS INT64) AS STRING)";

    internal static string PowerOfTen(int places) => "1" + new string('0', places);

    /// <summary>
    /// Portable ROUND_NUMERIC(x, n): ROUND_DECIMAL's value kept as an exact NUMERIC, for a NUMERIC(p, n) column. Both
    /// engines narrow it to the column's precision on insert (DuckDB DECIMAL(p,s), GoogleSQL NUMERIC(p,s)) and fail
    /// alike when it does not fit; the rounding to n places happens here, never in the narrowing.
    /// </summary>
    private static string RoundNumeric(IReadOnlyList<string> a) => a.Count == 2
        ? $"ROUND(CAST({a[0]} AS NUMERIC), {a[1]})"
        : throw new ArgumentException("ROUND_NUMERIC takes (value, places).");

    /// <summary>
    /// Portable SHA256_HEX(text): the SHA-256 of the text's UTF-8 bytes as 64 lower-case hex digits (a row's data_hash,
    /// the same text on both engines).
    /// </summary>
    protected abstract string Sha256Hex(string text);

    /// <summary>Portable NAMED_STRUCT(name1, value1, …): a STRUCT value with named fields, in this engine's syntax.</summary>
    protected abstract string NamedStruct(IReadOnlyList<(string Name, string Value)> fields);

    /// <summary>Engine-specific rewriting of SQL with literals masked out.</summary>
    protected abstract string RenderCode(string code);

    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_]+\.[A-Za-z0-9_]+)\s*\}\}")]
    private static partial Regex TablePlaceholder();

    private const char MaskStart = '\u0001', MaskEnd = '\u0002';

    /// <summary>Replace string literals and comments by numbered markers so rewrites cannot reach into them.</summary>
    internal static (string Masked, List<string> Literals) MaskLiterals(string sql)
    {
        var literals = new List<string>();
        var sb = new StringBuilder(sql.Length);
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            int end;
            if (c is '\'' or '"')
            {
                end = i + 1;
                while (end < sql.Length)
                {
                    if (sql[end] == '\\') { end += 2; continue; }
                    if (sql[end] == c)
                    {
                        if (end + 1 < sql.Length && sql[end + 1] == c) { end += 2; continue; }
                        break;
                    }
                    end++;
                }
                end = Math.Min(end + 1, sql.Length);
            }
            else if (c == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                end = sql.IndexOf('\n', i);
                if (end < 0) end = sql.Length;
            }
            else if (c == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                end = sql.IndexOf("*/", i + 2, StringComparison.Ordinal);
                end = end < 0 ? sql.Length : end + 2;
            }
            else { sb.Append(c); i++; continue; }

            sb.Append(MaskStart).Append(literals.Count).Append(MaskEnd);
            literals.Add(sql[i..end]);
            i = end;
        }
        return (sb.ToString(), literals);
    }

    internal static string Unmask(string code, List<string> literals) =>
        Regex.Replace(code, "\u0001(\\d+)\u0002", m => literals[int.Parse(m.Groups[1].Value)]);

    /// <summary>Find each call of <paramref name="function"/> and rewrite it from its top-level arguments.</summary>
    internal static string RewriteCalls(string code, string function, Func<IReadOnlyList<string>, string> rewrite)
    {
        var pattern = new Regex(@"\b" + Regex.Escape(function) + @"\s*\(", RegexOptions.IgnoreCase);
        var sb = new StringBuilder();
        var pos = 0;
        while (true)
        {
            var m = pattern.Match(code, pos);
            if (!m.Success) break;
            var depth = 1;
            var j = m.Index + m.Length;
            var args = new List<string>();
            var argStart = j;
            for (; j < code.Length && depth > 0; j++)
            {
                switch (code[j])
                {
                    case '(': depth++; break;
                    case ')':
                        depth--;
                        if (depth == 0) args.Add(code[argStart..j].Trim());
                        break;
                    case ',' when depth == 1:
                        args.Add(code[argStart..j].Trim());
                        argStart = j + 1;
                        break;
                }
            }
            if (depth != 0) throw new ArgumentException($"Unbalanced parentheses in a call of {function}.");
            // Arguments may themselves contain calls of the same function.
            var inner = args.Select(a => RewriteCalls(a, function, rewrite)).ToList();
            sb.Append(code, pos, m.Index - pos).Append(rewrite(inner));
            pos = j;
        }
        sb.Append(code, pos, code.Length - pos);
        return sb.ToString();
    }
}

/// <summary>DuckDB: <c>$name</c> parameters, <c>schema.table</c> names, DOUBLE for FLOAT64, macros for the rest.</summary>
public sealed partial class DuckDbDialect : SqlDialect
{
    public static DuckDbDialect Instance { get; } = new();

    public override string Name => "DuckDB";

    public override string QualifiedName(string dataset, string table) =>
        Catalog(dataset, table) is { } catalog ? $"{catalog}.{PhysicalDataset(dataset)}.{table}" : $"{PhysicalDataset(dataset)}.{table}";

    /// <summary>
    /// The in-memory database every DuckDB session attaches for a run's scratch tables. They are written and dropped
    /// within one run, so logging and checkpointing them in the warehouse file was wasted work (a sixth of a
    /// four-season backfill, docs/performance.md). A kill loses them and nothing else: -Resume recomputes every chunk
    /// that had not published.
    /// </summary>
    public const string ScratchCatalog = "backfilltools_scratch";

    /// <summary>False where one DuckDB database stands for everything (the tests' fake BigQuery).</summary>
    public bool StagesInScratch { get; init; } = true;

    /// <summary>
    /// The database that holds a declared table: <see cref="ScratchCatalog"/> for a staging table (all but those named
    /// with <see cref="DatasetNames.StagingInWarehousePrefix"/>), otherwise null (the warehouse file).
    /// </summary>
    public string? Catalog(string dataset, string table) =>
        StagesInScratch && string.Equals(dataset, DatasetNames.Staging, StringComparison.OrdinalIgnoreCase)
        && !table.StartsWith(DatasetNames.StagingInWarehousePrefix, StringComparison.OrdinalIgnoreCase) ? ScratchCatalog : null;

    /// <summary>The faithful DuckDB equivalent: DECIMAL(p,s) (a bare NUMERIC is DECIMAL(38,9)), T[] for ARRAY, STRUCT(…).</summary>
    public override string TypeSql(SqlType type) => type.Kind switch
    {
        ColumnType.String => "VARCHAR",
        ColumnType.Int64 => "BIGINT",
        ColumnType.Float64 => "DOUBLE",
        ColumnType.Bool => "BOOLEAN",
        ColumnType.Date => "DATE",
        ColumnType.Timestamp => "TIMESTAMP",
        ColumnType.Json => "JSON",
        ColumnType.Numeric => $"DECIMAL({type.NumericDigits.Precision},{type.NumericDigits.Scale})",
        ColumnType.Array => TypeSql(type.Element!) + "[]",
        ColumnType.Struct => $"STRUCT({string.Join(", ", type.Fields.Select(f => $"{f.Name} {TypeSql(f.Type)}"))})",
        _ => throw new ArgumentException($"DuckDB has no declared equivalent of {type}.", nameof(type)),
    };

    /// <summary>Per-connection macros that give DuckDB the GoogleSQL functions the product uses.</summary>
    public static readonly string[] SessionMacros =
    {
        // ROUND_DECIMAL: DuckDB rounds a DECIMAL(38,9) (a 128-bit integer) about 20 times slower than a DECIMAL(18,9)
        // (64 bits), which holds the same value, rounded up included, whenever |x| < 10^8 (DECIMAL(17,9)); a larger
        // value takes the 38-digit path. Both paths give the same double (RoundingRegressionTests' edge values, and a
        // trial over 10 million doubles, halves included).
        // decimal_18_9: x as a 64-bit DECIMAL(18,9) with room to round up, NULL from 10^8 up (the caller falls back).
        "CREATE OR REPLACE TEMP MACRO decimal_18_9(x) AS CAST(TRY_CAST(x AS DECIMAL(17,9)) AS DECIMAL(18,9))",
        "CREATE OR REPLACE TEMP MACRO round_decimal(x, n) AS " +
            "COALESCE(CAST(ROUND(decimal_18_9(x), n) AS DOUBLE), CAST(ROUND(CAST(x AS DECIMAL(38,9)), n) AS DOUBLE))",
        "CREATE OR REPLACE TEMP MACRO safe_divide(a, b) AS a / NULLIF(b, 0)",
        "CREATE OR REPLACE TEMP MACRO logical_or(x) AS bool_or(x)",
        "CREATE OR REPLACE TEMP MACRO logical_and(x) AS bool_and(x)",
        "CREATE OR REPLACE TEMP MACRO div(a, b) AS a // b",
    };

    protected override string Sha256Hex(string text) => $"sha256({text})";

    /// <summary>The session macro <c>round_decimal</c>: the 64-bit decimal where the value fits.</summary>
    protected override string RoundDecimal(string value, string places) => $"round_decimal({value}, {places})";

    /// <summary>
    /// As the base rendering where |x| &lt; 10^8, on 64-bit decimals (as <c>round_decimal</c>): the rounded DECIMAL(18,9)'s
    /// text without its point is x·10^9 as an integer, divided exactly by 10^(9-n). Larger values take the base rendering.
    /// </summary>
    protected override string ScaledDecimalText(string value, int places) =>
        $"COALESCE(CAST(CAST(REPLACE(CAST(CAST(ROUND(decimal_18_9({value}), {places}) AS DECIMAL(18,9)) AS STRING), '.', '') AS INT64) " +
        $"// {PowerOfTen(9 - places)} AS STRING), {base.ScaledDecimalText(value, places)})";

    protected override string NamedStruct(IReadOnlyList<(string Name, string Value)> fields) =>
        $"struct_pack({string.Join(", ", fields.Select(f => $"{f.Name} := {f.Value}"))})";

    protected override string RenderCode(string code)
    {
        // GoogleSQL's STRUCT(value AS name, …), as NAMED_STRUCT renders for BigQuery (DuckDB's own STRUCT(name TYPE, …)
        // types have no "AS" and are left alone).
        code = RewriteCalls(code, "STRUCT", a => a.Count > 0 && a.All(x => StructField().IsMatch(x))
            ? NamedStruct(a.Select(x => StructField().Match(x)).Select(m => (m.Groups[2].Value, m.Groups[1].Value)).ToList())
            : $"STRUCT({string.Join(", ", a)})");
        code = Parameter().Replace(code, m => "$" + m.Groups[1].Value);
        // ARRAY<T> in a CAST is T[] (FLOAT64 inside is renamed next).
        code = ArrayType().Replace(code, "$1[]");
        code = Float64().Replace(code, "DOUBLE");
        // GoogleSQL NUMERIC is exact with 9 decimals; DuckDB's bare NUMERIC would be DECIMAL(18,3). Exact sums of
        // one-decimal measures (minutes, usage) make results independent of aggregation order, hence of threads.
        code = Numeric().Replace(code, "DECIMAL(38,9)");
        code = SafeCast().Replace(code, "TRY_CAST(");
        // GoogleSQL's spelling of SHA256_HEX (what the fake BigQuery receives): DuckDB's sha256 already returns hex.
        code = RewriteCalls(code, "TO_HEX", a => a.Count == 1 && Sha256Call().Match(a[0]) is { Success: true } m
            ? $"sha256({m.Groups[1].Value})" : $"TO_HEX({string.Join(", ", a)})");
        code = RewriteCalls(code, "UNIX_MICROS", a => $"epoch_us({string.Join(", ", a)})");
        // An array mapped element by element in order (GoogleSQL has no list_transform).
        code = RewriteCalls(code, "ARRAY", a => a.Count == 1 && OrderedUnnest().Match(a[0]) is { Success: true } m
            ? $"list_transform({m.Groups[3].Value}, lambda {m.Groups[4].Value}: {m.Groups[1].Value})"
            : $"ARRAY({string.Join(", ", a)})");
        // GoogleSQL's date constructor DATE(year, month, day) (DATE(timestamp) and DATE 'literal' are left alone).
        code = RewriteCalls(code, "DATE", a => a.Count == 3 ? $"make_date({a[0]}, {a[1]}, {a[2]})" : $"DATE({string.Join(", ", a)})");
        code = RewriteCalls(code, "DATE_DIFF", a =>
        {
            if (a.Count != 3 || !a[2].Equals("DAY", StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException("Portable SQL supports DATE_DIFF(end, start, DAY) only.");
            return $"date_diff('day', {a[1]}, {a[0]})";
        });
        return code;
    }

    [GeneratedRegex(@"(?<![@\w])@([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex Parameter();

    [GeneratedRegex(@"\bFLOAT64\b", RegexOptions.IgnoreCase)]
    private static partial Regex Float64();

    [GeneratedRegex(@"^(.*\S)\s+AS\s+([A-Za-z_][A-Za-z0-9_]*)$", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex StructField();

    [GeneratedRegex(@"\bARRAY\s*<\s*([A-Za-z0-9_]+)\s*>", RegexOptions.IgnoreCase)]
    private static partial Regex ArrayType();

    [GeneratedRegex(@"\bNUMERIC\b(?!\s*\()", RegexOptions.IgnoreCase)]
    private static partial Regex Numeric();

    [GeneratedRegex(@"\bSAFE_CAST\s*\(", RegexOptions.IgnoreCase)]
    private static partial Regex SafeCast();

    [GeneratedRegex(@"^SHA256\s*\((.*)\)$", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex Sha256Call();

    /// <summary>SELECT expr FROM UNNEST(array) AS e WITH OFFSET AS o ORDER BY o (groups: 1 expr, 3 array, 4 e).</summary>
    [GeneratedRegex(@"^SELECT\s+(.+?)\s+FROM\s+UNNEST\s*\((\s*(.+?)\s*)\)\s+AS\s+([A-Za-z_]\w*)\s+WITH\s+OFFSET\s+AS\s+([A-Za-z_]\w*)\s+ORDER\s+BY\s+\5$", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex OrderedUnnest();
}

/// <summary>BigQuery: the portable SQL is already GoogleSQL; only table names are rendered (backticked, project-qualified).</summary>
public sealed class BigQueryDialect : SqlDialect
{
    public BigQueryDialect(string project, string datasetPrefix = "")
    {
        Project = project;
        DatasetPrefix = datasetPrefix;
    }

    public string Project { get; }
    public string DatasetPrefix { get; }

    public override string Name => "BigQuery";

    public override string QualifiedName(string dataset, string table) => $"`{Project}.{DatasetName(dataset)}.{table}`";

    /// <summary>A declared dataset's BigQuery name: the prefix, then the name this warehouse gives it.</summary>
    public string DatasetName(string dataset) => DatasetPrefix + PhysicalDataset(dataset);

    /// <summary>GoogleSQL DDL text, e.g. NUMERIC(5,2), ARRAY&lt;STRING&gt;, STRUCT&lt;a INT64, b ARRAY&lt;DATE&gt;&gt;.</summary>
    public override string TypeSql(SqlType type) =>
        type.Kind == ColumnType.Unmodeled ? throw new ArgumentException($"{type} is not a type the product declares.", nameof(type)) : type.ToString();

    protected override string Sha256Hex(string text) => $"TO_HEX(SHA256({text}))";

    protected override string NamedStruct(IReadOnlyList<(string Name, string Value)> fields) =>
        $"STRUCT({string.Join(", ", fields.Select(f => $"{f.Value} AS {f.Name}"))})";

    protected override string RenderCode(string code) => code;
}
