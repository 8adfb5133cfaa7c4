# Copyright (c) BackfillTools contributors.
# Help quality for every exported cmdlet (Get-Help against the built MAML), the about topic, and the help build
# script itself (tools/Build-Help.ps1, tools/New-HelpStub.ps1) on temporary docs folders.
# Needs the assembled module with its en-US help: $env:BACKFILLTOOLS_MODULE_PATH = <module folder>/BackfillTools.psd1
# (build.ps1 sets it), else <repo>/module/BackfillTools/BackfillTools.psd1.

BeforeDiscovery {
    $modulePath = if ($env:BACKFILLTOOLS_MODULE_PATH) { $env:BACKFILLTOOLS_MODULE_PATH }
    else { Join-Path $PSScriptRoot '../../module/BackfillTools/BackfillTools.psd1' }
    if (-not (Test-Path -LiteralPath $modulePath)) {
        throw "Module manifest not found at '$modulePath'. Build the module, or set `$env:BACKFILLTOOLS_MODULE_PATH to its .psd1."
    }
    $module = Import-Module $modulePath -Force -PassThru
    $common = [System.Management.Automation.Cmdlet]::CommonParameters
    $cmdlets = @(foreach ($c in $module.ExportedCmdlets.Values | Sort-Object Name) {
            @{
                Name       = $c.Name
                Parameters = @($c.Parameters.Keys | Where-Object { $_ -notin $common } | Sort-Object | ForEach-Object { @{ Parameter = $_ } })
            }
        })
}

BeforeAll {
    $script:ModulePath = if ($env:BACKFILLTOOLS_MODULE_PATH) { $env:BACKFILLTOOLS_MODULE_PATH }
    else { Join-Path $PSScriptRoot '../../module/BackfillTools/BackfillTools.psd1' }
    $script:ModulePath = (Resolve-Path -LiteralPath $script:ModulePath).ProviderPath
    Import-Module $script:ModulePath -Force
    $script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
}

Describe 'Help for <Name>' -Tag 'Unit', 'CI', 'Help' -ForEach $cmdlets {
    BeforeAll {
        $help = Get-Help $Name -Full
        $command = Get-Command $Name
    }

    It 'has a synopsis that is not the generated syntax' {
        $synopsis = ([string]$help.Synopsis).Trim()
        $synopsis | Should -Not -BeNullOrEmpty
        $synopsis | Should -Not -BeLike "$Name *" -Because 'without MAML, Get-Help shows the syntax as the synopsis'
        $synopsis | Should -Not -BeLike '*<CommonParameters>*'
        $synopsis | Should -Not -Match '\{\{'
    }

    It 'has a description' {
        (@($help.description | ForEach-Object Text) -join "`n").Trim() | Should -Not -BeNullOrEmpty
    }

    It 'has at least 2 examples, each with code and remarks' {
        $examples = @($help.examples.example)
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($e in $examples) {
            ([string]$e.code).Trim() | Should -Not -BeNullOrEmpty
            (@($e.remarks | ForEach-Object Text) -join '').Trim() | Should -Not -BeNullOrEmpty -Because "example '$($e.title)' needs an explanation"
        }
    }

    It 'shows one syntax block per parameter set' {
        @($help.syntax.syntaxItem).Count | Should -Be @($command.ParameterSets).Count
    }

    It 'describes parameter -<Parameter>' -ForEach $Parameters {
        $p = @($help.parameters.parameter | Where-Object name -eq $Parameter)
        $p.Count | Should -Be 1 -Because "Get-Help should list -$Parameter once"
        (@($p[0].description | ForEach-Object Text) -join '').Trim() | Should -Not -BeNullOrEmpty
    }
}

Describe 'about_BackfillTools' -Tag 'Unit', 'CI', 'Help' {
    It 'is found by Get-Help and has a short description' {
        $about = Get-Help about_BackfillTools
        $about | Should -Not -BeNullOrEmpty
        $text = $about | Out-String
        $text | Should -Match 'SHORT DESCRIPTION'
        $text | Should -Match 'LONG DESCRIPTION'
        $text | Should -Match 'upcoming_player_game_context'
        (Get-Help about_BackfillTools).Synopsis | Should -Not -BeNullOrEmpty
    }
}

Describe 'tools/Build-Help.ps1' -Tag 'Unit', 'CI', 'Help' {
    BeforeAll {
        $script:BuildHelp = Join-Path $RepoRoot 'tools/Build-Help.ps1'
        $script:NewStub = Join-Path $RepoRoot 'tools/New-HelpStub.ps1'
        $script:Docs = Join-Path $RepoRoot 'docs'

        # Run a tool script in a child pwsh, as build.ps1 and CI do, so exit codes and stderr are real.
        function Invoke-Tool([string] $Script, [string[]] $Arguments) {
            $exe = [Environment]::ProcessPath
            $prefix = @(if ((Split-Path -Leaf $exe) -match '^dotnet(\.exe)?$') { Join-Path $PSHOME 'pwsh.dll' })
            $output = & $exe @prefix -NoProfile -NonInteractive -File $Script @Arguments 2>&1
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Text = ($output | ForEach-Object { "$_" }) -join "`n" }
        }

        function New-DocsCopy([string] $Name) {
            $dir = Join-Path $TestDrive $Name
            Copy-Item -LiteralPath $Docs -Destination $dir -Recurse
            $dir
        }

        function Remove-Section([string] $File, [string] $Heading) {
            # Drops a '### ' section up to the next heading of level 2 or 3 (outside code fences is enough here).
            $lines = Get-Content -LiteralPath $File
            $out = [System.Collections.Generic.List[string]]::new()
            $skip = $false; $fence = $false
            foreach ($l in $lines) {
                if ($l -match '^```') { $fence = -not $fence }
                if (-not $fence -and $l -match '^#{2,3} ') { $skip = ($l -eq $Heading) }
                if (-not $skip) { $out.Add($l) }
            }
            Set-Content -LiteralPath $File -Value $out
        }
    }

    It 'builds the MAML and the about topic from the real docs' {
        $out = Join-Path $TestDrive 'ok/en-US'
        $r = Invoke-Tool $BuildHelp @('-ModulePath', $ModulePath, '-DocsPath', $Docs, '-OutputPath', $out)
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $maml = Join-Path $out 'BackfillTools.dll-Help.xml'
        $maml | Should -Exist
        [xml]$xml = Get-Content -LiteralPath $maml -Raw
        $names = @($xml.helpItems.command | ForEach-Object { $_.details.name })
        $exported = @((Get-Module BackfillTools).ExportedCmdlets.Keys)
        $names | Sort-Object | Should -Be ($exported | Sort-Object)
        $about = Join-Path $out 'about_BackfillTools.help.txt'
        $about | Should -Exist
        (Get-Content -LiteralPath $about -TotalCount 1) | Should -Be 'TOPIC'
        Get-Content -LiteralPath $about -Raw | Should -Not -Match '```'
    }

    It 'keeps -WhatIf and -Confirm and drops the common parameters' {
        $out = Join-Path $TestDrive 'ok2/en-US'
        (Invoke-Tool $BuildHelp @('-ModulePath', $ModulePath, '-DocsPath', $Docs, '-OutputPath', $out)).ExitCode | Should -Be 0
        [xml]$xml = Get-Content -LiteralPath (Join-Path $out 'BackfillTools.dll-Help.xml') -Raw
        $new = $xml.helpItems.command | Where-Object { $_.details.name -eq 'New-BackfillWarehouse' }
        $syntaxNames = @($new.syntax.syntaxItem.parameter | ForEach-Object { $_.name })
        $syntaxNames | Should -Contain 'WhatIf'
        $syntaxNames | Should -Contain 'Confirm'
        $syntaxNames | Should -Not -Contain 'Verbose'
        $syntaxNames | Should -Not -Contain 'ProgressAction'
    }

    It 'fails and names the parameter when a ### -Name section is missing' {
        $docs = New-DocsCopy 'missing-param'
        Remove-Section (Join-Path $docs 'New-BackfillWarehouse.md') '### -Seed'
        $out = Join-Path $TestDrive 'missing-param-out'
        $r = Invoke-Tool $BuildHelp @('-ModulePath', $ModulePath, '-DocsPath', $docs, '-OutputPath', $out)
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match "New-BackfillWarehouse: parameter -Seed has no '### -Seed' section"
        $out | Should -Not -Exist -Because 'a failed build writes no help'
    }

    It 'fails and names the section when a ### -Name section documents a parameter the cmdlet does not have' {
        $docs = New-DocsCopy 'stale-param'
        $file = Join-Path $docs 'Get-BackfillWarehouse.md'
        $text = (Get-Content -LiteralPath $file -Raw) -replace '### CommonParameters', @'
### -Processor
Which processor to list (removed from the cmdlet).

```yaml
Type: String
Parameter Sets: (All)
Aliases:

Required: False
Position: Named
Default value: None
Accept pipeline input: False
Accept wildcard characters: False
```

### CommonParameters
'@
        Set-Content -LiteralPath $file -Value $text
        $r = Invoke-Tool $BuildHelp @('-ModulePath', $ModulePath, '-DocsPath', $docs, '-OutputPath', (Join-Path $TestDrive 'stale-out'))
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match "Get-BackfillWarehouse: .*'### -Processor'.*has no parameter -Processor \(stale section\)"
    }

    It 'fails and names the cmdlet when its .md is missing' {
        $docs = New-DocsCopy 'missing-md'
        Remove-Item -LiteralPath (Join-Path $docs 'Connect-BackfillWarehouse.md')
        $r = Invoke-Tool $BuildHelp @('-ModulePath', $ModulePath, '-DocsPath', $docs, '-OutputPath', (Join-Path $TestDrive 'missing-md-out'))
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'Connect-BackfillWarehouse: no Connect-BackfillWarehouse\.md'
    }

    It 'fails when a cmdlet has fewer than 2 examples, and lists every problem in one run' {
        $docs = New-DocsCopy 'few-examples'
        $file = Join-Path $docs 'Get-BackfillWarehouse.md'
        foreach ($h in (Select-String -LiteralPath $file -Pattern '^### Example [2-9]').Line) { Remove-Section $file $h }
        Remove-Section (Join-Path $docs 'Connect-BackfillWarehouse.md') '### -Location'
        $r = Invoke-Tool $BuildHelp @('-ModulePath', $ModulePath, '-DocsPath', $docs, '-OutputPath', (Join-Path $TestDrive 'few-out'))
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'Get-BackfillWarehouse: .*has 1 example\(s\); at least 2 are required'
        $r.Text | Should -Match "Connect-BackfillWarehouse: parameter -Location has no '### -Location' section"
        $r.Text | Should -Match '2 problem\(s\)'
    }

    It 'exits 2 with a clear message when the module cannot be found' {
        $r = Invoke-Tool $BuildHelp @('-ModulePath', (Join-Path $TestDrive 'nope.psd1'), '-DocsPath', $Docs)
        $r.ExitCode | Should -Be 2
        $r.Text | Should -Match 'ModulePath'
    }

    It 'New-HelpStub writes a skeleton with every parameter, which Build-Help refuses until the TODOs are filled' {
        $docs = New-DocsCopy 'stub'
        Remove-Item -LiteralPath (Join-Path $docs 'New-BackfillWarehouse.md')
        $s = Invoke-Tool $NewStub @('-ModulePath', $ModulePath, '-DocsPath', $docs)
        $s.ExitCode | Should -Be 0 -Because $s.Text
        $stub = Join-Path $docs 'New-BackfillWarehouse.md'
        $stub | Should -Exist
        $content = Get-Content -LiteralPath $stub -Raw
        foreach ($p in 'Path', 'SampleData', 'Season', 'Scenario', 'Seed', 'Force', 'WhatIf', 'Confirm') {
            $content | Should -Match "(?m)^### -$p$"
        }
        $content | Should -Not -Match '(?m)^### -Verbose$'
        $r = Invoke-Tool $BuildHelp @('-ModulePath', $ModulePath, '-DocsPath', $docs, '-OutputPath', (Join-Path $TestDrive 'stub-out'))
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match "New-BackfillWarehouse: New-BackfillWarehouse\.md still has \d+ '\{\{ TODO' placeholder"
        $r.Text | Should -Not -Match 'has no .### -'  # the stub covers every parameter

        $again = Invoke-Tool $NewStub @('-ModulePath', $ModulePath, '-DocsPath', $docs, '-Name', 'New-BackfillWarehouse')
        $again.ExitCode | Should -Be 0
        $again.Text | Should -Match 'not replaced'
    }
}
