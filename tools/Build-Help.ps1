# Copyright (c) BackfillTools contributors.
<#
.SYNOPSIS
    Builds the module's external help (MAML) and about topics from PlatyPS v1 markdown, without PlatyPS.

.DESCRIPTION
    Imports the assembled module, and for every exported cmdlet reads docs/<Cmdlet-Name>.md (PlatyPS v1 format) and
    writes one <command:command> into <OutputPath>/<RootModule>-Help.xml (for a binary module: BackfillTools.dll-Help.xml).
    Syntax, parameter sets, Mandatory, Position, pipeline input, aliases, wildcard support and types come from the live
    cmdlet (Get-Command), so the help cannot drift from the code; the markdown supplies the prose, the examples and the
    "Default value" of each parameter. docs/about_*.md become about_*.help.txt (plain text).

    The build fails (exit code 1, nothing written) and lists every problem when:
      - an exported cmdlet has no docs/<Cmdlet-Name>.md;
      - a parameter (common parameters excepted; WhatIf and Confirm included) has no '### -Name' section;
      - a '### -Name' section documents a parameter the cmdlet does not have (drift);
      - a cmdlet has fewer than 2 examples, or no synopsis or description, or an unfilled '{{ TODO' placeholder;
      - the about topic docs/about_<ModuleName>.md is missing.
    Exit code 2 means the build could not run (bad arguments, the module did not import).

.EXAMPLE
    ./tools/Build-Help.ps1 -ModulePath module/BackfillTools/BackfillTools.psd1 -DocsPath docs -OutputPath module/BackfillTools/en-US
#>
[CmdletBinding()]
param(
    # The assembled module's manifest (.psd1).
    [Parameter(Mandatory)] [string] $ModulePath,
    # The folder holding <Cmdlet-Name>.md and about_*.md.
    [Parameter(Mandatory)] [string] $DocsPath,
    # Where to write the MAML and the about topics; defaults to <module folder>/en-US.
    [string] $OutputPath,
    # Minimum number of examples per cmdlet.
    [int] $MinExamples = 2
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$ns = @{
    msh     = 'http://msh'
    maml    = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
}

function Write-Problems([string] $Header, [System.Collections.Generic.List[string]] $Problems) {
    [Console]::Error.WriteLine($Header)
    foreach ($p in $Problems) { [Console]::Error.WriteLine("  - $p") }
}

#region MAML writing

function Write-Paras([System.Xml.XmlWriter] $W, [object[]] $Blocks) {
    foreach ($b in $Blocks) {
        # Get-Help trims the start of a para, so code keeps its own line breaks but gets no extra indent.
        $W.WriteElementString('maml', 'para', $ns.maml, $b.Text)
    }
}

function Write-Description([System.Xml.XmlWriter] $W, [string[]] $Lines, [string] $Prefix = 'maml') {
    $W.WriteStartElement($Prefix, 'description', $ns.maml)
    Write-Paras $W @(ConvertTo-HelpBlock $Lines)
    $W.WriteEndElement()
}

function Get-ParameterFacts($Command, [string] $Name, $Set) {
    <# Live metadata for one parameter, either in one parameter set ($Set) or across all its sets. #>
    $meta = $Command.Parameters[$Name]
    $inSets = @(foreach ($s in $Command.ParameterSets) { $s.Parameters | Where-Object Name -eq $Name })
    $facts = @(if ($Set) { $Set.Parameters | Where-Object Name -eq $Name } else { $inSets })
    $positions = @($facts | ForEach-Object { $_.Position } | Sort-Object -Unique)
    $aliases = @($meta.Aliases)
    [pscustomobject]@{
        Name       = $Name
        Type       = $meta.ParameterType
        IsSwitch   = $meta.SwitchParameter
        Required   = @($facts | Where-Object IsMandatory).Count -eq $facts.Count -and $facts.Count -gt 0
        Position   = if ($positions.Count -eq 1 -and $positions[0] -ge 0) { [string]$positions[0] } else { 'named' }
        Pipeline   = Get-PipelineInputText -ByValue (@($facts | Where-Object ValueFromPipeline).Count -gt 0) `
            -ByPropertyName (@($facts | Where-Object ValueFromPipelineByPropertyName).Count -gt 0)
        Aliases    = if ($aliases.Count) { $aliases -join ', ' } else { 'none' }
        Globbing   = [bool]@($meta.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }).Count
        ValidValues = @($meta.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] } | ForEach-Object ValidValues)
        VarLength  = $meta.ParameterType.IsArray
    }
}

function Write-ParameterElement([System.Xml.XmlWriter] $W, $Facts, $Doc, [switch] $InSyntax) {
    $W.WriteStartElement('command', 'parameter', $ns.command)
    $W.WriteAttributeString('required', $Facts.Required.ToString().ToLowerInvariant())
    $W.WriteAttributeString('variableLength', $Facts.VarLength.ToString().ToLowerInvariant())
    $W.WriteAttributeString('globbing', $Facts.Globbing.ToString().ToLowerInvariant())
    $W.WriteAttributeString('pipelineInput', $Facts.Pipeline)
    $W.WriteAttributeString('position', $Facts.Position)
    $W.WriteAttributeString('aliases', $Facts.Aliases)
    $W.WriteElementString('maml', 'name', $ns.maml, $Facts.Name)
    if (-not $InSyntax) { Write-Description $W $Doc.Description }
    if ($InSyntax -and $Facts.ValidValues.Count -gt 0) {
        $W.WriteStartElement('command', 'parameterValueGroup', $ns.command)
        foreach ($v in $Facts.ValidValues) {
            $W.WriteStartElement('command', 'parameterValue', $ns.command)
            $W.WriteAttributeString('required', 'false'); $W.WriteAttributeString('command', 'variableLength', $ns.command, 'false')
            $W.WriteString($v); $W.WriteEndElement()
        }
        $W.WriteEndElement()
    }
    $friendly = Get-FriendlyTypeName $Facts.Type
    if (-not $Facts.IsSwitch) {
        $W.WriteStartElement('command', 'parameterValue', $ns.command)
        $W.WriteAttributeString('required', 'true'); $W.WriteAttributeString('variableLength', $Facts.VarLength.ToString().ToLowerInvariant())
        $W.WriteString($friendly); $W.WriteEndElement()
    }
    $W.WriteStartElement('dev', 'type', $ns.dev)
    $W.WriteElementString('maml', 'name', $ns.maml, $Facts.Type.FullName)
    $W.WriteElementString('maml', 'uri', $ns.maml, '')
    $W.WriteEndElement()
    $default = if ($Doc -and $Doc.Yaml.Contains('Default value') -and $Doc.Yaml['Default value']) { $Doc.Yaml['Default value'] }
    elseif ($Facts.IsSwitch) { 'False' } else { 'None' }
    $W.WriteElementString('dev', 'defaultValue', $ns.dev, $default)
    $W.WriteEndElement()
}

function Write-TypeList([System.Xml.XmlWriter] $W, [string] $Outer, [string] $Inner, [object[]] $Items) {
    $W.WriteStartElement('command', $Outer, $ns.command)
    foreach ($item in $Items) {
        $W.WriteStartElement('command', $Inner, $ns.command)
        $W.WriteStartElement('dev', 'type', $ns.dev)
        $W.WriteElementString('maml', 'name', $ns.maml, (ConvertFrom-InlineMarkdown $item.Type))
        $W.WriteEndElement()
        Write-Description $W $item.Lines
        $W.WriteEndElement()
    }
    $W.WriteEndElement()
}

function Write-CommandHelp([System.Xml.XmlWriter] $W, $Command, $Doc) {
    $W.WriteStartElement('command', 'command', $ns.command)
    $W.WriteAttributeString('xmlns', 'maml', $null, $ns.maml)
    $W.WriteAttributeString('xmlns', 'command', $null, $ns.command)
    $W.WriteAttributeString('xmlns', 'dev', $null, $ns.dev)

    $W.WriteStartElement('command', 'details', $ns.command)
    $W.WriteElementString('command', 'name', $ns.command, $Command.Name)
    $W.WriteElementString('command', 'verb', $ns.command, $Command.Verb)
    $W.WriteElementString('command', 'noun', $ns.command, $Command.Noun)
    Write-Description $W $Doc.Synopsis
    $W.WriteEndElement()

    Write-Description $W $Doc.Description

    $W.WriteStartElement('command', 'syntax', $ns.command)
    foreach ($set in (Get-ParameterSetOrder $Command)) {
        $W.WriteStartElement('command', 'syntaxItem', $ns.command)
        $W.WriteElementString('maml', 'name', $ns.maml, $Command.Name)
        foreach ($p in (Get-SetParameter $set)) {
            Write-ParameterElement $W (Get-ParameterFacts $Command $p.Name $set) $null -InSyntax
        }
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'parameters', $ns.command)
    foreach ($name in $Doc.Parameters.Keys) {
        $live = @(Get-DocumentedParameter $Command | Where-Object Name -eq $name)
        if ($live.Count -eq 0) { continue }
        Write-ParameterElement $W (Get-ParameterFacts $Command $live[0].Name $null) $Doc.Parameters[$name]
    }
    $W.WriteEndElement()

    Write-TypeList $W 'inputTypes' 'inputType' $Doc.Inputs
    Write-TypeList $W 'returnValues' 'returnValue' $Doc.Outputs

    $W.WriteStartElement('maml', 'alertSet', $ns.maml)
    $notes = @(ConvertTo-HelpBlock $Doc.Notes)
    if ($notes.Count) {
        $W.WriteStartElement('maml', 'alert', $ns.maml); Write-Paras $W $notes; $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'examples', $ns.command)
    foreach ($e in $Doc.Examples) {
        $W.WriteStartElement('command', 'example', $ns.command)
        $W.WriteElementString('maml', 'title', $ns.maml, "-------------------------- $($e.Title) --------------------------")
        $intro = @(ConvertTo-HelpBlock $e.Introduction)
        if ($intro.Count) { $W.WriteStartElement('maml', 'introduction', $ns.maml); Write-Paras $W $intro; $W.WriteEndElement() }
        $W.WriteElementString('dev', 'code', $ns.dev, $e.Code)
        $W.WriteStartElement('dev', 'remarks', $ns.dev); Write-Paras $W @(ConvertTo-HelpBlock $e.Remarks)
        $W.WriteElementString('maml', 'para', $ns.maml, '')  # a blank line before the next example's title
        $W.WriteEndElement()
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'relatedLinks', $ns.command)
    $online = if ($Doc.FrontMatter.Contains('online version')) { $Doc.FrontMatter['online version'] } else { '' }
    if ($online) {
        $W.WriteStartElement('maml', 'navigationLink', $ns.maml)
        $W.WriteElementString('maml', 'linkText', $ns.maml, 'Online Version:')
        $W.WriteElementString('maml', 'uri', $ns.maml, $online)
        $W.WriteEndElement()
    }
    foreach ($l in $Doc.Links) {
        $W.WriteStartElement('maml', 'navigationLink', $ns.maml)
        $W.WriteElementString('maml', 'linkText', $ns.maml, $l.Text)
        $W.WriteElementString('maml', 'uri', $ns.maml, $l.Uri)
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteEndElement() # command:command
}

#endregion

#region about topics

function Format-Wrapped([string] $Text, [string] $Indent, [string] $Hanging = $Indent, [int] $Width = 80) {
    $lines = [System.Collections.Generic.List[string]]::new()
    $line = $Indent
    $fresh = $true
    foreach ($word in ($Text -split '\s+' | Where-Object { $_ })) {
        if (-not $fresh -and ($line.Length + 1 + $word.Length) -gt $Width) {
            $lines.Add($line); $line = $Hanging + $word
        }
        else { $line = if ($fresh) { $line + $word } else { "$line $word" } }
        $fresh = $false
    }
    if (-not $fresh) { $lines.Add($line) }
    $lines
}

function ConvertTo-AboutText([string[]] $Lines, [string] $TopicName) {
    <# PlatyPS-style about markdown to the plain text Get-Help about_* prints: headings in capitals, text indented. #>
    $out = [System.Collections.Generic.List[string]]::new()
    $body = [System.Collections.Generic.List[string]]::new()
    $emitBody = {
        if ($body.Count -eq 0) { return }
        $previous = $null
        foreach ($b in (ConvertTo-HelpBlock ([string[]]$body))) {
            if ($previous -eq 'Item' -and $b.Kind -ne 'Item') { $out.Add('') }
            $previous = $b.Kind
            switch ($b.Kind) {
                'Para' { $out.AddRange([string[]]@(Format-Wrapped $b.Text '    ')) }
                'Item' {
                    if ($b.Text.StartsWith('|')) { $out.Add("    $($b.Text)") }
                    else {
                        $bullet = ($b.Text -split ' ', 2)[0]
                        $out.AddRange([string[]]@(Format-Wrapped $b.Text '    ' (' ' * (5 + $bullet.Length))))
                    }
                }
                'Code' { foreach ($c in ($b.Text -split "`n")) { $out.Add(("        $c").TrimEnd()) } }
            }
            # Consecutive list items stay together; everything else is separated by a blank line.
            if ($b.Kind -ne 'Item') { $out.Add('') }
        }
        if ($out.Count -and $out[$out.Count - 1] -ne '') { $out.Add('') }
        $body.Clear()
    }
    $inFence = $false
    foreach ($line in $Lines) {
        if ($line -match '^\s*(```|~~~)') { $inFence = -not $inFence }
        if (-not $inFence -and $line -match '^(#{1,4})\s+(.*?)\s*#*\s*$') {
            . $emitBody
            $level = $Matches[1].Length; $title = ConvertFrom-InlineMarkdown $Matches[2]
            switch ($level) {
                1 { $out.Add('TOPIC'); $out.Add("    $title"); $out.Add('') }
                2 { $out.Add($title.ToUpperInvariant()) }
                default { $out.Add("  $title"); $out.Add('  ' + ('-' * $title.Length)) }
            }
            continue
        }
        $body.Add($line)
    }
    . $emitBody
    while ($out.Count -and $out[$out.Count - 1] -eq '') { $out.RemoveAt($out.Count - 1) }
    ($out -join "`n") + "`n"
}

#endregion

try {
    Import-Module (Join-Path $PSScriptRoot 'HelpMarkdown.psm1') -Force
    if (-not (Test-Path -LiteralPath $ModulePath -PathType Leaf)) { throw "ModulePath '$ModulePath' is not a file; give the assembled module's .psd1." }
    if (-not (Test-Path -LiteralPath $DocsPath -PathType Container)) { throw "DocsPath '$DocsPath' is not a folder." }
    $ModulePath = (Resolve-Path -LiteralPath $ModulePath).ProviderPath
    $DocsPath = (Resolve-Path -LiteralPath $DocsPath).ProviderPath
    if (-not $OutputPath) { $OutputPath = Join-Path (Split-Path $ModulePath) 'en-US' }
    $module = Import-Module $ModulePath -Force -PassThru -ErrorAction Stop
}
catch {
    [Console]::Error.WriteLine("Build-Help: cannot start: $($_.Exception.Message)")
    exit 2
}

try {
    $problems = [System.Collections.Generic.List[string]]::new()
    $commands = @($module.ExportedCmdlets.Values) + @($module.ExportedFunctions.Values) | Sort-Object Name
    $docFiles = @{}
    foreach ($f in (Get-ChildItem -LiteralPath $DocsPath -Filter '*.md' -File)) { $docFiles[$f.BaseName] = $f }  # case-insensitive keys
    $docs = [ordered]@{}

    foreach ($cmd in $commands) {
        $file = $docFiles[$cmd.Name]
        if (-not $file) {
            $problems.Add("$($cmd.Name): no $($cmd.Name).md in $DocsPath (start one with: tools/New-HelpStub.ps1 -ModulePath <psd1> -DocsPath <docs> -Name $($cmd.Name))")
            continue
        }
        $doc = Read-HelpMarkdown $file.FullName
        foreach ($p in $doc.Problems) { $problems.Add("$($cmd.Name): $($file.Name): $p") }
        if ($doc.Name -and $doc.Name -ne $cmd.Name) { $problems.Add("$($cmd.Name): $($file.Name): the '# ' heading says '$($doc.Name)', not '$($cmd.Name)'") }
        $synopsis = @(ConvertTo-HelpBlock $doc.Synopsis)
        if ($synopsis.Count -eq 0) { $problems.Add("$($cmd.Name): $($file.Name): the SYNOPSIS section is empty") }
        if (@(ConvertTo-HelpBlock $doc.Description).Count -eq 0) { $problems.Add("$($cmd.Name): $($file.Name): the DESCRIPTION section is empty") }
        if ($doc.Examples.Count -lt $MinExamples) {
            $problems.Add("$($cmd.Name): $($file.Name): has $($doc.Examples.Count) example(s); at least $MinExamples are required")
        }
        $live = @(Get-DocumentedParameter $cmd)
        foreach ($p in $live) {
            if (-not $doc.Parameters.Contains($p.Name)) {
                $problems.Add("$($cmd.Name): parameter -$($p.Name) has no '### -$($p.Name)' section in $($file.Name)")
            }
            elseif (@(ConvertTo-HelpBlock $doc.Parameters[$p.Name].Description).Count -eq 0) {
                $problems.Add("$($cmd.Name): the '### -$($p.Name)' section in $($file.Name) has no description")
            }
            else {
                # The help takes these facts from the cmdlet; a yaml block that disagrees only misleads readers of the .md.
                $yaml = $doc.Parameters[$p.Name].Yaml
                $facts = Get-ParameterFacts $cmd $p.Name $null
                $liveFacts = [ordered]@{ Type = Get-FriendlyTypeName $facts.Type; Required = [string]$facts.Required; Position = $facts.Position }
                foreach ($key in $liveFacts.Keys) {
                    if ($yaml.Contains($key) -and $yaml[$key] -and $yaml[$key] -ne $liveFacts[$key] -and
                        -not ($key -eq 'Type' -and $yaml[$key] -eq $facts.Type.FullName)) {
                        Write-Warning "$($cmd.Name): $($file.Name) says '$($key): $($yaml[$key])' for -$($p.Name); the cmdlet has '$($liveFacts[$key])' (the help uses the cmdlet's)."
                    }
                }
            }
        }
        foreach ($name in $doc.Parameters.Keys) {
            if (-not @($live | Where-Object Name -eq $name).Count) {
                $problems.Add("$($cmd.Name): $($file.Name) documents '### -$name' (line $($doc.Parameters[$name].Line)), but the cmdlet has no parameter -$name (stale section)")
            }
        }
        $todo = @(Select-String -LiteralPath $file.FullName -Pattern '\{\{\s*TODO' -SimpleMatch:$false)
        if ($todo.Count) {
            $problems.Add("$($cmd.Name): $($file.Name) still has $($todo.Count) '{{ TODO' placeholder(s), on line(s) $(($todo.LineNumber | Select-Object -First 8) -join ', ')$(if ($todo.Count -gt 8) { ', ...' })")
        }
        $docs[$cmd.Name] = $doc
    }

    foreach ($name in $docFiles.Keys) {
        # Only Verb-Noun pages are cmdlet help; reports such as performance.md live beside them.
        if ($name -match '^[A-Za-z]+-[A-Za-z]+$' -and -not @($commands | Where-Object Name -eq $name).Count) {
            Write-Warning "$name.md documents a command the module does not export; it is not built into help."
        }
    }

    $aboutName = "about_$($module.Name)"
    $abouts = @($docFiles.Keys | Where-Object { $_ -like 'about_*' } | Sort-Object)
    if ($abouts -notcontains $aboutName) { $problems.Add("$($module.Name): no $aboutName.md in $DocsPath (the about topic)") }

    if ($problems.Count -gt 0) {
        Write-Problems "Build-Help: $($problems.Count) problem(s); no help was written:" $problems
        exit 1
    }

    New-Item -ItemType Directory -Path $OutputPath -Force | Out-Null
    $root = if ($module.RootModule) { Split-Path -Leaf $module.RootModule } else { "$($module.Name).psm1" }
    $mamlPath = Join-Path $OutputPath "$root-Help.xml"
    $temp = "$mamlPath.tmp"
    $settings = [System.Xml.XmlWriterSettings]::new()
    $settings.Indent = $true
    $settings.Encoding = [System.Text.UTF8Encoding]::new($false)
    $writer = [System.Xml.XmlWriter]::Create($temp, $settings)
    try {
        $writer.WriteStartDocument()
        $writer.WriteStartElement('helpItems', $ns.msh)
        $writer.WriteAttributeString('schema', 'maml')
        foreach ($cmd in $commands) { Write-CommandHelp $writer $cmd $docs[$cmd.Name] }
        $writer.WriteEndElement()
        $writer.WriteEndDocument()
    }
    finally { $writer.Dispose() }
    Move-Item -LiteralPath $temp -Destination $mamlPath -Force
    Write-Host "Build-Help: $mamlPath ($($commands.Count) command(s))"

    foreach ($a in $abouts) {
        $text = ConvertTo-AboutText ([string[]]@(Get-Content -LiteralPath $docFiles[$a].FullName -Encoding utf8)) $a
        $target = Join-Path $OutputPath "$a.help.txt"
        [System.IO.File]::WriteAllText($target, $text, [System.Text.UTF8Encoding]::new($false))
        Write-Host "Build-Help: $target"
    }
    exit 0
}
catch {
    [Console]::Error.WriteLine("Build-Help: failed: $($_.Exception.Message) ($($_.InvocationInfo.PositionMessage))")
    exit 2
}
