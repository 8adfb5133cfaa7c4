using BackfillTools.Core.Backfill;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse.BigQuery;
using BackfillTools.Tests.Backfill;
using Xunit;

namespace BackfillTools.Tests.BigQuery;

/// <summary>Undo-BackfillRun through the BigQuery adapter (over the fake service): the scenarios of UndoTests.</summary>
public sealed class UndoOverBigQueryTests : IDisposable
{
    private readonly FakeBigQuery _fake = new() { DefaultPageSize = 1000, IncompletePolls = 0 };

    public void Dispose() => _fake.Dispose();

    private BigQueryWarehouse Open()
    {
        var w = BigQueryTestHost.Open(_fake, pageSize: 1000);
        new Migrator().Upgrade(w);
        SampleLeague.Generate(w, new SampleLeagueOptions(new[] { "2022-23" }, new[] { "StaleUpcg" }));
        return w;
    }

    private static BackfillResult[] Backfill(IWarehouse w, BackfillRequest r) => ScopedPublishTests.RunBackfill(w, r);

    [Fact] public void Undo_of_a_first_time_publish_removes_its_rows_on_BigQuery() { using var w = Open(); UndoScenario.FirstTimePublish(w, Backfill); }
    [Fact] public void Undo_after_a_later_run_is_refused_then_forced_on_BigQuery() { using var w = Open(); UndoScenario.AfterALaterRun(w, Backfill); }
    [Fact] public void Undo_of_a_partial_run_restores_what_it_published_on_BigQuery() { using var w = Open(); UndoScenario.PartialRun(w, Backfill); }
    [Fact] public void A_killed_undo_leaves_no_partly_restored_date_and_a_rerun_completes_it_on_BigQuery() { using var w = Open(); UndoScenario.KilledUndo(w, Backfill); }
    [Fact] public void The_archive_keeps_two_versions_and_prunes_older_ones_after_thirty_days_on_BigQuery() { using var w = Open(); UndoScenario.Pruning(w, Backfill); }
    [Fact] public void A_deleted_row_comes_back_with_the_columns_production_migrations_added_on_BigQuery() { using var w = Open(); UndoScenario.MigrationColumnsComeBack(w, Backfill); }
    [Fact] public void Waivers_added_before_and_after_a_run_survive_its_undo_unchanged_on_BigQuery() { using var w = Open(); UndoScenario.WaiversUntouched(w, Backfill); }
    [Fact] public void The_January_incident_is_undone_byte_for_byte_on_BigQuery() { using var w = Open(); UndoScenario.JanuaryIncident(w, Backfill); }
}
