# Undo-BackfillRun killed for real (SIGKILL) in a child pwsh at seeded points: at every observed moment each date holds
# either the undone run's rows or the rows before it, byte for byte, and running the same undo again completes it.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Initialize-SampleTemplate
    # Output tables (date column) and the failure table: what an undo restores, compared per table × date.
    $script:dated = [ordered]@{
        'nba_precompute.team_defense_zone_analysis' = 'analysis_date'; 'nba_precompute.player_shot_zone_analysis' = 'analysis_date'
        'nba_precompute.player_composite_factors' = 'game_date'; 'nba_precompute.player_daily_cache' = 'cache_date'
        'nba_predictions.ml_feature_store_v2' = 'game_date'; 'nba_processing.precompute_failures' = 'analysis_date'
    }
    $script:processorOf = @{
        'nba_precompute.team_defense_zone_analysis' = 'TDZA'; 'nba_precompute.player_shot_zone_analysis' = 'PSZA'
        'nba_precompute.player_composite_factors' = 'PCF'; 'nba_precompute.player_daily_cache' = 'PDC'; 'nba_predictions.ml_feature_store_v2' = 'MLFS'
    }

    # Per table × date (× processor for the failure table): row count and a NULL-aware hash of every column, run stamps included.
    function Get-DateHashes([string] $Path) {
        $result = @{}
        foreach ($table in $script:dated.Keys) {
            $dateCol = $script:dated[$table]
            $cols = (Invoke-TestSql -Path $Path -Sql "SELECT column_name FROM information_schema.columns WHERE table_schema || '.' || table_name = '$table' ORDER BY ordinal_position").column_name
            $list = ($cols | ForEach-Object { "COALESCE('=' || CAST($_ AS VARCHAR), 'NULL')" }) -join ', '
            $by = if ($table -like '*precompute_failures') { "processor_name || '|' || CAST($dateCol AS VARCHAR)" } else { "CAST($dateCol AS VARCHAR)" }
            foreach ($r in Invoke-TestSql -Path $Path -Sql "SELECT $by AS k, COUNT(*) AS n, SUM(hash(list_value($list))) AS h FROM $table GROUP BY 1") {
                $result["$table|$($r.k)"] = "$($r.n):$($r.h)"
            }
        }
        $result
    }

    $script:base = Join-Path $script:root 'undo-base.duckdb'
    Copy-Item $script:template $base
    Connect-BackfillWarehouse -Path $base | Out-Null
    # The prior state: a set-based run over three weeks. The undone run republishes them one date per batch (-PerDate),
    # so its undo is many restore transactions long: room for a kill between them and inside one. TDZA and PSZA keep
    # the set-up short; the restore path is the same for every processor.
    Invoke-Backfill -StartDate 2022-12-01 -EndDate 2022-12-21 -Processor TDZA, PSZA -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Out-Null
    $script:prior = Get-DateHashes $base
    $script:undoneRun = (Invoke-Backfill -StartDate 2022-12-01 -EndDate 2022-12-21 -Processor TDZA, PSZA -PerDate -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)[0].RunId
    $script:published = Get-DateHashes $base
    $script:keys = @($prior.Keys) + @($published.Keys) | Sort-Object -Unique
    $script:batches = (Invoke-TestSql -Path $base -Sql "SELECT COUNT(*) AS n FROM backfilltools.publish_lineage WHERE run_id = '$undoneRun'").n

    # Waits until the child's undo itself holds the lock (its identity file names the undo's run, not its preview).
    function Wait-UndoStarted([string] $Path, [Diagnostics.Process] $Child) {
        $deadline = (Get-Date).AddSeconds(120)
        while (-not $Child.HasExited -and (Get-Date) -lt $deadline) {
            $holder = try { Get-Content "$Path.backfill-lock.json" -ErrorAction Stop | ConvertFrom-Json } catch { $null }
            if ($holder -and $holder.RunId -notlike 'preview*') { return $true }
            Start-Sleep -Milliseconds 10
        }
        $false
    }

    # The reference: the same undo, uninterrupted, in a child pwsh, timed from the moment its undo takes the lock.
    $ref = Join-Path $script:root 'undo-reference.duckdb'
    Copy-Item $base $ref
    $child = Invoke-ChildPwsh -NoWait -Script "Connect-BackfillWarehouse -Path '$ref' | Out-Null; Undo-BackfillRun -RunId '$undoneRun' -Confirm:`$false | Out-Null"
    Wait-UndoStarted $ref $child | Should -BeTrue
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $child.WaitForExit()
    $script:referenceMs = $clock.ElapsedMilliseconds
    $child.ExitCode | Should -Be 0
    $script:interrupted = 0
    $script:partial = 0
}
AfterAll { Remove-Item $script:root -Recurse -Force -ErrorAction SilentlyContinue }

Describe 'Undo-BackfillRun: a real kill during an undo' {
    It 'the undone run changed every date it published (so "restored" and "as published" can be told apart)' {
        $script:batches | Should -BeGreaterThan 20
        @($keys | Where-Object { $prior[$_] -ne $published[$_] }).Count | Should -BeGreaterThan 20
        $ref = Join-Path $script:root 'undo-reference.duckdb'
        $restored = Get-DateHashes $ref
        foreach ($k in $keys) { $restored[$k] | Should -Be $prior[$k] -Because "$k after an uninterrupted undo" }
    }

    It 'an undo while another one runs is refused with BackfillInProgress naming the holder' {
        $db = Join-Path $script:root ("busy-" + [guid]::NewGuid().ToString('N').Substring(0, 8) + '.duckdb')
        Copy-Item $script:base $db
        # Connected first: while the child holds the file, Connect itself is refused (WarehouseLocked).
        Connect-BackfillWarehouse -Path $db | Out-Null
        $p = Invoke-ChildPwsh -NoWait -Script "Connect-BackfillWarehouse -Path '$db' | Out-Null; Undo-BackfillRun -RunId '$undoneRun' -Confirm:`$false | Out-Null"
        try {
            $info = "$db.backfill-lock.json"
            $deadline = (Get-Date).AddSeconds(60)
            while (-not (Test-Path $info) -and -not $p.HasExited -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 20 }
            Test-Path $info | Should -BeTrue -Because 'the child undo holds the lock while it restores'
            $err = Get-ThrownError { Undo-BackfillRun -RunId $undoneRun -Confirm:$false }
            $err.FullyQualifiedErrorId | Should -BeLike 'BackfillInProgress,*'
            "$($err.CategoryInfo.Category)" | Should -Be 'ResourceBusy'
            # The holder is the child (its preview, then its undo, hold the lock in turn: the process is what names it).
            $err.Exception.Message | Should -Match "process $($p.Id)"
        }
        finally { if (-not $p.HasExited) { $p.Kill() }; $p.WaitForExit(); Connect-BackfillWarehouse -Path $script:base | Out-Null }
        Remove-Item $db, "$db.*" -ErrorAction SilentlyContinue
    }

    # Kill points from a fixed seed, spread over the uninterrupted undo's time (from taking the lock to exit).
    $rng = [Random]::new(20261204)
    $killPoints = 1..4 | ForEach-Object { @{ Fraction = [Math]::Round(0.1 + 0.8 * $rng.NextDouble(), 3) } }
    It 'killed at <Fraction> of the reference undo time: no date partly restored, the log agrees, and the same undo completes it' -ForEach $killPoints {
        $db = Join-Path $script:root ("u-" + [guid]::NewGuid().ToString('N').Substring(0, 8) + '.duckdb')
        Copy-Item $script:base $db
        $p = Invoke-ChildPwsh -NoWait -Script "Connect-BackfillWarehouse -Path '$db' | Out-Null; Undo-BackfillRun -RunId '$undoneRun' -Confirm:`$false | Out-Null"
        $null = Wait-UndoStarted $db $p
        Start-Sleep -Milliseconds ([int]($script:referenceMs * $Fraction))
        if (-not $p.HasExited) { $p.Kill(); $script:interrupted++ }
        $p.WaitForExit()

        # The moment after the kill: each table × date is wholly as published or wholly restored, as the undo log says.
        $now = Get-DateHashes $db
        $logged = @{}
        Invoke-TestSql -Path $db -Sql "SELECT processor, CAST(partition_date AS VARCHAR) AS d FROM backfilltools.undo_log WHERE undone_run_id = '$undoneRun'" |
            ForEach-Object { $logged["$($_.processor)|$($_.d)"] = $true }
        if ($logged.Count -gt 0 -and $logged.Count -lt $script:batches) { $script:partial++ }
        foreach ($k in $keys) {
            $now[$k] | Should -BeIn @($prior[$k], $published[$k]) -Because "$k must be either restored or as published"
            $table, $date = $k -split '\|', 2
            if ($processorOf.ContainsKey($table) -and $prior[$k] -ne $published[$k]) {
                $expected = if ($logged["$($processorOf[$table])|$date"]) { $prior[$k] } else { $published[$k] }
                $now[$k] | Should -Be $expected -Because "$k is $(if ($logged["$($processorOf[$table])|$date"]) { 'in' } else { 'not in' }) the undo log"
            }
        }

        # The same command again completes the undo (taking over the killed holder's lock) and changes nothing after.
        Connect-BackfillWarehouse -Path $db | Out-Null
        Undo-BackfillRun -RunId $undoneRun -Confirm:$false -WarningAction SilentlyContinue | Out-Null
        $done = Get-DateHashes $db
        foreach ($k in $keys) { $done[$k] | Should -Be $prior[$k] -Because "$k after the undo was completed" }
        (Get-BackfillRun -RunId $undoneRun).Status | Should -Be 'Undone'
        @(Undo-BackfillRun -RunId $undoneRun -Confirm:$false -WarningAction SilentlyContinue).Count | Should -Be 0
        $again = Get-DateHashes $db
        foreach ($k in $keys) { $again[$k] | Should -Be $done[$k] }
        Connect-BackfillWarehouse -Path $script:base | Out-Null
        Remove-Item $db -ErrorAction SilentlyContinue
    }

    It 'the kill points interrupted running undos, some of them between restored and unrestored dates' {
        Write-Host "undo kill test: reference undo $($script:referenceMs) ms over $($script:batches) batches; $($script:interrupted) of 4 kills interrupted a running undo, $($script:partial) after some batches and before all"
        $script:interrupted | Should -BeGreaterOrEqual 2 -Because "a kill after the child finished proves nothing (reference: $($script:referenceMs) ms)"
        $script:partial | Should -BeGreaterOrEqual 1 -Because "at least one kill must land after some batches were restored and before all were"
    }
}
