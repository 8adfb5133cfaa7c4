namespace BackfillTools.Core.Warehouse;

/// <summary>
/// One statement the product can send, as its owner registers it for the GoogleSQL gate; sample parameter values give
/// the parameter types.
/// </summary>
public sealed record RegisteredStatement(string Name, string Sql, IReadOnlyDictionary<string, object?>? SampleParameters = null);

/// <summary>
/// Marks a static method returning <c>IEnumerable&lt;RegisteredStatement&gt;</c>: the statements its class owns.
/// Sql/PortableSql finds every such method by reflection, so no list is kept by hand.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class StatementCatalogAttribute : Attribute;
