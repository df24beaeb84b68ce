import { describe, expect, it } from 'vitest';
import { parseAreaCents } from '../../src/domain/register/area.ts';
import type { PartKind, PartStatus } from '../../src/domain/register/rows.ts';
import type { ElectoratePart } from '../../src/domain/electorate/parties.ts';
import { buildElectorate, electorateFrom, resolvePart } from '../../src/domain/tally/electorate.ts';
import {
  DEFAULT_TALLY_RULES,
  REJECTION_REASONS,
  REJECTION_REASONS_ZH,
  checkChoice,
  normalizeTallyRules,
  passThresholdMet,
  quorumMet,
  tally,
  toContractJson,
  type BallotInput,
  type Category,
  type TallyResult,
  type TallyRules,
} from '../../src/domain/tally/tally.ts';

interface PartSpec {
  id: string;
  area: string;
  owners?: string[];
  status?: PartStatus;
  kind?: PartKind;
  building?: string;
  entrance?: string | null;
}

const mk = (s: PartSpec): ElectoratePart => ({
  partId: s.id,
  building: s.building ?? '1',
  entrance: s.entrance === undefined ? '1' : s.entrance,
  kind: s.kind ?? 'residential',
  areaCents: parseAreaCents(s.area),
  status: s.status ?? 'registered',
  owners: s.owners ?? [],
});

/** rules.md §6 estate E10: parties A 80, B 190, CD 120, E 60, F 70, Dev 205, G 85, H 90. */
const E10: ElectoratePart[] = [
  { id: 'U1', area: '80', owners: ['A'] },
  { id: 'U2', area: '90', owners: ['B'] },
  { id: 'U3', area: '100', owners: ['B'], entrance: '2' },
  { id: 'U4', area: '120', owners: ['C', 'D'], entrance: '2' },
  { id: 'U5', area: '60', owners: ['E'], building: '2' },
  { id: 'U6', area: '70', owners: ['F'], building: '2', status: 'delivered' as const },
  { id: 'U7', area: '110', building: '2', entrance: '2', status: 'unsold' as const },
  { id: 'U8', area: '95', building: '2', entrance: '2', status: 'sold_undelivered' as const },
  { id: 'U9', area: '85', owners: ['G'], building: '3' },
  { id: 'U10', area: '90', owners: ['H'], building: '3' },
].map(mk);

/** [partId, choice, channel?]; seq is the position + 1 unless given. */
type B = [partId: string, choice: string, channel?: BallotInput['channel'], seq?: number];
const ballots = (list: B[]): BallotInput[] =>
  list.map(([partId, choice, channel, seq], i) => ({ seq: seq ?? i + 1, partId, choice, channel: channel ?? 'online' }));

const rulesOf = (partial: Partial<TallyRules> & { category: Category }) => normalizeTallyRules(partial);

function run(
  parts: ElectoratePart[],
  list: B[],
  partial: Partial<TallyRules> & { category: Category },
  served?: string[],
): TallyResult {
  const rules = rulesOf(partial);
  const electorate = buildElectorate(parts, { merge: rules.merge, countKinds: rules.countKinds, scope: rules.scope });
  return tally(electorate, ballots(list), rules, served ? new Set(served) : undefined);
}

/** Weight in whole m² for readable expectations. */
const w = (parties: number, m2: number) => ({ parties, areaCents: m2 * 100 });

const T1: B[] = [
  ['U1', 'yes'],
  ['U2', 'yes'],
  ['U4', 'no'],
  ['U5', 'abstain'],
  ['U6', 'yes'],
  ['U7', 'no'],
];
const T2: B[] = T1.map(([p, c]) => (p === 'U5' ? [p, 'yes'] : [p, c]));

describe('tally: worked examples of rules.md §6', () => {
  it('E10 electorate: 8 parties / 900 m²', () => {
    const e = buildElectorate(E10, { merge: 'identical_owner_set' });
    expect(e.totals).toEqual(w(8, 900));
  });

  it('T1 cat. 4: turnout 6 / 725, yes 3 / 340 → rejected (6 > 6 false)', () => {
    const r = run(E10, T1, { category: 4 });
    expect(r.electorate).toEqual(w(8, 900));
    expect(r.participation).toEqual(w(6, 725));
    expect(r.yes).toEqual(w(3, 340));
    expect(r.no).toEqual(w(2, 325));
    expect(r.abstain).toEqual(w(1, 60));
    expect(r.quorum).toBe(true);
    expect(r.outcome).toBe('rejected');
    expect(r.rejected).toEqual([]);
  });

  it.each<[Category, string]>([
    [4, 'passed'],
    [7, 'rejected'],
  ])('T2 as cat. %s → %s (yes 4 / 400)', (category, outcome) => {
    const r = run(E10, T2, { category });
    expect(r.yes).toEqual(w(4, 400));
    expect(r.quorum).toBe(true);
    expect(r.outcome).toBe(outcome);
  });

  it('T3 cat. 7: U3 identifies B (190 m²); turnout 7 / 695, yes 6 / 605 → passed', () => {
    const list: B[] = [
      ['U1', 'yes'],
      ['U3', 'yes'],
      ['U4', 'yes'],
      ['U5', 'yes'],
      ['U6', 'yes'],
      ['U9', 'yes'],
      ['U10', 'no'],
    ];
    const r = run(E10, list, { category: 7 });
    expect(r.participation).toEqual(w(7, 695));
    expect(r.yes).toEqual(w(6, 605));
    expect(r.outcome).toBe('passed');
  });

  it.each<Category>([1, 2, 3, 4, 5, 6, 7, 8, 9])('T4 as cat. %s: area 505 < 600 → not decided', (category) => {
    const list: B[] = ['U1', 'U4', 'U5', 'U6', 'U9', 'U10'].map((p) => [p, 'yes']);
    const r = run(E10, list, { category });
    expect(r.participation).toEqual(w(6, 505));
    expect(r.quorum).toBe(false);
    expect(r.outcome).toBe('not_decided');
  });

  it('T5: deemed rule, G and H served → deemed 8 / 900, yes 5 / 515 passed; strict rejected', () => {
    const r = run(E10, T1, { category: 4, nonVoters: 'deemed_majority' }, ['U9', 'U10']);
    expect(r.outcome).toBe('rejected');
    expect(r.deemed).toMatchObject({
      applicable: true,
      outcome: 'passed',
      quorum: true,
      participation: w(8, 900),
      yes: w(5, 515),
      deemedParties: w(2, 175),
    });
  });

  it('T5 variant: only served non-voters are deemed; a served voter is not counted twice', () => {
    const r = run(E10, T1, { category: 4, nonVoters: 'deemed_majority' }, ['U9', 'U1', 'U2']);
    expect(r.deemed).toMatchObject({ applicable: true, participation: w(7, 810), yes: w(4, 425), outcome: 'passed' });
  });

  it('T5 variant: no parts served → deemed equals strict', () => {
    const r = run(E10, T1, { category: 4, nonVoters: 'deemed_majority' });
    expect(r.deemed).toMatchObject({ applicable: true, participation: w(6, 725), yes: w(3, 340), outcome: 'rejected' });
  });

  it('deemed rule does not apply when the area majority and the headcount majority disagree', () => {
    // yes: A 80 + B 190 = 270 m², 2 heads; no: CD 120 + E 60 + F 70 = 250 m², 3 heads.
    const list: B[] = [
      ['U1', 'yes'],
      ['U2', 'yes'],
      ['U4', 'no'],
      ['U5', 'no'],
      ['U6', 'no'],
    ];
    const r = run(E10, list, { category: 4, nonVoters: 'deemed_majority' }, ['U9', 'U10', 'U7']);
    expect(r.deemed?.applicable).toBe(false);
    expect(r.deemed?.reason).toMatch(/different ways/);
    expect(r.deemed?.reasonZh).toMatch(/不一致/);
    // The deemed figures fall back to the strict ones.
    expect(r.deemed).toMatchObject({ outcome: r.outcome, participation: r.participation, yes: r.yes });
  });

  it('deemed rule does not apply on a tie of the cast ballots', () => {
    const r = run(E10, [['U1', 'yes'], ['U5', 'no'], ['U2', 'abstain']], { category: 4, nonVoters: 'deemed_majority' }, ['U9']);
    expect(r.deemed?.applicable).toBe(false);
    expect(r.deemed?.reason).toMatch(/tied/);
  });

  it('deemed "no" majority: served non-voters take part without agreeing', () => {
    const list: B[] = [
      ['U1', 'yes'],
      ['U4', 'no'],
      ['U7', 'no'],
    ];
    const r = run(E10, list, { category: 4, nonVoters: 'deemed_majority' }, ['U2', 'U5', 'U6', 'U9', 'U10']);
    expect(r.outcome).toBe('not_decided');
    expect(r.deemed).toMatchObject({
      applicable: true,
      participation: w(8, 900),
      yes: w(1, 80),
      outcome: 'rejected',
    });
  });

  const T6 = [1, 2, 3].map((i) => mk({ id: `P${i}`, area: '100', owners: [`X${i}`] }));
  it('T6: quorum exactly 2/3 is met; 1 yes 1 no as cat. 4 → rejected (2 > 2 false)', () => {
    const r = run(T6, [['P1', 'yes'], ['P2', 'no']], { category: 4 });
    expect(r.participation).toEqual(w(2, 200));
    expect(r.quorum).toBe(true);
    expect(r.outcome).toBe('rejected');
  });
  it.each<[Category, string, string]>([
    [6, 'yes', 'passed'],
    [6, 'no', 'rejected'],
    [4, 'yes', 'passed'],
  ])('T6: P1 yes, P2 %s… as cat. %s', (category, second, outcome) => {
    expect(run(T6, [['P1', 'yes'], ['P2', second]], { category }).outcome).toBe(outcome);
  });

  it('T7: developer counts once; area 400/600 met but heads 2/4 → not decided', () => {
    const parts = [
      mk({ id: 'D1', area: '100', status: 'unsold' }),
      mk({ id: 'D2', area: '100', status: 'unsold' }),
      mk({ id: 'D3', area: '100', status: 'sold_undelivered' }),
      mk({ id: 'P', area: '100', owners: ['P'] }),
      mk({ id: 'Q', area: '100', owners: ['Q'] }),
      mk({ id: 'R', area: '100', owners: ['R'] }),
    ];
    const r = run(parts, [['D2', 'yes'], ['P', 'yes']], { category: 4 });
    expect(r.electorate).toEqual(w(4, 600));
    expect(r.participation).toEqual(w(2, 400));
    expect(r.quorum).toBe(false);
    expect(r.outcome).toBe('not_decided');
  });

  const T8 = [
    mk({ id: 'U1', area: '100', owners: ['X'] }),
    mk({ id: 'U2', area: '100', owners: ['X', 'Y'] }),
    mk({ id: 'U3', area: '100', owners: ['Z'] }),
  ];
  it('T8: identical-set rule → 3 parties; shared-person rule → 2 (X and {X,Y} one party of 200)', () => {
    const identical = run(T8, [['U1', 'yes'], ['U2', 'yes']], { category: 4 });
    expect(identical.electorate).toEqual(w(3, 300));
    expect(identical.outcome).toBe('passed');
    const shared = run(T8, [['U1', 'yes'], ['U3', 'no']], { category: 4, merge: 'shared_person' });
    expect(shared.electorate).toEqual(w(2, 300));
    expect(shared.yes).toEqual(w(1, 200));
    expect(shared.outcome).toBe('rejected');
    // Under the shared-person rule U2 identifies the same party as U1: a second ballot.
    const again = run(T8, [['U1', 'yes'], ['U2', 'no']], { category: 4, merge: 'shared_person' });
    expect(again.rejected).toEqual([{ seq: 2, partId: 'U2', reason: 'party already voted' }]);
  });

  it('T9: B online yes, later paper no for U3 → rejected and recorded; B counts once, yes 190', () => {
    const list: B[] = [
      ['U2', 'yes', 'online'],
      ['U3', 'no', 'paper'],
      ['U1', 'yes'],
      ['U4', 'no'],
      ['U5', 'yes'],
      ['U6', 'yes'],
      ['U7', 'no'],
    ];
    const r = run(E10, list, { category: 4 });
    expect(r.rejected).toEqual([{ seq: 2, partId: 'U3', reason: REJECTION_REASONS.alreadyVoted }]);
    expect(r.counted.find((b) => b.partyRef === 'o:B')).toMatchObject({ seq: 1, choice: 'yes', channel: 'online' });
    expect(r.yes).toEqual(w(4, 400));
    expect(r.outcome).toBe('passed');
  });

  const entrance = [
    ...Array.from({ length: 12 }, (_, i) => mk({ id: `E${i + 1}`, area: '60', owners: [`O${i + 1}`], building: '5', entrance: '2' })),
    // Neighbours in entrance 1: outside the scope of an entrance-2 elevator vote.
    ...Array.from({ length: 6 }, (_, i) => mk({ id: `N${i + 1}`, area: '60', owners: [`M${i + 1}`], building: '5', entrance: '1' })),
  ];
  it.each<[number, string]>([
    [8, 'passed'],
    [7, 'rejected'],
  ])('T10: entrance of 12 × 60 m², cat. 7, 10 take part, %s yes → %s', (yesCount, outcome) => {
    const list: B[] = Array.from({ length: 10 }, (_, i) => [`E${i + 1}`, i < yesCount ? 'yes' : 'no']);
    const r = run(entrance, list, { category: 7, scope: { building: '5', entrance: '2' } });
    expect(r.electorate).toEqual(w(12, 720));
    expect(r.participation).toEqual(w(10, 600));
    expect(r.quorum).toBe(true);
    expect(r.outcome).toBe(outcome);
  });
});

describe('tally: scope, kinds and unknown parts', () => {
  const parts = [
    mk({ id: 'A1', area: '100', owners: ['a'], building: '1' }),
    mk({ id: 'A2', area: '50', owners: ['a'], building: '2' }), // a's second flat, outside the scope
    mk({ id: 'B1', area: '100', owners: ['b'], building: '1' }),
    mk({ id: 'C2', area: '100', owners: ['c'], building: '2' }), // c has nothing in building 1
    mk({ id: 'B1P', area: '12', owners: ['b'], building: '1', kind: 'parking' }),
  ];
  const scoped = { category: 4 as const, scope: { building: '1' } };

  it('a ballot naming a party’s out-of-scope part counts for the party, with its in-scope area only', () => {
    const r = run(parts, [['A2', 'yes']], scoped);
    expect(r.electorate).toEqual(w(2, 212));
    expect(r.yes).toEqual(w(1, 100));
    expect(r.rejected).toEqual([]);
  });

  it('rejects a party with no counted part in scope, and an unknown part', () => {
    const r = run(parts, [['C2', 'yes'], ['ZZ', 'yes'], ['B1', 'yes']], scoped);
    expect(r.rejected).toEqual([
      { seq: 1, partId: 'C2', reason: 'party has no counted part in scope' },
      { seq: 2, partId: 'ZZ', reason: 'unknown part' },
    ]);
    expect(r.yes).toEqual(w(1, 112));
  });

  it('count_kinds drops parking from the area; its part still identifies the party', () => {
    const r = run(parts, [['B1P', 'yes']], { ...scoped, countKinds: ['residential'] });
    expect(r.electorate).toEqual(w(2, 200));
    expect(r.yes).toEqual(w(1, 100));
  });

  it('a party whose only part is an uncounted kind is not in the electorate', () => {
    const only = [mk({ id: 'S1', area: '5', owners: ['s'], kind: 'storage' }), mk({ id: 'R1', area: '80', owners: ['r'] })];
    const r = run(only, [['S1', 'yes']], { category: 4, countKinds: ['residential'] });
    expect(r.electorate).toEqual(w(1, 80));
    expect(r.rejected[0].reason).toBe('party has no counted part in scope');
  });

  it('shared-person parties are derived over the whole register, then restricted to the scope', () => {
    const chain = [
      mk({ id: 'U1', area: '100', owners: ['X'], building: '1' }),
      mk({ id: 'U2', area: '100', owners: ['X', 'Y'], building: '2' }),
      mk({ id: 'U3', area: '100', owners: ['Y'], building: '1' }),
    ];
    const e = buildElectorate(chain, { merge: 'shared_person', scope: { building: '1' } });
    expect(e.totals).toEqual(w(1, 200));
    expect(resolvePart(e, 'U2')).toMatchObject({ kind: 'party', party: { partIds: ['U1', 'U3'] } });
  });

  it('an electorate rebuilt from frozen parties (and outside index) counts the same', () => {
    const rules = rulesOf(scoped);
    const built = buildElectorate(parts, { merge: rules.merge, scope: rules.scope });
    const frozen = JSON.parse(JSON.stringify(built.parties));
    const rebuilt = electorateFrom(frozen, [...built.outside]);
    const list = ballots([['A2', 'yes'], ['C2', 'no'], ['B1', 'no']]);
    expect(tally(rebuilt, list, rules)).toEqual(tally(built, list, rules));
    // Without the outside index, out-of-scope parts are simply unknown.
    expect(tally(electorateFrom(frozen), list, rules).rejected.map((r) => r.reason)).toEqual(['unknown part', 'unknown part']);
  });

  it('electorateFrom refuses a corrupt snapshot', () => {
    const p = { ref: 'o:a', partIds: ['A1'], areaCents: 100, developer: false, owners: ['a'] };
    expect(() => electorateFrom([p, { ...p, ref: 'o:b' }])).toThrow(/two parties/);
    expect(() => electorateFrom([p, p])).toThrow(/twice/);
    expect(() => electorateFrom([p], [['A1', null]])).toThrow(/both counted and outside/);
    expect(() => electorateFrom([p], [['X', 'o:zz']])).toThrow(/unknown party/);
  });
});

describe('tally: revision rule, spoilt ballots, order', () => {
  it('last_counts: the party’s last valid ballot counts; earlier ones are superseded, not rejected', () => {
    const list: B[] = [
      ['U2', 'yes'],
      ['U1', 'yes'],
      ['U3', 'no', 'paper'], // B again, through its other part
      ['U2', 'maybe'], // invalid: rejected, does not replace B's "no"
    ];
    const r = run(E10, list, { category: 4, revision: 'last_counts' });
    expect(r.counted.map((b) => [b.partyRef, b.seq, b.choice])).toEqual([
      ['o:A', 2, 'yes'],
      ['o:B', 3, 'no'],
    ]);
    expect(r.superseded).toEqual([{ seq: 1, partyRef: 'o:B', supersededBy: 3 }]);
    expect(r.rejected).toEqual([{ seq: 4, partId: 'U2', reason: 'choice not allowed' }]);
    expect(r.no).toEqual(w(1, 190));
  });

  it('final: the same ballots keep the first one and reject the later ones', () => {
    const r = run(E10, [['U2', 'yes'], ['U3', 'no']], { category: 4 });
    expect(r.counted.map((b) => b.seq)).toEqual([1]);
    expect(r.superseded).toEqual([]);
    expect(r.rejected.map((x) => x.reason)).toEqual(['party already voted']);
  });

  it('final: an invalid first ballot does not use up the party’s ballot', () => {
    const r = run(E10, [['U2', 'perhaps'], ['U3', 'yes']], { category: 4 });
    expect(r.rejected.map((x) => [x.seq, x.reason])).toEqual([[1, 'choice not allowed']]);
    expect(r.yes).toEqual(w(1, 190));
  });

  const T1spoilt: B[] = T1.map(([p, c]) => (p === 'U5' ? [p, 'spoilt'] : [p, c]));
  it('spoilt participates (default): takes part, does not agree', () => {
    const r = run(E10, T1spoilt, { category: 4 });
    expect(r.participation).toEqual(w(6, 725));
    expect(r.spoilt).toEqual(w(1, 60));
    expect(r.abstain).toEqual(w(0, 0));
    expect(r.quorum).toBe(true);
  });

  it('spoilt excluded: does not take part (here turnout drops to 5 heads → not decided)', () => {
    const r = run(E10, T1spoilt, { category: 4, spoilt: 'excluded' });
    expect(r.participation).toEqual(w(5, 665));
    expect(r.spoilt).toEqual(w(1, 60));
    expect(r.quorum).toBe(false);
    expect(r.outcome).toBe('not_decided');
  });

  it('a spoilt ballot is the party’s ballot under final', () => {
    const r = run(E10, [['U1', 'spoilt'], ['U1', 'yes', 'paper']], { category: 4, spoilt: 'excluded' });
    expect(r.rejected.map((x) => x.reason)).toEqual(['party already voted']);
  });

  it('ballots are processed in seq order, whatever the input order', () => {
    const list: B[] = [
      ['U3', 'no', 'paper', 9],
      ['U2', 'yes', 'online', 4],
      ['U1', 'yes', 'online', 7],
    ];
    const r = run(E10, list, { category: 4 });
    expect(r.rejected).toEqual([{ seq: 9, partId: 'U3', reason: 'party already voted' }]);
    expect(r.counted.map((b) => b.seq)).toEqual([4, 7]);
  });

  it('refuses duplicate or non-integer seq (the caller must validate)', () => {
    const e = buildElectorate(E10, { merge: 'identical_owner_set' });
    const rules = rulesOf({ category: 4 });
    const b = (seq: number): BallotInput => ({ seq, partId: 'U1', channel: 'online', choice: 'yes' });
    expect(() => tally(e, [b(1), b(1)], rules)).toThrow(/twice/);
    expect(() => tally(e, [b(1.5)], rules)).toThrow(/integer/);
    expect(() => tally(e, [], rulesOf({ category: 4, options: ['a', 'a'] }))).toThrow(/twice/);
    expect(() => tally(e, [], rulesOf({ category: 4, options: ['a', 'spoilt'] }))).toThrow(/option id/);
  });
});

describe('tally: option matters', () => {
  // Exterior paint colour as a cat. 7 renovation (rules.md §1).
  const paint = { category: 7 as const, options: ['grey', 'beige', 'white'] };

  it('adopts the colour that 3/4 of the participants chose on both axes', () => {
    const list: B[] = [
      ['U1', 'grey'],
      ['U2', 'grey'],
      ['U4', 'grey'],
      ['U5', 'grey'],
      ['U6', 'grey'],
      ['U9', 'grey'],
      ['U10', 'beige'],
    ];
    const r = run(E10, list, paint);
    expect(r.quorum).toBe(true);
    expect(r.adopted).toBe('grey');
    expect(r.outcome).toBe('passed');
    expect(r.options).toEqual([
      { id: 'grey', ...w(6, 605) },
      { id: 'beige', ...w(1, 90) },
      { id: 'white', ...w(0, 0) },
    ]);
    expect(r.yes).toEqual(w(6, 605));
    expect(r.no).toEqual(w(1, 90));
  });

  it('adopts none when no colour reaches the threshold → rejected', () => {
    const list: B[] = [
      ['U1', 'grey'],
      ['U2', 'grey'],
      ['U4', 'beige'],
      ['U5', 'grey'],
      ['U6', 'white'],
      ['U7', 'grey'],
    ];
    const r = run(E10, list, paint);
    expect(r.adopted).toBeNull();
    expect(r.outcome).toBe('rejected');
    expect(r.yes).toEqual(w(0, 0));
    expect(r.no).toEqual(r.participation);
  });

  it('no quorum → not decided, nothing adopted', () => {
    const r = run(E10, [['U1', 'grey'], ['U2', 'grey']], paint);
    expect(r.adopted).toBeNull();
    expect(r.outcome).toBe('not_decided');
  });

  it('yes/no are not choices of an option matter; abstain and spoilt are', () => {
    const r = run(E10, [['U1', 'yes'], ['U2', 'abstain'], ['U4', 'spoilt'], ['U5', 'Grey']], paint);
    expect(r.rejected.map((x) => [x.seq, x.reason])).toEqual([
      [1, 'choice not allowed'],
      [4, 'choice not allowed'],
    ]);
    expect(r.participation).toEqual(w(2, 310));
  });

  it('the deemed rule is reported as not applicable to an option matter', () => {
    const r = run(E10, [['U1', 'grey']], { ...paint, nonVoters: 'deemed_majority' }, ['U9']);
    expect(r.deemed).toMatchObject({ applicable: false, reason: expect.stringMatching(/yes\/no/) });
  });

  it('a consultation adopts an option with more than half of the participants on both axes', () => {
    const r = run(E10, [['U1', 'grey'], ['U2', 'grey'], ['U4', 'beige']], { category: 'consultation', options: ['grey', 'beige'] });
    expect(r.quorum).toBe(true);
    expect(r.adopted).toBe('grey');
    expect(r.outcome).toBe('passed');
  });
});

describe('tally: consultation', () => {
  it('has no turnout requirement: quorum true, outcome is the simple majority of participants', () => {
    const r = run(E10, [['U1', 'yes'], ['U2', 'yes'], ['U4', 'no']], { category: 'consultation' });
    expect(r.participation).toEqual(w(3, 390));
    expect(r.quorum).toBe(true);
    expect(r.outcome).toBe('passed');
  });

  it('is "rejected" without a majority on both axes (heads 2 of 3 but area 140 of 345)', () => {
    const r = run(E10, [['U1', 'yes'], ['U5', 'yes'], ['U7', 'no']], { category: 'consultation' });
    expect(r.outcome).toBe('rejected');
  });

  it('with nobody taking part is "rejected" (no majority), never "passed"', () => {
    expect(run(E10, [], { category: 'consultation' }).outcome).toBe('rejected');
  });
});

describe('threshold helpers', () => {
  it('quorum is inclusive and needs both axes; an empty electorate never has one', () => {
    expect(quorumMet(w(2, 200), w(3, 300))).toBe(true);
    expect(quorumMet({ parties: 2, areaCents: 19999 }, w(3, 300))).toBe(false);
    expect(quorumMet(w(0, 0), w(0, 0))).toBe(false);
  });

  it('"过半数" is strict, "四分之三以上" inclusive; nobody taking part never passes', () => {
    expect(passThresholdMet(4, w(1, 100), w(2, 200))).toBe(false);
    expect(passThresholdMet(4, { parties: 2, areaCents: 10001 }, w(3, 200))).toBe(true);
    expect(passThresholdMet(7, w(3, 75), w(4, 100))).toBe(true);
    expect(passThresholdMet(7, { parties: 3, areaCents: 7499 }, w(4, 100))).toBe(false);
    expect(passThresholdMet(6, w(0, 0), w(0, 0))).toBe(false);
  });
});

describe('checkChoice', () => {
  it.each<[string, string[] | null, boolean]>([
    ['yes', null, true],
    ['no', null, true],
    ['abstain', null, true],
    ['spoilt', null, true],
    ['Yes', null, false],
    [' yes', null, false],
    ['', null, false],
    ['grey', null, false],
    ['grey', ['grey', 'beige'], true],
    ['abstain', ['grey', 'beige'], true],
    ['spoilt', ['grey', 'beige'], true],
    ['yes', ['grey', 'beige'], false],
    ['yes', ['yes', 'later'], true],
  ])('%j with options %j → %s', (choice, options, ok) => {
    expect(checkChoice(choice, { options })).toBe(ok);
  });
});

describe('rules and contract JSON', () => {
  it('normalizeTallyRules applies the contract defaults and copies arrays', () => {
    const kinds: PartKind[] = ['residential'];
    const r = normalizeTallyRules({ category: 7, countKinds: kinds });
    expect(r).toEqual({
      category: 7,
      scope: null,
      merge: 'identical_owner_set',
      countKinds: ['residential'],
      revision: 'final',
      spoilt: 'participates',
      nonVoters: 'strict',
      options: null,
    });
    expect(r.countKinds).not.toBe(kinds);
    expect(normalizeTallyRules({ category: 1 }).countKinds).toEqual(DEFAULT_TALLY_RULES.countKinds);
  });

  it('every rejection reason has Chinese words', () => {
    for (const reason of Object.values(REJECTION_REASONS)) expect(REJECTION_REASONS_ZH[reason]).toBeTruthy();
  });

  it('a yes/no matter has no options/adopted/deemed keys; areas are strings with two decimals', () => {
    const rules = rulesOf({ category: 4 });
    const json = toContractJson(run(E10, T1, { category: 4 }), rules);
    expect(Object.keys(json)).toEqual([
      'electorate',
      'participation',
      'yes',
      'no',
      'abstain',
      'quorum',
      'outcome',
      'rules',
      'rejected_ballots',
    ]);
    expect(json.participation).toEqual({ parties: 6, area: '725.00' });
    expect(json.rules).toEqual({
      category: 4,
      scope: null,
      merge: 'identical_owner_set',
      count_kinds: ['residential', 'commercial', 'parking', 'storage'],
      revision: 'final',
      spoilt: 'participates',
      non_voters: 'strict',
      options: null,
    });
  });

  it('an option matter has options and adopted; the deemed rule adds deemed', () => {
    const partial = { category: 7 as const, options: ['grey', 'beige'], nonVoters: 'deemed_majority' as const, scope: { building: '1' } };
    const json = toContractJson(run(E10, [['U1', 'grey']], partial), rulesOf(partial));
    expect(json.options).toEqual({ grey: { parties: 1, area: '80.00' }, beige: { parties: 0, area: '0.00' } });
    expect(json.adopted).toBeNull();
    expect(json.deemed).toMatchObject({ applicable: false });
    expect(json.rules.scope).toEqual({ building: '1' });
    expect(Object.keys(json).slice(-5)).toEqual(['options', 'adopted', 'rules', 'rejected_ballots', 'deemed']);
  });
});
