using System.Text;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Core.Schema;

/// <summary>A column whose product type differs from production's (type text as GoogleSQL; a FLOAT64 shows its rounding scale).</summary>
public sealed record ColumnTypeDifference(string Column, string Product, string Production);

/// <summary>
/// How the product's declaration of a table differs from production's (docs/production-schema.md is generated from
/// these). Column lists are in declaration order.
/// </summary>
public sealed record TableComparison(
    string ProductTable,
    string ProductionTable,
    IReadOnlyList<string> ProductColumnsProductionLacks,
    IReadOnlyList<string> ProductColumnsOnlyMigrationsAdd,
    IReadOnlyList<string> RequiredColumnsTheProductDoesNotFill,
    IReadOnlyList<string> NullableColumnsTheProductDoesNotDeclare,
    IReadOnlyList<ColumnTypeDifference> TypeDifferences,
    IReadOnlyList<ColumnTypeDifference> NullabilityDifferences,
    IReadOnlyList<ColumnTypeDifference> TableDifferences)
{
    public bool Identical =>
        ProductTable == ProductionTable && ProductColumnsProductionLacks.Count + ProductColumnsOnlyMigrationsAdd.Count
        + RequiredColumnsTheProductDoesNotFill.Count + NullableColumnsTheProductDoesNotDeclare.Count + TypeDifferences.Count
        + NullabilityDifferences.Count + TableDifferences.Count == 0;
}

/// <summary>Compares the product's table declarations with production-schema.json and renders the result as Markdown.</summary>
public static class SchemaComparison
{
    /// <summary>The product's declaration of each production table: same name, except the Raw layer it reads.</summary>
    public static IReadOnlyList<(TableDef? Product, ProductionTable Production)> CurrentPairs()
    {
        var declared = WarehouseSchema.All;
        return ProductionSchema.Tables.Select(p =>
        {
            var name = p.FullName == ProductionSchema.RawBoxscoresTable ? WarehouseSchema.PlayerBoxscores.FullName : p.FullName;
            return (declared.FirstOrDefault(t => string.Equals(t.FullName, name, StringComparison.OrdinalIgnoreCase)), p);
        }).ToList();
    }

    public static TableComparison Compare(TableDef product, ProductionTable production)
    {
        ColumnDef? Find(IEnumerable<ColumnDef> columns, string name) =>
            columns.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));

        var types = new List<ColumnTypeDifference>();
        var nullability = new List<ColumnTypeDifference>();
        foreach (var column in product.Columns)
        {
            if (Find(production.Replica.Columns, column.Name) is not { } real) continue;
            if (!column.FullType.Equals(real.FullType))
                types.Add(new(column.Name, Describe(column), real.FullType.ToString()));
            if (column.Nullable != real.Nullable)
                nullability.Add(new(column.Name, column.Nullable ? "NULL allowed" : "NOT NULL", real.Nullable ? "NULL allowed" : "NOT NULL"));
        }

        var table = new List<ColumnTypeDifference>();
        void Property(string name, string productValue, string productionValue)
        {
            if (productValue != productionValue) table.Add(new(name, productValue, productionValue));
        }
        static string List(IEnumerable<string>? names) => names is null || !names.Any() ? "(none)" : string.Join(", ", names);
        Property("name", product.FullName, production.FullName);
        Property("partition column", product.PartitionColumn ?? "(none)", production.Base.PartitionColumn ?? "(none)");
        Property("clustering", List(product.Clustering), List(production.Base.Clustering));
        Property("require_partition_filter", product.RequirePartitionFilter ? "true" : "false", production.Base.RequirePartitionFilter ? "true" : "false");
        Property("primary key", List(product.PrimaryKey), List(production.Base.PrimaryKey));

        return new TableComparison(
            product.FullName,
            production.FullName,
            product.Columns.Where(c => Find(production.Replica.Columns, c.Name) is null).Select(c => c.Name).ToList(),
            product.Columns.Where(c => Find(production.MigrationColumns, c.Name) is not null).Select(c => c.Name).ToList(),
            production.Base.Columns.Where(c => !c.Nullable && Find(product.Columns, c.Name) is null).Select(c => c.Name).ToList(),
            production.Base.Columns.Where(c => c.Nullable && Find(product.Columns, c.Name) is null).Select(c => c.Name).ToList(),
            types,
            nullability,
            table);
    }

    /// <summary>A product column's type as the comparison shows it: a FLOAT64 the product rounds says to what scale.</summary>
    private static string Describe(ColumnDef column) =>
        column.Type == ColumnType.Float64 && column.Scale is { } scale ? $"FLOAT64 (rounded to {scale})" : column.FullType.ToString();

    /// <summary>The generated part of docs/production-schema.md.</summary>
    public static string Markdown(IEnumerable<(TableDef? Product, ProductionTable Production)> pairs)
    {
        var sb = new StringBuilder();
        var list = pairs.ToList();
        sb.AppendLine("| Production table | Product declaration | Columns only the product has | Production NOT NULL not filled | Type differences | Nullability differences | Table property differences |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|---:|");
        var comparisons = list.Select(p => (p.Production, Comparison: p.Product is null ? null : Compare(p.Product, p.Production))).ToList();
        foreach (var (production, c) in comparisons)
            sb.AppendLine(c is null
                ? $"| `{production.FullName}` | (none) | | {production.Base.Columns.Count(x => !x.Nullable)} | | | |"
                : $"| `{production.FullName}` | `{c.ProductTable}` | {c.ProductColumnsProductionLacks.Count} | {c.RequiredColumnsTheProductDoesNotFill.Count} | {c.TypeDifferences.Count} | {c.NullabilityDifferences.Count} | {c.TableDifferences.Count} |");

        foreach (var (production, c) in comparisons)
        {
            sb.AppendLine().AppendLine($"### {production.FullName}").AppendLine();
            sb.AppendLine($"Production: {production.Base.Columns.Count} base columns, {production.MigrationColumns.Count} added by migrations (DDL `{production.DdlFile}`).");
            if (c is null)
            {
                sb.AppendLine().AppendLine("The product declares no such table.");
                continue;
            }
            if (c.Identical)
            {
                sb.AppendLine().AppendLine("The product's declaration equals production.");
                continue;
            }
            Names(sb, "Columns the product declares that production lacks", c.ProductColumnsProductionLacks);
            Names(sb, "Columns the product declares that only migrations add (production may lack them)", c.ProductColumnsOnlyMigrationsAdd);
            Names(sb, "Production NOT NULL columns the product does not fill", c.RequiredColumnsTheProductDoesNotFill);
            Names(sb, "Production nullable columns the product does not declare", c.NullableColumnsTheProductDoesNotDeclare);
            Differences(sb, "Type differences", "Column", c.TypeDifferences);
            Differences(sb, "Nullability differences", "Column", c.NullabilityDifferences);
            Differences(sb, "Table property differences", "Property", c.TableDifferences);
        }
        return sb.ToString();
    }

    private static void Names(StringBuilder sb, string title, IReadOnlyList<string> names)
    {
        if (names.Count == 0) return;
        sb.AppendLine().AppendLine($"{title} ({names.Count}): {string.Join(", ", names.Select(n => $"`{n}`"))}.");
    }

    private static void Differences(StringBuilder sb, string title, string what, IReadOnlyList<ColumnTypeDifference> rows)
    {
        if (rows.Count == 0) return;
        sb.AppendLine().AppendLine($"{title} ({rows.Count}):").AppendLine();
        sb.AppendLine($"| {what} | Product | Production |").AppendLine("|---|---|---|");
        foreach (var r in rows) sb.AppendLine($"| `{r.Column}` | `{r.Product}` | `{r.Production}` |");
    }
}
