using BackfillTools.Core.Processors;

namespace BackfillTools.Core.Validation;

/// <summary>
/// Every statement the validation cmdlets can send, with representative inputs, for the GoogleSQL gate (registered by
/// <see cref="Registered"/>).
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
        };
        foreach (var (name, scope) in scopes)
        {
            var ctes = scope.Ctes();
            yield return ($"Validation.Facts[{name}]", CoverageValidator.FactsSql(scope));
            yield return ($"Validation.Games[{name}]", UpstreamCompleteness.GapsSql(scope, UpstreamCompleteness.AllTables));
            yield return ($"Validation.Ledger[{name}]", CoverageValidator.LedgerSql(ctes));
            yield return ($"Validation.ContextLog[{name}]", CoverageValidator.ContextLogSql(ctes));
        }
        var dates = scopes[3].Scope.Ctes();
        foreach (var p in Enum.GetValues<ProcessorName>())
        {
            yield return ($"Validation.Accounting[{p}]", CoverageValidator.AccountingSql(dates, p));
            yield return ($"Validation.RowCounts[{p}]", CoverageValidator.RowCountsSql(dates, p));
            yield return ($"Validation.Unaccounted[{p}]", CoverageValidator.UnaccountedSql(dates, p));
            yield return ($"Validation.Quality[{p}]", DataQualityChecker.QualitySql(scopes[1].Scope, p));
            // The runner's form: staging tables for dates (any table with analysis_date), rows and failures.
            var def = ProcessorCatalog.Get(p);
            yield return ($"CoverageAccounting.Sql[{p}, staging]", CoverageAccounting.Sql(p, StagedDates,
                def.StagingRows.WithName("stage", def.Output.Name).Placeholder, Staged(Schema.WarehouseSchema.PrecomputeFailures)));
        }
        foreach (var p in Enum.GetValues<ProcessorName>())
            yield return ($"UpstreamCompleteness.Gaps[{p}]", UpstreamCompleteness.GapsSql(scopes[1].Scope, UpstreamCompleteness.TablesFor(p)));
        yield return ("GameId.Lookup", GameIdConverter.LookupSql("game_id IN ('0022200886') OR game_date IN (DATE '2023-02-23')"));
    }
}
