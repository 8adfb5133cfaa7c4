using System.Globalization;

namespace BackfillTools.Core.Warehouse.BigQuery;

/// <summary>
/// BigQuery's billing arithmetic and the price shown by Get-BackfillRun. The default is the on-demand list price of
/// US$6.25 per TiB (cloud.google.com/bigquery/pricing, in effect since 5 July 2023; checked 3 December 2026). Under
/// capacity (Editions) pricing bytes are not what is paid for: no price is shown, only bytes and slot time.
/// </summary>
public sealed record BigQueryPricing(decimal PricePerTiB, bool Capacity)
{
    public const decimal OnDemandListPricePerTiB = 6.25m;
    public const string OnDemandListPriceDate = "2023-07-05";

    /// <summary>BigQuery bills at least 10 MB per table a query references, and rounds up to the next MB.</summary>
    public const long MinimumBytesPerTable = 10L * 1024 * 1024;
    private const long RoundingUnit = 1024 * 1024;
    private const decimal BytesPerTiB = 1024m * 1024 * 1024 * 1024;

    public static BigQueryPricing Default { get; } = new(OnDemandListPricePerTiB, false);

    public static long BilledBytes(long bytesProcessed, int tablesReferenced)
    {
        var rounded = (bytesProcessed + RoundingUnit - 1) / RoundingUnit * RoundingUnit;
        return Math.Max(rounded, tablesReferenced * MinimumBytesPerTable);
    }

    /// <summary>The estimated price of <paramref name="bytesBilled"/>; null under capacity pricing.</summary>
    public decimal? Cost(long? bytesBilled) =>
        Capacity || bytesBilled is null ? null : Math.Round(bytesBilled.Value / BytesPerTiB * PricePerTiB, 4);

    public string FormatCost(long bytesBilled) =>
        Cost(bytesBilled) is { } c ? string.Create(CultureInfo.InvariantCulture, $", about ${c:0.####} at ${PricePerTiB}/TiB") : "";

    public static string FormatBytes(long bytes)
    {
        string[] units = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
        double v = bytes;
        var i = 0;
        while (v >= 1024 && i < units.Length - 1) { v /= 1024; i++; }
        return string.Create(CultureInfo.InvariantCulture, $"{v:0.##} {units[i]}");
    }
}
