namespace BackfillTools.Samples;

/// <summary>
/// SplitMix64: small, fast and fully specified, so a seed gives the same league on every runtime and platform
/// (System.Random's algorithm is an implementation detail and its shared instance is not thread-safe).
/// Each independent concern gets its own stream via <see cref="For"/>, so adding draws in one place never shifts
/// the numbers drawn elsewhere.
/// </summary>
internal sealed class SampleRng
{
    private ulong _state;

    private SampleRng(ulong state) => _state = state;

    /// <summary>A stream derived from the seed and a purpose label (e.g. "2022|games|0022200123").</summary>
    public static SampleRng For(int seed, string purpose)
    {
        // FNV-1a over the label: string.GetHashCode is randomised per process, so it cannot be used here.
        var h = 14695981039346656037UL;
        foreach (var ch in purpose)
        {
            h ^= ch;
            h *= 1099511628211UL;
        }
        var rng = new SampleRng(h ^ ((ulong)(uint)seed * 0x9E3779B97F4A7C15UL));
        rng.NextUInt64();
        return rng;
    }

    public ulong NextUInt64()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n).</summary>
    public int Next(int n) => n <= 0 ? throw new ArgumentOutOfRangeException(nameof(n)) : (int)(NextDouble() * n);

    /// <summary>Uniform integer in [min, max].</summary>
    public int Between(int min, int max) => min + Next(max - min + 1);

    public bool Chance(double p) => NextDouble() < p;

    /// <summary>Normal deviate (Box-Muller; one value per call keeps the stream simple to reason about).</summary>
    public double Normal(double mean, double sd)
    {
        var u1 = 1.0 - NextDouble();
        var u2 = NextDouble();
        return mean + sd * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Index drawn with probability proportional to its weight (weights ≥ 0, some > 0).</summary>
    public int Pick(IReadOnlyList<double> weights)
    {
        double total = 0;
        for (var i = 0; i < weights.Count; i++) total += weights[i];
        var x = NextDouble() * total;
        for (var i = 0; i < weights.Count; i++)
        {
            x -= weights[i];
            if (x < 0) return i;
        }
        for (var i = weights.Count - 1; i >= 0; i--) if (weights[i] > 0) return i;
        return weights.Count - 1;
    }

    public void Shuffle<T>(IList<T> list)
    {
        for (var i = list.Count - 1; i > 0; i--)
        {
            var j = Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }
}
