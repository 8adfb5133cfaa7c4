<#
.SYNOPSIS
    Benchmarks (build.ps1 -Task Bench): the targets of issue #16, (a)-(e), as ratios measured in one run, with peak
    memory, written to docs/performance.md.
.DESCRIPTION
    Absolute times differ by 2x between machines, so every time target is a ratio to a reference measured in the same
    bench run: the physical floor (rewriting the four-season output once in the same DuckDB file) and the cost of a
    fresh pwsh with the module imported. Whole-process scenarios run in a fresh pwsh each (start-up and import included),
    as an operator runs them; in-process scenarios time the command inside its process. Set-up (copying or generating
    the warehouse a scenario starts from) is never timed.

    Every timed backfill is checked afterwards: each partition its run planned to run must be Published and the run
    must have Succeeded, so a run that fails fast cannot look fast.
.PARAMETER Quick
    One run per scenario and no 10x league: a few minutes, for checking a change; the report says so.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ReportPath,
    # Runs per scenario; the report gives the median and the range.
    [ValidateRange(1, 20)] [int] $Runs = 3,
    [switch] $Quick,
    # The seasons of (a), (b) and (c): the issue's four; fewer only to try the bench itself out.
    [string[]] $Season = @('2021-22', '2022-23', '2023-24', '2024-25'),
    # (d): set-based against per-date on a range long enough that start-up does not dominate (at least four weeks).
    [string] $RangeStart = '2022-12-01',
    [string] $RangeEnd = '2022-12-28',
    # (b): the daily run re-backfills the sample's last date on the four-season warehouse.
    [string] $DailyDate = '2025-04-13',
    # (e): the 10x league; its backfill is long, so it runs once unless asked otherwise.
    [int] $Scale = 10,
    [ValidateRange(1, 20)] [int] $ScaleRuns = 1,
    # The memory budget of (a)'s bounded run (Connect-BackfillWarehouse -MemoryLimitMB).
    [ValidateRange(256, 65536)] [int] $MemoryLimitMB = 400,
    [switch] $SkipScale,
    # The fake BigQuery server (build.ps1 builds it): (g) counts the jobs a season's backfill issues over BigQuery.
    [string] $FakeBigQueryPath
)
$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText'
if ($Quick) { $Runs = 1; $SkipScale = $true }
# The bench reads the ledgers, and the floor runs its SQL, through the module's DuckDB driver (loaded on first use).
$duckDbDriver = Join-Path (Split-Path $ModulePath) 'DuckDB.NET.Data.dll'
Add-Type -Path $duckDbDriver
$work = Join-Path ([IO.Path]::GetTempPath()) ("bft-bench-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory $work | Out-Null
# A failed scenario stops the bench; its copies of the warehouse (hundreds of MB) go with it.
trap { Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue; break }
$pwshDll = Join-Path $PSHOME 'pwsh.dll'
$seasons = ($Season | ForEach-Object { "'$_'" }) -join ','
$seasonCount = "$($Season.Count) season$(if ($Season.Count -ne 1) { 's' })"
# The five output tables of the five processors: what the floor rewrites.
$outputTables = 'nba_precompute.team_defense_zone_analysis', 'nba_precompute.player_shot_zone_analysis',
    'nba_precompute.player_composite_factors', 'nba_precompute.player_daily_cache', 'nba_predictions.ml_feature_store_v2'
$quiet = '-ErrorAction SilentlyContinue -WarningAction SilentlyContinue'

# A fresh pwsh with the module imported runs $Script; whole-process seconds, peak working set, and what the script
# printed (an in-process scenario prints INPROC=<seconds>).
function Invoke-Pwsh([string] $Script) {
    $full = "`$ErrorActionPreference='Stop'; `$ProgressPreference='SilentlyContinue'; Import-Module '$ModulePath'; $Script; " +
        "[Console]::Out.WriteLine('PEAK=' + [Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64)"
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $out = & ([Environment]::ProcessPath) $pwshDll -NoProfile -NonInteractive -Command $full 2>&1 | Out-String
    $sw.Stop()
    if ($LASTEXITCODE -ne 0) { throw "Benchmark step failed: $out" }
    $inProcess = [regex]::Match($out, 'INPROC=([\d.]+)')
    [pscustomobject]@{
        Seconds = if ($inProcess.Success) { [double]::Parse($inProcess.Groups[1].Value, [Globalization.CultureInfo]::InvariantCulture) } else { $sw.Elapsed.TotalSeconds }
        PeakMB = [double](([regex]::Match($out, 'PEAK=(\d+)')).Groups[1].Value) / 1MB
        Output = $out
    }
}

# Times a script block inside the child process and prints INPROC= (invariant culture).
function InProcess([string] $Setup, [string] $Timed) {
    "$Setup; `$sw = [Diagnostics.Stopwatch]::StartNew(); $Timed; `$sw.Stop(); [Console]::Out.WriteLine('INPROC=' + `$sw.Elapsed.TotalSeconds.ToString([Globalization.CultureInfo]::InvariantCulture))"
}

. (Join-Path $PSScriptRoot 'DuckDbSql.ps1')

# The check every timed backfill passes: its run (the newest in the ledger: each timed run starts from a fresh copy)
# Succeeded and published every partition it planned to run. Returns how many it published.
function Assert-AllPublished([string] $Db, [string] $Scenario) {
    $run = Invoke-DuckDbSql $Db 'SELECT run_id, status FROM backfilltools.backfill_runs ORDER BY started_at DESC LIMIT 1'
    if (-not $run) { throw "${Scenario}: the timed run left no run record." }
    $byStatus = Invoke-DuckDbSql $Db "SELECT status, COUNT(*) AS n FROM backfilltools.backfill_partitions WHERE run_id = '$($run.run_id)' AND action = 'Run' GROUP BY status"
    $other = @($byStatus | Where-Object status -ne 'Published')
    $published = [long](($byStatus | Where-Object status -eq 'Published').n)
    if ($run.status -ne 'Succeeded' -or $other.Count -gt 0 -or $published -eq 0) {
        throw "${Scenario}: run $($run.run_id) ended $($run.status) with $published partition(s) Published and " +
            (($other | ForEach-Object { "$($_.n) $($_.status)" }) -join ', ') + '; a timed run must publish every planned partition.'
    }
    $published
}

# One scenario, $Count times: optional untimed set-up before each, the timed script, an optional check after each.
function Measure-Scenario([string] $Name, [string] $Script, [string] $Setup = '', [scriptblock] $Check = $null, [int] $Count = $Runs) {
    Write-Host "-- $Name"
    $checked = $null
    $samples = foreach ($i in 1..$Count) {
        if ($Setup) { Invoke-Pwsh $Setup | Out-Null }
        Invoke-Pwsh $Script
        if ($Check) { $checked = & $Check }
    }
    $sorted = @($samples.Seconds | Sort-Object)
    $mid = [int][Math]::Floor($sorted.Count / 2)
    [pscustomobject]@{
        Scenario = $Name; Runs = $Count; MedianSeconds = if ($sorted.Count % 2) { $sorted[$mid] } else { ($sorted[$mid - 1] + $sorted[$mid]) / 2 }
        MinSeconds = $sorted[0]; MaxSeconds = $sorted[-1]; PeakMB = ($samples.PeakMB | Measure-Object -Maximum).Maximum; Published = $checked
    }
}

function Get-OutputRows([string] $Db) {
    [long]((Invoke-DuckDbSql $Db (($outputTables | ForEach-Object { "SELECT COUNT(*) AS n FROM $_" }) -join ' UNION ALL ') | Measure-Object n -Sum).Sum)
}

# The 7 games of 2021-22 that have no box scores in the sample league can never be filled: waived explicitly, by id,
# so the backfills below publish their dates over the games that exist (issue #12).
$waive = "Add-BackfillWaiver -GameId '0022100382', '0022100529', '0022100655', '0022100886', '0022100915', '0022101080', '0022101137' -Reason 'Sample league: box scores never ingested' -Confirm:`$false | Out-Null"
$template = Join-Path $work 'league.duckdb'
Write-Host '-- set-up: the sample league (4 seasons)'
Invoke-Pwsh "New-BackfillWarehouse -Path '$template' -SampleData -Force | Out-Null; Connect-BackfillWarehouse '$template' | Out-Null; $waive" | Out-Null

$db = Join-Path $work 'bench.duckdb'
$full = Join-Path $work 'full.duckdb'
$scratch = Join-Path $work 'scratch.duckdb'
$results = [ordered]@{}
$scaleProblem = $null

# Start-up: a fresh pwsh importing the module, and that plus opening the four-season warehouse and listing it (the
# reference of (b)).
$results.Startup = Measure-Scenario 'pwsh start + Import-Module' '$null = 1'

# (a) The four-season backfill, whole process.
$results.A = Measure-Scenario "(a) backfill $seasonCount x 5 processors (set-based), whole process" `
    "Connect-BackfillWarehouse '$db' | Out-Null; Invoke-Backfill -Season $seasons $quiet | Out-Null" `
    -Setup "Copy-Item '$template' '$db' -Force" -Check { Assert-AllPublished $db '(a)' }
Copy-Item $db $full
$outputRows = Get-OutputRows $full

# (a) again within a memory budget (Connect-BackfillWarehouse -MemoryLimitMB): what bounding DuckDB's memory costs.
$results.ALimited = Measure-Scenario "(a) the same, connected with -MemoryLimitMB $MemoryLimitMB, whole process" `
    "Connect-BackfillWarehouse '$db' -MemoryLimitMB $MemoryLimitMB | Out-Null; Invoke-Backfill -Season $seasons $quiet | Out-Null" `
    -Setup "Copy-Item '$template' '$db' -Force" -Check { Assert-AllPublished $db '(a) with -MemoryLimitMB' }

# The floor: rewrite the five output tables once (CREATE TABLE AS SELECT *) and CHECKPOINT, in the same file, timed
# around the SQL alone.
$floorSql = (@('CREATE SCHEMA IF NOT EXISTS bench_floor') + ($outputTables | ForEach-Object { "CREATE TABLE bench_floor.$($_ -replace '\.', '__') AS SELECT * FROM $_" }) + 'CHECKPOINT') |
    ForEach-Object { "`$cmd.CommandText = `"$_`"; `$null = `$cmd.ExecuteNonQuery()" }
$results.Floor = Measure-Scenario 'floor: CREATE TABLE AS SELECT * of the 5 output tables + CHECKPOINT, same file' `
    (InProcess "Add-Type -Path '$duckDbDriver'; `$c = [DuckDB.NET.Data.DuckDBConnection]::new('Data Source=$scratch'); `$c.Open(); `$cmd = `$c.CreateCommand()" ($floorSql -join '; ')) `
    -Setup "Copy-Item '$full' '$scratch' -Force"

# (b) The daily run against start-up + import + Get-BackfillWarehouse on the same four-season warehouse.
$results.DailyBase = Measure-Scenario "pwsh start + Import-Module + Get-BackfillWarehouse ($seasonCount)" `
    "Connect-BackfillWarehouse '$full' | Out-Null; Get-BackfillWarehouse | Out-Null"
$results.B = Measure-Scenario "(b) daily run: re-backfill $DailyDate, all 5 processors, on $seasonCount, whole process" `
    "Connect-BackfillWarehouse '$scratch' | Out-Null; Invoke-Backfill -StartDate $DailyDate -EndDate $DailyDate -Force $quiet | Out-Null" `
    -Setup "Copy-Item '$full' '$scratch' -Force" -Check { Assert-AllPublished $scratch '(b)' }

# (c) Test-Coverage, four seasons, all layers, in-process.
$results.C = Measure-Scenario "(c) Test-Coverage $seasonCount, all layers, in-process" `
    (InProcess "Connect-BackfillWarehouse '$full' | Out-Null" "Test-Coverage -Season $seasons | Out-Null")

# (d) Set-based against per-date (the same code path, one date per chunk) on the same range, whole process.
$range = "-StartDate $RangeStart -EndDate $RangeEnd"
$results.DSet = Measure-Scenario "(d) set-based, $RangeStart..$RangeEnd, whole process" `
    "Connect-BackfillWarehouse '$db' | Out-Null; Invoke-Backfill $range $quiet | Out-Null" `
    -Setup "Copy-Item '$template' '$db' -Force" -Check { Assert-AllPublished $db '(d) set-based' }
$results.DPerDate = Measure-Scenario "(d) per-date, $RangeStart..$RangeEnd, whole process" `
    "Connect-BackfillWarehouse '$db' | Out-Null; Invoke-Backfill $range -PerDate $quiet | Out-Null" `
    -Setup "Copy-Item '$template' '$db' -Force" -Check { Assert-AllPublished $db '(d) per-date' }

# (e) The 10x league: backfill all of it, whole process, against (a).
if (-not $SkipScale) {
    $bigTemplate = Join-Path $work 'league10x.duckdb'
    $big = Join-Path $work 'big.duckdb'
    Write-Host "-- set-up: the ${Scale}x league"
    Invoke-Pwsh "New-BackfillWarehouse -Path '$bigTemplate' -SampleData -Scale $Scale -Force | Out-Null; Connect-BackfillWarehouse '$bigTemplate' | Out-Null; $waive" | Out-Null
    $results.E = Measure-Scenario "(e) ${Scale}x league ($($Scale * 4) seasons): backfill all, whole process" `
        "Connect-BackfillWarehouse '$big' | Out-Null; Invoke-Backfill -StartDate 1900-10-01 -EndDate 2025-06-30 $quiet | Out-Null" `
        -Setup "Copy-Item '$bigTemplate' '$big' -Force" -Count $ScaleRuns -Check {
            # Reported rather than thrown: the long run's figures stay, marked as not comparable.
            try { Assert-AllPublished $big '(e)' } catch { $script:scaleProblem = $_.Exception.Message; -1 } }
    $bigRows = Get-OutputRows $big
}
$results.Values | Format-Table Scenario, Runs, MedianSeconds, MinSeconds, MaxSeconds, PeakMB, Published | Out-String -Width 220 | Write-Host

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

# The report: every figure below comes from this run.
function Verdict([bool] $Met) { if ($Met) { 'met' } else { 'missed' } }
$r = $results
$aRatio = $r.A.MedianSeconds / $r.Floor.MedianSeconds
$bRatio = $r.B.MedianSeconds / $r.DailyBase.MedianSeconds
$cRatio = $r.C.MedianSeconds / $r.Floor.MedianSeconds
$dRatio = $r.DPerDate.MedianSeconds / $r.DSet.MedianSeconds
$cpu = (Get-Content /proc/cpuinfo -ErrorAction SilentlyContinue | Select-String '^model name' | Select-Object -First 1).Line -replace '.*:\s*', ''
$mem = [math]::Round(((Get-Content /proc/meminfo -ErrorAction SilentlyContinue | Select-String '^MemTotal').Line -replace '\D', '') / 1MB, 0)
$load = (Get-Content /proc/loadavg -ErrorAction SilentlyContinue) -split ' ' | Select-Object -First 1
$lines = @(
    '# Performance'
    ''
    "Measured by ``build.ps1 -Task Bench$(if ($Quick) { ' -QuickBench' })`` on $(Get-Date -Format 'yyyy-MM-dd'): $([Environment]::ProcessorCount) cores ($cpu), $mem GiB, $([Runtime.InteropServices.RuntimeInformation]::OSDescription), pwsh $($PSVersionTable.PSVersion); load average $load at the end of the run."
    "Figures are the median (and range) of the runs shown, all of one build in one session. *Whole process* is a fresh pwsh from start to exit, module import included; *in-process* times the command alone. Peak memory is the process's peak working set (peak RSS). Every timed backfill was checked afterwards: its run Succeeded and each partition it planned to run is Published."
    ''
    '| Scenario | Runs | Median (s) | Range (s) | Peak memory (MB) | Partitions published |'
    '|---|---:|---:|---:|---:|---:|'
)
$lines += $r.Values | ForEach-Object {
    '| {0} | {1} | {2:N2} | {3:N2}–{4:N2} | {5:N0} | {6} |' -f $_.Scenario, $_.Runs, $_.MedianSeconds, $_.MinSeconds, $_.MaxSeconds, $_.PeakMB,
        $(if ($null -ne $_.Published) { '{0:N0}' -f $_.Published } else { '' })
}
$lines += ''
$lines += "The output of (a) is $('{0:N0}' -f $outputRows) rows in the five output tables$(if ($r.E) { "; the ${Scale}x league's is $('{0:N0}' -f $bigRows)" })."
$lines += ''
$lines += '## Targets (issue #16), ratios from this run'
$lines += ''
$lines += '| Target | Measured | Verdict |'
$lines += '|---|---|---|'
$lines += '| (a) {4}, whole process ≤ 3× the floor | {0:N1}× ({1:N1} s ÷ {2:N2} s) | {3} |' -f $aRatio, $r.A.MedianSeconds, $r.Floor.MedianSeconds, (Verdict ($aRatio -le 3)), $seasonCount
$lines += '| (a) peak RSS ≤ 500 MB | {0:N0} MB | {1} |' -f $r.A.PeakMB, (Verdict ($r.A.PeakMB -le 500))
$lines += '| (a) with -MemoryLimitMB {0}: peak RSS ≤ 500 MB, time ≤ 3× the floor | {1:N0} MB; {2:N1}× ({3:N1} s ÷ {4:N2} s) | {5} |' -f $MemoryLimitMB, $r.ALimited.PeakMB,
    ($r.ALimited.MedianSeconds / $r.Floor.MedianSeconds), $r.ALimited.MedianSeconds, $r.Floor.MedianSeconds, (Verdict ($r.ALimited.PeakMB -le 500 -and $r.ALimited.MedianSeconds / $r.Floor.MedianSeconds -le 3))
$lines += '| (b) daily run ≤ 2× start + import + Get-BackfillWarehouse | {0:N1}× ({1:N2} s ÷ {2:N2} s) | {3} |' -f $bRatio, $r.B.MedianSeconds, $r.DailyBase.MedianSeconds, (Verdict ($bRatio -le 2))
$lines += '| (c) Test-Coverage in-process ≤ 0.2× the floor | {0:N2}× ({1:N2} s ÷ {2:N2} s) | {3} |' -f $cRatio, $r.C.MedianSeconds, $r.Floor.MedianSeconds, (Verdict ($cRatio -le 0.2))
$lines += '| (d) set-based ≥ 20× per-date, whole process, {0}..{1} | {2:N1}× ({3:N1} s ÷ {4:N1} s) | {5} |' -f $RangeStart, $RangeEnd, $dRatio, $r.DPerDate.MedianSeconds, $r.DSet.MedianSeconds, (Verdict ($dRatio -ge 20))
if ($r.E) {
    $eTime = $r.E.MedianSeconds / $r.A.MedianSeconds
    $eMem = $r.E.PeakMB / $r.A.PeakMB
    $lines += '| (e) {0}× league ≤ 10× the time of (a) | {1:N1}× ({2:N0} s ÷ {3:N1} s) for {4:N1}× the rows | {5} |' -f $Scale, $eTime, $r.E.MedianSeconds, $r.A.MedianSeconds, ($bigRows / $outputRows), (Verdict ($eTime -le 10))
    $lines += '| (e) … at ≤ 2× the memory of (a) | {0:N2}× ({1:N0} MB ÷ {2:N0} MB) | {3} |' -f $eMem, $r.E.PeakMB, $r.A.PeakMB, (Verdict ($eMem -le 2))
}
else { $lines += '| (e) 10× league | not run (-Quick or -SkipScale) | — |' }
if ($scaleProblem) { $lines += "| (e) check | $scaleProblem | invalid |" }
if ($jobCounts) {
    $lines += ''
    $lines += '## (g) BigQuery: jobs per backfill'
    $lines += ''
    $lines += 'Counted through the fake BigQuery over HTTP (the module connected with `-Endpoint`), on the 2022-23 sample season; the count is what the backfill reports with `-Verbose`. A job costs ~1–2 s of fixed latency, quota and at least 10 MB billed per referenced table on real BigQuery, so the count is the figure that matters; the fake''s timings are not BigQuery''s and are not reported.'
    $lines += ''
    $lines += '| Backfill | Partitions | Jobs | Jobs by kind | Jobs per processor |'
    $lines += '|---|---:|---:|---|---:|'
    $lines += $jobCounts | ForEach-Object { '| {0} | {1:N0} | {2:N0} | {3} | {4:N1} |' -f $_.Case, $_.Partitions, $_.Jobs, $_.Kinds, ($_.Jobs / 5) }
}
$lines += ''
$lines += '## How each figure is measured'
$lines += ''
$lines += '- **Floor**: on a copy of the warehouse (a) produced, `CREATE TABLE … AS SELECT *` of each of the five output tables and one `CHECKPOINT`, in the same DuckDB file, timed around the SQL alone.'
$lines += "- **(a)**: a fresh pwsh imports the module, connects and runs ``Invoke-Backfill -Season $($Season -join ',')`` on a fresh copy of the sample league (7 unfillable 2021-22 games waived)."
$lines += "- **(b)**: on a copy of the warehouse (a) produced, ``Invoke-Backfill -StartDate $DailyDate -EndDate $DailyDate -Force`` (all five processors); the reference is a fresh pwsh importing the module, connecting to the same warehouse and running ``Get-BackfillWarehouse``."
$lines += "- **(a) with -MemoryLimitMB**: the same as (a), connected with ``-MemoryLimitMB $MemoryLimitMB`` (DuckDB's memory limit, scratch tables in a file, one DuckDB thread per 400 MB)."
$lines += '- **(c)**: `Test-Coverage` over the seasons of (a), every layer, timed inside the process.'
$lines += '- **(d)**: `Invoke-Backfill` and `Invoke-Backfill -PerDate` (one date per chunk, the same code path) on the same range, each from a fresh copy.'
$lines += "- **(e)**: ``New-BackfillWarehouse -SampleData -Scale $Scale`` (set-up), then one ``Invoke-Backfill`` over every season; $ScaleRuns run(s)."
# The analysis below the marker (what was tried, where the time goes) is written by people: keep it across runs.
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
