# Direct SQL against a DuckDB file, outside the module: the Pester suites' set-up and inspection and the bench's
# checks read the warehouse with it. The caller has loaded DuckDB.NET.Data.dll (the module's copy).
function Invoke-DuckDbSql {
    param([Parameter(Mandatory)][string] $Path, [Parameter(Mandatory)][string] $Sql)
    $c = [DuckDB.NET.Data.DuckDBConnection]::new("Data Source=$Path")
    try {
        $c.Open(); $cmd = $c.CreateCommand(); $cmd.CommandText = $Sql
        $r = $cmd.ExecuteReader(); $rows = @()
        while ($r.Read()) {
            $o = [ordered]@{}
            for ($i = 0; $i -lt $r.FieldCount; $i++) { $o[$r.GetName($i)] = if ($r.IsDBNull($i)) { $null } else { $r.GetValue($i) } }
            $rows += [pscustomobject]$o
        }
        $r.Dispose(); $rows
    }
    finally { $c.Dispose() }
}
