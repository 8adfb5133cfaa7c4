using BackfillTools.Core.Warehouse.BigQuery;

namespace BackfillTools.Core.Backfill;

/// <summary>
/// Remove-BackfillWarehouse: what may be deleted, decided before anything is, and the deleting. It sits beside the lock
/// because a BigQuery warehouse is never removed under a live backfill.
/// </summary>
public static class WarehouseRemover
{
    /// <summary>
    /// What Remove-BackfillWarehouse would delete, decided before anything is: a DuckDB file the product created (with
    /// its sidecars); from a file it only connected to, the product's own datasets; on BigQuery, the prefixed datasets
    /// the product created (and, with <paramref name="force"/>, unlabeled ones from older versions). Anything else is
    /// refused here, before a confirmation prompt.
    /// </summary>
    public static WarehouseRemoval PlanRemoval(WarehouseConnection connection, bool force = false)
    {
        if (connection.Kind == WarehouseKind.BigQuery)
        {
            WarehouseService.RequirePrefix(connection, "remove");
            using var w = BigQueryWarehouse.Open(connection);
            return w.PlanRemoval(force);
        }
        var path = connection.Path!;
        if (!File.Exists(path))
            throw new BackfillException(ErrorIds.WarehouseNotFound, ErrorKind.ObjectNotFound, $"There is no warehouse at '{path}'.", path);
        return WarehouseService.InspectDuckDb(path, connection.ToolDataset) switch
        {
            WarehouseOrigin.Created => new WarehouseRemoval(path, DeletesFile: true, DuckDbFiles.All(path).Where(File.Exists).ToList(), Array.Empty<string>()),
            WarehouseOrigin.Connected => new WarehouseRemoval(path, DeletesFile: false,
                DatasetNames.Product.Select(d => new DuckDbDialect { ToolDataset = connection.ToolDataset }.PhysicalDataset(d) + ".*").ToList(),
                Array.Empty<string>()),
            _ => throw WarehouseService.NotABackfillWarehouse(path, "it holds no BackfillTools warehouse marker (neither created by New-BackfillWarehouse nor connected with Connect-BackfillWarehouse)"),
        };
    }

    /// <summary>Delete what <see cref="PlanRemoval"/> allows (re-decided now, not trusted from an earlier plan). Returns what was deleted.</summary>
    public static IReadOnlyList<string> Remove(WarehouseConnection connection, bool force = false)
    {
        if (connection.Kind == WarehouseKind.BigQuery)
        {
            WarehouseService.RequirePrefix(connection, "remove");
            using var w = BigQueryWarehouse.Open(connection);
            return w.DeleteDatasets(force); // plans again itself
        }
        var plan = PlanRemoval(connection, force);
        var path = connection.Path!;
        if (!plan.DeletesFile) return DropProductData(path, connection.ToolDataset);
        // Opening proves no other process holds it.
        WarehouseService.EnsureNotLocked(path);
        var removed = new List<string>();
        foreach (var file in DuckDbFiles.All(path))
        {
            if (!File.Exists(file)) continue;
            File.Delete(file);
            removed.Add(file);
        }
        return removed;
    }

    /// <summary>From a file the product only connected to: drop the product's own datasets (all or none), keep the rest.</summary>
    private static IReadOnlyList<string> DropProductData(string path, string toolDataset)
    {
        using var w = DuckDbWarehouse.Open(path, toolDataset: toolDataset);
        var existing = w.ExistingTables();
        var dropped = DatasetNames.Product.Where(d => existing.Any(t => t.StartsWith(d + ".", StringComparison.OrdinalIgnoreCase)))
            .Select(d => w.Dialect.PhysicalDataset(d)).Select(d => (Name: d, Sql: $"DROP SCHEMA {d} CASCADE"))
            .ToList();
        w.ExecuteInTransaction(dropped.Select(d => new SqlStatement(d.Sql)).ToList());
        w.Execute("CHECKPOINT");
        return dropped.Select(d => d.Name).ToList();
    }

    /// <summary>Every dataset this tool creates, with its prefix: declared tables, staging, quarantine, and where older versions kept the product's data.</summary>
    public static IReadOnlyList<string> Datasets(this BigQueryWarehouse w) =>
        WarehouseSchema.All.Select(t => t.Dataset).Append(DatasetNames.Staging).Append(DatasetNames.Quarantine)
            .Concat(ToolDatasetMigration.LegacyDatasets).Distinct(StringComparer.OrdinalIgnoreCase).Select(w.DatasetName).ToList();

    /// <summary>
    /// What removing this (prefixed) warehouse deletes: the existing datasets of <see cref="Datasets"/> that carry
    /// <see cref="BigQueryWarehouse.CreatedLabel"/>, plus, with <paramref name="force"/>, unlabeled ones (older versions).
    /// Refused while a live backfill holds the lock, and when unlabeled datasets exist without <paramref name="force"/>.
    /// </summary>
    public static WarehouseRemoval PlanRemoval(this BigQueryWarehouse w, bool force)
    {
        if (w.DatasetPrefix.Length == 0)
            throw new BackfillException(ErrorIds.DatasetPrefixRequired, ErrorKind.InvalidArgument,
                "BackfillTools does not remove the unprefixed (production) datasets.", w.Project);
        EnsureNoLiveBackfill(w);
        var labeled = new List<string>();
        var unlabeled = new List<string>();
        var created = BigQueryWarehouse.CreatedLabel;
        foreach (var dataset in w.Datasets())
        {
            var labels = w.DatasetLabels(dataset);
            if (labels is null) continue;
            (labels.TryGetValue(created.Key, out var v) && v == created.Value ? labeled : unlabeled).Add(dataset);
        }
        if (unlabeled.Count > 0 && !force)
            throw new BackfillException(ErrorIds.UnlabeledDatasets, ErrorKind.InvalidOperation,
                $"{string.Join(", ", unlabeled)} in {w.Project} carry no '{created.Key}' label, so BackfillTools cannot tell that it created them " +
                "(an older version did, or someone else). Nothing was deleted. Check them, then add -Force and confirm the list to delete them too.", unlabeled);
        return new WarehouseRemoval($"BigQuery {w.Project}", DeletesFile: false, labeled.Concat(unlabeled).ToList(), unlabeled);
    }

    /// <summary>datasets.delete (with contents) for what <see cref="PlanRemoval(BigQueryWarehouse, bool)"/> allows, decided again now; returns what was deleted.</summary>
    public static IReadOnlyList<string> DeleteDatasets(this BigQueryWarehouse w, bool force = false) =>
        w.PlanRemoval(force).Items.Where(d => w.DeleteDataset(d)).ToList();

    /// <summary>A backfill holding a live (not stale) lock owns these datasets right now: refuse.</summary>
    private static void EnsureNoLiveBackfill(BigQueryWarehouse w)
    {
        var lockTable = WarehouseSchema.BackfillLock;
        if (!w.TableExists(lockTable.Dataset, lockTable.Name)) return;
        if (WarehouseLock.LiveHolder(w) is { } holder)
            throw new BackfillException(ErrorIds.BackfillInProgress, ErrorKind.ResourceBusy,
                $"A backfill is running against this warehouse: run {holder.RunId} on host {holder.Host} (process {holder.Pid}). " +
                "Nothing was deleted. Wait for it to finish (Get-BackfillRun shows it), then retry.", holder.RunId);
    }
}
