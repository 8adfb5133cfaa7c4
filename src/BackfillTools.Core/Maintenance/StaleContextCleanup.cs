using System.Globalization;
using System.Text.RegularExpressions;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Core.Maintenance;


/// <summary>What Clear-StaleUpcg did.</summary>
public sealed class StaleUpcgCleanup
{
    public string? BackupTable { get; init; }
    public long RowsBackedUp { get; init; }
    public long RowsDeleted { get; init; }
    public required DateOnly[] Dates { get; init; }
}

/// <summary>What Restore-StaleUpcg did.</summary>
public sealed class StaleUpcgRestore
{
    public required string BackupTable { get; init; }
    public long RowsInBackup { get; init; }
    public long RowsRestored { get; init; }
    /// <summary>Backup rows whose key (game_date, player_lookup) exists again in the table; left as they are.</summary>
    public long RowsSkipped { get; init; }
    public required DateOnly[] Dates { get; init; }
}

/// <summary>What Clear-StaleUpcg will delete, decided before anything is written.</summary>
public sealed record StaleUpcgPlan
{
    internal StaleUpcgPlan(string predicate, IReadOnlyDictionary<DateOnly, long> rowsByDate)
    {
        Predicate = predicate;
        RowsByDate = rowsByDate;
    }

    /// <summary>The condition on UPCG the rows were counted with; the backup, delete and check reuse it. SQL stays inside Core.</summary>
    internal string Predicate { get; }
    public IReadOnlyDictionary<DateOnly, long> RowsByDate { get; }
    public long Rows => RowsByDate.Values.Sum();
    public DateOnly[] Dates => RowsByDate.Keys.Order().ToArray();
}

/// <summary>
/// Finds, backs up, deletes and restores stale rows of nba_analytics.upcoming_player_game_context (reference P0-4a,
/// with the safety the reference lacked: upcoming dates are never touched, every delete is backed up and verified).
/// </summary>
public static partial class StaleContextCleanup
{
    private static readonly TableDef Upcg = WarehouseSchema.UpcomingPlayerGameContext;
    public const string BackupDataset = DatasetNames.Tool;
    public const string BackupPrefix = WarehouseSchema.UpcgBackupPrefix;

    internal static string CountByDateSql(string predicate) =>
        $"SELECT game_date, COUNT(*) AS n FROM {Upcg.Placeholder} WHERE {predicate} GROUP BY game_date";

    /// <summary>An empty backup table shaped like UPCG (BigQuery allows no permanent-table DDL inside a transaction).</summary>
    internal static string CreateBackupSql(string backupName) =>
        $"CREATE TABLE {{{{{BackupDataset}.{backupName}}}}} AS SELECT * FROM {Upcg.Placeholder} WHERE FALSE";

    internal static string BackupSql(string backup, string predicate) =>
        $"INSERT INTO {backup} SELECT * FROM {Upcg.Placeholder} WHERE {predicate}";

    /// <summary>Deletes exactly the backed-up rows (by key), so a row that was not backed up is never deleted.</summary>
    internal static string DeleteBackedUpSql(string backup, string predicate) =>
        $"DELETE FROM {Upcg.Placeholder} AS u WHERE {predicate} AND EXISTS (SELECT 1 FROM {backup} AS b WHERE b.game_date = u.game_date AND b.player_lookup = u.player_lookup)";

    /// <summary>
    /// The count check inside the transaction: the delete took only backed-up keys, so it deleted as many rows as were
    /// backed up exactly when no matching row is left. Otherwise it raises an error and the whole transaction rolls back.
    /// </summary>
    internal static string VerifyDeletedSql(string predicate) =>
        $"SELECT IF(COUNT(*) = 0, 0, ERROR('Clear-StaleUpcg: rows deleted differ from rows backed up; rolled back')) AS n FROM {Upcg.Placeholder} WHERE {predicate}";

    internal static string CountSql(string table) => $"SELECT COUNT(*) FROM {table}";

    internal static string DeleteSql(string predicate) => $"DELETE FROM {Upcg.Placeholder} WHERE {predicate}";

    internal static string RemainingSql(string predicate) => $"SELECT COUNT(*) FROM {Upcg.Placeholder} WHERE {predicate}";

    internal static string BackupDatesSql(string backup) => $"SELECT DISTINCT game_date FROM {backup} ORDER BY game_date";

    /// <summary>
    /// Re-inserts every column the backup has (<paramref name="columns"/>, read from the backup itself), not just the
    /// ones the product declares: production's UPCG is far wider, and a restore must bring the rows back whole.
    /// </summary>
    internal static string RestoreSql(string backup, IEnumerable<string> columns) => $@"INSERT INTO {Upcg.Placeholder} ({string.Join(", ", columns)})
SELECT {string.Join(", ", columns.Select(c => "b." + c))} FROM {backup} AS b
WHERE NOT EXISTS (SELECT 1 FROM {Upcg.Placeholder} AS u WHERE u.game_date = b.game_date AND u.player_lookup = b.player_lookup)";

    /// <summary>The statements, with representative inputs, for the GoogleSQL gate.</summary>
    [StatementCatalog]
    internal static IEnumerable<RegisteredStatement> Catalog()
    {
        const string dateList = "game_date IN (DATE '2023-02-23', DATE '2023-02-24')";
        // A backup has the context table's columns; the gate's catalog knows it as the staging copy.
        var backup = Upcg.WithName("stage", Upcg.Name).Placeholder;
        yield return new("StaleUpcg.CountByDate", CountByDateSql(dateList));
        yield return new("StaleUpcg.CountByDate[cutoff]", CountByDateSql("game_date < DATE '2023-03-01'"));
        yield return new("StaleUpcg.CreateBackup", CreateBackupSql("upcg_backup_20230101_000000"));
        yield return new("StaleUpcg.Backup", BackupSql(backup, dateList));
        yield return new("StaleUpcg.DeleteBackedUp", DeleteBackedUpSql(backup, dateList));
        yield return new("StaleUpcg.VerifyDeleted", VerifyDeletedSql(dateList));
        yield return new("StaleUpcg.Delete", DeleteSql(dateList));
        yield return new("StaleUpcg.Remaining", RemainingSql(dateList));
        yield return new("StaleUpcg.Restore", RestoreSql(backup, Upcg.ColumnNames));
        // The columns come from the backup, so a production-width UPCG (its migration columns too) is the family sent there.
        yield return new("StaleUpcg.Restore[production width]", RestoreSql(backup, ProductionSchema.Find(Upcg.FullName).Replica.ColumnNames));
        yield return new("StaleUpcg.BackupDates", BackupDatesSql(backup));
        yield return new("StaleUpcg.Count", CountSql(backup));
    }

    /// <summary>
    /// Decide what to delete: explicit <paramref name="dates"/>, or every date older than <paramref name="olderThanDays"/>
    /// before <paramref name="asOf"/>. A date on or after the upcoming boundary is refused before anything is written.
    /// </summary>
    public static StaleUpcgPlan Plan(IWarehouse w, IReadOnlyList<DateOnly>? dates, int olderThanDays, DateOnly? asOf, CancellationToken ct)
    {
        var upcoming = StaleContext.UpcomingFrom(asOf);
        string predicate;
        if (dates is { Count: > 0 })
        {
            var refused = dates.Where(d => d >= upcoming).Distinct().Order().ToList();
            if (refused.Count > 0)
                throw new BackfillException(ErrorIds.UpcomingDateRefused, ErrorKind.InvalidOperation,
                    $"Refusing to delete context rows for {string.Join(", ", refused.Select(d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)))}: " +
                    $"dates on or after {upcoming:yyyy-MM-dd} are upcoming games whose context is still needed. Nothing was deleted.", refused[0]);
            predicate = $"game_date IN ({DateScope.InList(dates.Distinct())})";
        }
        else
        {
            var cutoff = (asOf ?? BackfillRules.Today()).AddDays(-olderThanDays);
            if (cutoff > upcoming) cutoff = upcoming;
            predicate = $"game_date < {DateScope.Literal(cutoff)}";
        }
        var counts = w.Query(CountByDateSql(predicate), null, ct)
            .AsRows().ToDictionary(r => r.GetDate("game_date"), r => r.GetInt64("n"));
        return new StaleUpcgPlan(predicate, counts);
    }

    /// <summary>
    /// Back up and delete in ONE transaction (unless told not to back up): the backup copies the matching rows, the
    /// delete removes exactly the backed-up keys, and a check statement rolls everything back unless the deleted rows
    /// are the backed-up rows. A row arriving before the transaction is backed up with the rest; none is deleted unsaved.
    /// </summary>
    public static StaleUpcgCleanup Clear(IWarehouse w, StaleUpcgPlan plan, bool backup, CancellationToken ct)
    {
        if (plan.Rows == 0) return new StaleUpcgCleanup { Dates = Array.Empty<DateOnly>() };
        string? backupName = null;
        long backedUp = 0, deleted;
        if (backup)
        {
            backupName = NewBackupName(w);
            var table = $"{{{{{BackupDataset}.{backupName}}}}}";
            w.Execute(CreateBackupSql(backupName), null, ct);
            try
            {
                var counts = w.ExecuteInTransaction(new SqlStatement[]
                {
                    BackupSql(table, plan.Predicate), DeleteBackedUpSql(table, plan.Predicate), VerifyDeletedSql(plan.Predicate),
                }, ct);
                backedUp = w.ScalarInt64(CountSql(table), null, ct);
                deleted = counts[1] >= 0 ? counts[1] : backedUp;
            }
            catch (Exception ex)
            {
                // The transaction rolled back, so nothing was deleted; an empty backup table must not pass for a backup.
                try { w.DropTable(BackupDataset, backupName); } catch (Exception) { /* best effort */ }
                if (ex is OperationCanceledException) throw;
                throw new BackfillException(ErrorIds.BackupIncomplete, ErrorKind.WriteError,
                    $"Backing up and deleting the UPCG rows failed and was rolled back; nothing was deleted. {ex.Message}", plan.Predicate, ex);
            }
        }
        else
        {
            deleted = w.ExecuteInTransaction(new SqlStatement[] { DeleteSql(plan.Predicate) }, ct)[0];
            if (deleted < 0) deleted = plan.Rows;
        }
        var left = w.ScalarInt64(RemainingSql(plan.Predicate), null, ct);
        if (left != 0)
            throw new BackfillException(ErrorIds.DeleteNotVerified, ErrorKind.WriteError,
                $"{left} matching row(s) remain after the delete." + (backupName is null ? "" : $" The backup is {BackupDataset}.{backupName}."), backupName);
        return new StaleUpcgCleanup
        {
            BackupTable = backupName is null ? null : $"{w.Dialect.PhysicalDataset(BackupDataset)}.{backupName}",
            RowsBackedUp = backedUp,
            RowsDeleted = deleted,
            Dates = plan.Dates,
        };
    }

    private static string NewBackupName(IWarehouse w)
    {
        var existing = w.ExistingTables();
        var stem = BackupPrefix + DateTime.UtcNow.ToString("yyyyMMdd_HHmmss", CultureInfo.InvariantCulture);
        var name = stem;
        for (var i = 2; existing.Contains($"{BackupDataset}.{name}"); i++) name = $"{stem}_{i}";
        return name;
    }

    /// <summary>Validate a backup name (dataset optional) and return its table name; anything else is refused.</summary>
    public static string ParseBackupName(string text)
    {
        var m = BackupName().Match(text?.Trim() ?? "");
        if (!m.Success)
            throw new BackfillException(ErrorIds.InvalidBackupTable, ErrorKind.InvalidArgument,
                $"'{text}' is not a UPCG backup table. Backups are named {BackupDataset}.{BackupPrefix}YYYYMMDD_HHMMSS.", text);
        return m.Groups[1].Value.ToLowerInvariant();
    }

    /// <summary>Refuse a backup name that does not exist (before any confirmation prompt).</summary>
    public static void EnsureBackupExists(IWarehouse w, string table)
    {
        if (!w.ExistingTables().Contains($"{BackupDataset}.{table}"))
            throw new BackfillException(ErrorIds.BackupNotFound, ErrorKind.ObjectNotFound,
                $"There is no backup table {BackupDataset}.{table}.", $"{BackupDataset}.{table}");
    }

    /// <summary>Insert the backup's rows back; rows whose key exists again are left alone (counted as skipped).</summary>
    public static StaleUpcgRestore Restore(IWarehouse w, string table, CancellationToken ct)
    {
        EnsureBackupExists(w, table);
        var backup = $"{{{{{BackupDataset}.{table}}}}}";
        var total = w.ScalarInt64(CountSql(backup), null, ct);
        var dates = w.Query(BackupDatesSql(backup), null, ct).AsRows().Select(r => r.GetDate("game_date")).ToArray();
        var columns = w.TableColumns(BackupDataset, table)!.Select(c => c.Name).ToList();
        var restored = w.ExecuteInTransaction(new SqlStatement[] { RestoreSql(backup, columns) }, ct)[0];
        return new StaleUpcgRestore
        {
            BackupTable = $"{w.Dialect.PhysicalDataset(BackupDataset)}.{table}", RowsInBackup = total, RowsRestored = restored, RowsSkipped = total - restored, Dates = dates,
        };
    }

    // Any dataset name is accepted: backups live in the tool dataset, whatever this warehouse calls it.
    [GeneratedRegex(@"^(?:[A-Za-z_][A-Za-z0-9_]*\.)?(upcg_backup_\d{8}_\d{6}(?:_\d+)?)$", RegexOptions.IgnoreCase)]
    private static partial Regex BackupName();
}
