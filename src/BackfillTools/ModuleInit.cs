using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace BackfillTools;

/// <summary>
/// pwsh probes native libraries only in its own folders and beside the calling assembly; DuckDB's native library is
/// called from DuckDB.NET.Bindings, so resolve it from the module folder (flat, or under runtimes/RID/native).
/// </summary>
public sealed class ModuleInit : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static readonly string ModuleDir = Path.GetDirectoryName(typeof(ModuleInit).Assembly.Location)!;

    public void OnImport()
    {
        AssemblyLoadContext.Default.ResolvingUnmanagedDll += ResolveNative;
    }

    public void OnRemove(PSModuleInfo module) => AssemblyLoadContext.Default.ResolvingUnmanagedDll -= ResolveNative;

    private static IntPtr ResolveNative(Assembly requester, string name)
    {
        if (!name.Contains("duckdb", StringComparison.OrdinalIgnoreCase)) return IntPtr.Zero;
        var file = OperatingSystem.IsWindows() ? "duckdb.dll" : OperatingSystem.IsMacOS() ? "libduckdb.dylib" : "libduckdb.so";
        var arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        var os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        foreach (var rel in new[]
                 {
                     file, Path.Combine("runtimes", RuntimeInformation.RuntimeIdentifier, "native", file),
                     Path.Combine("runtimes", $"{os}-{arch}", "native", file),
                 })
        {
            var p = Path.Combine(ModuleDir, rel);
            if (File.Exists(p) && NativeLibrary.TryLoad(p, out var handle)) return handle;
        }
        return IntPtr.Zero;
    }
}
