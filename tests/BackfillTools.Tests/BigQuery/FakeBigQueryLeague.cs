using System.Collections.Concurrent;
using BackfillTools.Core.Schema;
using BackfillTools.Samples;

namespace BackfillTools.Tests.BigQuery;

/// <summary>
/// The migrated warehouse with a generated sample league, as the tests over the fake BigQuery start from. Generating a
/// season through the BigQuery adapter (load jobs over the fake) takes about a minute, so each league is generated once
/// per test process, exactly as a test would (Migrator, then SampleLeague.Generate over the adapter), snapshotted, and
/// every test gets its own fake holding a private copy.
/// </summary>
public static class FakeBigQueryLeague
{
    private static readonly ConcurrentDictionary<string, Lazy<FakeBigQuerySnapshot>> Snapshots = new();
    private static readonly Lazy<string> Directory = new(() =>
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("bft-fake-league-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { System.IO.Directory.Delete(dir, recursive: true); } catch (IOException) { /* best effort */ }
        };
        return dir;
    });

    /// <summary>A new fake holding the migrated warehouse and the sample league of <paramref name="seasons"/> with <paramref name="scenarios"/>.</summary>
    public static FakeBigQuery New(IReadOnlyList<string> seasons, IReadOnlyList<string>? scenarios = null)
    {
        scenarios ??= Array.Empty<string>();
        var key = string.Join(",", seasons) + "|" + string.Join(",", scenarios);
        var snapshot = Snapshots.GetOrAdd(key, _ => new Lazy<FakeBigQuerySnapshot>(() => Generate(seasons, scenarios))).Value;
        return new FakeBigQuery(snapshot);
    }

    /// <summary>2022-23 with no scenario, the league most tests over the fake use.</summary>
    public static FakeBigQuery Season2022(params string[] scenarios) => New(new[] { "2022-23" }, scenarios);

    private static FakeBigQuerySnapshot Generate(IReadOnlyList<string> seasons, IReadOnlyList<string> scenarios)
    {
        using var fake = new FakeBigQuery { RecordRequests = false, DefaultPageSize = 1000, IncompletePolls = 0 };
        using (var w = BigQueryTestHost.Open(fake, pageSize: 1000))
        {
            new Migrator().Upgrade(w);
            SampleLeague.Generate(w, new SampleLeagueOptions(seasons.ToArray(), scenarios.ToArray()));
        }
        return fake.Snapshot(Path.Combine(Directory.Value, $"league-{Guid.NewGuid():N}.duckdb"));
    }
}
