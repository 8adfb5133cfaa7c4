using System.Collections;
using System.IO;
using System.Management.Automation;
using BackfillTools.Core;
using BackfillTools.Core.Reports;

namespace BackfillTools.Cmdlets;

/// <summary>
/// Writes any piped objects to an .xlsx workbook, one sheet per value of -SheetBy (default: Layer, else the type name),
/// reading them through their PowerShell properties so that PSCustomObjects and Import-Csv rows work like .NET objects.
/// </summary>
[Cmdlet(VerbsData.Export, "CoverageWorkbook", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(FileInfo))]
public sealed class ExportCoverageWorkbookCommand : BackfillCmdlet
{
    private const string DefaultSheetBy = "Layer";

    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter(ValueFromPipeline = true)]
    [AllowNull]
    public PSObject?[]? InputObject { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SheetBy { get; set; }

    [Parameter]
    public string? Title { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    // Groups in first-seen order; each keeps its columns in first-seen order and its rows as name→value maps.
    private readonly List<Group> _groups = new();
    private readonly Dictionary<string, Group> _byKey = new(StringComparer.OrdinalIgnoreCase);
    private bool _sheetByFound;

    protected override void ProcessRecord()
    {
        if (InputObject is null) return;
        foreach (var item in InputObject)
            if (item is not null && item.BaseObject is not null) Add(item);
    }

    private void Add(PSObject item)
    {
        var values = ReadProperties(item);
        var key = GroupKey(item, values);
        if (!_byKey.TryGetValue(key, out var group))
        {
            group = new Group(key);
            _byKey.Add(key, group);
            _groups.Add(group);
        }
        foreach (var name in values.Keys)
            if (group.ColumnSet.Add(name)) group.Columns.Add(name);
        group.Rows.Add(values);
    }

    private string GroupKey(PSObject item, Dictionary<string, object?> values)
    {
        if (SheetBy is not null)
        {
            if (!values.TryGetValue(SheetBy, out var v)) return $"(no {SheetBy})";
            _sheetByFound = true;
            var text = v switch
            {
                null => "",
                DateOnly d => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                DateTime dt => dt.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
                IEnumerable e and not string => string.Join(", ", e.Cast<object?>()),
                _ => v.ToString() ?? "",
            };
            return text.Length == 0 ? $"(no {SheetBy})" : text;
        }
        if (values.TryGetValue(DefaultSheetBy, out var layer) && layer?.ToString() is { Length: > 0 } l) return l;
        return TypeLabel(item);
    }

    /// <summary>The short type name (CoverageRow, not BackfillTools.Core…CoverageRow); plain PSCustomObjects are "Data".</summary>
    private static string TypeLabel(PSObject item)
    {
        var full = item.TypeNames.Count > 0 ? item.TypeNames[0] : item.BaseObject.GetType().FullName ?? "Data";
        if (full is "System.Management.Automation.PSCustomObject" or "System.Object") return "Data";
        // Import-Csv of a file written with type information prefixes the name with "CSV:".
        if (full.StartsWith("CSV:", StringComparison.Ordinal)) full = full[4..];
        var name = full.Split('.', '+').Last();
        var generic = name.IndexOf('`');
        return generic > 0 ? name[..generic] : name;
    }

    /// <summary>The object's properties in their own order, values unwrapped from PSObject.</summary>
    private Dictionary<string, object?> ReadProperties(PSObject item)
    {
        var values = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        // A bare value (a string, a number, a date) has no useful properties of its own: write it as one Value column.
        if (item.BaseObject is string or ValueType && !HasNoteProperties(item))
        {
            values["Value"] = item.BaseObject;
            return values;
        }
        if (item.BaseObject is IDictionary dict)
        {
            foreach (DictionaryEntry e in dict)
                if (e.Key?.ToString() is { Length: > 0 } k) values.TryAdd(k, Unwrap(e.Value));
            return values;
        }
        foreach (var p in item.Properties)
        {
            if (!p.IsGettable || values.ContainsKey(p.Name)) continue;
            object? v;
            try { v = p.Value; }
            catch (GetValueException ex)
            {
                // A script property that throws should not lose the whole export; the cell stays empty.
                WriteVerbose($"Property '{p.Name}' could not be read: {ex.Message}");
                v = null;
            }
            values.Add(p.Name, Unwrap(v));
        }
        return values;
    }

    private static bool HasNoteProperties(PSObject item) =>
        item.Properties.Any(p => p.MemberType is PSMemberTypes.NoteProperty or PSMemberTypes.ScriptProperty);

    private static object? Unwrap(object? value) => value switch
    {
        PSObject { BaseObject: PSCustomObject } pso => pso.ToString(),
        PSObject pso => Unwrap(pso.BaseObject),
        string or IDictionary => value,
        // Arrays become comma-separated text; their elements may be PSObjects too.
        IEnumerable e => e.Cast<object?>().Select(Unwrap).ToArray(),
        _ => value,
    };

    protected override void EndProcessing() => Guard(() =>
    {
        var path = XlsxWriter.CheckTarget(ResolvePath(Path), Force);
        if (!path.EndsWith(".xlsx", StringComparison.OrdinalIgnoreCase))
            WriteWarning($"'{path}' does not end in .xlsx; Excel opens a workbook only under that extension.");
        if (SheetBy is not null && _groups.Count > 0 && !_sheetByFound)
            throw new BackfillException(ErrorIds.SheetByPropertyNotFound, ErrorKind.InvalidArgument,
                $"None of the input objects has a property '{SheetBy}'. Use one of: {string.Join(", ", _groups[0].Columns)}.", SheetBy);
        if (_groups.Count == 0)
            WriteWarning("No objects were piped in; the workbook has one empty sheet.");

        var tables = _groups.Select(g => new WorkbookTable(g.Key, g.Columns,
            g.Rows.Select(r => g.Columns.Select(c => r.TryGetValue(c, out var v) ? v : null).ToArray()).ToList())).ToList();
        var rows = tables.Sum(t => t.Rows.Count);
        var what = $"Write workbook with {Math.Max(tables.Count, 1)} sheet(s) and {rows} row(s)" + (File.Exists(path) ? " (replacing the existing file)" : "");
        if (!ShouldProcess(path, what)) return;

        var names = XlsxWriter.Write(path, tables, Title, Force);
        WriteVerbose($"Wrote {path}: {string.Join(", ", names.Zip(tables.Select(t => t.Rows.Count).DefaultIfEmpty(0), (n, c) => $"{n} ({c} rows)"))}.");
        // Through the provider, so the FileInfo carries PSPath and formats like Get-Item's.
        if (PassThru) WriteObject(InvokeProvider.Item.Get(new[] { path }, false, true), enumerateCollection: true);
    });

    private sealed class Group(string key)
    {
        public string Key { get; } = key;
        public List<string> Columns { get; } = new();
        public HashSet<string> ColumnSet { get; } = new(StringComparer.OrdinalIgnoreCase);
        public List<Dictionary<string, object?>> Rows { get; } = new();
    }
}
