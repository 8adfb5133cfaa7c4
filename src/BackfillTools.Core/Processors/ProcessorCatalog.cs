using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Core.Processors;

public enum ProcessorName { TDZA, PSZA, PCF, PDC, MLFS }

/// <summary>Which player context PCF, PDC and MLFS use. ForceUpcg replays the incident (partial UPCG) in tests.</summary>
public enum ContextSourceMode { Auto, ForceUpcg, ForceSynthetic }

/// <summary>
/// Fixes of reference defects (processors spec §11). Formula fixes default to parity (false); the integrity fix
/// (no rows when required upstream Phase 4 rows are missing) is on by default and can be switched off for parity.
/// Each flag is documented in docs/processors.md.
/// </summary>
public sealed record ProcessorOptions
{
    /// <summary>§11.1: TDZA's dynamic minimum counts days from the season opener S instead of Oct 1.</summary>
    public bool TdzaSeasonStart { get; init; }

    /// <summary>§11.3: MLFS cache-miss zone rates are produced in percent, so features 18–20 are not 100× too small.</summary>
    public bool MlfsZoneUnits { get; init; }

    /// <summary>§11.4: MLFS game-context features (#9, #15, #16, #24) fall back to the roster/PGS values when the context has none.</summary>
    public bool MlfsRosterContext { get; init; }

    /// <summary>§11.9: TDZA league averages use games strictly before D (the reference includes D).</summary>
    public bool TdzaLeagueStrictlyBefore { get; init; }

    /// <summary>§11.2 parity switch: produce dependent rows even when required upstream Phase 4 rows are missing (the reference's no-op check).</summary>
    public bool AllowMissingUpstream { get; init; }

    public ContextSourceMode ContextSource { get; init; } = ContextSourceMode.Auto;

    public static ProcessorOptions Default { get; } = new();
}

public sealed record ProcessorDefinition(
    ProcessorName Name, TableDef Output, string DateColumn, string EntityColumn,
    IReadOnlyList<ProcessorName> RequiredUpstream,
    IReadOnlyList<TableDef> Phase3Inputs,
    bool UsesPlayerContext)
{
    /// <summary>
    /// Columns whose value marks an output row as this processor's, besides its dates: rows of the same table with
    /// another value (production's MLFS <c>v2_54features</c>) are outside its scope and never touched.
    /// </summary>
    public IReadOnlyList<ScopeValue> OwnedRowMarkers { get; init; } = Array.Empty<ScopeValue>();

    /// <summary>
    /// The per-row facts a player-context processor computes that production's table has no column for: which context
    /// the row was built from and the context's teams. They travel in the staging rows and are published to
    /// <see cref="WarehouseSchema.EntityContextSources"/>, never to <see cref="Output"/>.
    /// </summary>
    public IReadOnlyList<ColumnDef> ContextColumns => UsesPlayerContext
        ? new[] { Col.Str("context_source"), Col.Str("team_abbr"), Col.Str("opponent_team_abbr") }
            .Where(c => !Output.Columns.Any(o => string.Equals(o.Name, c.Name, StringComparison.OrdinalIgnoreCase))).ToList()
        : Array.Empty<ColumnDef>();

    /// <summary>The shape of a run's staging rows: the output's columns, then <see cref="ContextColumns"/>.</summary>
    public TableDef StagingRows => Output with { Columns = Output.Columns.Concat(ContextColumns).ToList() };
}

/// <summary>A column that must hold this value for a row to be the product's (a row-scope marker).</summary>
public sealed record ScopeValue(string Column, string Value);

/// <summary>
/// What the product owns in a table it publishes to. Its scope is the rows whose <see cref="DateColumn"/> is a published
/// date and whose <see cref="Markers"/> hold their values; a row of the scope is identified by <see cref="Key"/>. In
/// those rows it owns <see cref="OwnedColumns"/>. Every other row, and every other column (a production table has many
/// the product never computes), belongs to someone else and keeps its value.
/// </summary>
public sealed record TableOwnership(
    TableDef Table, string DateColumn, IReadOnlyList<string> Key, IReadOnlyList<ScopeValue> Markers, IReadOnlyList<string> OwnedColumns)
{
    /// <summary>The columns a new row of the product gets; all other columns of the table are left NULL.</summary>
    public IReadOnlyList<string> InsertedColumns => Key.Concat(Markers.Select(m => m.Column)).Concat(OwnedColumns).ToList();

    /// <summary>
    /// The staged rows of a published date are already one per key, so a publish reads them as they are. True for the
    /// outputs: the gate quarantines every date whose staged rows repeat or lack a key (<c>PartitionGate</c>). Failure
    /// rows are not audited, so their publish picks one row per key.
    /// </summary>
    public bool StagedKeysUnique { get; init; }

    /// <summary>
    /// The key's column besides the date: the entity (a player or a team), one STRING column in every ownership
    /// <see cref="FromWrittenColumns"/> builds; what <see cref="Schema.PublishArchiveTables.InsertedKeys"/> records as <c>entity</c>.
    /// </summary>
    public string EntityColumn
    {
        get
        {
            var entity = Key.Where(c => !string.Equals(c, DateColumn, StringComparison.OrdinalIgnoreCase)).ToList();
            if (entity.Count != 1 || Table.Column(entity[0]).FullType.Kind != ColumnType.String)
                throw new InvalidOperationException($"{Table.FullName}: a key of the date and one STRING entity column is expected (got {string.Join(", ", Key)}).");
            return entity[0];
        }
    }

    /// <summary>Whether the owned columns are all scalar, so a publish or undo updates scalars only (<see cref="SqlStatement.UpdatesScalarsByKey"/>).</summary>
    public bool OwnsScalarsOnly => OwnedColumns.All(c => Table.Column(c).FullType.IsScalar);

    /// <summary>
    /// " AND alias.column = 'value'" for each marker ("" without markers): the rows a reader of the product's output
    /// counts. Production's rows of other markers (MLFS v2_54features) are not the product's, so they are neither its
    /// rows, its duplicates nor its coverage. The markers are the catalog's constants, so they are written as literals.
    /// </summary>
    public string ProductRowsFilter(string alias) => string.Concat(Markers.Select(m => $" AND {alias}.{m.Column} = '{m.Value}'"));

    /// <summary>
    /// Derive ownership from the columns a processor writes into its staging copy of <paramref name="table"/>: what it
    /// computes is what it owns, except the key and the markers, which identify a row rather than describe it.
    /// </summary>
    internal static TableOwnership FromWrittenColumns(TableDef table, string dateColumn, string entityColumn,
        IReadOnlyList<ScopeValue> markers, IReadOnlyList<string> written)
    {
        var key = new[] { dateColumn, entityColumn };
        foreach (var column in written.Concat(key).Concat(markers.Select(m => m.Column))) table.Column(column);
        var missing = key.Concat(markers.Select(m => m.Column)).Where(c => !written.Contains(c, StringComparer.OrdinalIgnoreCase)).ToList();
        if (missing.Count > 0)
            throw new InvalidOperationException($"The rows staged for {table.FullName} do not write {string.Join(", ", missing)}, which identify a row.");
        var identifying = key.Concat(markers.Select(m => m.Column)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return new TableOwnership(table, dateColumn, key, markers, written.Where(c => !identifying.Contains(c)).ToList());
    }
}

/// <summary>Staging tables for one run; the runner creates them (same columns as the target / failures / context log, no PK) and drops them.</summary>
public sealed record StagingTables(string RunId, TableDef Dates, TableDef Rows, TableDef Failures, TableDef ContextSources)
{
    /// <summary>
    /// The partition range the run's statements may read (bound as @read_from/@read_to on every scan of a
    /// require_partition_filter table); the runner sets <see cref="Season.ReadWindow"/> of the chunk's dates.
    /// </summary>
    public (DateOnly From, DateOnly To) ReadWindow { get; init; } = Season.AllTime;
}

public interface IProcessor
{
    ProcessorDefinition Definition { get; }

    /// <summary>
    /// Compute output for every date in staging.Dates into staging.Rows; every expected entity with no row gets a failure
    /// row in staging.Failures; player-context processors write one row per date into staging.ContextSources.
    /// Bootstrap dates produce nothing. Reads published upstream Phase 4 tables.
    /// </summary>
    void ComputeToStaging(IWarehouse warehouse, StagingTables staging, ProcessorOptions options, CancellationToken ct);

    /// <summary>
    /// Portable SQL returning (analysis_date DATE, entity_id STRING): the entities the processor must account for on
    /// each date of the table named by the token {{stage.dates}}. For PCF/PDC/MLFS on historical dates these are the
    /// distinct PGS players on D (on dates without PGS, the UPCG players). Bootstrap dates expect nothing.
    /// </summary>
    string ExpectedEntitiesSql { get; }
}

public static class ProcessorCatalog
{
    private static readonly ProcessorDefinition[] Definitions =
    {
        new(ProcessorName.TDZA, PrecomputeTables.Tdza, "analysis_date", "team_abbr",
            Array.Empty<ProcessorName>(), new[] { WarehouseSchema.TeamDefenseGameSummary }, false),
        new(ProcessorName.PSZA, PrecomputeTables.Psza, "analysis_date", "player_lookup",
            Array.Empty<ProcessorName>(), new[] { WarehouseSchema.PlayerGameSummary }, false),
        new(ProcessorName.PCF, PrecomputeTables.Pcf, "game_date", "player_lookup",
            new[] { ProcessorName.TDZA, ProcessorName.PSZA },
            new[] { WarehouseSchema.PlayerGameSummary, WarehouseSchema.UpcomingPlayerGameContext, WarehouseSchema.UpcomingTeamGameContext }, true),
        new(ProcessorName.PDC, PrecomputeTables.Pdc, "cache_date", "player_lookup",
            Array.Empty<ProcessorName>(),
            new[] { WarehouseSchema.PlayerGameSummary, WarehouseSchema.TeamOffenseGameSummary, WarehouseSchema.UpcomingPlayerGameContext }, true),
        new(ProcessorName.MLFS, PrecomputeTables.Mlfs, "game_date", "player_lookup",
            new[] { ProcessorName.PCF, ProcessorName.PDC, ProcessorName.TDZA, ProcessorName.PSZA },
            new[] { WarehouseSchema.PlayerGameSummary, WarehouseSchema.UpcomingPlayerGameContext, WarehouseSchema.TeamOffenseGameSummary }, true)
        {
            // Production keeps other feature versions (v2_54features) for the same players and dates; readers filter on it.
            OwnedRowMarkers = new[] { new ScopeValue("feature_version", MlfsFeatureVersion) },
        },
    };

    /// <summary>The feature_version MLFS writes (spec §9.2): the only MLFS rows the product owns.</summary>
    public const string MlfsFeatureVersion = PrecomputeTables.MlfsFeatureVersion;

    /// <summary>The failure rows' column naming the processor: a processor owns only its own failure rows.</summary>
    public const string FailureProcessorColumn = "processor_name";

    private static readonly Lazy<TableOwnership>[] Outputs = Definitions.Select(d => new Lazy<TableOwnership>(() =>
        TableOwnership.FromWrittenColumns(d.Output, d.DateColumn, d.EntityColumn, d.OwnedRowMarkers,
            Engine(d.Name).ColumnsWrittenTo(SqlProcessor.StageRowsToken)
                .Where(c => !d.ContextColumns.Any(x => string.Equals(x.Name, c, StringComparison.OrdinalIgnoreCase))).ToList())
            with { StagedKeysUnique = true })).ToArray();

    private static readonly Lazy<TableOwnership>[] Failures = Definitions.Select(d => new Lazy<TableOwnership>(() =>
        TableOwnership.FromWrittenColumns(WarehouseSchema.PrecomputeFailures, "analysis_date", "entity_id",
            new[] { new ScopeValue(FailureProcessorColumn, d.Name.ToString()) },
            Engine(d.Name).ColumnsWrittenTo(SqlProcessor.StageFailuresToken)))).ToArray();

    /// <summary>What a processor owns in its output table: the columns it computes, in the rows of its published dates (and markers).</summary>
    public static TableOwnership OutputOwnership(ProcessorName name) => Outputs[(int)name].Value;

    /// <summary>What a processor owns in nba_processing.precompute_failures: the columns it writes, in its own rows of its published dates.</summary>
    public static TableOwnership FailureOwnership(ProcessorName name) => Failures[(int)name].Value;

    /// <summary>All processors in dependency order TDZA, PSZA, PCF, PDC, MLFS.</summary>
    public static IReadOnlyList<ProcessorDefinition> All { get; } = Definitions;

    public static ProcessorDefinition Get(ProcessorName name) => Definitions[(int)name];

    public static IProcessor Create(ProcessorName name) => new SqlProcessor(Get(name));

    /// <summary>The processor as the set-based engine it is, for the code that reads its statements (estimate, gate, ownership).</summary>
    internal static SqlProcessor Engine(ProcessorName name) => new(Get(name));

    public static ProcessorName Parse(string text)
    {
        if (!string.IsNullOrWhiteSpace(text) && Enum.TryParse<ProcessorName>(text.Trim(), ignoreCase: true, out var n)
            && Enum.IsDefined(n) && !char.IsDigit(text.Trim()[0]))
            return n;
        throw new BackfillException(ErrorIds.UnknownProcessor, ErrorKind.InvalidArgument,
            $"Unknown processor '{text}'. Choose from {string.Join(", ", Enum.GetNames<ProcessorName>())}.", text);
    }

    public static IReadOnlyList<ProcessorName> InDependencyOrder(IEnumerable<ProcessorName> names) =>
        names.Distinct().OrderBy(n => (int)n).ToList();

    /// <summary>Failure categories that account for an entity by design (not an error to retry).</summary>
    public static bool IsByDesignSkip(string failureCategory) => FailureCategories.IsByDesignSkip(failureCategory);
}
