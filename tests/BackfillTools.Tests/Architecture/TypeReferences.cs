using System.Reflection;
using System.Reflection.Emit;

namespace BackfillTools.Tests.Layering;

/// <summary>One type using another: in a field, a signature, a base type, an attribute, or an instruction of a method body.</summary>
public sealed record TypeReference(Type From, Type To, string Where);

/// <summary>
/// The types an assembly's types use, read from the compiled code: fields, properties, signatures, base types and
/// interfaces, attributes, and every type, method and field token in the IL of method bodies (lambdas and async state
/// machines count for the type that declares them).
/// </summary>
public static class TypeReferences
{
    private const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>Every reference from a type of <paramref name="assembly"/> whose namespace starts with <paramref name="fromPrefix"/>.</summary>
    public static IEnumerable<TypeReference> Of(Assembly assembly, string fromPrefix)
    {
        foreach (var type in assembly.GetTypes().Where(t => (t.Namespace ?? "").StartsWith(fromPrefix, StringComparison.Ordinal)))
        {
            var owner = Outermost(type);
            foreach (var (to, where) in Uses(type))
                foreach (var named in Flatten(to))
                    yield return new TypeReference(owner, Outermost(named), $"{type.Name}: {where}");
        }
    }

    /// <summary>A nested type (including compiler-generated closures) belongs to the type that declares it.</summary>
    public static Type Outermost(Type t)
    {
        while (t.DeclaringType is not null && !t.IsGenericParameter) t = t.DeclaringType;
        return t;
    }

    private static IEnumerable<Type> Flatten(Type? t)
    {
        if (t is null || t.IsGenericParameter) yield break;
        if (t.HasElementType)
        {
            foreach (var e in Flatten(t.GetElementType())) yield return e;
            yield break;
        }
        if (t.IsGenericType)
        {
            foreach (var a in t.GetGenericArguments())
                foreach (var e in Flatten(a)) yield return e;
            t = t.GetGenericTypeDefinition();
        }
        yield return t;
    }

    private static IEnumerable<(Type, string)> Uses(Type type)
    {
        if (type.BaseType is not null) yield return (type.BaseType, "base type");
        foreach (var i in type.GetInterfaces()) yield return (i, "interface");
        foreach (var a in type.CustomAttributes) yield return (a.AttributeType, "attribute");
        foreach (var f in type.GetFields(All)) yield return (f.FieldType, $"field {f.Name}");
        foreach (var p in type.GetProperties(All)) yield return (p.PropertyType, $"property {p.Name}");
        foreach (var m in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
        {
            if (m is MethodInfo mi) yield return (mi.ReturnType, $"{m.Name} returns");
            foreach (var p in m.GetParameters()) yield return (p.ParameterType, $"{m.Name} parameter {p.Name}");
            foreach (var a in m.CustomAttributes) yield return (a.AttributeType, $"{m.Name} attribute");
            MethodBody? body;
            try { body = m.GetMethodBody(); } catch (Exception) { body = null; }
            if (body is null) continue;
            foreach (var l in body.LocalVariables) yield return (l.LocalType, $"{m.Name} local");
            foreach (var t in BodyReferences(m, body.GetILAsByteArray() ?? Array.Empty<byte>()))
                yield return (t, $"{m.Name} body");
        }
    }

    private static IEnumerable<Type> BodyReferences(MethodBase method, byte[] il)
    {
        var module = method.Module;
        Type[]? typeArgs = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        Type[]? methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var i = 0;
        while (i < il.Length)
        {
            short value = il[i++];
            if (value == 0xFE) value = unchecked((short)(0xFE00 | il[i++]));
            if (!OpCodesByValue.TryGetValue(value, out var op)) yield break;
            switch (op.OperandType)
            {
                case OperandType.InlineType:
                case OperandType.InlineTok:
                case OperandType.InlineMethod:
                case OperandType.InlineField:
                    var token = BitConverter.ToInt32(il, i);
                    i += 4;
                    MemberInfo? member;
                    try { member = module.ResolveMember(token, typeArgs, methodArgs); } catch (Exception) { member = null; }
                    switch (member)
                    {
                        case Type t: yield return t; break;
                        case FieldInfo f:
                            if (f.DeclaringType is not null) yield return f.DeclaringType;
                            yield return f.FieldType;
                            break;
                        case MethodBase mb:
                            if (mb.DeclaringType is not null) yield return mb.DeclaringType;
                            if (mb is MethodInfo { IsGenericMethod: true } gm)
                                foreach (var a in gm.GetGenericArguments()) yield return a;
                            break;
                    }
                    break;
                case OperandType.InlineSwitch:
                    var n = BitConverter.ToInt32(il, i);
                    i += 4 + 4 * n;
                    break;
                default:
                    i += OperandSize(op.OperandType);
                    break;
            }
        }
    }

    private static int OperandSize(OperandType t) => t switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        _ => 4,
    };
}
