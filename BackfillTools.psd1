@{
    RootModule           = 'BackfillTools.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5b0f6a52-3d0e-4d55-9a43-2f6f1d7c9e10'
    Author               = 'BackfillTools contributors'
    CompanyName          = 'BackfillTools'
    Copyright            = '(c) BackfillTools contributors'
    Description          = 'Backfill the NBA Phase 4 precompute layer safely, prove the result is complete, and repair what is not.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('BackfillTools.format.ps1xml', 'BackfillTools.Validation.format.ps1xml')
    CmdletsToExport      = @(
        'New-BackfillWarehouse'
        'Remove-BackfillWarehouse'
        'Connect-BackfillWarehouse'
        'Get-BackfillWarehouse'
        'Invoke-Backfill'
        'Undo-BackfillRun'
        'Get-BackfillRun'
        'Get-BackfillFailure'
        'Add-BackfillWaiver'
        'Get-BackfillWaiver'
        'Remove-BackfillWaiver'
        'Test-Coverage'
        'Get-SeasonReport'
        'Find-StaleUpcg'
        'Clear-StaleUpcg'
        'Restore-StaleUpcg'
        'Test-DataQuality'
        'ConvertTo-GameId'
        'Export-CoverageWorkbook'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('NBA', 'Backfill', 'DuckDB', 'BigQuery', 'DataQuality', 'Validation')
            ProjectUri   = 'https://example.invalid/backfilltools'
            ReleaseNotes = 'See README.md.'
        }
    }
}
