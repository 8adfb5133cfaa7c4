# Copyright (c) BackfillTools contributors.
<#
.SYNOPSIS
    Writes a PlatyPS v1 markdown skeleton (docs/<Cmdlet-Name>.md) for a cmdlet that has no help yet.

.DESCRIPTION
    Imports the assembled module and, for the named cmdlet (or, without -Name, for every exported cmdlet that has no
    .md yet), writes a skeleton whose SYNTAX and parameter yaml blocks come from Get-Command, with '{{ TODO ... }}'
    placeholders for the prose and two example sections. tools/Build-Help.ps1 refuses to build while a placeholder
    remains, so a stub cannot ship by accident. An existing file is never replaced unless -Force is given.

.EXAMPLE
    ./tools/New-HelpStub.ps1 -ModulePath module/BackfillTools/BackfillTools.psd1 -DocsPath docs -Name Invoke-Backfill
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $DocsPath,
    [string[]] $Name,
    [switch] $Force
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

function New-StubText($Command, [string] $ModuleName) {
    $sb = [System.Text.StringBuilder]::new()
    $nl = "`n"
    [void]$sb.Append("---$nl" + "external help file: $ModuleName.dll-Help.xml$nl" + "Module Name: $ModuleName$nl" +
        "online version:$nl" + "schema: 2.0.0$nl---$nl$nl")
    [void]$sb.Append("# $($Command.Name)$nl$nl## SYNOPSIS$nl{{ TODO: one sentence: what $($Command.Name) does. }}$nl$nl## SYNTAX$nl")
    foreach ($set in (Get-ParameterSetOrder $Command)) {
        $title = if ($set.Name -eq '__AllParameterSets') { '' } elseif ($set.IsDefault) { "$($set.Name) (Default)" } else { $set.Name }
        if ($title) { [void]$sb.Append("$nl### $title$nl") }
        [void]$sb.Append("$nl``````$nl$($Command.Name) $set$nl``````$nl")
    }
    [void]$sb.Append("$nl## DESCRIPTION$nl{{ TODO: what it does, when to use it, what it changes, which errors (ErrorId) it raises. }}$nl$nl## EXAMPLES$nl")
    foreach ($n in 1, 2) {
        [void]$sb.Append("$nl### Example $($n): {{ TODO: title }}$nl``````powershell$nl{{ TODO: command }}$nl``````$nl$nl{{ TODO: what it shows. }}$nl")
    }
    [void]$sb.Append("$nl## PARAMETERS$nl")
    $params = @(Get-DocumentedParameter $Command | Sort-Object { $_.Name -in 'WhatIf', 'Confirm' }, Name)
    foreach ($p in $params) {
        $sets = @($Command.ParameterSets | Where-Object { $_.Parameters.Name -contains $p.Name })
        $setNames = if ($sets.Count -eq $Command.ParameterSets.Count) { '(All)' } else { ($sets.Name) -join ', ' }
        $facts = @($sets | ForEach-Object { $_.Parameters | Where-Object Name -eq $p.Name })
        $positions = @($facts.Position | Sort-Object -Unique)
        $aliases = @($p.Aliases)
        $default = if ($p.SwitchParameter) { 'False' } else { 'None' }
        $wild = [bool]@($p.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }).Count
        $desc = switch ($p.Name) {
            'WhatIf' { 'Shows what would happen if the cmdlet runs. The cmdlet is not run.' }
            'Confirm' { 'Prompts you for confirmation before running the cmdlet.' }
            default { "{{ TODO: what -$($p.Name) does, its default and valid values. }}" }
        }
        $yaml = @(
            "Type: $(Get-FriendlyTypeName $p.ParameterType)"
            "Parameter Sets: $setNames"
            "Aliases: $(if ($aliases.Count) { $aliases -join ', ' } elseif ($p.Name -eq 'WhatIf') { 'wi' } elseif ($p.Name -eq 'Confirm') { 'cf' } else { '' })".TrimEnd()
            $(if (($validSet = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] })).Count) { "Accepted values: $($validSet[0].ValidValues -join ', ')" })
            ''
            "Required: $(@($facts | Where-Object IsMandatory).Count -eq $facts.Count -and $facts.Count -gt 0)"
            "Position: $(if ($positions.Count -eq 1 -and $positions[0] -ge 0) { $positions[0] } else { 'Named' })"
            "Default value: $default"
            "Accept pipeline input: $(Get-PipelineInputText (@($facts | Where-Object ValueFromPipeline).Count -gt 0) (@($facts | Where-Object ValueFromPipelineByPropertyName).Count -gt 0))"
            "Accept wildcard characters: $wild"
        ) | Where-Object { $null -ne $_ }
        [void]$sb.Append("$nl### -$($p.Name)$nl$desc$nl$nl``````yaml$nl$($yaml -join $nl)$nl``````$nl")
    }
    [void]$sb.Append("$nl### CommonParameters$nl" +
        "This cmdlet supports the common parameters: -Debug, -ErrorAction, -ErrorVariable, -InformationAction, -InformationVariable, " +
        "-OutVariable, -OutBuffer, -PipelineVariable, -ProgressAction, -Verbose, -WarningAction, and -WarningVariable. " +
        "For more information, see [about_CommonParameters](http://go.microsoft.com/fwlink/?LinkID=113216).$nl")
    [void]$sb.Append("$nl## INPUTS$nl$nl### None$nl{{ TODO: what can be piped in (types, properties bound by name). }}$nl")
    [void]$sb.Append("$nl## OUTPUTS$nl")
    $outputs = @($Command.OutputType | ForEach-Object Name)
    if ($outputs.Count -eq 0) { $outputs = @('None') }
    foreach ($o in $outputs) { [void]$sb.Append("$nl### $o$nl{{ TODO: what each object describes. }}$nl") }
    [void]$sb.Append("$nl## NOTES$nl{{ TODO: error ids, exit behaviour in scripts, caveats. }}$nl$nl## RELATED LINKS$nl$nl[about_$ModuleName]()$nl")
    $sb.ToString()
}

try {
    Import-Module (Join-Path $PSScriptRoot 'HelpMarkdown.psm1') -Force
    if (-not (Test-Path -LiteralPath $ModulePath -PathType Leaf)) { throw "ModulePath '$ModulePath' is not a file; give the assembled module's .psd1." }
    $module = Import-Module (Resolve-Path -LiteralPath $ModulePath).ProviderPath -Force -PassThru
    New-Item -ItemType Directory -Path $DocsPath -Force | Out-Null
    $exported = @($module.ExportedCmdlets.Values) + @($module.ExportedFunctions.Values)
    $targets = if ($Name) {
        foreach ($n in $Name) {
            $c = @($exported | Where-Object Name -eq $n)
            if (-not $c.Count) { throw "The module does not export a command named '$n'." }
            $c[0]
        }
    }
    else { $exported | Where-Object { -not (Test-Path -LiteralPath (Join-Path $DocsPath "$($_.Name).md")) } }
    $written = 0
    foreach ($cmd in @($targets)) {
        $path = Join-Path $DocsPath "$($cmd.Name).md"
        if ((Test-Path -LiteralPath $path) -and -not $Force) {
            Write-Warning "$path exists; not replaced (use -Force to overwrite it)."
            continue
        }
        [System.IO.File]::WriteAllText($path, (New-StubText $cmd $module.Name), [System.Text.UTF8Encoding]::new($false))
        Write-Host "New-HelpStub: wrote $path"
        $written++
    }
    if ($written -eq 0) { Write-Host 'New-HelpStub: nothing to write; every exported command has a .md.' }
    exit 0
}
catch {
    [Console]::Error.WriteLine("New-HelpStub: $($_.Exception.Message)")
    exit 1
}
