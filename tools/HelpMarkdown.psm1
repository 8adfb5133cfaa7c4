# Copyright (c) BackfillTools contributors.
# Shared by tools/Build-Help.ps1 and tools/New-HelpStub.ps1: reading PlatyPS v1 markdown and reading a live
# cmdlet's parameter metadata. Plain PowerShell, no packages.

Set-StrictMode -Version 3.0

# Parameters that Get-Help lists as <CommonParameters>. WhatIf/Confirm are documented per cmdlet, so they stay.
$script:CommonParameterNames = [System.Collections.Generic.HashSet[string]]::new(
    [string[]][System.Management.Automation.Cmdlet]::CommonParameters, [StringComparer]::OrdinalIgnoreCase)

function Get-DocumentedParameter {
    <# The parameters a cmdlet's help must document: all but the common ones (WhatIf and Confirm are kept). #>
    param([Parameter(Mandatory)] [System.Management.Automation.CommandInfo] $Command)
    foreach ($p in $Command.Parameters.Values) {
        if (-not $script:CommonParameterNames.Contains($p.Name)) { $p }
    }
}

function Get-ParameterSetOrder {
    <# Parameter sets with the default first, in declaration order otherwise. #>
    param([Parameter(Mandatory)] [System.Management.Automation.CommandInfo] $Command)
    @($Command.ParameterSets | Where-Object IsDefault) + @($Command.ParameterSets | Where-Object { -not $_.IsDefault })
}

function Get-SetParameter {
    <# The documented parameters of one parameter set, in the order Get-Help should show them. #>
    param([Parameter(Mandatory)] $ParameterSet)
    $ps = @($ParameterSet.Parameters | Where-Object { -not $script:CommonParameterNames.Contains($_.Name) })
    $positional = @($ps | Where-Object { $_.Position -ge 0 } | Sort-Object Position)
    $required = @($ps | Where-Object { $_.Position -lt 0 -and $_.IsMandatory })
    $optional = @($ps | Where-Object { $_.Position -lt 0 -and -not $_.IsMandatory -and $_.Name -notin 'WhatIf', 'Confirm' })
    $risk = @($ps | Where-Object { $_.Name -in 'WhatIf', 'Confirm' } | Sort-Object { $_.Name -eq 'Confirm' })
    $positional + $required + $optional + $risk
}

function Get-FriendlyTypeName {
    <# "String[]", "Int32", "SwitchParameter": the short name Get-Help shows in syntax. #>
    param([Parameter(Mandatory)] [type] $Type)
    if ($Type.IsArray) { return (Get-FriendlyTypeName $Type.GetElementType()) + '[]' }
    if ($Type.IsGenericType -and $Type.GetGenericTypeDefinition() -eq [Nullable`1]) {
        return Get-FriendlyTypeName $Type.GetGenericArguments()[0]
    }
    $Type.Name
}

function Get-PipelineInputText {
    param([bool] $ByValue, [bool] $ByPropertyName)
    if ($ByValue -and $ByPropertyName) { 'True (ByPropertyName, ByValue)' }
    elseif ($ByValue) { 'True (ByValue)' }
    elseif ($ByPropertyName) { 'True (ByPropertyName)' }
    else { 'False' }
}

function Split-FrontMatter {
    <# Returns @{ FrontMatter = [ordered]@{...}; Lines = body lines }. #>
    param([Parameter(Mandatory)] [AllowEmptyString()] [string[]] $Lines)
    $meta = [ordered]@{}
    if ($Lines.Count -gt 0 -and $Lines[0].Trim() -eq '---') {
        for ($i = 1; $i -lt $Lines.Count; $i++) {
            if ($Lines[$i].Trim() -eq '---') {
                return @{ FrontMatter = $meta; Lines = @($Lines | Select-Object -Skip ($i + 1)) }
            }
            if ($Lines[$i] -match '^\s*([^:#]+?)\s*:\s*(.*?)\s*$') { $meta[$Matches[1]] = $Matches[2] }
        }
        throw "The front matter that starts on line 1 is never closed with '---'."
    }
    @{ FrontMatter = $meta; Lines = $Lines }
}

function Split-MarkdownSection {
    <#
    Splits lines on headings of exactly the given level ('#' count), ignoring headings inside ``` fences.
    Returns a list of @{ Title; Lines; Line } (Line = 1-based line number of the heading within the input),
    preceded by a section with Title $null for any text before the first heading.
    #>
    param([AllowEmptyCollection()] [AllowEmptyString()] [string[]] $Lines = @(), [Parameter(Mandatory)] [int] $Level, [int] $LineOffset = 0)
    $prefix = ('#' * $Level) + ' '
    $sections = [System.Collections.Generic.List[object]]::new()
    $current = @{ Title = $null; Lines = [System.Collections.Generic.List[string]]::new(); Line = $LineOffset }
    $inFence = $false
    for ($i = 0; $i -lt $Lines.Count; $i++) {
        $line = $Lines[$i]
        if ($line -match '^\s*(```|~~~)') { $inFence = -not $inFence }
        if (-not $inFence -and $line.StartsWith($prefix)) {
            $sections.Add($current)
            $current = @{ Title = $line.Substring($prefix.Length).Trim(); Lines = [System.Collections.Generic.List[string]]::new(); Line = $LineOffset + $i + 1 }
            continue
        }
        $current.Lines.Add($line)
    }
    $sections.Add($current)
    $sections
}

function ConvertFrom-InlineMarkdown {
    <# Inline markdown to plain text: [text](uri) -> text (uri), **bold**/__bold__ -> bold, `code` -> code. #>
    param([AllowEmptyString()] [string] $Text)
    $t = [regex]::Replace($Text, '\[([^\]]+)\]\(([^)\s]+)\)', { param($m) if ($m.Groups[1].Value -eq $m.Groups[2].Value) { $m.Groups[1].Value } else { "$($m.Groups[1].Value) ($($m.Groups[2].Value))" } })
    $t = [regex]::Replace($t, '(\*\*|__)(\S(?:.*?\S)?)\1', '$2')
    $t = [regex]::Replace($t, '(?<![\w`])`([^`]+)`(?![\w`])', '$1')
    $t -replace '\\([\\`*_{}\[\]()#+\-.!|<>])', '$1'
}

function ConvertTo-HelpBlock {
    <#
    Turns markdown body lines into blocks for help text. Each block is @{ Kind = 'Para'|'Item'|'Code'; Text }.
    Paragraph lines are joined with spaces; list items keep their bullet; fenced code keeps its lines.
    #>
    param([AllowEmptyCollection()] [AllowEmptyString()] [string[]] $Lines = @())
    $blocks = [System.Collections.Generic.List[object]]::new()
    $buffer = [System.Collections.Generic.List[string]]::new()
    $kind = 'Para'
    $flush = {
        if ($buffer.Count -gt 0) {
            $blocks.Add(@{ Kind = $kind; Text = (ConvertFrom-InlineMarkdown (($buffer | ForEach-Object Trim) -join ' ')) })
            $buffer.Clear()
        }
    }
    $inFence = $false
    $code = [System.Collections.Generic.List[string]]::new()
    foreach ($line in $Lines) {
        if ($line -match '^\s*(```|~~~)') {
            if ($inFence) {
                $blocks.Add(@{ Kind = 'Code'; Text = ($code -join "`n") }); $code.Clear(); $inFence = $false
            }
            else { . $flush; $inFence = $true }
            continue
        }
        if ($inFence) { $code.Add($line); continue }
        if ($line.Trim() -eq '') { . $flush; $kind = 'Para'; continue }
        if ($line -match '^\s*([-*+]|\d+[.)])\s+(.*)$') {
            $marker = $Matches[1]; $itemText = $Matches[2]
            . $flush; $kind = 'Item'
            $bullet = if ($marker -match '^\d') { $marker } else { '-' }
            $buffer.Add("$bullet $itemText")
            continue
        }
        if ($line -match '^\s*\|') {
            # A table row stays one line of its own.
            . $flush; $kind = 'Item'; $buffer.Add($line.Trim()); . $flush; continue
        }
        $buffer.Add($line)
    }
    if ($inFence) { throw 'A ``` code fence is never closed.' }
    . $flush
    $blocks
}

function Get-FencedBlock {
    <# The fenced code blocks in a list of lines: @{ Info = 'powershell'; Text; Start; End } (0-based indexes of the fences). #>
    param([AllowEmptyCollection()] [AllowEmptyString()] [string[]] $Lines = @())
    $start = -1; $info = ''
    for ($i = 0; $i -lt $Lines.Count; $i++) {
        if ($Lines[$i] -match '^\s*(```|~~~)\s*(\S*)') {
            if ($start -lt 0) { $start = $i; $info = $Matches[2] }
            else {
                $text = if ($i -gt $start + 1) { $Lines[($start + 1)..($i - 1)] -join "`n" } else { '' }
                @{ Info = $info; Text = $text; Start = $start; End = $i }
                $start = -1
            }
        }
    }
}

function Read-HelpMarkdown {
    <#
    Parses a PlatyPS v1 cmdlet markdown file into a plain object:
      Name, FrontMatter, Synopsis (lines), Description (lines), Examples (@{ Title; Code; Remarks (lines) }),
      Parameters (ordered: name -> @{ Description (lines); Yaml (hashtable); Line }), Inputs/Outputs (@{ Type; Lines }),
      Notes (lines), Links (@{ Text; Uri }).
    Structural problems are returned in Problems (strings), not thrown, so the caller can report every file at once.
    #>
    param([Parameter(Mandatory)] [string] $Path)
    $problems = [System.Collections.Generic.List[string]]::new()
    $raw = @(Get-Content -LiteralPath $Path -Encoding utf8)
    $split = Split-FrontMatter $raw
    $offset = $raw.Count - $split.Lines.Count
    $doc = [ordered]@{
        Path = $Path; Name = $null; FrontMatter = $split.FrontMatter; Synopsis = @(); Description = @(); Examples = @()
        Parameters = [ordered]@{}; Inputs = @(); Outputs = @(); Notes = @(); Links = @(); Problems = $problems
    }
    $top = Split-MarkdownSection -Lines $split.Lines -Level 1 -LineOffset $offset
    $h1 = @($top | Where-Object { $null -ne $_.Title })
    if ($h1.Count -eq 0) { $problems.Add('no "# <Cmdlet-Name>" heading'); return [pscustomobject]$doc }
    $doc.Name = $h1[0].Title
    foreach ($s in (Split-MarkdownSection -Lines $h1[0].Lines -Level 2 -LineOffset $h1[0].Line)) {
        if ($null -eq $s.Title) { continue }
        $body = [string[]]$s.Lines
        switch ($s.Title.ToUpperInvariant()) {
            'SYNOPSIS' { $doc.Synopsis = $body }
            'SYNTAX' { }  # syntax always comes from the live cmdlet
            'DESCRIPTION' { $doc.Description = $body }
            'EXAMPLES' {
                $doc.Examples = @(foreach ($e in (Split-MarkdownSection -Lines $body -Level 3 -LineOffset $s.Line)) {
                        if ($null -eq $e.Title) { continue }
                        $fences = @(Get-FencedBlock ([string[]]$e.Lines))
                        if ($fences.Count -eq 0) { $problems.Add("example '$($e.Title)' (line $($e.Line)) has no fenced code block"); continue }
                        $first = $fences[0]
                        $intro = @($e.Lines | Select-Object -First $first.Start)
                        $after = @($e.Lines | Select-Object -Skip ($first.End + 1))
                        @{ Title = $e.Title; Code = $first.Text; Introduction = [string[]]$intro; Remarks = [string[]]$after; Line = $e.Line }
                    })
            }
            'PARAMETERS' {
                foreach ($p in (Split-MarkdownSection -Lines $body -Level 3 -LineOffset $s.Line)) {
                    if ($null -eq $p.Title) { continue }
                    if ($p.Title -notmatch '^-(\w+)$') {
                        if ($p.Title -ne 'CommonParameters') { $problems.Add("parameter heading '### $($p.Title)' (line $($p.Line)) is not of the form '### -Name'") }
                        continue
                    }
                    $name = $Matches[1]
                    $fences = @(Get-FencedBlock ([string[]]$p.Lines) | Where-Object { $_.Info -eq 'yaml' })
                    $yaml = [ordered]@{}
                    $descLines = [string[]]$p.Lines
                    if ($fences.Count -gt 0) {
                        foreach ($l in ($fences[0].Text -split "`n")) { if ($l -match '^\s*([^:]+?)\s*:\s*(.*?)\s*$') { $yaml[$Matches[1]] = $Matches[2] } }
                        $descLines = [string[]]@($p.Lines | Select-Object -First $fences[0].Start)
                    }
                    if ($doc.Parameters.Contains($name)) { $problems.Add("parameter -$name is documented twice (line $($p.Line))"); continue }
                    $doc.Parameters[$name] = @{ Description = $descLines; Yaml = $yaml; Line = $p.Line }
                }
            }
            { $_ -in 'INPUTS', 'OUTPUTS' } {
                $items = @(foreach ($t in (Split-MarkdownSection -Lines $body -Level 3 -LineOffset $s.Line)) {
                        if ($null -eq $t.Title) { continue }
                        @{ Type = $t.Title; Lines = [string[]]$t.Lines }
                    })
                if ($_ -eq 'INPUTS') { $doc.Inputs = $items } else { $doc.Outputs = $items }
            }
            'NOTES' { $doc.Notes = $body }
            'RELATED LINKS' {
                $doc.Links = @(foreach ($l in $body) {
                        if ($l -match '^\s*[-*]?\s*\[([^\]]+)\]\(([^)]*)\)') { @{ Text = $Matches[1]; Uri = $Matches[2] } }
                        elseif ($l.Trim() -ne '') { @{ Text = $l.Trim(' ', '-', '*'); Uri = '' } }
                    })
            }
            default { $problems.Add("unknown section '## $($s.Title)' (line $($s.Line))") }
        }
    }
    [pscustomobject]$doc
}

Export-ModuleMember -Function Get-DocumentedParameter, Get-ParameterSetOrder, Get-SetParameter, Get-FriendlyTypeName,
    Get-PipelineInputText, Split-FrontMatter, Split-MarkdownSection, ConvertFrom-InlineMarkdown, ConvertTo-HelpBlock,
    Get-FencedBlock, Read-HelpMarkdown
