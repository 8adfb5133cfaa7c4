BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'New-BackfillWarehouse' {
    BeforeEach { $dir = New-TestDirectory; $db = Join-Path $dir 'backfill.duckdb' }
    AfterEach { Remove-Item $dir -Recurse -Force -ErrorAction SilentlyContinue }

    It 'creates an empty warehouse with the full schema and connects to it' {
        $s = New-BackfillWarehouse -Path $db
        $s.SchemaVersion | Should -BeGreaterOrEqual 1
        $s.TotalRows | Should -Be 0
        Test-Path $db | Should -BeTrue
        $tables = Get-BackfillWarehouse
        $tables.Table | Should -Contain 'nba_raw.nbac_schedule'
        $tables.Table | Should -Contain 'nba_precompute.player_composite_factors'
        $tables.Table | Should -Contain 'nba_predictions.ml_feature_store_v2'
        $tables.Table | Should -Contain 'nba_processing.precompute_failures'
    }

    It '-WhatIf creates nothing' {
        New-BackfillWarehouse -Path $db -WhatIf
        Test-Path $db | Should -BeFalse
        Get-ChildItem $dir | Should -BeNullOrEmpty
    }

    It 'refuses to overwrite without -Force and leaves the file unchanged' {
        New-BackfillWarehouse -Path $db | Out-Null
        $before = Get-FileChecksum $db
        $err = Get-ThrownError { New-BackfillWarehouse -Path $db }
        $err.FullyQualifiedErrorId | Should -BeLike 'WarehouseExists,*'
        $err.CategoryInfo.Category | Should -Be 'ResourceExists'
        Get-FileChecksum $db | Should -Be $before
    }

    It 'replaces an existing warehouse with -Force' {
        New-BackfillWarehouse -Path $db | Out-Null
        Invoke-TestSql -Path $db -Sql "INSERT INTO nba_raw.nbac_schedule (game_id, game_date, season_year, game_status, game_code, season, season_nba_format, home_team_id, home_team_tricode, home_team_name, away_team_id, away_team_tricode, away_team_name, source_file_path, created_at, processed_at) VALUES ('0022200001', DATE '2022-10-18', 2022, 3, '20221018/BOSPHI', '2022-23', '2022-23', 1610612755, 'PHI', 'Philadelphia 76ers', 1610612738, 'BOS', 'Boston Celtics', 'test', TIMESTAMP '2022-10-18 05:00:00', TIMESTAMP '2022-10-18 05:00:00')" | Out-Null
        (New-BackfillWarehouse -Path $db -Force).TotalRows | Should -Be 0
    }

    It 'fails with <Id> and creates nothing for <Case>' -ForEach @(
        @{ Case = 'a missing directory'; Id = 'WarehouseDirectoryNotFound'; Category = 'ObjectNotFound'; Target = { Join-Path $dir 'nope/backfill.duckdb' } }
        @{ Case = 'a directory path'; Id = 'WarehousePathIsDirectory'; Category = 'InvalidArgument'; Target = { $dir } }
        @{ Case = 'an unwritable location'; Id = 'WarehouseNotWritable'; Category = 'PermissionDenied'; Target = { '/proc/backfill.duckdb' } }
    ) {
        $target = & $Target
        $before = @(Get-ChildItem $dir -Force).Count
        $err = Get-ThrownError { New-BackfillWarehouse -Path $target }
        $err.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $err.CategoryInfo.Category | Should -Be $Category
        $err.Exception.Message | Should -Not -BeNullOrEmpty
        @(Get-ChildItem $dir -Force).Count | Should -Be $before
    }

    It 'rejects sample options without -SampleData' {
        $err = Get-ThrownError { New-BackfillWarehouse -Path $db -Scenario StaleUpcg }
        $err.FullyQualifiedErrorId | Should -BeLike 'SampleOptionsWithoutSampleData,*'
        Test-Path $db | Should -BeFalse
    }

    It 'rejects an unknown season or scenario before writing' -ForEach @(
        @{ Params = @{ Season = '2019-20' }; Id = 'UnknownSeason' }
        @{ Params = @{ Season = '2022-24' }; Id = 'InvalidSeason' }
        @{ Params = @{ Scenario = 'Nope' }; Id = 'UnknownScenario' }
    ) {
        $err = Get-ThrownError { New-BackfillWarehouse -Path $db -SampleData @Params }
        $err.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        Test-Path $db | Should -BeFalse
    }
}

Describe 'Connect-BackfillWarehouse' {
    BeforeAll { $dir = New-TestDirectory; $db = Join-Path $dir 'backfill.duckdb'; New-BackfillWarehouse -Path $db | Out-Null }
    AfterAll { Remove-Item $dir -Recurse -Force -ErrorAction SilentlyContinue }

    It 'connects to an existing warehouse and makes it the session default' {
        $s = Connect-BackfillWarehouse -Path $db
        $s.Kind | Should -Be 'DuckDb'
        $s.Location | Should -Be $db
        (Get-BackfillWarehouse).Count | Should -BeGreaterThan 10
    }

    It 'binds -Path from a piped file object' {
        (Get-Item $db | Connect-BackfillWarehouse).Location | Should -Be $db
    }

    It 'fails with WarehouseNotFound for a missing file and creates none' {
        $missing = Join-Path $dir 'missing.duckdb'
        $err = Get-ThrownError { Connect-BackfillWarehouse -Path $missing }
        $err.FullyQualifiedErrorId | Should -BeLike 'WarehouseNotFound,*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        Test-Path $missing | Should -BeFalse
    }

    It 'fails with WarehouseNotDuckDb for a file that is not a database and leaves it unchanged' {
        $bogus = Join-Path $dir 'notes.duckdb'
        Set-Content $bogus ('this is not a database ' * 100)
        $before = Get-FileChecksum $bogus
        $err = Get-ThrownError { Connect-BackfillWarehouse -Path $bogus }
        $err.FullyQualifiedErrorId | Should -BeLike 'WarehouseNotDuckDb,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        Get-FileChecksum $bogus | Should -Be $before
    }

    It 'refuses an empty file and an empty DuckDB database instead of making them warehouses' {
        $zero = Join-Path $dir 'zero.duckdb'
        New-Item -ItemType File -Path $zero | Out-Null
        (Get-ThrownError { Connect-BackfillWarehouse -Path $zero }).FullyQualifiedErrorId | Should -BeLike 'WarehouseNotDuckDb,*'
        (Get-Item $zero).Length | Should -Be 0
        $blank = Join-Path $dir 'blank.duckdb'
        Invoke-TestSql -Path $blank -Sql 'CHECKPOINT' | Out-Null
        $before = Get-FileChecksum $blank
        (Get-ThrownError { Connect-BackfillWarehouse -Path $blank }).FullyQualifiedErrorId | Should -BeLike 'NotABackfillWarehouse,*'
        Get-FileChecksum $blank | Should -Be $before
    }

    It 'fails with WarehouseSchemaTooNew for a warehouse written by a newer version' {
        $newer = Join-Path $dir 'newer.duckdb'
        New-BackfillWarehouse -Path $newer | Out-Null
        Invoke-TestSql -Path $newer -Sql "INSERT INTO backfilltools.schema_version VALUES (999, now(), '9.9.9', 'future')" | Out-Null
        $before = Get-FileChecksum $newer
        $err = Get-ThrownError { Connect-BackfillWarehouse -Path $newer }
        $err.FullyQualifiedErrorId | Should -BeLike 'WarehouseSchemaTooNew,*'
        Get-FileChecksum $newer | Should -Be $before
    }

    It 'upgrades an older warehouse on open' {
        $older = Join-Path $dir 'older.duckdb'
        New-BackfillWarehouse -Path $older | Out-Null
        Invoke-TestSql -Path $older -Sql 'DROP TABLE backfilltools.context_source_log; DELETE FROM backfilltools.schema_version' | Out-Null
        $s = Connect-BackfillWarehouse -Path $older
        $s.SchemaVersion | Should -BeGreaterOrEqual 1
        (Get-BackfillWarehouse).Table | Should -Contain 'backfilltools.context_source_log'
    }

    It 'refuses a production copy whose table lacks a column the product reads with SchemaMismatch, writing nothing' {
        $copy = Join-Path $dir 'mismatch.duckdb'
        New-BackfillWarehouse -Path $copy | Out-Null
        Invoke-TestSql -Path $copy -Sql 'DROP SCHEMA backfilltools CASCADE; ALTER TABLE nba_analytics.player_game_summary DROP COLUMN points; CHECKPOINT' | Out-Null
        $before = Get-FileChecksum $copy
        $err = Get-ThrownError { Connect-BackfillWarehouse -Path $copy }
        $err.FullyQualifiedErrorId | Should -BeLike 'SchemaMismatch,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $err.Exception.Message | Should -BeLike '*nba_analytics.player_game_summary.points: column missing, expected INT64*'
        Get-FileChecksum $copy | Should -Be $before
    }

    It 'keeps the product''s own data in -ToolDataset and refuses a production dataset as one' {
        $custom = Join-Path $dir 'custom-tool.duckdb'
        New-BackfillWarehouse -Path $custom -ToolDataset ops_tools | Out-Null
        (Connect-BackfillWarehouse -Path $custom -ToolDataset ops_tools).SchemaVersion | Should -Be ([BackfillTools.Core.Schema.Migrator]::new($null).LatestVersion)
        $schemas = (Invoke-TestSql -Path $custom -Sql 'SELECT DISTINCT table_schema FROM information_schema.tables').table_schema
        $schemas | Should -Contain 'ops_tools'
        $schemas | Should -Not -Contain 'backfilltools'
        (Get-ThrownError { Connect-BackfillWarehouse -Path $custom -ToolDataset nba_backfill }).FullyQualifiedErrorId | Should -BeLike 'ToolDatasetIsProduction,*'
    }

    It '-MemoryLimitMB caps DuckDB for the session''s commands, leaves no scratch file, and refuses a limit below 256 MB' {
        $capped = Join-Path $dir 'capped.duckdb'
        New-BackfillWarehouse -Path $capped | Out-Null
        (Connect-BackfillWarehouse -Path $capped -MemoryLimitMB 512).Location | Should -Be $capped
        (Get-BackfillWarehouse).Count | Should -BeGreaterThan 10
        @(Get-ChildItem $dir -Filter 'capped.duckdb.backfilltools-scratch-*') | Should -HaveCount 0
        $before = (Get-FileHash $capped).Hash
        $err = Get-ThrownError { Connect-BackfillWarehouse -Path $db -MemoryLimitMB 100 }
        $err.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        (Get-FileHash $capped).Hash | Should -Be $before
        (Get-BackfillWarehouse | Select-Object -First 1) | Should -Not -BeNullOrEmpty # the session default is still the capped warehouse
        (Get-Command Connect-BackfillWarehouse).Parameters.MemoryLimitMB.ParameterSets.Keys | Should -Be @('DuckDb')
    }

    It 'does not hold the file open between commands (another process can use it)' {
        Connect-BackfillWarehouse -Path $db | Out-Null
        $child = Invoke-ChildPwsh -Script "(Connect-BackfillWarehouse -Path '$db').SchemaVersion"
        $child.ExitCode | Should -Be 0 -Because $child.StdErr
        $child.StdOut.Trim() | Should -Match '^\d+$'
    }

    It 'fails with WarehouseLocked while another process holds the warehouse, and names the process' {
        $ready = Join-Path $dir 'ready.txt'
        $hold = "Add-Type -Path (Join-Path (Split-Path '$($script:ModulePath)') 'DuckDB.NET.Data.dll'); " +
            "`$c = [DuckDB.NET.Data.DuckDBConnection]::new('Data Source=$db'); `$c.Open(); Set-Content '$ready' 1; Start-Sleep 60"
        $p = Invoke-ChildPwsh -Script $hold -NoWait
        try {
            $deadline = (Get-Date).AddSeconds(30)
            while (-not (Test-Path $ready) -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 100 }
            Test-Path $ready | Should -BeTrue
            $err = Get-ThrownError { Connect-BackfillWarehouse -Path $db }
            $err.FullyQualifiedErrorId | Should -BeLike 'WarehouseLocked,*'
            $err.CategoryInfo.Category | Should -Be 'ResourceBusy'
            $err.Exception.Message | Should -Match "process $($p.Id)"
        }
        finally { $p.Kill(); $p.WaitForExit() }
    }

    It 'uses $env:BACKFILLTOOLS_WAREHOUSE when nothing is connected' {
        $child = Invoke-ChildPwsh -Script "(Get-BackfillWarehouse -Layer Raw).Table -join ','" -Environment @{ BACKFILLTOOLS_WAREHOUSE = $db }
        $child.ExitCode | Should -Be 0 -Because $child.StdErr
        $child.StdOut | Should -Match 'nba_raw.nbac_schedule'
    }

    It 'reports NoWarehouse when nothing is connected and no variable is set' {
        $child = Invoke-ChildPwsh -Script "try { Get-BackfillWarehouse } catch { `$_.FullyQualifiedErrorId; exit 3 }" -Environment @{ BACKFILLTOOLS_WAREHOUSE = '' }
        $child.ExitCode | Should -Be 3
        $child.StdOut | Should -Match '^NoWarehouse,'
    }
}

Describe 'Remove-BackfillWarehouse (DuckDB)' {
    BeforeEach { $dir = New-TestDirectory; $db = Join-Path $dir 'backfill.duckdb'; New-BackfillWarehouse -Path $db | Out-Null }

    It '-WhatIf deletes nothing' {
        Remove-BackfillWarehouse -Path $db -WhatIf
        Test-Path $db | Should -BeTrue
    }

    It 'deletes the file piped in by Get-Item, and clears the session default' {
        Get-Item $db | Remove-BackfillWarehouse -Confirm:$false
        Test-Path $db | Should -BeFalse
        (Get-ThrownError { Get-BackfillWarehouse }).FullyQualifiedErrorId | Should -BeLike 'NoWarehouse,*'
    }

    It 'refuses a file that is not a DuckDB database and leaves it in place' {
        $other = Join-Path $dir 'notes.duckdb'
        Set-Content $other 'not a database'
        $err = Get-ThrownError { Remove-BackfillWarehouse -Path $other -Confirm:$false }
        $err.FullyQualifiedErrorId | Should -BeLike 'NotABackfillWarehouse,*'
        Get-Content $other | Should -Be 'not a database'
    }

    It 'refuses someone else''s DuckDB database (one table ledger) and a zero-byte file, byte for byte unchanged' {
        $ledger = Join-Path $dir 'accounts.duckdb'
        Invoke-TestSql -Path $ledger -Sql 'CREATE TABLE ledger (id INTEGER); INSERT INTO ledger VALUES (1), (2); CHECKPOINT' | Out-Null
        $empty = Join-Path $dir 'empty.duckdb'
        New-Item -ItemType File -Path $empty | Out-Null
        foreach ($file in $ledger, $empty) {
            $before = Get-FileChecksum $file
            $err = Get-ThrownError { Remove-BackfillWarehouse -Path $file -Confirm:$false }
            $err.FullyQualifiedErrorId | Should -BeLike 'NotABackfillWarehouse,*'
            $err.CategoryInfo.Category | Should -Be 'InvalidData'
            Get-FileChecksum $file | Should -Be $before
        }
        (Invoke-TestSql -Path $ledger -Sql 'SELECT COUNT(*) AS n FROM ledger').n | Should -Be 2
    }

    It 'from a file it only connected to, drops only BackfillTools'' own datasets and keeps the file' {
        $prod = Join-Path $dir 'prod-copy.duckdb'
        # A production copy: the production tables (a new warehouse without the product's own schema), plus another table.
        New-BackfillWarehouse -Path $prod | Out-Null
        Invoke-TestSql -Path $prod -Sql 'DROP SCHEMA backfilltools CASCADE; CREATE TABLE ledger (id INTEGER); INSERT INTO ledger VALUES (1), (2), (3); CHECKPOINT' | Out-Null
        Connect-BackfillWarehouse -Path $prod | Out-Null
        Remove-BackfillWarehouse -Path $prod -Confirm:$false
        Test-Path $prod | Should -BeTrue
        (Invoke-TestSql -Path $prod -Sql 'SELECT COUNT(*) AS n FROM ledger').n | Should -Be 3
        $schemas = (Invoke-TestSql -Path $prod -Sql 'SELECT DISTINCT table_schema FROM information_schema.tables').table_schema
        $schemas | Should -Not -Contain 'backfilltools'
        $schemas | Should -Contain 'nba_raw'
    }

    It 'reports WarehouseNotFound for a missing file' {
        $err = Get-ThrownError { Remove-BackfillWarehouse -Path (Join-Path $dir 'missing.duckdb') -Confirm:$false }
        $err.FullyQualifiedErrorId | Should -BeLike 'WarehouseNotFound,*'
        $err.CategoryInfo.Category | Should -Be ObjectNotFound
    }

    It 'is a High-impact change: confirmation is on by default' {
        $cmd = Get-Command Remove-BackfillWarehouse
        $attr = $cmd.ImplementingType.GetCustomAttributes([Management.Automation.CmdletAttribute], $false)[0]
        $attr.ConfirmImpact | Should -Be 'High'
        $attr.SupportsShouldProcess | Should -BeTrue
    }
}

Describe 'Get-BackfillWarehouse' {
    BeforeAll {
        $dir = New-TestDirectory; $db = Join-Path $dir 'backfill.duckdb'
        New-BackfillWarehouse -Path $db | Out-Null
        Invoke-TestSql -Path $db -Sql "INSERT INTO nba_raw.nbac_schedule (game_id, game_date, season_year, game_status, game_code, season, season_nba_format, home_team_id, home_team_tricode, home_team_name, away_team_id, away_team_tricode, away_team_name, source_file_path, created_at, processed_at) VALUES ('0022200001', DATE '2022-10-18', 2022, 3, '20221018/BOSPHI', '2022-23', '2022-23', 1610612755, 'PHI', 'Philadelphia 76ers', 1610612738, 'BOS', 'Boston Celtics', 'test', TIMESTAMP '2022-10-18 05:00:00', TIMESTAMP '2022-10-18 05:00:00'), ('0022200002', DATE '2022-10-20', 2022, 3, '20221020/BOSPHI', '2022-23', '2022-23', 1610612755, 'PHI', 'Philadelphia 76ers', 1610612738, 'BOS', 'Boston Celtics', 'test', TIMESTAMP '2022-10-20 05:00:00', TIMESTAMP '2022-10-20 05:00:00')" | Out-Null
    }
    AfterAll { Remove-Item $dir -Recurse -Force -ErrorAction SilentlyContinue }

    It 'reports row counts and date ranges' {
        $t = Get-BackfillWarehouse | Where-Object Table -eq 'nba_raw.nbac_schedule'
        $t.Rows | Should -Be 2
        $t.MinDate | Should -Be ([DateOnly]::new(2022, 10, 18))
        $t.MaxDate | Should -Be ([DateOnly]::new(2022, 10, 20))
        $t.Layer | Should -Be 'Raw'
    }

    It 'filters by layer' {
        $layers = (Get-BackfillWarehouse -Layer Precompute).Layer | Sort-Object -Unique
        $layers | Should -Be 'Precompute'
    }

    It 'renders a table view with the expected columns' {
        $text = Get-BackfillWarehouse | Format-Table | Out-String -Width 200
        $text | Should -Match 'Layer\s+Table\s+Rows\s+MinDate\s+MaxDate'
    }
}
