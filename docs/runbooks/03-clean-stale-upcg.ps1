<#
.SYNOPSIS
    Runbook 03: clean stale upcoming_player_game_context (UPCG) rows safely, verify, and undo from the backup.
.DESCRIPTION
    Stale, partial UPCG rows are the trap behind the January incident. Backfills already bypass them (the 90% rule),
    but the table itself should be clean. The safe sequence:

      1. Find-StaleUpcg: list the partial dates (UPCG holds under 90% of the players who played).
      2. Clear-StaleUpcg -WhatIf: preview; nothing changes (the row count is checked).
      3. Clear-StaleUpcg -PassThru: back up the rows into backfilltools.upcg_backup_YYYYMMDD_HHMMSS, delete, verify.
      4. Verify: Find-StaleUpcg finds no partial date any more; the table lost exactly the backed-up rows.
      5. Undo (unless -KeepCleared): Restore-StaleUpcg puts every backed-up row back.

    Without an existing warehouse it creates the sample league with -Scenario StaleUpcg (2023-02-23 and 2023-02-24
    are partial). With -UseExisting it works on the warehouse at -WarehousePath as it is.
.OUTPUTS
    One pscustomobject summary: UPCG row counts before, after -WhatIf, after the clean-up and after the restore, the
    cleanup and restore objects and the partial dates found at each step.
.EXAMPLE
    ./docs/runbooks/03-clean-stale-upcg.ps1 -WarehousePath /data/backfill.duckdb -UseExisting -KeepCleared
#>
[CmdletBinding()]
param(
    # The warehouse. Without -UseExisting a sample warehouse is created here (replaced if it exists).
    [string] $WarehousePath = (Join-Path ([IO.Path]::GetTempPath()) "runbook03-$([guid]::NewGuid().ToString('N').Substring(0, 8)).duckdb"),
    # The module manifest to import; the assembled module of build.ps1 -Task Build.
    [string] $ModulePath = $env:BACKFILLTOOLS_MODULE_PATH,
    # Work on the warehouse at -WarehousePath instead of creating the sample league there.
    [switch] $UseExisting,
    # Stop after the verified clean-up: do not restore the backup.
    [switch] $KeepCleared
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
if (-not $ModulePath) { throw 'Pass -ModulePath or set $env:BACKFILLTOOLS_MODULE_PATH to the BackfillTools.psd1 to use.' }
Import-Module $ModulePath

function Format-Dates($dates) { (@($dates | Where-Object { $null -ne $_ } | ForEach-Object { $_.ToString('yyyy-MM-dd') } | Sort-Object -Unique)) -join ', ' }
function Get-UpcgRowCount {
    [long] (Get-BackfillWarehouse -Layer Analytics | Where-Object Table -eq 'nba_analytics.upcoming_player_game_context').Rows
}

if ($UseExisting) {
    Write-Host "== 0. Warehouse: $WarehousePath"
    Connect-BackfillWarehouse -Path $WarehousePath | Out-Null
}
else {
    Write-Host "== 0. Sample warehouse with stale UPCG rows (StaleUpcg) -> $WarehousePath"
    New-BackfillWarehouse -Path $WarehousePath -SampleData -Season 2022-23 -Scenario StaleUpcg -Force -Confirm:$false | Out-Null
}
$rowsBefore = Get-UpcgRowCount
Write-Host "upcoming_player_game_context holds $rowsBefore rows"

Write-Host '== 1. Find-StaleUpcg: partial dates'
$partial = @(Find-StaleUpcg | Where-Object IsPartial)
$partial | Format-Table Date, UpcgRows, PgsPlayers, CoveragePct, IsStale, AgeDays | Out-String -Width 160 | Write-Host
if (-not $partial) { Write-Host 'Nothing to clean.' }

Write-Host '== 2. Preview with -WhatIf (changes nothing)'
if ($partial) { $partial | Clear-StaleUpcg -WhatIf }
$rowsAfterWhatIf = Get-UpcgRowCount
if ($rowsAfterWhatIf -ne $rowsBefore) { throw "-WhatIf changed the table: $rowsBefore rows before, $rowsAfterWhatIf after." }
Write-Host "Still $rowsAfterWhatIf rows."

Write-Host '== 3. Clear-StaleUpcg with a backup'
$cleanup = $null
if ($partial) {
    $cleanup = $partial | Clear-StaleUpcg -Confirm:$false -PassThru
    Write-Host "Backed up $($cleanup.RowsBackedUp) rows to $($cleanup.BackupTable); deleted $($cleanup.RowsDeleted) rows on $(Format-Dates $cleanup.Dates)"
}

Write-Host '== 4. Verify the clean-up'
$rowsAfterClear = Get-UpcgRowCount
$partialAfterClear = @(Find-StaleUpcg | Where-Object IsPartial)
$deleted = if ($cleanup) { $cleanup.RowsDeleted } else { 0 }
if ($rowsAfterClear -ne $rowsBefore - $deleted) { throw "Expected $($rowsBefore - $deleted) rows after the clean-up, found $rowsAfterClear." }
if ($partialAfterClear) { throw "Still partial after the clean-up: $(Format-Dates $partialAfterClear.Date)" }
Write-Host "$rowsAfterClear rows left; Find-StaleUpcg finds no partial date."

$restore = $null
$rowsAfterRestore = $rowsAfterClear
$partialAfterRestore = $partialAfterClear
if ($cleanup -and -not $KeepCleared) {
    Write-Host "== 5. Undo: Restore-StaleUpcg -BackupTable $($cleanup.BackupTable)"
    $restore = $cleanup | Restore-StaleUpcg -Confirm:$false
    $rowsAfterRestore = Get-UpcgRowCount
    $partialAfterRestore = @(Find-StaleUpcg | Where-Object IsPartial)
    Write-Host "Restored $($restore.RowsRestored) of $($restore.RowsInBackup) rows ($($restore.RowsSkipped) skipped); the table holds $rowsAfterRestore rows again."
    if ($rowsAfterRestore -ne $rowsBefore) { throw "The restore left $rowsAfterRestore rows; $rowsBefore were there before." }
}

[pscustomobject]@{
    PSTypeName          = 'BackfillTools.Runbook.CleanStaleUpcg'
    WarehousePath       = $WarehousePath
    PartialDates        = @($partial | ForEach-Object { $_.Date.ToString('yyyy-MM-dd') })
    RowsBefore          = $rowsBefore
    RowsAfterWhatIf     = $rowsAfterWhatIf
    Cleanup             = $cleanup
    RowsAfterClear      = $rowsAfterClear
    PartialAfterClear   = $partialAfterClear.Count
    Restore             = $restore
    RowsAfterRestore    = $rowsAfterRestore
    PartialAfterRestore = @($partialAfterRestore | ForEach-Object { $_.Date.ToString('yyyy-MM-dd') })
}
