namespace BackfillTools.Core.Domain;

/// <summary>
/// Where a secret (a Google credential, a webhook URL) may travel: over TLS, or over plain http only to this machine
/// (a local emulator or test listener), where nothing crosses a network.
/// </summary>
public static class Transport
{
    public static bool IsTlsOrLoopback(Uri uri) =>
        uri.IsAbsoluteUri && (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback));
}
