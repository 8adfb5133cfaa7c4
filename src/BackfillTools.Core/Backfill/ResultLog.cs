namespace BackfillTools.Core.Backfill;

/// <summary>How a partition's result reads in the verbose stream and, for a published-with-warning date, the warning stream.</summary>
internal static class ResultLog
{
    public static string VerboseLine(BackfillResult r)
    {
        var source = r.Source == ContextSources.NotApplicable ? "" : $" context {r.Source} (E={r.PgsPlayers}, U={r.UpcgRows}{(r.SourceReason is null ? "" : ": " + r.SourceReason)});";
        return $"{r.Date:yyyy-MM-dd} {r.Processor}:{source} expected {r.Expected}, accounted {r.Accounted}, rows {r.Actual} → {r.Status}" +
               (r.Message is null ? "" : $" — {r.Message}");
    }

    /// <summary>The warning for a result that was published but needs a look; null for the rest.</summary>
    public static string? WarningLine(BackfillResult r) =>
        r.IsWarning && r.Message is not null ? $"{r.Date:yyyy-MM-dd} {r.Processor}: {r.Message}" : null;
}
