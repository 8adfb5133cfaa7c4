namespace BackfillTools.Core.Domain;

/// <summary>
/// The stable ErrorIds of the product's terminating errors (<see cref="BackfillException.ErrorId"/>), which operators'
/// runbooks match on: a released id never changes. A partition result's ids are <see cref="PartitionErrors"/>; the
/// BigQuery adapter's other translations of BigQuery's own reasons are BigQueryErrors'.
/// </summary>
public static class ErrorIds
{
    // Bad input: the caller's arguments.
    public const string InvalidDateRange = nameof(InvalidDateRange);
    public const string InvalidSeason = nameof(InvalidSeason);
    public const string UnknownSeason = nameof(UnknownSeason);
    public const string NoSeason = nameof(NoSeason);
    public const string NoDates = nameof(NoDates);
    public const string NoGameDates = nameof(NoGameDates);
    public const string InvalidThreshold = nameof(InvalidThreshold);
    public const string InvalidGameId = nameof(InvalidGameId);
    public const string UnknownProcessor = nameof(UnknownProcessor);
    public const string InvalidArchiveRetention = nameof(InvalidArchiveRetention);
    public const string InvalidScale = nameof(InvalidScale);
    public const string UnknownScenario = nameof(UnknownScenario);
    public const string ScenarioNeedsSeason = nameof(ScenarioNeedsSeason);
    public const string SampleOptionsWithoutSampleData = nameof(SampleOptionsWithoutSampleData);
    public const string SheetByPropertyNotFound = nameof(SheetByPropertyNotFound);

    // The warehouse and the connection to it.
    public const string NoWarehouse = nameof(NoWarehouse);
    public const string WarehouseNotFound = nameof(WarehouseNotFound);
    public const string WarehouseDirectoryNotFound = nameof(WarehouseDirectoryNotFound);
    public const string WarehousePathIsDirectory = nameof(WarehousePathIsDirectory);
    public const string WarehouseExists = nameof(WarehouseExists);
    public const string WarehouseNotEmpty = nameof(WarehouseNotEmpty);
    public const string WarehouseNotDuckDb = nameof(WarehouseNotDuckDb);
    public const string WarehouseNotWritable = nameof(WarehouseNotWritable);
    public const string WarehouseLocked = nameof(WarehouseLocked);
    public const string WarehouseOpenFailed = nameof(WarehouseOpenFailed);
    public const string WarehouseSchemaTooNew = nameof(WarehouseSchemaTooNew);
    public const string SchemaMismatch = nameof(SchemaMismatch);
    public const string DatasetPrefixRequired = nameof(DatasetPrefixRequired);
    public const string UnlabeledDatasets = nameof(UnlabeledDatasets);
    public const string InvalidToolDataset = nameof(InvalidToolDataset);
    public const string ToolDatasetIsProduction = nameof(ToolDatasetIsProduction);
    public const string InvalidEndpoint = nameof(InvalidEndpoint);
    public const string InsecureEndpoint = nameof(InsecureEndpoint);
    public const string InvalidEmulatorHost = nameof(InvalidEmulatorHost);
    public const string BigQueryProjectMissing = nameof(BigQueryProjectMissing);
    public const string BigQueryCredentialsNotFound = nameof(BigQueryCredentialsNotFound);

    // Runs, their lock and their budget.
    public const string RunNotFound = nameof(RunNotFound);
    /// <summary>The run named for undo is itself an undo: an undo is reverted by re-running the backfill, not by undoing it.</summary>
    public const string RunIsAnUndo = nameof(RunIsAnUndo);
    public const string BackfillInProgress = nameof(BackfillInProgress);
    public const string LockLost = nameof(LockLost);
    public const string LeaseExpired = nameof(LeaseExpired);
    public const string PreflightFailed = nameof(PreflightFailed);
    public const string ProcessorStatementFailed = nameof(ProcessorStatementFailed);
    public const string CostBudgetExceeded = nameof(CostBudgetExceeded);
    /// <summary>BigQuery refused DML on rows still in a table's streaming buffer; a partition fails with it and can be retried.</summary>
    public const string StreamingBufferBusy = nameof(StreamingBufferBusy);

    // Waivers.
    public const string InvalidWaiverReason = nameof(InvalidWaiverReason);
    public const string WaiverExists = nameof(WaiverExists);
    public const string WaiverNotFound = nameof(WaiverNotFound);

    // Stale-context cleanup and its backups.
    public const string UpcomingDateRefused = nameof(UpcomingDateRefused);
    public const string InvalidBackupTable = nameof(InvalidBackupTable);
    public const string BackupNotFound = nameof(BackupNotFound);
    public const string BackupIncomplete = nameof(BackupIncomplete);
    public const string DeleteNotVerified = nameof(DeleteNotVerified);

    // The xlsx workbook.
    public const string WorkbookExists = nameof(WorkbookExists);
    public const string WorkbookPathIsDirectory = nameof(WorkbookPathIsDirectory);
    public const string WorkbookDirectoryNotFound = nameof(WorkbookDirectoryNotFound);
    public const string WorkbookNotWritable = nameof(WorkbookNotWritable);
    public const string WorkbookTooLarge = nameof(WorkbookTooLarge);

    // Ids raised in one place each, named here so every id the product reports is listed in one file.
    /// <summary>A game id (NBA or standard form) that is not in the schedule.</summary>
    public const string GameIdNotFound = nameof(GameIdNotFound);
    /// <summary>The file opened is not a BackfillTools warehouse; nothing was changed.</summary>
    public const string NotABackfillWarehouse = nameof(NotABackfillWarehouse);
    /// <summary>An alert webhook that is not an https URL the product can post to (its value never appears in the message).</summary>
    public const string InvalidWebhook = nameof(InvalidWebhook);
    /// <summary>The lock row a run holds is gone: another process removed it.</summary>
    public const string BackfillLockMissing = nameof(BackfillLockMissing);
    /// <summary>A BigQuery job did not finish in the time allowed.</summary>
    public const string BigQueryJobTimeout = nameof(BigQueryJobTimeout);
    /// <summary>BigQuery (or a proxy) answered with something that is not the expected JSON.</summary>
    public const string BigQueryBadResponse = nameof(BigQueryBadResponse);
    /// <summary>BigQuery could not be reached.</summary>
    public const string BigQueryUnavailable = nameof(BigQueryUnavailable);
}
