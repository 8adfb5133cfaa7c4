<#
.SYNOPSIS
    Runbook 04: a backfill process dies half way; find the interrupted run, resume it, retry what is left, verify.
.DESCRIPTION
    Every published date is whole (write-audit-publish), and the ledger keeps the plan, so a crash costs only the
    partitions that were in flight. This runbook reproduces a crash and the recovery:

      1. Create the sample league (season 2022-23) at -WarehousePath.
      2. Start Invoke-Backfill -StartDate..-EndDate in a child pwsh and kill it (as a crash or an OOM kill would) as
         soon as its verbose log shows that -KillAfter has published, while later processors are still running.
      3. Get-BackfillRun: the run is left Running (or Interrupted, once another backfill has taken over its lock) with
         partitions Pending.
      4. Invoke-Backfill -Resume <RunId>: finishes the unfinished partitions under the same run id (the dead
         process's lock is taken over with a warning).
      5. Invoke-Backfill -RetryFailed -RunId <RunId> for any partition that failed or was quarantined (normally none).
      6. Test-Coverage over the range: every processor OK (or by design Bootstrap/NotEligible) on every date.

    On a real warehouse, start at step 3.
.OUTPUTS
    One pscustomobject summary: whether the child was killed, the run before and after the resume, the resume and
    retry results, and the final coverage rows.
.EXAMPLE
    ./docs/runbooks/04-resume-after-crash.ps1 -ModulePath ./out/BackfillTools/0.1.0/BackfillTools.psd1
#>
[CmdletBinding()]
param(
    # The sample warehouse to create (replaced if it exists).
    [string] $WarehousePath = (Join-Path ([IO.Path]::GetTempPath()) "runbook04-$([guid]::NewGuid().ToString('N').Substring(0, 8)).duckdb"),
    # The module manifest to import; the assembled module of build.ps1 -Task Build.
    [string] $ModulePath = $env:BACKFILLTOOLS_MODULE_PATH,
    # The range the child backfills.
    [datetime] $StartDate = '2022-11-20',
    [datetime] $EndDate = '2023-01-20',
    # Kill the child once this processor has logged its dates (processors run TDZA, PSZA, PCF, PDC, MLFS).
    [ValidateSet('TDZA', 'PSZA', 'PCF', 'PDC')]
    [string] $KillAfter = 'PCF',
    # Give up waiting for the child after this many seconds.
    [int] $TimeoutSeconds = 120
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
if (-not $ModulePath) { throw 'Pass -ModulePath or set $env:BACKFILLTOOLS_MODULE_PATH to the BackfillTools.psd1 to use.' }
$ModulePath = (Resolve-Path $ModulePath).Path
Import-Module $ModulePath
$range = '{0:yyyy-MM-dd}..{1:yyyy-MM-dd}' -f $StartDate, $EndDate

Write-Host "== 1. Sample warehouse (2022-23) -> $WarehousePath"
New-BackfillWarehouse -Path $WarehousePath -SampleData -Season 2022-23 -Force -Confirm:$false | Out-Null

Write-Host "== 2. Backfill $range in a child pwsh, killed after $KillAfter has logged its dates"
$log = "$WarehousePath.verbose.log"
Remove-Item $log -ErrorAction SilentlyContinue
$childScript = @"
`$ErrorActionPreference = 'Stop'; `$ProgressPreference = 'SilentlyContinue'
Import-Module '$($ModulePath -replace "'", "''")'
Connect-BackfillWarehouse -Path '$($WarehousePath -replace "'", "''")' | Out-Null
Invoke-Backfill -StartDate $($StartDate.ToString('yyyy-MM-dd')) -EndDate $($EndDate.ToString('yyyy-MM-dd')) -Confirm:`$false -Verbose -ErrorAction SilentlyContinue -WarningAction SilentlyContinue 4>&1 |
    ForEach-Object { if (`$_ -is [System.Management.Automation.VerboseRecord]) { Add-Content -Path '$($log -replace "'", "''")' -Value `$_.Message } }
"@
# The pwsh running this script: pwsh itself, or dotnet with pwsh.dll (the local dotnet tool).
$exe = [Environment]::ProcessPath
$psi = [Diagnostics.ProcessStartInfo]::new($exe)
if ((Split-Path -Leaf $exe) -match '^dotnet(\.exe)?$') { $psi.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
foreach ($a in '-NoProfile', '-NonInteractive', '-Command', $childScript) { $psi.ArgumentList.Add($a) }
$psi.UseShellExecute = $false
$psi.RedirectStandardOutput = $true
$psi.RedirectStandardError = $true
$child = [Diagnostics.Process]::Start($psi)
$null = $child.StandardOutput.ReadToEndAsync(); $null = $child.StandardError.ReadToEndAsync()
$killed = $false
$deadline = (Get-Date).AddSeconds($TimeoutSeconds)
try {
    while (-not $child.HasExited -and (Get-Date) -lt $deadline) {
        if ((Test-Path $log) -and (Select-String -Path $log -Pattern " $KillAfter`: " -SimpleMatch -Quiet)) {
            $child.Kill($true)
            $killed = $true
            break
        }
        Start-Sleep -Milliseconds 50
    }
    if (-not $child.HasExited -and -not $killed) { $child.Kill($true); $killed = $true; Write-Host "   timed out after $TimeoutSeconds s" }
}
finally { $child.WaitForExit() }
if ($killed) { Write-Host "   killed process $($child.Id) after $((Get-Content $log).Count) verbose lines" }
else { Write-Host "   the child finished before it could be killed (exit code $($child.ExitCode)); nothing to resume" }

Write-Host '== 3. Get-BackfillRun: the interrupted run'
Get-BackfillRun -Last 3 | Format-Table | Out-String -Width 200 | Write-Host
$run = Get-BackfillRun -Last 20 |
    Where-Object { $_.Status -in 'Running', 'Interrupted', 'Cancelled', 'Stopped' -and ($_.Pending + $_.Cancelled) -gt 0 } |
    Select-Object -First 1
$runBefore = $run
$resume = @()
$retry = @()
if (-not $run) {
    Write-Host 'No unfinished run in the ledger.'
    $runAfter = Get-BackfillRun -Last 1
}
else {
    Write-Host "Run $($run.RunId): $($run.Status), $($run.Published) published, $($run.Pending) pending, $($run.Cancelled) cancelled"

    Write-Host "== 4. Invoke-Backfill -Resume $($run.RunId)"
    $resumeWarnings = @()
    $resume = @(Invoke-Backfill -Resume $run.RunId -Confirm:$false -ErrorAction SilentlyContinue -WarningVariable +resumeWarnings -WarningAction SilentlyContinue)
    $resumeWarnings | ForEach-Object { Write-Host "   warning: $_" }
    $resume | Group-Object Processor, Status | Select-Object @{ n = 'Processor, Status'; e = { $_.Name } }, Count |
        Format-Table | Out-String -Width 160 | Write-Host
    $runAfter = Get-BackfillRun -RunId $run.RunId

    Write-Host '== 5. Invoke-Backfill -RetryFailed for anything that failed or was quarantined'
    if (($runAfter.Failed + $runAfter.Quarantined + $runAfter.Cancelled) -gt 0) {
        $retry = @(Invoke-Backfill -RetryFailed -RunId $run.RunId -Confirm:$false -WarningAction SilentlyContinue)
        $retry | Format-Table Date, Processor, Status, CoveragePct, Message | Out-String -Width 200 | Write-Host
    }
    else { Write-Host 'Nothing failed: no retry needed.' }
}
Get-BackfillRun -Last 3 | Format-Table | Out-String -Width 200 | Write-Host

Write-Host "== 6. Verify: Test-Coverage $range"
$coverage = @(Test-Coverage -StartDate $StartDate -EndDate $EndDate -Layer Precompute)
$coverage | Group-Object Processor, Status | Select-Object @{ n = 'Processor, Status'; e = { $_.Name } }, Count |
    Format-Table | Out-String -Width 160 | Write-Host
$notOk = @($coverage | Where-Object { $_.Status -notin 'OK', 'Bootstrap', 'NotEligible' })
if ($notOk) { Write-Host "NOT COMPLETE: $($notOk.Count) partition(s) are not OK." }
else { Write-Host "COMPLETE: every partition of $range is OK." }

[pscustomobject]@{
    PSTypeName    = 'BackfillTools.Runbook.ResumeAfterCrash'
    WarehousePath = $WarehousePath
    Killed        = $killed
    ChildExitCode = $child.ExitCode
    RunId         = $runBefore.RunId
    RunBefore     = $runBefore
    Resume        = $resume
    RunAfter      = $runAfter
    Retry         = $retry
    Coverage      = $coverage
    Complete      = ($notOk.Count -eq 0 -and $coverage.Count -gt 0)
}
