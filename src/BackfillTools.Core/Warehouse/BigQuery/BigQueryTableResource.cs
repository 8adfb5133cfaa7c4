using System.Globalization;
using System.Text.Json.Nodes;

namespace BackfillTools.Core.Warehouse.BigQuery;

/// <summary>
/// A declared <see cref="TableDef"/> as a BigQuery table resource for tables.insert. Tables are created over REST rather
/// than DDL because partitioning/clustering DDL is the part of GoogleSQL the local engines cannot check.
/// </summary>
public static class BigQueryTableResource
{
    public static JsonObject Build(TableDef table, string project, string datasetId)
    {
        var resource = new JsonObject
        {
            ["tableReference"] = new JsonObject { ["projectId"] = project, ["datasetId"] = datasetId, ["tableId"] = table.Name },
            ["schema"] = new JsonObject { ["fields"] = SchemaFields(table) },
        };
        // Day partitions on the date a backfill replaces: a per-date DELETE/MERGE then scans and locks one partition.
        if (table.PartitionColumn is { } p)
            resource["timePartitioning"] = new JsonObject { ["type"] = "DAY", ["field"] = p };
        if (table.RequirePartitionFilter)
            resource["requirePartitionFilter"] = true;
        if (table.Clustering is { Count: > 0 } c)
            // BigQuery allows at most four clustering columns.
            resource["clustering"] = new JsonObject { ["fields"] = new JsonArray(c.Take(4).Select(f => (JsonNode)JsonValue.Create(f)!).ToArray()) };
        if (table.PrimaryKey.Count > 0)
            // Informational only (BigQuery does not enforce keys); it documents the grain and helps join planning.
            resource["tableConstraints"] = new JsonObject
            {
                ["primaryKey"] = new JsonObject { ["columns"] = new JsonArray(table.PrimaryKey.Select(k => (JsonNode)JsonValue.Create(k)!).ToArray()) },
            };
        return resource;
    }

    public static JsonArray SchemaFields(TableDef table) =>
        new(table.Columns.Select(c => (JsonNode)Field(c.Name, c.FullType, c.Nullable)).ToArray());

    /// <summary>
    /// One schema field: an ARRAY is its element's field with mode REPEATED (a REPEATED column cannot be NULL in
    /// BigQuery; NULL reads back as an empty array), a STRUCT is a RECORD with nested fields, a NUMERIC carries its
    /// precision and scale.
    /// </summary>
    public static JsonObject Field(string name, SqlType type, bool nullable)
    {
        var repeated = type.Kind == ColumnType.Array;
        var inner = repeated ? type.Element! : type;
        var field = new JsonObject
        {
            ["name"] = name,
            ["type"] = inner.Kind switch
            {
                ColumnType.Struct => "RECORD",
                ColumnType.Numeric => "NUMERIC",
                ColumnType.Json => "JSON",
                _ => FieldType(inner.Kind),
            },
            ["mode"] = repeated ? "REPEATED" : nullable ? "NULLABLE" : "REQUIRED",
        };
        if (inner.Kind == ColumnType.Numeric && inner.Precision is { } precision)
        {
            // The API's int64 fields are JSON strings.
            field["precision"] = precision.ToString(CultureInfo.InvariantCulture);
            field["scale"] = (inner.Scale ?? 0).ToString(CultureInfo.InvariantCulture);
        }
        if (inner.Kind == ColumnType.Struct)
            field["fields"] = new JsonArray(inner.Fields.Select(f => (JsonNode)Field(f.Name, f.Type, nullable: true)).ToArray());
        return field;
    }

    /// <summary>
    /// The columns a table resource (tables.get) declares, as the product models them: legacy and standard type names,
    /// REPEATED as ARRAY, RECORD as STRUCT; types the product never declares become <see cref="SqlType.Unmodeled"/>.
    /// </summary>
    public static IReadOnlyList<ColumnDef> ParseSchema(JsonNode tableResource) =>
        (tableResource["schema"]?["fields"] as JsonArray ?? new JsonArray())
            .Select(f => new ColumnDef((string)f!["name"]!, FieldSqlType(f), ((string?)f["mode"] ?? "NULLABLE") != "REQUIRED"))
            .ToList();

    private static SqlType FieldSqlType(JsonNode field)
    {
        var name = ((string)field["type"]!).ToUpperInvariant();
        int? Digits(string key) => field[key] is { } v ? int.Parse(v.ToString(), CultureInfo.InvariantCulture) : null;
        var type = name switch
        {
            "STRING" => SqlType.String,
            "INT64" or "INTEGER" => SqlType.Int64,
            "FLOAT64" or "FLOAT" => SqlType.Float64,
            "BOOL" or "BOOLEAN" => SqlType.Bool,
            "DATE" => SqlType.Date,
            "TIMESTAMP" => SqlType.Timestamp,
            "JSON" => SqlType.Json,
            "NUMERIC" => SqlType.Numeric(Digits("precision"), Digits("precision") is null ? null : Digits("scale") ?? 0),
            "RECORD" or "STRUCT" => SqlType.StructOf(((JsonArray)field["fields"]!)
                .Select(f => new StructField((string)f!["name"]!, FieldSqlType(f)))),
            _ => SqlType.Unmodeled(name),
        };
        return (string?)field["mode"] == "REPEATED" ? SqlType.ArrayOf(type) : type;
    }

    public static string FieldType(ColumnType type) => type switch
    {
        ColumnType.String or ColumnType.StringArray => "STRING",
        ColumnType.Int64 => "INT64",
        ColumnType.Float64 or ColumnType.Float64Array => "FLOAT64",
        ColumnType.Bool => "BOOL",
        ColumnType.Date => "DATE",
        ColumnType.Timestamp => "TIMESTAMP",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}
