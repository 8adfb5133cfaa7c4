namespace BackfillTools.Tests.Layering;

/// <summary>
/// The intended order of the house (docs/architecture.md): a folder may use folders on lower floors, never one above it
/// nor a sibling on its own floor. Samples sit beside the product and may use Domain, Warehouse, Schema and Sql only.
/// </summary>
public sealed class Floors
{
    private readonly string _coreRoot;
    private readonly string _samplesRoot;
    private readonly string _cmdletRoot;

    public Floors(string coreRoot = "BackfillTools.Core", string samplesRoot = "BackfillTools.Samples", string cmdletRoot = "BackfillTools")
    {
        _coreRoot = coreRoot;
        _samplesRoot = samplesRoot;
        _cmdletRoot = cmdletRoot;
    }

    public static readonly IReadOnlyDictionary<string, double> CoreFloors = new Dictionary<string, double>
    {
        ["Domain"] = 0,
        ["Warehouse"] = 1,
        ["Schema"] = 2,
        ["Sql"] = 2,
        ["Processors"] = 3,
        ["Accounting"] = 4,
        ["Ledger"] = 4,
        ["Backfill"] = 5,
        ["Validation"] = 5,
        ["Maintenance"] = 5,
        ["Reports"] = 5,
    };

    private const double SamplesFloor = 2.5;
    private const double CmdletFloor = 6;

    /// <summary>The folder and floor a namespace lives on, or null when it is not part of the product.</summary>
    public (string Folder, double Floor)? Of(string? ns)
    {
        ns ??= "";
        if (Under(ns, _coreRoot))
        {
            var rest = ns.Length == _coreRoot.Length ? "" : ns[(_coreRoot.Length + 1)..];
            var folder = rest.Split('.')[0];
            return CoreFloors.TryGetValue(folder, out var floor) ? (folder, floor) : ($"Core/{folder}", double.NaN);
        }
        if (Under(ns, _samplesRoot)) return ("Samples", SamplesFloor);
        if (Under(ns, _cmdletRoot)) return ("Cmdlets", CmdletFloor);
        return null;
    }

    /// <summary>Why <paramref name="from"/> may not use <paramref name="to"/>, or null when it may.</summary>
    public string? Violation(string? from, string? to)
    {
        var f = Of(from);
        var t = Of(to);
        if (f is null || t is null) return null; // the framework and third-party libraries are not floors
        if (double.IsNaN(f.Value.Floor)) return $"{from} is in no floor (every type belongs in one of {string.Join(", ", CoreFloors.Keys)})";
        if (double.IsNaN(t.Value.Floor)) return $"{to} is in no floor";
        if (f.Value.Folder == t.Value.Folder) return null;
        if (t.Value.Folder == "Samples" && f.Value.Folder != "Cmdlets") return $"{f.Value.Folder} uses Samples (only the cmdlets and tests may)";
        if (t.Value.Floor > f.Value.Floor) return $"{f.Value.Folder} (floor {f.Value.Floor}) uses {t.Value.Folder} above it (floor {t.Value.Floor})";
        if (t.Value.Floor == f.Value.Floor) return $"{f.Value.Folder} uses its sibling {t.Value.Folder} on floor {f.Value.Floor}";
        return null;
    }

    private static bool Under(string ns, string root) =>
        ns == root || ns.StartsWith(root + ".", StringComparison.Ordinal);
}
