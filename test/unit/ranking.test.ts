import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BORDA_SCALE,
  bordaCount,
  instantRunoff,
  validateRanking,
  type BordaResult,
  type IrvResult,
  type Ranking,
} from '../../src/domain/consultation/ranking.ts';

/** `n` copies of a ranking. */
const times = (n: number, r: Ranking): Ranking[] => Array.from({ length: n }, () => [...r]);

/**
 * The paint example: 4 × red>green>blue, 3 × blue>green>red, 2 × green>blue>red.
 * Borda (2/1/0 points): red 8, green 4+3+4 = 11, blue 6+2 = 8 → green, the compromise.
 * IRV: first choices red 4, blue 3, green 2 (no majority of 9); green is out, its 2 ballots
 * go to blue → blue 5, red 4 → blue. (Plurality would even pick red.)
 */
const COLOURS = ['red', 'green', 'blue'];
const PAINT: Ranking[] = [
  ...times(4, ['red', 'green', 'blue']),
  ...times(3, ['blue', 'green', 'red']),
  ...times(2, ['green', 'blue', 'red']),
];

describe('validateRanking', () => {
  it.each<[string, Ranking, string | null]>([
    ['full ranking', ['a', 'b', 'c'], null],
    ['partial ranking', ['b'], null],
    ['empty ranking (no preference)', [], null],
    ['unknown option', ['a', 'x'], 'unknown option "x" at position 2'],
    ['repeated option', ['a', 'a'], 'option "a" ranked twice (positions 1 and 2)'],
    ['repeat further apart', ['c', 'b', 'c'], 'option "c" ranked twice (positions 1 and 3)'],
    ['first problem wins', ['x', 'a', 'a'], 'unknown option "x" at position 1'],
    ['ids are case-sensitive', ['A'], 'unknown option "A" at position 1'],
  ])('%s', (_name, ranking, expected) => {
    expect(validateRanking(ranking, ['a', 'b', 'c'])).toBe(expected);
  });

  it.each<[string, (rs: Ranking[], os: string[]) => unknown]>([
    ['bordaCount', bordaCount],
    ['instantRunoff', instantRunoff],
  ])('%s refuses invalid rankings and duplicate options', (_name, count) => {
    expect(() => count([['a'], ['a', 'z']], ['a', 'b'])).toThrow(/ranking 1: unknown option "z"/);
    expect(() => count([['b', 'b']], ['a', 'b'])).toThrow(RangeError);
    expect(() => count([], ['a', 'a'])).toThrow(/duplicate/);
  });
});

describe('bordaCount (points scaled ×2: half-points)', () => {
  it('BORDA_SCALE is 2', () => expect(BORDA_SCALE).toBe(2));

  it.each<[string, Ranking[], string[], BordaResult]>([
    ['3 colours: Borda picks green (IRV picks blue on the same ballots)', PAINT, COLOURS, {
      scores: [
        { option: 'green', points: 22, exact: '11' },
        { option: 'red', points: 16, exact: '8' },
        { option: 'blue', points: 16, exact: '8' },
      ],
      winner: 'green',
      ties: [],
    }],
    // n = 4. [a]: a 3, b/c/d share 2+1+0 → 1 each. [b,c]: b 3, c 2, a/d share 1+0 → ½ each.
    ['partial rankings share the remaining points', [['a'], ['b', 'c']], ['a', 'b', 'c', 'd'], {
      scores: [
        { option: 'b', points: 8, exact: '4' },
        { option: 'a', points: 7, exact: '3.5' },
        { option: 'c', points: 6, exact: '3' },
        { option: 'd', points: 3, exact: '1.5' },
      ],
      winner: 'b',
      ties: [],
    }],
    ['ranking all but one equals the full ranking', [['c', 'a']], ['a', 'b', 'c'], {
      scores: [
        { option: 'c', points: 4, exact: '2' },
        { option: 'a', points: 2, exact: '1' },
        { option: 'b', points: 0, exact: '0' },
      ],
      winner: 'c',
      ties: [],
    }],
    ['tie at the top: no winner, ties in option order', [['b', 'a', 'c'], ['a', 'b', 'c']], ['a', 'b', 'c'], {
      scores: [
        { option: 'a', points: 6, exact: '3' },
        { option: 'b', points: 6, exact: '3' },
        { option: 'c', points: 0, exact: '0' },
      ],
      winner: null,
      ties: ['a', 'b'],
    }],
    ['an empty ranking gives everyone the same', [[]], ['a', 'b', 'c'], {
      scores: [
        { option: 'a', points: 2, exact: '1' },
        { option: 'b', points: 2, exact: '1' },
        { option: 'c', points: 2, exact: '1' },
      ],
      winner: null,
      ties: ['a', 'b', 'c'],
    }],
    ['no ballots: no winner', [], ['a', 'b'], {
      scores: [
        { option: 'a', points: 0, exact: '0' },
        { option: 'b', points: 0, exact: '0' },
      ],
      winner: null,
      ties: ['a', 'b'],
    }],
    ['single option with a ballot wins', [['a']], ['a'], {
      scores: [{ option: 'a', points: 0, exact: '0' }],
      winner: 'a',
      ties: [],
    }],
    ['no options', [], [], { scores: [], winner: null, ties: [] }],
  ])('%s', (_name, rankings, options, expected) => {
    expect(bordaCount(rankings, options)).toEqual(expected);
  });
});

describe('instantRunoff', () => {
  it.each<[string, Ranking[], string[], IrvResult]>([
    ['3 colours: IRV picks blue (Borda picks green on the same ballots)', PAINT, COLOURS, {
      rounds: [
        {
          counts: [{ option: 'red', votes: 4 }, { option: 'blue', votes: 3 }, { option: 'green', votes: 2 }],
          eliminated: ['green'],
          eliminatedBy: 'votes',
        },
        {
          counts: [{ option: 'blue', votes: 5 }, { option: 'red', votes: 4 }],
          eliminated: [],
          eliminatedBy: null,
        },
      ],
      winner: 'blue',
      exhausted: [0, 0],
    }],
    ['first-round majority wins at once', [['a'], ['a', 'b'], ['b']], ['a', 'b', 'c'], {
      rounds: [{
        counts: [{ option: 'a', votes: 2 }, { option: 'b', votes: 1 }, { option: 'c', votes: 0 }],
        eliminated: [],
        eliminatedBy: null,
      }],
      winner: 'a',
      exhausted: [0],
    }],
    // Round 1: a 3, b 2, c 2 of 7. b and c tie on votes; Borda a 12, b 18, c 12 → c out.
    ['elimination tie broken by fewest Borda points',
      [...times(3, ['a', 'b', 'c']), ...times(2, ['b', 'c', 'a']), ...times(2, ['c', 'b', 'a'])],
      ['a', 'b', 'c'], {
        rounds: [
          {
            counts: [{ option: 'a', votes: 3 }, { option: 'b', votes: 2 }, { option: 'c', votes: 2 }],
            eliminated: ['c'],
            eliminatedBy: 'borda',
          },
          {
            counts: [{ option: 'b', votes: 4 }, { option: 'a', votes: 3 }],
            eliminated: [],
            eliminatedBy: null,
          },
        ],
        winner: 'b',
        exhausted: [0, 0],
      }],
    // All three tie on votes; Borda a 6, b 4, c 8 → b out; its ballot goes to c (2 of 3).
    ['all tied on votes but Borda separates them', [['a', 'c', 'b'], ['b', 'c', 'a'], ['c', 'a', 'b']], ['a', 'b', 'c'], {
      rounds: [
        {
          counts: [{ option: 'a', votes: 1 }, { option: 'b', votes: 1 }, { option: 'c', votes: 1 }],
          eliminated: ['b'],
          eliminatedBy: 'borda',
        },
        {
          counts: [{ option: 'c', votes: 2 }, { option: 'a', votes: 1 }],
          eliminated: [],
          eliminatedBy: null,
        },
      ],
      winner: 'c',
      exhausted: [0, 0],
    }],
    // Round 1: a 2, b 3, c 2 of 7; a and c tie on votes and Borda (13 each) → the later-listed
    // c is out. Its 2 bullet ballots are exhausted: b wins 3 of the 5 continuing ballots.
    ['exhausted ballots; last tie-break is option order',
      [...times(2, ['a']), ...times(3, ['b']), ...times(2, ['c'])],
      ['a', 'b', 'c'], {
        rounds: [
          {
            counts: [{ option: 'b', votes: 3 }, { option: 'a', votes: 2 }, { option: 'c', votes: 2 }],
            eliminated: ['c'],
            eliminatedBy: 'order',
          },
          {
            counts: [{ option: 'b', votes: 3 }, { option: 'a', votes: 2 }],
            eliminated: [],
            eliminatedBy: null,
          },
        ],
        winner: 'b',
        exhausted: [0, 2],
      }],
    // Round 2: a 2, b 2, both with 11 Borda half-points → complete deadlock, no winner.
    ['complete deadlock after exhaustion: no winner',
      [['a'], ['a'], ['b'], ['b'], ['c']],
      ['a', 'b', 'c'], {
        rounds: [
          {
            counts: [{ option: 'a', votes: 2 }, { option: 'b', votes: 2 }, { option: 'c', votes: 1 }],
            eliminated: ['c'],
            eliminatedBy: 'votes',
          },
          {
            counts: [{ option: 'a', votes: 2 }, { option: 'b', votes: 2 }],
            eliminated: [],
            eliminatedBy: null,
          },
        ],
        winner: null,
        exhausted: [0, 1],
      }],
    ['two-way mirror tie is a deadlock, not decided by list order', [['a', 'b'], ['b', 'a']], ['a', 'b'], {
      rounds: [{
        counts: [{ option: 'a', votes: 1 }, { option: 'b', votes: 1 }],
        eliminated: [],
        eliminatedBy: null,
      }],
      winner: null,
      exhausted: [0],
    }],
    ['empty rankings are exhausted from round 1', [[], ['a']], ['a', 'b'], {
      rounds: [{
        counts: [{ option: 'a', votes: 1 }, { option: 'b', votes: 0 }],
        eliminated: [],
        eliminatedBy: null,
      }],
      winner: 'a',
      exhausted: [1],
    }],
    ['every ballot exhausted: no winner', [[], []], ['a', 'b'], {
      rounds: [{
        counts: [{ option: 'a', votes: 0 }, { option: 'b', votes: 0 }],
        eliminated: [],
        eliminatedBy: null,
      }],
      winner: null,
      exhausted: [2],
    }],
    ['no options', [], [], { rounds: [], winner: null, exhausted: [] }],
  ])('%s', (_name, rankings, options, expected) => {
    expect(instantRunoff(rankings, options)).toEqual(expected);
  });
});

/** Options and valid (possibly partial or empty) rankings of them. */
const election = fc
  .uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e', '红', '绿'), { minLength: 1, maxLength: 6 })
  .chain((options) =>
    fc.record({
      options: fc.constant(options),
      rankings: fc.array(fc.shuffledSubarray(options), { maxLength: 40 }),
    }),
  );

describe('properties', () => {
  it('Borda: total half-points = ballots × n(n−1), i.e. n(n−1)/2 points per ballot', () => {
    fc.assert(
      fc.property(election, ({ options, rankings }) => {
        const n = options.length;
        const total = bordaCount(rankings, options).scores.reduce((s, x) => s + x.points, 0);
        expect(total).toBe(rankings.length * n * (n - 1));
      }),
    );
  });

  it('IRV: an option with a majority of first choices wins in round 1', () => {
    fc.assert(
      fc.property(election, fc.nat(), fc.array(fc.nat()), ({ options, rankings }, pick, seeds) => {
        const x = options[pick % options.length];
        const rest = options.filter((o) => o !== x);
        const ballots = [...rankings];
        // Add ballots starting with x until x holds a strict majority of non-empty ballots.
        const firstX = () => ballots.filter((r) => r[0] === x).length;
        const nonEmpty = () => ballots.filter((r) => r.length > 0).length;
        let k = 0;
        while (2 * firstX() <= nonEmpty()) {
          const s = seeds.length ? seeds[k++ % seeds.length] : k++;
          ballots.push([x, ...rest.slice(0, s % (rest.length + 1))]);
        }
        const result = instantRunoff(ballots, options);
        expect(result.winner).toBe(x);
        expect(result.rounds).toHaveLength(1);
      }),
    );
  });

  it('IRV: every round accounts for every ballot; exhaustion never decreases', () => {
    fc.assert(
      fc.property(election, ({ options, rankings }) => {
        const result = instantRunoff(rankings, options);
        result.rounds.forEach((round, i) => {
          const counted = round.counts.reduce((s, c) => s + c.votes, 0);
          expect(counted + result.exhausted[i]).toBe(rankings.length);
          if (i > 0) expect(result.exhausted[i]).toBeGreaterThanOrEqual(result.exhausted[i - 1]);
          expect(round.counts).toHaveLength(options.length - i);
        });
        if (result.winner !== null) expect(options).toContain(result.winner);
      }),
    );
  });

  it('both counts ignore the order in which ballots arrive', () => {
    fc.assert(
      fc.property(
        election.chain((e) => fc.record({ e: fc.constant(e), shuffled: fc.shuffledSubarray(e.rankings, { minLength: e.rankings.length }) })),
        ({ e, shuffled }) => {
          expect(bordaCount(shuffled, e.options)).toEqual(bordaCount(e.rankings, e.options));
          expect(instantRunoff(shuffled, e.options)).toEqual(instantRunoff(e.rankings, e.options));
        },
      ),
    );
  });
});
