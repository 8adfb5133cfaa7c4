#requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests, documents, benchmarks and packages BackfillTools.
.DESCRIPTION
    Tasks:
      Build    compile and assemble the module folder out/BackfillTools/<version>/ (manifest, dlls, native DuckDB, formats, help)
      Docs     build the MAML help and about topic from docs/*.md into the module folder (part of Build)
      Test     Build, then xUnit (Core + in-process cmdlets) and Pester (the module as operators use it);
               ends with one line "Total: N passed, N failed, N skipped"
      Demo     Build, create the four-season sample warehouse, backfill it, print the season report and non-OK coverage
      Bench    Build, run the benchmarks (issue #16's targets (a)-(e), ~15 min on 2 cores), write docs/performance.md;
               -QuickBench: one run per scenario and no 10x league (a few minutes)
      Package  Build and validate the module folder (Test-ModuleManifest); the folder is what Import-Module accepts
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Docs', 'Test', 'Demo', 'Bench', 'Package', 'Clean')]
    [string[]] $Task = 'Build',
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',
    # Pester tags to exclude (e.g. Slow) when iterating locally; CI runs everything.
    [string[]] $ExcludeTag = @(),
    # Where Demo puts its warehouse.
    [string] $DemoPath = (Join-Path $PSScriptRoot 'out/demo/backfill.duckdb'),
    # Bench: one run per scenario and no 10x league, to check a change in a few minutes.
    [switch] $QuickBench
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$PSStyle.OutputRendering = 'PlainText'
$ProgressPreference = 'SilentlyContinue'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
$env:POWERSHELL_TELEMETRY_OPTOUT = '1'

$root = $PSScriptRoot
[xml] $props = Get-Content (Join-Path $root 'Directory.Build.props')
$version = ($props.Project.PropertyGroup | Where-Object { $_['Version'] } | Select-Object -First 1).Version
$moduleDir = Join-Path $root "out/BackfillTools/$version"
$manifest = Join-Path $moduleDir 'BackfillTools.psd1'
$rid = [System.Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier

function Invoke-Native {
    param([string] $Exe, [string[]] $Arguments)
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Exe $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Invoke-Build {
    Write-Host "== Build $version ($Configuration, $rid) -> $moduleDir"
    if (Test-Path $moduleDir) { Remove-Item $moduleDir -Recurse -Force }
    # A RID-specific publish puts libduckdb beside the dlls, where pwsh finds it (toolchain §3b). ReadyToRun: the dlls
    # carry native code, so a fresh pwsh does not JIT the module on every run (docs/performance.md, the daily run).
    Invoke-Native dotnet @('publish', (Join-Path $root 'src/BackfillTools/BackfillTools.csproj'), '-c', $Configuration,
        '-r', $rid, '--self-contained', 'false', '-o', $moduleDir, '-nologo', '-v', 'quiet', '-p:GenerateDocumentationFile=false',
        '-p:PublishReadyToRun=true')
    Remove-Item (Join-Path $moduleDir 'BackfillTools.deps.json') -ErrorAction SilentlyContinue
    Get-ChildItem (Join-Path $root 'module') -Filter '*.ps1xml' | Copy-Item -Destination $moduleDir
    # The root manifest is the source; the one version (Directory.Build.props) is stamped into the copy.
    $text = Get-Content (Join-Path $root 'BackfillTools.psd1') -Raw
    $text = $text -replace "ModuleVersion\s*=\s*'[^']*'", "ModuleVersion        = '$version'"
    Set-Content -Path $manifest -Value $text -Encoding utf8NoBOM
    Invoke-Docs
}

function Invoke-Docs {
    $builder = Join-Path $root 'tools/Build-Help.ps1'
    if (-not (Test-Path $builder)) { Write-Warning 'tools/Build-Help.ps1 is missing: no help built.'; return }
    Write-Host '== Docs'
    # A child process, so importing the module to read its parameters does not lock this session's copy.
    Invoke-Native dotnet @('pwsh', '-NoProfile', '-NonInteractive', '-File', $builder, '-ModulePath', $manifest,
        '-DocsPath', (Join-Path $root 'docs'), '-OutputPath', (Join-Path $moduleDir 'en-US'))
}

function Get-PesterModule {
    $pesterVersion = '5.7.1'
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
    $psd1 = Join-Path $packages "pester/$pesterVersion/tools/Pester.psd1"
    if (-not (Test-Path $psd1)) {
        Invoke-Native dotnet @('restore', (Join-Path $root 'tests/tools/PesterTools.csproj'), '-nologo', '-v', 'quiet')
    }
    if (-not (Test-Path $psd1)) { throw "Pester $pesterVersion was not restored to $psd1" }
    $psd1
}

# The xUnit suite's fake BigQuery served over HTTP: the Pester suite and the job-count benchmark run the module against it.
function Build-FakeBigQuery {
    Write-Host '== Fake BigQuery server'
    $fakeDir = Join-Path $root 'out/fake-bigquery'
    Invoke-Native dotnet @('build', (Join-Path $root 'tests/FakeBigQueryServer/FakeBigQueryServer.csproj'), '-c', $Configuration,
        '-o', $fakeDir, '-nologo', '-v', 'quiet') | Out-Host
    Join-Path $fakeDir 'FakeBigQueryServer.dll'
}

function Invoke-Test {
    $results = Join-Path $root 'out/test-results'
    New-Item -ItemType Directory -Force $results | Out-Null
    $summary = [ordered]@{ Passed = 0; Failed = 0; Skipped = 0 }

    # The GoogleSQL validity gate's analyzer (ZetaSQL) comes from npm, pinned by tests/zetasql/package-lock.json.
    $zetasql = Join-Path $root 'tests/zetasql'
    if (-not (Test-Path (Join-Path $zetasql 'node_modules/@fivetrandevelopers/zetasql')) -and (Get-Command npm -ErrorAction SilentlyContinue)) {
        Write-Host '== npm ci (ZetaSQL analyzer for the GoogleSQL gate)'
        Invoke-Native npm @('ci', '--prefix', $zetasql, '--no-audit', '--no-fund', '--loglevel=error')
    }

    Write-Host '== xUnit'
    $trx = Join-Path $results 'xunit.trx'
    Remove-Item $trx -ErrorAction SilentlyContinue
    & dotnet test (Join-Path $root 'tests/BackfillTools.Tests/BackfillTools.Tests.csproj') -c $Configuration -nologo `
        --logger "trx;LogFileName=$trx" --logger 'console;verbosity=minimal'
    $xunitExit = $LASTEXITCODE
    if (Test-Path $trx) {
        [xml] $t = Get-Content $trx
        $c = $t.TestRun.ResultSummary.Counters
        $xSkipped = [int]$c.total - [int]$c.executed
        Write-Host "xUnit: $($c.passed) passed, $($c.failed) failed, $xSkipped skipped"
        $summary.Passed += [int]$c.passed; $summary.Failed += [int]$c.failed; $summary.Skipped += $xSkipped
        if ($xunitExit -ne 0 -and [int]$c.failed -eq 0) { $summary.Failed += 1 }
    }
    else {
        Write-Host 'xUnit: 0 passed, 1 failed (the test project did not build or run)'
        $summary.Failed += 1
    }

    # A build failure here fails the BigQuery Pester suite loudly (it refuses to run without the server), not the rest.
    try { $env:BACKFILLTOOLS_FAKE_BIGQUERY = Build-FakeBigQuery }
    catch { Write-Warning "The fake BigQuery server did not build: $_" }

    Write-Host '== Pester'
    $pesterExit = 0
    $pesterOut = Join-Path $results 'pester.json'
    # Pester runs in a child pwsh: the module under test is imported fresh, as an operator would.
    $pesterArgs = @('-PesterPath', (Get-PesterModule), '-ModulePath', $manifest,
        '-TestPath', ((Join-Path $root 'tests/pester'), (Join-Path $root 'docs/runbooks') -join ','),
        '-ResultPath', $results, '-SummaryPath', $pesterOut)
    if ($ExcludeTag) { $pesterArgs += @('-ExcludeTag', ($ExcludeTag -join ',')) }
    & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $root 'tests/pester/Invoke-PesterSuite.ps1') @pesterArgs
    $pesterExit = $LASTEXITCODE
    if (Test-Path $pesterOut) {
        $p = Get-Content $pesterOut | ConvertFrom-Json
        $summary.Passed += $p.Passed; $summary.Failed += $p.Failed; $summary.Skipped += $p.Skipped
        if ($pesterExit -ne 0 -and $p.Failed -eq 0) { $summary.Failed += 1 }
    }
    else { $summary.Failed += 1 }

    # The harness reads this closing line.
    Write-Host "Total: $($summary.Passed) passed, $($summary.Failed) failed, $($summary.Skipped) skipped"
    if ($summary.Failed -gt 0) { exit 1 }
}

function Invoke-Demo {
    $demoScript = Join-Path $root 'tools/Invoke-Demo.ps1'
    Invoke-Native dotnet @('pwsh', '-NoProfile', '-NonInteractive', '-File', $demoScript, '-ModulePath', $manifest, '-Path', $DemoPath)
}

function Invoke-Bench {
    $benchScript = Join-Path $root 'tools/Invoke-Benchmarks.ps1'
    $fake = Build-FakeBigQuery
    $benchArgs = @('pwsh', '-NoProfile', '-NonInteractive', '-File', $benchScript, '-ModulePath', $manifest,
        '-ReportPath', (Join-Path $root 'docs/performance.md'), '-FakeBigQueryPath', $fake)
    if ($QuickBench) { $benchArgs += '-Quick' }
    Invoke-Native dotnet $benchArgs
}

function Invoke-Package {
    $m = Test-ModuleManifest -Path $manifest
    Write-Host "Package: $($m.Name) $($m.Version) at $moduleDir ($((Get-ChildItem $moduleDir -Recurse -File | Measure-Object Length -Sum).Sum / 1MB | ForEach-Object { '{0:N0}' -f $_ }) MB)"
}

$done = @{}
foreach ($t in $Task) {
    switch ($t) {
        'Clean' { Remove-Item (Join-Path $root 'out') -Recurse -Force -ErrorAction SilentlyContinue }
        'Build' { Invoke-Build; $done.Build = $true }
        'Docs' { if (-not (Test-Path $manifest)) { Invoke-Build } else { Invoke-Docs } }
        default {
            if (-not $done.ContainsKey("Build")) { Invoke-Build; $done.Build = $true }
            switch ($t) {
                'Test' { Invoke-Test }
                'Demo' { Invoke-Demo }
                'Bench' { Invoke-Bench }
                'Package' { Invoke-Package }
            }
        }
    }
}
exit 0
