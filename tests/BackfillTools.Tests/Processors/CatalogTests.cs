using BackfillTools.Core;
using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using Xunit;

namespace BackfillTools.Tests.Processors;

public class CatalogTests
{
    [Fact]
    public void All_is_in_dependency_order_and_upstreams_come_first()
    {
        Assert.Equal(new[] { ProcessorName.TDZA, ProcessorName.PSZA, ProcessorName.PCF, ProcessorName.PDC, ProcessorName.MLFS },
            ProcessorCatalog.All.Select(d => d.Name));
        foreach (var (d, i) in ProcessorCatalog.All.Select((d, i) => (d, i)))
            Assert.All(d.RequiredUpstream, u => Assert.True((int)u < i, $"{d.Name} requires {u}, which runs later"));
        Assert.Equal(new[] { ProcessorName.TDZA, ProcessorName.PSZA }, ProcessorCatalog.Get(ProcessorName.PCF).RequiredUpstream);
        Assert.Empty(ProcessorCatalog.Get(ProcessorName.PDC).RequiredUpstream);
        Assert.Same(PrecomputeTables.Mlfs, ProcessorCatalog.Get(ProcessorName.MLFS).Output);
        Assert.Equal(new[] { false, false, true, true, true }, ProcessorCatalog.All.Select(d => d.UsesPlayerContext));
    }

    [Fact]
    public void Parse_is_case_insensitive_and_rejects_unknown_names()
    {
        Assert.Equal(ProcessorName.PDC, ProcessorCatalog.Parse(" pdc "));
        Assert.Equal(ProcessorName.MLFS, ProcessorCatalog.Parse("Mlfs"));
        var ex = Assert.Throws<BackfillException>(() => ProcessorCatalog.Parse("XYZ"));
        Assert.Equal(("UnknownProcessor", ErrorKind.InvalidArgument), (ex.ErrorId, ex.Kind));
        Assert.Throws<BackfillException>(() => ProcessorCatalog.Parse("2")); // numeric enum values are not names
    }

    [Fact]
    public void Ordering_and_by_design_categories()
    {
        Assert.Equal(new[] { ProcessorName.TDZA, ProcessorName.PCF, ProcessorName.MLFS },
            ProcessorCatalog.InDependencyOrder(new[] { ProcessorName.MLFS, ProcessorName.TDZA, ProcessorName.PCF, ProcessorName.MLFS }));
        Assert.True(ProcessorCatalog.IsByDesignSkip("INSUFFICIENT_DATA"));
        Assert.True(ProcessorCatalog.IsByDesignSkip("EXPECTED_INCOMPLETE"));
        Assert.False(ProcessorCatalog.IsByDesignSkip("INCOMPLETE_UPSTREAM"));
        Assert.False(ProcessorCatalog.IsByDesignSkip("STALE_DATA"));
    }

    [Fact]
    public void Every_output_table_is_production_s_and_the_run_lives_in_the_product_s_lineage()
    {
        foreach (var d in ProcessorCatalog.All)
        {
            Assert.Equal(ProductionSchema.Find(d.Output.FullName).Base, d.Output);
            Assert.DoesNotContain(d.Output.ColumnNames, c => c is "run_id" or "context_source");
            d.Output.Column(d.Name == ProcessorName.MLFS ? "created_at" : "processed_at");
            d.Output.Column(d.DateColumn);
            d.Output.Column(d.EntityColumn);
            // The staging rows add only what production has no column for, and only for player-context processors.
            Assert.Equal(d.UsesPlayerContext, d.StagingRows.Columns.Any(c => c.Name == "context_source"));
        }
        WarehouseSchema.PublishLineage.Column("run_id");
        WarehouseSchema.EntityContextSources.Column("context_source");
        Assert.All(Enumerable.Range(0, PrecomputeTables.MlfsFeatureCount), i =>
        {
            PrecomputeTables.Mlfs.Column($"feature_{i}_value");
            PrecomputeTables.Mlfs.Column($"feature_{i}_quality");
            PrecomputeTables.Mlfs.Column($"feature_{i}_source");
        });
    }
}
