# The bad-input catalogue: every case fails with a stable ErrorId and a message that says what to do, and the
# warehouse file is unchanged afterwards.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:dir = New-TestDirectory
    $script:db = Join-Path $dir 'backfill.duckdb'
    New-BackfillWarehouse -Path $db -SampleData -Season 2022-23 -Scenario StaleUpcg | Out-Null
    $script:firstRun = (Invoke-Backfill -StartDate 2022-12-01 -EndDate 2022-12-02 -Processor TDZA -WarningAction SilentlyContinue)[0].RunId
    # Undo's refusals need a run republished since (the first one, by this second run) and a run that is itself an undo.
    Invoke-Backfill -StartDate 2022-12-01 -EndDate 2022-12-02 -Processor TDZA -WarningAction SilentlyContinue | Out-Null
    $undone = (Invoke-Backfill -Date 2022-12-03 -Processor TDZA -WarningAction SilentlyContinue)[0].RunId
    $script:undoRun = (Undo-BackfillRun -RunId $undone -Confirm:$false)[0].UndoRunId
    $script:empty = Join-Path $dir 'empty.duckdb'
    New-BackfillWarehouse -Path $empty | Out-Null
    Connect-BackfillWarehouse -Path $db | Out-Null
    $script:sum = Get-FileChecksum $db
    $script:emptySum = Get-FileChecksum $empty
    $script:future = (Get-Date).AddDays(5).ToString('yyyy-MM-dd')
    $script:sqlish = "x'; DROP TABLE nba_raw.nbac_schedule; --"
    Set-Content (Join-Path $dir 'existing.xlsx') 'not a workbook'
}
AfterAll { Remove-Item $script:dir -Recurse -Force -ErrorAction SilentlyContinue }

Describe 'Bad input' {
    It '<Cmdlet>: <Case> -> <Id>' -ForEach @(
        @{ Cmdlet = 'Invoke-Backfill'; Case = 'reversed range'; Id = 'InvalidDateRange'; Call = { Invoke-Backfill -StartDate 2022-12-05 -EndDate 2022-12-01 } }
        @{ Cmdlet = 'Invoke-Backfill'; Case = 'future end date'; Id = 'FutureDate'; Call = { Invoke-Backfill -StartDate 2022-12-01 -EndDate $future } }
        @{ Cmdlet = 'Invoke-Backfill'; Case = 'future -Date'; Id = 'FutureDate'; Call = { Invoke-Backfill -Date $future } }
        @{ Cmdlet = 'Invoke-Backfill'; Case = 'unknown processor'; Id = 'UnknownProcessor'; Call = { Invoke-Backfill -Season 2022-23 -Processor ABC } }
        @{ Cmdlet = 'Invoke-Backfill'; Case = 'SQL-looking processor'; Id = 'UnknownProcessor'; Call = { Invoke-Backfill -Season 2022-23 -Processor $sqlish } }
        @{ Cmdlet = 'Invoke-Backfill'; Case = 'malformed season'; Id = 'InvalidSeason'; Call = { Invoke-Backfill -Season 'last year' } }
        @{ Cmdlet = 'Invoke-Backfill'; Case = 'SQL-looking season'; Id = 'InvalidSeason'; Call = { Invoke-Backfill -Season $sqlish } }
        @{ Cmdlet = 'Invoke-Backfill'; Case = 'season not in the schedule'; Id = 'UnknownSeason'; Call = { Invoke-Backfill -Season 2018-19 } }
        @{ Cmdlet = 'Invoke-Backfill'; Case = 'Warn below Min'; Id = 'InvalidThreshold'; Call = { Invoke-Backfill -Season 2022-23 -MinCoverage 80 -WarnCoverage 70 } }
        @{ Cmdlet = 'Invoke-Backfill'; Case = 'Min above 100'; Id = 'ParameterArgumentValidationError'; Call = { Invoke-Backfill -Season 2022-23 -MinCoverage 150 } }
        @{ Cmdlet = 'Invoke-Backfill'; Case = 'ThrottleLimit 0'; Id = 'ParameterArgumentValidationError'; Call = { Invoke-Backfill -Season 2022-23 -ThrottleLimit 0 } }
        @{ Cmdlet = 'Invoke-Backfill'; Case = 'non-http webhook'; Id = 'InvalidWebhook'; Call = { Invoke-Backfill -Season 2022-23 -AlertWebhook 'ftp://example.invalid/x' } }
        @{ Cmdlet = 'Invoke-Backfill'; Case = 'relative webhook'; Id = 'InvalidWebhook'; Call = { Invoke-Backfill -Season 2022-23 -AlertWebhook 'hooks.slack.com/services/T0/B0/x' } }
        @{ Cmdlet = 'Invoke-Backfill'; Case = 'webhook port out of range'; Id = 'InvalidWebhook'; Call = { Invoke-Backfill -Season 2022-23 -AlertWebhook 'https://hooks.slack.com:99999/services/x' } }
        @{ Cmdlet = 'Invoke-Backfill'; Case = 'plain-http webhook to another machine'; Id = 'InvalidWebhook'; Call = { Invoke-Backfill -Season 2022-23 -AlertWebhook 'http://hooks.slack.com/services/x' } }
        @{ Cmdlet = 'Invoke-Backfill'; Case = 'unknown run to resume'; Id = 'RunNotFound'; Call = { Invoke-Backfill -Resume 'nope' } }
        @{ Cmdlet = 'Invoke-Backfill'; Case = 'SQL-looking run id'; Id = 'RunNotFound'; Call = { Invoke-Backfill -Resume $sqlish } }
        @{ Cmdlet = 'Invoke-Backfill'; Case = 'unknown run to retry'; Id = 'RunNotFound'; Call = { Invoke-Backfill -RetryFailed -RunId 'nope' } }
        @{ Cmdlet = 'Invoke-Backfill'; Case = 'piped object of the wrong type'; Id = 'InputObjectNotBound'; Call = { [pscustomobject]@{ Foo = 1 } | Invoke-Backfill } }
        @{ Cmdlet = 'Invoke-Backfill'; Case = 'piped text that is not a date'; Id = 'ParameterArgumentTransformationError'; Call = { [pscustomobject]@{ Date = 'yesterday-ish' } | Invoke-Backfill } }
        @{ Cmdlet = 'Undo-BackfillRun'; Case = 'an unknown run'; Id = 'RunNotFound'; Category = 'ObjectNotFound'; Call = { Undo-BackfillRun -RunId '20221201000000-deadbeef' -Confirm:$false } }
        @{ Cmdlet = 'Undo-BackfillRun'; Case = 'a malformed run id'; Id = 'RunNotFound'; Category = 'ObjectNotFound'; Call = { Undo-BackfillRun -RunId 'last night' -Confirm:$false } }
        @{ Cmdlet = 'Undo-BackfillRun'; Case = 'a SQL-looking run id'; Id = 'RunNotFound'; Category = 'ObjectNotFound'; Call = { Undo-BackfillRun -RunId $sqlish -Confirm:$false } }
        @{ Cmdlet = 'Undo-BackfillRun'; Case = 'an empty run id'; Id = 'ParameterArgumentValidationError*'; Category = 'InvalidData'; Call = { Undo-BackfillRun -RunId '' -Confirm:$false } }
        @{ Cmdlet = 'Undo-BackfillRun'; Case = 'a run that is itself an undo'; Id = 'RunIsAnUndo'; Category = 'InvalidOperation'; Call = { Undo-BackfillRun -RunId $undoRun -Confirm:$false } }
        @{ Cmdlet = 'Undo-BackfillRun'; Case = 'an undo of an undo under -WhatIf'; Id = 'RunIsAnUndo'; Category = 'InvalidOperation'; Call = { Undo-BackfillRun -RunId $undoRun -WhatIf } }
        @{ Cmdlet = 'Undo-BackfillRun'; Case = 'a run republished since, without -Force'; Id = 'UndoPartitionsChanged'; Category = 'InvalidOperation'; Call = { Undo-BackfillRun -RunId $firstRun -Confirm:$false } }
        @{ Cmdlet = 'Test-Coverage'; Case = 'reversed range'; Id = 'InvalidDateRange'; Call = { Test-Coverage -StartDate 2023-01-05 -EndDate 2023-01-01 } }
        @{ Cmdlet = 'Test-Coverage'; Case = 'unknown processor'; Id = 'UnknownProcessor'; Call = { Test-Coverage -Season 2022-23 -Processor $sqlish } }
        @{ Cmdlet = 'Test-Coverage'; Case = 'malformed season'; Id = 'InvalidSeason'; Call = { Test-Coverage -Season '2022/23' } }
        @{ Cmdlet = 'Get-SeasonReport'; Case = 'malformed season'; Id = 'InvalidSeason'; Call = { Get-SeasonReport -Season $sqlish } }
        @{ Cmdlet = 'Get-BackfillFailure'; Case = 'unknown processor'; Id = 'UnknownProcessor'; Call = { Get-BackfillFailure -Processor XYZ } }
        @{ Cmdlet = 'Clear-StaleUpcg'; Case = 'an upcoming date'; Id = 'UpcomingDateRefused'; Call = { Clear-StaleUpcg -Date $future -Confirm:$false } }
        @{ Cmdlet = 'Restore-StaleUpcg'; Case = 'a table that is not a backup'; Id = 'InvalidBackupTable'; Call = { Restore-StaleUpcg -BackupTable 'nba_raw.nbac_schedule' -Confirm:$false } }
        @{ Cmdlet = 'Restore-StaleUpcg'; Case = 'SQL-looking backup name'; Id = 'InvalidBackupTable'; Call = { Restore-StaleUpcg -BackupTable $sqlish -Confirm:$false } }
        @{ Cmdlet = 'Restore-StaleUpcg'; Case = 'a missing backup'; Id = 'BackupNotFound'; Call = { Restore-StaleUpcg -BackupTable 'upcg_backup_20000101_000000' -Confirm:$false } }
        @{ Cmdlet = 'ConvertTo-GameId'; Case = 'a malformed id'; Id = 'InvalidGameId'; Call = { ConvertTo-GameId -GameId $sqlish -ErrorAction Stop } }
        @{ Cmdlet = 'ConvertTo-GameId'; Case = 'an unknown id'; Id = 'GameIdNotFound'; Call = { ConvertTo-GameId -GameId '0022299999' -ErrorAction Stop } }
        @{ Cmdlet = 'Export-CoverageWorkbook'; Case = 'a missing directory'; Id = 'WorkbookDirectoryNotFound'; Call = { [pscustomobject]@{ Status = 'OK' } | Export-CoverageWorkbook -Path (Join-Path $dir 'no/such/dir.xlsx') } }
        @{ Cmdlet = 'Export-CoverageWorkbook'; Case = 'an existing file without -Force'; Id = 'WorkbookExists'; Call = { [pscustomobject]@{ Status = 'OK' } | Export-CoverageWorkbook -Path (Join-Path $dir 'existing.xlsx') } }
        @{ Cmdlet = 'New-BackfillWarehouse'; Case = 'an existing warehouse without -Force'; Id = 'WarehouseExists'; Call = { New-BackfillWarehouse -Path $db } }
        @{ Cmdlet = 'New-BackfillWarehouse'; Case = 'an unknown scenario'; Id = 'UnknownScenario'; Call = { New-BackfillWarehouse -Path (Join-Path $dir 'n.duckdb') -SampleData -Scenario $sqlish } }
        @{ Cmdlet = 'New-BackfillWarehouse'; Case = 'a scale out of range'; Id = 'InvalidScale'; Call = { New-BackfillWarehouse -Path (Join-Path $dir 'n.duckdb') -SampleData -Scale 99 } }
        @{ Cmdlet = 'Connect-BackfillWarehouse'; Case = 'Google over plain http'; Id = 'InsecureEndpoint'; Call = { Connect-BackfillWarehouse -BigQueryProject 'fake-proj-123' -Endpoint 'http://bigquery.googleapis.com/' } }
        @{ Cmdlet = 'Connect-BackfillWarehouse'; Case = 'a plain-http emulator on another machine'; Id = 'InsecureEndpoint'; Call = { Connect-BackfillWarehouse -BigQueryProject 'fake-proj-123' -Endpoint 'http://emulator.example:9050/' } }
        @{ Cmdlet = 'Connect-BackfillWarehouse'; Case = 'a missing file'; Id = 'WarehouseNotFound'; Call = { Connect-BackfillWarehouse -Path (Join-Path $dir 'missing.duckdb') } }
        @{ Cmdlet = 'Connect-BackfillWarehouse'; Case = 'a file that is not a database'; Id = 'WarehouseNotDuckDb'; Call = { Connect-BackfillWarehouse -Path (Join-Path $dir 'existing.xlsx') } }
    ) {
        $err = Get-ThrownError $Call
        $err | Should -Not -BeNullOrEmpty -Because "$Cmdlet must refuse $Case"
        $err.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        if ($_.ContainsKey('Category')) { "$($err.CategoryInfo.Category)" | Should -Be $_.Category }
        $err.Exception.Message.Length | Should -BeGreaterThan 20
        Get-FileChecksum $db | Should -Be $sum
        Connect-BackfillWarehouse -Path $db | Out-Null
    }

    It 'an empty schedule: Invoke-Backfill says there is nothing to backfill, and writes nothing' {
        Connect-BackfillWarehouse -Path $empty | Out-Null
        try {
            $err = Get-ThrownError { Invoke-Backfill -StartDate 2022-12-01 -EndDate 2022-12-31 }
            $err.FullyQualifiedErrorId | Should -BeLike 'NoGameDates,*'
            Get-FileChecksum $empty | Should -Be $emptySum
        }
        finally { Connect-BackfillWarehouse -Path $db | Out-Null }
    }
}
