using BackfillTools.Samples;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Tests.Backfill;

/// <summary>One generated season (2022-23, with the StaleUpcg incident) shared by a test class; tests work on copies.</summary>
public sealed class SampleWarehouseFixture : IDisposable
{
    public SampleWarehouseFixture()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("bft-bf-").FullName;
        TemplatePath = Path.Combine(Directory, "template.duckdb");
        WarehouseService.CreateDuckDb(TemplatePath, overwrite: false,
            w => SampleLeague.Generate(w, new SampleLeagueOptions(new[] { "2022-23" }, new[] { "StaleUpcg" })));
    }

    public string Directory { get; }
    public string TemplatePath { get; }

    public WarehouseConnection NewCopy()
    {
        var path = Path.Combine(Directory, $"w-{Guid.NewGuid():N}.duckdb");
        File.Copy(TemplatePath, path);
        return WarehouseConnection.DuckDb(path);
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
