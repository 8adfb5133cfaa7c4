using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text.RegularExpressions;
using BackfillTools.Cmdlets;
using BackfillTools.Tests.BigQuery;
using DuckDB.NET.Data;
using Xunit;
using Xunit.Abstractions;

namespace BackfillTools.Tests.Schema;

/// <summary>One generated season (2022-23 with the StaleUpcg incident) as a DuckDB file the replicas copy their inputs from.</summary>
public sealed class ReplicaSampleTemplate : IDisposable
{
    public ReplicaSampleTemplate()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("bft-replica-sample-").FullName;
        // The same generation the backfill tests start from (BackfillTools.Tests.Backfill.SampleSeasonTemplate), made once per process.
        Path = BackfillTools.Tests.Backfill.SampleSeasonTemplate.Path;
    }

    public string Directory { get; }
    public string Path { get; }

    /// <summary>A private copy: each replica attaches its own, read-only.</summary>
    public string NewCopy()
    {
        var copy = System.IO.Path.Combine(Directory, $"sample-{Guid.NewGuid():N}.duckdb");
        File.Copy(Path, copy);
        return copy;
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { /* best effort */ }
    }
}

/// <summary>The replica suites share one sample season and run one after the other (2 cores).</summary>
[CollectionDefinition(Name)]
public sealed class ProductionReplicaCollection : ICollectionFixture<ReplicaSampleTemplate>
{
    public const string Name = "Production replica";
}

/// <summary>
/// Issue #13 item 9: a production replica, created from production-schema.json (migration columns included, unprefixed
/// production datasets), with the sample league's inputs and production's own content in the tables the product writes
/// (rows of another MLFS feature_version, production-made rows with values in columns the product does not own, rows on
/// other dates, another processor's failure rows, nba_backfill.backfill_progress). Every cmdlet runs on it through the
/// module, as an operator runs it; afterwards production's layout, every row outside the product's scope and every
/// column it does not own are exactly as they were. The same scenario runs on DuckDB and on the fake BigQuery.
/// </summary>
public abstract class ProductionReplicaScenario : IDisposable
{
    /// <summary>The backfilled range (All-Star break behind: the StaleUpcg dates are its first two).</summary>
    protected static readonly DateOnly RunFrom = new(2023, 2, 23), RunTo = new(2023, 2, 26);

    /// <summary>Box scores, analytics and context are loaded from here to <see cref="RunTo"/>; the schedule whole.</summary>
    private static readonly DateOnly HistoryFrom = new(2023, 1, 16);

    /// <summary>Dates outside the run that hold production rows of the written tables.</summary>
    private static readonly DateOnly Before = new(2023, 2, 15), After = new(2023, 3, 1);

    /// <summary>The date whose Phase 3 lacks one game: it fails, is waived, and -RetryFailed publishes it.</summary>
    private static readonly DateOnly Incomplete = new(2023, 2, 24);

    private const string ForeignVersion = "v2_54features";
    private const string ForeignProcessor = "PlayerDailyCacheProcessor";
    private const string GhostPlayer = "zz_production_only", GhostTeam = "ZZZ";
    private const char Sep = '\u001f';

    private static readonly DateOnly[] RunDates = Enumerable.Range(0, RunTo.DayNumber - RunFrom.DayNumber + 1).Select(RunFrom.AddDays).ToArray();

    protected readonly ReplicaSampleTemplate Template;
    protected readonly ITestOutputHelper Output;

    protected ProductionReplicaScenario(ReplicaSampleTemplate template, ITestOutputHelper output)
    {
        Template = template;
        Output = output;
    }

    public abstract void Dispose();

    /// <summary>Create the replica's tables (<see cref="ProductionSchema.CreateReplica"/>) and nba_backfill.backfill_progress.</summary>
    protected abstract void CreateTables(IEnumerable<TableDef> tables);

    /// <summary>Run DuckDB SQL on what the engine stores (the fake keeps its tables in DuckDB too).</summary>
    protected abstract void Store(string duckSql);

    /// <summary>The first column of every row of a DuckDB query on what the engine stores, as text.</summary>
    protected abstract IReadOnlyList<string?> StoreTexts(string duckSql);

    /// <summary>Add Connect-BackfillWarehouse for this engine, unprefixed (production) datasets.</summary>
    protected abstract void AddConnect(PowerShell ps);

    /// <summary>Reset the engine's request log after setup (BigQuery), so only the module's calls are checked.</summary>
    protected virtual void SetupDone() { }

    /// <summary>Checks only an engine can make (BigQuery: which datasets and tables the module's calls named).</summary>
    protected virtual void AssertEngineCalls() { }

    private static string Lit(DateOnly d) => $"DATE '{d:yyyy-MM-dd}'";

    private static string List(IEnumerable<DateOnly> dates) => "(" + string.Join(", ", dates.Select(Lit)) + ")";

    private static string Q(string name) => $"\"{name}\"";

    /// <summary>A value of <paramref name="type"/> in DuckDB SQL, varying with <paramref name="i"/>: production's own data.</summary>
    private static string Value(SqlType type, int k, string i, string name)
    {
        var duck = DuckDbDialect.Instance.TypeSql(type);
        var value = type.Kind switch
        {
            ColumnType.String => $"'{name}_' || CAST({i} AS VARCHAR)",
            ColumnType.Int64 => $"({i}) * {k + 1}",
            ColumnType.Float64 => $"CAST({i} AS DOUBLE) / {k + 3}",
            ColumnType.Numeric => $"(({i}) % 9) / 10",
            ColumnType.Bool => $"({i}) % 2 = 1",
            ColumnType.Date => $"DATE '2022-10-01' + CAST(({i}) % 300 AS INTEGER)",
            ColumnType.Timestamp => $"TIMESTAMP '2023-01-04 10:00:00' + to_seconds(CAST({i} AS BIGINT))",
            ColumnType.Json => $"'{{\"k\": ' || CAST({i} AS VARCHAR) || '}}'",
            ColumnType.Array => $"[{Value(type.Element!, k, i, name)}, {Value(type.Element!, k + 1, $"({i}) + 1", name)}]",
            ColumnType.Struct => "struct_pack(" + string.Join(", ", type.Fields.Select((f, j) => $"{Q(f.Name)} := {Value(f.Type, k + j, i, f.Name)}")) + ")",
            _ => throw new NotSupportedException($"No sample value for {type}."),
        };
        return $"CAST({value} AS {duck})";
    }

    /// <summary>Every column of a row as text, NULLs told apart from values.</summary>
    private static string RowText(IEnumerable<string> columns, string alias = "t") =>
        "CAST(struct_pack(" + string.Join(", ", columns.Select(c => $"{Q(c)} := {alias}.{Q(c)}")) + ") AS VARCHAR)";

    private static ProductionTable Production(TableDef t) => ProductionSchema.Find(t.FullName);

    /// <summary>The output tables with what the product owns in them, and the failures table with its processor marker.</summary>
    private static IEnumerable<(ProcessorName Processor, TableOwnership Owned)> Outputs =>
        ProcessorCatalog.All.Select(d => (d.Name, ProcessorCatalog.OutputOwnership(d.Name)));

    private static readonly TableDef BackfillProgress = new("nba_backfill", "backfill_progress",
        new[] { Col.Str("processor_name", false), Col.Str("season"), Col.Date("last_date"), Col.Str("status"), Col.Ts("updated_at") },
        Array.Empty<string>(), null);

    /// <summary>Every table of a production dataset, as a (date, marker, row) snapshot.</summary>
    protected Dictionary<string, List<(string Date, string Marker, string Row)>> Snapshot()
    {
        var snapshot = new Dictionary<string, List<(string, string, string)>>();
        foreach (var table in ProductionTableNames())
        {
            var columns = StoreColumns(table).Select(c => c.Split(' ')[0]).ToList();
            var dateColumn = table == WarehouseSchema.PrecomputeFailures.FullName ? "analysis_date"
                : Outputs.FirstOrDefault(o => o.Owned.Table.FullName == table).Owned?.DateColumn
                  ?? ProductionSchema.Tables.FirstOrDefault(t => t.FullName == table)?.Base.PartitionColumn;
            var marker = table == WarehouseSchema.PrecomputeFailures.FullName ? "processor_name"
                : table == PrecomputeTables.Mlfs.FullName ? "feature_version" : null;
            snapshot[table] = StoreTexts($"SELECT COALESCE(CAST({(dateColumn is null ? "NULL" : Q(dateColumn))} AS VARCHAR), '') || chr(31) || " +
                                         $"COALESCE(CAST({(marker is null ? "NULL" : Q(marker))} AS VARCHAR), '') || chr(31) || {RowText(columns)} FROM {table} AS t")
                .Select(s => s!.Split(Sep)).Select(p => (p[0], p[1], p[2])).OrderBy(r => r.Item3, StringComparer.Ordinal).ToList();
        }
        return snapshot;
    }

    private IReadOnlyList<string> ProductionTableNames() => StoreTexts(
        $"SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_schema IN ({string.Join(", ", DatasetNames.Production.Select(d => $"'{d}'"))}) ORDER BY 1")
        .Select(s => s!).ToList();

    /// <summary>"name type nullable", in column order.</summary>
    private IReadOnlyList<string> StoreColumns(string table)
    {
        var dot = table.IndexOf('.');
        return StoreTexts($"SELECT column_name || ' ' || data_type || ' ' || is_nullable FROM information_schema.columns " +
                          $"WHERE table_schema = '{table[..dot]}' AND table_name = '{table[(dot + 1)..]}' ORDER BY ordinal_position").Select(s => s!).ToList();
    }

    /// <summary>Every table of every schema with its columns: the layout.</summary>
    private Dictionary<string, string> Layout() =>
        StoreTexts("SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_schema NOT IN ('information_schema', 'pg_catalog') ORDER BY 1")
            .Select(s => s!).ToDictionary(t => t, t => string.Join(", ", StoreColumns(t)));

    /// <summary>For the rows of the product's scope on the run's dates: key → (columns it does not own, columns it owns).</summary>
    private Dictionary<string, (string NotOwned, string Owned)> ScopeRows(TableOwnership owned)
    {
        var replica = Production(owned.Table).Replica;
        var identifying = owned.Key.Concat(owned.Markers.Select(m => m.Column)).ToList();
        var notOwned = replica.ColumnNames.Except(owned.InsertedColumns, StringComparer.OrdinalIgnoreCase).ToList();
        var markers = string.Concat(owned.Markers.Select(m => $" AND t.{m.Column} = '{m.Value}'"));
        return StoreTexts($"SELECT {string.Join(" || '/' || ", identifying.Select(c => $"CAST(t.{c} AS VARCHAR)"))} || chr(31) || {RowText(notOwned)} || chr(31) || {RowText(owned.OwnedColumns)} " +
                          $"FROM {owned.Table.FullName} AS t WHERE t.{owned.DateColumn} IN {List(RunDates)}{markers}")
            .Select(s => s!.Split(Sep)).ToDictionary(p => p[0], p => (p[1], p[2]));
    }

    /// <summary>Load the replica: sample inputs, values in every migration column, and production's own rows.</summary>
    protected void Load(string sample, bool incompleteGame = true)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        CreateTables(ProductionSchema.Tables.Select(t => t.Replica).Append(BackfillProgress));
        // One script: the attached sample is the session's.
        var copy = new List<string> { $"ATTACH '{sample}' AS sample (READ_ONLY)" };
        foreach (var input in WarehouseSchema.Inputs)
        {
            var columns = string.Join(", ", input.ColumnNames.Select(Q));
            var window = input == WarehouseSchema.Schedule ? "TRUE" : $"{input.PartitionColumn} BETWEEN {Lit(HistoryFrom)} AND {Lit(RunTo)}";
            copy.Add($"INSERT INTO {input.FullName} ({columns}) SELECT {columns} FROM sample.{input.FullName} WHERE {window}");
            // Production has the columns its migrations add, with values in them.
            var added = Production(input).MigrationColumns;
            if (added.Count > 0)
                copy.Add($"UPDATE {input.FullName} SET {string.Join(", ", added.Select((c, k) => $"{Q(c.Name)} = {Value(c.FullType, k, "CAST(hash(game_id) % 997 AS BIGINT)", c.Name)}"))}");
        }
        copy.Add("DETACH sample");
        Store(string.Join(";\n", copy));
        Output.WriteLine($"inputs copied: {clock.Elapsed.TotalSeconds:0.0} s");

        // Production's Phase 3 lacks one game of a run date (its players fail until the game is waived).
        if (incompleteGame)
        {
            var game = StoreTexts($"SELECT strftime(game_date, '%Y%m%d') || '_' || away_team_tricode || '_' || home_team_tricode FROM {WarehouseSchema.Schedule.FullName} " +
                                  $"WHERE game_date = {Lit(Incomplete)} ORDER BY game_id LIMIT 1").Single()!;
            Store($"DELETE FROM {WarehouseSchema.PlayerGameSummary.FullName} WHERE game_id = '{game}'");
        }

        // Production-made rows in the written tables: for keys the product will produce (players who played, teams) and a
        // key it will not, with a value in every column; MLFS also in production's own feature version.
        foreach (var (processor, owned) in Outputs)
        {
            var player = owned.Key[1] == "player_lookup";
            var entities = player
                ? $"SELECT player_lookup AS entity, game_id, game_date AS d, row_number() OVER (PARTITION BY game_date ORDER BY player_lookup) AS r FROM {WarehouseSchema.PlayerGameSummary.FullName}"
                : $"SELECT defending_team_abbr AS entity, game_id, game_date AS d, row_number() OVER (PARTITION BY game_date ORDER BY defending_team_abbr) AS r FROM {WarehouseSchema.TeamDefenseGameSummary.FullName}";
            InsertProductionRows(owned, entities, 4, player ? GhostPlayer : GhostTeam, owned.Markers.ToDictionary(m => m.Column, m => $"'{m.Value}'"));
            if (processor == ProcessorName.MLFS)
                InsertProductionRows(owned, entities, 8, GhostPlayer, new Dictionary<string, string> { ["feature_version"] = $"'{ForeignVersion}'" });
        }
        var failures = ProcessorCatalog.FailureOwnership(ProcessorName.PCF);
        var players = $"SELECT player_lookup AS entity, game_id, game_date AS d, row_number() OVER (PARTITION BY game_date ORDER BY player_lookup) AS r FROM {WarehouseSchema.PlayerGameSummary.FullName}";
        InsertProductionRows(failures, players, 4, null, new Dictionary<string, string> { ["processor_name"] = $"'{ForeignProcessor}'" });
        InsertProductionRows(failures, players, 0, GhostPlayer, new Dictionary<string, string> { ["processor_name"] = "'PCF'" });
        Output.WriteLine($"production rows: {clock.Elapsed.TotalSeconds:0.0} s");
        // The same rows on dates outside the run.
        foreach (var owned in Outputs.Select(o => o.Owned).Append(failures))
            foreach (var other in new[] { Before, After })
                Store($"INSERT INTO {owned.Table.FullName} SELECT * REPLACE ({Lit(other)} AS {owned.DateColumn}) FROM {owned.Table.FullName} WHERE {owned.DateColumn} = {Lit(RunFrom)}");

        Store($"INSERT INTO {BackfillProgress.FullName} VALUES ('PlayerCompositeFactorsProcessor', '2022-23', DATE '2023-02-20', 'running', TIMESTAMP '2023-02-21 04:00:00'), " +
              "('MLFeatureStoreProcessor', '2022-23', NULL, 'pending', NULL)");
    }

    /// <summary>
    /// Rows of <paramref name="owned"/>'s table on the run's dates: the first <paramref name="perDate"/> entities of
    /// <paramref name="entities"/> per date, and <paramref name="ghost"/> (an entity the product never produces) on each;
    /// <paramref name="fixedValues"/> as given, every other column a value of its type.
    /// </summary>
    private void InsertProductionRows(TableOwnership owned, string entities, int perDate, string? ghost, IReadOnlyDictionary<string, string> fixedValues)
    {
        var replica = Production(owned.Table).Replica;
        var keys = $"SELECT entity, game_id, d, CAST(row_number() OVER (ORDER BY d, entity) AS BIGINT) AS i FROM (" +
                   $"SELECT entity, game_id, d FROM ({entities}) AS e WHERE r <= {perDate} AND d IN {List(RunDates)}" +
                   (ghost is null ? "" : $" UNION ALL SELECT '{ghost}', 'ghost_game', d FROM (SELECT UNNEST([{string.Join(", ", RunDates.Select(Lit))}]) AS d) AS g") + ")";
        var values = replica.Columns.Select((c, k) =>
            fixedValues.TryGetValue(c.Name, out var v) ? v
            : c.Name == owned.DateColumn ? "k.d"
            : c.Name == owned.Key[1] ? "k.entity"
            : c.Name == "game_id" ? "k.game_id"
            : Value(c.FullType, k, "k.i * 31 + 7", c.Name));
        Store($"INSERT INTO {replica.FullName} ({string.Join(", ", replica.ColumnNames.Select(Q))}) SELECT {string.Join(", ", values)} FROM ({keys}) AS k");
    }

    protected static PowerShell NewShell()
    {
        var ps = PowerShell.Create(InitialSessionState.CreateDefault2());
        ps.AddCommand("Import-Module").AddParameter("Name", typeof(InvokeBackfillCommand).Assembly.Location).Invoke();
        ps.Commands.Clear();
        return ps;
    }

    /// <summary>Run one command; its output, and the errors it wrote (a terminating one included).</summary>
    protected static (List<object> Output, List<ErrorRecord> Errors, Exception? Terminated) Run(PowerShell ps, Action<PowerShell> add)
    {
        ps.Commands.Clear();
        ps.Streams.ClearStreams();
        add(ps);
        var output = new PSDataCollection<PSObject>();
        Exception? terminated = null;
        try { ps.Invoke(null, output); }
        catch (RuntimeException ex) { terminated = ex; }
        return (output.Select(o => o.BaseObject).ToList(), ps.Streams.Error.ToList(), terminated);
    }

    [Fact]
    public void Every_cmdlet_on_a_production_replica_changes_only_what_the_product_owns()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Load(Template.NewCopy());
        SetupDone();
        Output.WriteLine($"replica loaded: {clock.Elapsed.TotalSeconds:0.0} s");
        var layoutBefore = Layout();
        var before = Snapshot();
        var scopeBefore = Outputs.ToDictionary(o => o.Processor, o => ScopeRows(o.Owned));
        Assert.All(scopeBefore.Values, rows => Assert.NotEmpty(rows));

        using var ps = NewShell();
        Assert.Null(Run(ps, AddConnect).Terminated);

        // 1. A backfill that stops at the first failed partition (-ErrorAction Stop), resumed, then repaired with -RetryFailed.
        var results = new List<BackfillResult>();
        var first = Run(ps, p => p.AddCommand("Invoke-Backfill").AddParameter("StartDate", RunFrom.ToDateTime(default)).AddParameter("EndDate", RunTo.ToDateTime(default))
            .AddParameter("ErrorAction", "Stop").AddParameter("WarningAction", "SilentlyContinue"));
        Assert.NotNull(first.Terminated);
        results.AddRange(first.Output.OfType<BackfillResult>());
        Assert.Contains(results, r => r.Status == PartitionStatus.Failed && r.Date == Incomplete);
        var runs = Run(ps, p => p.AddCommand("Get-BackfillRun")).Output.OfType<BackfillRunInfo>().ToList();
        var run = Assert.Single(runs);
        Assert.True(run.Cancelled > 0, $"the stopped run left nothing to resume ({run.Status})");

        var resumed = Run(ps, p => p.AddCommand("Invoke-Backfill").AddParameter("Resume", run.RunId)
            .AddParameter("ErrorAction", "SilentlyContinue").AddParameter("WarningAction", "SilentlyContinue"));
        Assert.Null(resumed.Terminated);
        results.AddRange(resumed.Output.OfType<BackfillResult>());
        var failed = results.Where(r => r.Status == PartitionStatus.Failed).ToList();
        Assert.All(failed, r => Assert.Equal(Incomplete, r.Date));
        var missingGame = Regex.Match(failed.First(r => r.ErrorCategory == "UpstreamIncomplete").Message!, @"\b(00\d{8})\b").Groups[1].Value;

        Assert.Null(Run(ps, p => p.AddCommand("Add-BackfillWaiver").AddParameter("GameId", new[] { missingGame }).AddParameter("Reason", "Lost upstream")).Terminated);
        var retried = Run(ps, p => p.AddCommand("Invoke-Backfill").AddParameter("RetryFailed", true).AddParameter("RunId", run.RunId)
            .AddParameter("WarningAction", "SilentlyContinue"));
        Assert.Null(retried.Terminated);
        Assert.Empty(retried.Errors);
        results.AddRange(retried.Output.OfType<BackfillResult>());
        // What the runs published, as the ledger has it (a run stopped by -ErrorAction Stop published the rest of its
        // chunk without emitting it).
        var published = StoreTexts($"SELECT processor || chr(31) || CAST(partition_date AS VARCHAR) FROM {WarehouseSchema.BackfillPartitions.FullName} WHERE status = 'Published'")
            .Select(s => s!.Split(Sep)).Select(p => (Enum.Parse<ProcessorName>(p[0]), DateOnly.Parse(p[1]))).ToHashSet();
        Assert.All(results.Where(r => r.Status == PartitionStatus.Published), r => Assert.Contains((r.Processor, r.Date), published));
        foreach (var processor in Enum.GetValues<ProcessorName>())
            foreach (var day in RunDates)
                Assert.Contains((processor, day), published);
        Output.WriteLine($"backfill, resume, retry: {clock.Elapsed.TotalSeconds:0.0} s");

        // 2. Reading cmdlets: coverage counts the product's rows only, and every partition is accounted for.
        var coverage = Run(ps, p => p.AddCommand("Test-Coverage").AddParameter("StartDate", RunFrom.ToDateTime(default)).AddParameter("EndDate", RunTo.ToDateTime(default))
            .AddParameter("Layer", new[] { CoverageLayer.Precompute }));
        Assert.Null(coverage.Terminated);
        var precompute = coverage.Output.OfType<CoverageResult>().ToList();
        Assert.Equal(RunDates.Length * ProcessorCatalog.All.Count, precompute.Count);
        Assert.All(precompute, c => Assert.True(c.Status is CoverageStatus.OK or CoverageStatus.Waived, $"{c.Date} {c.Processor}: {c.Status} {c.Detail}"));
        foreach (var c in precompute.Where(c => c.Processor == nameof(ProcessorName.MLFS)))
            Assert.Equal(ProductRows(PrecomputeTables.Mlfs, "game_date", c.Date, $" AND feature_version = '{ProcessorCatalog.MlfsFeatureVersion}'"), c.Actual);

        var season = Run(ps, p => p.AddCommand("Get-SeasonReport").AddParameter("Season", new[] { "2022-23" }));
        Assert.Null(season.Terminated);
        Assert.Equal("2022-23", Assert.Single(season.Output.OfType<SeasonReport>()).Season);

        var quality = Run(ps, p => p.AddCommand("Test-DataQuality").AddParameter("StartDate", RunFrom.ToDateTime(default)).AddParameter("EndDate", RunTo.ToDateTime(default)));
        Assert.Null(quality.Terminated);
        // Production's own rows (another feature version of the same players) are not the product's duplicates.
        Assert.DoesNotContain(quality.Output.OfType<DataQualityFinding>(), f => f.Check == DataQualityCheck.DuplicateKey);
        Output.WriteLine($"coverage, season report, data quality: {clock.Elapsed.TotalSeconds:0.0} s");

        // 3. Stale context: found, cleared with a backup, restored whole.
        var stale = Run(ps, p => p.AddCommand("Find-StaleUpcg"));
        Assert.Null(stale.Terminated);
        var staleDates = stale.Output.OfType<StaleUpcgDate>().Where(s => s.IsPartial).Select(s => s.Date).ToList();
        Assert.Contains(SampleLeague.StaleUpcgFirstDate, staleDates);
        Assert.Contains(SampleLeague.StaleUpcgSecondDate, staleDates);
        var upcg = WarehouseSchema.UpcomingPlayerGameContext.FullName;
        var upcgBefore = Snapshot()[upcg];
        var clearedDates = new[] { SampleLeague.StaleUpcgFirstDate, SampleLeague.StaleUpcgSecondDate };
        var cleared = Run(ps, p => p.AddCommand("Clear-StaleUpcg").AddParameter("Date", clearedDates.Select(d => d.ToDateTime(default)).ToArray())
            .AddParameter("Confirm", false).AddParameter("PassThru", true));
        Assert.Null(cleared.Terminated);
        var cleanup = Assert.Single(cleared.Output.OfType<StaleUpcgCleanup>());
        var deleted = upcgBefore.Where(r => clearedDates.Any(d => r.Date == d.ToString("yyyy-MM-dd"))).Select(r => r.Row).ToList();
        Assert.Equal(SampleLeague.StaleUpcgFirstRows + SampleLeague.StaleUpcgSecondRows, deleted.Count);
        Assert.Equal(deleted.Count, cleanup.RowsDeleted);
        Assert.Equal(upcgBefore.Select(r => r.Row).Except(deleted), Snapshot()[upcg].Select(r => r.Row));
        var backupColumns = StoreColumns(cleanup.BackupTable!).Select(c => c.Split(' ')[0]).ToList();
        Assert.StartsWith(DatasetNames.Tool + ".", cleanup.BackupTable);
        Assert.Equal(deleted, StoreTexts($"SELECT {RowText(backupColumns)} FROM {cleanup.BackupTable} AS t").Order(StringComparer.Ordinal));
        var restored = Run(ps, p => p.AddCommand("Restore-StaleUpcg").AddParameter("BackupTable", cleanup.BackupTable).AddParameter("Confirm", false));
        Assert.Null(restored.Terminated);
        Assert.Equal(deleted.Count, Assert.Single(restored.Output.OfType<StaleUpcgRestore>()).RowsRestored);
        AssertSameRows(upcg, upcgBefore.Select(r => r.Row).ToList(), Snapshot()[upcg].Select(r => r.Row).ToList());
        Output.WriteLine($"stale context: {clock.Elapsed.TotalSeconds:0.0} s");

        // Afterwards: production's layout is unchanged, and the only new tables are in the product's datasets.
        var layoutAfter = Layout();
        foreach (var (table, columns) in layoutBefore) Assert.Equal((table, columns), (table, layoutAfter[table]));
        var created = layoutAfter.Keys.Except(layoutBefore.Keys).ToList();
        Assert.Contains(WarehouseSchema.BackfillRuns.FullName, created);
        Assert.All(created, t => Assert.True(DatasetNames.IsProduct(t[..t.IndexOf('.')]), $"{t} was created outside the product's datasets"));

        // Every row outside the product's scope is byte for byte what it was: inputs and nba_backfill whole, the written
        // tables outside the published dates (and MLFS's other feature versions, other processors' failure rows).
        var after = Snapshot();
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        var processorNames = Enum.GetNames<ProcessorName>();
        bool InScope(string table, (string Date, string Marker, string Row) r)
        {
            if (table == WarehouseSchema.PrecomputeFailures.FullName)
                return processorNames.Contains(r.Marker) && published.Contains((Enum.Parse<ProcessorName>(r.Marker), DateOnly.Parse(r.Date)));
            var output = Outputs.FirstOrDefault(o => o.Owned.Table.FullName == table);
            if (output.Owned is null) return false;
            return published.Contains((output.Processor, DateOnly.Parse(r.Date)))
                   && output.Owned.Markers.All(m => m.Value == r.Marker);
        }
        foreach (var table in before.Keys)
        {
            AssertSameRows(table, before[table].Where(r => !InScope(table, r)).Select(r => r.Row).ToList(),
                after[table].Where(r => !InScope(table, r)).Select(r => r.Row).ToList());
        }
        Assert.Equal(2, after[BackfillProgress.FullName].Count);
        Assert.Contains(after[PrecomputeTables.Mlfs.FullName], r => r.Marker == ForeignVersion && RunDates.Any(d => r.Date == d.ToString("yyyy-MM-dd")));

        // In the scope: production's rows for keys the product produced keep every column it does not own, and get its
        // values in the ones it does; keys it no longer produces are gone.
        foreach (var (processor, owned) in Outputs)
        {
            var was = scopeBefore[processor];
            var now = ScopeRows(owned);
            var kept = was.Keys.Intersect(now.Keys).ToList();
            Assert.True(kept.Count > 0, $"{owned.Table.FullName}: none of production's keys was produced by the run");
            Assert.All(kept, key => Assert.Equal((key, was[key].NotOwned), (key, now[key].NotOwned)));
            Assert.All(kept, key => Assert.NotEqual(was[key].Owned, now[key].Owned));
            Assert.DoesNotContain(now.Keys, key => key.Contains(GhostPlayer) || key.Contains("/" + GhostTeam));
        }
        Assert.Equal(0, long.Parse(StoreTexts($"SELECT COUNT(*) FROM {WarehouseSchema.PrecomputeFailures.FullName} WHERE processor_name = 'PCF' AND entity_id = '{GhostPlayer}' " +
                                              $"AND analysis_date IN {List(RunDates)}").Single()!));
        AssertEngineCalls();
        Output.WriteLine($"total: {clock.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>The same rows, or a message naming what is gone and what is new.</summary>
    protected static void AssertSameRows(string table, IReadOnlyList<string> expected, IReadOnlyList<string> actual)
    {
        if (expected.SequenceEqual(actual)) return;
        var gone = expected.Except(actual).ToList();
        var added = actual.Except(expected).ToList();
        Assert.Fail($"{table}: {expected.Count} rows before, {actual.Count} after; {gone.Count} changed or gone, e.g. {gone.FirstOrDefault()}; " +
                    $"{added.Count} new or changed, e.g. {added.FirstOrDefault()}");
    }

    private long ProductRows(TableDef table, string dateColumn, DateOnly day, string filter) =>
        long.Parse(StoreTexts($"SELECT COUNT(*) FROM {table.FullName} WHERE {dateColumn} = {Lit(day)}{filter}").Single()!);
}

[Collection(ProductionReplicaCollection.Name)]
public sealed class DuckDbProductionReplicaTests : ProductionReplicaScenario
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bft-replica-duck-").FullName;
    private string PathOf => Path.Combine(_dir, "production.duckdb");

    public DuckDbProductionReplicaTests(ReplicaSampleTemplate template, ITestOutputHelper output) : base(template, output) { }

    public override void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { /* best effort */ }
    }

    protected override void CreateTables(IEnumerable<TableDef> tables)
    {
        using var w = DuckDbWarehouse.Open(PathOf, create: true);
        foreach (var t in tables) w.EnsureTable(t);
    }

    private DuckDBConnection OpenStore()
    {
        var c = new DuckDBConnection($"Data Source={PathOf}");
        c.Open();
        return c;
    }

    protected override void Store(string duckSql)
    {
        using var c = OpenStore();
        using var cmd = c.CreateCommand();
        cmd.CommandText = duckSql;
        cmd.ExecuteNonQuery();
    }

    protected override IReadOnlyList<string?> StoreTexts(string duckSql)
    {
        using var c = OpenStore();
        using var cmd = c.CreateCommand();
        cmd.CommandText = duckSql;
        using var reader = cmd.ExecuteReader();
        var texts = new List<string?>();
        while (reader.Read()) texts.Add(reader.IsDBNull(0) ? null : Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture));
        return texts;
    }

    protected override void AddConnect(PowerShell ps) => ps.AddCommand("Connect-BackfillWarehouse").AddParameter("Path", PathOf);
}

[Collection(ProductionReplicaCollection.Name)]
public sealed partial class BigQueryProductionReplicaTests : ProductionReplicaScenario
{
    private readonly FakeBigQuery _fake = new() { IncompletePolls = 0, DefaultPageSize = 1000 };
    private readonly FakeBigQueryHttp _endpoint;

    public BigQueryProductionReplicaTests(ReplicaSampleTemplate template, ITestOutputHelper output) : base(template, output) =>
        _endpoint = new FakeBigQueryHttp(_fake);

    public override void Dispose()
    {
        _endpoint.Dispose();
        _fake.Dispose();
    }

    protected override void CreateTables(IEnumerable<TableDef> tables)
    {
        // Through the BigQuery API, as production's own DDL made them (partitioning, clustering, require_partition_filter).
        using var w = BigQueryTestHost.Open(_fake);
        foreach (var t in tables) w.EnsureTable(t);
    }

    protected override void Store(string duckSql) => _fake.ScalarInt64(duckSql);

    protected override IReadOnlyList<string?> StoreTexts(string duckSql) => _fake.Texts(duckSql);

    private Dictionary<string, string> _resources = new();

    protected override void SetupDone()
    {
        _resources = ProductionSchema.Tables.ToDictionary(t => t.FullName, t => _fake.TableResource(t.Base.Dataset, t.Base.Name)!.ToJsonString());
        _fake.Requests.Clear();
    }

    protected override void AddConnect(PowerShell ps) => ps.AddCommand("Connect-BackfillWarehouse")
        .AddParameter("BigQueryProject", FakeBigQuery.Project).AddParameter("Location", "EU").AddParameter("Endpoint", _endpoint.Url);

    /// <summary>The table resources (schema, partitioning, clustering, require_partition_filter) are production's still.</summary>
    private void AssertProductionResources()
    {
        foreach (var t in ProductionSchema.Tables)
            Assert.Equal(_resources[t.FullName], _fake.TableResource(t.Base.Dataset, t.Base.Name)!.ToJsonString());
    }

    protected override void AssertEngineCalls()
    {
        AssertProductionResources();
        // Datasets and tables were created, deleted and loaded into only in the product's datasets.
        var structural = new[] { "datasets.insert", "datasets.delete", "tables.insert", "tables.delete", "jobs.upload" }.SelectMany(_fake.Calls).ToList();
        Assert.Contains(structural, r => r.Operation == "datasets.insert");
        foreach (var call in structural)
        {
            var named = Regex.Matches(call.PathAndQuery + " " + call.Body, @"datasets/([A-Za-z0-9_]+)|""datasetId""\s*:\s*""([A-Za-z0-9_]+)""")
                .Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value).Distinct().ToList();
            Assert.NotEmpty(named);
            Assert.All(named, d => Assert.True(DatasetNames.IsProduct(d), $"{call.Operation} named dataset {d}"));
        }
        Assert.All(_fake.Requests, r => Assert.Null(r.Authorization));
    }
}
