using BackfillTools.Core.Backfill;
using System.Reflection;
using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using Xunit;

namespace BackfillTools.Tests.Processors;

/// <summary>
/// An in-memory warehouse with the schema, row builders for hand-made fixtures, and a minimal stand-in for the
/// runner: create staging tables, ComputeToStaging, copy staging into the targets (tests only).
/// </summary>
internal sealed class ProcessorTestDb : IDisposable
{
    private static int _runs;

    public ProcessorTestDb() : this(DuckDbWarehouse.Open(":memory:")) { }

    /// <summary>Wrap an existing warehouse (e.g. a generated sample league file); takes ownership.</summary>
    public ProcessorTestDb(DuckDbWarehouse warehouse)
    {
        W = warehouse;
        new Migrator().Upgrade(W);
    }

    public DuckDbWarehouse W { get; }

    public void Dispose() => W.Dispose();

    /// <summary>
    /// Append one row given as an anonymous object; unnamed columns are NULL, except production's NOT NULL columns,
    /// which get a neutral value of their type (hand-made fixtures name only what a processor reads).
    /// </summary>
    public void Add(TableDef table, object row) => AddMany(table, new[] { row });

    public void AddMany(TableDef table, IEnumerable<object> rows)
    {
        var list = rows.Select(r =>
        {
            var props = r.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .ToDictionary(p => p.Name, p => p.GetValue(r), StringComparer.OrdinalIgnoreCase);
            foreach (var name in props.Keys) table.Column(name); // a typo in a fixture fails loudly
            return table.Columns.Select(c => props.TryGetValue(c.Name, out var v) ? v : c.Nullable ? null : Neutral(c.Type)).ToArray();
        }).ToList();
        W.BulkAppend(table, list);
    }

    private static object Neutral(ColumnType type) => type switch
    {
        ColumnType.String => "",
        ColumnType.Int64 => 0L,
        ColumnType.Bool => false,
        ColumnType.Timestamp => new DateTime(2000, 1, 1),
        _ => throw new ArgumentException($"A fixture must name its NOT NULL {type} columns."),
    };

    /// <summary>A final regular-season game in the schedule (NBA-official id) for the opener lookup.</summary>
    public void AddGame(DateOnly date, string away, string home, int status = 3)
    {
        Add(WarehouseSchema.Schedule, new
        {
            game_id = $"00221{date:MMdd}{away}{home}", game_date = date, season_year = (long)BackfillTools.Core.Domain.Season.YearOf(date),
            game_status = (long)status, home_team_tricode = home, away_team_tricode = away, is_regular_season = true, is_playoffs = false,
        });
    }

    public sealed record RunResult(long Rows, long Failures, long Contexts, StagingTables Staging);

    /// <summary>Compute into fresh staging tables, then publish (replace the dates' partitions) unless told not to.</summary>
    public RunResult Run(ProcessorName name, IEnumerable<DateOnly> dates, ProcessorOptions? options = null, bool publish = true)
    {
        var def = ProcessorCatalog.Get(name);
        var n = Interlocked.Increment(ref _runs);
        var staging = new StagingTables($"run{n}",
            new TableDef("nba_staging", $"dates_{n}", new[] { Col.Date("analysis_date", false) }, Array.Empty<string>()),
            def.StagingRows.WithName("nba_staging", $"rows_{n}"),
            WarehouseSchema.PrecomputeFailures.WithName("nba_staging", $"failures_{n}"),
            WarehouseSchema.ContextSourceLog.WithName("nba_staging", $"context_{n}"));
        foreach (var t in new[] { staging.Dates, staging.Rows, staging.Failures, staging.ContextSources }) W.EnsureTable(t);
        W.BulkAppend(staging.Dates, dates.Distinct().Select(d => new object?[] { d }));

        ProcessorCatalog.Create(name).ComputeToStaging(W, staging, options ?? ProcessorOptions.Default, CancellationToken.None);

        var result = new RunResult(Count(staging.Rows), Count(staging.Failures), Count(staging.ContextSources), staging);
        if (publish) Publish(def, staging);
        return result;
    }

    private void Publish(ProcessorDefinition def, StagingTables s)
    {
        var cols = string.Join(", ", def.Output.ColumnNames);
        var fcols = string.Join(", ", WarehouseSchema.PrecomputeFailures.ColumnNames);
        var ccols = string.Join(", ", WarehouseSchema.ContextSourceLog.ColumnNames);
        var p = WarehouseExtensions.Params(("p", def.Name.ToString()));
        W.ExecuteInTransaction(new SqlStatement[]
        {
            $"DELETE FROM {def.Output.Placeholder} WHERE {def.DateColumn} IN (SELECT analysis_date FROM {s.Dates.Placeholder})",
            $"INSERT INTO {def.Output.Placeholder} ({cols}) SELECT {cols} FROM {s.Rows.Placeholder}",
            new($"DELETE FROM {WarehouseSchema.PrecomputeFailures.Placeholder} WHERE processor_name = @p AND analysis_date IN (SELECT analysis_date FROM {s.Dates.Placeholder})", p),
            $"INSERT INTO {WarehouseSchema.PrecomputeFailures.Placeholder} ({fcols}) SELECT {fcols} FROM {s.Failures.Placeholder}",
            new($"DELETE FROM {WarehouseSchema.ContextSourceLog.Placeholder} WHERE processor_name = @p AND analysis_date IN (SELECT analysis_date FROM {s.Dates.Placeholder})", p),
            $"INSERT INTO {WarehouseSchema.ContextSourceLog.Placeholder} ({ccols}) SELECT {ccols} FROM {s.ContextSources.Placeholder}",
        }.Concat(ScopedPublisher.ContextPublishStatements(def, s, $"(SELECT analysis_date FROM {s.Dates.Placeholder})", DateTime.UtcNow)).ToList());
    }

    public long Count(TableDef t, string where = "TRUE") => W.ScalarInt64($"SELECT COUNT(*) FROM {t.Placeholder} WHERE {where}");

    public QueryResult Select(TableDef t, string where = "TRUE", string orderBy = "1") =>
        W.Query($"SELECT * FROM {t.Placeholder} WHERE {where} ORDER BY {orderBy}");

    public ResultRow Single(TableDef t, string where)
    {
        var r = Select(t, where);
        Assert.True(r.Count == 1, $"expected one row of {t.FullName} where {where}, got {r.Count}");
        return r[0];
    }

    /// <summary>The context a published row of <paramref name="p"/> was built from (the product's entity_context_sources).</summary>
    public string? ContextSource(ProcessorName p, string entity) =>
        Single(WarehouseSchema.EntityContextSources, $"processor_name = '{p}' AND entity_id = '{entity}'").GetString("context_source");

    public QueryResult Failures(ProcessorName p, string where = "TRUE") =>
        Select(WarehouseSchema.PrecomputeFailures, $"processor_name = '{p}' AND {where}", "analysis_date, entity_id");
}
