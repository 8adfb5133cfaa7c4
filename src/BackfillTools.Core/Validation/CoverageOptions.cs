namespace BackfillTools.Core.Validation;

/// <summary>What Test-Coverage measures and how it grades.</summary>
public sealed record CoverageOptions
{
    /// <summary>Processors to report on the Precompute layer (null = all).</summary>
    public IReadOnlyList<ProcessorName>? Processors { get; init; }

    /// <summary>Layers to report (null = all three).</summary>
    public IReadOnlyList<CoverageLayer>? Layers { get; init; }

    public double OkThreshold { get; init; } = BackfillRules.CoverageWarnPct;
    public double LowThreshold { get; init; } = BackfillRules.CoverageMinPct;

    /// <summary>Player-level reconciliation: fill <see cref="CoverageResult.Unaccounted"/>.</summary>
    public bool Detailed { get; init; }

    public void Validate()
    {
        if (double.IsNaN(OkThreshold) || OkThreshold is < 0 or > 100 || double.IsNaN(LowThreshold) || LowThreshold is < 0 or > 100)
            throw new BackfillException(ErrorIds.InvalidThreshold, ErrorKind.InvalidArgument, "Thresholds are percentages between 0 and 100.");
        if (LowThreshold > OkThreshold)
            throw new BackfillException(ErrorIds.InvalidThreshold, ErrorKind.InvalidArgument,
                $"-LowThreshold ({LowThreshold}) must not be above -OkThreshold ({OkThreshold}).");
    }
}
