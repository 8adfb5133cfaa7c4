using BackfillTools.Core;
using BackfillTools.Samples;
using Xunit;

namespace BackfillTools.Tests.Samples;

/// <summary>The matchup generator must succeed for any -Seed a user passes, not only the default.</summary>
public sealed class SampleScheduleTests
{
    public static TheoryData<int> Seeds => new() { 1, 2, 7, 42, 1234, 99_999, int.MaxValue, -5 };

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Generated_seasons_are_valid_for_any_seed(int seed)
    {
        foreach (var year in new[] { 2021, 2022, 2023 })
        {
            var games = SampleSchedule.For(year, seed);
            var real = SampleData.IdsAndDates(Season.Label(year));
            Assert.Equal(real.Select(x => (x.GameId, x.Date)).OrderBy(x => x.GameId),
                games.Select(g => (g.NbaGameId, g.Date)).OrderBy(x => x.NbaGameId));
            var byTeam = games.SelectMany(g => new[] { (Team: g.Home, Home: true, g.Date), (Team: g.Away, Home: false, g.Date) })
                .GroupBy(x => x.Team).ToList();
            Assert.Equal(30, byTeam.Count);
            Assert.All(byTeam, t =>
            {
                Assert.Equal(82, t.Count());
                Assert.Equal(41, t.Count(x => x.Home));
                Assert.Equal(82, t.Select(x => x.Date).Distinct().Count());
            });
            Assert.All(games, g => Assert.NotEqual(g.Home, g.Away));
        }
    }
}
