namespace BackfillTools.Core.Domain;

/// <summary>The datasets the product reads and writes, by role. Table declarations live in Schema/WarehouseSchema.</summary>
public static class DatasetNames
{
    public const string Raw = "nba_raw";
    public const string Analytics = "nba_analytics";
    public const string Precompute = "nba_precompute";
    public const string Predictions = "nba_predictions";
    public const string Processing = "nba_processing";

    /// <summary>The product's own bookkeeping: ledger, lock, waivers, schema version, backups.</summary>
    public const string Backfill = "nba_backfill";

    /// <summary>Where a run stages its work before the audit.</summary>
    public const string Staging = "nba_staging";

    /// <summary>Where rows of a date that failed the audit are kept for inspection.</summary>
    public const string Quarantine = "nba_quarantine";

    /// <summary>The datasets that hold declared tables (a test keeps this in step with Schema/WarehouseSchema).</summary>
    public static IReadOnlyList<string> Declared { get; } = new[] { Raw, Analytics, Precompute, Predictions, Processing, Backfill };
}
