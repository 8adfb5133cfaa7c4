using BackfillTools.Core.Processors;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Core.Validation;

/// <summary>The checks Test-DataQuality can run.</summary>
public enum DataQualityCheck { DuplicateKey, NullKey, CriticalNull, OutOfRange, CascadeContamination, ThinPartition }

public sealed record DataQualityOptions
{
    public const double DefaultContaminationPct = 5;
    public const double DefaultThinRatio = 0.5;

    public IReadOnlyList<ProcessorName>? Processors { get; init; }
    public IReadOnlyList<DataQualityCheck>? Checks { get; init; }

    /// <summary>Critical NULLs: share (%) at or above which a finding is an Error rather than a Warning.</summary>
    public double CriticalNullErrorPct { get; init; } = 5;

    /// <summary>Cascade contamination: share (%) of PCF rows with missing matchup inputs that is reported.</summary>
    public double ContaminationPct { get; init; } = DefaultContaminationPct;

    /// <summary>Thin partition: rows (per game for player tables) below this fraction of the neighbourhood median.</summary>
    public double ThinRatio { get; init; } = DefaultThinRatio;

    /// <summary>How many dates either side form a date's neighbourhood.</summary>
    public int Neighbours { get; init; } = DefaultNeighbours;

    /// <summary>Dates on each side a value is compared with (a window size, not the stale-context TTL).</summary>
    public const int DefaultNeighbours = 7;
}

/// <summary>
/// Test-DataQuality: per output table one set-based query gives per-date counts (rows, duplicate and NULL keys,
/// critical NULLs, out-of-range values, contamination); thin partitions compare each date with the median of its
/// neighbouring dates in memory (a rolling median is not portable SQL).
/// </summary>
public static class DataQualityChecker
{
    /// <summary>Columns that must not be NULL on a published row (the reference's critical-field checks).</summary>
    private static readonly Dictionary<ProcessorName, string[]> CriticalColumns = new()
    {
        [ProcessorName.TDZA] = new[] { "defensive_rating_last_15", "paint_defense_vs_league_avg" },
        [ProcessorName.PSZA] = new[] { "games_in_sample_10", "paint_rate_last_10" },
        [ProcessorName.PCF] = new[] { "fatigue_score", "opponent_strength_score", "total_composite_adjustment" },
        [ProcessorName.PDC] = new[] { "games_played_season", "points_avg_last_10" },
        [ProcessorName.MLFS] = new[] { "features", "feature_quality_score" },
    };

    /// <summary>Value ranges from the processors' pre-write rules (spec §3) and score definitions.</summary>
    private static readonly Dictionary<ProcessorName, (string Column, double Lo, double Hi)[]> Ranges = new()
    {
        [ProcessorName.TDZA] = new[] { ("paint_pct_allowed_last_15", 0.0, 1.0), ("mid_range_pct_allowed_last_15", 0.0, 1.0), ("three_pt_pct_allowed_last_15", 0.0, 1.0) },
        [ProcessorName.PSZA] = new[] { ("paint_rate_last_10", 0.0, 100.0), ("mid_range_rate_last_10", 0.0, 100.0), ("three_pt_rate_last_10", 0.0, 100.0),
                                       ("paint_pct_last_10", 0.0, 1.0), ("mid_range_pct_last_10", 0.0, 1.0), ("three_pt_pct_last_10", 0.0, 1.0) },
        [ProcessorName.PCF] = new[] { ("fatigue_score", 0.0, 100.0), ("shot_zone_mismatch_score", -15.0, 15.0), ("pace_score", -8.0, 8.0) },
        [ProcessorName.PDC] = new[] { ("ts_pct_last_10", 0.0, 1.5), ("minutes_avg_last_10", 0.0, 60.0) },
        [ProcessorName.MLFS] = new[] { ("feature_quality_score", 0.0, 100.0) },
    };

    /// <summary>Processors whose row count follows the slate size: thin partitions compare rows per game.</summary>
    private static bool PerGame(ProcessorName p) => p is ProcessorName.PCF or ProcessorName.PDC or ProcessorName.MLFS;

    public static IReadOnlyList<DataQualityFinding> Run(IWarehouse w, DateScope scope, DataQualityOptions options,
        IProgress<ProgressInfo>? progress = null, CancellationToken ct = default)
    {
        if (options.ThinRatio is <= 0 or > 1 || double.IsNaN(options.ThinRatio))
            throw new BackfillException(ErrorIds.InvalidThreshold, ErrorKind.InvalidArgument, "-ThinRatio must be above 0 and at most 1.");
        var checks = (options.Checks ?? Enum.GetValues<DataQualityCheck>()).ToHashSet();
        var processors = options.Processors ?? Enum.GetValues<ProcessorName>();
        var findings = new List<DataQualityFinding>();
        var i = 0;
        foreach (var p in processors)
        {
            ct.ThrowIfCancellationRequested();
            progress?.Report(new ProgressInfo("Test-DataQuality", p.ToString(), i++, processors.Count));
            findings.AddRange(CheckTable(w, scope, p, checks, options, ct));
        }
        progress?.Report(new ProgressInfo("Test-DataQuality", "done", processors.Count, processors.Count));
        return findings.OrderBy(f => f.Date).ThenBy(f => f.Table).ThenBy(f => f.Check).ToList();
    }

    /// <summary>Per date of the table: rows, games, NULL and duplicate keys, critical NULLs, out-of-range counts, contamination.</summary>
    internal static string QualitySql(DateScope scope, ProcessorName p)
    {
        var def = ProcessorCatalog.Get(p);
        var dc = def.DateColumn;
        var ec = def.EntityColumn;
        var measures = new List<string>
        {
            "COUNT(*) AS n_rows",
            $"COUNTIF(t.{ec} IS NULL) AS null_keys",
            $"COUNT(*) - COUNT(DISTINCT t.{ec}) - COUNTIF(t.{ec} IS NULL) AS dup_keys",
        };
        measures.AddRange(CriticalColumns[p].Select((c, k) => $"COUNTIF(t.{c} IS NULL) AS null_{k}"));
        measures.AddRange(Ranges[p].Select((r, k) => $"COUNTIF(t.{r.Column} < {r.Lo} OR t.{r.Column} > {r.Hi}) AS range_{k}"));
        if (p == ProcessorName.PCF)
            // Cascade = the opponent's TDZA row was missing (the 2021-12-04 pattern). A missing PSZA row alone is usually a
            // by-design skip (too few games yet), so it is not counted.
            measures.Add("COUNTIF(t.missing_data_fields LIKE '%team_defense_zone%') AS contaminated");
        return $@"WITH {scope.Ctes()},
g AS (SELECT game_date, COUNT(*) AS games FROM sched GROUP BY game_date)
SELECT t.{dc} AS d, COALESCE(MAX(g.games), 0) AS games, {string.Join(", ", measures)}
FROM {def.Output.Placeholder} AS t
LEFT JOIN g ON g.game_date = t.{dc}
WHERE t.{dc} IN (SELECT analysis_date FROM cov_dates) AND {scope.ReadBound("t." + dc)}{ProcessorCatalog.OutputOwnership(p).ProductRowsFilter("t")}
GROUP BY t.{dc}
ORDER BY t.{dc}";
    }

    private static IEnumerable<DataQualityFinding> CheckTable(IWarehouse w, DateScope scope, ProcessorName p,
        HashSet<DataQualityCheck> checks, DataQualityOptions o, CancellationToken ct)
    {
        var def = ProcessorCatalog.Get(p);
        var table = def.Output.FullName;
        var dc = def.DateColumn;
        var ec = def.EntityColumn;
        var rows = w.Query(QualitySql(scope, p), null, ct).AsRows().ToList();
        var list = new List<DataQualityFinding>();
        DataQualityFinding F(DateOnly d, DataQualityCheck check, string? column, double observed, double threshold, FindingSeverity sev, string detail) =>
            new() { Table = table, Date = d, Check = check, Column = column, Observed = observed, Threshold = threshold, Severity = sev, Detail = detail };

        foreach (var r in rows)
        {
            var d = r.GetDate("d");
            var n = r.GetInt64("n_rows");
            if (checks.Contains(DataQualityCheck.DuplicateKey) && r.GetInt64("dup_keys") is > 0 and var dup)
                list.Add(F(d, DataQualityCheck.DuplicateKey, $"{dc}, {ec}", dup, 0, FindingSeverity.Error, $"{dup} duplicate key(s) among {n} rows."));
            if (checks.Contains(DataQualityCheck.NullKey) && r.GetInt64("null_keys") is > 0 and var nk)
                list.Add(F(d, DataQualityCheck.NullKey, ec, nk, 0, FindingSeverity.Error, $"{nk} row(s) with a NULL {ec}."));
            if (checks.Contains(DataQualityCheck.CriticalNull))
                for (var k = 0; k < CriticalColumns[p].Length; k++)
                    if (r.GetInt64($"null_{k}") is > 0 and var nulls)
                    {
                        var pct = Math.Round(100.0 * nulls / n, 2);
                        list.Add(F(d, DataQualityCheck.CriticalNull, CriticalColumns[p][k], pct, o.CriticalNullErrorPct,
                            pct >= o.CriticalNullErrorPct ? FindingSeverity.Error : FindingSeverity.Warning, $"{nulls} of {n} rows have no {CriticalColumns[p][k]}."));
                    }
            if (checks.Contains(DataQualityCheck.OutOfRange))
                for (var k = 0; k < Ranges[p].Length; k++)
                    if (r.GetInt64($"range_{k}") is > 0 and var bad)
                    {
                        var (c, lo, hi) = Ranges[p][k];
                        list.Add(F(d, DataQualityCheck.OutOfRange, c, bad, 0, FindingSeverity.Error, $"{bad} of {n} rows have {c} outside {lo}..{hi}."));
                    }
            if (p == ProcessorName.PCF && checks.Contains(DataQualityCheck.CascadeContamination) && n > 0)
            {
                var pct = Math.Round(100.0 * r.GetInt64("contaminated") / n, 2);
                if (pct > o.ContaminationPct)
                    list.Add(F(d, DataQualityCheck.CascadeContamination, "missing_data_fields", pct, o.ContaminationPct,
                        pct >= 50 ? FindingSeverity.Error : FindingSeverity.Warning,
                        $"{r.GetInt64("contaminated")} of {n} rows were computed without the opponent's TDZA row (matchup inputs missing)."));
            }
        }

        if (checks.Contains(DataQualityCheck.ThinPartition))
        {
            var perGame = PerGame(p);
            var series = rows.Select(r => (Date: r.GetDate("d"), Value: perGame
                ? (r.GetInt64("games") > 0 ? (double)r.GetInt64("n_rows") / r.GetInt64("games") : (double)r.GetInt64("n_rows"))
                : r.GetInt64("n_rows"))).ToList();
            for (var k = 0; k < series.Count; k++)
            {
                var neighbours = series.Skip(Math.Max(0, k - o.Neighbours)).Take(Math.Min(k, o.Neighbours))
                    .Concat(series.Skip(k + 1).Take(o.Neighbours)).Select(x => x.Value).Order().ToList();
                if (neighbours.Count < 3) continue;
                var median = neighbours.Count % 2 == 1 ? neighbours[neighbours.Count / 2]
                    : (neighbours[neighbours.Count / 2 - 1] + neighbours[neighbours.Count / 2]) / 2;
                if (median > 0 && series[k].Value < o.ThinRatio * median)
                    list.Add(F(series[k].Date, DataQualityCheck.ThinPartition, null, Math.Round(series[k].Value, 2), Math.Round(o.ThinRatio * median, 2),
                        FindingSeverity.Warning,
                        $"{Math.Round(series[k].Value, 2)} rows{(perGame ? " per game" : "")} against a median of {Math.Round(median, 2)} over the neighbouring dates."));
            }
        }
        return list;
    }
}
