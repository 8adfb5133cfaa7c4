using System.Globalization;
using System.Text;

namespace BackfillTools.Core.Processors;

/// <summary>
/// The MLFS per-feature SQL that would otherwise be 37 near-identical hand-written blocks: weights, default flags,
/// category means and the feature_i_{value,quality,source} columns (spec §9.4). Reads f0..f36 / t0..t36 of
/// work.mlfs_feat (value and source tag per feature).
/// </summary>
internal static class MlfsSql
{
    public static readonly string[] FeatureNames =
    {
        "points_avg_last_5", "points_avg_last_10", "points_avg_season", "points_std_last_10", "games_in_last_7_days",
        "fatigue_score", "shot_zone_mismatch_score", "pace_score", "usage_spike_score", "rest_advantage",
        "injury_risk", "recent_trend", "minutes_change", "opponent_def_rating", "opponent_pace",
        "home_away", "back_to_back", "playoff_game", "pct_paint", "pct_mid_range",
        "pct_three", "pct_free_throw", "team_pace", "team_off_rating", "team_win_pct",
        "vegas_points_line", "vegas_opening_line", "vegas_line_move", "has_vegas_line", "avg_points_vs_opponent",
        "games_vs_opponent", "minutes_avg_last_10", "ppm_avg_last_10", "dnp_rate", "pts_slope_10g",
        "pts_vs_season_zscore", "breakout_flag",
    };

    /// <summary>Optional features: a default/missing tag there is left out of the score (§9.4).</summary>
    public static readonly int[] Optional = { 25, 26, 27 };

    public static readonly (string Name, int[] Features)[] Categories =
    {
        ("matchup_quality", new[] { 5, 6, 7, 8, 13, 14 }),
        ("player_history_quality", new[] { 0, 1, 2, 3, 4, 29, 30, 31, 32, 33, 34, 35, 36 }),
        ("team_context_quality", new[] { 22, 23, 24 }),
        ("vegas_quality", new[] { 25, 26, 27, 28 }),
        ("game_context_quality", new[] { 9, 10, 11, 12, 15, 16, 17, 18, 19, 20, 21 }),
    };

    /// <summary>A feature's quality weight by the source it came from (§9.4); any other tag weighs 0.</summary>
    public static readonly (string Source, int Weight)[] SourceQualityWeights =
    {
        ("phase4", 100), ("phase3", 87), ("calculated", 100), ("vegas", 100), ("bettingpros", 100),
        ("opponent_history", 90), ("minutes_ppm", 95), ("default", 40), ("fallback", 40),
    };

    private static string Weight(int i) =>
        $"(CASE t{i} {string.Concat(SourceQualityWeights.Select(w => $"WHEN '{w.Source}' THEN {w.Weight} "))}ELSE 0 END)";

    private static string IsDefault(int i) => TagIsOneOf(i, "default", "missing", "fallback");

    /// <summary>
    /// <c>t{i} IN (…)</c> written as an OR chain, which means the same on both engines (NULL included). DuckDB plans
    /// every IN list as a hash join, and mlfs_rows had 230 of them: about 300 ms of fixed cost per statement, half of a
    /// one-date MLFS compute (docs/performance.md).
    /// </summary>
    private static string TagIsOneOf(int i, params string[] tags) => "(" + string.Join(" OR ", tags.Select(t => $"t{i} = '{t}'")) + ")";

    private static IEnumerable<int> All => Enumerable.Range(0, FeatureNames.Length);

    /// <summary>Columns computed in mlfs_rows (its quality CTE) from the tags (score before caps, counts, category means).</summary>
    public static string QualityColumns()
    {
        var sb = new StringBuilder();
        var counted = All.Select(i => Optional.Contains(i) ? $"(CASE WHEN {IsDefault(i)} THEN 0 ELSE 1 END)" : "1").ToList();
        sb.Append("  (").Append(string.Join(" + ", All.Select(i => Optional.Contains(i)
            ? $"(CASE WHEN {IsDefault(i)} THEN 0 ELSE {Weight(i)} END)" : Weight(i))))
          .Append(") / (").Append(string.Join(" + ", counted)).Append(") AS raw_score,\n");
        sb.Append("  ").Append(string.Join(" + ", All.Where(i => !Optional.Contains(i)).Select(i => $"(CASE WHEN {IsDefault(i)} THEN 1 ELSE 0 END)")))
          .Append(" AS required_defaults,\n");
        sb.Append("  ").Append(string.Join(" + ", All.Select(i => $"(CASE WHEN {IsDefault(i)} THEN 1 ELSE 0 END)"))).Append(" AS default_count,\n");
        sb.Append("  ").Append(string.Join(" + ", All.Select(i => $"(CASE WHEN t{i} = 'phase4' THEN 1 ELSE 0 END)"))).Append(" AS phase4_count,\n");
        sb.Append("  ").Append(string.Join(" + ", All.Select(i => $"(CASE WHEN t{i} = 'phase3' THEN 1 ELSE 0 END)"))).Append(" AS phase3_count,\n");
        sb.Append("  ").Append(string.Join(" + ", All.Select(i => $"(CASE WHEN t{i} = 'calculated' THEN 1 ELSE 0 END)"))).Append(" AS calculated_count,\n");
        sb.Append("  ").Append(DefaultIndices(All.ToList())).Append(" AS default_indices,\n");
        sb.Append("  ").Append(string.Join(" AND ", new[] { 5, 6, 7, 8 }.Select(i => $"NOT {IsDefault(i)}"))).Append(" AS has_composite,\n");
        sb.Append("  ").Append(string.Join(" AND ", new[] { 13, 14 }.Select(i => $"NOT {IsDefault(i)}"))).Append(" AS has_defense,\n");
        foreach (var (name, features) in Categories)
            sb.Append("  ROUND_DECIMAL((").Append(string.Join(" + ", features.Select(Weight)))
              .Append(string.Create(CultureInfo.InvariantCulture, $") / {features.Length}.0, 2) AS {name},\n"));
        sb.Append("  [").Append(string.Join(", ", All.Select(i => $"IFNULL(CAST(f{i} AS FLOAT64), 0.0)"))).Append("] AS features_array");
        return sb.ToString();
    }

    /// <summary>
    /// ARRAY&lt;INT64&gt; of the defaulted feature indices in ascending order (empty when none): one-element arrays
    /// concatenated pairwise in a balanced tree, so the expression stays shallow and uses only two-argument ARRAY_CONCAT.
    /// </summary>
    private static string DefaultIndices(IReadOnlyList<int> features) => features.Count == 1
        ? $"IF({IsDefault(features[0])}, [{features[0]}], [])"
        : $"ARRAY_CONCAT({DefaultIndices(features.Take(features.Count / 2).ToList())}, {DefaultIndices(features.Skip(features.Count / 2).ToList())})";

    /// <summary>The per-feature output columns: value (NULL when defaulted), quality weight, canonical source.</summary>
    public static string OutputColumns() => string.Join(",\n  ", All.Select(i =>
        $"CASE WHEN {IsDefault(i)} THEN NULL ELSE CAST(f{i} AS FLOAT64) END, CAST({Weight(i)} AS FLOAT64), " +
        $"CASE WHEN {TagIsOneOf(i, "phase4", "vegas", "bettingpros", "opponent_history", "minutes_ppm")} THEN 'phase4' " +
        $"WHEN {TagIsOneOf(i, "phase3", "calculated")} THEN t{i} ELSE 'default' END"));

    /// <summary>Column list matching <see cref="OutputColumns"/>.</summary>
    public static string OutputColumnNames() => string.Join(", ", All.Select(i => $"feature_{i}_value, feature_{i}_quality, feature_{i}_source"));

    public static string FeatureNamesArray() => "[" + string.Join(", ", FeatureNames.Select(n => $"'{n}'")) + "]";
}
