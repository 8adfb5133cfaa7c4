# Add-/Get-/Remove-BackfillWaiver as operators use them, and the UpstreamIncomplete gate through Invoke-Backfill.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Initialize-SampleTemplate
    # 2023-01-10 has 7 games; BOS @ POR (0022200617) has 31 player_game_summary rows.
    $script:gameId = '0022200617'
    function Remove-TheGame([string] $Path) {
        Invoke-TestSql -Path $Path -Sql "DELETE FROM nba_analytics.player_game_summary WHERE game_id = '20230110_BOS_POR'" | Out-Null
        (Invoke-TestSql -Path $Path -Sql "SELECT COUNT(*) AS n FROM nba_analytics.player_game_summary WHERE game_date = DATE '2023-01-10'").n | Should -Be ((Invoke-TestSql -Path $Path -Sql "SELECT COUNT(*) AS n FROM nba_raw.bdl_player_boxscores WHERE game_date = DATE '2023-01-10'").n - 31)
    }
}
AfterAll { Remove-Item $script:root -Recurse -Force -ErrorAction SilentlyContinue }

Describe 'Invoke-Backfill: a date missing one game of Phase 3' {
    BeforeAll {
        $script:db = New-WarehouseCopy
        Remove-TheGame $db
    }

    It 'fails PCF, PDC and MLFS as UpstreamIncomplete naming the game and teams <Case>' -ForEach @(
        @{ Case = 'by default'; Switches = @{} }
        @{ Case = 'with -Force'; Switches = @{ Force = $true } }
        @{ Case = 'with -SkipPreflight'; Switches = @{ SkipPreflight = $true } }
    ) {
        $warnings = @()
        $r = Invoke-Backfill -Date 2023-01-10 -Processor TDZA, PSZA, PCF, PDC, MLFS @Switches -ErrorVariable errs -ErrorAction SilentlyContinue -WarningVariable warnings -WarningAction SilentlyContinue
        $r | Where-Object Processor -in 'PCF', 'PDC', 'MLFS' | ForEach-Object {
            $_.Status | Should -Be Failed
            $_.ErrorCategory | Should -Be UpstreamIncomplete
            $_.Message | Should -Match '0022200617 BOS @ POR \(nba_analytics\.player_game_summary lacks BOS, POR\)'
        }
        @($errs | Where-Object FullyQualifiedErrorId -like 'UpstreamIncomplete,*').Count | Should -Be 4 -Because 'PSZA, PCF, PDC and MLFS read player_game_summary'
        (Invoke-TestSql -Path $db -Sql "SELECT COUNT(*) AS n FROM nba_precompute.player_composite_factors WHERE game_date = DATE '2023-01-10'").n | Should -Be 0
        $listed = @($warnings | Where-Object { $_ -like 'Pre-flight: 2023-01-10*0022200617*' })
        $listed.Count | Should -Be $(if ($Switches.SkipPreflight) { 0 } else { 1 })
    }

    It 'publishes the date once the game is waived, and Test-Coverage and Get-SeasonReport say Waived with the game' {
        $w = Add-BackfillWaiver -GameId 20230110_BOS_POR -Reason 'Box score lost upstream' -Confirm:$false
        $w.GameId | Should -Be $gameId
        $r = Invoke-Backfill -Date 2023-01-10 -WarningAction SilentlyContinue
        $r | ForEach-Object { $_.Status | Should -Be Published }
        ($r | Where-Object Processor -eq PCF).Message | Should -Match 'Waived game\(s\) left out: 0022200617'
        $cov = Test-Coverage -Date 2023-01-10
        foreach ($p in 'PSZA', 'PCF', 'PDC', 'MLFS') {
            $row = $cov | Where-Object Processor -eq $p
            $row.Status | Should -Be Waived
            $row.WaivedGames | Should -Be @($gameId)
        }
        ($cov | Where-Object Table -eq 'nba_analytics.player_game_summary').Status | Should -Be Waived
        ($cov | Out-String -Width 200) | Should -Match 'Waived'
        $report = Get-SeasonReport -Season 2022-23 -ByProcessor | Where-Object Processor -eq PCF
        $report.WaivedDates | Should -Be 1
        $report.WaivedGames | Should -Be @($gameId)
    }
}

Describe 'Add-/Get-/Remove-BackfillWaiver' {
    BeforeAll { $script:db = New-WarehouseCopy }

    It 'refuses <Case> with <Id> and writes nothing' -ForEach @(
        @{ Case = 'an unknown game id'; Id = 'GameIdNotFound'; Category = 'ObjectNotFound'; Call = { Add-BackfillWaiver -GameId '0022200617', '0022299999' -Reason 'x' -Confirm:$false } }
        @{ Case = 'a malformed game id'; Id = 'InvalidGameId'; Category = 'InvalidArgument'; Call = { Add-BackfillWaiver -GameId "0022200617'; DROP TABLE x;--" -Reason 'x' -Confirm:$false } }
        @{ Case = 'an empty reason'; Id = 'InvalidWaiverReason'; Category = 'InvalidArgument'; Call = { Add-BackfillWaiver -GameId '0022200617' -Reason ' ' -Confirm:$false } }
        @{ Case = 'removing a game without a waiver'; Id = 'WaiverNotFound'; Category = 'ObjectNotFound'; Call = { Remove-BackfillWaiver -GameId '0022200617' -Confirm:$false } }
        @{ Case = 'reading a game without a waiver'; Id = 'WaiverNotFound'; Category = 'ObjectNotFound'; Call = { Get-BackfillWaiver -GameId '0022200617' } }
    ) {
        $sum = Get-FileChecksum $db
        $err = Get-ThrownError $Call
        $err.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $err.CategoryInfo.Category | Should -Be $Category
        Get-FileChecksum $db | Should -Be $sum
    }

    It '-WhatIf writes nothing; Add stores who, when and why once; Get lists it; Remove takes it away' {
        $sum = Get-FileChecksum $db
        Add-BackfillWaiver -GameId '0022200617' -Reason 'x' -WhatIf | Should -BeNullOrEmpty
        Get-FileChecksum $db | Should -Be $sum
        $added = Add-BackfillWaiver -GameId '0022200617', 20230110_BOS_POR, '0022200618' -Reason 'Lost upstream' -Confirm:$false
        @($added).Count | Should -Be 2
        $rows = Invoke-TestSql -Path $db -Sql 'SELECT game_id, reason, waived_by, waived_at, host FROM backfilltools.backfill_waivers ORDER BY game_id'
        $rows.game_id | Should -Be @('0022200617', '0022200618')
        $rows | ForEach-Object { $_.reason | Should -Be 'Lost upstream'; $_.waived_by | Should -Not -BeNullOrEmpty; $_.waived_at | Should -Not -BeNullOrEmpty }
        (Get-ThrownError { Add-BackfillWaiver -GameId '0022200617' -Reason 'again' -Confirm:$false }).FullyQualifiedErrorId | Should -BeLike 'WaiverExists,*'
        (Get-BackfillWaiver -Season 2022-23).GameId | Should -Be @('0022200617', '0022200618')
        (Get-BackfillWaiver -GameId 20230110_BOS_POR).HomeTeam | Should -Be 'POR'
        Get-BackfillWaiver -Season 2021-22 | Should -BeNullOrEmpty
        Get-BackfillWaiver -GameId '0022200618' | Remove-BackfillWaiver -Confirm:$false -PassThru | ForEach-Object GameId | Should -Be '0022200618'
        (Get-BackfillWaiver).GameId | Should -Be '0022200617'
    }
}
