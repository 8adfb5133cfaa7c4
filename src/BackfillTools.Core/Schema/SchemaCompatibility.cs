using BackfillTools.Core.Warehouse;

namespace BackfillTools.Core.Schema;

/// <summary>A column the product reads or writes, with the type it expects; <see cref="Table"/> is dataset.table.</summary>
public sealed record RequiredColumn(string Table, string Column, SqlType Type);

public enum SchemaMismatchKind { MissingTable, MissingColumn, IncompatibleType }

/// <summary>One way a live table differs from what the product needs. <see cref="Found"/> is null when nothing was found.</summary>
public sealed record SchemaMismatch(SchemaMismatchKind Kind, string Table, string Column, SqlType Expected, SqlType? Found)
{
    public override string ToString() => Kind switch
    {
        SchemaMismatchKind.MissingTable => $"{Table}: table missing (needed for {Column} {Expected})",
        SchemaMismatchKind.MissingColumn => $"{Table}.{Column}: column missing, expected {Expected}",
        _ => $"{Table}.{Column}: expected {Expected}, found {Found}",
    };
}

/// <summary>
/// Checks a live warehouse against the columns the product reads and writes, without changing anything: each table
/// must exist, each column must exist with a type the product's values fit. Columns the product does not name are
/// ignored, so production's extra (e.g. migration-added) columns are tolerated.
/// </summary>
public static class SchemaCompatibility
{
    public const string MismatchErrorId = ErrorIds.SchemaMismatch;

    /// <summary>Every column of a declared table, as required columns (what a writer of the whole row needs).</summary>
    public static IEnumerable<RequiredColumn> Requirements(TableDef table) =>
        table.Columns.Select(c => new RequiredColumn(table.FullName, c.Name, c.FullType));

    /// <summary>
    /// What a warehouse's production tables must have: the columns the product reads and writes, which are its
    /// declarations of those tables (<see cref="WarehouseSchema.ProductionTables"/>). Columns production adds by
    /// migration are not declared, so they are neither required nor in the way.
    /// </summary>
    public static IEnumerable<RequiredColumn> ProductionRequirements() => WarehouseSchema.ProductionTables.SelectMany(Requirements);

    /// <summary>The mismatches, in the order of <paramref name="required"/>; one per missing table.</summary>
    public static IReadOnlyList<SchemaMismatch> Check(IWarehouse warehouse, IEnumerable<RequiredColumn> required)
    {
        var mismatches = new List<SchemaMismatch>();
        var tables = required.GroupBy(r => r.Table, StringComparer.OrdinalIgnoreCase).ToList();
        var liveTables = warehouse.TableColumns(tables.Select(table =>
        {
            var dot = table.Key.IndexOf('.');
            if (dot <= 0) throw new ArgumentException($"Required table '{table.Key}' must be dataset.table.", nameof(required));
            return (table.Key[..dot], table.Key[(dot + 1)..]);
        }).ToList());
        foreach (var table in tables)
        {
            var live = liveTables[table.Key];
            if (live is null)
            {
                var first = table.First();
                mismatches.Add(new SchemaMismatch(SchemaMismatchKind.MissingTable, table.Key, first.Column, first.Type, null));
                continue;
            }
            foreach (var need in table)
            {
                var found = live.FirstOrDefault(c => string.Equals(c.Name, need.Column, StringComparison.OrdinalIgnoreCase));
                if (found is null)
                    mismatches.Add(new SchemaMismatch(SchemaMismatchKind.MissingColumn, table.Key, need.Column, need.Type, null));
                else if (!IsCompatible(need.Type, found.FullType))
                    mismatches.Add(new SchemaMismatch(SchemaMismatchKind.IncompatibleType, table.Key, need.Column, need.Type, found.FullType));
            }
        }
        return mismatches;
    }

    /// <summary>
    /// Throw <c>SchemaMismatch</c> (InvalidData) listing every mismatch; return quietly when there is none. Call it
    /// before writing anything, so a mismatch leaves the warehouse untouched.
    /// </summary>
    public static void EnsureCompatible(IWarehouse warehouse, IEnumerable<RequiredColumn> required)
    {
        var mismatches = Check(warehouse, required);
        if (mismatches.Count == 0) return;
        throw new BackfillException(MismatchErrorId, ErrorKind.InvalidData,
            $"{warehouse.Description} does not have the schema the product reads and writes; nothing was written. " +
            $"{mismatches.Count} mismatch(es): {string.Join("; ", mismatches)}.",
            mismatches);
    }

    /// <summary>
    /// Whether every value of <paramref name="expected"/> reads and writes unchanged through a column of
    /// <paramref name="found"/>: the same kind; a NUMERIC with at least as many integer and fraction digits; array
    /// elements compatible; every expected STRUCT field present (by name) and compatible, extra fields tolerated.
    /// </summary>
    public static bool IsCompatible(SqlType expected, SqlType found)
    {
        if (expected.Kind != found.Kind) return false;
        switch (expected.Kind)
        {
            case ColumnType.Numeric:
            {
                var (ep, es) = expected.NumericDigits;
                var (fp, fs) = found.NumericDigits;
                return fs >= es && fp - fs >= ep - es;
            }
            case ColumnType.Array:
                return IsCompatible(expected.Element!, found.Element!);
            case ColumnType.Struct:
                return expected.Fields.All(e => found.Fields.FirstOrDefault(f => string.Equals(f.Name, e.Name, StringComparison.OrdinalIgnoreCase))
                    is { } match && IsCompatible(e.Type, match.Type));
            case ColumnType.Unmodeled:
                return expected.Equals(found);
            default:
                return true;
        }
    }
}
