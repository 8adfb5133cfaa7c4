using System.Data;
using System.Globalization;
using DuckDB.NET.Data;

namespace BackfillTools.Core.Warehouse;

/// <summary>
/// The embedded default: a DuckDB file (or :memory:). The connection lives only as long as this object, so the file
/// lock is released between commands and another process can open the warehouse when no backfill runs.
/// </summary>
public sealed class DuckDbWarehouse : IWarehouse, IThreadLimitedWarehouse
{
    private readonly DuckDBConnection _connection;

    private readonly DuckDbDialect _dialect;

    private DuckDbWarehouse(DuckDBConnection connection, string path, string? toolDataset, bool readOnly, int? memoryLimitMB)
    {
        _connection = connection;
        Path = path;
        MemoryLimitMB = memoryLimitMB;
        _dialect = toolDataset is null ? DuckDbDialect.Instance : new DuckDbDialect { ToolDataset = toolDataset };
        foreach (var macro in DuckDbDialect.SessionMacros) RawExecute(macro);
        if (memoryLimitMB is { } limit) RawExecute($"SET memory_limit = '{limit}MB'");
        // A read-only session stages nothing (and DuckDB cannot attach an in-memory database to one).
        if (readOnly) return;
        var inFile = path != ":memory:";
        if (inFile) ScratchFiles.DeleteLeftovers(path);
        _scratchFile = memoryLimitMB is not null && inFile ? ScratchFiles.NewPath(path) : null;
        try
        {
            RawExecute($"ATTACH IF NOT EXISTS '{(_scratchFile ?? ":memory:").Replace("'", "''")}' AS {DuckDbDialect.ScratchCatalog}");
            RawExecute($"CREATE SCHEMA IF NOT EXISTS {DuckDbDialect.ScratchCatalog}.{_dialect.PhysicalDataset(DatasetNames.Staging)}");
        }
        catch
        {
            _connection.Dispose();
            if (_scratchFile is not null) ScratchFiles.Delete(_scratchFile);
            throw;
        }
    }

    /// <summary>
    /// The file that holds this session's scratch tables under a memory limit, else null (they are in memory). DuckDB
    /// cannot evict an in-memory table's blocks, so a run whose scratch tables outgrow the limit would fail; in a file
    /// they are written out and evicted like any table's (docs/performance.md: half the peak memory for 12 % more time).
    /// </summary>
    private readonly string? _scratchFile;

    /// <summary>DuckDB's memory limit for this session in MB (Connect-BackfillWarehouse -MemoryLimitMB), null for DuckDB's default.</summary>
    public int? MemoryLimitMB { get; }

    public string Path { get; }
    public SqlDialect Dialect => _dialect;
    public string Description => Path == ":memory:" ? "DuckDB (in memory)" : $"DuckDB {Path}";

    /// <summary>
    /// Open a DuckDB warehouse. Maps engine failures to stable error ids (locked, not a database, …).
    /// <paramref name="toolDataset"/> names the product's dataset (null: the default).
    /// </summary>
    public static DuckDbWarehouse Open(string path, bool create = false, bool readOnly = false, string? toolDataset = null, int? memoryLimitMB = null)
    {
        if (path != ":memory:")
        {
            path = System.IO.Path.GetFullPath(path);
            var dir = System.IO.Path.GetDirectoryName(path)!;
            if (!Directory.Exists(dir))
                throw new BackfillException(ErrorIds.WarehouseDirectoryNotFound, ErrorKind.ObjectNotFound,
                    $"The directory '{dir}' does not exist. Create it first, or choose another -Path.", path);
            if (!create && !File.Exists(path))
                throw new BackfillException(ErrorIds.WarehouseNotFound, ErrorKind.ObjectNotFound,
                    $"No warehouse at '{path}'. Create one with New-BackfillWarehouse -Path '{path}'.", path);
            // A new database is only ever created by create: true, and then from nothing (an empty file included).
            if (File.Exists(path) && !(create && new FileInfo(path).Length == 0) && !HasDuckDbHeader(path))
                throw new BackfillException(ErrorIds.WarehouseNotDuckDb, ErrorKind.InvalidData,
                    $"'{path}' is not a DuckDB database file{(new FileInfo(path).Length == 0 ? " (it is empty)" : "")}. Point -Path at a warehouse created by New-BackfillWarehouse.", path);
        }

        var cs = path == ":memory:" ? "Data Source=:memory:" : $"Data Source={path}" + (readOnly ? ";ACCESS_MODE=READ_ONLY" : "");
        var conn = new DuckDBConnection(cs);
        try
        {
            conn.Open();
        }
        catch (Exception ex)
        {
            conn.Dispose();
            throw MapOpenError(ex, path);
        }
        try
        {
            return new DuckDbWarehouse(conn, path, toolDataset, readOnly, memoryLimitMB);
        }
        catch
        {
            conn.Dispose();
            throw;
        }
    }

    /// <summary>
    /// True when the file starts like a DuckDB database (the magic "DUCK" at byte offset 8). Checked before DuckDB opens
    /// a file, because DuckDB would claim an empty file as a new database. A file that cannot be read is left to DuckDB.
    /// </summary>
    public static bool HasDuckDbHeader(string path)
    {
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var header = new byte[16];
            var n = fs.ReadAtLeast(header, 12, throwOnEndOfStream: false);
            return DuckDbFiles.StartsLikeDuckDb(header.AsSpan(0, n));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return !File.Exists(path) || new FileInfo(path).Length > 0; // let DuckDB report what is wrong
        }
    }

    private static BackfillException MapOpenError(Exception ex, string path)
    {
        var msg = ex.Message;
        if (msg.Contains("lock", StringComparison.OrdinalIgnoreCase))
        {
            var holder = System.Text.RegularExpressions.Regex.Match(msg, @"PID (\d+)");
            var who = holder.Success ? $" (process {holder.Groups[1].Value})" : "";
            return new BackfillException(ErrorIds.WarehouseLocked, ErrorKind.ResourceBusy,
                $"The warehouse '{path}' is open in another process{who}. Wait for it to finish, or close that session, then retry.", path, ex);
        }
        if (msg.Contains("Permission denied", StringComparison.OrdinalIgnoreCase) || msg.Contains("Read-only", StringComparison.OrdinalIgnoreCase))
            return new BackfillException(ErrorIds.WarehouseNotWritable, ErrorKind.PermissionDenied,
                $"Cannot write to '{path}': {msg}. Choose a writable location.", path, ex);
        if (msg.Contains("not a valid DuckDB", StringComparison.OrdinalIgnoreCase) || msg.Contains("Serialization", StringComparison.OrdinalIgnoreCase))
            return new BackfillException(ErrorIds.WarehouseNotDuckDb, ErrorKind.InvalidData,
                $"'{path}' is not a DuckDB database file (or was written by an incompatible DuckDB version).", path, ex);
        return new BackfillException(ErrorIds.WarehouseOpenFailed, ErrorKind.ResourceUnavailable, $"Cannot open the warehouse '{path}': {msg}", path, ex);
    }

    public QueryResult Query(string sql, IReadOnlyDictionary<string, object?>? parameters = null, CancellationToken cancellationToken = default)
    {
        using var cmd = CreateCommand(Dialect.Render(sql), parameters);
        using var reg = cancellationToken.Register(() => TryCancel(cmd));
        using var reader = cmd.ExecuteReader();
        var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToArray();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var values = new object?[columns.Length];
            for (var i = 0; i < values.Length; i++)
                values[i] = reader.IsDBNull(i) ? null : QueryResult.Normalize(reader.GetValue(i));
            rows.Add(values);
        }
        cancellationToken.ThrowIfCancellationRequested();
        return new QueryResult(columns, rows);
    }

    public long Execute(string sql, IReadOnlyDictionary<string, object?>? parameters = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var cmd = CreateCommand(Dialect.Render(sql), parameters);
        using var reg = cancellationToken.Register(() => TryCancel(cmd));
        var n = cmd.ExecuteNonQuery();
        cancellationToken.ThrowIfCancellationRequested();
        return n;
    }

    public void ExecuteBatch(IReadOnlyList<SqlStatement> statements, CancellationToken cancellationToken = default) =>
        SqlBatch.RunInOrder(statements, s =>
        {
            if (s.ComputesWideRows) WithOptimizersOff(SkipExpressionRewrites, () => Execute(s.Sql, s.Parameters, cancellationToken));
            else Execute(s.Sql, s.Parameters, cancellationToken);
        }, cancellationToken);

    public IReadOnlyList<long> ExecuteInTransaction(IReadOnlyList<SqlStatement> statements, CancellationToken cancellationToken = default)
    {
        var counts = new List<long>(statements.Count);
        using var tx = _connection.BeginTransaction();
        try
        {
            foreach (var s in statements)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var cmd = CreateCommand(Dialect.Render(s.Sql), s.Parameters);
                cmd.Transaction = tx;
                using var reg = cancellationToken.Register(() => TryCancel(cmd));
                counts.Add(s.UpdatesScalarsByKey ? ExecuteInTableOrder(cmd) : cmd.ExecuteNonQuery());
            }
            cancellationToken.ThrowIfCancellationRequested();
            tx.Commit();
        }
        catch
        {
            // Disposal would roll back too; do it explicitly so the connection is clean for the next statement.
            try { tx.Rollback(); } catch (Exception) { /* already rolled back by the engine */ }
            RestoreOptimizers(); // an aborted transaction refuses every statement, the reset included, until the rollback
            throw;
        }
        return counts;
    }

    public long BulkAppend(TableDef table, IEnumerable<object?[]> rows, CancellationToken cancellationToken = default)
    {
        var structs = table.Columns.Select((c, i) => (c, i)).Where(x => HoldsStruct(x.c.FullType)).Select(x => x.i).ToList();
        if (structs.Count > 0)
        {
            // Only rows that carry a STRUCT value need the slower JSON path; all-NULL structs append directly.
            var list = rows as IReadOnlyList<object?[]> ?? rows.ToList();
            rows = list;
            if (list.Any(r => structs.Any(i => i < r.Length && r[i] is not (null or DBNull)))) return AppendThroughJson(table, list, cancellationToken);
        }
        return Append(_dialect.Catalog(table.Dataset, table.Name), _dialect.PhysicalDataset(table.Dataset), table.Name, table.FullName, table.Columns.Select(c => c.FullType).ToArray(), rows, cancellationToken);
    }

    private long Append(string? catalog, string schema, string name, string fullName, SqlType[] types, IEnumerable<object?[]> rows, CancellationToken cancellationToken)
    {
        long n = 0;
        using (var appender = _connection.CreateAppender(catalog, schema, name))
        {
            foreach (var values in rows)
            {
                if (values.Length != types.Length)
                    throw new ArgumentException($"{fullName} has {types.Length} columns; a row has {values.Length}.");
                var row = appender.CreateRow();
                for (var i = 0; i < values.Length; i++) AppendTyped(row, types[i], values[i]);
                row.EndRow();
                if (++n % 8192 == 0) cancellationToken.ThrowIfCancellationRequested();
            }
        }
        return n;
    }

    private static bool HoldsStruct(SqlType type) =>
        type.Kind == ColumnType.Struct || (type.Kind == ColumnType.Array && HoldsStruct(type.Element!));

    /// <summary>
    /// DuckDB.NET's appender has no STRUCT writer (1.5: no struct vector writer), so a table with a STRUCT column is
    /// appended through a scratch table that holds each such value as JSON text; one INSERT … SELECT then casts the
    /// text to the declared type, so every row lands typed, or none does.
    /// </summary>
    private long AppendThroughJson(TableDef table, IEnumerable<object?[]> rows, CancellationToken cancellationToken)
    {
        var schema = _dialect.PhysicalDataset(table.Dataset);
        var catalog = _dialect.Catalog(table.Dataset, table.Name);
        var scratch = $"{table.Name}__append_{Guid.NewGuid():N}";
        var scratchName = _dialect.QualifiedName(table.Dataset, scratch);
        var columns = table.Columns;
        var asJson = columns.Select(c => HoldsStruct(c.FullType)).ToArray();
        RawExecute($"CREATE TABLE {scratchName} ({string.Join(", ", columns.Select((c, i) => $"{c.Name} {(asJson[i] ? "VARCHAR" : DuckDbDialect.Instance.ColumnTypeSql(c))}"))})");
        try
        {
            var text = SqlType.Of(ColumnType.String);
            var n = Append(catalog, schema, scratch, table.FullName, columns.Select((c, i) => asJson[i] ? text : c.FullType).ToArray(),
                rows.Select(values => values.Select((v, i) => i < asJson.Length && asJson[i] ? StructJson(columns[i].FullType, v)?.ToJsonString() : v).ToArray()),
                cancellationToken);
            var select = columns.Select((c, i) => asJson[i] ? $"CAST(CAST({c.Name} AS JSON) AS {DuckDbDialect.Instance.ColumnTypeSql(c)})" : c.Name);
            RawExecute($"INSERT INTO {_dialect.QualifiedName(table)} ({string.Join(", ", columns.Select(c => c.Name))}) SELECT {string.Join(", ", select)} FROM {scratchName}");
            return n;
        }
        finally
        {
            RawExecute($"DROP TABLE IF EXISTS {scratchName}");
        }
    }

    /// <summary>A value of a STRUCT-holding column as JSON DuckDB casts back exactly: a STRUCT is a field name → value dictionary.</summary>
    private static System.Text.Json.Nodes.JsonNode? StructJson(SqlType type, object? v)
    {
        if (v is null or DBNull) return null;
        return type.Kind switch
        {
            ColumnType.Struct => new System.Text.Json.Nodes.JsonObject(type.Fields.Select(f => KeyValuePair.Create(f.Name,
                StructJson(f.Type, (v as IReadOnlyDictionary<string, object?> ?? throw new ArgumentException($"A {type} value must be a dictionary of field name to value."))
                    .TryGetValue(f.Name, out var x) ? x : null)))),
            ColumnType.Array or ColumnType.Float64Array or ColumnType.StringArray => new System.Text.Json.Nodes.JsonArray(((System.Collections.IEnumerable)v).Cast<object?>()
                .Select(x => StructJson(type.Element ?? SqlType.Of(type.Kind == ColumnType.StringArray ? ColumnType.String : ColumnType.Float64), x)).ToArray()),
            ColumnType.Int64 => System.Text.Json.Nodes.JsonValue.Create(Convert.ToInt64(v, CultureInfo.InvariantCulture)),
            ColumnType.Bool => System.Text.Json.Nodes.JsonValue.Create(Convert.ToBoolean(v, CultureInfo.InvariantCulture)),
            // Text where a JSON number would lose exactness (NUMERIC) or cannot be written (NaN); DuckDB casts text to the field's type.
            ColumnType.Float64 => Convert.ToDouble(v, CultureInfo.InvariantCulture) is var d && double.IsFinite(d)
                ? System.Text.Json.Nodes.JsonValue.Create(d) : System.Text.Json.Nodes.JsonValue.Create(d.ToString(CultureInfo.InvariantCulture)),
            ColumnType.Numeric => System.Text.Json.Nodes.JsonValue.Create(type.NumericValue(v).ToString(CultureInfo.InvariantCulture)),
            ColumnType.Date => System.Text.Json.Nodes.JsonValue.Create(DateValue(v).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
            ColumnType.Timestamp => System.Text.Json.Nodes.JsonValue.Create(Convert.ToDateTime(v, CultureInfo.InvariantCulture).ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture)),
            ColumnType.Json => System.Text.Json.Nodes.JsonValue.Create(v as string ?? System.Text.Json.JsonSerializer.Serialize(v)),
            _ => System.Text.Json.Nodes.JsonValue.Create(Convert.ToString(v, CultureInfo.InvariantCulture)),
        };
    }

    // The appender does not check integer widths (a bare int literal binds to sbyte and corrupts data), so every
    // value is converted to the CLR type that matches its declared column exactly.
    private static void AppendTyped(IDuckDBAppenderRow row, SqlType type, object? v)
    {
        if (v is null or DBNull) { row.AppendNullValue(); return; }
        switch (type.Kind)
        {
            case ColumnType.String: row.AppendValue(Convert.ToString(v, CultureInfo.InvariantCulture)); break;
            case ColumnType.Int64: row.AppendValue((long?)Convert.ToInt64(v, CultureInfo.InvariantCulture)); break;
            case ColumnType.Float64: row.AppendValue((double?)Convert.ToDouble(v, CultureInfo.InvariantCulture)); break;
            case ColumnType.Numeric: row.AppendValue((decimal?)type.NumericValue(v)); break;
            case ColumnType.Bool: row.AppendValue((bool?)Convert.ToBoolean(v, CultureInfo.InvariantCulture)); break;
            case ColumnType.Date: row.AppendValue((DateOnly?)DateValue(v)); break;
            case ColumnType.Timestamp: row.AppendValue((DateTime?)Convert.ToDateTime(v, CultureInfo.InvariantCulture)); break;
            // JSON is text to the appender; DuckDB's JSON type is VARCHAR underneath.
            case ColumnType.Json: row.AppendValue(v as string ?? System.Text.Json.JsonSerializer.Serialize(v)); break;
            case ColumnType.Float64Array: row.AppendValue(((System.Collections.IEnumerable)v).Cast<object>().Select(x => Convert.ToDouble(x, CultureInfo.InvariantCulture)).ToList()); break;
            case ColumnType.StringArray: row.AppendValue(((System.Collections.IEnumerable)v).Cast<object>().Select(x => Convert.ToString(x, CultureInfo.InvariantCulture)).ToList()); break;
            case ColumnType.Array: AppendList(row, type.Element!, (System.Collections.IEnumerable)v); break;
            default: throw new NotSupportedException($"Bulk appends do not take {type} values; write them with SQL.");
        }
    }

    /// <summary>An array of any scalar element, as the typed list the appender needs for that element.</summary>
    private static void AppendList(IDuckDBAppenderRow row, SqlType element, System.Collections.IEnumerable items)
    {
        var values = items.Cast<object?>();
        switch (element.Kind)
        {
            case ColumnType.String: row.AppendValue(values.Select(x => x is null ? null : Convert.ToString(x, CultureInfo.InvariantCulture)).ToList()); break;
            case ColumnType.Int64: row.AppendValue(values.Select(x => x is null ? (long?)null : Convert.ToInt64(x, CultureInfo.InvariantCulture)).ToList()); break;
            case ColumnType.Float64: row.AppendValue(values.Select(x => x is null ? (double?)null : Convert.ToDouble(x, CultureInfo.InvariantCulture)).ToList()); break;
            case ColumnType.Numeric: row.AppendValue(values.Select(x => x is null ? (decimal?)null : element.NumericValue(x)).ToList()); break;
            case ColumnType.Bool: row.AppendValue(values.Select(x => x is null ? (bool?)null : Convert.ToBoolean(x, CultureInfo.InvariantCulture)).ToList()); break;
            case ColumnType.Date: row.AppendValue(values.Select(x => x is null ? (DateOnly?)null : DateValue(x)).ToList()); break;
            case ColumnType.Timestamp: row.AppendValue(values.Select(x => x is null ? (DateTime?)null : Convert.ToDateTime(x, CultureInfo.InvariantCulture)).ToList()); break;
            default: throw new NotSupportedException($"Bulk appends do not take ARRAY<{element}> values; write them with SQL.");
        }
    }

    private static DateOnly DateValue(object v) => v is DateOnly d ? d : DateOnly.FromDateTime(Convert.ToDateTime(v, CultureInfo.InvariantCulture));

    public IReadOnlySet<string> ExistingTables()
    {
        // DuckDB's catalog function: its information_schema view costs about twice as much (see TableColumns).
        var r = Query($"SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name IN (current_database(), '{DuckDbDialect.ScratchCatalog}')");
        return r.AsRows().Select(x => $"{_dialect.DeclaredDataset(x.GetString("schema_name")!)}.{x.GetString("table_name")}").ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    public IReadOnlyList<ColumnDef>? TableColumns(string dataset, string name) => TableColumns(new[] { (dataset, name) }).Values.Single();

    /// <summary>
    /// One read of DuckDB's own catalog function for all the tables: its information_schema views cost about twice as
    /// much, and a schema check reads a dozen tables (docs/performance.md, the daily run).
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<ColumnDef>?> TableColumns(IEnumerable<(string Dataset, string Name)> tables)
    {
        var wanted = tables.DistinctBy(t => $"{t.Dataset}.{t.Name}", StringComparer.OrdinalIgnoreCase).ToList();
        var names = string.Join(", ", wanted.Select(t => $"'{t.Name.ToLowerInvariant().Replace("'", "''")}'").Distinct());
        var rows = Query(
            "SELECT database_name, database_name = current_database() AS in_file, schema_name, table_name, column_name, data_type, is_nullable " +
            $"FROM duckdb_columns() WHERE lower(table_name) IN ({names}) ORDER BY column_index").AsRows().ToList();
        var columns = new Dictionary<string, IReadOnlyList<ColumnDef>?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (dataset, name) in wanted)
        {
            var catalog = _dialect.Catalog(dataset, name);
            var schema = _dialect.PhysicalDataset(dataset);
            var found = rows.Where(x => (catalog is null ? x["in_file"] is true : x.GetString("database_name") == catalog)
                                        && string.Equals(x.GetString("schema_name"), schema, StringComparison.OrdinalIgnoreCase)
                                        && string.Equals(x.GetString("table_name"), name, StringComparison.OrdinalIgnoreCase))
                .Select(x => new ColumnDef(x.GetString("column_name")!, SqlType.ParseDuckDb(x.GetString("data_type")!), x["is_nullable"] is true))
                .ToList();
            columns[$"{dataset}.{name}"] = found.Count == 0 ? null : found;
        }
        return columns;
    }

    public void EnsureTable(TableDef table)
    {
        RawExecute($"CREATE SCHEMA IF NOT EXISTS {_dialect.PhysicalDataset(table.Dataset)}");
        RawExecute(CreateTableSql(table, _dialect));
    }

    public static string CreateTableSql(TableDef table, DuckDbDialect? dialect = null)
    {
        var cols = table.Columns.Select(c =>
            $"{c.Name} {DuckDbDialect.Instance.ColumnTypeSql(c)}{(c.Nullable ? "" : " NOT NULL")}");
        var pk = table.PrimaryKey.Count > 0 ? $", PRIMARY KEY ({string.Join(", ", table.PrimaryKey)})" : "";
        return $"CREATE TABLE IF NOT EXISTS {(dialect ?? DuckDbDialect.Instance).QualifiedName(table)} ({string.Join(", ", cols)}{pk})";
    }

    public void DropTable(string dataset, string name) => RawExecute($"DROP TABLE IF EXISTS {_dialect.QualifiedName(dataset, name)}");

    /// <summary>
    /// DuckDB applies an UPDATE … FROM's rows in the order its join emits them, and scalar columns updated out of the
    /// table's order cost it about ten times as much (one date's publish of 400 rows × 37 columns: ~300 ms against
    /// ~25 ms). Its planner probes with the side it estimates larger, which for a date's rows is the staged one, in
    /// staged order. With join reordering and side swapping off for the statement, the table updated (first in the
    /// FROM) is the probe side, scanned in row order. Only the plan changes, never the result. Not for an UPDATE of a
    /// LIST or STRUCT column (MLFS's features): DuckDB runs that as delete and insert, which row order does not slow,
    /// and there the default plan is the faster one (<see cref="SqlStatement.UpdatesScalarsByKey"/>).
    /// </summary>
    private const string UpdateInTableOrder = "SET disabled_optimizers = 'join_order,build_side_probe_side'";

    /// <summary>
    /// DuckDB plans MLFS's staging INSERT (~300 computed columns and their hash) for longer than it runs it: for one
    /// date, 334 of 367 ms, 126 ms of it in the common-subexpression pass and 63 ms in the expression rewriter. Without
    /// those two passes the statement took 277 ms against 395 (median of 3); a four-season backfill took the same time,
    /// with identical output (docs/performance.md). <see cref="SqlStatement.ComputesWideRows"/>.
    /// </summary>
    private const string SkipExpressionRewrites = "SET disabled_optimizers = 'common_subexpressions,expression_rewriter'";

    private const string ResetOptimizers = "RESET disabled_optimizers";

    private long ExecuteInTableOrder(DuckDBCommand cmd) => WithOptimizersOff(UpdateInTableOrder, () => cmd.ExecuteNonQuery());

    /// <summary>Run one statement with some optimizer passes off (<paramref name="disable"/>), the whole optimizer back after it.</summary>
    private long WithOptimizersOff(string disable, Func<long> execute)
    {
        RawExecute(disable);
        try
        {
            return execute();
        }
        finally
        {
            RestoreOptimizers();
        }
    }

    /// <summary>Back to DuckDB's whole optimizer (after a failed statement in a transaction, only once it is rolled back).</summary>
    private void RestoreOptimizers()
    {
        try { RawExecute(ResetOptimizers); }
        catch (DuckDBException) { /* the transaction is aborted: ExecuteInTransaction resets after its rollback */ }
    }

    private void RawExecute(string sql)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private DuckDBCommand CreateCommand(string sql, IReadOnlyDictionary<string, object?>? parameters)
    {
        var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        if (parameters is not null)
            foreach (var (name, value) in parameters)
                cmd.Parameters.Add(new DuckDBParameter(name, ToEngineValue(value)));
        return cmd;
    }

    private static object? ToEngineValue(object? v) => v switch
    {
        null or SqlNull => DBNull.Value,
        int i => (long)i, // widen: parameters compare against BIGINT columns
        _ => v,
    };

    private static void TryCancel(IDbCommand cmd)
    {
        try { cmd.Cancel(); } catch (Exception) { /* best effort: the token is checked after the call */ }
    }

    /// <summary>DuckDB parallelism for this connection (Invoke-Backfill -ThrottleLimit).</summary>
    public void SetThreads(int threads) => RawExecute($"SET threads = {Math.Clamp(threads, 1, 64)}");

    /// <summary>Runs once the connection is closed and DuckDB has checkpointed the file (WarehouseService: remember a checked file's state).</summary>
    internal Action? AfterClose { get; set; }

    public void Dispose()
    {
        _connection.Dispose();
        if (_scratchFile is not null) ScratchFiles.Delete(_scratchFile);
        var after = AfterClose;
        AfterClose = null;
        after?.Invoke();
    }
}
