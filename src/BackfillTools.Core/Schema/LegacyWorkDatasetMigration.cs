using System.Text.RegularExpressions;
using BackfillTools.Core.Warehouse;
using BackfillTools.Core.Warehouse.BigQuery;

namespace BackfillTools.Core.Schema;

/// <summary>
/// Schema version 10: finishes what version 8 (<see cref="ToolDatasetMigration"/>) began for the run's work datasets.
/// Versions before 8 staged in <c>nba_staging</c> and kept quarantined rows in <c>nba_quarantine</c>, both the product's
/// own. Each legacy quarantine table's rows move into the product's quarantine table of the same name, for the dates
/// that table does not hold yet (a date quarantined since is newer and wins); the legacy table is then dropped. Leftover
/// scratch tables of interrupted runs in <c>nba_staging</c> are dropped. Each legacy dataset is dropped once it is empty,
/// never with contents: anything else found there stays, and so does its dataset. Production datasets are not touched.
/// Safe to re-run at any point: a copy only adds dates the target lacks.
/// </summary>
public static partial class LegacyWorkDatasetMigration
{
    public const int Version = 10;
    public const string LegacyStaging = "nba_staging";
    public const string LegacyQuarantine = "nba_quarantine";

    /// <summary>Each output's quarantine: where versions before 8 kept it, and where it is kept now.</summary>
    public static IReadOnlyList<(TableDef From, TableDef To)> Quarantines =>
        PrecomputeTables.All.Select(t => (t.WithName(LegacyQuarantine, t.Name), t.WithName(DatasetNames.Quarantine, t.Name))).ToList();

    /// <summary>Copy the legacy rows of the dates <paramref name="to"/> does not hold (the columns both have).</summary>
    public static string CopySql(TableDef from, TableDef to, IReadOnlyList<string> columns)
    {
        var date = to.PartitionColumn ?? throw new ArgumentException($"{to.FullName} has no date column.", nameof(to));
        return $"INSERT INTO {to.Placeholder} ({string.Join(", ", columns)}) SELECT {string.Join(", ", columns.Select(c => "f." + c))} " +
               $"FROM {from.Placeholder} AS f WHERE NOT EXISTS (SELECT 1 FROM {to.Placeholder} AS t WHERE t.{date} = f.{date})";
    }

    public static void Apply(IWarehouse w)
    {
        var existing = w.ExistingTables();
        var moves = Quarantines.Where(m => existing.Contains(m.From.FullName)).ToList();
        // Scratch tables as runs name them ({processor}_{kind}_{tag}); a run drops its own at the end, so these are leftovers.
        var scratch = TablesIn(existing, LegacyStaging).Where(t => RunScratchName().IsMatch(t)).ToList();

        foreach (var (_, to) in moves) w.EnsureTable(to);
        var copies = moves.Select(m =>
        {
            var old = w.TableColumns(m.From.Dataset, m.From.Name)!.Select(c => c.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            return new SqlStatement(CopySql(m.From, m.To, m.To.ColumnNames.Where(old.Contains).ToList()));
        }).ToList();
        var drops = moves.Select(m => (m.From.Dataset, m.From.Name)).Concat(scratch.Select(t => (LegacyStaging, t))).ToList();

        if (w.Dialect is DuckDbDialect)
            w.ExecuteInTransaction(copies.Concat(drops.Select(d => new SqlStatement(ToolDatasetMigration.DropSql(d.Item1, d.Item2)))).ToList());
        else
        {
            // BigQuery allows no DDL inside a transaction: the copies commit together, then the old tables go.
            if (copies.Count > 0) w.ExecuteInTransaction(copies);
            foreach (var (dataset, name) in drops) w.DropTable(dataset, name);
        }

        var left = w.ExistingTables();
        foreach (var dataset in new[] { LegacyStaging, LegacyQuarantine }.Where(d => TablesIn(left, d).Count == 0))
            DropEmptyDataset(w, dataset);
    }

    private static List<string> TablesIn(IReadOnlySet<string> tables, string dataset) =>
        tables.Where(t => t.StartsWith(dataset + ".", StringComparison.OrdinalIgnoreCase)).Select(t => t[(dataset.Length + 1)..]).Order(StringComparer.Ordinal).ToList();

    /// <summary>Drop a dataset only if it holds nothing (DuckDB: RESTRICT; BigQuery: deleteContents=false); a missing one is fine.</summary>
    private static void DropEmptyDataset(IWarehouse w, string dataset)
    {
        if (w is not BigQueryWarehouse bigQuery)
        {
            w.Execute($"DROP SCHEMA IF EXISTS {w.Dialect.PhysicalDataset(dataset)} RESTRICT");
            return;
        }
        var name = bigQuery.DatasetName(dataset);
        try
        {
            if (bigQuery.DatasetLabels(name) is not null) bigQuery.DeleteDataset(name, deleteContents: false);
        }
        catch (BackfillException ex) when (ex.Kind == ErrorKind.PermissionDenied)
        {
            // Not readable by this identity (as ExistingTables treats it): it holds nothing this identity made.
        }
    }

    [GeneratedRegex(@"^[a-z]+_(dates|rows|failures|context|results|counts)_\w+$", RegexOptions.IgnoreCase)]
    private static partial Regex RunScratchName();

    /// <summary>The copies, for the GoogleSQL gate: its catalog knows a legacy quarantine table as the output's staging copy (same columns).</summary>
    [StatementCatalog]
    internal static IEnumerable<RegisteredStatement> Catalog() =>
        Quarantines.Select(m => new RegisteredStatement($"LegacyWorkDatasetMigration.CopyQuarantine[{m.To.Name}]",
            CopySql(m.From.WithName("stage", m.From.Name), m.To, m.To.ColumnNames.ToList())));
}
