<#
.SYNOPSIS
    Regenerates the generated section of docs/production-schema.md: the product's table declarations compared with
    production-schema.json.

.DESCRIPTION
    Loads the built BackfillTools.Core.dll and replaces the text between the markers
    '<!-- generated:begin -->' and '<!-- generated:end -->' with
    [BackfillTools.Core.Schema.SchemaComparison]::Markdown([BackfillTools.Core.Schema.SchemaComparison]::CurrentPairs()).
    The hand-written parts (introduction, plan) are kept.

.EXAMPLE
    dotnet build src/BackfillTools.Core/BackfillTools.Core.csproj -c Release
    dotnet pwsh -NoProfile -File tools/Update-ProductionSchemaDoc.ps1
#>
[CmdletBinding()]
param(
    # The built Core assembly.
    [string] $CoreAssembly = (Join-Path $PSScriptRoot '../src/BackfillTools.Core/bin/Release/net8.0/BackfillTools.Core.dll'),
    # The document to update.
    [string] $Document = (Join-Path $PSScriptRoot '../docs/production-schema.md')
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

Add-Type -Path (Resolve-Path $CoreAssembly)
$generated = [BackfillTools.Core.Schema.SchemaComparison]::Markdown([BackfillTools.Core.Schema.SchemaComparison]::CurrentPairs())
$text = [IO.File]::ReadAllText((Resolve-Path $Document))
$begin = '<!-- generated:begin -->'
$end = '<!-- generated:end -->'
$from = $text.IndexOf($begin)
$to = $text.IndexOf($end)
if ($from -lt 0 -or $to -lt $from) { throw "$Document has no '$begin' … '$end' section." }
$updated = $text.Substring(0, $from + $begin.Length) + "`n" + $generated.Replace("`r`n", "`n") + $text.Substring($to)
[IO.File]::WriteAllText((Resolve-Path $Document), $updated)
Write-Verbose "Updated $Document"
