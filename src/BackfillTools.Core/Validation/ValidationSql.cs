using BackfillTools.Core.Processors;

namespace BackfillTools.Core.Validation;

/// <summary>
/// The validation cmdlets' SQL (Test-Coverage's facts, accounting, ledger and context reads; CoverageValidator keeps the
/// options and the grading), and every statement they can send, with representative inputs, for the GoogleSQL gate
/// (registered by <see cref="Registered"/>). Reads of require_partition_filter tables stay within the scope's
/// <see cref="DateScope.ReadWindow"/>.
/// The statements carry no parameters: dates, seasons and ids are validated and inlined as literals.
/// </summary>
public static class ValidationSql
{
    private static string Staged(Warehouse.TableDef t) => t.WithName("stage", t.Name).Placeholder;

    private static string StagedDates => Staged(Schema.WarehouseSchema.ContextSourceLog);

    [StatementCatalog]
    internal static IEnumerable<RegisteredStatement> Registered() => Catalog().Select(s => new RegisteredStatement(s.Name, s.Sql));

    public static IEnumerable<(string Name, string Sql)> Catalog()
    {
        var scopes = new (string Name, DateScope Scope)[]
        {
            ("All", DateScope.All()),
            ("Range", DateScope.Range(new DateOnly(2023, 2, 1), new DateOnly(2023, 2, 28))),
            ("Seasons", DateScope.Seasons(new[] { "2022-23", "2023-24" }, regularSeasonOnly: true)),
            ("Dates", DateScope.Explicit(new[] { new DateOnly(2023, 2, 23), new DateOnly(2023, 2, 24) })),
            ("AllRegular", DateScope.All(regularSeasonOnly: true)),
        };
        foreach (var (name, scope) in scopes)
        {
            yield return ($"Validation.Facts[{name}]", FactsSql(scope));
            yield return ($"Validation.Games[{name}]", UpstreamCompleteness.GapsSql(scope, UpstreamCompleteness.AllTables));
            yield return ($"Validation.Ledger[{name}]", LedgerSql(scope));
            yield return ($"Validation.ContextLog[{name}]", ContextLogSql(scope));
            yield return ($"Validation.PublishedBy[{name}]", PublishedBySql(scope));
        }
        foreach (var p in Enum.GetValues<ProcessorName>())
        {
            // Every scope kind renders its own schedule and date CTEs: each is a statement of its own.
            foreach (var (name, scope) in scopes)
            {
                yield return ($"Validation.Accounting[{p}, {name}]", AccountingSql(scope, p));
                yield return ($"Validation.RowCounts[{p}, {name}]", RowCountsSql(scope, p));
                yield return ($"Validation.Unaccounted[{p}, {name}]", UnaccountedSql(scope, p));
                yield return ($"Validation.Quality[{p}, {name}]", DataQualityChecker.QualitySql(scope, p));
            }
            // The runner's form: staging tables for dates (any table with analysis_date), rows and failures.
            var def = ProcessorCatalog.Get(p);
            yield return ($"CoverageAccounting.Sql[{p}, staging]", CoverageAccounting.Sql(p, StagedDates,
                def.StagingRows.WithName("stage", def.Output.Name).Placeholder, Staged(Schema.WarehouseSchema.PrecomputeFailures)));
        }
        foreach (var p in Enum.GetValues<ProcessorName>())
            yield return ($"UpstreamCompleteness.Gaps[{p}]", UpstreamCompleteness.GapsSql(scopes[1].Scope, UpstreamCompleteness.TablesFor(p)));
        string[] ids = { "0022200886" }, noIds = Array.Empty<string>();
        DateOnly[] days = { new(2023, 2, 23) }, noDays = Array.Empty<DateOnly>();
        yield return ("GameId.Lookup", GameIdConverter.LookupSql(ids, days));
        yield return ("GameId.Lookup[ids]", GameIdConverter.LookupSql(ids, noDays));
        yield return ("GameId.Lookup[dates]", GameIdConverter.LookupSql(noIds, days));
    }

    internal static string FactsSql(DateScope scope)
    {
        var inDates = "IN (SELECT analysis_date FROM cov_dates)";
        var window = scope.ReadWindow;
        return $@"WITH {scope.Ctes()},
{SeasonCalendarSql.DateInfoCte("cov_dates", DateScope.Literal(window.From), DateScope.Literal(window.To))},
g AS (SELECT game_date, COUNT(*) AS games FROM sched WHERE game_date {inDates} GROUP BY game_date),
p AS (SELECT game_date, COUNT(DISTINCT player_lookup) AS n FROM {WarehouseSchema.PlayerGameSummary.Placeholder} WHERE game_date {inDates} GROUP BY game_date),
u AS (SELECT game_date, COUNT(*) AS n_rows, COUNT(DISTINCT player_lookup) AS n FROM {WarehouseSchema.UpcomingPlayerGameContext.Placeholder} WHERE game_date {inDates} GROUP BY game_date),
td AS (SELECT game_date, COUNT(*) AS n FROM {WarehouseSchema.TeamDefenseGameSummary.Placeholder} WHERE game_date {inDates} GROUP BY game_date)
SELECT c.analysis_date, COALESCE(g.games, 0) AS games, COALESCE(di.is_bootstrap, FALSE) AS is_bootstrap,
       COALESCE(p.n, 0) AS pgs_players, COALESCE(u.n_rows, 0) AS upcg_rows, COALESCE(u.n, 0) AS upcg_players, COALESCE(td.n, 0) AS tdgs_rows
FROM (SELECT DISTINCT analysis_date FROM cov_dates) AS c
LEFT JOIN dinfo AS di ON di.analysis_date = c.analysis_date
LEFT JOIN g ON g.game_date = c.analysis_date
LEFT JOIN p ON p.game_date = c.analysis_date
LEFT JOIN u ON u.game_date = c.analysis_date
LEFT JOIN td ON td.game_date = c.analysis_date
ORDER BY c.analysis_date";
    }

    /// <summary>The shared accounting per date, plus how many of the published rows were built from UPCG.</summary>
    internal static string AccountingSql(DateScope scope, ProcessorName p)
    {
        var window = scope.ReadWindow;
        var def = ProcessorCatalog.Get(p);
        var upcgSourced = def.UsesPlayerContext
            // Production's output tables have no context column: the product's per-row record of it is read instead.
            ? $@"LEFT JOIN (SELECT c.analysis_date, COUNTIF(c.context_source = 'UPCG') AS n FROM {WarehouseSchema.EntityContextSources.Placeholder} AS c
  WHERE c.processor_name = '{def.Name}' AND c.analysis_date IN (SELECT analysis_date FROM cov_dates) GROUP BY c.analysis_date) AS s ON s.analysis_date = a.analysis_date"
            : "LEFT JOIN (SELECT CAST(NULL AS DATE) AS analysis_date, 0 AS n) AS s ON FALSE";
        return $@"WITH {scope.Ctes()}
SELECT a.*, COALESCE(s.n, 0) AS upcg_sourced
FROM ({CoverageAccounting.Sql(p, "cov_dates", window: window)}) AS a
{upcgSourced}";
    }

    internal static string RowCountsSql(DateScope scope, ProcessorName p)
    {
        var def = ProcessorCatalog.Get(p);
        return $@"WITH {scope.Ctes()}
SELECT t.{def.DateColumn} AS analysis_date, COUNT(*) AS n FROM {def.Output.Placeholder} AS t
WHERE t.{def.DateColumn} IN (SELECT analysis_date FROM cov_dates) AND {scope.ReadBound("t." + def.DateColumn)}{ProcessorCatalog.OutputOwnership(p).ProductRowsFilter("t")} GROUP BY t.{def.DateColumn}";
    }

    internal static string UnaccountedSql(DateScope scope, ProcessorName p) => $@"WITH {scope.Ctes()}
SELECT ent.analysis_date, ent.entity_id, ent.failure_category
FROM ({CoverageAccounting.EntitiesSql(p, "cov_dates", window: scope.ReadWindow)}) AS ent
WHERE NOT (ent.has_row OR ent.by_design)
ORDER BY ent.analysis_date, ent.entity_id";

    /// <summary>
    /// The latest attempt per (date, processor) decides; planned-but-never-started rows say nothing, and neither do
    /// partitions an undo took back (the attempt before them is what the date holds).
    /// </summary>
    internal static string LedgerSql(DateScope scope) => $@"WITH {scope.Ctes()}
SELECT partition_date, processor, status, error_category, source, pgs_players, upcg_rows, message
FROM (
  SELECT p.*, ROW_NUMBER() OVER (PARTITION BY p.partition_date, p.processor
                                 ORDER BY COALESCE(p.finished_at, p.started_at) DESC, p.run_id DESC) AS rn
  FROM {WarehouseSchema.BackfillPartitions.Placeholder} AS p
  WHERE p.partition_date IN (SELECT analysis_date FROM cov_dates) AND p.status NOT IN ('Pending')
    AND NOT EXISTS (SELECT 1 FROM {WarehouseSchema.UndoLog.Placeholder} AS u
                    WHERE u.undone_run_id = p.run_id AND u.processor = p.processor AND u.partition_date = p.partition_date)
) AS x WHERE rn = 1";

    internal static string ContextLogSql(DateScope scope) => $@"WITH {scope.Ctes()}
SELECT processor_name, analysis_date, source, pgs_players, upcg_rows FROM {WarehouseSchema.ContextSourceLog.Placeholder}
WHERE analysis_date IN (SELECT analysis_date FROM cov_dates)";

    /// <summary>
    /// Which run's data each (date, processor) holds now: the latest publish (lineage) that no undo has taken back.
    /// </summary>
    internal static string PublishedBySql(DateScope scope) => $@"WITH {scope.Ctes()}
SELECT partition_date, processor, run_id FROM (
  SELECT l.partition_date, l.processor, l.run_id,
         ROW_NUMBER() OVER (PARTITION BY l.partition_date, l.processor ORDER BY l.published_at DESC, l.run_id DESC) AS rn
  FROM {WarehouseSchema.PublishLineage.Placeholder} AS l
  WHERE l.partition_date IN (SELECT analysis_date FROM cov_dates)
    AND NOT EXISTS (SELECT 1 FROM {WarehouseSchema.UndoLog.Placeholder} AS u
                    WHERE u.undone_run_id = l.run_id AND u.processor = l.processor AND u.partition_date = l.partition_date)
) AS x WHERE rn = 1";
}
