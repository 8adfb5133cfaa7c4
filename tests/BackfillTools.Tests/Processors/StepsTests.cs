using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using Xunit;

namespace BackfillTools.Tests.Processors;

/// <summary>
/// SqlProcessor.Steps is what the GoogleSQL gate analyzes, so it must be exactly what ComputeToStaging sends:
/// same statements, same order, same parameters (processed_at aside: the run stamps its own clock).
/// </summary>
public class StepsTests
{
    private sealed class Recorder(IWarehouse inner) : IWarehouse
    {
        public List<(string Sql, IReadOnlyDictionary<string, object?>? Parameters)> Executed { get; } = new();
        public List<(string Dataset, string Name)> Dropped { get; } = new();
        public SqlDialect Dialect => inner.Dialect;
        public string Description => inner.Description;
        public void Dispose() { } // the test's ProcessorTestDb owns the inner warehouse

        public QueryResult Query(string sql, IReadOnlyDictionary<string, object?>? parameters = null, CancellationToken cancellationToken = default) =>
            inner.Query(sql, parameters, cancellationToken);

        public long Execute(string sql, IReadOnlyDictionary<string, object?>? parameters = null, CancellationToken cancellationToken = default)
        {
            Executed.Add((sql, parameters));
            return inner.Execute(sql, parameters, cancellationToken);
        }

        public IReadOnlyList<long> ExecuteInTransaction(IReadOnlyList<SqlStatement> statements, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("processors do not use transactions");

        public long BulkAppend(TableDef table, IEnumerable<object?[]> rows, CancellationToken cancellationToken = default) => inner.BulkAppend(table, rows, cancellationToken);
        public IReadOnlySet<string> ExistingTables() => inner.ExistingTables();
        public void EnsureTable(TableDef table) => inner.EnsureTable(table);

        public void DropTable(string dataset, string name)
        {
            Dropped.Add((dataset, name));
            inner.DropTable(dataset, name);
        }
    }

    /// <summary>A processor's staging tables (as the runner shapes them), created, with the dates to compute.</summary>
    internal static StagingTables CreateStaging(IWarehouse w, ProcessorName name, string suffix, params DateOnly[] dates)
    {
        var staging = new StagingTables("test-" + suffix,
            new TableDef("nba_staging", "dates_" + suffix, new[] { Col.Date("analysis_date", false) }, Array.Empty<string>()),
            ProcessorCatalog.Get(name).StagingRows.WithName("nba_staging", "rows_" + suffix),
            WarehouseSchema.PrecomputeFailures.WithName("nba_staging", "failures_" + suffix),
            WarehouseSchema.ContextSourceLog.WithName("nba_staging", "context_" + suffix));
        foreach (var t in new[] { staging.Dates, staging.Rows, staging.Failures, staging.ContextSources }) w.EnsureTable(t);
        w.BulkAppend(staging.Dates, dates.Select(d => new object?[] { d }));
        return staging;
    }

    public static TheoryData<ProcessorName, bool> Cases()
    {
        var data = new TheoryData<ProcessorName, bool>();
        foreach (var name in Enum.GetValues<ProcessorName>()) { data.Add(name, false); data.Add(name, true); }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ComputeToStaging_executes_exactly_Steps(ProcessorName name, bool allowMissingUpstream)
    {
        using var db = new ProcessorTestDb();
        var staging = CreateStaging(db.W, name, "s", new DateOnly(2024, 1, 15));
        var options = new ProcessorOptions { AllowMissingUpstream = allowMissingUpstream, ContextSource = ContextSourceMode.ForceSynthetic };
        var recorder = new Recorder(db.W);
        var processor = (SqlProcessor)ProcessorCatalog.Create(name);

        processor.ComputeToStaging(recorder, staging, options, CancellationToken.None);

        var steps = processor.Steps(staging, options, DateTime.UnixEpoch);
        Assert.Equal(steps.Select(s => s.Sql), recorder.Executed.Select(e => e.Sql));
        for (var i = 0; i < steps.Count; i++)
        {
            var sent = recorder.Executed[i].Parameters ?? new Dictionary<string, object?>();
            Assert.Equal(steps[i].Parameters.Keys.Order(), sent.Keys.Order());
            foreach (var (key, value) in steps[i].Parameters.Where(p => p.Key != "processed_at"))
                Assert.Equal(value, sent[key]);
        }
        Assert.Equal(SqlProcessor.WorkTables(staging, steps), recorder.Dropped);
        Assert.NotEmpty(recorder.Dropped);
    }

    [Fact]
    public void Only_the_statement_staging_MLFS_rows_is_marked_as_computing_wide_rows()
    {
        using var db = new ProcessorTestDb();
        foreach (var name in Enum.GetValues<ProcessorName>())
        {
            var staging = CreateStaging(db.W, name, "wide_" + name.ToString().ToLowerInvariant(), new DateOnly(2024, 1, 15));
            var marked = ((SqlProcessor)ProcessorCatalog.Create(name)).Steps(staging, ProcessorOptions.Default, DateTime.UnixEpoch)
                .Where(s => s.ComputesWideRows).ToList();
            if (name == ProcessorName.MLFS)
            {
                var step = Assert.Single(marked);
                Assert.StartsWith($"INSERT INTO {staging.Rows.Placeholder}", step.Sql.TrimStart(), StringComparison.Ordinal);
                Assert.True(ProcessorCatalog.Get(name).StagingRows.Columns.Count >= SqlProcessor.WideRowColumns);
            }
            else
            {
                Assert.Empty(marked);
                Assert.True(ProcessorCatalog.Get(name).StagingRows.Columns.Count < SqlProcessor.WideRowColumns, $"{name} stages wide rows");
            }
        }
    }
}

/// <summary>BigQuery may re-run a processor's whole script after a job-level failure: a second run must not add rows.</summary>
public sealed class ProcessorRerunTests : IClassFixture<BackfillTools.Tests.Backfill.SampleWarehouseFixture>
{
    private readonly BackfillTools.Tests.Backfill.SampleWarehouseFixture _sample;

    public ProcessorRerunTests(BackfillTools.Tests.Backfill.SampleWarehouseFixture sample) => _sample = sample;

    [Theory]
    [InlineData(ProcessorName.TDZA)]
    [InlineData(ProcessorName.PSZA)]
    [InlineData(ProcessorName.PCF)] // upstream never ran here: failures and context rows only
    public void Running_the_same_batch_twice_leaves_the_staging_tables_as_after_one_run(ProcessorName name)
    {
        using var w = WarehouseService.Open(_sample.NewCopy());
        var staging = StepsTests.CreateStaging(w, name, "r", new DateOnly(2023, 2, 23), new DateOnly(2023, 2, 24));
        var processor = ProcessorCatalog.Create(name);

        long[] Counts() => new[] { staging.Rows, staging.Failures, staging.ContextSources }.Select(t => w.ScalarInt64($"SELECT COUNT(*) FROM {t.Placeholder}")).ToArray();
        processor.ComputeToStaging(w, staging, ProcessorOptions.Default, CancellationToken.None);
        var once = Counts();
        processor.ComputeToStaging(w, staging, ProcessorOptions.Default, CancellationToken.None);

        Assert.True(once.Sum() > 0, "the run wrote staging rows");
        Assert.Equal(once, Counts());
    }
}
