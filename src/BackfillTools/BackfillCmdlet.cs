using System.Collections.Concurrent;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using BackfillTools.Core;
using BackfillTools.Core.Warehouse;

namespace BackfillTools;

/// <summary>
/// Base of every cmdlet: resolves the session's warehouse, wires Ctrl+C to a cancellation token, and turns Core
/// errors into PowerShell errors with stable ErrorIds.
/// </summary>
public abstract class BackfillCmdlet : PSCmdlet
{
    public const string WarehouseEnvVar = "BACKFILLTOOLS_WAREHOUSE";

    private static readonly ConcurrentDictionary<Guid, WarehouseConnection> SessionDefaults = new();
    private readonly CancellationTokenSource _cancel = new();

    protected CancellationToken CancellationToken => _cancel.Token;

    protected override void StopProcessing() => _cancel.Cancel();

    private static Guid SessionKey => Runspace.DefaultRunspace?.InstanceId ?? Guid.Empty;

    internal static void SetDefault(WarehouseConnection connection) => SessionDefaults[SessionKey] = connection;

    internal static WarehouseConnection? GetDefault() => SessionDefaults.TryGetValue(SessionKey, out var c) ? c : null;

    internal static void ClearDefault() => SessionDefaults.TryRemove(SessionKey, out _);

    /// <summary>The session default (Connect-BackfillWarehouse), else $env:BACKFILLTOOLS_WAREHOUSE.</summary>
    protected WarehouseConnection ResolveConnection()
    {
        if (GetDefault() is { } c) return c;
        var env = Environment.GetEnvironmentVariable(WarehouseEnvVar);
        if (!string.IsNullOrWhiteSpace(env)) return WarehouseConnection.DuckDb(env);
        throw new BackfillException(ErrorIds.NoWarehouse, ErrorKind.ResourceUnavailable,
            "No warehouse is connected. Run Connect-BackfillWarehouse -Path <file> (or New-BackfillWarehouse), or set $env:BACKFILLTOOLS_WAREHOUSE.");
    }

    /// <summary>Open the session's warehouse for the duration of one command (the file lock is not held between commands).</summary>
    protected IWarehouse OpenWarehouse() => WarehouseService.Open(ResolveConnection());

    protected string ResolvePath(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

    /// <summary>
    /// The "nothing piped" guard: true, with a warning, when input was piped but none of it arrived (an empty pipeline,
    /// or a filter that let nothing through). The cmdlet then does nothing: its default scope (every date, the
    /// -OlderThanDays set) must never silently stand in for "the piped items".
    /// </summary>
    /// <param name="received">How many usable items the pipeline brought.</param>
    /// <param name="items">What was expected, plural ("dates", "game ids").</param>
    /// <param name="outcome">What did not happen, as a participle ("checked", "deleted").</param>
    protected bool NothingPiped(int received, string items, string outcome)
    {
        if (!MyInvocation.ExpectingInput || received > 0) return false;
        WriteWarning($"No {items} came through the pipeline; nothing was {outcome}.");
        return true;
    }

    /// <summary>Run <paramref name="body"/>; Core failures become terminating errors with their stable ErrorId.</summary>
    protected void Guard(Action body)
    {
        try
        {
            body();
        }
        catch (BackfillException ex)
        {
            ThrowTerminatingError(ToErrorRecord(ex));
        }
        catch (OperationCanceledException) when (_cancel.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    internal static ErrorRecord ToErrorRecord(BackfillException ex) =>
        new(ex, ex.ErrorId, MapCategory(ex.Kind), ex.Target);

    protected void WriteBackfillError(BackfillException ex) => WriteError(ToErrorRecord(ex));

    internal static ErrorCategory MapCategory(ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
        ErrorKind.InvalidData => ErrorCategory.InvalidData,
        ErrorKind.ObjectNotFound => ErrorCategory.ObjectNotFound,
        ErrorKind.ResourceExists => ErrorCategory.ResourceExists,
        ErrorKind.ResourceUnavailable => ErrorCategory.ResourceUnavailable,
        ErrorKind.ResourceBusy => ErrorCategory.ResourceBusy,
        ErrorKind.PermissionDenied => ErrorCategory.PermissionDenied,
        ErrorKind.InvalidOperation => ErrorCategory.InvalidOperation,
        ErrorKind.NotImplemented => ErrorCategory.NotImplemented,
        ErrorKind.OperationStopped => ErrorCategory.OperationStopped,
        ErrorKind.ConnectionError => ErrorCategory.ConnectionError,
        ErrorKind.WriteError => ErrorCategory.WriteError,
        ErrorKind.LimitsExceeded => ErrorCategory.LimitsExceeded,
        ErrorKind.InvalidResult => ErrorCategory.InvalidResult,
        _ => ErrorCategory.NotSpecified,
    };

    /// <summary>Forward Core progress to Write-Progress with counts and an ETA; complete the record at the end.</summary>
    protected sealed class ProgressWriter : IProgress<ProgressInfo>
    {
        private readonly BackfillCmdlet _cmdlet;
        private readonly int _activityId;
        private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
        private readonly int _ownerThread = Environment.CurrentManagedThreadId;
        private string _activity = "BackfillTools";

        public ProgressWriter(BackfillCmdlet cmdlet, int activityId = 1) { _cmdlet = cmdlet; _activityId = activityId; }

        public void Report(ProgressInfo value)
        {
            // Write-Progress may only be called on the pipeline thread.
            if (Environment.CurrentManagedThreadId != _ownerThread) return;
            _activity = value.Activity;
            var record = new ProgressRecord(_activityId, value.Activity, $"{value.Status} ({value.Done}/{value.Total})");
            if (value.Total > 0)
            {
                record.PercentComplete = (int)Math.Clamp(100 * value.Done / value.Total, 0, 100);
                if (value.Done > 0)
                {
                    var perItem = _clock.Elapsed.TotalSeconds / value.Done;
                    record.SecondsRemaining = (int)Math.Max(0, perItem * (value.Total - value.Done));
                }
            }
            _cmdlet.WriteProgress(record);
        }

        public void Complete()
        {
            if (Environment.CurrentManagedThreadId != _ownerThread) return;
            _cmdlet.WriteProgress(new ProgressRecord(_activityId, _activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
    }
}
