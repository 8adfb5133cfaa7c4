BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Initialize-SampleTemplate

    function Get-UpcgCount([string] $Path, [string] $Where = 'TRUE') {
        (Invoke-TestSql -Path $Path -Sql "SELECT COUNT(*) AS n FROM nba_analytics.upcoming_player_game_context WHERE $Where").n
    }

    function Get-BackupTables([string] $Path) {
        @(Invoke-TestSql -Path $Path -Sql "SELECT table_name FROM information_schema.tables WHERE table_schema = 'backfilltools' AND table_name LIKE 'upcg_backup_%'").table_name
    }

    # A backfilled copy: PCF forced onto the partial UPCG, as in the incident, so the gate quarantines 02-23/24.
    $script:backfilled = New-WarehouseCopy
    $script:backfillResults = Invoke-Backfill -StartDate 2023-02-15 -EndDate 2023-02-24 -Processor TDZA, PSZA, PCF -ContextSource ForceUpcg `
        -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
}
AfterAll { Remove-Item $script:root -Recurse -Force -ErrorAction SilentlyContinue }

Describe 'Test-Coverage' {
    BeforeAll {
        Connect-BackfillWarehouse -Path $script:backfilled | Out-Null
        # Game dates 02-15, 02-16, 02-23 and 02-24 (the All-Star break lies between).
        $script:rows = Test-Coverage -StartDate 2023-02-15 -EndDate 2023-02-24
    }

    It 'emits one row per (date, layer, table/processor) with the documented properties' {
        # 4 game dates x (1 raw + 3 analytics tables + 5 processors)
        $rows.Count | Should -Be (4 * 9)
        foreach ($p in 'Date', 'Season', 'Layer', 'Processor', 'Expected', 'Actual', 'CoveragePct', 'Status', 'Reason', 'Source') {
            $rows[0].PSObject.Properties.Name | Should -Contain $p
        }
        $rows[0].Season | Should -Be '2022-23'
    }

    It 'agrees with the backfill gate on every published partition (one accounting rule)' {
        $published = @($script:backfillResults | Where-Object Status -eq 'Published')
        $published.Count | Should -BeGreaterThan 5
        foreach ($p in $published) {
            $r = $rows | Where-Object { $_.Processor -eq [string] $p.Processor -and $_.Date -eq $p.Date }
            $r.Expected | Should -Be $p.Expected
            $r.Accounted | Should -Be $p.Accounted
            $r.CoveragePct | Should -Be $p.CoveragePct
            $r.Actual | Should -Be $p.Actual
        }
    }

    It 'grades the raw and analytics layers OK when every scheduled game is present' {
        $rows | Where-Object Layer -ne 'Precompute' | ForEach-Object { $_.Status | Should -Be 'OK' }
    }

    It 'explains the incident dates as StaleUpcg and names the fix' {
        foreach ($d in '2023-02-23', '2023-02-24') {
            $r = $rows | Where-Object { $_.Processor -eq 'PCF' -and $_.Date.ToString('yyyy-MM-dd') -eq $d }
            $r.Status | Should -BeIn 'Missing', 'Incomplete'
            $r.Reason | Should -Be 'StaleUpcg'
            $r.Source | Should -Be 'UPCG'
            $r.Detail | Should -Match "Clear-StaleUpcg -Date $d"
        }
    }

    It 'grades a fully published date OK and unrun processors NeverRun' {
        ($rows | Where-Object { $_.Processor -eq 'TDZA' -and $_.Date.ToString('yyyy-MM-dd') -eq '2023-02-15' }).Status | Should -BeIn 'OK', 'NotEligible'
        ($rows | Where-Object { $_.Processor -eq 'PSZA' -and $_.Date.ToString('yyyy-MM-dd') -eq '2023-02-15' }).Status | Should -Be 'OK'
        $mlfs = $rows | Where-Object Processor -eq 'MLFS'
        $mlfs | ForEach-Object { $_.Status | Should -Be 'Missing' }
        $mlfs | ForEach-Object { $_.Reason | Should -BeIn 'NeverRun', 'UpstreamMissing' }
    }

    It 'reports bootstrap dates as Bootstrap and off-days as NoGames' {
        $opener = Test-Coverage -Date 2022-10-18 -Layer Precompute -Processor PCF
        $opener.Status | Should -Be 'Bootstrap'
        $opener.Reason | Should -Be 'ByDesign'
        # 2023-02-17..19 is the All-Star break in the sample schedule: no final games.
        (Test-Coverage -Date 2023-02-18 -Layer Raw).Status | Should -Be 'NoGames'
    }

    It '-FailedOnly keeps only Low, Incomplete and Missing rows' {
        $failed = Test-Coverage -StartDate 2023-02-15 -EndDate 2023-02-24 -FailedOnly
        $failed.Count | Should -BeGreaterThan 0
        $failed.Count | Should -BeLessThan $rows.Count
        $failed | ForEach-Object { $_.Status | Should -BeIn 'Low', 'Incomplete', 'Missing' }
    }

    It '-Quiet returns a single boolean' {
        $bad = Test-Coverage -Date 2023-02-23 -Processor PCF -Layer Precompute -Quiet
        $bad | Should -BeOfType [bool]
        $bad | Should -BeFalse
        Test-Coverage -Date 2023-02-15 -Layer Raw, Analytics -Quiet | Should -BeTrue
    }

    It '-Detailed lists as many unaccounted players as expected minus accounted' {
        $r = Test-Coverage -Date 2023-02-23 -Processor PCF -Layer Precompute -Detailed
        @($r.Unaccounted -split ', ').Count | Should -Be ($r.Expected - $r.Accounted)
    }

    It 'thresholds are parameters' {
        $r = Test-Coverage -Date 2023-02-23 -Processor PCF -Layer Precompute -OkThreshold 0 -LowThreshold 0
        # With a 0% bar, any published row is OK; a date with no rows is still Missing.
        $r.Status | Should -BeIn 'OK', 'Missing'
    }

    It 'exposes Date and Processor for Invoke-Backfill to bind by property name' {
        $r = $rows | Where-Object Layer -eq 'Precompute' | Select-Object -First 1
        $r.Date | Should -BeOfType [DateOnly]
        $r.Processor | Should -BeOfType [string]
        { [BackfillTools.Core.Processors.ProcessorCatalog]::Parse($r.Processor) } | Should -Not -Throw
        $ib = (Get-Command Invoke-Backfill).Parameters
        ($ib['Date'].Attributes | Where-Object { $_ -is [Parameter] }).ValueFromPipelineByPropertyName | Should -Contain $true
        ($ib['Processor'].Attributes | Where-Object { $_ -is [Parameter] }).ValueFromPipelineByPropertyName | Should -Contain $true
    }

    It 'survives a CSV round trip with every column' {
        $csv = Join-Path $script:root 'coverage.csv'
        $rows | Export-Csv -Path $csv -NoTypeInformation
        $back = Import-Csv -Path $csv
        $back.Count | Should -Be $rows.Count
        ($back[0].PSObject.Properties.Name | Sort-Object) | Should -Be ($rows[0].PSObject.Properties.Name | Sort-Object)
        $back[0].Processor | Should -Be $rows[0].Processor
        $back[0].Status | Should -Be ([string] $rows[0].Status)
        [datetime]::Parse($back[0].Date, [cultureinfo]::InvariantCulture).ToString('yyyy-MM-dd') | Should -Be $rows[0].Date.ToString('yyyy-MM-dd')
    }

    It 'renders as a table' {
        ($rows | Select-Object -First 3 | Out-String -Width 300) | Should -Match 'Coverage%'
    }

    It 'fails with <Id> (<Category>) for <Case>, before any output' -ForEach @(
        @{ Case = 'a reversed range'; Id = 'InvalidDateRange'; Category = 'InvalidArgument'; Cmd = { Test-Coverage -StartDate 2023-02-24 -EndDate 2023-02-21 } }
        @{ Case = 'an unknown processor'; Id = 'UnknownProcessor'; Category = 'InvalidArgument'; Cmd = { Test-Coverage -Date 2023-02-15 -Processor XYZ } }
        @{ Case = 'a bad season'; Id = 'InvalidSeason'; Category = 'InvalidArgument'; Cmd = { Test-Coverage -Season 2022-24 } }
        @{ Case = 'crossed thresholds'; Id = 'InvalidThreshold'; Category = 'InvalidArgument'; Cmd = { Test-Coverage -Date 2023-02-15 -OkThreshold 80 -LowThreshold 90 } }
    ) {
        $out = @()
        $err = Get-ThrownError { $script:out = & $Cmd }
        $err.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $err.CategoryInfo.Category | Should -Be $Category
        $out | Should -BeNullOrEmpty
    }
}

Describe 'Test-Coverage on the lost 2021-22 games' {
    It 'shows the 7 missing games at L1 and L3 only when 2021-22 is generated' {
        $db = Join-Path $script:root 'w2021.duckdb'
        New-BackfillWarehouse -Path $db -SampleData -Season 2021-22 | Out-Null
        $raw = Test-Coverage -Season 2021-22 -Layer Raw -FailedOnly
        ($raw | Measure-Object Expected -Sum).Sum - ($raw | Measure-Object Actual -Sum).Sum | Should -Be 7
        @($raw.Date | Sort-Object -Unique).Count | Should -Be 7
        $pgs = Test-Coverage -Season 2021-22 -Layer Analytics -FailedOnly | Where-Object Table -eq 'nba_analytics.player_game_summary'
        @($pgs).Count | Should -Be 7
        $pgs | ForEach-Object { $_.Reason | Should -Be 'UpstreamMissing' }
        # The 2022-23 sample has no lost games.
        Connect-BackfillWarehouse -Path $script:template | Out-Null
        Test-Coverage -Season 2022-23 -Layer Raw, Analytics -Quiet | Should -BeTrue
    }
}

Describe 'Get-SeasonReport' {
    BeforeAll { Connect-BackfillWarehouse -Path $script:backfilled | Out-Null }

    It 'gives one row per season with layer percentages and a status' {
        $r = Get-SeasonReport
        @($r).Count | Should -Be 1
        $r.Season | Should -Be '2022-23'
        $r.RawPct | Should -Be 100
        $r.AnalyticsPct | Should -Be 100
        # Only four dates were backfilled: the Phase 4 share is small but not zero.
        $r.PrecomputePct | Should -BeLessThan 10
        $r.Status | Should -Match '^\d+ errors$'
        ($r | Out-String -Width 300) | Should -Match 'Precompute%'
    }

    It '-ByProcessor gives one row per processor with its problem dates' {
        $r = Get-SeasonReport -Season 2022-23 -ByProcessor
        $r.Processor | Should -Be @('TDZA', 'PSZA', 'PCF', 'PDC', 'MLFS')
        ($r | Where-Object Processor -eq 'PCF').ProblemDates | Should -BeGreaterThan 0
        $r | ForEach-Object { $_.Status | Should -Match '^(Clean|\d+ errors)$' }
        ($r | Out-String -Width 300) | Should -Match 'Problems'
    }

    It 'rejects a bad season with InvalidSeason' {
        (Get-ThrownError { Get-SeasonReport -Season 'nope' }).FullyQualifiedErrorId | Should -BeLike 'InvalidSeason,*'
    }
}

Describe 'Find-StaleUpcg / Clear-StaleUpcg / Restore-StaleUpcg' {
    BeforeEach { $script:db = New-WarehouseCopy }

    It 'finds 2023-02-23 and 2023-02-24 as partial' {
        $partial = Find-StaleUpcg | Where-Object IsPartial
        $partial.Date.ForEach({ $_.ToString('yyyy-MM-dd') }) | Should -Be @('2023-02-23', '2023-02-24')
        ($partial | Where-Object { $_.Date.Day -eq 23 }).UpcgRows | Should -Be 1
        ($partial | Where-Object { $_.Date.Day -eq 24 }).UpcgRows | Should -Be 68
        $partial | ForEach-Object { $_.CoveragePct | Should -BeLessThan 90 }
    }

    It '-WhatIf deletes nothing and creates no backup' {
        $before = Get-UpcgCount $db
        Find-StaleUpcg | Where-Object IsPartial | Clear-StaleUpcg -WhatIf
        Get-UpcgCount $db | Should -Be $before
        Get-BackupTables $db | Should -BeNullOrEmpty
    }

    It 'refuses upcoming dates with a terminating error before anything is written' {
        $before = Get-UpcgCount $db
        $today = (Get-Date).ToString('yyyy-MM-dd')
        $err = Get-ThrownError { Clear-StaleUpcg -Date 2023-02-23, $today -Confirm:$false }
        $err.FullyQualifiedErrorId | Should -BeLike 'UpcomingDateRefused,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidOperation'
        $err.Exception.Message | Should -Match $today
        Get-UpcgCount $db | Should -Be $before
        Get-BackupTables $db | Should -BeNullOrEmpty
        # -AsOf moves the boundary earlier, never later.
        (Get-ThrownError { Clear-StaleUpcg -Date 2023-02-23 -AsOf 2023-02-23 -Confirm:$false }).FullyQualifiedErrorId | Should -BeLike 'UpcomingDateRefused,*'
        Get-UpcgCount $db | Should -Be $before
    }

    It 'an empty pipeline deletes nothing (it does not fall back to -OlderThanDays)' {
        $before = Get-UpcgCount $db
        Find-StaleUpcg | Where-Object { $false } | Clear-StaleUpcg -Confirm:$false -WarningVariable w -WarningAction SilentlyContinue
        @() | Clear-StaleUpcg -Confirm:$false -WarningAction SilentlyContinue
        Get-UpcgCount $db | Should -Be $before
        Get-BackupTables $db | Should -BeNullOrEmpty
        ($w -join ' ') | Should -Match 'nothing was deleted'
        # Test-Coverage likewise checks nothing rather than every date.
        @() | Test-Coverage -WarningAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'backs up, deletes piped dates once, and Restore-StaleUpcg puts them back' {
        $before = Get-UpcgCount $db
        $r = Find-StaleUpcg | Where-Object IsPartial | Clear-StaleUpcg -Confirm:$false -PassThru
        @($r).Count | Should -Be 1   # piped dates are collected and acted on once
        $r.RowsDeleted | Should -Be 69
        $r.Dates.Count | Should -Be 2
        $r.BackupTable | Should -Match '^backfilltools\.upcg_backup_\d{8}_\d{6}$'
        Get-UpcgCount $db "game_date IN (DATE '2023-02-23', DATE '2023-02-24')" | Should -Be 0
        Get-UpcgCount $db | Should -Be ($before - 69)
        (Invoke-TestSql -Path $db -Sql "SELECT COUNT(*) AS n FROM $($r.BackupTable)").n | Should -Be 69

        $restored = $r | Restore-StaleUpcg -Confirm:$false
        $restored.RowsRestored | Should -Be 69
        Get-UpcgCount $db | Should -Be $before
    }

    It '-NoBackup deletes without a backup table' {
        $r = Clear-StaleUpcg -Date 2023-02-23 -NoBackup -Confirm:$false -PassThru
        $r.RowsDeleted | Should -Be 1
        $r.BackupTable | Should -BeNullOrEmpty
        Get-BackupTables $db | Should -BeNullOrEmpty
    }

    It 'Restore-StaleUpcg -WhatIf restores nothing; bad and unknown names fail with stable ids' {
        $r = Clear-StaleUpcg -Date 2023-02-24 -Confirm:$false -PassThru
        $after = Get-UpcgCount $db
        Restore-StaleUpcg -BackupTable $r.BackupTable -WhatIf
        Get-UpcgCount $db | Should -Be $after
        (Get-ThrownError { Restore-StaleUpcg -BackupTable 'nba_analytics.upcoming_player_game_context' -Confirm:$false }).FullyQualifiedErrorId | Should -BeLike 'InvalidBackupTable,*'
        $missing = Get-ThrownError { Restore-StaleUpcg -BackupTable 'upcg_backup_20000101_000000' -Confirm:$false }
        $missing.FullyQualifiedErrorId | Should -BeLike 'BackupNotFound,*'
        $missing.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        Get-UpcgCount $db | Should -Be $after
    }

    It 'Clear-StaleUpcg declares ConfirmImpact High' {
        $meta = [System.Management.Automation.CommandMetadata]::new((Get-Command Clear-StaleUpcg))
        $meta.ConfirmImpact | Should -Be 'High'
        $meta.SupportsShouldProcess | Should -BeTrue
    }
}

Describe 'Test-DataQuality' {
    It 'is clean on the backfilled dates and reports a planted out-of-range value' {
        $db = New-WarehouseCopy
        Invoke-Backfill -StartDate 2023-02-15 -EndDate 2023-02-16 -Processor TDZA, PSZA, PCF -WarningAction SilentlyContinue | Out-Null
        Test-DataQuality -StartDate 2023-02-15 -EndDate 2023-02-16 -Check OutOfRange, NullKey, CriticalNull -Quiet | Should -BeTrue
        Invoke-TestSql -Path $db -Sql "UPDATE nba_precompute.player_composite_factors SET fatigue_score = 150 WHERE game_date = DATE '2023-02-16' AND player_lookup = (SELECT MIN(player_lookup) FROM nba_precompute.player_composite_factors WHERE game_date = DATE '2023-02-16')" | Out-Null
        $f = Test-DataQuality -StartDate 2023-02-15 -EndDate 2023-02-16 -Processor PCF
        $hit = $f | Where-Object { $_.Check -eq 'OutOfRange' -and $_.Column -eq 'fatigue_score' }
        $hit.Observed | Should -Be 1
        $hit.Severity | Should -Be 'Error'
        $hit.Date.ToString('yyyy-MM-dd') | Should -Be '2023-02-16'
        foreach ($p in 'Table', 'Date', 'Check', 'Observed', 'Threshold', 'Severity') { $hit.PSObject.Properties.Name | Should -Contain $p }
        Test-DataQuality -StartDate 2023-02-15 -EndDate 2023-02-16 -Quiet | Should -BeFalse
    }

    It 'rejects an unknown check before running' {
        (Get-ThrownError { Test-DataQuality -Check Nope }).FullyQualifiedErrorId | Should -BeLike 'CannotConvertArgumentNoMessage,*'
    }
}

Describe 'ConvertTo-GameId' {
    BeforeAll {
        Connect-BackfillWarehouse -Path $script:template | Out-Null
        $script:game = Invoke-TestSql -Path $script:template -Sql "SELECT game_id, game_date, away_team_tricode AS away, home_team_tricode AS home FROM nba_raw.nbac_schedule WHERE game_date = DATE '2023-02-23' ORDER BY game_id LIMIT 1"
        $script:std = '{0:yyyyMMdd}_{1}_{2}' -f $game.game_date, $game.away, $game.home
    }

    It 'converts an NBA id to the standard id and back' {
        $m = ConvertTo-GameId $game.game_id
        $m.StandardId | Should -Be $std
        $m.GameDate.ToString('yyyy-MM-dd') | Should -Be '2023-02-23'
        (ConvertTo-GameId -GameId $std).NbaGameId | Should -Be $game.game_id
    }

    It 'takes ids from the pipeline and reports bad or unknown ones per item without stopping' {
        $out = $game.game_id, 'garbage', '20230223_ZZZ_YYY', $std | ConvertTo-GameId -ErrorVariable errs -ErrorAction SilentlyContinue
        @($out).Count | Should -Be 2
        $errs.Count | Should -Be 2
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'InvalidGameId,*'
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errs[1].FullyQualifiedErrorId | Should -BeLike 'GameIdNotFound,*'
        $errs[1].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}
