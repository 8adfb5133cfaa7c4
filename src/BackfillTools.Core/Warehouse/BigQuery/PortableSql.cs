using BackfillTools.Core.Schema;

namespace BackfillTools.Core.Warehouse;

/// <summary>
/// Every inline (C#-built) SQL statement the product can send, registered once so the GoogleSQL gate
/// (tests/BackfillTools.Tests/BigQuery/ZetaSqlGateTests.cs) can check it against BigQuery's analyzer. SQL kept in
/// embedded *.sql resources is found by <see cref="EmbeddedResources"/> and needs no registration.
/// Add an entry here whenever C# code builds SQL; sample parameter values give the parameter types.
/// </summary>
public static class PortableSql
{
    public sealed record Entry(string Name, string Sql, IReadOnlyDictionary<string, object?>? SampleParameters = null);

    public static string MigratorCurrentVersion =>
        $"SELECT COALESCE(MAX(version), 0) FROM {WarehouseSchema.SchemaVersion.Placeholder}";

    public static string MigratorRecordMigration =>
        $"INSERT INTO {WarehouseSchema.SchemaVersion.Placeholder} (version, applied_at, tool_version, description) VALUES (@v, @t, @tv, @d)";

    /// <summary>WarehouseService.Describe's per-table statement.</summary>
    public static string Describe(TableDef t) => t.PartitionColumn is null
        ? $"SELECT COUNT(*) AS n, CAST(NULL AS DATE) AS lo, CAST(NULL AS DATE) AS hi FROM {t.Placeholder}"
        : $"SELECT COUNT(*) AS n, MIN({t.PartitionColumn}) AS lo, MAX({t.PartitionColumn}) AS hi FROM {t.Placeholder}";

    public static IReadOnlyList<Entry> Catalog { get; } = Build();

    private static List<Entry> Build()
    {
        var list = new List<Entry>
        {
            new("Migrator.CurrentVersion", MigratorCurrentVersion),
            new("Migrator.RecordMigration", MigratorRecordMigration,
                WarehouseExtensions.Params(("v", 1L), ("t", new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc)), ("tv", "0.0.0"), ("d", "sample"))),
            new("WarehouseService.RecordOrigin", WarehouseService.RecordOriginSql,
                WarehouseExtensions.Params(("origin", "created"), ("at", new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc)), ("tv", "0.0.0"), ("by", "New-BackfillWarehouse"))),
            new("WarehouseService.ReadOrigin", WarehouseService.ReadOriginSql),
        };
        list.AddRange(WarehouseSchema.All.Select(t => new Entry($"WarehouseService.Describe[{t.FullName}]", Describe(t))));
        list.AddRange(Validation.ValidationSql.Catalog().Select(s => new Entry(s.Name, s.Sql)));
        list.AddRange(Backfill.WarehouseLock.Catalog());
        list.AddRange(Backfill.BackfillWaivers.Catalog());
        list.AddRange(Backfill.BackfillLedger.CostCatalog());
        list.AddRange(Backfill.ScopedPublisher.Catalog());
        return list;
    }

    /// <summary>Every embedded *.sql resource of the Core assembly, as (resource name, text).</summary>
    public static IEnumerable<(string Name, string Sql)> EmbeddedResources()
    {
        var asm = typeof(PortableSql).Assembly;
        foreach (var name in asm.GetManifestResourceNames().Where(n => n.EndsWith(".sql", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal))
        {
            using var stream = asm.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            yield return (name, reader.ReadToEnd());
        }
    }
}
