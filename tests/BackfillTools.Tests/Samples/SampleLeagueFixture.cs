using System.Globalization;
using System.Text.Json;
using BackfillTools.Samples;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;

namespace BackfillTools.Tests.Samples;

/// <summary>A temp-file warehouse holding one generation; deleted with the fixture.</summary>
public sealed class GeneratedWarehouse : IDisposable
{
    private readonly string _dir;

    public GeneratedWarehouse(SampleLeagueOptions options, IProgress<ProgressInfo>? progress = null)
    {
        _dir = Path.Combine(Path.GetTempPath(), "bt-sample-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        Warehouse = DuckDbWarehouse.Open(Path.Combine(_dir, "league.duckdb"), create: true);
        new Migrator().Upgrade(Warehouse);
        Summary = SampleLeague.Generate(Warehouse, options, progress);
    }

    public DuckDbWarehouse Warehouse { get; }
    public SampleLeagueSummary Summary { get; }

    public long Scalar(string sql) => Warehouse.ScalarInt64(sql);

    public double Real(string sql) => Convert.ToDouble(Warehouse.Query(sql).Rows[0][0], CultureInfo.InvariantCulture);

    public QueryResult Query(string sql) => Warehouse.Query(sql);

    /// <summary>Order-independent fingerprint of a table's contents, computed in SQL.</summary>
    public string Checksum(string table) =>
        Convert.ToString(Warehouse.Query($"SELECT count(*) || ':' || CAST(sum(hash(t)) AS VARCHAR) FROM {table} t").Rows[0][0], CultureInfo.InvariantCulture)!;

    public void Dispose()
    {
        Warehouse.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}

/// <summary>All four seasons, default options (no scenarios), generated once for the class.</summary>
public sealed class FullLeagueFixture : IDisposable
{
    public FullLeagueFixture()
    {
        var progress = new ListProgress();
        League = new GeneratedWarehouse(new SampleLeagueOptions(SampleLeague.AllSeasons, Array.Empty<string>()), progress);
        Progress = progress.Reports;
    }

    public GeneratedWarehouse League { get; }
    public IReadOnlyList<ProgressInfo> Progress { get; }

    public void Dispose() => League.Dispose();
}

/// <summary>Synchronous progress sink (Progress&lt;T&gt; posts to the thread pool, which would race the assertions).</summary>
public sealed class ListProgress : IProgress<ProgressInfo>
{
    public List<ProgressInfo> Reports { get; } = new();
    public void Report(ProgressInfo value) => Reports.Add(value);
}

/// <summary>The shipped calibration targets (the same embedded file the generator documents itself against).</summary>
public static class Calibration
{
    private static readonly Lazy<JsonElement> Root = new(() => JsonDocument.Parse(SampleData.ReadResource("calibration_stats.json")).RootElement);

    public static JsonElement Boxscore => Root.Value.GetProperty("boxscore");

    public static double Get(params string[] path)
    {
        var e = Root.Value;
        foreach (var p in path) e = e.GetProperty(p);
        return e.GetDouble();
    }
}
