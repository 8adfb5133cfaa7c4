using System.Management.Automation;
using BackfillTools.Core.Processors;

namespace BackfillTools.Cmdlets;

/// <summary>
/// The date selection shared by Test-Coverage, Test-DataQuality and Invoke-Backfill: -StartDate/-EndDate, -Season or
/// -Date (piped dates are collected), and -Processor. The validation cmdlets default to every final game date
/// (<see cref="AllSet"/>); <see cref="Scope"/> turns the choice into a <see cref="DateScope"/>.
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

    /// <summary>Processor names; Invoke-Backfill overrides it to bind each piped row's processor as well.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ProcessorCompleter))]
    [ValidateNotNullOrEmpty]
    public virtual string[]? Processor { get; set; }

    protected override void ProcessRecord() => Guard(() =>
    {
        if (ParameterSetName == DateSet) _dates.AddRange(Date.Select(DateOnly.FromDateTime));
    });

    /// <summary>The processors asked for (null = all); an unknown name is a terminating UnknownProcessor error.</summary>
    protected IReadOnlyList<ProcessorName>? Processors => Processor?.Select(ProcessorCatalog.Parse).Distinct().ToList();

    /// <summary>True (with a warning) when input was piped but no date arrived: the default, every date, must not stand in for it.</summary>
    protected bool NoDatesPiped(string outcome) => ParameterSetName is not (RangeSet or SeasonSet) && NothingPiped(_dates.Count, "dates", outcome);

    protected DateScope Scope() => ParameterSetName switch
    {
        RangeSet => DateScope.Range(DateOnly.FromDateTime(StartDate), DateOnly.FromDateTime(EndDate)),
        SeasonSet => DateScope.Seasons(Season),
        DateSet => DateScope.Explicit(_dates),
        _ => DateScope.All(),
    };
}
