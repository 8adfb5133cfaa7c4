<#
.SYNOPSIS
    Benchmarks (build.ps1 -Task Bench): whole-process timings of the cmdlets, medians of several runs, written to docs/performance.md.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ReportPath,
    [int] $Runs = 3
)
$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText'
$work = Join-Path ([IO.Path]::GetTempPath()) ("bft-bench-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory $work | Out-Null
$pwshDll = Join-Path $PSHOME 'pwsh.dll'

# One scenario = a script run in a fresh pwsh (module import included); returns wall seconds and peak memory (MB).
function Measure-Scenario([string] $Name, [string] $Script, [string] $Setup = '') {
    $times = @(); $peaks = @()
    for ($i = 0; $i -lt $Runs; $i++) {
        if ($Setup) { & ([Environment]::ProcessPath) $pwshDll -NoProfile -NonInteractive -Command "`$ErrorActionPreference='Stop'; Import-Module '$ModulePath'; $Setup" | Out-Null }
        $full = "`$ErrorActionPreference='Stop'; `$ProgressPreference='SilentlyContinue'; Import-Module '$ModulePath'; $Script; " +
            "[Console]::Error.WriteLine('PEAK=' + [Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64)"
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $err = & ([Environment]::ProcessPath) $pwshDll -NoProfile -NonInteractive -Command $full 2>&1 | Out-String
        $sw.Stop()
        if ($LASTEXITCODE -ne 0) { throw "$Name failed: $err" }
        $times += $sw.Elapsed.TotalSeconds
        $peaks += [double](([regex]::Match($err, 'PEAK=(\d+)')).Groups[1].Value) / 1MB
    }
    $sorted = $times | Sort-Object
    [pscustomobject]@{ Scenario = $Name; MedianSeconds = $sorted[[int][Math]::Floor($sorted.Count / 2)]; PeakMB = ($peaks | Measure-Object -Maximum).Maximum; Runs = $Runs }
}

$db = Join-Path $work 'bench.duckdb'
$results = @()
$results += Measure-Scenario '(e) generate the sample league, 4 seasons' "New-BackfillWarehouse -Path '$db' -SampleData -Force | Out-Null"
$results | Format-Table | Out-String | Write-Host

$cpu = (Get-Content /proc/cpuinfo | Select-String '^model name' | Select-Object -First 1).Line -replace '.*:\s*', ''
$lines = @(
    '# Performance'
    ''
    "Measured by ``build.ps1 -Task Bench`` on $([Environment]::ProcessorCount) cores ($cpu), $(Get-Date -Format 'yyyy-MM-dd'). Each scenario runs in a fresh pwsh process (module import included); the figure is the median of $Runs runs."
    ''
    '| Scenario | Median wall time (s) | Peak memory (MB) |'
    '|---|---:|---:|'
)
$lines += $results | ForEach-Object { '| {0} | {1:N2} | {2:N0} |' -f $_.Scenario, $_.MedianSeconds, $_.PeakMB }
Set-Content -Path $ReportPath -Value ($lines -join "`n")
Remove-Item $work -Recurse -Force
Write-Host "Wrote $ReportPath"
exit 0
