// TEMPORARY: the processor contract as agreed with the processors branch; replaced by that branch's files at merge.
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Core.Processors;

public enum ProcessorName { TDZA, PSZA, PCF, PDC, MLFS }

public enum ContextSourceMode { Auto, ForceUpcg, ForceSynthetic }

public sealed record ProcessorOptions
{
    public bool TdzaSeasonStart { get; init; }
    public bool MlfsZoneUnits { get; init; }
    public ContextSourceMode ContextSource { get; init; } = ContextSourceMode.Auto;
    public static ProcessorOptions Default { get; } = new();
}

public sealed record ProcessorDefinition(
    ProcessorName Name, TableDef Output, string DateColumn, string EntityColumn,
    IReadOnlyList<ProcessorName> RequiredUpstream, IReadOnlyList<TableDef> Phase3Inputs, bool UsesPlayerContext);

public sealed record StagingTables(string RunId, TableDef Dates, TableDef Rows, TableDef Failures, TableDef ContextSources);

public interface IProcessor
{
    ProcessorDefinition Definition { get; }
    void ComputeToStaging(IWarehouse warehouse, StagingTables staging, ProcessorOptions options, CancellationToken ct);
    string ExpectedEntitiesSql { get; }
}

public static class ProcessorCatalog
{
    public static IReadOnlyList<ProcessorDefinition> All => throw new NotImplementedException();
    public static ProcessorDefinition Get(ProcessorName name) => throw new NotImplementedException();
    public static IProcessor Create(ProcessorName name) => throw new NotImplementedException();
    public static ProcessorName Parse(string text) => throw new NotImplementedException();
    public static IReadOnlyList<ProcessorName> InDependencyOrder(IEnumerable<ProcessorName> names) => throw new NotImplementedException();
    public static bool IsByDesignSkip(string failureCategory) => throw new NotImplementedException();
}
