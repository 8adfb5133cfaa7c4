using System.Text.Json.Nodes;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Core.Schema;

/// <summary>
/// One production table as Data/production-schema.json records it. <see cref="Base"/> holds the columns its CREATE
/// TABLE declares; <see cref="MigrationColumns"/> those that ALTER TABLE … ADD COLUMN migrations add, which production
/// may or may not have (the product never relies on them and tolerates them).
/// </summary>
public sealed record ProductionTable(TableDef Base, IReadOnlyList<ColumnDef> MigrationColumns, string DdlFile)
{
    public string FullName => Base.FullName;

    /// <summary>What a production replica creates: the base columns, then every migration column.</summary>
    public TableDef Replica => Base with { Columns = Base.Columns.Concat(MigrationColumns).ToList() };
}

/// <summary>
/// The real layout of the production warehouse's tables, parsed from the embedded Data/production-schema.json (the
/// nba-stats-scraper DDL): GoogleSQL types with NUMERIC precision and scale, arrays, structs, NOT NULL, partitioning,
/// clustering and require_partition_filter. Production declares no keys, so the tables have none.
/// </summary>
public static class ProductionSchema
{
    public const string ResourceName = "Data/production-schema.json";

    /// <summary>The Raw (L1) layer production has: Ball Don't Lie box scores (there is no nba_raw.player_boxscores).</summary>
    public const string RawBoxscoresTable = "nba_raw.bdl_player_boxscores";

    private static readonly Lazy<IReadOnlyList<ProductionTable>> Embedded = new(() => Parse(ReadResource()));

    /// <summary>The production tables, in the file's order.</summary>
    public static IReadOnlyList<ProductionTable> Tables => Embedded.Value;

    public static ProductionTable Find(string fullName) =>
        Tables.FirstOrDefault(t => string.Equals(t.FullName, fullName, StringComparison.OrdinalIgnoreCase))
        ?? throw new KeyNotFoundException($"production-schema.json has no table '{fullName}'.");

    /// <summary>
    /// Create every production table with its migration columns (<see cref="ProductionTable.Replica"/>) under the
    /// unprefixed production dataset names: a stand-in for production to test against. Existing tables are left as they are.
    /// </summary>
    public static IReadOnlyList<TableDef> CreateReplica(IWarehouse warehouse)
    {
        var created = Tables.Select(t => t.Replica).ToList();
        foreach (var table in created) warehouse.EnsureTable(table);
        return created;
    }

    /// <summary>Parse a production-schema document; any malformed part is an <see cref="InvalidDataException"/> naming it.</summary>
    public static IReadOnlyList<ProductionTable> Parse(string json)
    {
        var tables = JsonNode.Parse(json)?["tables"] as JsonObject
            ?? throw new InvalidDataException("A production schema document needs a 'tables' object.");
        return tables.Select(t => ParseTable(t.Key, t.Value as JsonObject
            ?? throw new InvalidDataException($"Table '{t.Key}' is not an object."))).ToList();
    }

    private static ProductionTable ParseTable(string fullName, JsonObject table)
    {
        var dot = fullName.IndexOf('.');
        if (dot <= 0 || dot != fullName.LastIndexOf('.') || dot == fullName.Length - 1)
            throw new InvalidDataException($"Table name '{fullName}' must be dataset.table.");
        var baseColumns = Columns(fullName, table["columns"], required: true);
        var migrationColumns = Columns(fullName, table["added_by_migrations"], required: false);
        var names = baseColumns.Concat(migrationColumns).Select(c => c.Name).ToList();
        var duplicate = names.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidDataException($"{fullName} declares column '{duplicate.Key}' twice.");

        var partition = (string?)table["partition_by"];
        var clustering = (table["cluster_by"] as JsonArray)?.Select(c => (string)c!).ToList() ?? new List<string>();
        foreach (var key in clustering.Prepend(partition).OfType<string>())
            if (!baseColumns.Any(c => string.Equals(c.Name, key, StringComparison.OrdinalIgnoreCase)))
                throw new InvalidDataException($"{fullName} partitions or clusters on '{key}', which is not one of its base columns.");

        var definition = new TableDef(fullName[..dot], fullName[(dot + 1)..], baseColumns, Array.Empty<string>(), partition, clustering)
        {
            RequirePartitionFilter = (bool?)table["require_partition_filter"] ?? false,
        };
        return new ProductionTable(definition, migrationColumns, (string?)table["ddl_file"] ?? "");
    }

    private static List<ColumnDef> Columns(string table, JsonNode? node, bool required)
    {
        if (node is null)
            return required ? throw new InvalidDataException($"{table} has no 'columns' list.") : new List<ColumnDef>();
        return ((node as JsonArray) ?? throw new InvalidDataException($"{table}: a column list must be an array.")).Select(c =>
        {
            var column = c as JsonObject ?? throw new InvalidDataException($"{table}: a column must be an object.");
            var name = (string?)column["name"] ?? throw new InvalidDataException($"{table} has a column without a name.");
            var typeText = (string?)column["type"] ?? throw new InvalidDataException($"{table}.{name} has no type.");
            SqlType type;
            try { type = SqlType.Parse(typeText); }
            catch (FormatException ex) { throw new InvalidDataException($"{table}.{name}: {ex.Message}", ex); }
            return new ColumnDef(name, type, (bool?)column["nullable"] ?? true);
        }).ToList();
    }

    private static string ReadResource()
    {
        using var stream = typeof(ProductionSchema).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing from the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
