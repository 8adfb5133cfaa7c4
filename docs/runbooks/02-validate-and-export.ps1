<#
.SYNOPSIS
    Runbook 02: validate seasons and hand the coverage table over as CSV and Excel, with the season report.
.DESCRIPTION
    The sign-off job after a backfill:

      1. Get-SeasonReport: one row per season (L1, L3 and L4 percentages and the number of problem dates), and per
         season and processor.
      2. Test-Coverage for every date, layer and table/processor of the seasons.
      3. Export: coverage.csv (every column, Import-Csv-able, pipeable back into Invoke-Backfill), coverage.xlsx
         (Export-CoverageWorkbook: a sheet per layer, filters, red/amber/green Status), season-report.csv and
         season-report.xlsx (a sheet per season, one row per processor), and gaps.csv (the rows that need attention).

    By default it validates the four sample seasons. Without -UseExisting it first creates the sample league at
    -WarehousePath and backfills -BackfillStartDate..-BackfillEndDate, so the report has published dates to show;
    with -UseExisting it validates the warehouse as it is. Pass fewer seasons (-Season 2022-23) for a quick run.
.OUTPUTS
    One pscustomobject summary: the files written, the coverage rows, the season reports and the counts per layer.
.EXAMPLE
    ./docs/runbooks/02-validate-and-export.ps1 -WarehousePath /data/backfill.duckdb -UseExisting -OutputDirectory /reports/2026-01
#>
[CmdletBinding()]
param(
    # The warehouse. Without -UseExisting a sample warehouse is created here (replaced if it exists).
    [string] $WarehousePath = (Join-Path ([IO.Path]::GetTempPath()) "runbook02-$([guid]::NewGuid().ToString('N').Substring(0, 8)).duckdb"),
    # The module manifest to import; the assembled module of build.ps1 -Task Build.
    [string] $ModulePath = $env:BACKFILLTOOLS_MODULE_PATH,
    # The seasons to validate.
    [string[]] $Season = @('2021-22', '2022-23', '2023-24', '2024-25'),
    # Where the CSV and Excel files go (created if missing; existing files are replaced).
    [string] $OutputDirectory = (Join-Path ([IO.Path]::GetTempPath()) "runbook02-$([guid]::NewGuid().ToString('N').Substring(0, 8))"),
    # Validate the warehouse at -WarehousePath as it is, instead of creating and backfilling the sample league.
    [switch] $UseExisting,
    # The window the sample warehouse is backfilled over before validation (ignored with -UseExisting).
    [datetime] $BackfillStartDate = '2022-11-14',
    [datetime] $BackfillEndDate = '2022-11-27'
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
if (-not $ModulePath) { throw 'Pass -ModulePath or set $env:BACKFILLTOOLS_MODULE_PATH to the BackfillTools.psd1 to use.' }
Import-Module $ModulePath

if ($UseExisting) {
    Write-Host "== 0. Warehouse: $WarehousePath"
    Connect-BackfillWarehouse -Path $WarehousePath | Out-Null
}
else {
    Write-Host "== 0. Sample warehouse for $($Season -join ', ') -> $WarehousePath"
    New-BackfillWarehouse -Path $WarehousePath -SampleData -Season $Season -Force -Confirm:$false | Out-Null
    Write-Host "   backfilling $($BackfillStartDate.ToString('yyyy-MM-dd'))..$($BackfillEndDate.ToString('yyyy-MM-dd')) so there is something to report"
    $bf = @(Invoke-Backfill -StartDate $BackfillStartDate -EndDate $BackfillEndDate -Confirm:$false -WarningAction SilentlyContinue)
    $bf | Group-Object Processor, Status | Select-Object @{ n = 'Processor, Status'; e = { $_.Name } }, Count |
        Format-Table | Out-String -Width 160 | Write-Host
}
New-Item -ItemType Directory -Force -Path $OutputDirectory | Out-Null

Write-Host "== 1. Get-SeasonReport -Season $($Season -join ', ')"
$report = @(Get-SeasonReport -Season $Season)
$report | Format-Table | Out-String -Width 200 | Write-Host
$byProcessor = @(Get-SeasonReport -Season $Season -ByProcessor)
$byProcessor | Format-Table | Out-String -Width 200 | Write-Host

Write-Host '== 2. Test-Coverage: every date, layer and table/processor'
$coverage = @(Test-Coverage -Season $Season)
$byLayer = [ordered]@{}
foreach ($g in ($coverage | Group-Object { [string] $_.Layer })) { $byLayer[$g.Name] = $g.Count }
$coverage | Group-Object { [string] $_.Layer }, { [string] $_.Status } | Sort-Object Name |
    Select-Object @{ n = 'Layer, Status'; e = { $_.Name } }, Count | Format-Table | Out-String -Width 160 | Write-Host
$gaps = @($coverage | Where-Object IsProblem)
Write-Host "$($coverage.Count) coverage rows; $($gaps.Count) need attention (Low, Incomplete or Missing)."

Write-Host "== 3. Export to $OutputDirectory"
$files = [ordered]@{
    CoverageCsv      = Join-Path $OutputDirectory 'coverage.csv'
    CoverageXlsx     = Join-Path $OutputDirectory 'coverage.xlsx'
    GapsCsv          = Join-Path $OutputDirectory 'gaps.csv'
    SeasonReportCsv  = Join-Path $OutputDirectory 'season-report.csv'
    SeasonReportXlsx = Join-Path $OutputDirectory 'season-report.xlsx'
}
$title = "Coverage $($Season -join ', ')"
$coverage | Export-Csv -Path $files.CoverageCsv -NoTypeInformation -Encoding utf8NoBOM
$coverage | Export-CoverageWorkbook -Path $files.CoverageXlsx -Title $title -Force
$gaps | Export-Csv -Path $files.GapsCsv -NoTypeInformation -Encoding utf8NoBOM
$report | Export-Csv -Path $files.SeasonReportCsv -NoTypeInformation -Encoding utf8NoBOM
$byProcessor | Export-CoverageWorkbook -Path $files.SeasonReportXlsx -SheetBy Season -Title 'Season report by processor' -Force
$files.Values | Get-Item | Format-Table Name, Length, LastWriteTime | Out-String -Width 160 | Write-Host
Write-Host 'Repair the gaps later with: Import-Csv gaps.csv | Invoke-Backfill  (Raw and Analytics rows are ignored there)'

[pscustomobject]@{
    PSTypeName          = 'BackfillTools.Runbook.ValidateAndExport'
    WarehousePath       = $WarehousePath
    Season              = $Season
    OutputDirectory     = $OutputDirectory
    Files               = [pscustomobject] $files
    Coverage            = $coverage
    CoverageRowsByLayer = [pscustomobject] $byLayer
    Gaps                = $gaps
    SeasonReport        = $report
    SeasonReportByProcessor = $byProcessor
}
