using System.Collections;
using System.Globalization;
using System.Text.RegularExpressions;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace BackfillTools.Core.Reports;

/// <summary>One sheet of a workbook: a name (sanitized on write), column names, and rows of plain .NET values.</summary>
public sealed record WorkbookTable(string SheetName, IReadOnlyList<string> Columns, IReadOnlyList<object?[]> Rows);

/// <summary>How a value in a Status column is coloured.</summary>
public enum StatusTone { None, Red, Amber, Green }

/// <summary>
/// Writes tables to an .xlsx workbook for operators: one sheet per table with a bold, frozen header row, an auto-filter,
/// typed cells (numbers, real dates, booleans, text), sized columns and red/amber/green fills on a Status column.
/// </summary>
public static class XlsxWriter
{
    public const int MaxSheetNameLength = 31;
    public const int MaxRows = 1_048_576;
    public const int MaxColumns = 16_384;
    private const double MaxFitWidth = 250; // characters across a landscape page at about 50% scale

    // Excel's own "Bad", "Neutral" and "Good" cell-style colours, so the sheets look like what operators already know.
    public const string RedFill = "FFFFC7CE", RedFont = "FF9C0006";
    public const string AmberFill = "FFFFEB9C", AmberFont = "FF9C5700";
    public const string GreenFill = "FFC6EFCE", GreenFont = "FF006100";
    public const string HeaderFill = "FFF2F2F2";
    public const string DateFormat = "yyyy-mm-dd";
    public const string DateTimeFormat = "yyyy-mm-dd hh:mm:ss";
    public const string DurationFormat = "[h]:mm:ss";

    private static readonly HashSet<string> RedStatuses = new(StringComparer.OrdinalIgnoreCase) { "Incomplete", "Missing", "Failed", "Quarantined" };
    // Waived is complete over the games that exist, yet never shown as green: a waiver is something to see.
    private static readonly HashSet<string> AmberStatuses = new(StringComparer.OrdinalIgnoreCase) { "Low", "Warning", "Waived" };
    private static readonly HashSet<string> GreenStatuses = new(StringComparer.OrdinalIgnoreCase) { "OK", "Published", "Clean" };

    // Style indexes into the CellFormats written by BuildStylesheet (order matters).
    private const uint StyleHeader = 1, StyleDate = 2, StyleDateTime = 3, StyleDuration = 4, StyleTitle = 5,
        StyleRed = 6, StyleAmber = 7, StyleGreen = 8, StyleHeaderRight = 9;

    public static StatusTone ToneOf(object? status)
    {
        var s = status?.ToString()?.Trim();
        if (string.IsNullOrEmpty(s)) return StatusTone.None;
        if (RedStatuses.Contains(s)) return StatusTone.Red;
        if (AmberStatuses.Contains(s)) return StatusTone.Amber;
        return GreenStatuses.Contains(s) ? StatusTone.Green : StatusTone.None;
    }

    /// <summary>
    /// A name Excel accepts: no []:*?/\, not starting or ending with an apostrophe, not the reserved "History",
    /// at most 31 characters, never empty.
    /// </summary>
    public static string SanitizeSheetName(string? name)
    {
        var chars = (name ?? "").Select(c => "[]:*?/\\".Contains(c) || char.IsControl(c) ? '_' : c).ToArray();
        var s = new string(chars).Trim().Trim('\'').Trim();
        if (s.Length == 0) s = "Sheet";
        if (s.Equals("History", StringComparison.OrdinalIgnoreCase)) s += "_";
        if (s.Length > MaxSheetNameLength) s = s[..MaxSheetNameLength].TrimEnd().TrimEnd('\'');
        return s;
    }

    /// <summary>Sanitized names, made unique (Excel compares sheet names case-insensitively) with " (2)", " (3)"… suffixes.</summary>
    public static IReadOnlyList<string> UniqueSheetNames(IEnumerable<string?> requested)
    {
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var result = new List<string>();
        foreach (var r in requested)
        {
            var name = SanitizeSheetName(r);
            for (var n = 2; !used.Add(name); n++)
            {
                var suffix = $" ({n})";
                var stem = SanitizeSheetName(r);
                name = (stem.Length + suffix.Length > MaxSheetNameLength ? stem[..(MaxSheetNameLength - suffix.Length)] : stem) + suffix;
            }
            result.Add(name);
        }
        return result;
    }

    /// <summary>Fails with the cmdlet's stable ErrorIds when <paramref name="path"/> cannot be written; writes nothing.</summary>
    public static string CheckTarget(string path, bool overwrite)
    {
        path = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(dir))
            throw new BackfillException(ErrorIds.WorkbookDirectoryNotFound, ErrorKind.ObjectNotFound,
                $"The directory '{dir}' does not exist. Create it first, or choose another -Path.", path);
        if (Directory.Exists(path))
            throw new BackfillException(ErrorIds.WorkbookPathIsDirectory, ErrorKind.InvalidArgument,
                $"'{path}' is a directory; give a file name such as '{Path.Combine(path, "coverage.xlsx")}'.", path);
        if (File.Exists(path) && !overwrite)
            throw new BackfillException(ErrorIds.WorkbookExists, ErrorKind.ResourceExists,
                $"'{path}' already exists. Use -Force to replace it, or choose another -Path.", path);
        return path;
    }

    /// <summary>
    /// Write <paramref name="tables"/> to <paramref name="path"/>. The workbook is built under a temporary name beside the
    /// target and moved into place only when complete, so a failure leaves no file and never a half-written one.
    /// Returns the sheet names as written.
    /// </summary>
    public static IReadOnlyList<string> Write(string path, IReadOnlyList<WorkbookTable> tables, string? title = null, bool overwrite = false)
    {
        path = CheckTarget(path, overwrite);
        CheckLimits(tables, title);
        var dir = Path.GetDirectoryName(path)!;
        var temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            IReadOnlyList<string> names;
            try
            {
                using var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite);
                names = Save(stream, tables, title);
            }
            catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
            {
                throw new BackfillException(ErrorIds.WorkbookNotWritable, ErrorKind.PermissionDenied,
                    $"Cannot write a file in '{dir}': {ex.Message}. Choose a writable location.", path, ex);
            }
            try
            {
                File.Move(temp, path, overwrite);
            }
            catch (IOException) when (!overwrite && File.Exists(path))
            {
                throw new BackfillException(ErrorIds.WorkbookExists, ErrorKind.ResourceExists,
                    $"'{path}' was created by someone else while the workbook was written. Use -Force to replace it, or choose another -Path.", path);
            }
            return names;
        }
        finally
        {
            try { if (File.Exists(temp)) File.Delete(temp); } catch (IOException) { /* best effort */ }
        }
    }

    private static void CheckLimits(IReadOnlyList<WorkbookTable> tables, string? title)
    {
        var headerRows = string.IsNullOrEmpty(title) ? 1 : 2;
        foreach (var t in tables)
        {
            if (t.Rows.Count + headerRows > MaxRows || t.Columns.Count > MaxColumns)
                throw new BackfillException(ErrorIds.WorkbookTooLarge, ErrorKind.LimitsExceeded,
                    $"Sheet '{t.SheetName}' has {t.Rows.Count} rows and {t.Columns.Count} columns; an Excel sheet holds at most " +
                    $"{MaxRows - headerRows} data rows and {MaxColumns} columns. Split the data with -SheetBy.", t.SheetName);
            foreach (var row in t.Rows)
                if (row.Length > t.Columns.Count)
                    throw new ArgumentException($"A row of sheet '{t.SheetName}' has {row.Length} values for {t.Columns.Count} columns.", nameof(tables));
        }
    }

    /// <summary>Write the workbook to <paramref name="stream"/>; returns the sheet names as written.</summary>
    public static IReadOnlyList<string> Save(Stream stream, IReadOnlyList<WorkbookTable> tables, string? title = null)
    {
        CheckLimits(tables, title);
        // A workbook must have at least one sheet: with no input it gets one empty sheet (with the title, if any).
        if (tables.Count == 0) tables = new[] { new WorkbookTable("Sheet1", Array.Empty<string>(), Array.Empty<object?[]>()) };
        var names = UniqueSheetNames(tables.Select(t => t.SheetName));

        using var doc = SpreadsheetDocument.Create(stream, SpreadsheetDocumentType.Workbook);
        if (!string.IsNullOrEmpty(title)) doc.PackageProperties.Title = title;
        doc.PackageProperties.Creator = "BackfillTools";
        doc.PackageProperties.Created = DateTime.UtcNow;

        var wbPart = doc.AddWorkbookPart();
        wbPart.Workbook = new Workbook();
        var styles = wbPart.AddNewPart<WorkbookStylesPart>();
        styles.Stylesheet = BuildStylesheet();
        var strings = new SharedStrings(wbPart.AddNewPart<SharedStringTablePart>());

        var sheets = new Sheets();
        var definedNames = new DefinedNames();
        for (var i = 0; i < tables.Count; i++)
        {
            var part = wbPart.AddNewPart<WorksheetPart>();
            var filterRef = WriteSheet(part, tables[i], title, strings, selected: i == 0);
            sheets.Append(new Sheet { Name = names[i], SheetId = (uint)(i + 1), Id = wbPart.GetIdOfPart(part) });
            if (filterRef is not null)
            {
                // Excel writes this hidden name for every auto-filter; LibreOffice relies on it to show the filter buttons.
                definedNames.Append(new DefinedName($"'{names[i].Replace("'", "''")}'!{Absolute(filterRef)}")
                    { Name = "_xlnm._FilterDatabase", LocalSheetId = (uint)i, Hidden = true });
                // An explicit print area: without it LibreOffice prints an empty extra column on sheets with a title.
                var lastCell = filterRef.Split(':')[1];
                definedNames.Append(new DefinedName($"'{names[i].Replace("'", "''")}'!{Absolute("A1:" + lastCell)}")
                    { Name = "_xlnm.Print_Area", LocalSheetId = (uint)i });
                // Repeat the title and header rows on every printed page.
                var headerRows = string.IsNullOrEmpty(title) ? 1 : 2;
                definedNames.Append(new DefinedName($"'{names[i].Replace("'", "''")}'!$1:${headerRows}")
                    { Name = "_xlnm.Print_Titles", LocalSheetId = (uint)i });
            }
        }
        wbPart.Workbook.Append(new BookViews(new WorkbookView()));
        wbPart.Workbook.Append(sheets);
        if (definedNames.HasChildren) wbPart.Workbook.Append(definedNames);
        strings.Save();
        wbPart.Workbook.Save();
        return names;
    }

    /// <summary>Writes one sheet; returns the auto-filter range, or null when the sheet has no columns.</summary>
    private static string? WriteSheet(WorksheetPart part, WorkbookTable table, string? title, SharedStrings strings, bool selected)
    {
        var columns = table.Columns;
        var kinds = Enumerable.Range(0, columns.Count).Select(c => InferTextColumn(table.Rows, c)).ToArray();
        var widths = columns.Select(c => (double)c.Length + 3).ToArray(); // + room for the filter button
        var statusColumn = -1;
        for (var c = 0; c < columns.Count; c++)
            if (string.Equals(columns[c], "Status", StringComparison.OrdinalIgnoreCase)) { statusColumn = c; break; }

        var sheetData = new SheetData();
        uint rowIndex = 0;
        if (!string.IsNullOrEmpty(title))
        {
            var titleRow = new Row { RowIndex = ++rowIndex };
            titleRow.Append(TextCell($"A{rowIndex}", title, strings, StyleTitle));
            sheetData.Append(titleRow);
        }
        var headerRow = ++rowIndex;
        var headerCells = new Cell[columns.Count];
        if (columns.Count > 0)
        {
            var header = new Row { RowIndex = headerRow };
            for (var c = 0; c < columns.Count; c++)
                header.Append(headerCells[c] = TextCell(Ref(c, headerRow), columns[c], strings, StyleHeader));
            sheetData.Append(header);
        }
        // A header sits over its values: right-aligned over columns that hold only numbers, dates and durations.
        var rightAligned = new bool[columns.Count];
        var hasValues = new bool[columns.Count];
        Array.Fill(rightAligned, true);
        foreach (var values in table.Rows)
        {
            var row = new Row { RowIndex = ++rowIndex };
            for (var c = 0; c < values.Length; c++)
            {
                var value = Normalize(values[c], kinds[c]);
                if (value is null) continue;
                var cell = ValueCell(Ref(c, rowIndex), value, strings, out var shown);
                hasValues[c] = true;
                rightAligned[c] &= cell.DataType is null || cell.DataType.Value == CellValues.Number;
                if (c == statusColumn && cell.DataType?.Value == CellValues.SharedString)
                {
                    var tone = ToneOf(value);
                    if (tone != StatusTone.None)
                        cell.StyleIndex = tone switch { StatusTone.Red => StyleRed, StatusTone.Amber => StyleAmber, _ => StyleGreen };
                }
                // Widths are in characters of the default font; LibreOffice's fallback font is wider, hence the margin.
                widths[c] = Math.Max(widths[c], shown * 1.1 + 2);
                row.Append(cell);
            }
            sheetData.Append(row);
        }

        for (var c = 0; c < columns.Count; c++)
            if (hasValues[c] && rightAligned[c]) headerCells[c].StyleIndex = StyleHeaderRight;

        var columnWidths = widths.Select(w => Math.Clamp(Math.Ceiling(w), 6, 60)).ToArray();
        // Printed (and PDF) output fits the columns on the page width instead of splitting them across pages, unless
        // the sheet is so wide that the text would shrink below legibility (about half size on landscape A4/Letter).
        var fitToWidth = columnWidths.Sum() <= MaxFitWidth;
        var worksheet = new Worksheet();
        if (fitToWidth) worksheet.Append(new SheetProperties(new PageSetupProperties { FitToPage = true }));
        var lastCol = Math.Max(columns.Count, 1) - 1;
        worksheet.Append(new SheetDimension { Reference = $"A1:{Ref(lastCol, Math.Max(rowIndex, 1))}" });
        var view = new SheetView { WorkbookViewId = 0, TabSelected = selected };
        if (columns.Count > 0)
        {
            // Freeze everything above the first data row so the header stays in view while scrolling.
            var topLeft = $"A{headerRow + 1}";
            view.Append(new Pane { VerticalSplit = headerRow, TopLeftCell = topLeft, ActivePane = PaneValues.BottomLeft, State = PaneStateValues.Frozen });
            view.Append(new Selection { Pane = PaneValues.BottomLeft, ActiveCell = topLeft, SequenceOfReferences = new ListValue<StringValue> { InnerText = topLeft } });
        }
        worksheet.Append(new SheetViews(view));
        worksheet.Append(new SheetFormatProperties { DefaultRowHeight = 15 });
        if (columns.Count > 0)
        {
            var cols = new Columns();
            for (var c = 0; c < columns.Count; c++)
                cols.Append(new Column { Min = (uint)(c + 1), Max = (uint)(c + 1), Width = columnWidths[c], CustomWidth = true });
            worksheet.Append(cols);
        }
        worksheet.Append(sheetData);
        string? filterRef = null;
        if (columns.Count > 0)
        {
            filterRef = $"A{headerRow}:{Ref(columns.Count - 1, Math.Max(rowIndex, headerRow))}";
            worksheet.Append(new AutoFilter { Reference = filterRef });
        }
        // Printed gridlines keep a right-aligned number from running into the text of the next column.
        worksheet.Append(new PrintOptions { GridLines = true });
        worksheet.Append(new PageMargins { Left = 0.5, Right = 0.5, Top = 0.6, Bottom = 0.6, Header = 0.3, Footer = 0.3 });
        worksheet.Append(fitToWidth
            ? new PageSetup { Orientation = OrientationValues.Landscape, FitToWidth = 1, FitToHeight = 0 }
            : new PageSetup { Orientation = OrientationValues.Landscape });
        part.Worksheet = worksheet;
        part.Worksheet.Save();
        return filterRef;
    }

    #region values

    private enum TextKind { Text, Number, Date, Boolean }

    private static readonly Regex NumberText = new(@"^-?(0|[1-9]\d{0,14})(\.\d{1,15})?$", RegexOptions.CultureInvariant);
    private static readonly Regex LocalDateText = new(@"^\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}( \d{1,2}:\d{2}(:\d{2})?( ?[AaPp][Mm])?)?$", RegexOptions.CultureInvariant);
    private static readonly string[] IsoDateTimeFormats = { "yyyy-MM-dd HH:mm:ss", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm:ss.FFFFFFF", "yyyy-MM-ddTHH:mm:ss.FFFFFFFK", "yyyy-MM-ddTHH:mm:ssK" };

    /// <summary>
    /// Text that came from a CSV (Import-Csv gives only strings) is typed per column: when every non-empty text value
    /// of the column is a number (no leading zeros, so ids like 0022200001 stay text), a date, or True/False, those
    /// values are written as such. A column with any other text stays text.
    /// </summary>
    private static TextKind InferTextColumn(IReadOnlyList<object?[]> rows, int column)
    {
        bool number = true, date = true, boolean = true, any = false;
        foreach (var row in rows)
        {
            if (column >= row.Length || row[column] is not string s || s.Length == 0) continue;
            any = true;
            number = number && NumberText.IsMatch(s);
            date = date && ParseDate(s) is not null;
            boolean = boolean && (s.Equals("True", StringComparison.OrdinalIgnoreCase) || s.Equals("False", StringComparison.OrdinalIgnoreCase));
            if (!number && !date && !boolean) return TextKind.Text;
        }
        if (!any) return TextKind.Text;
        return number ? TextKind.Number : date ? TextKind.Date : boolean ? TextKind.Boolean : TextKind.Text;
    }

    private static DateTime? ParseDate(string s)
    {
        if (s.Length == 10 && DateTime.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) return d;
        if (DateTime.TryParseExact(s, IsoDateTimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out d)) return d;
        // Export-Csv writes dates in the current culture (10/18/2022 00:00:00 in en-US); three numeric parts are required
        // so that a season such as 2022-23 is never taken for a date.
        if (LocalDateText.IsMatch(s) && DateTime.TryParse(s, CultureInfo.CurrentCulture, DateTimeStyles.None, out d)) return d;
        return null;
    }

    private static object? Normalize(object? value, TextKind kind)
    {
        if (value is not string s) return value;
        if (s.Length == 0) return null;
        return kind switch
        {
            TextKind.Number => double.Parse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture),
            TextKind.Date => ParseDate(s),
            TextKind.Boolean => s.Equals("True", StringComparison.OrdinalIgnoreCase),
            _ => s,
        };
    }

    // Excel's 1900 date system agrees with OLE Automation dates from 1900-03-01 on; earlier dates are written as text.
    private static readonly DateTime FirstSafeDate = new(1900, 3, 1);
    private const double MaxExactNumber = 999_999_999_999_999; // Excel keeps 15 significant digits

    private static Cell ValueCell(string reference, object value, SharedStrings strings, out int shownLength)
    {
        switch (value)
        {
            case bool b:
                shownLength = b ? 4 : 5;
                return new Cell { CellReference = reference, DataType = CellValues.Boolean, CellValue = new CellValue(b ? "1" : "0") };
            case DateOnly d:
                return ValueCell(reference, d.ToDateTime(TimeOnly.MinValue), strings, out shownLength);
            case DateTimeOffset o:
                return ValueCell(reference, o.DateTime, strings, out shownLength);
            case DateTime dt when dt >= FirstSafeDate:
                var dateOnly = dt.TimeOfDay == TimeSpan.Zero;
                shownLength = dateOnly ? 10 : 19;
                return new Cell
                {
                    CellReference = reference,
                    CellValue = new CellValue(dt.ToOADate().ToString("R", CultureInfo.InvariantCulture)),
                    StyleIndex = dateOnly ? StyleDate : StyleDateTime,
                };
            case DateTime dt:
                return TextCell(reference, dt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), strings, out shownLength);
            case TimeSpan ts when ts >= TimeSpan.Zero:
                shownLength = Math.Max(8, ((int)ts.TotalHours).ToString(CultureInfo.InvariantCulture).Length + 6);
                return new Cell
                {
                    CellReference = reference,
                    CellValue = new CellValue(ts.TotalDays.ToString("R", CultureInfo.InvariantCulture)),
                    StyleIndex = StyleDuration,
                };
            case Enum e:
                return TextCell(reference, e.ToString(), strings, out shownLength);
            case byte or sbyte or short or ushort or int or uint or long or ulong or float or double or decimal:
                var number = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                if (!double.IsFinite(number) || Math.Abs(number) > MaxExactNumber)
                    return TextCell(reference, Convert.ToString(value, CultureInfo.InvariantCulture)!, strings, out shownLength);
                var text = value is decimal m ? m.ToString(CultureInfo.InvariantCulture) : number.ToString("R", CultureInfo.InvariantCulture);
                // General format shows at most ~11 characters of a number.
                shownLength = Math.Min(text.Length, 11);
                return new Cell { CellReference = reference, DataType = CellValues.Number, CellValue = new CellValue(text) };
            case string s:
                return TextCell(reference, s, strings, out shownLength);
            case IEnumerable list:
                return TextCell(reference, string.Join(", ", list.Cast<object?>().Select(ToText)), strings, out shownLength);
            default:
                return TextCell(reference, ToText(value), strings, out shownLength);
        }
    }

    private static string ToText(object? value) => value switch
    {
        null => "",
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime dt => dt.TimeOfDay == TimeSpan.Zero ? dt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : dt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static Cell TextCell(string reference, string text, SharedStrings strings, out int shownLength)
    {
        // The longest line is what the column has to show.
        shownLength = text.Split('\n').Max(l => l.Length);
        return TextCell(reference, text, strings);
    }

    private static Cell TextCell(string reference, string text, SharedStrings strings, uint? style = null)
    {
        // Excel refuses cells over 32,767 characters, and XML cannot carry most control characters.
        if (text.Length > 32_767) text = text[..32_764] + "...";
        if (text.Any(c => char.IsControl(c) && c is not ('\t' or '\n' or '\r'))) text = new string(text.Select(c => char.IsControl(c) && c is not ('\t' or '\n' or '\r') ? ' ' : c).ToArray());
        var cell = new Cell { CellReference = reference, DataType = CellValues.SharedString, CellValue = new CellValue(strings.Index(text)) };
        if (style is { } s) cell.StyleIndex = s;
        return cell;
    }

    #endregion

    public static string ColumnName(int index)
    {
        var name = "";
        for (var n = index + 1; n > 0; n = (n - 1) / 26)
            name = (char)('A' + (n - 1) % 26) + name;
        return name;
    }

    private static string Ref(int column, uint row) => $"{ColumnName(column)}{row}";

    private static string Absolute(string range) =>
        string.Join(':', range.Split(':').Select(r => Regex.Replace(r, @"^([A-Z]+)(\d+)$", "$$$1$$$2")));

    private static Stylesheet BuildStylesheet()
    {
        static Font Font(bool bold = false, double size = 11, string? rgb = null)
        {
            var f = new Font();
            if (bold) f.Append(new Bold());
            f.Append(new FontSize { Val = size });
            if (rgb is not null) f.Append(new Color { Rgb = rgb });
            f.Append(new FontName { Val = "Calibri" });
            f.Append(new FontFamilyNumbering { Val = 2 });
            return f;
        }
        static Fill Solid(string rgb) => new(new PatternFill(new ForegroundColor { Rgb = rgb }, new BackgroundColor { Indexed = 64 }) { PatternType = PatternValues.Solid });

        var fonts = new Fonts(Font(), Font(bold: true), Font(bold: true, size: 14), Font(rgb: RedFont), Font(rgb: AmberFont), Font(rgb: GreenFont));
        // Fills 0 and 1 are reserved by Excel (none, gray125).
        var fills = new Fills(new Fill(new PatternFill { PatternType = PatternValues.None }), new Fill(new PatternFill { PatternType = PatternValues.Gray125 }),
            Solid(HeaderFill), Solid(RedFill), Solid(AmberFill), Solid(GreenFill));
        var borders = new Borders(new Border(new LeftBorder(), new RightBorder(), new TopBorder(), new BottomBorder(), new DiagonalBorder()),
            new Border(new LeftBorder(), new RightBorder(), new TopBorder(), new BottomBorder(new Color { Auto = true }) { Style = BorderStyleValues.Thin }, new DiagonalBorder()));
        var numberFormats = new NumberingFormats(
            new NumberingFormat { NumberFormatId = 164, FormatCode = DateFormat },
            new NumberingFormat { NumberFormatId = 165, FormatCode = DateTimeFormat },
            new NumberingFormat { NumberFormatId = 166, FormatCode = DurationFormat });

        static CellFormat Format(uint font = 0, uint fill = 0, uint border = 0, uint numFmt = 0) => new()
        {
            FontId = font, FillId = fill, BorderId = border, NumberFormatId = numFmt, FormatId = 0,
            ApplyFont = font != 0 ? true : null, ApplyFill = fill != 0 ? true : null,
            ApplyBorder = border != 0 ? true : null, ApplyNumberFormat = numFmt != 0 ? true : null,
        };
        var cellFormats = new CellFormats(
            Format(),                              // 0 default
            Format(font: 1, fill: 2, border: 1),   // 1 header
            Format(numFmt: 164),                   // 2 date
            Format(numFmt: 165),                   // 3 date and time
            Format(numFmt: 166),                   // 4 duration
            Format(font: 2),                       // 5 title
            Format(font: 3, fill: 3),              // 6 red status
            Format(font: 4, fill: 4),              // 7 amber status
            Format(font: 5, fill: 5),              // 8 green status
            new CellFormat(new Alignment { Horizontal = HorizontalAlignmentValues.Right })
            { FontId = 1, FillId = 2, BorderId = 1, NumberFormatId = 0, FormatId = 0, ApplyFont = true, ApplyFill = true, ApplyBorder = true, ApplyAlignment = true }); // 9 header over numbers

        return new Stylesheet(numberFormats, fonts, fills, borders,
            new CellStyleFormats(new CellFormat { NumberFormatId = 0, FontId = 0, FillId = 0, BorderId = 0 }),
            cellFormats,
            new CellStyles(new CellStyle { Name = "Normal", FormatId = 0, BuiltinId = 0 }));
    }

    /// <summary>The shared string table: each distinct text is stored once.</summary>
    private sealed class SharedStrings
    {
        private readonly SharedStringTablePart _part;
        private readonly SharedStringTable _table = new();
        private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

        public SharedStrings(SharedStringTablePart part) => _part = part;

        public string Index(string text)
        {
            if (!_index.TryGetValue(text, out var i))
            {
                i = _index.Count;
                _index.Add(text, i);
                var t = new Text(text);
                if (text.Length > 0 && (char.IsWhiteSpace(text[0]) || char.IsWhiteSpace(text[^1])))
                    t.Space = SpaceProcessingModeValues.Preserve;
                _table.Append(new SharedStringItem(t));
            }
            return i.ToString(CultureInfo.InvariantCulture);
        }

        public void Save()
        {
            _table.Count = (uint)_index.Count;
            _table.UniqueCount = (uint)_index.Count;
            _part.SharedStringTable = _table;
            _part.SharedStringTable.Save();
        }
    }
}
