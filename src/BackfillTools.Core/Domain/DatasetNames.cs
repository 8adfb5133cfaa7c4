namespace BackfillTools.Core.Domain;

/// <summary>The datasets the product reads and writes, by role. Table declarations live in Schema/WarehouseSchema.</summary>
public static class DatasetNames
{
    public const string Raw = "nba_raw";
    public const string Analytics = "nba_analytics";
    public const string Precompute = "nba_precompute";
    public const string Predictions = "nba_predictions";
    public const string Processing = "nba_processing";

    /// <summary>
    /// The product's own dataset (ledger, lock, waivers, schema version, origin, job costs, lineage, context-source
    /// log, UPCG backups), as declarations name it. A warehouse may call it something else (-ToolDataset): the dialect
    /// renders the name. Only the product writes it.
    /// </summary>
    public const string Tool = "backfilltools";

    /// <summary>Where a run stages its work before the audit (beside the tool dataset).</summary>
    public const string Staging = Tool + "_staging";

    /// <summary>
    /// A staging table whose name starts with this is kept in the warehouse file on DuckDB; every other staging table
    /// lives in DuckDB's in-memory scratch database (<c>DuckDbDialect.ScratchCatalog</c>). A table written inside the
    /// publish transaction needs the prefix, because DuckDB lets one transaction write only one database.
    /// </summary>
    public const string StagingInWarehousePrefix = "txn_";

    /// <summary>Where rows of a date that failed the audit are kept for inspection (beside the tool dataset).</summary>
    public const string Quarantine = Tool + "_quarantine";

    /// <summary>
    /// The datasets that are wholly the product's: what Remove-BackfillWarehouse drops from a file it only connected
    /// to. The single definition of "the product's own data"; every other dataset belongs to the warehouse.
    /// </summary>
    public static IReadOnlyList<string> Product { get; } = new[] { Tool, Staging, Quarantine };

    /// <summary>The production warehouse's datasets: the product creates nothing in them and owns none of them.</summary>
    public static IReadOnlyList<string> Production { get; } = new[]
    {
        Raw, Analytics, Precompute, Predictions, Processing, "nba_backfill", "nba_reference", "nba_orchestration",
    };

    /// <summary>Where versions before schema 8 kept the product's data (ledger, context log, staging, quarantine).</summary>
    public static IReadOnlyList<string> Legacy { get; } = new[] { "nba_backfill", Processing, "nba_staging", "nba_quarantine" };

    public static bool IsProduct(string dataset) => Product.Contains(dataset, StringComparer.OrdinalIgnoreCase);

    /// <summary>The datasets that hold declared tables (a test keeps this in step with Schema/WarehouseSchema).</summary>
    public static IReadOnlyList<string> Declared { get; } = new[] { Raw, Analytics, Precompute, Predictions, Processing, Tool };
}
