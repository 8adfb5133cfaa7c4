<#
.SYNOPSIS
    Runbook 01: replay the January partial-backfill incident on a sample warehouse, see the gate stop it, and repair it.
.DESCRIPTION
    In January a PCF backfill published 1 player for 2023-02-23 (about 187 had played) because a stale, partial
    upcoming_player_game_context (UPCG) was trusted. This runbook replays it end to end on the sample league:

      1. Create a sample warehouse with -Scenario StaleUpcg (season 2022-23).
      2. Find-StaleUpcg flags 2023-02-23 (1 row) and 2023-02-24 (68 rows) as partial.
      3. Replay the reference behaviour: Invoke-Backfill -ContextSource ForceUpcg. The 90% gate quarantines PCF on both
         dates and writes a non-terminating CoverageBelowThreshold error per quarantined partition.
      4. Test-Coverage explains both PCF dates with Reason StaleUpcg.
      5. Repair: Clear-StaleUpcg (with a backup table) and then either
           -RepairMethod Pipeline     Test-Coverage ... | Where-Object Status -ne OK | Invoke-Backfill
           -RepairMethod RetryFailed  Invoke-Backfill -RetryFailed (the failed partitions of the replay run)
      6. Final Test-Coverage: every processor OK on both dates, PCF built from the synthetic context.

    Against a real warehouse, skip steps 1 and 3: start at Find-StaleUpcg, and repair with step 5.
.OUTPUTS
    One pscustomobject summary (see the end of the script): the partial dates, the replay's quarantined dates and
    error ids, the coverage reasons, the cleanup and repair results and the final coverage rows.
.EXAMPLE
    ./docs/runbooks/01-January-incident.ps1 -ModulePath ./out/BackfillTools/0.1.0/BackfillTools.psd1
#>
[CmdletBinding()]
param(
    # The sample warehouse to create (replaced if it exists).
    [string] $WarehousePath = (Join-Path ([IO.Path]::GetTempPath()) "runbook01-$([guid]::NewGuid().ToString('N').Substring(0, 8)).duckdb"),
    # The module manifest to import; the assembled module of build.ps1 -Task Build.
    [string] $ModulePath = $env:BACKFILLTOOLS_MODULE_PATH,
    # How to re-run what the gate held back once the stale rows are gone.
    [ValidateSet('Pipeline', 'RetryFailed')]
    [string] $RepairMethod = 'Pipeline'
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
if (-not $ModulePath) { throw 'Pass -ModulePath or set $env:BACKFILLTOOLS_MODULE_PATH to the BackfillTools.psd1 to use.' }
Import-Module $ModulePath

$incidentStart = [datetime] '2023-02-23'
$incidentEnd = [datetime] '2023-02-24'
function Format-Dates($dates) { (@($dates | Where-Object { $null -ne $_ } | ForEach-Object { $_.ToString('yyyy-MM-dd') } | Sort-Object -Unique)) -join ', ' }

Write-Host "== 1. Sample warehouse with the January incident (StaleUpcg) -> $WarehousePath"
New-BackfillWarehouse -Path $WarehousePath -SampleData -Season 2022-23 -Scenario StaleUpcg -Force -Confirm:$false | Out-Null

Write-Host '== 2. Find-StaleUpcg: which dates hold a partial pre-game context?'
$partial = @(Find-StaleUpcg | Where-Object IsPartial)
$partial | Format-Table Date, UpcgRows, PgsPlayers, CoveragePct, IsPartial | Out-String -Width 160 | Write-Host
Write-Host "Partial UPCG on: $(Format-Dates $partial.Date)"

Write-Host '== 3. Replay the reference behaviour: backfill with -ContextSource ForceUpcg'
Write-Host '   (the processors trust the partial UPCG; the coverage gate must stop the dates from being published)'
$replayErrors = @()
$replay = @(Invoke-Backfill -StartDate $incidentStart -EndDate $incidentEnd -ContextSource ForceUpcg -Confirm:$false `
        -ErrorVariable +replayErrors -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
$replay | Format-Table Date, Processor, Status, Expected, Accounted, CoveragePct, Source, PgsPlayers, UpcgRows |
    Out-String -Width 200 | Write-Host
$replayErrorIds = @($replayErrors | ForEach-Object { ($_.FullyQualifiedErrorId -split ',')[0] })
foreach ($e in $replayErrors) {
    Write-Host ("   error [{0}] {1:yyyy-MM-dd} {2}" -f ($e.FullyQualifiedErrorId -split ',')[0], $e.TargetObject.Date, $e.TargetObject.Processor)
}
$quarantinedPcf = @($replay | Where-Object { $_.Processor -eq 'PCF' -and $_.Status -eq 'Quarantined' })
Write-Host "PCF quarantined on: $(Format-Dates $quarantinedPcf.Date) (nothing was published for them)"

Write-Host '== 4. Test-Coverage: why are the dates not OK?'
$before = @(Test-Coverage -StartDate $incidentStart -EndDate $incidentEnd -Layer Precompute)
$before | Format-Table Date, Processor, Status, Reason, Source, CoveragePct | Out-String -Width 200 | Write-Host
$pcfBefore = @($before | Where-Object Processor -eq 'PCF')
$pcfBefore | ForEach-Object { Write-Host ("   {0:yyyy-MM-dd} PCF: {1}" -f $_.Date, $_.Detail) }

Write-Host '== 5a. Repair: clear the stale rows, keeping a backup table (undo: Restore-StaleUpcg)'
$cleanup = $partial | Clear-StaleUpcg -Confirm:$false -PassThru
Write-Host "Deleted $($cleanup.RowsDeleted) UPCG rows on $(Format-Dates $cleanup.Dates); backup in $($cleanup.BackupTable) ($($cleanup.RowsBackedUp) rows)"
$partialAfterClear = @(Find-StaleUpcg | Where-Object IsPartial)

Write-Host "== 5b. Repair: re-run what is not OK ($RepairMethod)"
$replayRunId = $replay[0].RunId
$repair = if ($RepairMethod -eq 'Pipeline') {
    @(Test-Coverage -StartDate $incidentStart -EndDate $incidentEnd -Layer Precompute |
            Where-Object Status -ne OK |
            Invoke-Backfill -Confirm:$false -WarningAction SilentlyContinue)
}
else {
    @(Invoke-Backfill -RetryFailed -RunId $replayRunId -Confirm:$false -WarningAction SilentlyContinue)
}
$repair | Format-Table Date, Processor, Status, Expected, Accounted, CoveragePct, Source | Out-String -Width 200 | Write-Host

Write-Host '== 6. Verify: Test-Coverage on the incident dates'
$after = @(Test-Coverage -StartDate $incidentStart -EndDate $incidentEnd -Layer Precompute)
$after | Format-Table Date, Processor, Status, Reason, Source, CoveragePct | Out-String -Width 200 | Write-Host
$notOk = @($after | Where-Object Status -ne 'OK')
if ($notOk) { Write-Host "NOT REPAIRED: $($notOk.Count) partition(s) are not OK." }
else { Write-Host 'REPAIRED: every processor is OK on 2023-02-23 and 2023-02-24.' }

[pscustomobject]@{
    PSTypeName           = 'BackfillTools.Runbook.JanuaryIncident'
    WarehousePath        = $WarehousePath
    RepairMethod         = $RepairMethod
    PartialDates         = @($partial | ForEach-Object { $_.Date.ToString('yyyy-MM-dd') })
    ReplayRunId          = $replayRunId
    ReplayQuarantinedPcf = @($quarantinedPcf | ForEach-Object { $_.Date.ToString('yyyy-MM-dd') } | Sort-Object)
    ReplayErrorIds       = $replayErrorIds
    ReplayErrors         = $replayErrors
    CoverageBefore       = $before
    Cleanup              = $cleanup
    PartialAfterClear    = $partialAfterClear.Count
    Repair               = $repair
    CoverageAfter        = $after
    Repaired             = ($notOk.Count -eq 0 -and $after.Count -gt 0)
}
