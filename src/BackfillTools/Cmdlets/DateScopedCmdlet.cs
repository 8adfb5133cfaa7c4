using System.Management.Automation;
using BackfillTools.Core.Processors;

namespace BackfillTools.Cmdlets;

/// <summary>
/// Base of the validation cmdlets that read a set of dates: -StartDate/-EndDate, -Season, -Date (piped dates are
/// collected), or by default every final game date; <see cref="Scope"/> turns the choice into a <see cref="DateScope"/>.
/// </summary>
public abstract class DateScopedCmdlet : BackfillCmdlet
{
    protected const string AllSet = "All";
    protected const string RangeSet = "Range";
    protected const string SeasonSet = "Season";
    protected const string DateSet = "Date";

    private readonly List<DateOnly> _dates = new();

    [Parameter(Mandatory = true, ParameterSetName = RangeSet)]
    [DateArgumentTransformation]
    public DateTime StartDate { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = RangeSet)]
    [DateArgumentTransformation]
    public DateTime EndDate { get; set; }

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = SeasonSet)]
    [ArgumentCompleter(typeof(SeasonCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Season { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ParameterSetName = DateSet, ValueFromPipelineByPropertyName = true)]
    [DateArgumentTransformation]
    public DateTime[] Date { get; set; } = Array.Empty<DateTime>();

    [Parameter]
    [ArgumentCompleter(typeof(ProcessorCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Processor { get; set; }

    protected override void ProcessRecord() => Guard(() =>
    {
        if (ParameterSetName == DateSet) _dates.AddRange(Date.Select(DateOnly.FromDateTime));
    });

    /// <summary>The processors asked for (null = all); an unknown name is a terminating UnknownProcessor error.</summary>
    protected IReadOnlyList<ProcessorName>? Processors => Processor?.Select(ProcessorCatalog.Parse).Distinct().ToList();

    /// <summary>
    /// True when input was piped but no date arrived: the default (every date) must not silently replace "the piped dates".
    /// </summary>
    protected bool NothingPiped()
    {
        if (!MyInvocation.ExpectingInput || _dates.Count > 0 || ParameterSetName is RangeSet or SeasonSet) return false;
        WriteWarning("No dates came through the pipeline; nothing was checked.");
        return true;
    }

    protected DateScope Scope() => ParameterSetName switch
    {
        RangeSet => DateScope.Range(DateOnly.FromDateTime(StartDate), DateOnly.FromDateTime(EndDate)),
        SeasonSet => DateScope.Seasons(Season),
        DateSet => DateScope.Explicit(_dates),
        _ => DateScope.All(),
    };
}
