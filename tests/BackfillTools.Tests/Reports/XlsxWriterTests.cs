using BackfillTools.Core;
using BackfillTools.Core.Reports;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using Xunit;

namespace BackfillTools.Tests.Reports;

/// <summary>Writes workbooks and reads them back with the Open XML SDK, the way Excel would see them.</summary>
public sealed class XlsxWriterTests : IDisposable
{
    private static readonly string[] CoverageColumns =
        { "Date", "Season", "Layer", "Processor", "Expected", "Actual", "CoveragePct", "Status", "Reason", "Source" };

    private readonly string _dir = Directory.CreateTempSubdirectory("bft-xlsx-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static object?[] CoverageRow(int day, string layer, string status, string? reason = null) =>
        new object?[] { new DateOnly(2022, 10, day), "2022-23", layer, "PCF", 30, 30 - day % 5, 100.0 * (30 - day % 5) / 30, status, reason, "nba_precompute.player_composite_factors" };

    private static WorkbookTable Coverage(string layer, params string[] statuses) =>
        new(layer, CoverageColumns, statuses.Select((s, i) => CoverageRow(18 + i, layer, s)).ToList());

    /// <summary>Save to memory and open it again read-only.</summary>
    private static SpreadsheetDocument RoundTrip(IReadOnlyList<WorkbookTable> tables, string? title = null)
    {
        var ms = new MemoryStream();
        XlsxWriter.Save(ms, tables, title);
        ms.Position = 0;
        return SpreadsheetDocument.Open(ms, false);
    }

    private static Worksheet Sheet(SpreadsheetDocument doc, string name)
    {
        var wb = doc.WorkbookPart!;
        var sheet = wb.Workbook.Sheets!.Elements<Sheet>().Single(s => s.Name == name);
        return ((WorksheetPart)wb.GetPartById(sheet.Id!)).Worksheet;
    }

    private static Cell Cell(Worksheet ws, string reference) =>
        ws.Descendants<Cell>().SingleOrDefault(c => c.CellReference == reference) ?? throw new Xunit.Sdk.XunitException($"no cell {reference}");

    private static string Text(SpreadsheetDocument doc, Cell cell)
    {
        Assert.Equal(CellValues.SharedString, cell.DataType?.Value);
        var items = doc.WorkbookPart!.SharedStringTablePart!.SharedStringTable.Elements<SharedStringItem>().ToList();
        return items[int.Parse(cell.CellValue!.Text)].InnerText;
    }

    private static CellFormat Format(SpreadsheetDocument doc, Cell cell) =>
        doc.WorkbookPart!.WorkbookStylesPart!.Stylesheet.CellFormats!.Elements<CellFormat>().ElementAt((int)(cell.StyleIndex?.Value ?? 0));

    private static string? FillRgb(SpreadsheetDocument doc, Cell cell)
    {
        var fill = doc.WorkbookPart!.WorkbookStylesPart!.Stylesheet.Fills!.Elements<Fill>().ElementAt((int)Format(doc, cell).FillId!.Value);
        return fill.PatternFill?.PatternType?.Value == PatternValues.Solid ? fill.PatternFill.ForegroundColor?.Rgb?.Value : null;
    }

    private static string? NumberFormatCode(SpreadsheetDocument doc, Cell cell)
    {
        var id = Format(doc, cell).NumberFormatId?.Value ?? 0;
        return doc.WorkbookPart!.WorkbookStylesPart!.Stylesheet.NumberingFormats?.Elements<NumberingFormat>()
            .SingleOrDefault(f => f.NumberFormatId?.Value == id)?.FormatCode?.Value;
    }

    private static bool IsBold(SpreadsheetDocument doc, Cell cell)
    {
        var font = doc.WorkbookPart!.WorkbookStylesPart!.Stylesheet.Fonts!.Elements<Font>().ElementAt((int)Format(doc, cell).FontId!.Value);
        return font.Elements<Bold>().Any();
    }

    [Fact]
    public void One_sheet_per_table_with_a_bold_header_and_every_row()
    {
        using var doc = RoundTrip(new[] { Coverage("Analytics", "OK", "OK"), Coverage("Precompute", "OK", "Low", "Missing") });
        Assert.Equal(new[] { "Analytics", "Precompute" }, doc.WorkbookPart!.Workbook.Sheets!.Elements<Sheet>().Select(s => s.Name!.Value));

        var ws = Sheet(doc, "Precompute");
        var header = ws.Descendants<Row>().First();
        Assert.Equal(1u, header.RowIndex!.Value);
        Assert.Equal(CoverageColumns, header.Elements<Cell>().Select(c => Text(doc, c)));
        Assert.All(header.Elements<Cell>(), c => Assert.True(IsBold(doc, c)));
        Assert.False(IsBold(doc, Cell(ws, "B2")));
        // Headers over numeric columns are right-aligned like their values; text headers keep the default.
        Assert.Equal(HorizontalAlignmentValues.Right, Format(doc, Cell(ws, "E1")).Alignment?.Horizontal?.Value);
        Assert.Null(Format(doc, Cell(ws, "D1")).Alignment);
        Assert.Equal(4, ws.Descendants<Row>().Count());
        Assert.Equal(3, Sheet(doc, "Analytics").Descendants<Row>().Count());
    }

    [Fact]
    public void Numbers_dates_booleans_and_text_get_their_own_cell_types()
    {
        var table = new WorkbookTable("Typed", new[] { "Date", "Count", "Pct", "Flag", "Name", "At", "Took" }, new[]
        {
            new object?[] { new DateOnly(2022, 10, 18), 42, 95.5m, true, "PCF", new DateTime(2024, 1, 20, 19, 30, 0), TimeSpan.FromMinutes(90) },
        });
        using var doc = RoundTrip(new[] { table });
        var ws = Sheet(doc, "Typed");

        var date = Cell(ws, "A2");
        Assert.True(date.DataType is null || date.DataType.Value == CellValues.Number);
        Assert.Equal(new DateTime(2022, 10, 18).ToOADate(), double.Parse(date.CellValue!.Text, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("yyyy-mm-dd", NumberFormatCode(doc, date));

        var count = Cell(ws, "B2");
        Assert.Equal(CellValues.Number, count.DataType!.Value);
        Assert.Equal("42", count.CellValue!.Text);
        Assert.Equal("95.5", Cell(ws, "C2").CellValue!.Text);
        Assert.Null(NumberFormatCode(doc, count));

        Assert.Equal(CellValues.Boolean, Cell(ws, "D2").DataType!.Value);
        Assert.Equal("1", Cell(ws, "D2").CellValue!.Text);
        Assert.Equal("PCF", Text(doc, Cell(ws, "E2")));

        var at = Cell(ws, "F2");
        Assert.Equal(new DateTime(2024, 1, 20, 19, 30, 0).ToOADate(), double.Parse(at.CellValue!.Text, System.Globalization.CultureInfo.InvariantCulture), 9);
        Assert.Equal("yyyy-mm-dd hh:mm:ss", NumberFormatCode(doc, at));
        Assert.Equal(0.0625, double.Parse(Cell(ws, "G2").CellValue!.Text, System.Globalization.CultureInfo.InvariantCulture), 9);
        Assert.Equal("[h]:mm:ss", NumberFormatCode(doc, Cell(ws, "G2")));
    }

    [Fact]
    public void Csv_text_is_typed_per_column_but_ids_and_seasons_stay_text()
    {
        // What Import-Csv hands over: every value a string.
        var table = new WorkbookTable("Csv", new[] { "Date", "Season", "GameId", "CoveragePct", "Ok", "Mixed" }, new[]
        {
            new object?[] { "2022-10-18", "2022-23", "0022200001", "95.5", "True", "12" },
            new object?[] { "2022-10-19", "2022-23", "0022200002", "", "False", "n/a" },
        });
        using var doc = RoundTrip(new[] { table });
        var ws = Sheet(doc, "Csv");
        Assert.Equal(new DateTime(2022, 10, 18).ToOADate().ToString(System.Globalization.CultureInfo.InvariantCulture), Cell(ws, "A2").CellValue!.Text);
        Assert.Equal("yyyy-mm-dd", NumberFormatCode(doc, Cell(ws, "A2")));
        Assert.Equal("2022-23", Text(doc, Cell(ws, "B2")));
        Assert.Equal("0022200001", Text(doc, Cell(ws, "C2")));
        Assert.Equal(CellValues.Number, Cell(ws, "D2").DataType!.Value);
        Assert.Equal("95.5", Cell(ws, "D2").CellValue!.Text);
        Assert.DoesNotContain(ws.Descendants<Cell>(), c => c.CellReference == "D3"); // empty text is an empty cell
        Assert.Equal(CellValues.Boolean, Cell(ws, "E3").DataType!.Value);
        Assert.Equal("0", Cell(ws, "E3").CellValue!.Text);
        Assert.Equal("12", Text(doc, Cell(ws, "F2")));
    }

    [Fact]
    public void Auto_filter_covers_the_used_range_and_the_header_row_is_frozen()
    {
        using var doc = RoundTrip(new[] { Coverage("Precompute", "OK", "Low", "Missing") });
        var ws = Sheet(doc, "Precompute");
        Assert.Equal("A1:J4", ws.Elements<AutoFilter>().Single().Reference!.Value);
        var pane = ws.Descendants<Pane>().Single();
        Assert.Equal(PaneStateValues.Frozen, pane.State!.Value);
        Assert.Equal(1.0, pane.VerticalSplit!.Value);
        Assert.Null(pane.HorizontalSplit);
        Assert.Equal("A2", pane.TopLeftCell!.Value);
        var filterName = doc.WorkbookPart!.Workbook.DefinedNames!.Elements<DefinedName>().Single(n => n.Name == "_xlnm._FilterDatabase");
        Assert.Equal("'Precompute'!$A$1:$J$4", filterName.Text);
        var printArea = doc.WorkbookPart!.Workbook.DefinedNames!.Elements<DefinedName>().Single(n => n.Name == "_xlnm.Print_Area");
        Assert.Equal("'Precompute'!$A$1:$J$4", printArea.Text);
    }

    [Fact]
    public void The_workbook_passes_the_Open_XML_schema_validator()
    {
        // What Excel checks on open: element order, required parts and attribute values.
        var typed = new WorkbookTable("Typed", new[] { "Date", "At", "Took", "Flag", "Notes" }, new[]
        {
            new object?[] { new DateOnly(2022, 10, 18), DateTime.UtcNow, TimeSpan.FromSeconds(5), false, new[] { "a", "b" } },
        });
        using var doc = RoundTrip(new[] { Coverage("Precompute", "OK", "Missing"), typed, new WorkbookTable("Empty", Array.Empty<string>(), Array.Empty<object?[]>()) }, title: "Coverage");
        var errors = new DocumentFormat.OpenXml.Validation.OpenXmlValidator(DocumentFormat.OpenXml.FileFormatVersions.Office2010).Validate(doc)
            .Select(e => $"{e.Path?.XPath}: {e.Description}").ToList();
        Assert.Empty(errors);
    }

    [Fact]
    public void A_title_goes_above_the_header_and_moves_the_filter_and_the_pane_down()
    {
        using var doc = RoundTrip(new[] { Coverage("Precompute", "OK", "Low") }, title: "Coverage 2022-23");
        var ws = Sheet(doc, "Precompute");
        Assert.Equal("Coverage 2022-23", Text(doc, Cell(ws, "A1")));
        Assert.Equal("Date", Text(doc, Cell(ws, "A2")));
        Assert.Equal("A2:J4", ws.Elements<AutoFilter>().Single().Reference!.Value);
        Assert.Equal(2.0, ws.Descendants<Pane>().Single().VerticalSplit!.Value);
        Assert.Equal("A3", ws.Descendants<Pane>().Single().TopLeftCell!.Value);
        Assert.Equal("Coverage 2022-23", doc.PackageProperties.Title);
    }

    [Fact]
    public void Status_cells_are_filled_red_amber_or_green_and_others_are_left_alone()
    {
        var statuses = new[] { "Incomplete", "Missing", "Failed", "Quarantined", "Low", "Warning", "OK", "Published", "Clean", "Cancelled", "ok" };
        using var doc = RoundTrip(new[] { Coverage("Precompute", statuses) });
        var ws = Sheet(doc, "Precompute");
        string? FillOf(int i) => FillRgb(doc, Cell(ws, $"H{i + 2}"));

        for (var i = 0; i < 4; i++) Assert.Equal(XlsxWriter.RedFill, FillOf(i));
        Assert.Equal(XlsxWriter.AmberFill, FillOf(4));
        Assert.Equal(XlsxWriter.AmberFill, FillOf(5));
        for (var i = 6; i < 9; i++) Assert.Equal(XlsxWriter.GreenFill, FillOf(i));
        Assert.Null(FillOf(9));                                           // Cancelled: not a coverage verdict
        Assert.Equal(XlsxWriter.GreenFill, FillOf(10));             // case-insensitive
        Assert.Null(FillRgb(doc, Cell(ws, "G2")));                        // only the Status column is coloured
        Assert.NotEqual(XlsxWriter.RedFill, XlsxWriter.GreenFill);
    }

    [Fact]
    public void Columns_are_sized_to_their_content_within_bounds()
    {
        var longReason = new string('x', 200);
        var table = new WorkbookTable("W", new[] { "Id", "Reason", "Date" }, new[] { new object?[] { 1, longReason, new DateOnly(2022, 10, 18) } });
        using var doc = RoundTrip(new[] { table });
        var widths = Sheet(doc, "W").Descendants<Column>().Select(c => c.Width!.Value).ToList();
        Assert.Equal(3, widths.Count);
        Assert.InRange(widths[0], 5, 10);
        Assert.Equal(60, widths[1]);
        Assert.InRange(widths[2], 11, 16);
    }

    [Fact]
    public void Printing_fits_the_page_width_unless_the_sheet_is_too_wide_to_read_shrunk()
    {
        var wide = new WorkbookTable("Wide", Enumerable.Range(0, 10).Select(i => $"C{i}").ToList(),
            new[] { Enumerable.Range(0, 10).Select(_ => (object?)new string('x', 80)).ToArray() });
        using var doc = RoundTrip(new[] { Coverage("Precompute", "OK"), wide });
        Assert.True(Sheet(doc, "Precompute").SheetProperties?.PageSetupProperties?.FitToPage?.Value);
        Assert.Equal(1u, Sheet(doc, "Precompute").Elements<PageSetup>().Single().FitToWidth!.Value);
        Assert.Null(Sheet(doc, "Wide").SheetProperties?.PageSetupProperties?.FitToPage);
        Assert.Null(Sheet(doc, "Wide").Elements<PageSetup>().Single().FitToWidth);
    }

    [Theory]
    [InlineData("Precompute", "Precompute")]
    [InlineData("a/b\\c:d*e?f[g]h", "a_b_c_d_e_f_g_h")]
    [InlineData("'quoted'", "quoted")]
    [InlineData("", "Sheet")]
    [InlineData("history", "history_")]
    [InlineData("nba_precompute.player_composite_factors", "nba_precompute.player_composite")]
    public void Sheet_names_follow_Excel_rules(string requested, string expected)
    {
        var name = XlsxWriter.SanitizeSheetName(requested);
        Assert.Equal(expected, name);
        Assert.InRange(name.Length, 1, 31);
    }

    [Fact]
    public void Duplicate_sheet_names_are_made_unique_within_31_characters()
    {
        var names = XlsxWriter.UniqueSheetNames(new[] { "Raw", "raw", "Raw", new string('n', 40), new string('n', 35) });
        Assert.Equal(new[] { "Raw", "raw (2)", "Raw (3)", new string('n', 31), new string('n', 27) + " (2)" }, names);

        using var doc = RoundTrip(new[] { Coverage("a:b", "OK"), Coverage("a/b", "OK") });
        Assert.Equal(new[] { "a_b", "a_b (2)" }, doc.WorkbookPart!.Workbook.Sheets!.Elements<Sheet>().Select(s => s.Name!.Value));
    }

    [Fact]
    public void No_tables_still_make_a_valid_workbook_with_one_sheet()
    {
        using var doc = RoundTrip(Array.Empty<WorkbookTable>());
        Assert.Single(doc.WorkbookPart!.Workbook.Sheets!.Elements<Sheet>());
    }

    [Fact]
    public void Write_refuses_to_overwrite_without_permission_and_leaves_the_file_unchanged()
    {
        var path = Path.Combine(_dir, "coverage.xlsx");
        XlsxWriter.Write(path, new[] { Coverage("Raw", "OK") });
        var before = File.ReadAllBytes(path);

        var ex = Assert.Throws<BackfillException>(() => XlsxWriter.Write(path, new[] { Coverage("Precompute", "Missing") }));
        Assert.Equal("WorkbookExists", ex.ErrorId);
        Assert.Equal(ErrorKind.ResourceExists, ex.Kind);
        Assert.Equal(before, File.ReadAllBytes(path));

        XlsxWriter.Write(path, new[] { Coverage("Precompute", "Missing") }, overwrite: true);
        using (var doc = SpreadsheetDocument.Open(path, false))
            Assert.Equal("Precompute", doc.WorkbookPart!.Workbook.Sheets!.Elements<Sheet>().Single().Name!.Value);
        Assert.Equal(new[] { "coverage.xlsx" }, Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void Write_to_a_missing_directory_fails_and_writes_nothing()
    {
        var path = Path.Combine(_dir, "nope", "coverage.xlsx");
        var ex = Assert.Throws<BackfillException>(() => XlsxWriter.Write(path, new[] { Coverage("Raw", "OK") }));
        Assert.Equal("WorkbookDirectoryNotFound", ex.ErrorId);
        Assert.Equal(ErrorKind.ObjectNotFound, ex.Kind);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void A_row_wider_than_the_header_is_rejected_before_anything_is_written()
    {
        var path = Path.Combine(_dir, "bad.xlsx");
        var table = new WorkbookTable("Bad", new[] { "A" }, new[] { new object?[] { 1, 2 } });
        Assert.Throws<ArgumentException>(() => XlsxWriter.Write(path, new[] { table }));
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }
}
