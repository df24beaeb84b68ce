/**
 * Ranking questions of a consultation (意见征询), e.g. residents ordering paint colours.
 *
 * Two counts are offered, because they answer different questions and can disagree:
 * - {@link bordaCount}: which option is most broadly acceptable (rewards compromise options);
 * - {@link instantRunoff}: which option a majority prefers once weaker options drop out.
 *
 * Both are deterministic and use integer arithmetic only, so the service, a browser and an
 * offline recount always produce identical results from identical ballots.
 */

/**
 * One resident's ranking: option ids, most preferred first. It may be partial (even empty):
 * options not named are tied for last place below every named option.
 */
export type Ranking = string[];

/**
 * Borda points are reported as integers scaled by this factor ("half-points").
 *
 * Why 2: an option at 0-based place k of n earns n−1−k points. In a partial ranking naming
 * r options, the u = n−r unranked options share the places r…n−1, worth
 * (u−1) + … + 0 = u(u−1)/2 points, i.e. (u−1)/2 each. That is always a whole or a half
 * number, so doubling every score keeps everything an exact integer: a ranked option at
 * place k earns 2(n−1−k) half-points and each unranked option earns u−1 half-points.
 */
export const BORDA_SCALE = 2;

/** One option's Borda score. */
export interface BordaScore {
  option: string;
  /** Points × {@link BORDA_SCALE} (half-points), an exact integer. */
  points: number;
  /** The true points as an exact decimal string, e.g. `"4.5"` for 9 half-points. */
  exact: string;
}

/** Result of {@link bordaCount}. */
export interface BordaResult {
  /** Every option, highest score first; equal scores keep the order of `options`. */
  scores: BordaScore[];
  /** The sole top scorer; null when the top is shared or there are no ballots. */
  winner: string | null;
  /** Options sharing the top score when more than one does, in `options` order; else []. */
  ties: string[];
}

/** First-choice votes of one continuing option in an instant-runoff round. */
export interface RoundCount {
  option: string;
  votes: number;
}

/**
 * How the option eliminated in a round was chosen: `votes` (it alone had the fewest
 * first-choice votes), `borda` (fewest votes shared; it alone had the fewest Borda points
 * among those) or `order` (still tied; the one listed last in `options`). Null when nothing
 * was eliminated (the final round).
 */
export type EliminationReason = 'votes' | 'borda' | 'order' | null;

/** One round of {@link instantRunoff}. */
export interface IrvRound {
  /** Continuing options, most votes first; equal counts keep the order of `options`. */
  counts: RoundCount[];
  /** The option eliminated after this round (at most one); [] in the final round. */
  eliminated: string[];
  eliminatedBy: EliminationReason;
}

/** Result of {@link instantRunoff}. */
export interface IrvResult {
  rounds: IrvRound[];
  /**
   * The option with a strict majority of continuing ballots; null when every ballot is
   * exhausted (or there are none) or the options end in a complete deadlock.
   */
  winner: string | null;
  /** Per round (same indexes as `rounds`): ballots naming no continuing option. */
  exhausted: number[];
}

/**
 * Checks one ranking against the question's options.
 *
 * @returns null when valid, else an English message naming the first problem (positions are
 *   1-based): an id that is not an option, or an option ranked twice. An empty ranking is
 *   valid (a ballot expressing no preference).
 */
export function validateRanking(r: Ranking, options: readonly string[]): string | null {
  const known = new Set(options);
  const seenAt = new Map<string, number>();
  for (let i = 0; i < r.length; i++) {
    const id = r[i];
    if (!known.has(id)) return `unknown option ${JSON.stringify(id)} at position ${i + 1}`;
    const first = seenAt.get(id);
    if (first !== undefined) {
      return `option ${JSON.stringify(id)} ranked twice (positions ${first + 1} and ${i + 1})`;
    }
    seenAt.set(id, i);
  }
  return null;
}

/**
 * Throws on duplicate option ids or an invalid ranking. Counting code refuses bad input
 * rather than skipping it: a silently dropped ballot would change totals without a trace,
 * so ballots must be validated (and rejected visibly) when they are cast.
 */
function checkInput(rankings: readonly Ranking[], options: readonly string[]): void {
  if (new Set(options).size !== options.length) {
    throw new RangeError('options contain a duplicate id');
  }
  for (let i = 0; i < rankings.length; i++) {
    const problem = validateRanking(rankings[i], options);
    if (problem !== null) throw new RangeError(`ranking ${i}: ${problem}`);
  }
}

/** Half-points per option, in a map; shared by the Borda count and the IRV tie-break. */
function bordaHalfPoints(rankings: readonly Ranking[], options: readonly string[]): Map<string, number> {
  const n = options.length;
  const points = new Map<string, number>(options.map((o) => [o, 0]));
  for (const r of rankings) {
    const ranked = new Set(r);
    r.forEach((o, k) => points.set(o, points.get(o)! + 2 * (n - 1 - k)));
    // See BORDA_SCALE: the u unranked options get (u−1)/2 points each, i.e. u−1 half-points.
    const unrankedShare = n - r.length - 1;
    if (unrankedShare > 0) {
      for (const o of options) if (!ranked.has(o)) points.set(o, points.get(o)! + unrankedShare);
    }
  }
  return points;
}

/** Half-points as an exact decimal string (integer arithmetic, no float division). */
function halfPointsToDecimal(half: number): string {
  const whole = Math.floor(half / 2);
  return half % 2 === 0 ? String(whole) : `${whole}.5`;
}

/** Sorts options by a score, descending, keeping `options` order for equal scores. */
function byScoreDesc<T>(items: T[], score: (t: T) => number): T[] {
  // Array.prototype.sort is stable (ES2019), so equal scores keep their input order.
  return [...items].sort((x, y) => score(y) - score(x));
}

/**
 * Borda count: with n options, first place earns n−1 points, second n−2, …, last 0.
 * Unranked options of a partial ranking share the remaining places' points equally, so every
 * ballot — full, partial or empty — distributes the same n(n−1)/2 points and weighs the same.
 *
 * Points are reported scaled by {@link BORDA_SCALE} (half-points; see there), plus an exact
 * decimal string. Total half-points = ballots × n(n−1).
 *
 * @throws RangeError on duplicate options or an invalid ranking (see {@link validateRanking}).
 */
export function bordaCount(rankings: Ranking[], options: string[]): BordaResult {
  checkInput(rankings, options);
  const points = bordaHalfPoints(rankings, options);
  const scores = byScoreDesc(options, (o) => points.get(o)!).map((option) => ({
    option,
    points: points.get(option)!,
    exact: halfPointsToDecimal(points.get(option)!),
  }));
  if (scores.length === 0) return { scores, winner: null, ties: [] };
  const top = scores[0].points;
  const leaders = options.filter((o) => points.get(o) === top);
  return {
    scores,
    // No ballots: everything is 0, and a "winner" nobody voted for would be misleading.
    winner: leaders.length === 1 && rankings.length > 0 ? leaders[0] : null,
    ties: leaders.length > 1 ? leaders : [],
  };
}

/**
 * Instant-runoff voting. Each round, a ballot counts for its highest-ranked continuing option;
 * a ballot naming none is exhausted (an empty ranking is exhausted from round 1). An option
 * with a strict majority of the continuing (non-exhausted) ballots wins. Otherwise exactly one
 * option is eliminated:
 * 1. the one with the fewest first-choice votes in this round;
 * 2. if several share that, the one among them with the fewest Borda points (computed once
 *    over all ballots and all options, as in {@link bordaCount}) — the ballots' full
 *    preferences rather than chance decide;
 * 3. if still tied, the one listed last in `options`.
 *
 * Complete deadlock: when every continuing option has the same votes and the same Borda
 * points, the ballots cannot tell them apart and step 3 alone would pick the winner by list
 * order; instead counting stops with winner null, to be resolved under the estate's rules.
 * Counting also stops with winner null when every ballot is exhausted.
 *
 * @throws RangeError on duplicate options or an invalid ranking (see {@link validateRanking}).
 */
export function instantRunoff(rankings: Ranking[], options: string[]): IrvResult {
  checkInput(rankings, options);
  const rounds: IrvRound[] = [];
  const exhaustedPerRound: number[] = [];
  if (options.length === 0) return { rounds, winner: null, exhausted: exhaustedPerRound };

  const borda = bordaHalfPoints(rankings, options);
  const orderIndex = new Map(options.map((o, i) => [o, i]));
  const continuing = new Set(options);

  for (;;) {
    const votes = new Map<string, number>();
    for (const o of options) if (continuing.has(o)) votes.set(o, 0);
    let exhausted = 0;
    for (const r of rankings) {
      const choice = r.find((o) => continuing.has(o));
      if (choice === undefined) exhausted++;
      else votes.set(choice, votes.get(choice)! + 1);
    }
    const active = rankings.length - exhausted;
    const live = [...votes.keys()]; // continuing options in `options` order
    const counts = byScoreDesc(live, (o) => votes.get(o)!).map((option) => ({
      option,
      votes: votes.get(option)!,
    }));
    exhaustedPerRound.push(exhausted);

    const finish = (winner: string | null): IrvResult => {
      rounds.push({ counts, eliminated: [], eliminatedBy: null });
      return { rounds, winner, exhausted: exhaustedPerRound };
    };

    if (active === 0) return finish(null);
    // Strict majority, compared as integers: votes > active / 2  ⇔  2·votes > active.
    // A sole continuing option holds every active vote, so the loop always ends here or above.
    if (2 * counts[0].votes > active) return finish(counts[0].option);

    const fewestVotes = counts[counts.length - 1].votes;
    const lowest = live.filter((o) => votes.get(o) === fewestVotes);
    let out: string;
    let reason: Exclude<EliminationReason, null>;
    if (lowest.length === 1) {
      out = lowest[0];
      reason = 'votes';
    } else {
      const fewestBorda = Math.min(...lowest.map((o) => borda.get(o)!));
      const weakest = lowest.filter((o) => borda.get(o) === fewestBorda);
      if (weakest.length === 1) {
        out = weakest[0];
        reason = 'borda';
      } else {
        if (weakest.length === live.length) return finish(null); // complete deadlock
        out = weakest.reduce((a, b) => (orderIndex.get(a)! > orderIndex.get(b)! ? a : b));
        reason = 'order';
      }
    }
    rounds.push({ counts, eliminated: [out], eliminatedBy: reason });
    continuing.delete(out);
  }
}
