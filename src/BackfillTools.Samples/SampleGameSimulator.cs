namespace BackfillTools.Samples;

internal enum LineStatus { Played, Dnp, Inactive }

/// <summary>One player's line in one game. Shots are kept by zone so every derived total agrees by construction.</summary>
internal sealed class PlayerLine
{
    public required SamplePlayer Player { get; init; }
    public required LineStatus Status { get; init; }
    public bool Injured { get; init; }
    public bool Starter { get; set; }
    public double Minutes { get; set; }
    public int PaintA, PaintM, MidA, MidM, ThreeA, ThreeM, Fta, Ftm, Assisted, Oreb, Dreb, Ast, Stl, Blk, Tov, Pf, PlusMinus, Q4Minutes;

    public bool Played => Status == LineStatus.Played;
    public int Fga => PaintA + MidA + ThreeA;
    public int Fgm => PaintM + MidM + ThreeM;
    public int Points => 2 * (PaintM + MidM) + 3 * ThreeM + Ftm;
    public double? Usage { get; set; }
    public double? TsPct { get; set; }
}

/// <summary>One team's side of a game: its player lines plus the few numbers that are not sums of them.</summary>
internal sealed class TeamLine
{
    public required string Team { get; init; }
    public required string Opponent { get; init; }
    public required bool Home { get; init; }
    public required List<PlayerLine> Players { get; init; }

    /// <summary>This team's blocks, by the zone of the blocked opponent shot.</summary>
    public int BlocksPaint, BlocksMid, BlocksThree;
    public double Possessions { get; set; }
    public double Pace { get; set; }

    public int Sum(Func<PlayerLine, int> f)
    {
        var s = 0;
        foreach (var p in Players) if (p.Played) s += f(p);
        return s;
    }

    public int Points => Sum(p => p.Points);
    public int Fga => Sum(p => p.Fga);
    public int Fgm => Sum(p => p.Fgm);
}

internal sealed class SimulatedGame
{
    public required SampleGame Game { get; init; }
    public required TeamLine Away { get; init; }
    public required TeamLine Home { get; init; }
    public TeamLine Side(bool home) => home ? Home : Away;
}

/// <summary>
/// Box scores from a few team-level draws (pace, turnovers, free throws, offensive rebounds) and per-event draws
/// (each shot, free throw, assist, rebound...) handed to players in proportion to minutes and tendencies.
/// Targets come from calibration_stats.json; the Samples tests hold the output to them.
/// </summary>
internal static class SampleGameSimulator
{
    // calibration_stats.json boxscore.by_minutes_rank: mean and sd of minutes by rank within a team-game.
    private static readonly double[] MinutesMean = { 36.4, 34.2, 32.0, 29.9, 27.6, 23.3, 20.1, 16.2, 12.1, 7.9, 4.4, 3.1, 3.5, 2.3 };
    private static readonly double[] MinutesSd = { 3.2, 3.4, 3.4, 3.3, 3.2, 2.6, 2.6, 3.2, 4.3, 4.6, 3.3, 2.9, 2.6, 1.2 };

    // boxscore.played_per_team_game_hist (8..14 players); the 14 bucket folds into 13 because 13 dress.
    private static readonly double[] PlayedHist = { 2, 18, 25, 10, 8, 5 };

    // zone_pooled make rates and the share of makes assisted by zone (gives pooled ast_per_fgm ≈ 0.64).
    private const double PaintPct = 0.578, MidPct = 0.277, ThreePct = 0.369;
    private const double PaintAssisted = 0.56, MidAssisted = 0.42, ThreeAssisted = 0.85;

    public const double LeaguePace = 98.5;

    public static SimulatedGame Simulate(SampleGame game, SeasonRosters rosters, IReadOnlyDictionary<string, double> teamPace, int seed)
    {
        var rng = SampleRng.For(seed, $"{game.SeasonYear}|game|{game.NbaGameId}");
        var away = Lineup(game.Away, game.Home, false, game.Date, rosters, rng);
        var home = Lineup(game.Home, game.Away, true, game.Date, rosters, rng);
        var pace = Math.Clamp(rng.Normal(LeaguePace + teamPace[game.Away] + teamPace[game.Home], 4.0), 86, 112);
        Shoot(away, pace, rosters, rng);
        Shoot(home, pace, rosters, rng);
        if (away.Points == home.Points)
        {
            // No ties in basketball: the home side's leading player gets one more free throw.
            var p = home.Players.First(x => x.Played);
            p.Fta++;
            p.Ftm++;
        }
        Defend(away, home, rng);
        Defend(home, away, rng);
        Finish(away, home, rng);
        Finish(home, away, rng);
        return new SimulatedGame { Game = game, Away = away, Home = home };
    }

    /// <summary>Who is listed, inactive, dressed-but-unused and playing, and their minutes (summing to 240.0).</summary>
    private static TeamLine Lineup(string team, string opponent, bool home, DateOnly date, SeasonRosters rosters, SampleRng rng)
    {
        var listed = rosters.On(team, date).OrderBy(p => p.Id).ToList();
        var injured = listed.Where(p => rosters.IsInjured(p, date)).ToHashSet();
        // A depleted team plays its walking wounded rather than fewer than nine. Ties go by id: a HashSet of players
        // enumerates in identity-hash order, which differs between runs.
        foreach (var p in injured.OrderByDescending(rosters.Rating).ThenBy(p => p.Id).ToList())
            if (listed.Count - injured.Count < 9) injured.Remove(p);
        var available = listed.Where(p => !injured.Contains(p))
            .Select(p => (Player: p, Order: rosters.Rating(p) + rng.Normal(0, 0.06)))
            .OrderByDescending(x => x.Order).Select(x => x.Player).ToList();
        var dressed = Math.Min(13, available.Count);
        var playing = Math.Min(8 + rng.Pick(PlayedHist), dressed);

        var lines = new List<PlayerLine>(listed.Count);
        var minutes = new double[playing];
        for (var r = 0; r < playing; r++)
            minutes[r] = Math.Clamp(rng.Normal(MinutesMean[r], MinutesSd[r]), 1.0, 44.0);
        var scale = 240.0 / minutes.Sum();
        var tenths = minutes.Select(m => (int)Math.Round(m * scale * 10)).ToArray();
        tenths[0] += 2400 - tenths.Sum();
        for (var r = 0; r < available.Count; r++)
        {
            var status = r < playing ? LineStatus.Played : r < dressed ? LineStatus.Dnp : LineStatus.Inactive;
            lines.Add(new PlayerLine
            {
                Player = available[r],
                Status = status,
                Starter = r < 5,
                Minutes = r < playing ? tenths[r] / 10.0 : 0,
            });
        }
        foreach (var p in listed.Where(injured.Contains))
            lines.Add(new PlayerLine { Player = p, Status = LineStatus.Inactive, Injured = true });
        foreach (var l in lines.Where(l => l.Played))
            l.Q4Minutes = Math.Min(12, (int)Math.Round(l.Minutes * (0.15 + 0.17 * rng.NextDouble())));
        return new TeamLine { Team = team, Opponent = opponent, Home = home, Players = lines };
    }

    private static void Shoot(TeamLine side, double pace, SeasonRosters rosters, SampleRng rng)
    {
        var players = side.Players.Where(p => p.Played).ToList();
        var tov = Math.Clamp((int)Math.Round(rng.Normal(12.6, 3.4)), 4, 24);
        var fta = Math.Clamp((int)Math.Round(rng.Normal(21, 6.5)), 4, 45);
        var oreb = Math.Clamp((int)Math.Round(rng.Normal(11, 3.5)), 2, 22);
        var fga = Math.Max(60, (int)Math.Round(pace + rng.Normal(0, 1.5) - tov - 0.44 * fta + oreb));
        // The whole team's shooting night, plus a little home-court lift (real home teams win about 54%).
        var hot = rng.Normal(side.Home ? 0.004 : -0.004, 0.025);

        var shotWeights = players.Select(p => p.Minutes * SamplePlayer.UsageFactor(rosters.Rating(p.Player))).ToArray();
        var assistWeights = players.Select(p => p.Minutes * p.Player.AssistRate).ToArray();
        for (var s = 0; s < fga; s++)
        {
            var i = rng.Pick(shotWeights);
            var p = players[i];
            var zone = rng.Pick(new[] { p.Player.PaintShare, p.Player.MidShare, p.Player.ThreeShare });
            var pct = (zone == 0 ? PaintPct : zone == 1 ? MidPct : ThreePct) + hot + p.Player.ShootingAdj;
            var made = rng.Chance(pct);
            switch (zone)
            {
                case 0: p.PaintA++; if (made) p.PaintM++; break;
                case 1: p.MidA++; if (made) p.MidM++; break;
                default: p.ThreeA++; if (made) p.ThreeM++; break;
            }
            if (made && rng.Chance(zone == 0 ? PaintAssisted : zone == 1 ? MidAssisted : ThreeAssisted))
            {
                p.Assisted++;
                // The pass comes from a teammate, never the shooter.
                var saved = assistWeights[i];
                assistWeights[i] = 0;
                players[rng.Pick(assistWeights)].Ast++;
                assistWeights[i] = saved;
            }
        }
        var ftWeights = players.Select(p => p.Minutes * p.Player.FreeThrowRate * SamplePlayer.UsageFactor(rosters.Rating(p.Player))).ToArray();
        for (var s = 0; s < fta; s++)
        {
            var p = players[rng.Pick(ftWeights)];
            p.Fta++;
            if (rng.Chance(p.Player.FreeThrowPct)) p.Ftm++;
        }
        var misses = side.Fga - side.Fgm;
        Spread(players, Math.Min(oreb, misses), p => p.Minutes * p.Player.ReboundRate, p => p.Oreb++, rng);
        Spread(players, tov, p => p.Minutes * SamplePlayer.UsageFactor(rosters.Rating(p.Player)), p => p.Tov++, rng);
    }

    /// <summary>Defensive boxes for <paramref name="side"/> against <paramref name="opp"/>'s shooting.</summary>
    private static void Defend(TeamLine side, TeamLine opp, SampleRng rng)
    {
        var players = side.Players.Where(p => p.Played).ToList();
        var oppMissPaint = opp.Sum(p => p.PaintA - p.PaintM);
        var oppMissMid = opp.Sum(p => p.MidA - p.MidM);
        var oppMissThree = opp.Sum(p => p.ThreeA - p.ThreeM);
        var dreb = Math.Max(0, oppMissPaint + oppMissMid + oppMissThree - opp.Sum(p => p.Oreb) - rng.Between(0, 4));
        Spread(players, dreb, p => p.Minutes * p.Player.ReboundRate, p => p.Dreb++, rng);
        var stl = Math.Clamp((int)Math.Round(rng.Normal(7.6, 2.5)), 0, opp.Sum(p => p.Tov));
        Spread(players, stl, p => p.Minutes * p.Player.StealRate, p => p.Stl++, rng);

        var blocks = Math.Clamp((int)Math.Round(rng.Normal(5.0, 2.2)), 0, oppMissPaint + oppMissMid + oppMissThree);
        var left = new[] { oppMissPaint, oppMissMid, oppMissThree };
        for (var b = 0; b < blocks; b++)
        {
            // Blocks come mostly at the rim; a zone can only give as many blocks as the opponent missed there.
            var zone = rng.Pick(new[] { left[0] * 1.0, left[1] * 0.4, left[2] * 0.08 });
            left[zone]--;
            if (zone == 0) side.BlocksPaint++; else if (zone == 1) side.BlocksMid++; else side.BlocksThree++;
        }
        Spread(players, side.BlocksPaint + side.BlocksMid + side.BlocksThree, p => p.Minutes * p.Player.BlockRate, p => p.Blk++, rng);
        var fouls = Math.Clamp((int)Math.Round(rng.Normal(19.5, 3.5)), 8, 32);
        for (var f = 0; f < fouls; f++)
        {
            var p = players[rng.Pick(players.Select(x => x.Pf >= 6 ? 0 : x.Minutes).ToArray())];
            p.Pf++;
        }
    }

    /// <summary>Possessions, pace, plus-minus, usage and true shooting once both sides are complete.</summary>
    private static void Finish(TeamLine side, TeamLine opp, SampleRng rng)
    {
        static double Poss(TeamLine t) => t.Fga - t.Sum(p => p.Oreb) + t.Sum(p => p.Tov) + 0.44 * t.Sum(p => p.Fta);
        side.Possessions = Math.Round(Poss(side), 1);
        side.Pace = Math.Round((Poss(side) + Poss(opp)) / 2, 1);
        var margin = side.Points - opp.Points;
        var teamUse = side.Fga + 0.44 * side.Sum(p => p.Fta) + side.Sum(p => p.Tov);
        foreach (var p in side.Players.Where(p => p.Played))
        {
            p.PlusMinus = (int)Math.Round(margin * p.Minutes / 48 + rng.Normal(0, 3));
            var use = p.Fga + 0.44 * p.Fta + p.Tov;
            p.Usage = Math.Round(100 * use * (240.0 / 5) / (p.Minutes * teamUse), 1);
            var tsDen = 2 * (p.Fga + 0.44 * p.Fta);
            p.TsPct = tsDen > 0 ? Math.Round(p.Points / tsDen, 3) : null;
        }
    }

    private static void Spread(List<PlayerLine> players, int count, Func<PlayerLine, double> weight, Action<PlayerLine> add, SampleRng rng)
    {
        if (count <= 0) return;
        var w = players.Select(weight).ToArray();
        for (var i = 0; i < count; i++) add(players[rng.Pick(w)]);
    }
}
