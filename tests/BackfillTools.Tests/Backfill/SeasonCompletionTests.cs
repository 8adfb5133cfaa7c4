using BackfillTools.Core;
using BackfillTools.Samples;
using Xunit;

namespace BackfillTools.Tests.Backfill;

/// <summary>-Season completion comes from the calendar (no warehouse query), not from the sample league.</summary>
public sealed class SeasonCompletionTests
{
    [Theory]
    [InlineData("2026-12-03", "2026-27", "2017-18")]   // in season: the current season first
    [InlineData("2026-09-30", "2025-26", "2016-17")]   // before October the season is still last year's
    public void Recent_labels_start_with_the_current_season_and_go_back(string today, string newest, string oldest)
    {
        var labels = Season.RecentLabels(DateOnly.Parse(today), SeasonCompleter.SeasonsOffered).ToList();
        Assert.Equal(SeasonCompleter.SeasonsOffered, labels.Count);
        Assert.Equal(newest, labels[0]);
        Assert.Equal(oldest, labels[^1]);
        Assert.Equal(labels.OrderByDescending(l => l, StringComparer.Ordinal), labels);
    }

    [Fact]
    public void The_warehouse_cmdlets_complete_the_calendar_seasons_and_New_BackfillWarehouse_the_sample_ones()
    {
        var seasons = new SeasonCompleter().CompleteArgument("Test-Coverage", "Season", "", null!, null!).Select(c => c.CompletionText).ToList();
        Assert.Equal(Season.LabelOf(DateOnly.FromDateTime(DateTime.UtcNow)), seasons[0]);
        Assert.Contains(Season.Label(Season.YearOf(DateOnly.FromDateTime(DateTime.UtcNow)) - 1), seasons);
        Assert.Equal(SampleLeague.AllSeasons, new SampleSeasonCompleter().CompleteArgument("New-BackfillWarehouse", "Season", "", null!, null!).Select(c => c.CompletionText));
        var previous = seasons[1];
        Assert.Equal(new[] { previous }, new SeasonCompleter().CompleteArgument("Test-Coverage", "Season", "'" + previous[..4], null!, null!).Select(c => c.CompletionText));
    }
}
