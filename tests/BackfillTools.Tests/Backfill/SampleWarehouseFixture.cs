using BackfillTools.Samples;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Tests.Backfill;

/// <summary>One generated season (2022-23, with the StaleUpcg incident) shared by a test class; tests work on copies.</summary>
public sealed class SampleWarehouseFixture : IDisposable
{
    public SampleWarehouseFixture()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("bft-bf-").FullName;
        TemplatePath = SampleSeasonTemplate.Path;
    }

    public string Directory { get; }

    /// <summary>The generated season (read-only: shared by every class of the test process).</summary>
    public string TemplatePath { get; }

    public WarehouseConnection NewCopy()
    {
        var path = Path.Combine(Directory, $"w-{Guid.NewGuid():N}.duckdb");
        File.Copy(TemplatePath, path);
        return WarehouseConnection.DuckDb(path);
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}

/// <summary>
/// The 2022-23 season with the StaleUpcg incident as a DuckDB warehouse file, generated once per test process (the
/// classes that start from it only ever copy it) and deleted when the process exits.
/// </summary>
public static class SampleSeasonTemplate
{
    private static readonly Lazy<string> Template = new(() =>
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("bft-season-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { System.IO.Directory.Delete(dir, recursive: true); } catch (IOException) { /* best effort */ }
        };
        var path = System.IO.Path.Combine(dir, "template.duckdb");
        WarehouseService.CreateDuckDb(path, overwrite: false,
            w => SampleLeague.Generate(w, new SampleLeagueOptions(new[] { "2022-23" }, new[] { "StaleUpcg" })));
        return path;
    });

    public static string Path => Template.Value;
}
