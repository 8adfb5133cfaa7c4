<#
.SYNOPSIS
    Benchmarks (build.ps1 -Task Bench): whole-process timings of the cmdlets on the sample league, medians of several
    runs, peak memory and ratios from the same run, written to docs/performance.md.
.DESCRIPTION
    Every scenario runs in a fresh pwsh process (module import included), as an operator would run it. Set-up (generating
    the warehouse a scenario starts from) is not timed. Scenarios whose cmdlets are not in the module are reported as such.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ReportPath,
    [int] $Runs = 3,
    # The per-date baseline is slow by design: it is measured on this range, with the set-based run on the same range.
    [string] $BaselineStart = '2022-12-01',
    [string] $BaselineEnd = '2022-12-07',
    # Scenario (f): the 10x league (40 seasons); its backfill is long, so it runs once unless asked otherwise.
    [int] $Scale = 10,
    [int] $ScaleRuns = 1,
    [switch] $SkipScale,
    # The fake BigQuery server (build.ps1 builds it): scenario (g) counts the jobs a season's backfill issues over BigQuery.
    [string] $FakeBigQueryPath
)
$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText'
$work = Join-Path ([IO.Path]::GetTempPath()) ("bft-bench-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory $work | Out-Null
$pwshDll = Join-Path $PSHOME 'pwsh.dll'
$seasons = "'2021-22','2022-23','2023-24','2024-25'"

function Invoke-Pwsh([string] $Script) {
    $full = "`$ErrorActionPreference='Stop'; `$ProgressPreference='SilentlyContinue'; Import-Module '$ModulePath'; $Script; " +
        "[Console]::Out.WriteLine('PEAK=' + [Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64)"
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $out = & ([Environment]::ProcessPath) $pwshDll -NoProfile -NonInteractive -Command $full 2>&1 | Out-String
    $sw.Stop()
    if ($LASTEXITCODE -ne 0) { throw "Benchmark step failed: $out" }
    [pscustomobject]@{ Seconds = $sw.Elapsed.TotalSeconds; PeakMB = [double](([regex]::Match($out, 'PEAK=(\d+)')).Groups[1].Value) / 1MB; Output = $out }
}

# One scenario: optional untimed set-up, then the timed script, $Runs times; the median and the worst peak.
function Measure-Scenario([string] $Name, [string] $Script, [string] $Setup = '', [scriptblock] $Rows = $null) {
    Write-Host "-- $Name"
    $samples = foreach ($i in 1..$Runs) {
        if ($Setup) { Invoke-Pwsh $Setup | Out-Null }
        Invoke-Pwsh $Script
    }
    $sorted = @($samples.Seconds | Sort-Object)
    $median = $sorted[[int][Math]::Floor($sorted.Count / 2)]
    $rowCount = if ($Rows) { & $Rows } else { $null }
    [pscustomobject]@{
        Scenario = $Name; MedianSeconds = $median; MinSeconds = $sorted[0]; MaxSeconds = $sorted[-1]
        PeakMB = ($samples.PeakMB | Measure-Object -Maximum).Maximum; Rows = $rowCount
        RowsPerSecond = if ($rowCount) { $rowCount / $median } else { $null }
    }
}

function Get-OutputRows([string] $Db) {
    $s = "Connect-BackfillWarehouse '$Db' | Out-Null; (Get-BackfillWarehouse -Layer Precompute | Measure-Object Rows -Sum).Sum"
    [long](((Invoke-Pwsh $s).Output -split "`n")[0])
}

$template = Join-Path $work 'league.duckdb'
$db = Join-Path $work 'bench.duckdb'
$results = [System.Collections.Generic.List[object]]::new()

$results.Add((Measure-Scenario '(e) generate the sample league (4 seasons)' "New-BackfillWarehouse -Path '$template' -SampleData -Season $seasons -Force | Out-Null"))
$module = Get-Module -ListAvailable $ModulePath
# The 7 games of 2021-22 that have no box scores in the sample league can never be filled: waived explicitly, by id,
# so the backfills below publish their dates over the games that exist (issue #12).
$lostGames = "'0022100382', '0022100529', '0022100655', '0022100886', '0022100915', '0022101080', '0022101137'"
$waive = if ($module.ExportedCmdlets.ContainsKey('Add-BackfillWaiver')) {
    "Add-BackfillWaiver -GameId $lostGames -Reason 'Sample league: box scores never ingested' -Confirm:`$false | Out-Null"
} else { '' }
if ($waive) { Invoke-Pwsh "Connect-BackfillWarehouse '$template' | Out-Null; $waive" | Out-Null }

$copy = "Copy-Item '$template' '$db' -Force"
$results.Add((Measure-Scenario '(a) backfill 4 seasons, all 5 processors (set-based)' `
    "Connect-BackfillWarehouse '$db' | Out-Null; Invoke-Backfill -Season $seasons -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Out-Null" `
    -Setup $copy -Rows { Get-OutputRows $db }))
$full = Join-Path $work 'full.duckdb'
Copy-Item $db $full

$range = "-StartDate $BaselineStart -EndDate $BaselineEnd"
$results.Add((Measure-Scenario "(b) set-based, $BaselineStart..$BaselineEnd" `
    "Connect-BackfillWarehouse '$db' | Out-Null; Invoke-Backfill $range -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Out-Null" -Setup $copy))
$results.Add((Measure-Scenario "(b) per-date baseline, $BaselineStart..$BaselineEnd" `
    "Connect-BackfillWarehouse '$db' | Out-Null; Invoke-Backfill $range -PerDate -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Out-Null" -Setup $copy))

if ($module.ExportedCmdlets.ContainsKey('Test-Coverage')) {
    $results.Add((Measure-Scenario '(c) Test-Coverage, 4 seasons, all layers' "Connect-BackfillWarehouse '$full' | Out-Null; Test-Coverage -Season $seasons | Out-Null"))
}
if ($module.ExportedCmdlets.ContainsKey('Get-SeasonReport')) {
    $results.Add((Measure-Scenario '(d) Get-SeasonReport, 4 seasons' "Connect-BackfillWarehouse '$full' | Out-Null; Get-SeasonReport | Out-Null; Get-SeasonReport -ByProcessor | Out-Null"))
}
if (-not $SkipScale) {
    $bigTemplate = Join-Path $work 'league10x.duckdb'
    $big = Join-Path $work 'big.duckdb'
    Invoke-Pwsh "New-BackfillWarehouse -Path '$bigTemplate' -SampleData -Scale $Scale -Force | Out-Null" | Out-Null
    if ($waive) { Invoke-Pwsh "Connect-BackfillWarehouse '$bigTemplate' | Out-Null; $waive" | Out-Null }
    $saved = $Runs; $Runs = $ScaleRuns
    $validate = if ($module.ExportedCmdlets.ContainsKey('Test-Coverage')) { '; Test-Coverage -StartDate 1900-01-01 -EndDate 2025-06-30 | Out-Null' } else { '' }
    $results.Add((Measure-Scenario "(f) ${Scale}x league ($($Scale * 4) seasons): backfill all + validate" `
        "Connect-BackfillWarehouse '$big' | Out-Null; Invoke-Backfill -StartDate 1900-10-01 -EndDate 2025-06-30 -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Out-Null$validate" `
        -Setup "Copy-Item '$bigTemplate' '$big' -Force" -Rows { Get-OutputRows $big }))
    $Runs = $saved
}
$results | Format-Table Scenario, MedianSeconds, PeakMB, Rows | Out-String -Width 200 | Write-Host

# (g) BigQuery jobs: jobs cost fixed latency, quota and a 10 MB minimum bill each, so the count (not the fake's timing)
# is the figure. The backfill's own verbose line reports it.
$jobCounts = @()
if ($FakeBigQueryPath -and (Test-Path $FakeBigQueryPath)) {
    Write-Host '-- (g) BigQuery job counts through the fake BigQuery'
    $psi = [Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
    foreach ($arg in @($FakeBigQueryPath, '--season', '2022-23', '--parent-pid', $PID)) { $psi.ArgumentList.Add($arg) }
    $psi.RedirectStandardOutput = $true; $psi.UseShellExecute = $false
    $server = [Diagnostics.Process]::Start($psi)
    try {
        $url = ($server.StandardOutput.ReadLine() -replace '^Listening on ', '')
        foreach ($case in @(
                @{ Name = 'one week (2022-12-01..2022-12-07), all 5 processors'; Range = '-StartDate 2022-12-01 -EndDate 2022-12-07' },
                @{ Name = 'one season (2022-23), all 5 processors'; Range = '-Season 2022-23' })) {
            $out = (Invoke-Pwsh "Connect-BackfillWarehouse -BigQueryProject test-proj -Location EU -Endpoint '$url' | Out-Null; `$r = Invoke-Backfill $($case.Range) -Verbose -ErrorAction SilentlyContinue -WarningAction SilentlyContinue 4>&1; (`$r | Where-Object { `$_ -is [Management.Automation.VerboseRecord] -and `$_.Message -like 'BigQuery jobs*' }).Message; 'PARTITIONS=' + @(`$r | Where-Object { `$_ -isnot [Management.Automation.VerboseRecord] }).Count").Output
            $jobs = [regex]::Match($out, 'BigQuery jobs for this run: (\d+) \(([^)]*)\)')
            $jobCounts += [pscustomobject]@{ Case = $case.Name; Jobs = [int]$jobs.Groups[1].Value; Kinds = $jobs.Groups[2].Value
                Partitions = [int]([regex]::Match($out, 'PARTITIONS=(\d+)').Groups[1].Value) }
        }
    }
    finally { if (-not $server.HasExited) { $server.Kill() } }
    $jobCounts | Format-Table | Out-String -Width 200 | Write-Host
}

$a = $results | Where-Object Scenario -like '(a)*'
$setBased = $results | Where-Object Scenario -like '(b) set-based*'
$perDate = $results | Where-Object Scenario -like '(b) per-date*'
$cpu = (Get-Content /proc/cpuinfo -ErrorAction SilentlyContinue | Select-String '^model name' | Select-Object -First 1).Line -replace '.*:\s*', ''
$mem = [math]::Round(((Get-Content /proc/meminfo -ErrorAction SilentlyContinue | Select-String '^MemTotal').Line -replace '\D', '') / 1MB, 0)
$lines = @(
    '# Performance'
    ''
    "Measured by ``build.ps1 -Task Bench`` on $(Get-Date -Format 'yyyy-MM-dd'): $([Environment]::ProcessorCount) cores ($cpu), $mem GiB, $([Runtime.InteropServices.RuntimeInformation]::OSDescription), pwsh $($PSVersionTable.PSVersion)."
    "Each scenario runs in a fresh pwsh process, module import included; figures are the median (and range) of $Runs runs of the same build, measured in one session. Peak memory is the process's peak working set."
    ''
    '| Scenario | Median (s) | Range (s) | Peak memory (MB) | Output rows | Rows/s |'
    '|---|---:|---:|---:|---:|---:|'
)
$lines += $results | ForEach-Object {
    '| {0} | {1:N2} | {2:N2}–{3:N2} | {4:N0} | {5} | {6} |' -f $_.Scenario, $_.MedianSeconds, $_.MinSeconds, $_.MaxSeconds, $_.PeakMB,
        $(if ($_.Rows) { '{0:N0}' -f $_.Rows } else { '' }), $(if ($_.RowsPerSecond) { '{0:N0}' -f $_.RowsPerSecond } else { '' })
}
$lines += ''
$lines += '## Ratios (same run)'
$lines += ''
$lines += ('- Per-date baseline ÷ set-based on {0}..{1}: **{2:N1}×** ({3:N1} s vs {4:N1} s).' -f $BaselineStart, $BaselineEnd, ($perDate.MedianSeconds / $setBased.MedianSeconds), $perDate.MedianSeconds, $setBased.MedianSeconds)
$lines += ('- Four-season backfill: {0:N1} s against the 15 s target; peak {1:N0} MB against the 600 MB target.' -f $a.MedianSeconds, $a.PeakMB)
$f = $results | Where-Object Scenario -like '(f)*'
if ($f -and $a.Rows) {
    $lines += ('- {0}x league ÷ 1x: time **{1:N1}×** for **{2:N1}×** the output rows (rows/s {3:N0} vs {4:N0}).' -f $Scale, ($f.MedianSeconds / $a.MedianSeconds), ($f.Rows / $a.Rows), $f.RowsPerSecond, $a.RowsPerSecond)
}
if ($jobCounts) {
    $lines += ''
    $lines += '## (g) BigQuery: jobs per backfill'
    $lines += ''
    $lines += 'Counted through the fake BigQuery over HTTP (the module connected with `-Endpoint`), on the 2022-23 sample season; the count is what the backfill reports with `-Verbose`. A job costs ~1–2 s of fixed latency, quota and at least 10 MB billed per referenced table on real BigQuery, so the count is the figure that matters; the fake''s timings are not BigQuery''s and are not reported.'
    $lines += ''
    $lines += '| Backfill | Partitions | Jobs | Jobs by kind | Jobs per processor |'
    $lines += '|---|---:|---:|---|---:|'
    $lines += $jobCounts | ForEach-Object { '| {0} | {1:N0} | {2:N0} | {3} | {4:N1} |' -f $_.Case, $_.Partitions, $_.Jobs, $_.Kinds, ($_.Jobs / 5) }
    $lines += ''
    $lines += '- The whole date range is one chunk per processor (set-based): each processor computes in **one script job** (its ~15 statements batched), audits with a few queries, loads its result rows, and publishes in one transaction script. The count does not grow with the number of dates.'
}
$lines += ''
$lines += '## Notes'
$lines += ''
$lines += '- The per-date baseline runs each processor once per date (the reference architecture); it is measured on one week because it is slow by design, and set-based is measured on the same week for the ratio.'
$lines += "- Scenario (f) runs $ScaleRuns time(s): generating the league is set-up (not timed); the timed part backfills every season and, where Test-Coverage exists, validates them."
# The analysis below the marker (targets, profiling, what was tried) is written by people: keep it across runs.
$marker = '<!-- Hand-written analysis below: Invoke-Benchmarks.ps1 keeps everything from this line on. -->'
if (Test-Path $ReportPath) {
    $previous = Get-Content $ReportPath -Raw
    $at = $previous.IndexOf($marker)
    if ($at -ge 0) { $lines += ''; $lines += $previous.Substring($at).TrimEnd() }
}
Set-Content -Path $ReportPath -Value ($lines -join "`n")
Remove-Item $work -Recurse -Force
Write-Host "Wrote $ReportPath"
exit 0
