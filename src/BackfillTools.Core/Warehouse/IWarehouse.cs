namespace BackfillTools.Core.Warehouse;

/// <summary>One statement of portable SQL with its named parameters.</summary>
public sealed record SqlStatement(string Sql, IReadOnlyDictionary<string, object?>? Parameters = null)
{
    public static implicit operator SqlStatement(string sql) => new(sql);

    /// <summary>
    /// An <c>UPDATE … FROM</c> that sets scalar columns only, its rows joined by key: an engine that applies such rows
    /// faster in the table's own order may plan it for that (DuckDB; see <c>DuckDbWarehouse</c>).
    /// </summary>
    public bool UpdatesScalarsByKey { get; init; }

    /// <summary>
    /// A statement that computes hundreds of columns a row (MLFS's staged rows and their data_hash): an engine whose
    /// optimizer spends longer rewriting such expressions than running them may skip those passes (DuckDB; see
    /// <c>DuckDbWarehouse</c>). Only the plan changes, never the result.
    /// </summary>
    public bool ComputesWideRows { get; init; }
}

/// <summary>
/// The seam between the engine and a warehouse. All SQL passed in is portable GoogleSQL (see <see cref="SqlDialect"/>);
/// implementations render it. Heavy work is set-based SQL inside the warehouse; rows cross this seam only as results.
/// </summary>
public interface IWarehouse : IDisposable
{
    SqlDialect Dialect { get; }

    /// <summary>A description safe to show (never a credential).</summary>
    string Description { get; }

    QueryResult Query(string sql, IReadOnlyDictionary<string, object?>? parameters = null, CancellationToken cancellationToken = default);

    /// <summary>Run one statement; returns the rows affected (or -1 when the engine does not say).</summary>
    long Execute(string sql, IReadOnlyDictionary<string, object?>? parameters = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Run the statements as one transaction: all take effect or none does. Success is decided by the absence of an
    /// exception (a DuckDB COMMIT after a failed statement silently rolls back), so any failure throws.
    /// </summary>
    IReadOnlyList<long> ExecuteInTransaction(IReadOnlyList<SqlStatement> statements, CancellationToken cancellationToken = default);

    /// <summary>
    /// Run the statements in order as one submission: one script job on BigQuery, where every job costs fixed latency
    /// and quota; one statement after another here. Not a transaction: a failure stops the batch and earlier statements
    /// keep their effect, and BigQuery may re-run the whole script after a job-level failure, so a batch must be
    /// idempotent (reset what it appends to, CREATE OR REPLACE what it creates). A failing statement is reported as a
    /// <see cref="SqlBatchException"/> when the engine can tell which one it was.
    /// </summary>
    void ExecuteBatch(IReadOnlyList<SqlStatement> statements, CancellationToken cancellationToken = default) =>
        SqlBatch.RunInOrder(statements, s => Execute(s.Sql, s.Parameters, cancellationToken), cancellationToken);

    /// <summary>Append rows to a declared table, values in the table's column order. Typed per column.</summary>
    long BulkAppend(TableDef table, IEnumerable<object?[]> rows, CancellationToken cancellationToken = default);

    /// <summary>Tables that exist, as dataset.table.</summary>
    IReadOnlySet<string> ExistingTables();

    /// <summary>
    /// The columns of an existing table as the engine stores them, in order, with GoogleSQL types (engine types with no
    /// GoogleSQL equivalent as <see cref="SqlType.Unmodeled"/>); null when the table does not exist.
    /// </summary>
    IReadOnlyList<ColumnDef>? TableColumns(string dataset, string name) =>
        throw new NotSupportedException($"{Description} cannot describe a table's columns.");

    /// <summary>
    /// <see cref="TableColumns(string, string)"/> of several tables, keyed by dataset.table (case-insensitive); an engine
    /// whose catalog reads cost a statement each reads them all in one.
    /// </summary>
    IReadOnlyDictionary<string, IReadOnlyList<ColumnDef>?> TableColumns(IEnumerable<(string Dataset, string Name)> tables)
    {
        var columns = new Dictionary<string, IReadOnlyList<ColumnDef>?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (dataset, name) in tables) columns.TryAdd($"{dataset}.{name}", TableColumns(dataset, name));
        return columns;
    }

    /// <summary>Create a declared table if it is missing.</summary>
    void EnsureTable(TableDef table);

    /// <summary>Drop a table if it exists (staging, quarantine and backup tables only).</summary>
    void DropTable(string dataset, string name);
}

/// <summary><see cref="IWarehouse.ExecuteBatch"/> on an engine without scripts.</summary>
internal static class SqlBatch
{
    /// <summary>One statement after another; a failure stops the batch and is reported with its statement's index.</summary>
    public static void RunInOrder(IReadOnlyList<SqlStatement> statements, Action<SqlStatement> execute, CancellationToken cancellationToken)
    {
        for (var i = 0; i < statements.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try { execute(statements[i]); }
            catch (Exception ex) when (ex is not OperationCanceledException and not BackfillException)
            {
                throw new SqlBatchException(i, ex);
            }
        }
    }
}

/// <summary>Statement <see cref="StatementIndex"/> of an <see cref="IWarehouse.ExecuteBatch"/> failed.</summary>
public sealed class SqlBatchException(int statementIndex, Exception inner) : Exception(inner.Message, inner)
{
    public int StatementIndex { get; } = statementIndex;
}

public static class WarehouseExtensions
{
    public static long ScalarInt64(this IWarehouse w, string sql, IReadOnlyDictionary<string, object?>? parameters = null, CancellationToken ct = default)
    {
        var r = w.Query(sql, parameters, ct);
        return r.Count == 0 || r.Rows[0][0] is null ? 0 : Convert.ToInt64(r.Rows[0][0], System.Globalization.CultureInfo.InvariantCulture);
    }

    public static Dictionary<string, object?> Params(params (string Name, object? Value)[] values) =>
        values.ToDictionary(v => v.Name, v => v.Value);
}
