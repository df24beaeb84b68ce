import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatAreaCents, parseAreaCents } from '../../src/domain/register/area.ts';
import { parseCsv } from '../../src/domain/register/csv.ts';
import { validateRegister, type PartKind, type PartStatus } from '../../src/domain/register/rows.ts';
import {
  deriveParties,
  electorateTotals,
  partyIndex,
  type ElectoratePart,
  type MergeRule,
  type Party,
  type Scope,
} from '../../src/domain/electorate/parties.ts';
import { DEFAULT_RULES, mergeRules } from '../../src/domain/rules/settings.ts';

/** Shared recount vectors, `../shared/vectors/recount` seen from the project root. */
const VECTORS = path.resolve(__dirname, '../../../shared/vectors/recount');

interface VectorRules {
  merge?: MergeRule;
  scope?: Scope;
  count_kinds?: PartKind[];
}

const vectorNames = existsSync(VECTORS)
  ? readdirSync(VECTORS).filter((name) => existsSync(path.join(VECTORS, name, 'register.csv'))).sort()
  : [];

describe('shared recount vectors: electorate totals', () => {
  it('finds the vectors', () => {
    expect(vectorNames.length).toBeGreaterThan(0);
  });

  it.each(vectorNames)('%s', (name) => {
    const dir = path.join(VECTORS, name);
    const validation = validateRegister(parseCsv(readFileSync(path.join(dir, 'register.csv'), 'utf8')));
    if (!validation.ok) throw new Error(`${name}: ${JSON.stringify(validation.errors)}`);
    const rulesPath = path.join(dir, 'rules.json');
    const rules: VectorRules = existsSync(rulesPath) ? JSON.parse(readFileSync(rulesPath, 'utf8')) : {};
    const parties = deriveParties(validation.parts, {
      merge: rules.merge ?? 'identical_owner_set',
      scope: rules.scope ?? null,
      countKinds: rules.count_kinds,
    });
    const totals = electorateTotals(parties);
    // Every vector must at least yield a consistent electorate: each counted part in exactly one party.
    expect(partyIndex(parties).size).toBe(parties.reduce((n, p) => n + p.partIds.length, 0));

    const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as {
      electorate?: { parties: number; area: string };
    };
    if (expected.electorate) {
      expect({ parties: totals.parties, area: formatAreaCents(totals.areaCents) }).toEqual(expected.electorate);
    }
  });
});

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

/** rules.md §6 estate E10 (900 m²). */
const E10: ElectoratePart[] = [
  { id: 'U1', area: '80', owners: ['A'] },
  { id: 'U2', area: '90', owners: ['B'] },
  { id: 'U3', area: '100', owners: ['B'] },
  { id: 'U4', area: '120', owners: ['C', 'D'] },
  { id: 'U5', area: '60', owners: ['E'] },
  { id: 'U6', area: '70', owners: ['F'], status: 'delivered' as const },
  { id: 'U7', area: '110', status: 'unsold' as const },
  { id: 'U8', area: '95', status: 'sold_undelivered' as const },
  { id: 'U9', area: '85', owners: ['G'] },
  { id: 'U10', area: '90', owners: ['H'] },
].map(mk);

/** Compact view of parties: ref → [area, partIds]. */
const view = (parties: Party[]) =>
  Object.fromEntries(parties.map((p) => [p.ref, [formatAreaCents(p.areaCents), p.partIds.join(',')]]));

describe('deriveParties: rules.md §2 and worked examples', () => {
  it('E10: 8 parties / 900.00, developer one party of 205.00', () => {
    const parties = deriveParties(E10, { merge: 'identical_owner_set' });
    expect(view(parties)).toEqual({
      developer: ['205.00', 'U7,U8'],
      'o:A': ['80.00', 'U1'],
      'o:B': ['190.00', 'U2,U3'],
      'o:C+D': ['120.00', 'U4'],
      'o:E': ['60.00', 'U5'],
      'o:F': ['70.00', 'U6'],
      'o:G': ['85.00', 'U9'],
      'o:H': ['90.00', 'U10'],
    });
    expect(electorateTotals(parties)).toEqual({ parties: 8, areaCents: 90000 });
    const dev = parties.find((p) => p.developer)!;
    expect(dev).toEqual({ ref: 'developer', partIds: ['U7', 'U8'], areaCents: 20500, developer: true, owners: [] });
    expect(parties.filter((p) => p.developer)).toHaveLength(1);
  });

  // [name, parts, merge rule, expected parties, expected area, expected refs]
  it.each<[string, PartSpec[], MergeRule, number, string, string[]]>([
    ['T7: developer 3 parts + P, Q, R', [
      { id: 'D1', area: '100', status: 'unsold' },
      { id: 'D2', area: '100', status: 'unsold' },
      { id: 'D3', area: '100', status: 'sold_undelivered' },
      { id: 'P', area: '100', owners: ['P'] },
      { id: 'Q', area: '100', owners: ['Q'] },
      { id: 'R', area: '100', owners: ['R'] },
    ], 'identical_owner_set', 4, '600.00', ['developer', 'o:P', 'o:Q', 'o:R']],
    ['T8 identical-set rule', [
      { id: 'U1', area: '100', owners: ['X'] },
      { id: 'U2', area: '100', owners: ['X', 'Y'] },
      { id: 'U3', area: '100', owners: ['Z'] },
    ], 'identical_owner_set', 3, '300.00', ['o:X', 'o:X+Y', 'o:Z']],
    ['T8 shared-person rule', [
      { id: 'U1', area: '100', owners: ['X'] },
      { id: 'U2', area: '100', owners: ['X', 'Y'] },
      { id: 'U3', area: '100', owners: ['Z'] },
    ], 'shared_person', 2, '300.00', ['o:X+Y', 'o:Z']],
    ['co-owned part counts once', [
      { id: 'U1', area: '120', owners: ['C', 'D'] },
    ], 'identical_owner_set', 1, '120.00', ['o:C+D']],
    ['co-owners listed in any order are the same set', [
      { id: 'U1', area: '100', owners: ['D', 'C'] },
      { id: 'U2', area: '50', owners: ['C', 'D'] },
    ], 'identical_owner_set', 1, '150.00', ['o:C+D']],
    ['one buyer of several parts counts once (area summed)', [
      { id: 'U1', area: '88.88', owners: ['B'] },
      { id: 'P1', area: '12.5', owners: ['B'], kind: 'parking' },
      { id: 'S1', area: '6.01', owners: ['B'], kind: 'storage' },
    ], 'identical_owner_set', 1, '107.39', ['o:B']],
    ['shared person merges transitively (chain X–Y–Z)', [
      { id: 'U1', area: '10', owners: ['X', 'Y'] },
      { id: 'U2', area: '10', owners: ['Z'] },
      { id: 'U3', area: '10', owners: ['Y', 'Z'] },
      { id: 'U4', area: '10', owners: ['W'] },
    ], 'shared_person', 2, '40.00', ['o:W', 'o:X+Y+Z']],
    ['identical-set rule keeps the chain apart', [
      { id: 'U1', area: '10', owners: ['X', 'Y'] },
      { id: 'U2', area: '10', owners: ['Z'] },
      { id: 'U3', area: '10', owners: ['Y', 'Z'] },
      { id: 'U4', area: '10', owners: ['W'] },
    ], 'identical_owner_set', 4, '40.00', ['o:W', 'o:X+Y', 'o:Y+Z', 'o:Z']],
    ['developer parts never merge with their listed buyers', [
      { id: 'U1', area: '100', owners: ['X'] },
      { id: 'U2', area: '100', owners: ['X'], status: 'sold_undelivered' },
      { id: 'U3', area: '100', owners: ['DEV'], status: 'unsold' },
    ], 'shared_person', 2, '300.00', ['developer', 'o:X']],
    ['only developer parts', [
      { id: 'D1', area: '1', status: 'unsold' },
    ], 'identical_owner_set', 1, '1.00', ['developer']],
    ['no parts', [], 'shared_person', 0, '0.00', []],
  ])('%s (%s)', (_name, specs, merge, count, area, refs) => {
    const parties = deriveParties(specs.map(mk), { merge });
    const totals = electorateTotals(parties);
    expect({ parties: totals.parties, area: formatAreaCents(totals.areaCents) }).toEqual({ parties: count, area });
    expect(parties.map((p) => p.ref)).toEqual(refs);
  });

  it('a delivered (not yet registered) part is an owner party, not the developer', () => {
    const parties = deriveParties([mk({ id: 'U1', area: '70', owners: ['F'], status: 'delivered' })], {
      merge: 'identical_owner_set',
    });
    expect(parties).toEqual([{ ref: 'o:F', partIds: ['U1'], areaCents: 7000, developer: false, owners: ['F'] }]);
  });

  it('shared-person party lists the sorted union of owners and parts in register order', () => {
    const parties = deriveParties(
      [
        mk({ id: 'Z9', area: '1', owners: ['Y', 'Q'] }),
        mk({ id: 'A1', area: '1', owners: ['X'] }),
        mk({ id: 'M5', area: '1', owners: ['X', 'Y'] }),
      ],
      { merge: 'shared_person' },
    );
    expect(parties).toEqual([
      { ref: 'o:Q+X+Y', partIds: ['Z9', 'A1', 'M5'], areaCents: 300, developer: false, owners: ['Q', 'X', 'Y'] },
    ]);
  });
});

describe('deriveParties: scope and counted kinds', () => {
  const ESTATE: ElectoratePart[] = [
    { id: '1-1-101', area: '60', owners: ['A'], building: '1', entrance: '1' },
    { id: '1-1-102', area: '60', owners: ['B'], building: '1', entrance: '1' },
    { id: '1-2-101', area: '70', owners: ['A'], building: '1', entrance: '2' },
    { id: '1-2-102', area: '70', status: 'unsold' as const, building: '1', entrance: '2' },
    { id: '2-1-101', area: '80', owners: ['C'], building: '2', entrance: '1' },
    { id: '2-1-102', area: '80', status: 'unsold' as const, building: '2', entrance: '1' },
    { id: '2-X', area: '90', owners: ['D'], building: '2', entrance: null },
    { id: 'P-1', area: '12.5', owners: ['A'], building: '1', entrance: null, kind: 'parking' as const },
    { id: 'P-2', area: '12.5', owners: ['E'], building: '1', entrance: null, kind: 'parking' as const },
    { id: 'S-1', area: '5', owners: ['C'], building: '2', entrance: null, kind: 'storage' as const },
  ].map(mk);

  it.each<[string, Scope | null, PartKind[] | undefined, number, string, string[]]>([
    ['whole estate, all kinds', null, undefined, 6, '540.00', ['developer', 'o:A', 'o:B', 'o:C', 'o:D', 'o:E']],
    ['building 1', { building: '1' }, undefined, 4, '285.00', ['developer', 'o:A', 'o:B', 'o:E']],
    ['building 1, entrance null = whole building', { building: '1', entrance: null }, undefined, 4, '285.00',
      ['developer', 'o:A', 'o:B', 'o:E']],
    ['building 1 entrance 1', { building: '1', entrance: '1' }, undefined, 2, '120.00', ['o:A', 'o:B']],
    ['building 1 entrance 2', { building: '1', entrance: '2' }, undefined, 2, '140.00', ['developer', 'o:A']],
    ['building 2 entrance 1', { building: '2', entrance: '1' }, undefined, 2, '160.00', ['developer', 'o:C']],
    ['unknown building', { building: '9' }, undefined, 0, '0.00', []],
    ['excluding parking', null, ['residential', 'commercial', 'storage'], 5, '515.00',
      ['developer', 'o:A', 'o:B', 'o:C', 'o:D']],
    ['residential only', null, ['residential'], 5, '510.00', ['developer', 'o:A', 'o:B', 'o:C', 'o:D']],
    ['parking only', null, ['parking'], 2, '25.00', ['o:A', 'o:E']],
    ['building 1 without parking', { building: '1' }, ['residential'], 3, '260.00', ['developer', 'o:A', 'o:B']],
  ])('%s', (_name, scope, countKinds, count, area, refs) => {
    const parties = deriveParties(ESTATE, { merge: 'identical_owner_set', scope, countKinds });
    const totals = electorateTotals(parties);
    expect({ parties: totals.parties, area: formatAreaCents(totals.areaCents) }).toEqual({ parties: count, area });
    expect(parties.map((p) => p.ref)).toEqual(refs);
  });

  it('a party area counts only its parts inside the scope', () => {
    const parties = deriveParties(ESTATE, { merge: 'identical_owner_set', scope: { building: '1', entrance: '2' } });
    expect(partyIndex(parties).get('1-2-101')).toMatchObject({ ref: 'o:A', areaCents: 7000, partIds: ['1-2-101'] });
    expect(partyIndex(parties).has('1-1-101')).toBe(false);
  });

  it('estate rules drive the counted kinds and the merge rule', () => {
    const rules = mergeRules(DEFAULT_RULES, { countKinds: ['residential'] });
    const parties = deriveParties(ESTATE, { merge: rules.merge, countKinds: rules.countKinds });
    expect(electorateTotals(parties)).toEqual({ parties: 5, areaCents: 51000 });
    expect(DEFAULT_RULES.countKinds).toHaveLength(4);
    expect(DEFAULT_RULES.merge).toBe('identical_owner_set');
  });
});

describe('partyIndex and invariants', () => {
  it('maps every counted part to its party', () => {
    const parties = deriveParties(E10, { merge: 'identical_owner_set' });
    const index = partyIndex(parties);
    expect(index.size).toBe(10);
    expect(index.get('U3')?.ref).toBe('o:B');
    expect(index.get('U2')).toBe(index.get('U3'));
    expect(index.get('U8')?.ref).toBe('developer');
  });

  it('is deterministic whatever the input order', () => {
    const reversed = [...E10].reverse();
    const a = deriveParties(E10, { merge: 'shared_person' });
    const b = deriveParties(reversed, { merge: 'shared_person' });
    expect(a.map((p) => p.ref)).toEqual(b.map((p) => p.ref));
    expect(b.find((p) => p.ref === 'o:B')?.partIds).toEqual(['U3', 'U2']);
  });

  it('refuses duplicate part ids', () => {
    expect(() => deriveParties([E10[0], E10[0]], { merge: 'identical_owner_set' })).toThrow(/duplicate/);
  });

  it('refuses owner ids that would make two parties share a ref', () => {
    const parts = [mk({ id: 'U1', area: '1', owners: ['A+B'] }), mk({ id: 'U2', area: '1', owners: ['A', 'B'] })];
    expect(() => deriveParties(parts, { merge: 'identical_owner_set' })).toThrow(/ref/);
  });

  it('keeps an owner-less non-developer part as its own party', () => {
    const parties = deriveParties([mk({ id: 'U1', area: '1' }), mk({ id: 'U2', area: '1' })], { merge: 'shared_person' });
    expect(parties.map((p) => p.ref)).toEqual(['p:U1', 'p:U2']);
  });
});
