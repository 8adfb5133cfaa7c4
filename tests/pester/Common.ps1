# Shared by the Pester suites: dot-source in BeforeAll.
$ErrorActionPreference = 'Stop'
$script:ModulePath = $env:BACKFILLTOOLS_MODULE_PATH
if (-not $script:ModulePath) { throw 'Set $env:BACKFILLTOOLS_MODULE_PATH to the assembled module psd1 (build.ps1 -Task Test does).' }
Import-Module $script:ModulePath -Force
# Test set-up talks to DuckDB directly; the module loads the engine lazily.
Add-Type -Path (Join-Path (Split-Path $script:ModulePath) 'DuckDB.NET.Data.dll')

function New-TestDirectory {
    $dir = Join-Path ([IO.Path]::GetTempPath()) ("bft-" + [guid]::NewGuid().ToString('N').Substring(0, 12))
    New-Item -ItemType Directory -Path $dir | Out-Null
    $dir
}

# A child pwsh with the module imported: other-process behaviour (file locks, exit codes, env defaults).
function Invoke-ChildPwsh {
    param([Parameter(Mandatory)][string] $Script, [hashtable] $Environment = @{}, [switch] $NoWait)
    $pwshDll = Join-Path $PSHOME 'pwsh.dll'
    $full = "`$ErrorActionPreference='Stop'; Import-Module '$($script:ModulePath)'; $Script"
    $psi = [Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
    foreach ($a in @($pwshDll, '-NoProfile', '-NonInteractive', '-Command', $full)) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true; $psi.UseShellExecute = $false
    foreach ($k in $Environment.Keys) { $psi.Environment[$k] = $Environment[$k] }
    $psi.Environment['NO_COLOR'] = '1'
    $p = [Diagnostics.Process]::Start($psi)
    if ($NoWait) { return $p }
    $out = $p.StandardOutput.ReadToEndAsync(); $err = $p.StandardError.ReadToEndAsync()
    $p.WaitForExit()
    [pscustomobject]@{ ExitCode = $p.ExitCode; StdOut = $out.Result; StdErr = $err.Result }
}

function Get-FileChecksum([string] $Path) {
    if (-not (Test-Path $Path)) { return '<absent>' }
    (Get-FileHash -Path $Path -Algorithm SHA256).Hash
}

# Runs a script block and returns the ErrorRecord it threw (or $null).
function Get-ThrownError([scriptblock] $Block) {
    try { & $Block | Out-Null; $null } catch { $_ }
}

# Direct SQL against a DuckDB file, for test set-up and inspection only.
. (Join-Path $PSScriptRoot '../../tools/DuckDbSql.ps1')
function Invoke-TestSql {
    param([Parameter(Mandatory)][string] $Path, [Parameter(Mandatory)][string] $Sql)
    Invoke-DuckDbSql -Path $Path -Sql $Sql
}

# Content of a table as "rows:hash", without the columns that name the run that wrote them (the kill/resume tests
# compare tables with it). NULL-aware: every value is hashed as '=' + its text and NULL as 'NULL' (no '='), so NULL and
# '' (or the text 'NULL') differ, and the columns are hashed as a list, so no value can shift into its neighbour.
# Write stamps differ between runs by nature: the run id, the row's own load times, and source_*_last_updated (the
# load time of what a row read; for a Phase 4 upstream, that run's stamp). Everything else must be equal.
# Both are the product's rules (BackfillRules), as the xUnit twin reads them.
function Get-TableChecksum([string] $Path, [string] $Table, [string[]] $Exclude = [BackfillTools.Core.Domain.BackfillRules]::RunColumns) {
    $cols = (Invoke-TestSql -Path $Path -Sql "SELECT column_name FROM information_schema.columns WHERE table_schema || '.' || table_name = '$Table' ORDER BY ordinal_position").column_name |
        Where-Object { $_ -notin $Exclude -and -not [BackfillTools.Core.Domain.BackfillRules]::IsSourceLoadTime($_) }
    $list = ($cols | ForEach-Object { "COALESCE('=' || CAST($_ AS VARCHAR), 'NULL')" }) -join ', '
    (Invoke-TestSql -Path $Path -Sql "SELECT COUNT(*) AS n, COALESCE(SUM(hash(list_value($list))), 0) AS h FROM $Table" | ForEach-Object { "$($_.n):$($_.h)" })
}

# Sheet name -> rows of cell texts (shared strings resolved; numbers and dates as their stored values), read back with
# the same Open XML SDK the module ships.
function Read-Workbook([string] $Path) {
    Add-Type -Path (Join-Path (Split-Path $script:ModulePath) 'DocumentFormat.OpenXml.Framework.dll')
    Add-Type -Path (Join-Path (Split-Path $script:ModulePath) 'DocumentFormat.OpenXml.dll')
    $doc = [DocumentFormat.OpenXml.Packaging.SpreadsheetDocument]::Open($Path, $false)
    try {
        $wb = $doc.WorkbookPart
        $strings = @($wb.SharedStringTablePart.SharedStringTable.ChildElements | ForEach-Object InnerText)
        $result = [ordered]@{}
        foreach ($sheet in $wb.Workbook.Sheets.ChildElements) {
            $ws = $wb.GetPartById($sheet.Id.Value).Worksheet
            $result[$sheet.Name.Value] = @(foreach ($row in $ws.Descendants[DocumentFormat.OpenXml.Spreadsheet.Row]()) {
                    , @(foreach ($c in $row.ChildElements) {
                            if ($c.DataType -and $c.DataType.Value -eq [DocumentFormat.OpenXml.Spreadsheet.CellValues]::SharedString) { $strings[[int]$c.CellValue.Text] }
                            else { $c.CellValue.Text }
                        })
                })
        }
        $result
    }
    finally { $doc.Dispose() }
}

# One generated season (2022-23, with the January incident) per suite; tests that change data work on copies.
function Initialize-SampleTemplate {
    $script:root = New-TestDirectory
    $script:template = Join-Path $script:root 'template.duckdb'
    New-BackfillWarehouse -Path $script:template -SampleData -Season 2022-23 -Scenario StaleUpcg | Out-Null
}

# A fresh copy of the suite's template, connected as the session default.
function New-WarehouseCopy {
    $path = Join-Path $script:root ("w-" + [guid]::NewGuid().ToString('N').Substring(0, 8) + '.duckdb')
    Copy-Item $script:template $path
    Connect-BackfillWarehouse -Path $path | Out-Null
    $path
}

# The January incident's expected outcome, shared by the DuckDB and BigQuery suites: both partial UPCG dates named in
# pre-flight, and PCF published from the synthetic context at 100% with the stale rows counted (1 and 68).
function Assert-IncidentPreflightWarnings([string[]] $Warnings) {
    ($Warnings -join "`n") | Should -Match '2023-02-23 has partial upcoming_player_game_context \(1 rows'
    ($Warnings -join "`n") | Should -Match '2023-02-24 has partial upcoming_player_game_context \(68 rows'
    ($Warnings -join "`n") | Should -Match 'Clear-StaleUpcg -Date 2023-02-23'
}

function Assert-IncidentRepaired([object[]] $Results) {
    $pcf = @($Results | Where-Object Processor -eq PCF | Sort-Object Date)
    $pcf.Count | Should -Be 2
    $pcf | ForEach-Object {
        $_.Status | Should -Be Published
        $_.Source | Should -Be Synthetic
        $_.CoveragePct | Should -Be 100
        $_.RowsWritten | Should -Be $_.Expected
    }
    $pcf.UpcgRows -join ',' | Should -Be '1,68'
}
