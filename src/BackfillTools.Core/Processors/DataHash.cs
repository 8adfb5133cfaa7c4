using System.Globalization;
using System.Text.RegularExpressions;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Core.Processors;

/// <summary>
/// The data_hash of an output row (docs/production-schema.md, "Hash and completeness definitions used"), generated from
/// the table declaration so every processor follows one rule:
/// <c>SHA256_HEX(ARRAY_TO_STRING([f(c1), f(c2), …], '|'))</c> over the written columns of the output table except
/// <see cref="IsUnhashed"/> columns, in declaration order. f(c) gives the same text on both engines: no NUMERIC or FLOAT64 value
/// goes through a plain cast to STRING (the engines format them differently).
/// </summary>
internal static partial class DataHash
{
    public const string Column = "data_hash";

    /// <summary>
    /// Whether <paramref name="column"/> is left out of the hash: the hash itself, the write stamps, which change with
    /// every run although the row does not (<see cref="BackfillRules.WriteStampColumns"/>), and the load times of the rows
    /// read (<see cref="BackfillRules.IsSourceLoadTime"/>; a Phase 4 upstream's data_hash is in <c>source_*_hash</c>).
    /// </summary>
    public static bool IsUnhashed(string column) =>
        string.Equals(column, Column, StringComparison.OrdinalIgnoreCase)
        || BackfillRules.WriteStampColumns.Contains(column, StringComparer.OrdinalIgnoreCase)
        || BackfillRules.IsSourceLoadTime(column);

    /// <summary>What a NULL value hashes as (no backslash: GoogleSQL and DuckDB read backslashes in literals differently).</summary>
    public const string NullText = "<null>";

    /// <summary>
    /// The scale a FLOAT64 value is hashed at when its SELECT item is not <c>ROUND_DECIMAL(x, n)</c>: GoogleSQL NUMERIC's
    /// scale, which both engines round a FLOAT64 to when casting it to NUMERIC (half away from zero).
    /// </summary>
    public const int DefaultFloatScale = 9;

    /// <summary>
    /// <c>INSERT INTO stage (c1, …) query</c> becomes <c>INSERT INTO stage (c1, …, data_hash) WITH …, hashed_row AS
    /// (query with each item named after its column) SELECT *, hash FROM hashed_row</c>: the values are computed once and
    /// hashed as they are inserted. Columns of <paramref name="staged"/> that <paramref name="output"/> lacks (the
    /// staging-only context columns) are inserted but not hashed.
    /// </summary>
    public static string AddTo(string insertSql, string stageToken, TableDef staged, TableDef output) =>
        Build(insertSql, stageToken, staged, output).Sql;

    /// <summary>
    /// The hash expression <see cref="AddTo"/> gives that INSERT's rows, over columns by name: recomputing it over a
    /// published row gives the row's data_hash as long as its hashed values are the ones the run wrote.
    /// </summary>
    public static string RowExpression(string insertSql, string stageToken, TableDef staged, TableDef output) =>
        Build(insertSql, stageToken, staged, output).Hash;

    private static (string Sql, string Hash) Build(string insertSql, string stageToken, TableDef staged, TableDef output)
    {
        var (masked, literals) = SqlDialect.MaskLiterals(insertSql);
        // Comments are dropped: an alias appended after a "-- …" item would land inside the comment.
        masked = MaskMarker().Replace(masked, m => literals[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)] is var l
            && (l.StartsWith("--", StringComparison.Ordinal) || l.StartsWith("/*", StringComparison.Ordinal)) ? " " : m.Value);
        var head = new Regex(@"INSERT\s+INTO\s+" + Regex.Escape(stageToken) + @"\s*\(([^)]*)\)", RegexOptions.IgnoreCase).Match(masked);
        if (!head.Success) throw new InvalidOperationException($"No INSERT INTO {stageToken} (…) to hash in: {insertSql}");
        var columns = head.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (columns.Contains(Column, StringComparer.OrdinalIgnoreCase))
            throw new InvalidOperationException($"INSERT INTO {stageToken} already writes {Column}: it is generated (DataHash).");
        var query = masked[(head.Index + head.Length)..];

        var select = TopLevelKeyword(query, "SELECT", 0);
        var from = TopLevelKeyword(query, "FROM", select + 6);
        if (select < 0 || from < 0) throw new InvalidOperationException($"INSERT INTO {stageToken}: no top-level SELECT … FROM.");
        var items = SplitTopLevel(query[(select + 6)..from]);
        if (items.Count != columns.Length)
            throw new InvalidOperationException($"INSERT INTO {stageToken} names {columns.Length} columns but selects {items.Count} values.");

        var floatScales = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var named = items.Select((item, i) =>
        {
            var value = TrailingAlias().Replace(item.Trim(), "");
            if (RoundingScale(value) is { } scale) floatScales[columns[i]] = scale;
            return $"{value} AS {columns[i]}";
        });

        var prefix = query[..select].Trim();
        var body = "SELECT " + string.Join(",\n  ", named) + "\n" + query[from..].Trim();
        var cte = prefix.Length == 0 ? $"WITH hashed_row AS (\n{body}\n)"
            : prefix.StartsWith("WITH", StringComparison.OrdinalIgnoreCase) ? $"{prefix},\nhashed_row AS (\n{body}\n)"
            : throw new InvalidOperationException($"INSERT INTO {stageToken}: unexpected text before its SELECT: {prefix}");
        var hashed = output.Columns.Where(c => columns.Contains(c.Name, StringComparer.OrdinalIgnoreCase)
                                               && !IsUnhashed(c.Name)).ToList();
        if (!staged.Columns.Any(c => string.Equals(c.Name, Column, StringComparison.OrdinalIgnoreCase)))
            throw new InvalidOperationException($"{staged.FullName} has no {Column} column.");
        var hash = Expression(hashed, floatScales);
        var sql = masked[..head.Index]
            + $"INSERT INTO {stageToken} ({string.Join(", ", columns)}, {Column})\n{cte}\n"
            + $"SELECT *, {hash} AS {Column}\nFROM hashed_row";
        return (SqlDialect.Unmask(sql, literals), SqlDialect.Unmask(hash, literals));
    }

    /// <summary>The hash over <paramref name="columns"/> (referenced by name), FLOAT64 at the given scales (else <see cref="DefaultFloatScale"/>).</summary>
    public static string Expression(IReadOnlyList<ColumnDef> columns, IReadOnlyDictionary<string, int> floatScales) =>
        $"SHA256_HEX({Preimage(columns, floatScales)})";

    /// <summary>The text that is hashed: each column's f(c), '|'-joined.</summary>
    public static string Preimage(IReadOnlyList<ColumnDef> columns, IReadOnlyDictionary<string, int> floatScales) =>
        "ARRAY_TO_STRING([" + string.Join(", ", columns.Select(c =>
            Text(c.Name, c.FullType, floatScales.TryGetValue(c.Name, out var s) ? s : DefaultFloatScale))) + "], '|')";

    /// <summary>f(value): the value's text, <see cref="NullText"/> when NULL.</summary>
    internal static string Text(string value, SqlType type, int floatScale = DefaultFloatScale) =>
        type.Kind == ColumnType.Struct
            ? $"CASE WHEN {value} IS NULL THEN '{NullText}' ELSE '{{' || ARRAY_TO_STRING([" +
              string.Join(", ", type.Fields.Select(f => Text($"{value}.{f.Name}", f.Type, floatScale))) + "], ',') || '}' END"
            : $"IFNULL({NonNullText(value, type, floatScale)}, '{NullText}')";

    private static string NonNullText(string v, SqlType type, int floatScale) => type.Kind switch
    {
        ColumnType.String => v,
        ColumnType.Int64 or ColumnType.Bool or ColumnType.Date => $"CAST({v} AS STRING)",
        ColumnType.Timestamp => $"CAST(UNIX_MICROS({v}) AS STRING)",
        // Exact: the value is at the column's scale (ROUND_NUMERIC), so the scaled value is an integer.
        ColumnType.Numeric => $"CAST(CAST({v} * {SqlDialect.PowerOfTen(type.NumericDigits.Scale)} AS INT64) AS STRING)",
        ColumnType.Float64 => $"SCALED_DECIMAL_TEXT({v}, {floatScale})",
        // A NULL array is an empty one, as BigQuery stores it (and as GoogleSQL's ARRAY(subquery) over it gives).
        ColumnType.Array => $"CASE WHEN {v} IS NULL THEN '[]' ELSE '[' || ARRAY_TO_STRING(ARRAY(SELECT {Text("hash_element", type.Element!, floatScale)} " +
                            $"FROM UNNEST({v}) AS hash_element WITH OFFSET AS hash_offset ORDER BY hash_offset), ',') || ']' END",
        _ => throw new ArgumentException($"data_hash has no portable text for {type}.", nameof(type)),
    };

    /// <summary>n when the whole item is ROUND_DECIMAL(x, n) with a literal n; otherwise null.</summary>
    private static int? RoundingScale(string item)
    {
        var call = RoundDecimalCall().Match(item);
        if (!call.Success) return null;
        var args = item[call.Length..];
        if (ClosingParen(args) != args.Length - 1) return null;
        var parts = SplitTopLevel(args[..^1]);
        return parts.Count == 2 && int.TryParse(parts[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    /// <summary>Index of the parenthesis closing an opened one (the text starts just after it), or -1.</summary>
    private static int ClosingParen(string text)
    {
        var depth = 1;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '(') depth++;
            else if (text[i] == ')' && --depth == 0) return i;
        }
        return -1;
    }

    /// <summary>Index of <paramref name="keyword"/> at parenthesis depth 0 (a whole word), or -1.</summary>
    private static int TopLevelKeyword(string sql, string keyword, int start)
    {
        var depth = 0;
        for (var i = Math.Max(start, 0); i < sql.Length; i++)
        {
            var c = sql[i];
            if (c == '(') depth++;
            else if (c == ')') depth--;
            else if (depth == 0 && string.Compare(sql, i, keyword, 0, keyword.Length, StringComparison.OrdinalIgnoreCase) == 0
                     && (i == 0 || !IsWordChar(sql[i - 1])) && (i + keyword.Length >= sql.Length || !IsWordChar(sql[i + keyword.Length])))
                return i;
        }
        return -1;
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';

    private static List<string> SplitTopLevel(string list)
    {
        var items = new List<string>();
        var (depth, start) = (0, 0);
        for (var i = 0; i < list.Length; i++)
        {
            switch (list[i])
            {
                case '(' or '[': depth++; break;
                case ')' or ']': depth--; break;
                case ',' when depth == 0:
                    items.Add(list[start..i]);
                    start = i + 1;
                    break;
            }
        }
        items.Add(list[start..]);
        return items.Where(x => x.Trim().Length > 0).ToList();
    }

    [GeneratedRegex("\u0001(\\d+)\u0002")]
    private static partial Regex MaskMarker();

    [GeneratedRegex(@"(?<=[\w)\]'])\s+AS\s+[A-Za-z_]\w*$", RegexOptions.IgnoreCase)]
    private static partial Regex TrailingAlias();

    [GeneratedRegex(@"^ROUND_DECIMAL\s*\(", RegexOptions.IgnoreCase)]
    private static partial Regex RoundDecimalCall();
}
