using BackfillTools.Core.Processors;
using BackfillTools.Core.Sql;

namespace BackfillTools.Core.Accounting;

/// <summary>
/// The one definition of Phase 4 coverage, shared by the backfill gate (on staging tables) and Test-Coverage (on the
/// published tables), so the two can never disagree: an expected entity (the processor's own ExpectedEntitiesSql) is
/// accounted for by an output row, or by a failure row whose category is a by-design skip
/// (<see cref="ProcessorCatalog.IsByDesignSkip"/>). Coverage % = accounted ÷ expected × 100.
/// </summary>
public static class CoverageAccounting
{
    /// <summary>The by-design failure categories, as a SQL list of literals.</summary>
    public static string ByDesignCategoriesSql { get; } = string.Join(", ",
        FailureCategories.Recorded.Where(FailureCategories.IsByDesignSkip).Select(c => $"'{c}'"));

    /// <summary>
    /// Portable SQL, one row per expected entity of every date in <paramref name="datesTable"/>:
    /// (analysis_date, entity_id, has_row BOOL, by_design BOOL, failure_category STRING).
    /// </summary>
    /// <param name="processor">Which processor.</param>
    /// <param name="datesTable">A table placeholder ({{ds.t}}) or a CTE name with one column analysis_date.</param>
    /// <param name="rowsTable">Output rows; default the published table. The runner passes its staging rows.</param>
    /// <param name="failuresTable">Failure rows (precompute_failures shape); default nba_processing.precompute_failures.</param>
    public static string EntitiesSql(ProcessorName processor, string datesTable, string? rowsTable = null, string? failuresTable = null,
        (DateOnly From, DateOnly To)? window = null)
    {
        var def = ProcessorCatalog.Get(processor);
        var rows = string.IsNullOrEmpty(rowsTable) ? def.Output.Placeholder : rowsTable;
        var failures = string.IsNullOrEmpty(failuresTable) ? Schema.WarehouseSchema.PrecomputeFailures.Placeholder : failuresTable;
        // Reads of require_partition_filter tables (schedule, MLFS) stay within the dates' read window (constant bounds).
        var within = window ?? Season.AllTime;
        var expected = ProcessorCatalog.Engine(processor).ExpectedEntitiesSqlWithin(within)
            .Replace("{{stage.dates}}", datesTable, StringComparison.Ordinal);
        return $@"WITH exp AS (SELECT DISTINCT x.analysis_date, x.entity_id FROM ({expected}) AS x),
     r AS (SELECT DISTINCT t.{def.DateColumn} AS analysis_date, t.{def.EntityColumn} AS entity_id FROM {rows} AS t
           WHERE t.{def.DateColumn} IN (SELECT analysis_date FROM {datesTable}) AND {DateScope.Between("t." + def.DateColumn, within)}{ProcessorCatalog.OutputOwnership(processor).ProductRowsFilter("t")}),
     f AS (SELECT analysis_date, entity_id, MIN(failure_category) AS failure_category,
                  LOGICAL_OR(failure_category IN ({ByDesignCategoriesSql})) AS by_design
           FROM {failures}
           WHERE processor_name = '{def.Name}' AND analysis_date IN (SELECT analysis_date FROM {datesTable})
           GROUP BY analysis_date, entity_id)
SELECT e.analysis_date, e.entity_id, r.entity_id IS NOT NULL AS has_row, COALESCE(f.by_design, FALSE) AS by_design, f.failure_category
FROM exp AS e
LEFT JOIN r ON r.analysis_date = e.analysis_date AND r.entity_id = e.entity_id
LEFT JOIN f ON f.analysis_date = e.analysis_date AND f.entity_id = e.entity_id";
    }

    /// <summary>
    /// Portable SQL, one row per date of <paramref name="datesTable"/>: analysis_date, expected, accounted (row or by-design
    /// failure), with_row, by_design (accounted by a failure only), actual (all rows on the date), failures (all failure
    /// rows), other_failures (not by design), upstream_failures (INCOMPLETE_UPSTREAM because a required Phase 4 table had no rows) with upstream_reason, first_other_category.
    /// Coverage % = 100 × accounted ÷ expected. Parameters as for <see cref="EntitiesSql"/>.
    /// </summary>
    public static string Sql(ProcessorName processor, string datesTable, string? rowsTable = null, string? failuresTable = null,
        (DateOnly From, DateOnly To)? window = null)
    {
        var within = window ?? Season.AllTime;
        var def = ProcessorCatalog.Get(processor);
        var rows = string.IsNullOrEmpty(rowsTable) ? def.Output.Placeholder : rowsTable;
        var failures = string.IsNullOrEmpty(failuresTable) ? Schema.WarehouseSchema.PrecomputeFailures.Placeholder : failuresTable;
        return $@"SELECT d.analysis_date,
       COALESCE(e.expected, 0) AS expected, COALESCE(e.accounted, 0) AS accounted, COALESCE(e.with_row, 0) AS with_row,
       COALESCE(e.by_design, 0) AS by_design, COALESCE(rc.n_rows, 0) AS actual, COALESCE(fc.failures, 0) AS failures,
       COALESCE(fc.other_failures, 0) AS other_failures, COALESCE(fc.upstream_failures, 0) AS upstream_failures, fc.upstream_reason,
       fc.first_other_category
FROM (SELECT DISTINCT analysis_date FROM {datesTable}) AS d
LEFT JOIN (
  SELECT analysis_date, COUNT(*) AS expected, COUNTIF(has_row OR by_design) AS accounted, COUNTIF(has_row) AS with_row,
         COUNTIF(by_design AND NOT has_row) AS by_design
  FROM ({EntitiesSql(processor, datesTable, rowsTable, failuresTable, within)}) AS ent
  GROUP BY analysis_date
) AS e ON e.analysis_date = d.analysis_date
LEFT JOIN (
  SELECT t.{def.DateColumn} AS analysis_date, COUNT(*) AS n_rows FROM {rows} AS t
  WHERE t.{def.DateColumn} IN (SELECT analysis_date FROM {datesTable}) AND {DateScope.Between("t." + def.DateColumn, within)}{ProcessorCatalog.OutputOwnership(processor).ProductRowsFilter("t")}
  GROUP BY t.{def.DateColumn}
) AS rc ON rc.analysis_date = d.analysis_date
LEFT JOIN (
  SELECT analysis_date, COUNT(*) AS failures,
         COUNTIF(failure_category NOT IN ({ByDesignCategoriesSql})) AS other_failures,
         COUNTIF(failure_category = 'INCOMPLETE_UPSTREAM' AND failure_type = 'upstream') AS upstream_failures,
         MIN(CASE WHEN failure_category = 'INCOMPLETE_UPSTREAM' AND failure_type = 'upstream' THEN failure_reason END) AS upstream_reason,
         MIN(CASE WHEN failure_category NOT IN ({ByDesignCategoriesSql}) THEN failure_category END) AS first_other_category
  FROM {failures}
  WHERE processor_name = '{def.Name}' AND analysis_date IN (SELECT analysis_date FROM {datesTable})
  GROUP BY analysis_date
) AS fc ON fc.analysis_date = d.analysis_date";
    }
}
