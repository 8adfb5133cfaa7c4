namespace BackfillTools.Core.Domain;

/// <summary>
/// The business rules, each defined once. C# reads them from here and SQL receives them as parameters (for example
/// @partial_upcg_ratio in every processor run) or as text built from these constants; tests/BackfillTools.Tests/Architecture/RuleLiteralTests.cs keeps their literals out of
/// every other source file.
/// </summary>
public static class BackfillRules
{
    /// <summary>
    /// The columns that stamp when a row was written, not what it holds, in the order an undo prefers one as a row's
    /// write stamp (MLFS and precompute_failures own no processed_at).
    /// </summary>
    public static IReadOnlyList<string> WriteStampColumns { get; } = new[] { "processed_at", "updated_at", "created_at" };

    /// <summary>The columns that name the run that wrote a row: its run id and its write stamps.</summary>
    public static IReadOnlyList<string> RunColumns { get; } = new[] { "run_id" }.Concat(WriteStampColumns).ToArray();

    /// <summary>
    /// Whether a column is the load time of a row read (<c>source_*_last_updated</c>): for a Phase 4 upstream its run's
    /// write stamp, so it changes with every run of the upstream although the row it describes does not.
    /// </summary>
    public static bool IsSourceLoadTime(string column) =>
        column.StartsWith("source_", StringComparison.OrdinalIgnoreCase) && column.EndsWith("_last_updated", StringComparison.OrdinalIgnoreCase);

    /// <summary>Coverage below this percentage fails the publish gate and reads Incomplete in Test-Coverage.</summary>
    public const double CoverageMinPct = 90;

    /// <summary>Coverage at or above this percentage is OK; between the minimum and this it is Low (published with a warning).</summary>
    public const double CoverageWarnPct = 95;

    /// <summary>Before writing, every required Phase 3 table must have rows on at least this percentage of the plan's dates.</summary>
    public const double Phase3PresenceMinPct = 95;

    /// <summary>
    /// UPCG is a date's context only when it holds at least this share of the players who played (PGS); below it the
    /// date is "partial": counted in distinct players on both sides, everywhere.
    /// </summary>
    public const double PartialUpcgRatio = 0.9;

    /// <summary>Days 0..BootstrapDays−1 from a season's opener produce no Phase 4 output (not enough history).</summary>
    public const int BootstrapDays = 14;

    /// <summary>Upcoming-context rows older than this many days are stale (Find-/Clear-StaleUpcg defaults).</summary>
    public const int StaleContextTtlDays = 7;

    /// <summary>
    /// Undo-BackfillRun's publish archive keeps at least this many versions (replacing runs) per table × date; older
    /// versions go once they are older than <see cref="ArchiveKeepDays"/> (pruned at the start of each run).
    /// </summary>
    public const int ArchiveKeepVersions = 2;

    /// <summary>Archived versions beyond <see cref="ArchiveKeepVersions"/> are pruned once older than this many days.</summary>
    public const int ArchiveKeepDays = 30;

    /// <summary>How long a BigQuery lock heartbeat stays valid (docs/Invoke-Backfill.md); holders renew it every fifth of this.</summary>
    public static TimeSpan LockLease { get; } = TimeSpan.FromMinutes(LockLeaseMinutes);

    private const int LockLeaseMinutes = 10;

    /// <summary>True when UPCG holds some but fewer than <see cref="PartialUpcgRatio"/> of the players who played.</summary>
    public static bool IsPartialContext(long pgsPlayers, long upcgPlayers) =>
        pgsPlayers > 0 && upcgPlayers > 0 && upcgPlayers < PartialUpcgRatio * pgsPlayers;

    /// <summary>True on the bootstrap days of the season that opened on <paramref name="opener"/>.</summary>
    public static bool IsBootstrap(DateOnly date, DateOnly opener)
    {
        var d = date.DayNumber - opener.DayNumber;
        return d >= 0 && d < BootstrapDays;
    }

    /// <summary>
    /// The product's time zone: US Eastern. NBA game dates are Eastern calendar dates, so "today" must be the Eastern date:
    /// at 21:00 ET the UTC date is already tomorrow, and a UTC "today" would treat tonight's slate as history (eligible
    /// for backfill, or stale and deletable). Never later than the UTC date.
    /// </summary>
    public const string TimeZoneId = "America/New_York";

    /// <summary>The clock every "today" comes from; tests pass their own date instead of changing this.</summary>
    public static DateOnly Today() => TodayAt(DateTime.UtcNow);

    /// <summary>The Eastern calendar date at the instant <paramref name="utcNow"/>.</summary>
    public static DateOnly TodayAt(DateTime utcNow)
    {
        try
        {
            return DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(utcNow, TimeZoneInfo.FindSystemTimeZoneById(TimeZoneId)));
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return DateOnly.FromDateTime(utcNow.AddHours(-EasternStandardOffsetHours)); // EST: never later than the Eastern date
        }
    }

    private const int EasternStandardOffsetHours = 5;
}
