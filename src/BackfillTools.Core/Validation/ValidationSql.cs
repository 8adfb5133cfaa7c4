using BackfillTools.Core.Processors;

namespace BackfillTools.Core.Validation;

/// <summary>
/// Every statement the validation cmdlets can send, with representative inputs, for the GoogleSQL gate: register it
/// in PortableSql.Catalog with <c>list.AddRange(ValidationSql.Catalog().Select(s => new Entry(s.Name, s.Sql)))</c>.
/// The statements carry no parameters: dates, seasons and ids are validated and inlined as literals.
/// </summary>
public static class ValidationSql
{
    private static string Staged(Warehouse.TableDef t) => t.WithName("stage", t.Name).Placeholder;

    private static string StagedDates => Staged(Schema.WarehouseSchema.ContextSourceLog);

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
            yield return ($"Validation.Facts[{name}]", CoverageValidator.FactsSql(ctes));
            yield return ($"Validation.Games[{name}]", UpstreamCompleteness.GapsSql(ctes, UpstreamCompleteness.AllTables));
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
        const string dateList = "game_date IN (DATE '2023-02-23', DATE '2023-02-24')";
        // A backup has the context table's columns; the gate's catalog knows it as the staging copy.
        var backup = Staged(Schema.WarehouseSchema.UpcomingPlayerGameContext);
        yield return ("StaleUpcg.Find", StaleUpcgService.FindSql);
        yield return ("StaleUpcg.CountByDate", StaleUpcgService.CountByDateSql(dateList));
        yield return ("StaleUpcg.CountByDate[cutoff]", StaleUpcgService.CountByDateSql("game_date < DATE '2023-03-01'"));
        yield return ("StaleUpcg.CreateBackup", StaleUpcgService.CreateBackupSql("upcg_backup_20230101_000000"));
        yield return ("StaleUpcg.Backup", StaleUpcgService.BackupSql(backup, dateList));
        yield return ("StaleUpcg.DeleteBackedUp", StaleUpcgService.DeleteBackedUpSql(backup, dateList));
        yield return ("StaleUpcg.VerifyDeleted", StaleUpcgService.VerifyDeletedSql(dateList));
        yield return ("StaleUpcg.Delete", StaleUpcgService.DeleteSql(dateList));
        yield return ("StaleUpcg.Remaining", StaleUpcgService.RemainingSql(dateList));
        yield return ("StaleUpcg.Restore", StaleUpcgService.RestoreSql(backup));
        yield return ("StaleUpcg.BackupDates", StaleUpcgService.BackupDatesSql(backup));
        yield return ("StaleUpcg.Count", StaleUpcgService.CountSql(backup));
        foreach (var p in Enum.GetValues<ProcessorName>())
            yield return ($"UpstreamCompleteness.Gaps[{p}]", UpstreamCompleteness.GapsSql(scopes[1].Scope.Ctes(), UpstreamCompleteness.TablesFor(p)));
        yield return ("GameId.Lookup", GameIdConverter.LookupSql("game_id IN ('0022200886') OR game_date IN (DATE '2023-02-23')"));
    }
}
