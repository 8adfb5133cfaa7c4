<#
.SYNOPSIS
    Runbook 05: a bad backfill was forced through; take it back with Undo-BackfillRun and verify the good data is back.
.DESCRIPTION
    Every publish archives the state it replaces, so a run can be taken back whole. This runbook replays the January
    incident the other way round: the good data is already published, then someone forces a backfill through on stale
    UPCG context with the gate switched off.

      1. Create the sample league (season 2022-23, StaleUpcg scenario) at -WarehousePath.
      2. Good backfill of TDZA, PSZA and PCF on the incident dates (synthetic context); snapshot PCF's rows.
      3. Bad backfill forced through: Invoke-Backfill -Processor PCF -ContextSource ForceUpcg -MinCoverage 0 publishes
         the partial-UPCG rows.
      4. Test-Coverage shows which run each date holds (the bad one).
      5. Undo-BackfillRun -RunId <bad run> -WhatIf lists the partitions with their row counts.
      6. Undo-BackfillRun -RunId <bad run>: restores the good rows; running it again changes nothing.
      7. Verify: PCF's rows equal the snapshot column for column, the bad run reads Undone, and Test-Coverage names the
         good run again.

    On a real warehouse, start at step 4 with the run id Get-BackfillRun shows.
.OUTPUTS
    One pscustomobject summary: the two run ids, the undo preview and results, the bad run after the undo, the runs
    Test-Coverage named before and after, and whether the PCF rows are back byte for byte.
.EXAMPLE
    ./docs/runbooks/05-undo-a-bad-backfill.ps1 -ModulePath ./out/BackfillTools/0.1.0/BackfillTools.psd1
#>
[CmdletBinding()]
param(
    # The sample warehouse to create (replaced if it exists).
    [string] $WarehousePath = (Join-Path ([IO.Path]::GetTempPath()) "runbook05-$([guid]::NewGuid().ToString('N').Substring(0, 8)).duckdb"),
    # The module manifest to import; the assembled module of build.ps1 -Task Build.
    [string] $ModulePath = $env:BACKFILLTOOLS_MODULE_PATH
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
if (-not $ModulePath) { throw 'Pass -ModulePath or set $env:BACKFILLTOOLS_MODULE_PATH to the BackfillTools.psd1 to use.' }
Import-Module (Resolve-Path $ModulePath).Path
$start = [datetime] '2023-02-23'
$end = [datetime] '2023-02-24'

Write-Host "== 1. Sample warehouse (2022-23, StaleUpcg) -> $WarehousePath"
New-BackfillWarehouse -Path $WarehousePath -SampleData -Season 2022-23 -Scenario StaleUpcg -Force -Confirm:$false | Out-Null
Connect-BackfillWarehouse -Path $WarehousePath | Out-Null

# PCF's rows of the incident dates, every column, as text: what "byte for byte" is checked on.
function Get-PcfRows {
    $c = [DuckDB.NET.Data.DuckDBConnection]::new("Data Source=$WarehousePath")
    try {
        $c.Open(); $cmd = $c.CreateCommand()
        $cmd.CommandText = "SELECT * FROM nba_precompute.player_composite_factors WHERE game_date BETWEEN DATE '2023-02-23' AND DATE '2023-02-24' ORDER BY game_date, player_lookup"
        $r = $cmd.ExecuteReader(); $rows = [Collections.Generic.List[string]]::new()
        while ($r.Read()) {
            $rows.Add((@(0..($r.FieldCount - 1) | ForEach-Object { if ($r.IsDBNull($_)) { 'NULL' } else { [string] $r.GetValue($_) } }) -join '|'))
        }
        , $rows.ToArray()
    }
    finally { $c.Dispose() }
}

Write-Host '== 2. Good backfill (synthetic context)'
$good = @(Invoke-Backfill -StartDate $start -EndDate $end -Processor TDZA, PSZA, PCF -Confirm:$false -WarningAction SilentlyContinue)
$goodRunId = $good[0].RunId
$goodRows = Get-PcfRows

Write-Host '== 3. Bad backfill forced through on stale UPCG (-ContextSource ForceUpcg -MinCoverage 0)'
$bad = @(Invoke-Backfill -StartDate $start -EndDate $end -Processor PCF -ContextSource ForceUpcg -MinCoverage 0 -Confirm:$false -WarningAction SilentlyContinue)
$badRunId = $bad[0].RunId
$badRows = Get-PcfRows

Write-Host '== 4. Which run each date holds'
$coverageBefore = @(Test-Coverage -StartDate $start -EndDate $end -Layer Precompute -Processor PCF)
$heldBefore = @($coverageBefore | ForEach-Object PublishedByRunId)
$sourceBefore = @($coverageBefore | ForEach-Object Source)

Write-Host "== 5. Undo-BackfillRun -RunId $badRunId -WhatIf"
$preview = @(Undo-BackfillRun -RunId $badRunId -WhatIf)

Write-Host "== 6. Undo-BackfillRun -RunId $badRunId (then again: nothing left)"
$undo = @(Undo-BackfillRun -RunId $badRunId -Confirm:$false)
$again = @(Undo-BackfillRun -RunId $badRunId -Confirm:$false -WarningAction SilentlyContinue)

Write-Host '== 7. Verify'
$rowsAfter = Get-PcfRows
$coverageAfter = @(Test-Coverage -StartDate $start -EndDate $end -Layer Precompute -Processor PCF)
$heldAfter = @($coverageAfter | ForEach-Object PublishedByRunId)
[pscustomobject]@{
    WarehousePath    = $WarehousePath
    GoodRunId        = $goodRunId
    BadRunId         = $badRunId
    BadPublished     = @($bad | Where-Object Status -eq 'Published').Count
    BadChangedRows   = ($goodRows -join "`n") -cne ($badRows -join "`n")
    HeldBefore       = $heldBefore
    Preview          = $preview
    Undo             = $undo
    UndoAgain        = $again
    BadRunAfter      = Get-BackfillRun -RunId $badRunId
    HeldAfter        = $heldAfter
    # The context the dates' rows were built from, as Test-Coverage reads it (the context logs are restored too).
    SourceBefore     = $sourceBefore
    SourceAfter      = @($coverageAfter | ForEach-Object Source)
    GoodDataRestored = ($goodRows.Count -gt 0) -and (($goodRows -join "`n") -ceq ($rowsAfter -join "`n"))
}
