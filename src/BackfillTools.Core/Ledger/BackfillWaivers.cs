using BackfillTools.Core.Schema;
using BackfillTools.Core.Validation;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Core.Ledger;

/// <summary>A waived game as the ledger records it (Add-/Get-/Remove-BackfillWaiver).</summary>
public sealed class BackfillWaiver
{
    /// <summary>The NBA official id of the game, as in the schedule.</summary>
    public required string GameId { get; init; }
    public string? StandardId { get; init; }
    public DateOnly? GameDate { get; init; }
    public string? AwayTeam { get; init; }
    public string? HomeTeam { get; init; }
    public string? Season { get; init; }
    public required string Reason { get; init; }
    public string? WaivedBy { get; init; }
    public DateTime WaivedAt { get; init; }
    public string? Host { get; init; }

    public override string ToString() => $"{GameId} {AwayTeam} @ {HomeTeam} {GameDate:yyyy-MM-dd}";
}

/// <summary>
/// Waivers: games whose Phase 3 rows can never be filled, named once (who, when, why) in nba_backfill.backfill_waivers
/// and honoured by every later run's completeness check. A waiver names a game, never a date, so the rest of the date
/// is still checked. Every change validates all its input first and writes nothing when any of it is bad.
/// </summary>
public static class BackfillWaivers
{
    public const int MaxReasonLength = 1000;

    private static TableDef Table => WarehouseSchema.BackfillWaivers;

    internal static string ReadSql => $@"WITH {DateScope.ScheduleCte(finalOnly: false, Season.AllTime)}
SELECT wv.game_id, wv.game_date, wv.reason, wv.waived_by, wv.waived_at, wv.host, s.away, s.home, s.season_year
FROM {Table.Placeholder} AS wv
LEFT JOIN sched AS s ON s.game_id = wv.game_id AND s.game_date = wv.game_date
ORDER BY wv.game_date, wv.game_id";

    internal static string DeleteSql => $"DELETE FROM {Table.Placeholder} WHERE game_id = @game_id";

    /// <summary>The statements, with sample parameters, for the GoogleSQL gate.</summary>
    [StatementCatalog]
    internal static IEnumerable<RegisteredStatement> Catalog()
    {
        yield return new("BackfillWaivers.Read", ReadSql);
        yield return new("BackfillWaivers.Delete", DeleteSql, WarehouseExtensions.Params(("game_id", "0022100382")));
    }

    /// <summary>
    /// Waive <paramref name="gameIds"/> (NBA or standard ids) with <paramref name="reason"/>; returns the new waivers.
    /// <paramref name="confirm"/> sees the validated waivers before anything is written (ShouldProcess); false writes nothing.
    /// </summary>
    public static IReadOnlyList<BackfillWaiver> Add(IWarehouse w, IReadOnlyList<string> gameIds, string? reason, CancellationToken ct = default,
        Func<IReadOnlyList<BackfillWaiver>, bool>? confirm = null)
    {
        var why = reason?.Trim() ?? "";
        if (why.Length == 0)
            throw new BackfillException(ErrorIds.InvalidWaiverReason, ErrorKind.InvalidArgument,
                "A waiver needs a reason (-Reason): say why the game's Phase 3 rows can never be filled.");
        if (why.Length > MaxReasonLength)
            throw new BackfillException(ErrorIds.InvalidWaiverReason, ErrorKind.InvalidArgument,
                $"-Reason is {why.Length} characters long; keep it to {MaxReasonLength}.");
        var games = Resolve(w, gameIds, ct);
        var existing = Get(w, ct).Select(x => x.GameId).ToHashSet();
        var already = games.Where(g => existing.Contains(g.NbaGameId)).Select(g => g.NbaGameId).ToList();
        if (already.Count > 0)
            throw new BackfillException(ErrorIds.WaiverExists, ErrorKind.ResourceExists,
                $"Already waived: {string.Join(", ", already)}. Get-BackfillWaiver shows the waiver; Remove-BackfillWaiver it first to change the reason.",
                already[0]);

        var at = DateTime.UtcNow;
        var user = Environment.UserName;
        var waivers = games.Select(g => new BackfillWaiver
        {
            GameId = g.NbaGameId, StandardId = g.StandardId, GameDate = g.GameDate, AwayTeam = g.AwayTeam, HomeTeam = g.HomeTeam,
            Season = g.Season, Reason = why, WaivedBy = user, WaivedAt = at, Host = ToolInfo.Host,
        }).ToList();
        if (confirm is not null && !confirm(waivers)) return Array.Empty<BackfillWaiver>();
        // A load of typed rows: the reason never becomes SQL text.
        w.BulkAppend(Table, waivers.Select(x => new object?[] { x.GameId, x.GameDate, x.Reason, x.WaivedBy, x.WaivedAt, x.Host }), ct);
        return waivers;
    }

    /// <summary>Every waiver, in game-date order.</summary>
    public static IReadOnlyList<BackfillWaiver> Get(IWarehouse w, CancellationToken ct = default) =>
        w.Query(ReadSql, null, ct).AsRows().Select(r =>
        {
            var date = r.GetNullableDate("game_date");
            var (away, home) = (r.GetString("away"), r.GetString("home"));
            return new BackfillWaiver
            {
                GameId = r.GetString("game_id")!, GameDate = date, AwayTeam = away, HomeTeam = home,
                StandardId = date is { } d && away is not null && home is not null ? GameIdConverter.StandardId(d, away, home) : null,
                Season = r.GetNullableInt64("season_year") is { } y ? Season.Label((int)y) : null,
                Reason = r.GetString("reason") ?? "", WaivedBy = r.GetString("waived_by"),
                WaivedAt = r.GetNullableDateTime("waived_at") ?? default, Host = r.GetString("host"),
            };
        }).ToList();

    /// <summary>The waivers of <paramref name="gameIds"/> (NBA or standard ids); a game without a waiver is WaiverNotFound.</summary>
    public static IReadOnlyList<BackfillWaiver> Find(IWarehouse w, IReadOnlyList<string> gameIds, CancellationToken ct = default)
    {
        var games = Resolve(w, gameIds, ct);
        var waivers = Get(w, ct).ToDictionary(x => x.GameId);
        var missing = games.Where(g => !waivers.ContainsKey(g.NbaGameId)).ToList();
        if (missing.Count > 0)
            throw new BackfillException(ErrorIds.WaiverNotFound, ErrorKind.ObjectNotFound,
                $"No waiver for game(s) {string.Join(", ", missing.Select(g => $"{g.NbaGameId} ({g.StandardId})"))}. Get-BackfillWaiver lists the waivers.",
                missing[0].InputId);
        return games.Select(g => waivers[g.NbaGameId]).ToList();
    }

    /// <summary>Remove the waivers of <paramref name="gameIds"/> in one transaction; all must exist, else nothing is removed.</summary>
    public static IReadOnlyList<BackfillWaiver> Remove(IWarehouse w, IReadOnlyList<string> gameIds, CancellationToken ct = default)
    {
        var removed = Find(w, gameIds, ct);
        w.ExecuteInTransaction(removed.Select(x => new SqlStatement(DeleteSql, WarehouseExtensions.Params(("game_id", x.GameId)))).ToList(), ct);
        return removed;
    }

    /// <summary>Ids to scheduled games, distinct; the first bad or unknown id stops everything (InvalidGameId, GameIdNotFound).</summary>
    private static List<GameIdMapping> Resolve(IWarehouse w, IReadOnlyList<string> gameIds, CancellationToken ct)
    {
        if (gameIds.Count == 0)
            throw new BackfillException(ErrorIds.InvalidGameId, ErrorKind.InvalidArgument, "Give at least one game id (-GameId).");
        var outcomes = GameIdConverter.Convert(w, gameIds, ct);
        if (outcomes.FirstOrDefault(o => o.Error is not null)?.Error is { } error) throw error;
        return outcomes.Select(o => o.Mapping!).DistinctBy(m => m.NbaGameId).ToList();
    }
}
