using BackfillTools.Core;
using BackfillTools.Core.Backfill;
using BackfillTools.Core.Processors;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using Xunit;

namespace BackfillTools.Tests.Backfill;

/// <summary>
/// Undo's change detection on TDZA, which had no data_hash before it was written in every output: a value changed
/// outside the product with processed_at kept is still seen, because the writer's data_hash no longer matches.
/// </summary>
public sealed class UndoChangeDetectionTests(SampleWarehouseFixture fixture) : IClassFixture<SampleWarehouseFixture>
{
    [Fact]
    public void A_TDZA_value_changed_with_processed_at_kept_is_refused_then_forced_on_DuckDB()
    {
        using var w = WarehouseService.Open(fixture.NewCopy());
        var tdza = PrecomputeTables.Tdza.Placeholder;
        var empty = UndoScenario.Snapshot(w);
        var results = ScopedPublishTests.RunBackfill(w, UndoScenario.Request(ProcessorName.TDZA));
        var runId = results[0].RunId;
        Assert.Contains(results, r => r.Status == PartitionStatus.Published && r.RowsInserted > 0);

        // The stored hash is the documented function of the stored values, recomputed here from the table.
        var rowHash = ((SqlProcessor)ProcessorCatalog.Create(ProcessorName.TDZA)).RowHashExpression();
        Assert.Equal(0, w.ScalarInt64($"SELECT COUNT(*) FROM {tdza} WHERE data_hash IS NULL OR data_hash <> {rowHash}"));
        Assert.True(w.ScalarInt64($"SELECT COUNT(*) FROM {tdza}") > 0);

        // Someone else rewrites one owned value of one row of D2 (with its own data_hash, as production's processors
        // do) and keeps processed_at.
        var row = w.Query($"SELECT team_abbr, processed_at FROM {tdza} WHERE analysis_date = DATE '{UndoScenario.D2:yyyy-MM-dd}' ORDER BY team_abbr LIMIT 1").Rows[0];
        var team = (string)row[0]!;
        var where = $"analysis_date = DATE '{UndoScenario.D2:yyyy-MM-dd}' AND team_abbr = '{team}'";
        w.Execute($"UPDATE {tdza} SET opponent_points_per_game = opponent_points_per_game + 1 WHERE {where}");
        w.Execute($"UPDATE {tdza} SET data_hash = {rowHash} WHERE {where}");
        Assert.Equal(row[1], w.Query($"SELECT processed_at FROM {tdza} WHERE {where}").Rows[0][0]);
        var edited = UndoScenario.Snapshot(w);

        // Refused: the edited date is named, nothing is written.
        var refused = Assert.Throws<BackfillException>(() => UndoScenario.Undo(w, runId));
        Assert.Equal(UndoService.PartitionsChangedErrorId, refused.ErrorId);
        Assert.Contains($"{UndoScenario.D2:yyyy-MM-dd} TDZA", refused.Message);
        Assert.DoesNotContain($"{UndoScenario.D1:yyyy-MM-dd} TDZA", refused.Message);
        Assert.Equal(edited, UndoScenario.Snapshot(w));

        // -Force restores the state before the run (no rows), and reports the changed partition as forced.
        var forced = UndoScenario.Undo(w, runId, force: true);
        Assert.Contains(forced, r => r.Date == UndoScenario.D2 && r.Forced && r.ChangedSince is not null);
        Assert.DoesNotContain(forced, r => r.Date != UndoScenario.D2 && r.Forced);
        Assert.Equal(empty, UndoScenario.Snapshot(w));
    }
}
