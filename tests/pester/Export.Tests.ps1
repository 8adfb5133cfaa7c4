BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    function New-CoverageRow([string] $Layer, [int] $Day, [string] $Status) {
        [pscustomobject]@{
            Date = [DateOnly]::new(2022, 10, $Day); Season = '2022-23'; Layer = $Layer; Processor = 'PCF'
            Expected = 30; Actual = 28; CoveragePct = 93.3; Status = $Status; Reason = 'short by 2 rows'; Source = 'nba_precompute.player_composite_factors'
        }
    }
}

Describe 'Export-CoverageWorkbook' {
    BeforeEach {
        $dir = New-TestDirectory
        $xlsx = Join-Path $dir 'coverage.xlsx'
        $rows = @(
            New-CoverageRow Analytics 18 OK
            New-CoverageRow Precompute 18 Missing
            New-CoverageRow Analytics 19 Low
            New-CoverageRow Precompute 19 OK
            New-CoverageRow Precompute 20 Incomplete
        )
    }
    AfterEach { Remove-Item $dir -Recurse -Force -ErrorAction SilentlyContinue }

    It 'writes one sheet per layer with the properties as header and every row' {
        $rows | Export-CoverageWorkbook -Path $xlsx
        $wb = Read-Workbook $xlsx
        @($wb.Keys) | Should -Be @('Analytics', 'Precompute')
        $wb['Analytics'][0] | Should -Be @('Date', 'Season', 'Layer', 'Processor', 'Expected', 'Actual', 'CoveragePct', 'Status', 'Reason', 'Source')
        $wb['Analytics'].Count | Should -Be 3
        $wb['Precompute'].Count | Should -Be 4
        $wb['Precompute'][1][7] | Should -Be 'Missing'
        $wb['Precompute'][1][0] | Should -Be ([datetime]'2022-10-18').ToOADate().ToString([cultureinfo]::InvariantCulture)
        $wb['Precompute'][1][6] | Should -Be '93.3'
        Get-ChildItem $dir -Force | ForEach-Object Name | Should -Be 'coverage.xlsx' -Because 'the temporary file is moved into place'
    }

    It 'takes -InputObject as well as the pipeline and returns the file with -PassThru' {
        $file = Export-CoverageWorkbook -Path $xlsx -InputObject $rows -PassThru
        $file | Should -BeOfType [IO.FileInfo]
        $file.FullName | Should -Be $xlsx
        (Read-Workbook $xlsx).Count | Should -Be 2
    }

    It '-WhatIf writes nothing' {
        $rows | Export-CoverageWorkbook -Path $xlsx -WhatIf
        Test-Path $xlsx | Should -BeFalse
        Get-ChildItem $dir -Force | Should -BeNullOrEmpty
    }

    It 'refuses to overwrite without -Force and leaves the file unchanged' {
        $rows | Export-CoverageWorkbook -Path $xlsx
        $before = Get-FileChecksum $xlsx
        $err = Get-ThrownError { $rows | Select-Object -First 1 | Export-CoverageWorkbook -Path $xlsx }
        $err.FullyQualifiedErrorId | Should -BeLike 'WorkbookExists,*'
        $err.CategoryInfo.Category | Should -Be 'ResourceExists'
        Get-FileChecksum $xlsx | Should -Be $before

        $rows | Select-Object -First 1 | Export-CoverageWorkbook -Path $xlsx -Force
        @((Read-Workbook $xlsx).Keys) | Should -Be @('Analytics')
        @(Get-ChildItem $dir -Force).Count | Should -Be 1
    }

    It 'fails with WorkbookDirectoryNotFound for a missing directory and creates nothing' {
        $err = Get-ThrownError { $rows | Export-CoverageWorkbook -Path (Join-Path $dir 'nope/coverage.xlsx') }
        $err.FullyQualifiedErrorId | Should -BeLike 'WorkbookDirectoryNotFound,*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        Get-ChildItem $dir -Force | Should -BeNullOrEmpty
    }

    It 'fails with <Id> and leaves nothing behind for <Case>' -ForEach @(
        @{ Case = 'a directory path'; Id = 'WorkbookPathIsDirectory'; Category = 'InvalidArgument'; Target = { $dir } }
        @{ Case = 'an unwritable location'; Id = 'WorkbookNotWritable'; Category = 'PermissionDenied'; Target = { '/proc/coverage.xlsx' } }
    ) {
        $target = & $Target
        $err = Get-ThrownError { $rows | Export-CoverageWorkbook -Path $target }
        $err.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $err.CategoryInfo.Category | Should -Be $Category
        Get-ChildItem $dir -Force | Should -BeNullOrEmpty
    }

    It 'exports rows read back with Import-Csv, with numbers and dates typed again' {
        $csv = Join-Path $dir 'coverage.csv'
        $rows | Select-Object @{ n = 'Date'; e = { $_.Date.ToString('yyyy-MM-dd') } }, * -ExcludeProperty Date | Export-Csv $csv
        Import-Csv $csv | Export-CoverageWorkbook -Path $xlsx
        $wb = Read-Workbook $xlsx
        @($wb.Keys) | Should -Be @('Analytics', 'Precompute')
        $wb['Precompute'].Count | Should -Be 4
        $wb['Precompute'][1][0] | Should -Be ([datetime]'2022-10-18').ToOADate().ToString([cultureinfo]::InvariantCulture)
        $wb['Precompute'][1][1] | Should -Be '2022-23' -Because 'a season is text, not a date'
        $wb['Precompute'][1][4] | Should -Be '30'
    }

    It 'groups by -SheetBy and names sheets after the type when there is no Layer' {
        $report = @(
            [pscustomobject]@{ PSTypeName = 'BackfillTools.SeasonReportRow'; Season = '2021-22'; Dates = 165; Games = 1230; RawPct = 100; AnalyticsPct = 100; PrecomputePct = 98.2; Status = 'Incomplete' }
            [pscustomobject]@{ PSTypeName = 'BackfillTools.SeasonReportRow'; Season = '2022-23'; Dates = 164; Games = 1230; RawPct = 100; AnalyticsPct = 100; PrecomputePct = 100; Status = 'OK' }
        )
        $report | Export-CoverageWorkbook -Path $xlsx
        @((Read-Workbook $xlsx).Keys) | Should -Be @('SeasonReportRow')

        $bySeason = Join-Path $dir 'by-season.xlsx'
        $report | Export-CoverageWorkbook -Path $bySeason -SheetBy Season -Title 'Season report'
        $wb = Read-Workbook $bySeason
        @($wb.Keys) | Should -Be @('2021-22', '2022-23')
        $wb['2021-22'][0] | Should -Be @('Season report')
        $wb['2021-22'][1][0] | Should -Be 'Season'
    }

    It 'fails with SheetByPropertyNotFound when no object has the -SheetBy property' {
        $err = Get-ThrownError { $rows | Export-CoverageWorkbook -Path $xlsx -SheetBy Sesaon }
        $err.FullyQualifiedErrorId | Should -BeLike 'SheetByPropertyNotFound,*'
        Test-Path $xlsx | Should -BeFalse
    }
}
