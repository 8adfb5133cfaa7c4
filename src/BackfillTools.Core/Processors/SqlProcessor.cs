using BackfillTools.Core.Schema;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Core.Processors;

/// <summary>
/// Runs one processor as a fixed sequence of set-based statements over all dates of the run at once: shared steps
/// from Sql/Common.sql around the processor's own Sql/&lt;NAME&gt;.sql. Nothing loops over dates; computing one date is
/// the same call with a one-row dates table (the benchmark baseline).
/// </summary>
internal sealed partial class SqlProcessor : IProcessor
{
    public SqlProcessor(ProcessorDefinition definition) => Definition = definition;

    public ProcessorDefinition Definition { get; }

    /// <summary>The expected entities over every date's schedule (<see cref="Season.AllTime"/> as constant bounds).</summary>
    public string ExpectedEntitiesSql => ExpectedEntitiesSqlWithin(Season.AllTime);

    /// <summary>The expected entities, reading the schedule only within <paramref name="window"/> (constant bounds).</summary>
    internal string ExpectedEntitiesSqlWithin((DateOnly From, DateOnly To) window) =>
        ExpectedSql(Definition, DateScope.Literal(window.From), DateScope.Literal(window.To));

    public void ComputeToStaging(IWarehouse warehouse, StagingTables staging, ProcessorOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(warehouse);
        ArgumentNullException.ThrowIfNull(staging);
        var steps = Steps(staging, options ?? ProcessorOptions.Default, DateTime.UtcNow);
        try
        {
            // One batch (one BigQuery script job); the reset steps at its head make a re-run of the whole batch safe.
            warehouse.ExecuteBatch(steps.Select(s => new SqlStatement(s.Sql, s.Parameters) { ComputesWideRows = s.ComputesWideRows }).ToList(), ct);
        }
        catch (SqlBatchException ex)
        {
            var step = steps[ex.StatementIndex].Name;
            throw new BackfillException(ErrorIds.ProcessorStatementFailed, ErrorKind.InvalidOperation,
                $"{Definition.Name} step '{step}' failed: {ex.InnerException!.Message}", step, ex.InnerException);
        }
        finally
        {
            foreach (var (ds, table) in WorkTables(staging, steps)) warehouse.DropTable(ds, table);
        }
    }

    /// <summary>
    /// One statement of a run: portable SQL with every token filled in, the parameters it uses, and whether it computes
    /// wide rows (<see cref="SqlStatement.ComputesWideRows"/>).
    /// </summary>
    internal sealed record Step(string Name, string Sql, IReadOnlyDictionary<string, object?> Parameters, bool ComputesWideRows);

    /// <summary>Staged rows of at least this many columns are wide (MLFS's 300; the other processors stage at most 60).</summary>
    internal const int WideRowColumns = 100;

    /// <summary>
    /// Exactly what <see cref="ComputeToStaging"/> executes, in order (the GoogleSQL gate analyzes this list). Scratch
    /// tables ({{work.X}}) are created by earlier steps and dropped after the last one.
    /// </summary>
    internal IReadOnlyList<Step> Steps(StagingTables staging, ProcessorOptions options, DateTime processedAt)
    {
        var parameters = Parameters(staging, options, processedAt);
        var wide = Definition.StagingRows.Columns.Count >= WideRowColumns
            ? SqlFile.Load(Definition.Name.ToString()).Where(s => StagesRows(s.Sql)).Select(s => s.Name).ToHashSet()
            : new HashSet<string>();
        return PortableStatements(staging, options).Select(s =>
        {
            var used = ParameterToken().Matches(s.Sql).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.OrdinalIgnoreCase);
            return new Step(s.Name, s.Sql, parameters.Where(p => used.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value), wide.Contains(s.Name));
        }).ToList();
    }

    /// <summary>The scratch tables a run's steps create (to drop afterwards).</summary>
    internal static IReadOnlyList<(string Dataset, string Table)> WorkTables(StagingTables staging, IEnumerable<Step> steps) =>
        steps.SelectMany(s => WorkPlaceholder(staging).Matches(s.Sql).Select(m => (staging.Rows.Dataset, m.Groups[1].Value)))
            .Distinct().ToList();

    // What {{work.X}} becomes after Substitute: the placeholder of WorkName's table.
    private static Regex WorkPlaceholder(StagingTables staging) => new(
        @"\{\{" + Regex.Escape(staging.Rows.Dataset) + @"\.(" + Regex.Escape(staging.Rows.Name) + @"_w_[A-Za-z0-9_]+)\}\}");

    /// <summary>The statements of one run with every token filled in, still portable SQL (for portability checks).</summary>
    internal IReadOnlyList<(string Name, string Sql)> PortableStatements(StagingTables staging, ProcessorOptions options) =>
        Statements(options).Select(s => Substitute(s, staging)).ToList();

    public const string StageRowsToken = "{{stage.rows}}";
    public const string StageFailuresToken = "{{stage.failures}}";

    /// <summary>
    /// The columns the run's INSERT statements into a staging table (<see cref="StageRowsToken"/> or
    /// <see cref="StageFailuresToken"/>) name, in first-seen order: what the processor computes for that table, read
    /// from its SQL so that ownership (<see cref="ProcessorCatalog.OutputOwnership"/>) cannot drift from it.
    /// </summary>
    internal IReadOnlyList<string> ColumnsWrittenTo(string stageToken)
    {
        var insert = new Regex(@"INSERT\s+INTO\s+" + Regex.Escape(stageToken) + @"\s*\(([^)]*)\)", RegexOptions.IgnoreCase);
        var columns = Statements(ProcessorOptions.Default)
            .SelectMany(s => insert.Matches(s.Sql))
            .SelectMany(m => m.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        return columns.Count > 0 ? columns
            : throw new InvalidOperationException($"{Definition.Name} has no INSERT INTO {stageToken} with a column list.");
    }

    /// <summary>The ordered statements of one run, before token substitution.</summary>
    internal IReadOnlyList<(string Name, string Sql)> Statements(ProcessorOptions options)
    {
        var common = SqlFile.Load("Common");
        var list = new List<(string, string)>
        {
            // The run appends to these; emptying them first makes the whole run idempotent (IWarehouse.ExecuteBatch).
            ("reset_rows", "DELETE FROM {{stage.rows}} WHERE TRUE"),
            ("reset_failures", "DELETE FROM {{stage.failures}} WHERE TRUE"),
            ("reset_context", "DELETE FROM {{stage.context}} WHERE TRUE"),
            ("dinfo", "CREATE OR REPLACE TABLE {{work.dinfo}} AS WITH " + SeasonCalendarSql.DateInfoCte("{{stage.dates}}") + " SELECT * FROM dinfo"),
        };
        if (Definition.UsesPlayerContext)
            list.AddRange(common.Where(s => s.Name is "ctx_decision" or "ctx" or "ctx_log"));
        list.Add(("blocked", BlockedSql(options)));
        list.AddRange(common.Where(s => s.Name == "todo"));
        var own = SqlFile.Load(Definition.Name.ToString());
        // Each output row gets its data_hash as it is staged (DataHash: one rule for every processor).
        list.AddRange(own.Select(s => (s.Name, StagesRows(s.Sql)
            ? DataHash.AddTo(Expand(s.Sql), StageRowsToken, Definition.StagingRows, Definition.Output)
            : Expand(s.Sql))));
        if (own.Any(s => s.Sql.Contains("{{work.checked}}", StringComparison.Ordinal)))
            list.AddRange(common.Where(s => s.Name == "validation_failures"));
        list.Add(("expected", "CREATE OR REPLACE TABLE {{work.expected}} AS " + ExpectedSql(Definition, "@read_from", "@read_to")));
        list.AddRange(common.Where(s => s.Name == "blocked_failures"));
        list.AddRange(common.Where(s => s.Name == (Definition.UsesPlayerContext ? "unaccounted_context" : "unaccounted")));
        return list;
    }

    private (string Name, string Sql) Substitute((string Name, string Sql) s, StagingTables staging)
    {
        var sql = s.Sql
            .Replace("{{stage.dates}}", staging.Dates.Placeholder, StringComparison.Ordinal)
            .Replace("{{stage.rows}}", staging.Rows.Placeholder, StringComparison.Ordinal)
            .Replace("{{stage.failures}}", staging.Failures.Placeholder, StringComparison.Ordinal)
            .Replace("{{stage.context}}", staging.ContextSources.Placeholder, StringComparison.Ordinal)
            .Replace("{{col.date}}", Definition.DateColumn, StringComparison.Ordinal)
            .Replace("{{col.entity}}", Definition.EntityColumn, StringComparison.Ordinal);
        sql = WorkToken().Replace(sql, m =>
        {
            var (ds, t) = WorkName(staging, m.Groups[1].Value);
            return "{{" + ds + "." + t + "}}";
        });
        return (s.Name, sql);
    }

    /// <summary>Scratch tables live next to the staging rows table, named after it, so parallel runs never collide.</summary>
    private static (string Dataset, string Table) WorkName(StagingTables staging, string name) =>
        (staging.Rows.Dataset, $"{staging.Rows.Name}_w_{name}");

    private Dictionary<string, object?> Parameters(StagingTables staging, ProcessorOptions options, DateTime processedAt) => new()
    {
        ["processor"] = Definition.Name.ToString(),
        ["run_id"] = staging.RunId,
        ["processed_at"] = processedAt,
        ["read_from"] = staging.ReadWindow.From,
        ["read_to"] = staging.ReadWindow.To,
        ["context_mode"] = options.ContextSource.ToString(),
        ["opt_tdza_season_start"] = options.TdzaSeasonStart,
        ["opt_tdza_league_strict"] = options.TdzaLeagueStrictlyBefore,
        ["opt_mlfs_zone_units"] = options.MlfsZoneUnits,
        ["opt_mlfs_roster_context"] = options.MlfsRosterContext,
        ["partial_upcg_ratio"] = BackfillRules.PartialUpcgRatio,
        ["mlfs_feature_version"] = ProcessorCatalog.MlfsFeatureVersion,
    };

    /// <summary>
    /// Dates whose required upstream Phase 4 tables have no rows for D, with the missing tables named. Empty when the
    /// processor requires nothing or the parity switch AllowMissingUpstream is on.
    /// </summary>
    private string BlockedSql(ProcessorOptions options)
    {
        var required = options.AllowMissingUpstream ? Array.Empty<ProcessorDefinition>()
            : Definition.RequiredUpstream.Select(ProcessorCatalog.Get).ToArray();
        if (required.Length == 0)
            return "CREATE OR REPLACE TABLE {{work.blocked}} AS SELECT analysis_date, CAST(NULL AS STRING) AS missing FROM {{work.dinfo}} WHERE FALSE";
        var checks = string.Join("\n  UNION ALL\n", required.Select(u =>
            $"  SELECT d.analysis_date, '{u.Output.FullName}' AS tbl, {(int)u.Name} AS ord FROM {{{{work.dinfo}}}} d " +
            $"WHERE NOT d.is_bootstrap AND NOT EXISTS (SELECT 1 FROM {u.Output.Placeholder} t WHERE t.{u.DateColumn} = d.analysis_date)" +
            // An upstream date published with only failure rows (e.g. TDZA before teams have 15 games) did run: not blocked.
            $" AND NOT EXISTS (SELECT 1 FROM {WarehouseSchema.PrecomputeFailures.Placeholder} pf WHERE pf.processor_name = '{u.Name}' AND pf.analysis_date = d.analysis_date)"));
        return "CREATE OR REPLACE TABLE {{work.blocked}} AS\nSELECT analysis_date, STRING_AGG(tbl, ', ' ORDER BY ord) AS missing FROM (\n"
            + checks + "\n) m GROUP BY analysis_date";
    }

    /// <summary>Expected entities per processor (see <see cref="IProcessor.ExpectedEntitiesSql"/>).</summary>
    private static string ExpectedSql(ProcessorDefinition def, string readFrom, string readTo)
    {
        var head = "WITH " + SeasonCalendarSql.DateInfoCte("{{stage.dates}}", readFrom, readTo) + "\n";
        return def.Name switch
        {
            // Every team with a TDGS game this season before D is either a row or an INSUFFICIENT_DATA failure.
            ProcessorName.TDZA => head + @"SELECT DISTINCT d.analysis_date, g.defending_team_abbr AS entity_id
FROM dinfo d JOIN {{nba_analytics.team_defense_game_summary}} g
  ON g.game_date >= d.oct1 AND g.game_date < d.analysis_date
WHERE NOT d.is_bootstrap",
            // Every player with a qualifying game this season (PSZA's start) before D: whose first such game is before
            // D. The first games are found once per season, so the work grows with the output, not dates × games.
            ProcessorName.PSZA => head + @"SELECT DISTINCT d.analysis_date, f.entity_id
FROM dinfo d JOIN (
  SELECT s.psza_start, p.player_lookup AS entity_id, MIN(p.game_date) AS first_game
  FROM (SELECT psza_start, MAX(analysis_date) AS last_date FROM dinfo WHERE NOT is_bootstrap GROUP BY psza_start) s
  JOIN {{nba_analytics.player_game_summary}} p ON p.game_date >= s.psza_start AND p.game_date < s.last_date
  WHERE p.is_active AND (p.minutes_played > 0 OR p.fg_attempts > 0)
  GROUP BY s.psza_start, p.player_lookup
) f ON f.psza_start = d.psza_start AND f.first_game < d.analysis_date
WHERE NOT d.is_bootstrap",
            // Distinct PGS players on D (never the context rows, so a partial UPCG shows as low coverage);
            // an upcoming date without PGS expects its UPCG players.
            _ => head + @"SELECT DISTINCT d.analysis_date, p.player_lookup AS entity_id
FROM dinfo d JOIN {{nba_analytics.player_game_summary}} p ON p.game_date = d.analysis_date
WHERE NOT d.is_bootstrap
UNION DISTINCT
SELECT DISTINCT d.analysis_date, u.player_lookup AS entity_id
FROM dinfo d JOIN {{nba_analytics.upcoming_player_game_context}} u ON u.game_date = d.analysis_date
WHERE NOT d.is_bootstrap
  AND NOT EXISTS (SELECT 1 FROM {{nba_analytics.player_game_summary}} p WHERE p.game_date = d.analysis_date)",
        };
    }

    /// <summary>The data_hash of an output row as an expression over the output's columns by name (DataHash.RowExpression).</summary>
    internal string RowHashExpression() =>
        SqlFile.Load(Definition.Name.ToString()).Where(s => StagesRows(s.Sql))
            .Select(s => DataHash.RowExpression(Expand(s.Sql), StageRowsToken, Definition.StagingRows, Definition.Output)).Single();

    private static bool StagesRows(string sql) =>
        Regex.IsMatch(sql, @"INSERT\s+INTO\s+" + Regex.Escape(StageRowsToken), RegexOptions.IgnoreCase);

    /// <summary>Expand C#-generated fragments (MLFS per-feature columns) named by /*@name*/ markers.</summary>
    private static string Expand(string sql) => MarkerToken().Replace(sql, m => m.Groups[1].Value switch
    {
        "mlfs_outputs" => MlfsSql.OutputColumns(),
        "mlfs_quality" => MlfsSql.QualityColumns(),
        "mlfs_output_names" => MlfsSql.OutputColumnNames(),
        "mlfs_feature_names" => MlfsSql.FeatureNamesArray(),
        var other => throw new InvalidOperationException($"Unknown SQL fragment '{other}'."),
    });

    [GeneratedRegex(@"\{\{work\.([A-Za-z0-9_]+)\}\}")]
    private static partial Regex WorkToken();

    [GeneratedRegex(@"(?<![@\w])@([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex ParameterToken();

    [GeneratedRegex(@"/\*@([a-z_]+)\*/")]
    private static partial Regex MarkerToken();
}

/// <summary>Reads an embedded Sql/&lt;name&gt;.sql and splits it at "-- @@ step" lines into named statements.</summary>
internal static class SqlFile
{
    private static readonly Dictionary<string, IReadOnlyList<(string Name, string Sql)>> Cache = new();

    public static IReadOnlyList<(string Name, string Sql)> Load(string name)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue(name, out var cached)) return cached;
            var resource = $"Processors/Sql/{name}.sql";
            using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"Embedded SQL '{resource}' is missing.");
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var parsed = Split(reader.ReadToEnd());
            Cache[name] = parsed;
            return parsed;
        }
    }

    internal static IReadOnlyList<(string Name, string Sql)> Split(string text)
    {
        var result = new List<(string, string)>();
        string? current = null;
        var sb = new StringBuilder();
        foreach (var line in text.Split('\n'))
        {
            var trimmed = line.TrimEnd('\r');
            if (trimmed.StartsWith("-- @@", StringComparison.Ordinal))
            {
                if (current is not null) result.Add((current, sb.ToString().Trim()));
                current = trimmed[5..].Trim();
                sb.Clear();
                continue;
            }
            if (current is not null) sb.Append(trimmed).Append('\n');
        }
        if (current is not null) result.Add((current, sb.ToString().Trim()));
        return result;
    }
}
