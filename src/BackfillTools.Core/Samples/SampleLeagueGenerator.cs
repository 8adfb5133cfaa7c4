using BackfillTools.Core.Warehouse;

namespace BackfillTools.Core.Samples;

public static partial class SampleLeague
{
    /// <summary>Fill an empty warehouse with the sample league. (Being implemented: issue 3.)</summary>
    public static SampleLeagueSummary Generate(IWarehouse warehouse, SampleLeagueOptions options,
        IProgress<ProgressInfo>? progress = null, CancellationToken cancellationToken = default)
    {
        Validate(options);
        throw new BackfillException("SampleDataNotAvailable", ErrorKind.NotImplemented, "The sample league generator is not built yet.");
    }
}
