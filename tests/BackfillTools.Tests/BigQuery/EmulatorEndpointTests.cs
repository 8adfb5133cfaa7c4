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

    [Theory]
    [InlineData("http://localhost:9050/")]
    [InlineData("http://127.0.0.1:44617/")]
    [InlineData("http://[::1]:9050/")]
    [InlineData("https://bigquery.googleapis.com/")]
    [InlineData("https://emulator.example:9050/")]
    public void Tls_or_a_loopback_emulator_is_accepted(string endpoint) =>
        Assert.Equal(new Uri(endpoint), WarehouseConnection.BigQuery("p-123456", null, "", new Uri(endpoint)).Endpoint);

    [Theory]
    [InlineData("http://bigquery.googleapis.com/")]
    [InlineData("http://eu-bigquery.googleapis.com:80/")]
    [InlineData("http://emulator.example:9050/")]
    [InlineData("http://10.0.0.5:9050/")]
    public void Plain_http_off_this_machine_is_refused_as_InsecureEndpoint(string endpoint)
    {
        var ex = Assert.Throws<BackfillException>(() => WarehouseConnection.BigQuery("p-123456", null, "", new Uri(endpoint)));
        Assert.Equal("InsecureEndpoint", ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
    }

    [Fact]
    public void An_emulator_variable_naming_another_machine_over_http_is_refused()
    {
        var old = Environment.GetEnvironmentVariable(WarehouseConnection.EmulatorHostVariable);
        try
        {
            Environment.SetEnvironmentVariable(WarehouseConnection.EmulatorHostVariable, "bigquery.googleapis.com:80");
            Assert.Equal("InsecureEndpoint", Assert.Throws<BackfillException>(() => WarehouseConnection.BigQuery("p-123456", null, "", null)).ErrorId);
        }
        finally { Environment.SetEnvironmentVariable(WarehouseConnection.EmulatorHostVariable, old); }
    }

    [Fact]
    public void Google_over_plain_http_is_refused_before_any_credential_is_looked_up_or_sent()
    {
        using var fake = new FakeBigQuery();
        var connection = new WarehouseConnection(WarehouseKind.BigQuery, Project: FakeBigQuery.Project, Endpoint: new Uri("http://bigquery.googleapis.com/"));
        // With a credential at hand: it must not be attached to a plain-http request.
        var withCredential = Assert.Throws<BackfillException>(() => BigQueryWarehouse.Open(connection,
            new BigQueryWarehouseOptions { Credential = BigQueryTestHost.OfflineCredential, Transport = fake, Retry = BigQueryRetryOptions.Immediate }));
        Assert.Equal("InsecureEndpoint", withCredential.ErrorId);
        // Without one: Application Default Credentials are not even looked for (a lookup would fail as BigQueryCredentialsNotFound, or find one to send).
        var withoutCredential = Assert.Throws<BackfillException>(() => BigQueryWarehouse.Open(connection,
            new BigQueryWarehouseOptions { Transport = fake, Retry = BigQueryRetryOptions.Immediate }));
        Assert.Equal("InsecureEndpoint", withoutCredential.ErrorId);
        Assert.Empty(fake.Requests);
    }

    [Fact]
    public void An_emulator_connection_needs_no_credentials_and_sends_none()
    {
        using var fake = new FakeBigQuery();
        var connection = new WarehouseConnection(WarehouseKind.BigQuery, Project: FakeBigQuery.Project, Location: "EU",
            Endpoint: new Uri("http://127.0.0.1:9050/"));
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
        Assert.Equal("DatasetPrefixRequired", Assert.Throws<BackfillException>(() => WarehouseRemover.Remove(production)).ErrorId);
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
        Assert.Contains("gone_backfilltools", deleted);
        Assert.All(deleted, d => Assert.StartsWith("gone_", d));
        using var kept = BigQueryTestHost.Open(fake, prefix: "keep_");
        Assert.Equal(new Migrator().LatestVersion, Migrator.CurrentVersion(kept));
        Assert.Equal(0, Migrator.CurrentVersion(w));
    }
}
