<#
.SYNOPSIS
    Runs the Pester suites against an assembled module and writes a machine-readable summary.
.DESCRIPTION
    Called by build.ps1 -Task Test in a child pwsh. Test files find the module under test through
    $env:BACKFILLTOOLS_MODULE_PATH. Prints "Pester: N passed, N failed, N skipped" and exits non-zero on any failure,
    including a file that fails to load (Invoke-Pester alone would report those only as failed containers).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string[]] $TestPath,
    [Parameter(Mandatory)] [string] $ResultPath,
    [Parameter(Mandatory)] [string] $SummaryPath,
    [string[]] $ExcludeTag = @()
)
$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText'
$ProgressPreference = 'SilentlyContinue'
$env:BACKFILLTOOLS_MODULE_PATH = (Resolve-Path $ModulePath).Path
# Tests must not inherit an operator's defaults.
Remove-Item Env:BACKFILLTOOLS_WAREHOUSE, Env:BACKFILLTOOLS_ALERT_WEBHOOK, Env:BIGQUERY_EMULATOR_HOST -ErrorAction SilentlyContinue

Import-Module $PesterPath -Force
# -File passes lists as one comma-joined string.
$TestPath = @($TestPath | ForEach-Object { $_ -split ',' })
$ExcludeTag = @($ExcludeTag | ForEach-Object { $_ -split ',' } | Where-Object { $_ })
$paths = @($TestPath | Where-Object { Test-Path $_ })
$cfg = New-PesterConfiguration
$cfg.Run.Path = $paths
$cfg.Run.PassThru = $true
$cfg.Run.Exit = $false
$cfg.Output.Verbosity = 'Detailed'
$cfg.Output.CIFormat = 'None'
$cfg.Output.RenderMode = 'Plaintext'
$cfg.Filter.ExcludeTag = $ExcludeTag
$cfg.TestResult.Enabled = $true
$cfg.TestResult.OutputFormat = 'JUnitXml'
$cfg.TestResult.OutputPath = Join-Path $ResultPath 'pester.xml'
$r = Invoke-Pester -Configuration $cfg
if (-not $r) {
    # "No test files were found" returns $null.
    @{ Passed = 0; Failed = 1; Skipped = 0 } | ConvertTo-Json | Set-Content $SummaryPath
    'Pester: 0 passed, 1 failed'
    exit 1
}
# A failed BeforeAll already fails its tests; a container that cannot load is counted once.
$failed = $r.FailedCount + $r.FailedContainersCount
@{ Passed = $r.PassedCount; Failed = $failed; Skipped = $r.SkippedCount } | ConvertTo-Json | Set-Content $SummaryPath
"Pester: $($r.PassedCount) passed, $failed failed, $($r.SkippedCount) skipped"
if ($failed -gt 0 -or $r.Result -ne 'Passed') { exit 1 }
exit 0
