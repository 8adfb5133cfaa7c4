using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using static BackfillTools.Core.Warehouse.Col;

namespace BackfillTools.Core.Backfill;

// The staging lifecycle of a run: its tables' names and shapes, created fresh for each processor chunk and dropped at
// the end. The publish (ScopedPublisher) reads them.
public sealed partial class BackfillRunner
{
    public const string StagingDataset = DatasetNames.Staging;
    public const string QuarantineDataset = DatasetNames.Quarantine;

    private static readonly TableDef ResultsShape = WarehouseSchema.BackfillPartitions;

    /// <summary>The tables one processor chunk of a run stages into (the publish reads them; the quarantine stays).</summary>
    internal sealed record Staging(StagingTables Tables, TableDef Results, TableDef Quarantine, TableDef Counts)
    {
        /// <summary>The run's own tables, dropped after each chunk and at the end of the run.</summary>
        public IEnumerable<TableDef> Scratch => new[] { Tables.Dates, Tables.Rows, Tables.Failures, Tables.ContextSources, Results, Counts };

        /// <summary>Empty scratch tables (an earlier chunk's are dropped first) and the quarantine table, which stays.</summary>
        public Staging Create(IWarehouse w)
        {
            foreach (var t in Scratch)
            {
                w.DropTable(t.Dataset, t.Name);
                w.EnsureTable(t);
            }
            w.EnsureTable(Quarantine);
            return this;
        }

        /// <summary>
        /// Drop this chunk's scratch tables once its publish has committed and been read back, so the engine neither keeps
        /// them in memory nor writes them in later checkpoints. Best effort: the next chunk and the end of the run drop them too.
        /// </summary>
        public void DropScratch(IWarehouse w)
        {
            foreach (var t in Scratch)
            {
                try { w.DropTable(t.Dataset, t.Name); }
                catch (Exception) { /* best effort, as in DropAll */ }
            }
        }

        /// <summary>Drop every processor's scratch tables of a run, best effort.</summary>
        public static void DropAll(IWarehouse w, string runId, string tag)
        {
            foreach (var t in ProcessorCatalog.All.SelectMany(def => StagingFor(def, runId, tag).Scratch))
            {
                try { w.DropTable(t.Dataset, t.Name); }
                catch (Exception) { /* best effort: staging tables carry the run id and are harmless */ }
            }
        }
    }

    /// <summary>Names and shapes of a chunk's staging tables; <paramref name="tag"/> (from the run id) keeps parallel runs apart.</summary>
    internal static Staging StagingFor(ProcessorDefinition def, string runId, string tag)
    {
        var p = def.Name.ToString().ToLowerInvariant();
        var tables = new StagingTables(runId,
            new TableDef(StagingDataset, $"{p}_dates_{tag}", new[] { Date("analysis_date", false) }, Array.Empty<string>()),
            def.StagingRows.WithName(StagingDataset, $"{p}_rows_{tag}"),
            WarehouseSchema.PrecomputeFailures.WithName(StagingDataset, $"{p}_failures_{tag}"),
            WarehouseSchema.ContextSourceLog.WithName(StagingDataset, $"{p}_context_{tag}"));
        return new Staging(tables, ResultsShape.WithName(StagingDataset, $"{p}_results_{tag}"),
            def.Output.WithName(QuarantineDataset, def.Output.Name), ScopedPublisher.CountsShape.WithName(StagingDataset, $"{DatasetNames.StagingInWarehousePrefix}{p}_counts_{tag}"));
    }
}
