import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ElectoratePart } from '../../src/domain/electorate/parties.ts';
import { buildElectorate, electorateFrom, type Electorate } from '../../src/domain/tally/electorate.ts';
import {
  LEGAL_CATEGORIES,
  normalizeTallyRules,
  passThresholdMet,
  quorumMet,
  tally,
  type BallotInput,
  type Category,
  type Weight,
} from '../../src/domain/tally/tally.ts';

/**
 * Independent reference for the thresholds: the smallest integer meeting a fraction of a
 * whole, by ceiling/floor division in BigInt, instead of the engine's cross-multiplication.
 *   x/t ≥ p/q  ⇔  x ≥ ⌈p·t / q⌉        x/t > 1/2  ⇔  x ≥ ⌊t / 2⌋ + 1
 */
const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;
const atLeast = (x: number, total: number, p: bigint, q: bigint) => BigInt(x) >= ceilDiv(p * BigInt(total), q);
const moreThanHalf = (x: number, total: number) => BigInt(x) >= BigInt(total) / 2n + 1n;

const refQuorum = (part: Weight, total: Weight) =>
  total.parties > 0 &&
  atLeast(part.areaCents, total.areaCents, 2n, 3n) &&
  atLeast(part.parties, total.parties, 2n, 3n);

const refPass = (category: Category, yes: Weight, part: Weight) =>
  part.parties > 0 &&
  (category === 6 || category === 7 || category === 8
    ? atLeast(yes.areaCents, part.areaCents, 3n, 4n) && atLeast(yes.parties, part.parties, 3n, 4n)
    : moreThanHalf(yes.areaCents, part.areaCents) && moreThanHalf(yes.parties, part.parties));

const category = fc.constantFrom<Category>(...LEGAL_CATEGORIES, 'consultation');

/** total ≥ part ≥ yes on each axis; areas up to the safe-integer range to catch overflow. */
const nested = (max: number) =>
  fc
    .tuple(fc.integer({ min: 0, max }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }))
    .map(([total, f, g]) => {
      const part = Math.floor(total * f);
      return [total, part, Math.floor(part * g)] as const;
    });

/** Values clustered at the boundaries 2/3, 3/4 and 1/2, where a float would slip. */
const boundary = fc.integer({ min: 1, max: 1_000_000_000 }).chain((t) =>
  fc
    .constantFrom(Math.floor((2 * t) / 3), Math.ceil((2 * t) / 3), Math.floor((3 * t) / 4), Math.ceil((3 * t) / 4), Math.floor(t / 2), Math.floor(t / 2) + 1)
    .chain((x) => fc.integer({ min: -1, max: 1 }).map((d) => [t, Math.min(t, Math.max(0, x + d))] as const)),
);

describe('(a) integer thresholds agree with exact rational arithmetic', () => {
  it('quorum and pass thresholds, random totals up to 2^53', () => {
    fc.assert(
      fc.property(nested(Number.MAX_SAFE_INTEGER), nested(100_000), category, ([tA, pA, yA], [tN, pN, yN], cat) => {
        const total = { parties: tN, areaCents: tA };
        const part = { parties: pN, areaCents: pA };
        const yes = { parties: yN, areaCents: yA };
        expect(quorumMet(part, total)).toBe(refQuorum(part, total));
        expect(passThresholdMet(cat, yes, part)).toBe(refPass(cat, yes, part));
      }),
      { numRuns: 2000 },
    );
  });

  it('at the boundaries', () => {
    fc.assert(
      fc.property(boundary, boundary, category, ([t, x], [u, y], cat) => {
        // Use the same pair as quorum (x of t) and as approval (y of u) on both axes.
        expect(quorumMet({ parties: y, areaCents: x }, { parties: u, areaCents: t })).toBe(
          refQuorum({ parties: y, areaCents: x }, { parties: u, areaCents: t }),
        );
        expect(passThresholdMet(cat, { parties: y, areaCents: x }, { parties: u, areaCents: t })).toBe(
          refPass(cat, { parties: y, areaCents: x }, { parties: u, areaCents: t }),
        );
      }),
      { numRuns: 2000 },
    );
  });
});

/** A random estate: n single-owner parts (one party each) with random areas. */
const estate = fc.array(fc.integer({ min: 1, max: 5_000_00 }), { minLength: 1, maxLength: 12 }).map((areas) =>
  areas.map(
    (areaCents, i): ElectoratePart => ({
      partId: `P${i}`,
      building: '1',
      entrance: null,
      kind: 'residential',
      areaCents,
      status: 'registered',
      owners: [`o${i}`],
    }),
  ),
);

const choice = fc.constantFrom('yes', 'no', 'abstain', 'spoilt');

/** An estate and ballots from some of its parties (possibly several from one, and bad ones). */
const scenario = estate.chain((parts) =>
  fc.record({
    parts: fc.constant(parts),
    ballots: fc
      .array(
        fc.record({
          part: fc.integer({ min: 0, max: parts.length }), // == length: an unknown part
          choice: fc.oneof({ weight: 9, arbitrary: choice }, { weight: 1, arbitrary: fc.constant('maybe') }),
          channel: fc.constantFrom<BallotInput['channel']>('online', 'paper', 'proxy'),
        }),
        { maxLength: 16 },
      )
      .map((list) =>
        list.map((b, i): BallotInput => ({ seq: i + 1, partId: b.part < parts.length ? `P${b.part}` : 'UNKNOWN', channel: b.channel, choice: b.choice })),
      ),
    category,
    revision: fc.constantFrom<'final' | 'last_counts'>('final', 'last_counts'),
    spoilt: fc.constantFrom<'participates' | 'excluded'>('participates', 'excluded'),
  }),
);

const electorateOf = (parts: ElectoratePart[]): Electorate => buildElectorate(parts, { merge: 'identical_owner_set' });

describe('(b) an extra yes never hurts', () => {
  it('a yes ballot from a party that had not voted never turns "passed" into anything else', () => {
    fc.assert(
      fc.property(scenario, fc.nat(), (s, pick) => {
        const rules = normalizeTallyRules({ category: s.category, revision: s.revision, spoilt: s.spoilt });
        const electorate = electorateOf(s.parts);
        const before = tally(electorate, s.ballots, rules);
        const voted = new Set(before.counted.map((b) => b.partyRef));
        const idle = electorate.parties.filter((p) => !voted.has(p.ref));
        fc.pre(idle.length > 0);
        const party = idle[pick % idle.length];
        const extra: BallotInput = { seq: s.ballots.length + 1, partId: party.partIds[0], channel: 'online', choice: 'yes' };
        const after = tally(electorate, [...s.ballots, extra], rules);
        if (before.outcome === 'passed') expect(after.outcome).toBe('passed');
        // And more generally it never lowers turnout or support.
        expect(after.participation.areaCents).toBeGreaterThan(before.participation.areaCents);
        expect(after.yes.parties).toBe(before.yes.parties + 1);
      }),
      { numRuns: 500 },
    );
  });
});

describe('(c) the order of parties never changes the result', () => {
  it('a shuffled frozen electorate, and shuffled ballot input, count the same', () => {
    fc.assert(
      fc.property(scenario, fc.func(fc.integer()), (s, key) => {
        const rules = normalizeTallyRules({ category: s.category, revision: s.revision, spoilt: s.spoilt });
        const electorate = electorateOf(s.parts);
        const shuffle = <T,>(xs: T[]) =>
          xs
            .map((x, i) => [key(i), i, x] as const)
            .sort((a, b) => a[0] - b[0] || a[1] - b[1])
            .map(([, , x]) => x);
        const shuffled = electorateFrom(shuffle(electorate.parties), [...electorate.outside]);
        expect(tally(shuffled, shuffle(s.ballots), rules)).toEqual(tally(electorate, s.ballots, rules));
        // Deriving from the register in another row order gives the same result too.
        expect(tally(electorateOf(shuffle(s.parts)), s.ballots, rules)).toEqual(tally(electorate, s.ballots, rules));
      }),
      { numRuns: 300 },
    );
  });
});

describe('(d) totals add up', () => {
  it('yes + no + abstain (+ spoilt when it participates) = participation; each party counted once', () => {
    fc.assert(
      fc.property(scenario, fc.boolean(), (s, asOptions) => {
        const options = asOptions ? ['yes', 'no'].map((c) => `opt-${c}`) : null;
        const ballots = asOptions
          ? s.ballots.map((b) => ({ ...b, choice: b.choice === 'yes' || b.choice === 'no' ? `opt-${b.choice}` : b.choice }))
          : s.ballots;
        const rules = normalizeTallyRules({ category: s.category, revision: s.revision, spoilt: s.spoilt, options });
        const r = tally(electorateOf(s.parts), ballots, rules);
        const parts = [r.yes, r.no, r.abstain, ...(rules.spoilt === 'participates' ? [r.spoilt] : [])];
        expect(parts.reduce((n, w) => n + w.parties, 0)).toBe(r.participation.parties);
        expect(parts.reduce((n, w) => n + w.areaCents, 0)).toBe(r.participation.areaCents);
        expect(r.participation.parties).toBeLessThanOrEqual(r.electorate.parties);
        expect(new Set(r.counted.map((b) => b.partyRef)).size).toBe(r.counted.length);
        // Every ballot is counted, rejected or superseded — exactly once.
        const seqs = [...r.counted.map((b) => b.seq), ...r.rejected.map((b) => b.seq), ...r.superseded.map((b) => b.seq)];
        expect(seqs.sort((a, b) => a - b)).toEqual(ballots.map((b) => b.seq));
        if (r.options) {
          const optionSum = r.options.reduce((n, o) => n + o.parties, 0);
          expect(r.yes.parties + r.no.parties).toBe(optionSum);
        }
        if (!r.quorum) expect(r.outcome).toBe('not_decided');
      }),
      { numRuns: 500 },
    );
  });
});
