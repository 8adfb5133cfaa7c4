using System.Management.Automation;
using BackfillTools.Core.Validation;

namespace BackfillTools.Cmdlets;

/// <summary>
/// Backs up, then deletes stale upcoming_player_game_context rows in one transaction and verifies the result. Dates on
/// or after today (or -AsOf) are refused before anything is written. Piped dates are collected and acted on once.
/// </summary>
[Cmdlet(VerbsCommon.Clear, "StaleUpcg", DefaultParameterSetName = OlderThanSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(StaleUpcgCleanup))]
public sealed class ClearStaleUpcgCommand : BackfillCmdlet
{
    private const string OlderThanSet = "OlderThan";
    private const string DateSet = "Date";

    private readonly List<DateOnly> _dates = new();

    [Parameter(ParameterSetName = OlderThanSet)]
    [ValidateRange(0, 36500)]
    public int OlderThanDays { get; set; } = BackfillRules.StaleContextTtlDays;

    [Parameter(Mandatory = true, ParameterSetName = DateSet, ValueFromPipelineByPropertyName = true)]
    [DateArgumentTransformation]
    public DateTime[] Date { get; set; } = Array.Empty<DateTime>();

    [Parameter]
    [DateArgumentTransformation]
    public DateTime? AsOf { get; set; }

    [Parameter]
    public SwitchParameter NoBackup { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord() => Guard(() =>
    {
        if (ParameterSetName == DateSet) _dates.AddRange(Date.Select(DateOnly.FromDateTime));
    });

    protected override void EndProcessing() => Guard(() =>
    {
        // An empty pipeline (e.g. Find-StaleUpcg | Where-Object IsPartial finding nothing) binds no -Date and would
        // fall back to the OlderThan set: that must delete nothing, not every old date.
        if (!MyInvocation.BoundParameters.ContainsKey(nameof(OlderThanDays)) && NothingPiped(_dates.Count, "dates", "deleted")) return;
        DateOnly? asOf = AsOf is { } a ? DateOnly.FromDateTime(a) : null;
        using var w = OpenWarehouse();
        var plan = StaleContextCleanup.Plan(w, ParameterSetName == DateSet ? _dates : null, OlderThanDays, asOf, CancellationToken);
        if (plan.Rows == 0)
        {
            WriteWarning("No upcoming_player_game_context rows match; nothing to delete.");
            if (PassThru) WriteObject(new StaleUpcgCleanup { Dates = Array.Empty<DateOnly>() });
            return;
        }
        var dates = plan.Dates;
        var list = dates.Length <= 10 ? string.Join(", ", dates.Select(d => d.ToString("yyyy-MM-dd")))
            : string.Join(", ", dates.Take(10).Select(d => d.ToString("yyyy-MM-dd"))) + $" (plus {dates.Length - 10} more)";
        var target = $"{plan.Rows} row(s) of nba_analytics.upcoming_player_game_context on {dates.Length} date(s): {list}";
        var action = NoBackup ? "Delete without a backup" : "Back up and delete";
        if (!ShouldProcess(target, action)) return;

        var result = StaleContextCleanup.Clear(w, plan, backup: !NoBackup, CancellationToken);
        WriteVerbose($"Deleted {result.RowsDeleted} row(s) on {result.Dates.Length} date(s)" +
                     (result.BackupTable is { } b ? $"; backup {b} (undo with Restore-StaleUpcg -BackupTable {b})." : " without a backup."));
        if (PassThru) WriteObject(result);
    });
}
