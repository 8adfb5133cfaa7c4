using System.Security.Cryptography;
using System.Text.Json.Nodes;
using BackfillTools.Core.Warehouse;
using BackfillTools.Core.Warehouse.BigQuery;
using Google.Apis.Auth.OAuth2;

namespace BackfillTools.Tests.BigQuery;

/// <summary>Builds a BigQueryWarehouse over <see cref="FakeBigQuery"/> with real (offline) Google auth.</summary>
public static class BigQueryTestHost
{
    /// <summary>The generated key's PEM, so tests can assert it never leaks into messages.</summary>
    public static string PrivateKeyPem { get; }

    private static readonly ServiceAccountCredential Credential;

    static BigQueryTestHost()
    {
        using var rsa = RSA.Create(2048);
        PrivateKeyPem = rsa.ExportPkcs8PrivateKeyPem();
        var json = new JsonObject
        {
            ["type"] = "service_account",
            ["project_id"] = FakeBigQuery.Project,
            ["private_key_id"] = "test-key-1",
            ["private_key"] = PrivateKeyPem,
            ["client_email"] = "backfill@test-proj.iam.gserviceaccount.com",
            ["client_id"] = "1",
            ["token_uri"] = "https://oauth2.googleapis.com/token",
        }.ToJsonString();
        // Unscoped on purpose: an unscoped service account signs its own JWT locally; a scoped one would call token_uri.
        Credential = CredentialFactory.FromJson<ServiceAccountCredential>(json);
    }

    public static ServiceAccountCredential OfflineCredential => Credential;

    public static BigQueryWarehouse Open(FakeBigQuery fake, string prefix = "", int? pageSize = null, int loadChunkBytes = 32 << 20,
        BigQueryRetryOptions? retry = null, bool noAuth = false) =>
        BigQueryWarehouse.Open(
            new WarehouseConnection(WarehouseKind.BigQuery, Project: FakeBigQuery.Project, Location: "EU", DatasetPrefix: prefix),
            new BigQueryWarehouseOptions
            {
                Credential = noAuth ? null : Credential,
                NoAuthentication = noAuth,
                Transport = new KeepAlive(fake),
                Retry = retry ?? BigQueryRetryOptions.Immediate,
                PageSize = pageSize,
                LoadChunkBytes = loadChunkBytes,
            });

    public static BigQueryRestClient Client(FakeBigQuery fake, BigQueryRetryOptions? retry = null) =>
        BigQueryRestClient.Create(FakeBigQuery.Project, Credential,
            new BigQueryClientOptions { DefaultLocation = "EU", Retry = retry ?? BigQueryRetryOptions.Immediate }, new KeepAlive(fake));
}
