using BackfillTools.Core;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Validation;
using BackfillTools.Core.Warehouse;
using BackfillTools.Tests.Processors;
using Xunit;

namespace BackfillTools.Tests.Validation;

public sealed class StaleUpcgServiceTests : IDisposable
{
    private static readonly DateOnly Partial = new(2023, 2, 23), Full = new(2023, 2, 25), Recent = new(2023, 3, 6);
    private static readonly DateOnly AsOf = new(2023, 3, 8);
    private readonly ProcessorTestDb _db = new();

    public StaleUpcgServiceTests()
    {
        // Partial: 1 UPCG row for 10 players who played. Full: 10 of 10. Recent: within 7 days of AsOf, no PGS yet.
        foreach (var (d, upcg, pgs) in new[] { (Partial, 1, 10), (Full, 10, 10), (Recent, 10, 0) })
        {
            _db.AddMany(WarehouseSchema.UpcomingPlayerGameContext, Enumerable.Range(0, upcg).Select(i => (object)new { player_lookup = $"p{i}", game_id = "g", game_date = d }));
            _db.AddMany(WarehouseSchema.PlayerGameSummary, Enumerable.Range(0, pgs).Select(i => (object)new { player_lookup = $"p{i}", game_id = $"g{d:MMdd}", game_date = d, team_abbr = "AAA" }));
        }
    }

    public void Dispose() => _db.Dispose();

    private long UpcgRows() => _db.W.ScalarInt64("SELECT COUNT(*) FROM nba_analytics.upcoming_player_game_context");

    [Fact]
    public void Find_flags_partial_and_stale_dates_and_skips_recent_complete_ones()
    {
        var rows = StaleContext.Find(_db.W, 7, AsOf, default).ToDictionary(r => r.Date);
        Assert.True(rows[Partial].IsPartial);
        Assert.Equal(10, rows[Partial].CoveragePct);
        Assert.False(rows[Full].IsPartial);
        Assert.True(rows[Full].IsStale);
        Assert.False(rows.ContainsKey(Recent)); // upcoming-ish and complete: nothing to report
    }

    [Fact]
    public void Find_without_an_age_reports_only_partial_dates()
    {
        // Pre-flight asks this way: age must not matter, and no age may overflow the date arithmetic.
        var rows = StaleContext.Find(_db.W, olderThanDays: null, asOf: null, default);
        var only = Assert.Single(rows);
        Assert.Equal(Partial, only.Date);
        Assert.False(only.IsStale);
    }

    [Fact]
    public void Clear_backs_up_deletes_and_restore_undoes_it()
    {
        var before = UpcgRows();
        var plan = StaleContextCleanup.Plan(_db.W, new[] { Partial, Full }, 7, AsOf, default);
        Assert.Equal(11, plan.Rows);
        var result = StaleContextCleanup.Clear(_db.W, plan, backup: true, default);
        Assert.Equal(11, result.RowsDeleted);
        Assert.Equal(11, result.RowsBackedUp);
        Assert.Equal(new[] { Partial, Full }, result.Dates);
        Assert.Equal(before - 11, UpcgRows());
        Assert.Matches(@"^backfilltools\.upcg_backup_\d{8}_\d{6}$", result.BackupTable);

        var restored = StaleContextCleanup.Restore(_db.W, StaleContextCleanup.ParseBackupName(result.BackupTable!), default);
        Assert.Equal(11, restored.RowsRestored);
        Assert.Equal(0, restored.RowsSkipped);
        Assert.Equal(before, UpcgRows());
        // A second restore finds every key present again and inserts nothing.
        Assert.Equal(11, StaleContextCleanup.Restore(_db.W, StaleContextCleanup.ParseBackupName(result.BackupTable!), default).RowsSkipped);
        Assert.Equal(before, UpcgRows());
    }

    [Fact]
    public void Older_than_mode_never_reaches_the_recent_window()
    {
        var plan = StaleContextCleanup.Plan(_db.W, null, 7, AsOf, default);
        Assert.Equal(new[] { Partial, Full }, plan.Dates);
    }

    [Fact]
    public void Upcoming_dates_are_refused_before_anything_is_written()
    {
        var before = UpcgRows();
        var tables = _db.W.ExistingTables().Count;
        var ex = Assert.Throws<BackfillException>(() => StaleContextCleanup.Plan(_db.W, new[] { Partial, Recent }, 7, Recent, default));
        Assert.Equal("UpcomingDateRefused", ex.ErrorId);
        // A future -AsOf cannot open up today's games either.
        var today = BackfillRules.Today();
        Assert.Equal("UpcomingDateRefused", Assert.Throws<BackfillException>(() =>
            StaleContextCleanup.Plan(_db.W, new[] { today }, 7, today.AddDays(30), default)).ErrorId);
        Assert.Equal(before, UpcgRows());
        Assert.Equal(tables, _db.W.ExistingTables().Count);
    }

    [Theory]
    [InlineData("nba_analytics.upcoming_player_game_context")]
    [InlineData("upcg_backup_2023; DROP TABLE x")]
    [InlineData("")]
    public void Only_backup_names_are_accepted(string name) =>
        Assert.Equal("InvalidBackupTable", Assert.Throws<BackfillException>(() => StaleContextCleanup.ParseBackupName(name)).ErrorId);

    [Fact]
    public void Restore_of_a_missing_backup_is_not_found() =>
        Assert.Equal("BackupNotFound", Assert.Throws<BackfillException>(() => StaleContextCleanup.Restore(_db.W, "upcg_backup_20200101_000000", default)).ErrorId);
    private HashSet<string> UpcgKeys(string table = "nba_analytics.upcoming_player_game_context") =>
        _db.W.Query($"SELECT CAST(game_date AS VARCHAR) || '/' || player_lookup AS k FROM {table}").AsRows().Select(r => r.GetString("k")!).ToHashSet();

    [Fact]
    public void A_row_arriving_between_backup_and_delete_is_never_deleted_without_a_backup()
    {
        var before = UpcgKeys();
        var plan = StaleContextCleanup.Plan(_db.W, new[] { Partial }, 7, AsOf, default);
        // Another writer lands a row for the cleaned date right after the backup table appears (the old window).
        var racing = new InterleavingWarehouse(_db.W, afterSql: "CREATE TABLE", () =>
            _db.Add(WarehouseSchema.UpcomingPlayerGameContext, new { player_lookup = "late", game_id = "g", game_date = Partial }));

        var result = StaleContextCleanup.Clear(racing, plan, backup: true, default);

        Assert.True(racing.Fired);
        var backedUp = UpcgKeys(result.BackupTable!);
        var deleted = before.Append($"{Partial:yyyy-MM-dd}/late").Except(UpcgKeys()).ToHashSet();
        Assert.Equal(backedUp.Order(), deleted.Order()); // every deleted row is in the backup, and only those
        Assert.Equal(result.RowsBackedUp, result.RowsDeleted);
    }

    [Fact]
    public void A_delete_that_does_not_match_the_backup_rolls_back_both()
    {
        var before = UpcgRows();
        var tables = _db.W.ExistingTables();
        var plan = StaleContextCleanup.Plan(_db.W, new[] { Partial, Full }, 7, AsOf, default);
        // Inside the transaction, after the delete, a matching row appears that the backup does not hold: the count
        // check must fail and undo the backup and the delete.
        var injecting = new InterleavingWarehouse(_db.W, afterSql: null, null)
        {
            InjectAfterStatement = ("DELETE", $"INSERT INTO {{{{nba_analytics.upcoming_player_game_context}}}} (player_lookup, game_id, game_date) VALUES ('ghost', 'g', DATE '{Full:yyyy-MM-dd}')"),
        };

        var ex = Assert.Throws<BackfillException>(() => StaleContextCleanup.Clear(injecting, plan, backup: true, default));

        Assert.Equal("BackupIncomplete", ex.ErrorId);
        Assert.Equal(before, UpcgRows());
        Assert.DoesNotContain(_db.W.ExistingTables(), t => !tables.Contains(t)); // no half-made backup left behind
    }

    /// <summary>A warehouse decorator that lets another "writer" act between, or inside, the product's statements.</summary>
    private sealed class InterleavingWarehouse(IWarehouse inner, string? afterSql, Action? interleave) : IWarehouse
    {
        public bool Fired { get; private set; }
        public (string After, string Sql)? InjectAfterStatement { get; init; }
        public SqlDialect Dialect => inner.Dialect;
        public string Description => inner.Description;
        public QueryResult Query(string sql, IReadOnlyDictionary<string, object?>? p = null, CancellationToken ct = default) => inner.Query(sql, p, ct);

        public long Execute(string sql, IReadOnlyDictionary<string, object?>? p = null, CancellationToken ct = default)
        {
            var n = inner.Execute(sql, p, ct);
            if (!Fired && afterSql is not null && sql.TrimStart().StartsWith(afterSql, StringComparison.OrdinalIgnoreCase))
            {
                Fired = true;
                interleave!();
            }
            return n;
        }

        public IReadOnlyList<long> ExecuteInTransaction(IReadOnlyList<SqlStatement> statements, CancellationToken ct = default)
        {
            if (InjectAfterStatement is not { } inject) return inner.ExecuteInTransaction(statements, ct);
            var list = new List<SqlStatement>();
            foreach (var s in statements)
            {
                list.Add(s);
                if (s.Sql.TrimStart().StartsWith(inject.After, StringComparison.OrdinalIgnoreCase)) list.Add(inject.Sql);
            }
            return inner.ExecuteInTransaction(list, ct);
        }

        public long BulkAppend(TableDef table, IEnumerable<object?[]> rows, CancellationToken ct = default) => inner.BulkAppend(table, rows, ct);
        public IReadOnlySet<string> ExistingTables() => inner.ExistingTables();
        public void EnsureTable(TableDef table) => inner.EnsureTable(table);
        public void DropTable(string dataset, string name) => inner.DropTable(dataset, name);
        public void Dispose() { }
    }
}
