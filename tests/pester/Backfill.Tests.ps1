BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Initialize-SampleTemplate

    # The five processors' output tables, date and entity columns, as the product declares them.
    $script:processors = [BackfillTools.Core.Processors.ProcessorCatalog]::All
    $script:outputTables = $script:processors | ForEach-Object { $_.Output.FullName }
}
AfterAll { Remove-Item $script:root -Recurse -Force -ErrorAction SilentlyContinue }

Describe 'Get-TableChecksum (the kill/resume comparison)' {
    It 'tells NULL from an empty string and from the text NULL' {
        $path = Join-Path $script:root 'checksum.duckdb'
        Invoke-TestSql -Path $path -Sql "CREATE TABLE t (a VARCHAR, b VARCHAR, run_id VARCHAR)" | Out-Null
        $sums = foreach ($row in "(NULL, 'x', 'r1')", "('', 'x', 'r1')", "('NULL', 'x', 'r1')", "(NULL, 'x', 'r2')") {
            Invoke-TestSql -Path $path -Sql "DELETE FROM t" | Out-Null
            Invoke-TestSql -Path $path -Sql "INSERT INTO t VALUES $row" | Out-Null
            Get-TableChecksum $path 'main.t'
        }
        $sums[0] | Should -Not -Be $sums[1]
        $sums[0] | Should -Not -Be $sums[2]
        $sums[1] | Should -Not -Be $sums[2]
        $sums[3] | Should -Be $sums[0] -Because 'run_id names the run, not the content'
    }

    It 'leaves out the load time of what a row read, and nothing else of the source family' {
        $path = Join-Path $script:root 'checksum-sources.duckdb'
        Invoke-TestSql -Path $path -Sql "CREATE TABLE t (a VARCHAR, source_tdza_last_updated TIMESTAMP, source_tdza_hash VARCHAR)" | Out-Null
        $sums = foreach ($row in "('x', TIMESTAMP '2024-01-01 10:00:00', 'h1')", "('x', TIMESTAMP '2024-01-02 11:00:00', 'h1')", "('x', TIMESTAMP '2024-01-01 10:00:00', 'h2')") {
            Invoke-TestSql -Path $path -Sql "DELETE FROM t" | Out-Null
            Invoke-TestSql -Path $path -Sql "INSERT INTO t VALUES $row" | Out-Null
            Get-TableChecksum $path 'main.t'
        }
        $sums[1] | Should -Be $sums[0] -Because 'an upstream loaded by another run is the same content'
        $sums[2] | Should -Not -Be $sums[0] -Because 'the upstream hash is content'
    }
}

Describe 'Invoke-Backfill: the January incident replayed' {
    BeforeAll {
        $script:db = New-WarehouseCopy
        $script:warnings = @()
        $script:results = Invoke-Backfill -StartDate 2023-02-23 -EndDate 2023-02-24 -Processor TDZA, PSZA, PCF -WarningVariable +warnings -WarningAction SilentlyContinue
        $script:warnings = $warnings
    }

    It 'warns in pre-flight about the partial UPCG on both dates, with the remedy' {
        Assert-IncidentPreflightWarnings $warnings
    }

    It 'uses the synthetic context and publishes 100% coverage on both dates' {
        Assert-IncidentRepaired $results
    }

    It 'records E and U for each date in the ledger' {
        $rows = Invoke-TestSql -Path $db -Sql "SELECT partition_date, source, pgs_players, upcg_rows, status FROM backfilltools.backfill_partitions WHERE processor = 'PCF' ORDER BY partition_date"
        $rows.Count | Should -Be 2
        $rows[0].upcg_rows | Should -Be 1
        $rows[1].upcg_rows | Should -Be 68
        $rows | ForEach-Object { $_.pgs_players | Should -BeGreaterThan 100; $_.source | Should -Be 'Synthetic'; $_.status | Should -Be 'Published' }
    }

    It 'records the run of every published date and the context of every published row (production rows carry neither)' {
        $runId = $results[0].RunId
        $lineage = Invoke-TestSql -Path $db -Sql "SELECT partition_date, rows_published FROM backfilltools.publish_lineage WHERE processor = 'PCF' AND run_id = '$runId' ORDER BY partition_date"
        @($lineage).Count | Should -Be 2
        ($lineage | Measure-Object rows_published -Sum).Sum | Should -Be (($results | Where-Object Processor -eq PCF | Measure-Object RowsWritten -Sum).Sum)
        $bad = Invoke-TestSql -Path $db -Sql "SELECT COUNT(*) AS n FROM nba_precompute.player_composite_factors p LEFT JOIN backfilltools.entity_context_sources e ON e.processor_name = 'PCF' AND e.analysis_date = p.game_date AND e.entity_id = p.player_lookup WHERE e.run_id IS DISTINCT FROM '$runId' OR e.context_source <> 'Synthetic'"
        $bad.n | Should -Be 0
    }

    Context 'forcing the UPCG source (the reference behaviour)' {
        BeforeAll {
            $script:before = Get-TableChecksum $db 'nba_precompute.player_composite_factors'
            $script:forced = Invoke-Backfill -StartDate 2023-02-23 -EndDate 2023-02-24 -Processor PCF -ContextSource ForceUpcg -ErrorVariable forcedErrors -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
            $script:forcedErrors = $forcedErrors
        }

        It 'quarantines both dates below the 90% gate' {
            $forced.Count | Should -Be 2
            $forced | ForEach-Object { $_.Status | Should -Be Quarantined; $_.Source | Should -Be UPCG; $_.CoveragePct | Should -BeLessThan 90 }
        }

        It 'writes a non-terminating CoverageBelowThreshold error per partition with the result as target' {
            $forcedErrors.Count | Should -Be 2
            $forcedErrors | ForEach-Object {
                $_.FullyQualifiedErrorId | Should -BeLike 'CoverageBelowThreshold,*'
                $_.TargetObject.Processor | Should -Be 'PCF'
            }
        }

        It 'leaves the previously published data untouched and keeps the partial rows in quarantine' {
            Get-TableChecksum $db 'nba_precompute.player_composite_factors' | Should -Be $before
            (Invoke-TestSql -Path $db -Sql 'SELECT COUNT(*) AS n FROM backfilltools_quarantine.player_composite_factors').n | Should -Be (1 + 68)
        }

        It '-RetryFailed repairs exactly those two partitions' {
            $retry = Invoke-Backfill -RetryFailed -Confirm:$false
            $retry.Count | Should -Be 2
            ($retry.Date | ForEach-Object ToString 'yyyy-MM-dd' | Sort-Object) -join ',' | Should -Be '2023-02-23,2023-02-24'
            $retry | ForEach-Object { $_.Status | Should -Be Published; $_.Source | Should -Be Synthetic; $_.Processor | Should -Be 'PCF' }
            (Get-BackfillRun -Last 1).ResumedFrom | Should -Be $forced[0].RunId
        }

        It 'a -RunId exit status of a runbook is non-zero when a partition fails and -ErrorAction Stop is used' {
            $child = Invoke-ChildPwsh -Script "Connect-BackfillWarehouse -Path '$db' | Out-Null; Invoke-Backfill -Date 2023-02-23 -Processor PCF -ContextSource ForceUpcg -ErrorAction Stop -WarningAction SilentlyContinue | Out-Null; 'not reached'"
            $child.ExitCode | Should -Not -Be 0
            $child.StdOut | Should -Not -Match 'not reached'
        }
    }
}

Describe 'Invoke-Backfill: input checks write nothing' {
    BeforeAll { $script:db = New-WarehouseCopy; $script:sum = Get-FileChecksum $db }

    It 'refuses <Case> with <Id>' -ForEach @(
        @{ Case = 'a reversed range'; Id = 'InvalidDateRange'; Call = { Invoke-Backfill -StartDate 2023-02-24 -EndDate 2023-02-23 } }
        @{ Case = 'a future end date'; Id = 'FutureDate'; Call = { Invoke-Backfill -StartDate 2023-02-24 -EndDate ((Get-Date).AddDays(3)) } }
        @{ Case = 'a future -Date'; Id = 'FutureDate'; Call = { Invoke-Backfill -Date ((Get-Date).AddDays(10)) } }
        @{ Case = 'an unknown processor'; Id = 'UnknownProcessor'; Call = { Invoke-Backfill -Season 2022-23 -Processor XYZ } }
        @{ Case = 'a SQL-looking processor'; Id = 'UnknownProcessor'; Call = { Invoke-Backfill -Season 2022-23 -Processor "PCF'; DROP TABLE x;--" } }
        @{ Case = 'a malformed season'; Id = 'InvalidSeason'; Call = { Invoke-Backfill -Season '2022-24' } }
        @{ Case = 'a season with no schedule'; Id = 'UnknownSeason'; Call = { Invoke-Backfill -Season '2019-20' } }
        @{ Case = 'Warn below Min'; Id = 'InvalidThreshold'; Call = { Invoke-Backfill -Season 2022-23 -MinCoverage 95 -WarnCoverage 90 } }
        @{ Case = 'a threshold above 100'; Id = 'ParameterArgumentValidationError'; Call = { Invoke-Backfill -Season 2022-23 -MinCoverage 101 } }
        @{ Case = 'a negative threshold'; Id = 'ParameterArgumentValidationError'; Call = { Invoke-Backfill -Season 2022-23 -WarnCoverage -1 } }
        @{ Case = 'an unknown run to resume'; Id = 'RunNotFound'; Call = { Invoke-Backfill -Resume 'no-such-run' } }
        @{ Case = 'a non-http webhook'; Id = 'InvalidWebhook'; Call = { Invoke-Backfill -Season 2022-23 -AlertWebhook 'file:///etc/passwd' } }
    ) {
        $err = Get-ThrownError $Call
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        Get-FileChecksum $db | Should -Be $sum
    }

    It '-WhatIf emits the plan (Date, Processor, Action, Reason) and writes nothing, not even a ledger row' {
        $plan = Invoke-Backfill -Season 2022-23 -Processor PCF -WhatIf
        $plan.Count | Should -BeGreaterThan 100
        $plan[0].PSObject.Properties.Name | Should -Contain 'Action'
        ($plan | Where-Object Action -eq Skip).Reason | Sort-Object -Unique | Should -Be 'Bootstrap'
        ($plan | Where-Object Action -eq Skip).Count | Should -Be 14
        Get-FileChecksum $db | Should -Be $sum
    }
}

Describe 'Invoke-Backfill: pre-flight' {
    It 'stops before writing when Phase 3 rows are missing on more than 5% of the dates, listing them; -Force proceeds and fails those dates as UpstreamMissing' {
        $path = Join-Path $script:root 'missing.duckdb'
        New-BackfillWarehouse -Path $path -SampleData -Season 2022-23 -Scenario MissingUpstream | Out-Null
        $sum = Get-FileChecksum $path
        $err = Get-ThrownError { Invoke-Backfill -StartDate 2023-01-01 -EndDate 2023-01-31 -Processor PSZA }
        $err.FullyQualifiedErrorId | Should -BeLike 'PreflightFailed,*'
        $err.Exception.Message | Should -Match '2023-01-10'
        Get-FileChecksum $path | Should -Be $sum
        $r = Invoke-Backfill -StartDate 2023-01-01 -EndDate 2023-01-31 -Processor PSZA -Force -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $failed = $r | Where-Object Status -eq Failed
        $failed.Count | Should -Be 10
        $failed | ForEach-Object { $_.ErrorCategory | Should -Be UpstreamMissing }
        ($r | Where-Object Status -eq Published).Count | Should -Be ($r.Count - 10)
    }
}

Describe 'Invoke-Backfill: one writer at a time' {
    It 'refuses a second backfill while one runs, naming the holder; a lock left by a killed process is taken over' {
        $db = New-WarehouseCopy
        $p = Invoke-ChildPwsh -NoWait -Script "Connect-BackfillWarehouse -Path '$db' | Out-Null; Invoke-Backfill -Season 2022-23 -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Out-Null"
        try {
            $info = "$db.backfill-lock.json"
            $deadline = (Get-Date).AddSeconds(60)
            while (-not (Test-Path $info) -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 100 }
            Test-Path $info | Should -BeTrue
            $holder = Get-Content $info | ConvertFrom-Json
            $err = Get-ThrownError { Invoke-Backfill -Season 2022-23 -Processor TDZA }
            $err.FullyQualifiedErrorId | Should -BeLike 'BackfillInProgress,*'
            $err.CategoryInfo.Category | Should -Be 'ResourceBusy'
            $err.Exception.Message | Should -Match ([regex]::Escape($holder.RunId))
            $err.Exception.Message | Should -Match "process $($p.Id)"
        }
        finally { $p.Kill(); $p.WaitForExit() }
        $warnings = @()
        $r = Invoke-Backfill -StartDate 2023-02-23 -EndDate 2023-02-23 -Processor TDZA -WarningVariable warnings -WarningAction SilentlyContinue
        $r.Status | Should -Be Published
        ($warnings -join "`n") | Should -Match 'stale backfill lock'
        # The killed run, if it got as far as the ledger, is no longer shown as running.
        Get-BackfillRun | Where-Object { $_.Status -eq 'Running' -and $_.RunId -ne $r.RunId } | Should -BeNullOrEmpty
    }
}

Describe 'Invoke-Backfill: a four-season run killed ten times resumes to the same tables' -Tag Slow {
    BeforeAll {
        # Four seasons, as the reliability issue asks: the template, then the uninterrupted reference run.
        $script:fourSeasons = Join-Path $script:root 'four-seasons.duckdb'
        New-BackfillWarehouse -Path $fourSeasons -SampleData | Out-Null
        # The 7 box-score-less games of 2021-22 can never be filled: waived, so their dates publish (issue #12).
        Add-BackfillWaiver -GameId '0022100382', '0022100529', '0022100655', '0022100886', '0022100915', '0022101080', '0022101137' -Reason 'Sample league: no box scores' -Confirm:$false | Out-Null
        $script:seasonArgs = "-Season 2021-22,2022-23,2023-24,2024-25"
        $script:refDb = Join-Path $script:root 'four-seasons-reference.duckdb'
        Copy-Item $fourSeasons $refDb
        Connect-BackfillWarehouse -Path $refDb | Out-Null
        $clock = [Diagnostics.Stopwatch]::StartNew()
        Invoke-Backfill -Season 2021-22, 2022-23, 2023-24, 2024-25 -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Out-Null
        $script:referenceMs = $clock.Elapsed.TotalMilliseconds
        $script:expected = $outputTables | ForEach-Object { Get-TableChecksum $refDb $_ }
        $script:interrupted = 0
        # One warehouse for the whole chain: each kill lands in the run the previous resume continued.
        $script:chainDb = Join-Path $script:root 'four-seasons-killed.duckdb'
        Copy-Item $fourSeasons $chainDb

        # Waits until the child holds the backfill lock, so the kill delay counts work, not process start and import.
        function Wait-BackfillStarted([string] $Path, [Diagnostics.Process] $Child) {
            $deadline = (Get-Date).AddSeconds(120)
            while (-not $Child.HasExited -and (Get-Date) -lt $deadline) {
                $holder = try { Get-Content "$Path.backfill-lock.json" -ErrorAction Stop | ConvertFrom-Json } catch { $null }
                if ($holder -and $holder.Pid -eq $Child.Id) { return }
                Start-Sleep -Milliseconds 10
            }
        }
    }

    # Ten SIGKILLs in a row on one four-season backfill, each followed by -Resume, so the kill points cover the whole run
    # for the cost of about one run (the kill test of issue #8; ten separate runs cost ten). Each kill lands a seeded
    # fraction of the uninterrupted run's time after the child takes the lock; ten of them add up to about one run.
    $rng = [Random]::new(20261126)
    $killPoints = 1..10 | ForEach-Object { @{ Kill = $_; Fraction = [Math]::Round(0.03 + 0.13 * $rng.NextDouble(), 3) } }
    It 'kill <Kill> at <Fraction> of the reference run after the lock is taken: no date partly published, and the ledger agrees' -ForEach $killPoints {
        Connect-BackfillWarehouse -Path $chainDb | Out-Null
        $run = Get-BackfillRun -Last 1
        # Killed before the run was recorded: nothing was written, so a fresh run is the repair.
        $command = if ($run) { "Invoke-Backfill -Resume '$($run.RunId)'" } else { "Invoke-Backfill $seasonArgs" }
        $p = Invoke-ChildPwsh -NoWait -Script "Connect-BackfillWarehouse -Path '$chainDb' | Out-Null; $command -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Out-Null"
        Wait-BackfillStarted $chainDb $p
        Start-Sleep -Milliseconds ([int]($script:referenceMs * $Fraction))
        if (-not $p.HasExited) { $p.Kill(); $script:interrupted++ }
        $p.WaitForExit()
        # The moment after the kill: a date is published whole (its rows match the ledger) or not at all.
        $parts = Invoke-TestSql -Path $chainDb -Sql "SELECT processor, partition_date, status, rows_written FROM backfilltools.backfill_partitions WHERE processor <> 'MLFS' AND status <> 'Skipped'"
        $counts = @{}
        foreach ($d in $processors | Where-Object { "$($_.Name)" -ne 'MLFS' }) {
            Invoke-TestSql -Path $chainDb -Sql "SELECT $($d.DateColumn) AS d, COUNT(*) AS n FROM $($d.Output.FullName) GROUP BY 1" |
                ForEach-Object { $counts["$($d.Name)|$($_.d.ToString('yyyy-MM-dd'))"] = $_.n }
        }
        foreach ($part in $parts) {
            $n = $counts["$($part.processor)|$($part.partition_date.ToString('yyyy-MM-dd'))"]
            # A published date may hold no rows when every entity is accounted as a failure (for example too few games).
            if ($part.status -eq 'Published') { [long]$n | Should -Be $part.rows_written -Because "$($part.processor) $($part.partition_date) is published" }
            else { $n | Should -BeNullOrEmpty -Because "$($part.processor) $($part.partition_date) is $($part.status)" }
        }
    }

    It 'the last resume completes the run: identical tables, no duplicate keys, nothing pending' {
        Connect-BackfillWarehouse -Path $chainDb | Out-Null
        $run = Get-BackfillRun -Last 1
        $run | Should -Not -BeNullOrEmpty -Because 'ten kills spread over a whole run leave a recorded run'
        if ($run.Status -notin 'Succeeded', 'CompletedWithFailures') {
            Invoke-Backfill -Resume $run.RunId -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Out-Null
        }
        $outputTables | ForEach-Object { Get-TableChecksum $chainDb $_ } | Should -Be $expected
        foreach ($d in $processors) {
            $key = "$($d.DateColumn), $($d.EntityColumn)"
            $dup = Invoke-TestSql -Path $chainDb -Sql "SELECT COUNT(*) AS n FROM (SELECT $key FROM $($d.Output.FullName) GROUP BY $key HAVING COUNT(*) > 1)"
            $dup.n | Should -Be 0 -Because "$($d.Output.FullName) holds one row per ($key)"
        }
        (Get-BackfillRun -RunId $run.RunId).Pending | Should -Be 0
        @(Get-BackfillRun).Count | Should -Be 1 -Because 'every kill was repaired by resuming the one run, never by starting another'
    }

    It 'most kills interrupted a running backfill' {
        $script:interrupted | Should -BeGreaterOrEqual 6 -Because "a kill after the child finished proves nothing (reference run: $([int]($referenceMs / 1000)) s)"
    }
}

Describe 'Invoke-Backfill: alerts' {
    BeforeAll {
        $script:db = New-WarehouseCopy
        Invoke-Backfill -StartDate 2023-02-23 -EndDate 2023-02-24 -Processor TDZA, PSZA -WarningAction SilentlyContinue | Out-Null
        $script:secret = 'T0KEN-' + [guid]::NewGuid().ToString('N')
    }

    It 'posts a Slack-style message listing each failing partition, and the webhook URL appears in no stream or table' {
        $port = Get-Random -Minimum 20000 -Maximum 40000
        $bodyFile = Join-Path $script:root 'alert.json'
        $listener = Invoke-ChildPwsh -NoWait -Script @"
`$l = [Net.HttpListener]::new(); `$l.Prefixes.Add('http://127.0.0.1:$port/'); `$l.Start(); Set-Content '$bodyFile.ready' 1
`$c = `$l.GetContext(); `$r = [IO.StreamReader]::new(`$c.Request.InputStream); Set-Content '$bodyFile' `$r.ReadToEnd()
`$c.Response.StatusCode = 200; `$c.Response.Close(); `$l.Stop()
"@
        try {
            $deadline = (Get-Date).AddSeconds(30)
            while (-not (Test-Path "$bodyFile.ready") -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 100 }
            $url = "http://127.0.0.1:$port/services/$secret"
            $all = Invoke-Backfill -StartDate 2023-02-23 -EndDate 2023-02-24 -Processor PCF -ContextSource ForceUpcg -AlertWebhook $url -Verbose -ErrorAction Continue *>&1 | Out-String
            $listener.WaitForExit(15000) | Should -BeTrue
            $body = Get-Content $bodyFile -Raw | ConvertFrom-Json
            $body.text | Should -Match '2023-02-23 PCF: Quarantined'
            $body.text | Should -Match '2023-02-24 PCF: Quarantined'
            $all | Should -Not -Match $secret
            $tables = Invoke-TestSql -Path $db -Sql "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM (SELECT * FROM backfilltools.backfill_runs) AS r WHERE CAST(r AS VARCHAR) LIKE '%$secret%'"
            $tables.n | Should -Be 0
            (Invoke-TestSql -Path $db -Sql "SELECT COUNT(*) AS n FROM backfilltools.backfill_partitions AS p WHERE CAST(p AS VARCHAR) LIKE '%$secret%'").n | Should -Be 0
        }
        finally { if (-not $listener.HasExited) { $listener.Kill() } }
    }

    It 'a pwsh -File runbook with $ErrorActionPreference = Stop exits non-zero and still posts exactly one alert naming the failing dates; no output shows the URL' {
        $probe = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0); $probe.Start(); $port = $probe.LocalEndpoint.Port; $probe.Stop()
        $listener = [Net.HttpListener]::new(); $listener.Prefixes.Add("http://127.0.0.1:$port/"); $listener.Start()
        $bodies = [Collections.Concurrent.ConcurrentQueue[string]]::new()
        $serve = [powershell]::Create().AddScript({
            param($l, $q)
            while ($l.IsListening) {
                try { $c = $l.GetContext() } catch { break }
                $q.Enqueue([IO.StreamReader]::new($c.Request.InputStream).ReadToEnd())
                $c.Response.StatusCode = 200; $c.Response.Close()
            }
        }).AddArgument($listener).AddArgument($bodies)
        $null = $serve.BeginInvoke()
        $runbook = Join-Path $script:root 'nightly-runbook.ps1'
        Set-Content $runbook @"
`$ErrorActionPreference = 'Stop'
Import-Module '$($script:ModulePath)'
Connect-BackfillWarehouse -Path '$db' | Out-Null
Invoke-Backfill -StartDate 2023-02-23 -EndDate 2023-02-24 -Processor PCF -ContextSource ForceUpcg -AlertWebhook `$env:RUNBOOK_ALERT_WEBHOOK -Verbose
'not reached'
"@
        try {
            $psi = [Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
            foreach ($a in @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-File', $runbook)) { $psi.ArgumentList.Add($a) }
            $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true; $psi.UseShellExecute = $false
            $psi.Environment['RUNBOOK_ALERT_WEBHOOK'] = "http://127.0.0.1:$port/services/$secret"
            $psi.Environment['NO_COLOR'] = '1'
            $child = [Diagnostics.Process]::Start($psi)
            $out = $child.StandardOutput.ReadToEndAsync(); $err = $child.StandardError.ReadToEndAsync()
            if (-not $child.WaitForExit(180000)) { $child.Kill(); throw 'The runbook did not end within 3 minutes.' }
            $output = $out.Result + $err.Result

            $child.ExitCode | Should -Not -Be 0
            $output | Should -Not -Match 'not reached'
            $output | Should -Match '2023-02-2\d PCF: Quarantined'
            $bodies.Count | Should -Be 1 -Because 'one run, one alert'
            $text = ($bodies.ToArray()[0] | ConvertFrom-Json).text
            $text | Should -Match 'stopped before its end'
            $text | Should -Match '2023-02-23 PCF: Quarantined'
            $text | Should -Match '2023-02-24 PCF: Quarantined'
            $output | Should -Not -Match $secret
            $output | Should -Not -Match "127\.0\.0\.1:$port"
        }
        finally {
            if ($child -and -not $child.HasExited) { $child.Kill() }
            $listener.Stop(); $listener.Close(); $serve.Dispose()
        }
    }

    It 'refuses <Case> with InvalidWebhook; the URL is in no stream, message or TargetObject, and nothing is written' -ForEach @(
        @{ Case = 'a relative -AlertWebhook'; Url = 'hooks.slack.com/services/T0/B0/{0}' }
        @{ Case = 'a port out of range'; Url = 'https://hooks.slack.com:99999/services/{0}' }
        @{ Case = 'plain http to another machine'; Url = 'http://hooks.slack.com/services/{0}' }
        @{ Case = 'a malformed $env:BACKFILLTOOLS_ALERT_WEBHOOK'; Url = 'hooks.slack.com:99999/services/{0}'; FromEnvironment = $true }
    ) {
        $url = $Url -f $secret
        $sum = Get-FileChecksum $db
        $params = @{ Date = '2023-02-23'; Processor = 'PCF'; Verbose = $true }
        if ($FromEnvironment) { $env:BACKFILLTOOLS_ALERT_WEBHOOK = $url } else { $params.AlertWebhook = $url }
        try {
            $streams = & { try { Invoke-Backfill @params } catch { $_ } } *>&1
        }
        finally { Remove-Item Env:BACKFILLTOOLS_ALERT_WEBHOOK -ErrorAction SilentlyContinue }
        $err = $streams | Where-Object { $_ -is [Management.Automation.ErrorRecord] } | Select-Object -First 1
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidWebhook,*'
        $err.CategoryInfo.Category | Should -Be InvalidArgument
        $err.TargetObject | Should -BeNullOrEmpty
        $err.Exception.Message | Should -Not -Match $secret
        $err.Exception.Message | Should -Not -Match 'hooks\.slack\.com'
        ($streams | Out-String -Width 400) | Should -Not -Match $secret
        Get-FileChecksum $db | Should -Be $sum
    }

    It 'an unreachable webhook is a warning, not a failed backfill' {
        $warnings = @()
        $r = Invoke-Backfill -Date 2023-02-23 -Processor PCF -ContextSource ForceUpcg -AlertWebhook "http://127.0.0.1:9/$secret" -ErrorAction SilentlyContinue -WarningVariable warnings -WarningAction SilentlyContinue
        $r.Status | Should -Be Quarantined
        ($warnings -join "`n") | Should -Match 'alert was not delivered'
        ($warnings -join "`n") | Should -Not -Match $secret
    }
}

Describe 'Get-BackfillRun and Get-BackfillFailure' {
    BeforeAll {
        $script:db = New-WarehouseCopy
        $script:first = Invoke-Backfill -StartDate 2022-11-10 -EndDate 2022-11-12 -Processor TDZA, PSZA -WarningAction SilentlyContinue
        $script:second = Invoke-Backfill -Date 2022-11-12 -Processor PSZA -WarningAction SilentlyContinue
    }

    It 'lists runs newest first with partition counts' {
        $runs = Get-BackfillRun
        $runs.Count | Should -Be 2
        $runs[0].RunId | Should -Be $second[0].RunId
        $runs[1].Partitions | Should -Be 6
        $runs[1].Published | Should -Be 6
        $runs[1].Status | Should -Be Succeeded
    }

    It 'reads one run by id, from the pipeline too' {
        ($first[0] | Get-BackfillRun).RunId | Should -Be $first[0].RunId
    }

    It 'reports an unknown run id as a non-terminating RunNotFound error' {
        Get-BackfillRun -RunId nope -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RunNotFound,*'
    }

    It 'reads failure rows by processor and date' {
        $f = Get-BackfillFailure -Processor PSZA -Date 2022-11-12
        $f | Should -Not -BeNullOrEmpty
        $f | ForEach-Object { $_.Processor | Should -Be PSZA; $_.Date | Should -Be ([DateOnly]::new(2022, 11, 12)) }
        ($f.Category | Sort-Object -Unique) | Should -Not -BeNullOrEmpty
    }
}

Describe 'Format views for backfill output' {
    BeforeAll {
        $script:db = New-WarehouseCopy
        $script:res = Invoke-Backfill -Date 2022-11-12 -Processor TDZA -WarningAction SilentlyContinue
        $script:plan = Invoke-Backfill -Date 2022-11-12 -Processor TDZA -WhatIf
    }
    It 'renders <Name> as a table with its columns' -ForEach @(
        @{ Name = 'BackfillResult'; Get = { $script:res }; Pattern = 'Date\s+Processor\s+Status\s+Expected\s+Accounted\s+Coverage\s+Source\s+E\s+U\s+Rows\s+Message' }
        @{ Name = 'PlanItem'; Get = { $script:plan }; Pattern = 'Date\s+Season\s+Processor\s+Action\s+Reason' }
        @{ Name = 'BackfillRunInfo'; Get = { Get-BackfillRun }; Pattern = 'RunId\s+Status\s+StartedAt\s+Minutes\s+Partitions\s+Published\s+Quarantined\s+Failed\s+Cancelled' }
        @{ Name = 'PrecomputeFailure'; Get = { Get-BackfillFailure -Processor TDZA | Select-Object -First 1 }; Pattern = 'Date\s+Processor\s+EntityId\s+Category\s+CanRetry\s+Reason' }
    ) {
        $objects = & $Get
        $objects | Should -Not -BeNullOrEmpty
        $text = $objects | Format-Table | Out-String -Width 250
        $text | Should -Match $Pattern
    }
    It 'keeps the full object on the pipeline' {
        ($script:res | Select-Object -First 1).PSObject.Properties.Name | Should -Contain 'SourceReason'
    }
}
