using System.Reflection;

namespace BackfillTools.Core.Sql;

/// <summary>
/// Every statement the product can send, found automatically so the GoogleSQL gate
/// (tests/BackfillTools.Tests/BigQuery/ZetaSqlGateTests.cs) can check it against BigQuery's analyzer: the statements
/// each class owns (static methods marked <see cref="StatementCatalogAttribute"/>, anywhere in the Core assembly) and the
/// embedded *.sql resources (<see cref="EmbeddedResources"/>). A class that builds SQL registers it beside the SQL.
/// </summary>
public static class PortableSql
{
    public static IReadOnlyList<RegisteredStatement> Catalog { get; } = Discover(typeof(PortableSql).Assembly);

    /// <summary>The statements registered by the <see cref="StatementCatalogAttribute"/> methods of <paramref name="assembly"/>, ordered by name.</summary>
    public static IReadOnlyList<RegisteredStatement> Discover(Assembly assembly)
    {
        const BindingFlags statics = BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic;
        var list = new List<RegisteredStatement>();
        foreach (var method in assembly.GetTypes().SelectMany(t => t.GetMethods(statics)).Where(m => m.IsDefined(typeof(StatementCatalogAttribute))))
        {
            if (method.GetParameters().Length != 0 || !typeof(IEnumerable<RegisteredStatement>).IsAssignableFrom(method.ReturnType))
                throw new InvalidOperationException($"{method.DeclaringType}.{method.Name}: a [StatementCatalog] method takes no parameters and returns IEnumerable<RegisteredStatement>.");
            list.AddRange((IEnumerable<RegisteredStatement>)method.Invoke(null, null)!);
        }
        var duplicate = list.GroupBy(s => s.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidOperationException($"Two statements are registered as '{duplicate.Key}'.");
        return list.OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>Every embedded *.sql resource of the Core assembly, as (resource name, text).</summary>
    public static IEnumerable<(string Name, string Sql)> EmbeddedResources()
    {
        var asm = typeof(PortableSql).Assembly;
        foreach (var name in asm.GetManifestResourceNames().Where(n => n.EndsWith(".sql", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal))
        {
            using var stream = asm.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            yield return (name, reader.ReadToEnd());
        }
    }
}
