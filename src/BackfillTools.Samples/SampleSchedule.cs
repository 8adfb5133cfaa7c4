namespace BackfillTools.Samples;

/// <summary>
/// Regular-season schedules. 2024-25 is the real one. For the older seasons only ids and dates are known, so matchups
/// are generated onto the real dates with the real number of games per date, in three steps:
/// (1) which teams play on each date (every team 82 times, few back-to-backs, never three days running);
/// (2) who plays whom on a date (division and conference rivals more often);
/// (3) who is at home (each team exactly 41).
/// A scaled league's shifted copies get the same treatment on their source season's shifted ids and dates, 2024-25
/// included, so every copy has its own matchups.
/// </summary>
internal static class SampleSchedule
{
    public static IReadOnlyList<SampleGame> For(int seasonYear, int seed) => For(SeasonPlan.Real(seasonYear), seed);

    public static IReadOnlyList<SampleGame> For(SeasonPlan season, int seed)
    {
        var seasonYear = season.Year;
        if (season.IsReal && seasonYear == 2024) return SampleData.Real2024Games;
        var slots = SampleData.IdsAndDates(season);
        var teams = SampleData.Teams;
        for (var attempt = 0; ; attempt++)
        {
            var rng = SampleRng.For(seed, $"{seasonYear}|schedule|{attempt}");
            var plan = TryAssignTeamsToDates(slots, teams.Count, rng, strict: attempt < 40);
            if (plan is null)
            {
                if (attempt >= 60) throw new InvalidOperationException($"Could not build a {Season.Label(seasonYear)} schedule.");
                continue;
            }
            var pairs = PairTeams(plan, teams, rng);
            var homes = OrientHomes(pairs, teams.Count, rng);
            var games = new List<SampleGame>(slots.Count);
            var i = 0;
            foreach (var (dateIndex, a, b) in pairs)
            {
                var date = plan[dateIndex].Date;
                var home = homes[i++] ? a : b;
                var away = home == a ? b : a;
                games.Add(new SampleGame("", date, seasonYear, teams[away].Tricode, teams[home].Tricode));
            }
            // Real ids run in date order; inside a date the order is arbitrary, so assign them as the games come.
            var byDate = games.GroupBy(g => g.Date).OrderBy(g => g.Key).ToList();
            var result = new List<SampleGame>(slots.Count);
            var slotIx = 0;
            foreach (var day in byDate)
                foreach (var g in day.OrderBy(g => g.Home, StringComparer.Ordinal))
                    result.Add(g with { NbaGameId = slots[slotIx++].GameId });
            return result;
        }
    }

    /// <summary>Step 1: per date, the set of teams playing. Null when the greedy painted itself into a corner.</summary>
    private static List<(DateOnly Date, List<int> Teams)>? TryAssignTeamsToDates(
        IReadOnlyList<(string GameId, DateOnly Date)> slots, int teamCount, SampleRng rng, bool strict)
    {
        var dates = slots.GroupBy(s => s.Date).OrderBy(g => g.Key).Select(g => (Date: g.Key, Games: g.Count())).ToList();
        var need = Enumerable.Repeat(slots.Count * 2 / teamCount, teamCount).ToArray();
        var last = new DateOnly?[teamCount];
        var prev = new DateOnly?[teamCount];
        var plan = new List<(DateOnly, List<int>)>(dates.Count);
        for (var k = 0; k < dates.Count; k++)
        {
            var (date, games) = dates[k];
            var remainingDates = dates.Count - k;
            var scored = new List<(double Score, int Team)>(teamCount);
            var forced = 0;
            for (var t = 0; t < teamCount; t++)
            {
                if (need[t] == 0) continue;
                var yesterday = last[t] == date.AddDays(-1);
                var threeInThree = yesterday && prev[t] == date.AddDays(-2);
                var mustPlay = need[t] >= remainingDates;
                if (mustPlay) forced++;
                var rest = last[t] is { } l ? Math.Min(date.DayNumber - l.DayNumber, 4) : 4;
                // Urgency (games left per date left) dominates; rest days and a back-to-back penalty shape the rhythm.
                var score = 4.0 * need[t] / remainingDates + 0.08 * rest + rng.NextDouble() * 0.6;
                if (yesterday) score -= 0.2;
                if (threeInThree && strict) score -= 100;
                if (mustPlay) score += 1000;
                scored.Add((score, t));
            }
            if (forced > games * 2 || scored.Count < games * 2) return null;
            scored.Sort((x, y) => y.Score != x.Score ? y.Score.CompareTo(x.Score) : x.Team.CompareTo(y.Team));
            var chosen = scored.Take(games * 2).Select(s => s.Team).ToList();
            if (strict && chosen.Any(t => last[t] == date.AddDays(-1) && prev[t] == date.AddDays(-2))) return null;
            foreach (var t in chosen)
            {
                need[t]--;
                prev[t] = last[t];
                last[t] = date;
            }
            plan.Add((date, chosen));
        }
        return need.All(n => n == 0) ? plan : null;
    }

    /// <summary>Step 2: a perfect matching per date, preferring pairs that have met less than their target.</summary>
    private static List<(int DateIndex, int A, int B)> PairTeams(List<(DateOnly Date, List<int> Teams)> plan, IReadOnlyList<SampleTeam> teams, SampleRng rng)
    {
        var n = teams.Count;
        var met = new int[n, n];
        double Target(int a, int b) =>
            teams[a].Division == teams[b].Division ? 4 : teams[a].Conference == teams[b].Conference ? 3.6 : 2;
        var pairs = new List<(int, int, int)>();
        for (var d = 0; d < plan.Count; d++)
        {
            var open = plan[d].Teams.ToList();
            rng.Shuffle(open);
            while (open.Count > 0)
            {
                var a = open[0];
                open.RemoveAt(0);
                var best = -1;
                var bestScore = double.MaxValue;
                for (var i = 0; i < open.Count; i++)
                {
                    var b = open[i];
                    var s = met[a, b] - Target(a, b) + rng.NextDouble() * 0.5;
                    if (s < bestScore) { bestScore = s; best = i; }
                }
                var partner = open[best];
                open.RemoveAt(best);
                met[a, partner]++;
                met[partner, a]++;
                pairs.Add((d, Math.Min(a, partner), Math.Max(a, partner)));
            }
        }
        return pairs;
    }

    /// <summary>
    /// Step 3: home sides. Repeat meetings alternate venues; the one odd meeting per pair left over forms a graph in
    /// which every team has even degree, and orienting it along Euler circuits gives every team as many home as away
    /// games, so each team ends with exactly 41 home games.
    /// </summary>
    private static bool[] OrientHomes(List<(int DateIndex, int A, int B)> pairs, int teamCount, SampleRng rng)
    {
        var firstIsHome = new bool[pairs.Count]; // true: A is at home
        var leftovers = new List<int>();
        foreach (var group in Enumerable.Range(0, pairs.Count).GroupBy(i => (pairs[i].A, pairs[i].B)))
        {
            var idx = group.ToList(); // already in date order
            var aHomeFirst = rng.Chance(0.5);
            for (var j = 0; j + 1 < idx.Count; j += 2)
            {
                firstIsHome[idx[j]] = aHomeFirst;
                firstIsHome[idx[j + 1]] = !aHomeFirst;
                aHomeFirst = !aHomeFirst;
            }
            if (idx.Count % 2 == 1) leftovers.Add(idx[^1]);
        }

        // Hierholzer over the leftover edges; walking edge e from u to v makes v the home team.
        var adjacency = Enumerable.Range(0, teamCount).Select(_ => new List<int>()).ToArray();
        foreach (var e in leftovers)
        {
            adjacency[pairs[e].A].Add(e);
            adjacency[pairs[e].B].Add(e);
        }
        var used = new HashSet<int>();
        var cursor = new int[teamCount];
        for (var start = 0; start < teamCount; start++)
        {
            var stack = new Stack<int>();
            stack.Push(start);
            while (stack.Count > 0)
            {
                var u = stack.Peek();
                var adj = adjacency[u];
                while (cursor[u] < adj.Count && used.Contains(adj[cursor[u]])) cursor[u]++;
                if (cursor[u] == adj.Count) { stack.Pop(); continue; }
                var e = adj[cursor[u]];
                used.Add(e);
                var v = pairs[e].A == u ? pairs[e].B : pairs[e].A;
                firstIsHome[e] = v == pairs[e].A;
                stack.Push(v);
            }
        }
        return firstIsHome;
    }
}
