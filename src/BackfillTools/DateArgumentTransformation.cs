using System.Globalization;
using System.Management.Automation;

namespace BackfillTools;

/// <summary>
/// Lets date parameters take what operators have at hand: DateTime, DateOnly (Core's output objects), or text such as
/// "2023-02-23" (Import-Csv rows), so coverage rows pipe back into Invoke-Backfill after a CSV round trip.
/// </summary>
public sealed class DateArgumentTransformationAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        var value = inputData is PSObject ps ? ps.BaseObject : inputData;
        if (value is Array array) return array.Cast<object?>().Select(One).ToArray();
        return One(value);
    }

    private static DateTime One(object? value) => (value is PSObject ps ? ps.BaseObject : value) switch
    {
        DateTime dt => dt.Date,
        DateOnly d => d.ToDateTime(TimeOnly.MinValue),
        DateTimeOffset dto => dto.Date,
        string s when DateTime.TryParseExact(s.Trim(), new[] { "yyyy-MM-dd", "yyyyMMdd" }, CultureInfo.InvariantCulture, DateTimeStyles.None, out var exact) => exact,
        string s when DateTime.TryParse(s, CultureInfo.CurrentCulture, DateTimeStyles.None, out var parsed) => parsed.Date,
        string s when DateTime.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed) => parsed.Date,
        var other => throw new ArgumentTransformationMetadataException($"'{other}' is not a date. Write dates as yyyy-MM-dd, e.g. 2023-02-23."),
    };
}
