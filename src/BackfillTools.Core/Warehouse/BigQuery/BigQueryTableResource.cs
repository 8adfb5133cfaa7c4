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
        new(table.Columns.Select(c => (JsonNode)new JsonObject
        {
            ["name"] = c.Name,
            ["type"] = FieldType(c.Type),
            // A REPEATED column cannot be NULL in BigQuery (NULL reads back as an empty array).
            ["mode"] = c.Type is ColumnType.Float64Array or ColumnType.StringArray ? "REPEATED" : c.Nullable ? "NULLABLE" : "REQUIRED",
        }).ToArray());

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
