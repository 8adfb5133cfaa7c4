# The webhook URL and credentials are secrets: no output stream, log line or table may contain them.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:dir = New-TestDirectory
    $script:secret = 'S3CR3T-' + [guid]::NewGuid().ToString('N')
    $script:keyFile = Join-Path $dir 'fake-key.json'
    @{ type = 'service_account'; project_id = 'fake-proj'; private_key_id = $secret; private_key = "-----BEGIN PRIVATE KEY-----$secret"; client_email = "x-$secret@example.invalid" } |
        ConvertTo-Json | Set-Content $keyFile
    $script:db = Join-Path $dir 'backfill.duckdb'
}
AfterAll { Remove-Item $script:dir -Recurse -Force -ErrorAction SilentlyContinue }

Describe 'Secrets never leak' {
    It 'appear in none of the six streams of any cmdlet, nor in any table' {
        $env:BACKFILLTOOLS_ALERT_WEBHOOK = "http://127.0.0.1:9/hooks/$secret"
        $env:GOOGLE_APPLICATION_CREDENTIALS = $keyFile
        try {
            $all = & {
                New-BackfillWarehouse -Path $db -SampleData -Season 2022-23 -Scenario StaleUpcg -Force -Verbose
                Connect-BackfillWarehouse -Path $db -Verbose
                Get-BackfillWarehouse -Verbose
                Invoke-Backfill -StartDate 2023-02-23 -EndDate 2023-02-24 -Processor TDZA, PSZA, PCF -Verbose -ErrorAction Continue
                Invoke-Backfill -StartDate 2023-02-23 -EndDate 2023-02-24 -Processor PCF -ContextSource ForceUpcg -Verbose -ErrorAction Continue
                Invoke-Backfill -RetryFailed -Verbose -ErrorAction Continue
                Get-BackfillRun -Verbose
                Get-BackfillFailure -Verbose | Select-Object -First 5
                foreach ($name in (Get-Command -Module BackfillTools).Name | Where-Object { $_ -notin 'New-BackfillWarehouse', 'Connect-BackfillWarehouse', 'Invoke-Backfill', 'Export-CoverageWorkbook', 'Clear-StaleUpcg', 'Restore-StaleUpcg' }) {
                    try { & $name -Verbose -ErrorAction Continue } catch { $_ }
                }
                try { Connect-BackfillWarehouse -BigQueryProject 'fake-proj-123' -Verbose } catch { $_ }
            } *>&1 | Out-String -Width 400
            $all | Should -Not -BeNullOrEmpty
            $all | Should -Not -Match $secret
            $tables = Invoke-TestSql -Path $db -Sql "SELECT table_schema || '.' || table_name AS t FROM information_schema.tables"
            foreach ($t in $tables.t) {
                (Invoke-TestSql -Path $db -Sql "SELECT COUNT(*) AS n FROM $t AS x WHERE CAST(x AS VARCHAR) LIKE '%$secret%'").n | Should -Be 0 -Because $t
            }
            Get-ChildItem $dir -File | Where-Object Name -ne 'fake-key.json' | ForEach-Object {
                [IO.File]::ReadAllText($_.FullName) | Should -Not -Match $secret -Because $_.Name
            }
        }
        finally {
            Remove-Item Env:BACKFILLTOOLS_ALERT_WEBHOOK, Env:GOOGLE_APPLICATION_CREDENTIALS -ErrorAction SilentlyContinue
        }
    }
}
