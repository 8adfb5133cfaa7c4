using BackfillTools.Core;
using BackfillTools.Core.Schema;
using BackfillTools.Core.Warehouse;
using BackfillTools.Core.Warehouse.BigQuery;
using Xunit;

namespace BackfillTools.Tests.BigQuery;

/// <summary>Connect-BackfillWarehouse -Endpoint / BIGQUERY_EMULATOR_HOST: where calls go, and that no credential follows them.</summary>
public sealed class EmulatorEndpointTests
{
    [Theory]
    [InlineData("http://localhost:9050/", true)]
    [InlineData("http://127.0.0.1:44617/", true)]
    [InlineData("https://bigquery.googleapis.com/", false)]
    [InlineData("https://eu-bigquery.googleapis.com/", false)]
    [InlineData("https://googleapis.com.evil.example/", true)]
    public void Only_googleapis_endpoints_are_the_real_service(string endpoint, bool emulator) =>
        Assert.Equal(emulator, new WarehouseConnection(WarehouseKind.BigQuery, Project: "p", Endpoint: new Uri(endpoint)).IsEmulator);

    [Fact]
    public void The_emulator_variable_is_read_as_host_and_port_and_an_explicit_endpoint_wins()
    {
        var old = Environment.GetEnvironmentVariable(WarehouseConnection.EmulatorHostVariable);
        try
        {
            Environment.SetEnvironmentVariable(WarehouseConnection.EmulatorHostVariable, "localhost:9050");
            Assert.Equal(new Uri("http://localhost:9050/"), WarehouseConnection.BigQueryEndpoint(null));
            Assert.Equal(new Uri("http://other:1/"), WarehouseConnection.BigQueryEndpoint(new Uri("http://other:1/")));
            Environment.SetEnvironmentVariable(WarehouseConnection.EmulatorHostVariable, "not a host");
            Assert.Equal("InvalidEmulatorHost", Assert.Throws<BackfillException>(() => WarehouseConnection.BigQueryEndpoint(null)).ErrorId);
            Environment.SetEnvironmentVariable(WarehouseConnection.EmulatorHostVariable, null);
            Assert.Null(WarehouseConnection.BigQueryEndpoint(null));
        }
        finally { Environment.SetEnvironmentVariable(WarehouseConnection.EmulatorHostVariable, old); }
    }

    [Fact]
    public void An_emulator_connection_needs_no_credentials_and_sends_none()
    {
        using var fake = new FakeBigQuery();
        var connection = new WarehouseConnection(WarehouseKind.BigQuery, Project: FakeBigQuery.Project, Location: "EU",
            Endpoint: new Uri("http://emulator.local:9050/"));
        // No Credential and no NoAuthentication: the real path would look for Application Default Credentials.
        using var w = BigQueryWarehouse.Open(connection, new BigQueryWarehouseOptions { Transport = fake, Retry = BigQueryRetryOptions.Immediate });
        new Migrator().Upgrade(w);
        Assert.NotEmpty(fake.Requests);
        Assert.All(fake.Requests, r =>
        {
            Assert.Null(r.Authorization);
            Assert.StartsWith("/bigquery/v2/projects/", r.PathAndQuery);
        });
    }
}

/// <summary>New-/Remove-BackfillWarehouse on BigQuery never touch the unprefixed (production) datasets.</summary>
public sealed class PrefixedWarehouseTests
{
    [Fact]
    public void Creating_or_removing_without_a_prefix_is_refused()
    {
        var production = new WarehouseConnection(WarehouseKind.BigQuery, Project: FakeBigQuery.Project, Endpoint: new Uri("http://emulator.local/"));
        Assert.Equal("DatasetPrefixRequired", Assert.Throws<BackfillException>(() => WarehouseService.CreateBigQuery(production)).ErrorId);
        Assert.Equal("DatasetPrefixRequired", Assert.Throws<BackfillException>(() => WarehouseService.Remove(production)).ErrorId);
    }

    [Fact]
    public void DeleteDatasets_removes_every_dataset_of_the_prefix_and_only_those()
    {
        using var fake = new FakeBigQuery();
        using (var other = BigQueryTestHost.Open(fake, prefix: "keep_")) new Migrator().Upgrade(other);
        using var w = BigQueryTestHost.Open(fake, prefix: "gone_");
        new Migrator().Upgrade(w);
        var deleted = w.DeleteDatasets();
        Assert.Contains("gone_nba_raw", deleted);
        Assert.Contains("gone_nba_backfill", deleted);
        Assert.All(deleted, d => Assert.StartsWith("gone_", d));
        using var kept = BigQueryTestHost.Open(fake, prefix: "keep_");
        Assert.Equal(new Migrator().LatestVersion, Migrator.CurrentVersion(kept));
        Assert.Equal(0, Migrator.CurrentVersion(w));
    }
}
