using System.Management.Automation;
using BackfillTools.Core;
using BackfillTools.Core.Backfill;
using BackfillTools.Core.Processors;

namespace BackfillTools.Cmdlets;

/// <summary>Backfills the Phase 4 layer with write-audit-publish, a coverage gate, a ledger, resume and retry.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "Backfill", DefaultParameterSetName = SeasonSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(BackfillResult))]
[OutputType(typeof(PlanItem))]
public sealed class InvokeBackfillCommand : DateScopedCmdlet
{
    private const string ResumeSet = "Resume";
    private const string RetrySet = "RetryFailed";

    private readonly List<(DateOnly, ProcessorName)> _partitions = new();
    private int _ignoredRows;

    /// <summary>Bound from piped coverage rows: rows of other layers than Precompute are ignored with a warning.</summary>
    [Parameter(ParameterSetName = DateSet, ValueFromPipelineByPropertyName = true)]
    public CoverageLayer? Layer { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = ResumeSet)]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string Resume { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = RetrySet)]
    public SwitchParameter RetryFailed { get; set; }

    [Parameter(ParameterSetName = RetrySet, Position = 0)]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string? RunId { get; set; }

    /// <summary>Bound from piped coverage rows too: each row brings its own processor.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProcessorCompleter))]
    [ValidateNotNullOrEmpty]
    public override string[]? Processor { get; set; }

    [Parameter]
    [ValidateRange(0, 100)]
    public double MinCoverage { get; set; } = BackfillRules.CoverageMinPct;

    [Parameter]
    [ValidateRange(0, 100)]
    public double WarnCoverage { get; set; } = BackfillRules.CoverageWarnPct;

    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = BackfillRequest.DefaultThrottleLimit;

    [Parameter]
    public SwitchParameter SkipPreflight { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>A string, not a Uri: PowerShell's own conversion error for a malformed URL would echo the secret.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? AlertWebhook { get; set; }

    [Parameter]
    public ContextSourceMode ContextSource { get; set; } = ContextSourceMode.Auto;

    [Parameter]
    public SwitchParameter PerDate { get; set; }

    /// <summary>BigQuery budget for the whole run in bytes billed; defaults to Connect-BackfillWarehouse -MaxBytesBilled.</summary>
    [Parameter]
    [ValidateRange(1, long.MaxValue)]
    public long? MaxBytesBilled { get; set; }

    /// <summary>Publish-archive retention (Undo-BackfillRun): versions kept per table × date whatever their age.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int ArchiveKeepVersions { get; set; } = BackfillRules.ArchiveKeepVersions;

    /// <summary>Publish-archive retention: older versions beyond -ArchiveKeepVersions go once older than this many days.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int ArchiveKeepDays { get; set; } = BackfillRules.ArchiveKeepDays;

    protected override void ProcessRecord() => Guard(() =>
    {
        if (ParameterSetName != DateSet) return;
        if (Layer is { } layer && layer != CoverageLayer.Precompute)
        {
            _ignoredRows++;
            return;
        }
        var processors = ParseProcessors();
        foreach (var d in Date)
            foreach (var p in processors)
                _partitions.Add((DateOnly.FromDateTime(d), p));
    });

    private IReadOnlyList<ProcessorName> ParseProcessors() => Processors ?? Enum.GetValues<ProcessorName>();

    protected override void EndProcessing() => Guard(() =>
    {
        if (_ignoredRows > 0)
            WriteWarning($"Ignored {_ignoredRows} piped row(s) of the Raw or Analytics layer: Invoke-Backfill repairs the Precompute layer only.");
        var request = BuildRequest();
        request.Validate();
        // Checked before anything is written, even under -WhatIf.
        var webhook = AlertSender.ResolveWebhook(AlertWebhook);
        var mode = ParameterSetName switch { ResumeSet => BackfillMode.Resume, RetrySet => BackfillMode.RetryFailed, _ => BackfillMode.New };
        var runId = mode == BackfillMode.Resume ? Resume : RunId;
        if (ParameterSetName == DateSet && NothingPiped(_partitions.Count, "Precompute partitions", "backfilled")) return;

        var description = mode switch
        {
            BackfillMode.Resume => $"Resume backfill run {runId}",
            BackfillMode.RetryFailed => $"Retry the failed partitions of run {runId ?? "(latest)"}",
            _ => $"Backfill {string.Join(", ", request.Processors)} for {DescribeDates(request)}",
        };
        var connection = ResolveConnection();
        if (!ShouldProcess(connection.ToString(), description))
        {
            if (MyInvocation.BoundParameters.ContainsKey("WhatIf"))
            {
                using var w = OpenWarehouse();
                var plan = BackfillService.PlanOnly(w, request, mode, runId, CancellationToken);
                foreach (var item in plan) WriteObject(item);
                var estimate = CostEstimator.Estimate(w, plan, request, CancellationToken, planned: mode == BackfillMode.New);
                var lines = estimate.Describe(connection.Pricing).ToList();
                if (estimate.Applicable && request.MaxBytesBilled is { } budget)
                    lines.Add(estimate.TotalBytes > budget
                        ? $"The estimate exceeds -MaxBytesBilled {budget:N0} bytes: the run would stop with {CostBudget.ErrorId} before any job."
                        : $"Within -MaxBytesBilled {budget:N0} bytes.");
                // Host text (tag PSHOST) shown like Write-Host, and capturable from the information stream (6>&1).
                foreach (var line in lines)
                    WriteInformation(new HostInformationMessage { Message = "What if: " + line }, new[] { "PSHOST", "CostEstimate" });
            }
            return;
        }

        var progress = new ProgressWriter(this);
        var callbacks = new BackfillCallbacks
        {
            Result = EmitResult,
            Verbose = WriteVerbose,
            Warning = WriteWarning,
            Progress = progress,
        };
        var summary = BackfillService.Run(connection, request, mode, runId, webhook, callbacks, CancellationToken);
        progress.Complete();
        WriteVerbose($"Run {summary.RunId}: {summary.Status?.ToString() ?? "nothing to do"}; {summary.Results.Count} partition(s) processed.");
    });

    private void EmitResult(BackfillResult r)
    {
        WriteObject(r);
        if (r.Status is not (PartitionStatus.Failed or PartitionStatus.Quarantined or PartitionStatus.Cancelled)) return;
        var id = PartitionErrors.IdOf(r.Status, r.ErrorCategory);
        WriteError(new ErrorRecord(new BackfillException(id, ErrorKind.InvalidData, $"{r.Date:yyyy-MM-dd} {r.Processor}: {r.Status}. {r.Message}"),
            id, MapCategory(PartitionErrors.KindOf(r.ErrorCategory)), r));
    }

    private BackfillRequest BuildRequest() => new()
    {
        MaxBytesBilled = MaxBytesBilled ?? GetDefault()?.MaxBytesBilled,
        ArchiveKeepVersions = ArchiveKeepVersions,
        ArchiveKeepDays = ArchiveKeepDays,
        StartDate = ParameterSetName == RangeSet ? DateOnly.FromDateTime(StartDate) : null,
        EndDate = ParameterSetName == RangeSet ? DateOnly.FromDateTime(EndDate) : null,
        Seasons = ParameterSetName == SeasonSet ? Season : null,
        Partitions = ParameterSetName == DateSet ? _partitions.Distinct().ToList() : null,
        // Piped rows each bring their own processor: the plan's processors are the union of the partitions'.
        Processors = ParameterSetName == DateSet && _partitions.Count > 0
            ? _partitions.Select(p => p.Item2).Distinct().ToList()
            : ParseProcessors(),
        MinCoverage = MinCoverage,
        WarnCoverage = WarnCoverage,
        ThrottleLimit = MyInvocation.BoundParameters.ContainsKey(nameof(ThrottleLimit))
            ? ThrottleLimit
            : BackfillRequest.DefaultThrottleLimitWithin(GetDefault()?.MemoryLimitMB),
        SkipPreflight = SkipPreflight,
        Force = Force,
        DatesPerChunk = PerDate ? 1 : BackfillRequest.SeasonPerChunk,
        ProcessorOptions = new ProcessorOptions { ContextSource = ContextSource },
        // Resume and retry take their partitions from the ledger.
        FromLedger = ParameterSetName is ResumeSet or RetrySet,
    };

    private static string DescribeDates(BackfillRequest r) =>
        r.Seasons is { } s ? $"season(s) {string.Join(", ", s)}"
        : r.Partitions is { } p ? $"{p.Select(x => x.Date).Distinct().Count()} date(s)"
        : $"{r.StartDate:yyyy-MM-dd}..{r.EndDate:yyyy-MM-dd}";
}
