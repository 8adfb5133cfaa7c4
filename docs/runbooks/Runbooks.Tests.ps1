# Runs every runbook in docs/runbooks as an operator would and checks its outcome, from its summary object and
# independently from the warehouse and the files it wrote.
BeforeAll {
    . (Join-Path $PSScriptRoot '../../tests/pester/Common.ps1')
    $script:root = New-TestDirectory
    $script:runbooks = $PSScriptRoot

    # Runs a runbook script; its Write-Host narration is dropped, its objects returned.
    function Invoke-Runbook([string] $Name, [hashtable] $Arguments = @{}) {
        $path = Join-Path $script:runbooks $Name
        & $path @Arguments 6>$null
    }
    function Get-DateText($Dates) { @($Dates | ForEach-Object { $_.ToString('yyyy-MM-dd') } | Sort-Object) }
}
AfterAll { Remove-Item $script:root -Recurse -Force -ErrorAction SilentlyContinue }

Describe 'Every runbook' {
    It '<Name> is an advanced script with -WarehousePath and -ModulePath and stops on errors' -ForEach @(
        @{ Name = '01-January-incident.ps1' }, @{ Name = '02-validate-and-export.ps1' }
        @{ Name = '03-clean-stale-upcg.ps1' }, @{ Name = '04-resume-after-crash.ps1' }
        @{ Name = '05-undo-a-bad-backfill.ps1' }
    ) {
        $path = Join-Path $script:runbooks $Name
        $cmd = Get-Command $path
        $cmd.ScriptBlock.Ast.ParamBlock.Attributes.TypeName.Name | Should -Contain 'CmdletBinding'
        $cmd.Parameters.Keys | Should -Contain 'ErrorAction'
        $cmd.Parameters.Keys | Should -Contain 'WarehousePath'
        $cmd.Parameters.Keys | Should -Contain 'ModulePath'
        Get-Content $path -Raw | Should -Match "(?m)^\`$ErrorActionPreference = 'Stop'"
        # Without a module to import it refuses before touching any warehouse.
        $wh = Join-Path $script:root "nomodule-$Name.duckdb"
        { & $path -ModulePath '' -WarehousePath $wh 6>$null } | Should -Throw '*BACKFILLTOOLS_MODULE_PATH*'
        $wh | Should -Not -Exist
    }
}

Describe '01-January-incident.ps1 (repair by piping Test-Coverage into Invoke-Backfill)' {
    BeforeAll {
        $script:wh = Join-Path $script:root 'r01.duckdb'
        $script:r = Invoke-Runbook '01-January-incident.ps1' @{ WarehousePath = $wh; RepairMethod = 'Pipeline' }
    }

    It 'returns one summary object' {
        @($r).Count | Should -Be 1
        $r.WarehousePath | Should -Be $wh
        $wh | Should -Exist
    }

    It 'Find-StaleUpcg flags 2023-02-23 and 2023-02-24 as partial' {
        $r.PartialDates | Should -Be @('2023-02-23', '2023-02-24')
    }

    It 'the forced-UPCG replay quarantines PCF on both dates with CoverageBelowThreshold errors' {
        $r.ReplayQuarantinedPcf | Should -Be @('2023-02-23', '2023-02-24')
        $pcfErrors = @($r.ReplayErrors | Where-Object { $_.TargetObject.Processor -eq 'PCF' })
        $pcfErrors.Count | Should -Be 2
        $pcfErrors | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'CoverageBelowThreshold,*' }
        Get-DateText $pcfErrors.TargetObject.Date | Should -Be @('2023-02-23', '2023-02-24')
        # The ledger agrees: nothing of PCF was published by the replay run.
        $ledger = Invoke-TestSql -Path $wh -Sql "SELECT partition_date, status, source FROM backfilltools.backfill_partitions WHERE run_id = '$($r.ReplayRunId)' AND processor = 'PCF' ORDER BY partition_date"
        $ledger.status | Should -Be @('Quarantined', 'Quarantined')
        $ledger.source | Should -Be @('UPCG', 'UPCG')
    }

    It 'Test-Coverage explained both PCF dates as StaleUpcg before the repair' {
        $pcf = @($r.CoverageBefore | Where-Object Processor -eq 'PCF')
        $pcf.Count | Should -Be 2
        $pcf | ForEach-Object { $_.Reason | Should -Be 'StaleUpcg'; $_.Status | Should -BeIn 'Missing', 'Incomplete' }
    }

    It 'cleared the 69 stale rows into a backup table' {
        $r.Cleanup.RowsDeleted | Should -Be 69
        $r.Cleanup.RowsBackedUp | Should -Be 69
        (Invoke-TestSql -Path $wh -Sql "SELECT COUNT(*) AS n FROM $($r.Cleanup.BackupTable)").n | Should -Be 69
        $r.PartialAfterClear | Should -Be 0
        (Invoke-TestSql -Path $wh -Sql "SELECT COUNT(*) AS n FROM nba_analytics.upcoming_player_game_context WHERE game_date IN (DATE '2023-02-23', DATE '2023-02-24')").n | Should -Be 0
    }

    It 'the repair published every partition that was not OK, PCF from the synthetic context' {
        $r.Repair.Count | Should -BeGreaterOrEqual 4
        $r.Repair | ForEach-Object { $_.Status | Should -Be 'Published' }
        $pcf = @($r.Repair | Where-Object Processor -eq 'PCF')
        Get-DateText $pcf.Date | Should -Be @('2023-02-23', '2023-02-24')
        $pcf | ForEach-Object { $_.Source | Should -Be 'Synthetic'; $_.CoveragePct | Should -Be 100 }
    }

    It 'ends with every processor OK on both dates, checked again against the warehouse' {
        $r.Repaired | Should -BeTrue
        Connect-BackfillWarehouse -Path $wh | Out-Null
        $now = @(Test-Coverage -StartDate 2023-02-23 -EndDate 2023-02-24 -Layer Precompute)
        $now.Count | Should -Be 10
        $now | ForEach-Object { $_.Status | Should -Be 'OK' -Because "$($_.Date) $($_.Processor)" }
        ($now | Where-Object Processor -eq 'PCF').Source | Should -Be @('Synthetic', 'Synthetic')
        (Invoke-TestSql -Path $wh -Sql "SELECT COUNT(*) AS n FROM nba_precompute.player_composite_factors WHERE game_date = DATE '2023-02-23'").n | Should -Be 293
    }
}

Describe '01-January-incident.ps1 (repair with -RetryFailed)' {
    BeforeAll {
        $script:wh = Join-Path $script:root 'r01b.duckdb'
        $script:r = Invoke-Runbook '01-January-incident.ps1' @{ WarehousePath = $wh; RepairMethod = 'RetryFailed' }
    }

    It 'retries exactly the partitions the replay could not publish, as a run that names the replay' {
        Connect-BackfillWarehouse -Path $wh | Out-Null
        $failedInReplay = Invoke-TestSql -Path $wh -Sql "SELECT strftime(partition_date, '%Y-%m-%d') || ' ' || processor AS k FROM backfilltools.backfill_partitions WHERE run_id = '$($r.ReplayRunId)' AND status IN ('Failed', 'Quarantined', 'Cancelled') ORDER BY k"
        @($r.Repair | ForEach-Object { '{0:yyyy-MM-dd} {1}' -f $_.Date, $_.Processor } | Sort-Object) | Should -Be @($failedInReplay.k)
        $r.Repair | ForEach-Object { $_.Status | Should -Be 'Published' }
        (Get-BackfillRun -RunId $r.Repair[0].RunId).ResumedFrom | Should -Be $r.ReplayRunId
    }

    It 'ends with every processor OK on both dates' {
        $r.Repaired | Should -BeTrue
        $r.CoverageAfter.Count | Should -Be 10
        $r.CoverageAfter | ForEach-Object { $_.Status | Should -Be 'OK' }
    }
}

Describe '02-validate-and-export.ps1 (one season, a one-week backfill)' {
    BeforeAll {
        $script:wh = Join-Path $script:root 'r02.duckdb'
        $script:out = Join-Path $script:root 'r02-out'
        $script:r = Invoke-Runbook '02-validate-and-export.ps1' @{
            WarehousePath = $wh; Season = '2022-23'; OutputDirectory = $out
            BackfillStartDate = [datetime] '2022-11-14'; BackfillEndDate = [datetime] '2022-11-20'
        }
        Connect-BackfillWarehouse -Path $wh | Out-Null
        $script:coverage = @(Test-Coverage -Season 2022-23)
    }

    It 'writes the five files into -OutputDirectory' {
        foreach ($f in 'coverage.csv', 'coverage.xlsx', 'gaps.csv', 'season-report.csv', 'season-report.xlsx') {
            Join-Path $out $f | Should -Exist
        }
        $r.Files.CoverageXlsx | Should -Be (Join-Path $out 'coverage.xlsx')
    }

    It 'coverage.csv holds every coverage row of the season with every column' {
        $csv = @(Import-Csv (Join-Path $out 'coverage.csv'))
        $csv.Count | Should -Be $coverage.Count
        $csv.Count | Should -Be $r.Coverage.Count
        ($csv[0].PSObject.Properties.Name | Sort-Object) | Should -Be ($coverage[0].PSObject.Properties.Name | Sort-Object)
        ($csv | Where-Object Layer -eq 'Precompute').Count | Should -Be ($coverage | Where-Object { "$($_.Layer)" -eq 'Precompute' }).Count
        # The backfilled week is OK, and so says the file.
        $week = @($csv | Where-Object { $_.Layer -eq 'Precompute' -and $_.Status -eq 'OK' })
        $week.Count | Should -Be ($coverage | Where-Object { "$($_.Layer)" -eq 'Precompute' -and "$($_.Status)" -eq 'OK' }).Count
        $week.Count | Should -BeGreaterThan 0
    }

    It 'gaps.csv holds exactly the rows that need attention' {
        $gaps = @(Import-Csv (Join-Path $out 'gaps.csv'))
        $gaps.Count | Should -Be @(Test-Coverage -Season 2022-23 -FailedOnly).Count
        $gaps | ForEach-Object { $_.Status | Should -BeIn 'Low', 'Incomplete', 'Missing' }
    }

    It 'coverage.xlsx has a sheet per layer with a title, a header and every row' {
        $wb = Read-Workbook (Join-Path $out 'coverage.xlsx')
        @($wb.Keys | Sort-Object) | Should -Be @('Analytics', 'Precompute', 'Raw')
        foreach ($layer in 'Raw', 'Analytics', 'Precompute') {
            $n = @($coverage | Where-Object { "$($_.Layer)" -eq $layer }).Count
            $wb[$layer].Count | Should -Be ($n + 2) -Because "${layer}: title, header and $n rows"
            $wb[$layer][0][0] | Should -Be 'Coverage 2022-23'
            $wb[$layer][1] | Should -Contain 'Status'
        }
    }

    It 'the season report matches Get-SeasonReport, in CSV and per processor in Excel' {
        $report = Get-SeasonReport -Season 2022-23
        $csv = @(Import-Csv (Join-Path $out 'season-report.csv'))
        $csv.Count | Should -Be 1
        $csv[0].Season | Should -Be '2022-23'
        [double] $csv[0].PrecomputePct | Should -Be $report.PrecomputePct
        $csv[0].Status | Should -Be $report.Status
        $wb = Read-Workbook (Join-Path $out 'season-report.xlsx')
        @($wb.Keys) | Should -Be @('2022-23')
        $wb['2022-23'].Count | Should -Be (1 + 1 + 5)
        @($wb['2022-23'][2..6] | ForEach-Object { $_[1] }) | Should -Be @('TDZA', 'PSZA', 'PCF', 'PDC', 'MLFS')
    }
}

Describe '03-clean-stale-upcg.ps1' {
    BeforeAll {
        $script:wh = Join-Path $script:root 'r03.duckdb'
        $script:r = Invoke-Runbook '03-clean-stale-upcg.ps1' @{ WarehousePath = $wh }
        $script:kept = Join-Path $script:root 'r03-kept.duckdb'
        $script:k = Invoke-Runbook '03-clean-stale-upcg.ps1' @{ WarehousePath = $kept; KeepCleared = $true }
    }

    It 'finds the two partial dates' {
        $r.PartialDates | Should -Be @('2023-02-23', '2023-02-24')
    }

    It '-WhatIf changed nothing' {
        $r.RowsBefore | Should -Be 69
        $r.RowsAfterWhatIf | Should -Be $r.RowsBefore
    }

    It 'backed up as many rows as it deleted, and the backup table holds them' {
        $r.Cleanup.RowsBackedUp | Should -Be 69
        $r.Cleanup.RowsDeleted | Should -Be $r.Cleanup.RowsBackedUp
        (Invoke-TestSql -Path $wh -Sql "SELECT COUNT(*) AS n FROM $($r.Cleanup.BackupTable)").n | Should -Be $r.Cleanup.RowsBackedUp
        $r.RowsAfterClear | Should -Be ($r.RowsBefore - $r.Cleanup.RowsDeleted)
        $r.PartialAfterClear | Should -Be 0
    }

    It 'restored every backed-up row: the table is as it was' {
        $r.Restore.RowsRestored | Should -Be $r.Cleanup.RowsBackedUp
        $r.Restore.RowsSkipped | Should -Be 0
        $r.RowsAfterRestore | Should -Be $r.RowsBefore
        (Invoke-TestSql -Path $wh -Sql 'SELECT COUNT(*) AS n FROM nba_analytics.upcoming_player_game_context').n | Should -Be $r.RowsBefore
        $r.PartialAfterRestore | Should -Be @('2023-02-23', '2023-02-24')
    }

    It '-KeepCleared leaves the table clean and the backup in place' {
        $k.Restore | Should -BeNullOrEmpty
        $k.RowsAfterRestore | Should -Be 0
        (Invoke-TestSql -Path $kept -Sql 'SELECT COUNT(*) AS n FROM nba_analytics.upcoming_player_game_context').n | Should -Be 0
        (Invoke-TestSql -Path $kept -Sql "SELECT COUNT(*) AS n FROM $($k.Cleanup.BackupTable)").n | Should -Be 69
    }
}

Describe '04-resume-after-crash.ps1' {
    BeforeAll {
        $script:wh = Join-Path $script:root 'r04.duckdb'
        $script:r = Invoke-Runbook '04-resume-after-crash.ps1' @{ WarehousePath = $wh }
        Connect-BackfillWarehouse -Path $wh | Out-Null
    }

    It 'killed the child backfill part way through' {
        $r.Killed | Should -BeTrue
        $r.ChildExitCode | Should -Not -Be 0
        $r.RunBefore.Status | Should -BeIn 'Running', 'Interrupted'
        $r.RunBefore.Published | Should -BeGreaterThan 0
        $r.RunBefore.Pending | Should -BeGreaterThan 0
    }

    It '-Resume finished every pending partition under the same run id' {
        $run = Get-BackfillRun -RunId $r.RunId
        $run.Pending | Should -Be 0
        $run.Status | Should -Be 'Succeeded'
        $run.Published | Should -Be $run.Partitions
        $r.Resume.Count | Should -Be $r.RunBefore.Pending
        $r.Resume | ForEach-Object { $_.RunId | Should -Be $r.RunId; $_.Status | Should -Be 'Published' }
        $r.Retry | Should -BeNullOrEmpty
    }

    It 'left no duplicate key in any output table' {
        $keys = @{ 'nba_precompute.team_defense_zone_analysis' = 'analysis_date, team_abbr'; 'nba_precompute.player_shot_zone_analysis' = 'analysis_date, player_lookup'
            'nba_precompute.player_composite_factors' = 'game_date, player_lookup'; 'nba_precompute.player_daily_cache' = 'cache_date, player_lookup'
            'nba_predictions.ml_feature_store_v2' = 'player_lookup, game_date' }
        foreach ($t in $keys.Keys) {
            (Invoke-TestSql -Path $wh -Sql "SELECT COUNT(*) AS n FROM (SELECT $($keys[$t]) FROM $t GROUP BY $($keys[$t]) HAVING COUNT(*) > 1)").n | Should -Be 0 -Because $t
        }
    }

    It 'Test-Coverage finds every partition of the range OK' {
        $r.Complete | Should -BeTrue
        $now = @(Test-Coverage -StartDate 2022-11-20 -EndDate 2023-01-20 -Layer Precompute)
        $now.Count | Should -Be (Get-BackfillRun -RunId $r.RunId).Partitions
        $now | ForEach-Object { $_.Status | Should -Be 'OK' -Because "$($_.Date) $($_.Processor)" }
    }
}

Describe '05-undo-a-bad-backfill.ps1' {
    BeforeAll {
        $script:wh = Join-Path $script:root 'r05.duckdb'
        $script:r = Invoke-Runbook '05-undo-a-bad-backfill.ps1' @{ WarehousePath = $wh }
        Connect-BackfillWarehouse -Path $wh | Out-Null
    }

    It 'the forced bad backfill published and changed the PCF rows' {
        $r.BadPublished | Should -Be 2
        $r.BadChangedRows | Should -BeTrue
        $r.HeldBefore | Should -Be @($r.BadRunId, $r.BadRunId)
    }

    It '-WhatIf listed both PCF partitions with their row counts and wrote nothing' {
        $r.Preview.Count | Should -Be 2
        $r.Preview | ForEach-Object {
            $_.Status | Should -Be 'WouldRestore'; $_.Processor | Should -Be 'PCF'
            ($_.RowsRestored + $_.RowsReinserted + $_.RowsRemoved) | Should -BeGreaterThan 0
            $_.ChangedSince | Should -BeNullOrEmpty
        }
    }

    It 'the undo restored both partitions; running it again changed nothing' {
        $r.Undo.Count | Should -Be 2
        $r.Undo | ForEach-Object { $_.Status | Should -Be 'Restored'; $_.UndoneRunId | Should -Be $r.BadRunId; $_.Forced | Should -BeFalse }
        $r.UndoAgain | Should -BeNullOrEmpty
    }

    It 'the good data is back byte for byte and Test-Coverage names the good run again' {
        $r.GoodDataRestored | Should -BeTrue
        $r.HeldAfter | Should -Be @($r.GoodRunId, $r.GoodRunId)
        # While the bad run held the dates Test-Coverage read its UPCG context; after the undo, the good run's synthetic one.
        $r.SourceBefore | Should -Be @('UPCG', 'UPCG')
        $r.SourceAfter | Should -Be @('Synthetic', 'Synthetic')
    }

    It 'the ledger shows the bad run Undone and the undo as a run of its own' {
        $r.BadRunAfter.Status | Should -Be 'Undone'
        $undoRun = Get-BackfillRun -RunId $r.Undo[0].UndoRunId
        $undoRun.Status | Should -Be 'Succeeded'
        $undoRun.Parameters | Should -Match ([regex]::Escape($r.BadRunId))
        (Invoke-TestSql -Path $wh -Sql "SELECT COUNT(*) AS n FROM backfilltools.undo_log WHERE undone_run_id = '$($r.BadRunId)'").n | Should -Be 2
    }

    It 'a changed partition is refused with UndoPartitionsChanged, and -Force restores it' {
        $again = @(Invoke-Backfill -StartDate 2023-02-23 -EndDate 2023-02-24 -Processor PCF -Confirm:$false -WarningAction SilentlyContinue)
        # -WhatIf does not refuse: it lists every partition, the changed ones with why.
        $whatIf = @(Undo-BackfillRun -RunId $r.GoodRunId -WhatIf)
        $whatIf.Count | Should -Be 6
        @($whatIf | Where-Object ChangedSince).Processor | Should -Be @('PCF', 'PCF')
        { Undo-BackfillRun -RunId $r.GoodRunId -Confirm:$false } | Should -Throw -ErrorId 'UndoPartitionsChanged,*'
        $forced = @(Undo-BackfillRun -RunId $r.GoodRunId -Force -Confirm:$false)
        $forced.Count | Should -Be 6
        @($forced | Where-Object Forced).Processor | Should -Be @('PCF', 'PCF')
        (Get-BackfillRun -RunId $r.GoodRunId).Status | Should -Be 'Undone'
        (Invoke-TestSql -Path $wh -Sql "SELECT COUNT(*) AS n FROM nba_precompute.player_composite_factors WHERE game_date BETWEEN DATE '2023-02-23' AND DATE '2023-02-24'").n | Should -Be 0
    }
}
