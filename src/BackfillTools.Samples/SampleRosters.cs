namespace BackfillTools.Samples;

internal enum SamplePosition { Guard, Forward, Center }

/// <summary>A fictional player. Tendencies are fixed per player so his games look like the same man every night.</summary>
internal sealed class SamplePlayer
{
    public required int Id { get; init; }
    public required string Name { get; init; }
    public required string Lookup { get; init; }
    public required DateOnly BirthDate { get; init; }
    public required SamplePosition Position { get; init; }
    public string UniversalId => $"{Lookup}_001";

    /// <summary>Talent 0..1: rotation order and shot volume.</summary>
    public double Rating { get; set; }
    public double PaintShare { get; init; }
    public double MidShare { get; init; }
    public double ThreeShare { get; init; }
    public double ShootingAdj { get; init; }
    public double FreeThrowRate { get; init; }
    public double FreeThrowPct { get; init; }
    public double AssistRate { get; init; }
    public double ReboundRate { get; init; }
    public double BlockRate { get; init; }
    public double StealRate { get; init; }

    /// <summary>Shots per minute relative to an average player; stars take more.</summary>
    public static double UsageFactor(double rating) => 0.7 + 1.1 * rating * rating;

    public int AgeOn(DateOnly date)
    {
        var age = date.Year - BirthDate.Year;
        return date < BirthDate.AddYears(age) ? age - 1 : age;
    }
}

/// <summary>A player's time with one team: [From, To).</summary>
internal sealed record SampleStint(SamplePlayer Player, string Team, DateOnly From, DateOnly To);

/// <summary>Who was on which team, and who was hurt, during one season.</summary>
internal sealed class SeasonRosters
{
    public SeasonRosters(List<SampleStint> stints, Dictionary<int, List<(DateOnly From, DateOnly To)>> injuries)
    {
        Stints = stints;
        Injuries = injuries;
        ByTeam = stints.GroupBy(s => s.Team).ToDictionary(g => g.Key, g => g.ToList());
        // Ratings change between seasons; snapshot them so this season's games use this season's values.
        _ratings = stints.Select(s => s.Player).DistinctBy(p => p.Id).ToDictionary(p => p.Id, p => p.Rating);
    }

    private readonly Dictionary<int, double> _ratings;

    public double Rating(SamplePlayer p) => _ratings[p.Id];

    public List<SampleStint> Stints { get; }
    public Dictionary<int, List<(DateOnly From, DateOnly To)>> Injuries { get; }
    private Dictionary<string, List<SampleStint>> ByTeam { get; }

    public List<SamplePlayer> On(string team, DateOnly date) =>
        ByTeam[team].Where(s => s.From <= date && date < s.To).Select(s => s.Player).ToList();

    public bool IsInjured(SamplePlayer p, DateOnly date) =>
        Injuries.TryGetValue(p.Id, out var spells) && spells.Any(s => s.From <= date && date < s.To);
}

/// <summary>
/// The league's people across all sample seasons: an opening pool of fictional players, offseason turnover
/// (retirements, free agency, rookies), and in-season trades and injuries. Built for every season whatever is
/// selected, so a season's players do not depend on which other seasons were asked for.
/// </summary>
internal sealed class SampleLeaguePeople
{
    // Invented name parts. Surnames are built from syllables that do not form NBA players' names.
    private static readonly string[] FirstNames =
    {
        "Jalen", "Marcus", "Darius", "Malik", "Andre", "Devin", "Isaiah", "Jordan", "Cameron", "Trey", "Keon", "Amari",
        "Elijah", "Xavier", "Terrence", "Javon", "Dante", "Rashad", "Corey", "Miles", "Nolan", "Caleb", "Gavin", "Reggie",
        "Tobias", "Quentin", "Damon", "Lamar", "Omari", "Bryce", "Jaylen", "Desmond", "Kendall", "Micah", "Tariq", "Ellis",
        "Rowan", "Dorian", "Cedric", "Kareem", "Silas", "Emeka", "Julian", "Anton", "Mateo", "Luca", "Noah", "Felix",
    };

    private static readonly string[] SurnameHeads =
    {
        "Marsh", "Brax", "Corv", "Dral", "Fenn", "Garr", "Holl", "Kerr", "Lorr", "Marr", "Nev", "Pell", "Quill", "Rask",
        "Sorr", "Tarr", "Vell", "Wrenn", "Yarb", "Zell", "Ashb", "Bly", "Crann", "Dunm", "Ebb", "Fross",
    };

    private static readonly string[] SurnameTails =
    {
        "", "well", "wick", "mont", "dale", "ridge", "stead", "hurst", "field", "by", "ington", "ock", "ery", "ane", "ow",
    };

    private readonly Dictionary<int, SeasonRosters> _seasons = new();
    private readonly HashSet<string> _lookups = new(StringComparer.Ordinal);
    private int _nextId = 1;

    /// <summary>The people of the four real seasons.</summary>
    public SampleLeaguePeople(int seed)
        : this(seed, SampleLeague.AllSeasons.Select(s => SeasonPlan.Real(Core.Domain.Season.Parse(s))), after: null)
    {
    }

    /// <param name="seasons">Consecutive seasons, oldest first: the first opens with a new pool, the others carry over.</param>
    /// <param name="after">People already in the league (the real seasons): their names are taken and their ids used,
    /// so a scaled league's earlier seasons never reuse a player_lookup for another man.</param>
    public SampleLeaguePeople(int seed, IEnumerable<SeasonPlan> seasons, SampleLeaguePeople? after)
    {
        if (after is not null)
        {
            _lookups.UnionWith(after._lookups);
            _nextId = after._nextId;
        }
        var teams = SampleData.Teams.Select(t => t.Tricode).ToList();
        Dictionary<string, List<SamplePlayer>>? previous = null;
        foreach (var plan in seasons)
        {
            var (first, last) = SampleData.SeasonSpan(plan);
            var end = last.AddDays(1);
            var rng = SampleRng.For(seed, $"{plan.Year}|people");
            var opening = previous is null ? OpeningRosters(teams, first, rng) : Offseason(previous, teams, first, rng);
            _seasons[plan.Year] = InSeason(opening, first, end, rng, out previous);
        }
    }

    public SeasonRosters Season(int seasonYear) => _seasons[seasonYear];

    private SamplePlayer NewPlayer(SampleRng rng, DateOnly seasonStart, SamplePosition position, bool rookie)
    {
        string first, last, lookup;
        do
        {
            first = FirstNames[rng.Next(FirstNames.Length)];
            last = SurnameHeads[rng.Next(SurnameHeads.Length)] + SurnameTails[rng.Next(SurnameTails.Length)];
            lookup = (first + last).ToLowerInvariant();
        } while (!_lookups.Add(lookup));

        var age = rookie ? rng.Between(19, 22) : Math.Clamp((int)Math.Round(rng.Normal(26.5, 4)), 20, 37);
        var birth = seasonStart.AddYears(-age).AddDays(-rng.Next(365));
        // Base zone mix by position (league mix ≈ calibration_stats.json zone_pooled), then a personal twist.
        var (paint, mid, three) = position switch
        {
            SamplePosition.Guard => (0.34, 0.14, 0.52),
            SamplePosition.Forward => (0.42, 0.13, 0.45),
            _ => (0.66, 0.10, 0.24),
        };
        paint *= Math.Exp(rng.Normal(0, 0.2));
        mid *= Math.Exp(rng.Normal(0, 0.3));
        three *= Math.Exp(rng.Normal(0, 0.2));
        var sum = paint + mid + three;
        var rating = Math.Clamp(rookie ? rng.Normal(0.3, 0.15) : rng.Normal(0.45, 0.22), 0.02, 0.99);
        return new SamplePlayer
        {
            Id = _nextId++,
            Name = $"{first} {last}",
            Lookup = lookup,
            BirthDate = birth,
            Position = position,
            Rating = rating,
            PaintShare = paint / sum,
            MidShare = mid / sum,
            ThreeShare = three / sum,
            ShootingAdj = rng.Normal(0, 0.02),
            FreeThrowRate = position == SamplePosition.Center ? 0.30 : position == SamplePosition.Forward ? 0.25 : 0.22,
            FreeThrowPct = Math.Clamp(rng.Normal(position == SamplePosition.Center ? 0.73 : 0.83, 0.05), 0.5, 0.95),
            AssistRate = position == SamplePosition.Guard ? 2.0 : position == SamplePosition.Forward ? 1.0 : 0.8,
            ReboundRate = position == SamplePosition.Guard ? 0.6 : position == SamplePosition.Forward ? 1.0 : 1.8,
            BlockRate = position == SamplePosition.Guard ? 0.3 : position == SamplePosition.Forward ? 0.8 : 2.0,
            StealRate = position == SamplePosition.Guard ? 1.2 : position == SamplePosition.Forward ? 1.0 : 0.7,
        };
    }

    private static SamplePosition PositionFor(int slot) => (slot % 16) switch
    {
        0 or 3 or 6 or 9 or 12 or 15 => SamplePosition.Guard,
        1 or 4 or 7 or 10 or 13 => SamplePosition.Forward,
        _ => SamplePosition.Center,
    };

    private static int RosterSize(SampleRng rng) => rng.Pick(new[] { 0.25, 0.4, 0.35 }) + 15;

    private Dictionary<string, List<SamplePlayer>> OpeningRosters(List<string> teams, DateOnly start, SampleRng rng)
    {
        var rosters = new Dictionary<string, List<SamplePlayer>>();
        foreach (var team in teams)
        {
            var size = RosterSize(rng);
            rosters[team] = Enumerable.Range(0, size).Select(i => NewPlayer(rng, start, PositionFor(i), rookie: false)).ToList();
        }
        return rosters;
    }

    /// <summary>Retirements, free agency and rookies between seasons; ratings drift with age.</summary>
    private Dictionary<string, List<SamplePlayer>> Offseason(Dictionary<string, List<SamplePlayer>> previous, List<string> teams, DateOnly start, SampleRng rng)
    {
        var pool = new List<SamplePlayer>();
        var rosters = new Dictionary<string, List<SamplePlayer>>();
        foreach (var team in teams)
        {
            var keep = new List<SamplePlayer>();
            foreach (var p in previous[team])
            {
                var age = p.AgeOn(start);
                if (age >= 35 && rng.Chance(0.5) || rng.Chance(0.06)) continue; // retired
                p.Rating = Math.Clamp(p.Rating + (age < 25 ? 0.04 : age > 30 ? -0.04 : 0) + rng.Normal(0, 0.05), 0.02, 0.99);
                if (rng.Chance(0.22)) pool.Add(p); else keep.Add(p);
            }
            rosters[team] = keep;
        }
        rng.Shuffle(pool);
        foreach (var team in teams)
        {
            var roster = rosters[team];
            var size = RosterSize(rng);
            while (roster.Count > size) { pool.Add(roster[^1]); roster.RemoveAt(roster.Count - 1); }
            while (roster.Count < size)
            {
                if (pool.Count > 0 && rng.Chance(0.6))
                {
                    roster.Add(pool[0]);
                    pool.RemoveAt(0);
                }
                else roster.Add(NewPlayer(rng, start, PositionFor(roster.Count + rng.Next(3)), rookie: true));
            }
        }
        return rosters;
    }

    /// <summary>Stints with a handful of trades before the deadline, and injury spells.</summary>
    private static SeasonRosters InSeason(Dictionary<string, List<SamplePlayer>> opening, DateOnly start, DateOnly end, SampleRng rng,
        out Dictionary<string, List<SamplePlayer>> closing)
    {
        var current = opening.ToDictionary(kv => kv.Key, kv => kv.Value.ToList());
        var since = opening.SelectMany(kv => kv.Value).ToDictionary(p => p.Id, _ => start);
        var stints = new List<SampleStint>();
        var teams = opening.Keys.OrderBy(t => t, StringComparer.Ordinal).ToList();
        var tradeDates = Enumerable.Range(0, 8).Select(_ => start.AddDays(rng.Between(25, 110))).OrderBy(d => d).ToList();
        foreach (var date in tradeDates)
        {
            var a = teams[rng.Next(teams.Count)];
            var b = teams[rng.Next(teams.Count)];
            if (a == b) continue;
            // Role players move, not the two best players of a team.
            var pa = current[a].OrderByDescending(p => p.Rating).Skip(2).ToList();
            var pb = current[b].OrderByDescending(p => p.Rating).Skip(2).ToList();
            var x = pa[rng.Next(pa.Count)];
            var y = pb[rng.Next(pb.Count)];
            stints.Add(new SampleStint(x, a, since[x.Id], date));
            stints.Add(new SampleStint(y, b, since[y.Id], date));
            current[a].Remove(x);
            current[b].Remove(y);
            current[a].Add(y);
            current[b].Add(x);
            since[x.Id] = date;
            since[y.Id] = date;
        }
        foreach (var team in teams)
            foreach (var p in current[team])
                stints.Add(new SampleStint(p, team, since[p.Id], end));

        var injuries = new Dictionary<int, List<(DateOnly, DateOnly)>>();
        var seasonDays = end.DayNumber - start.DayNumber;
        foreach (var p in opening.Values.SelectMany(v => v).OrderBy(p => p.Id))
        {
            var spells = rng.Pick(new[] { 0.5, 0.35, 0.15 });
            for (var i = 0; i < spells; i++)
            {
                var length = rng.Pick(new[] { 0.7, 0.25, 0.05 }) switch
                {
                    0 => rng.Between(2, 10),
                    1 => rng.Between(11, 30),
                    _ => rng.Between(31, 80),
                };
                var from = start.AddDays(rng.Next(seasonDays));
                if (!injuries.TryGetValue(p.Id, out var list)) injuries[p.Id] = list = new();
                list.Add((from, from.AddDays(length)));
            }
        }
        closing = current;
        return new SeasonRosters(stints, injuries);
    }
}
