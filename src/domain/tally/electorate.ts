/**
 * The electorate of one vote (表决主体名单): the counted parties, the index from part id to
 * party, and the denominators of art. 278 (total heads, total exclusive area).
 *
 * rules.md §2: the electorate is frozen in a snapshot before voting opens and is the only
 * source of the denominators. The service freezes the `Party[]` (and the `outside` index, see
 * below) and rebuilds an {@link Electorate} from them with {@link electorateFrom}; the tally
 * needs nothing else, so the service, the recount CLI and the verifier count alike.
 */

import {
  deriveParties,
  electorateTotals,
  type ElectoratePart,
  type MergeRule,
  type Party,
  type Scope,
} from '../electorate/parties.ts';
import { PART_KINDS, type PartKind } from '../register/rows.ts';

/** A frozen electorate, ready for {@link tally}. */
export interface Electorate {
  /** The counted parties (each with at least one counted part), sorted by ref. */
  parties: Party[];
  /** Every counted part id → its party. */
  byPart: Map<string, Party>;
  /** Party ref → party, for the counted parties. */
  byRef: Map<string, Party>;
  /**
   * Parts of the register that are not counted in this vote (outside the scope, or of a kind
   * the estate does not count) → the ref of the counted party they belong to, or null when
   * their party has no counted part at all. A ballot only identifies its party (recount.md),
   * so a ballot naming such a part still counts for that party; with null it is rejected as
   * "party has no counted part in scope" rather than as an unknown part.
   */
  outside: Map<string, string | null>;
  /** Denominators: number of counted parties and their total area in hundredths of m². */
  totals: { parties: number; areaCents: number };
}

/** Options of {@link buildElectorate}; the same settings a vote's rules carry. */
export interface BuildElectorateOptions {
  merge: MergeRule;
  /** Kinds of part in the electorate; default all kinds. */
  countKinds?: readonly PartKind[];
  /** Default (null or undefined): the whole estate. */
  scope?: Scope | null;
}

/**
 * Rebuilds an electorate from frozen parties (and, optionally, the frozen `outside` index).
 * The parties are taken as they are: their areas are the counted areas.
 *
 * @throws Error when a part id appears in two parties, a ref twice, a party has no part or
 *   a non-positive area, or an `outside` entry names a counted part or an unknown ref: such
 *   a snapshot is corrupt and must not be counted.
 */
export function electorateFrom(
  parties: readonly Party[],
  outside?: Iterable<readonly [string, string | null]>,
): Electorate {
  const byPart = new Map<string, Party>();
  const byRef = new Map<string, Party>();
  for (const party of parties) {
    if (byRef.has(party.ref)) throw new Error(`party ref ${party.ref} appears twice`);
    if (party.partIds.length === 0) throw new Error(`party ${party.ref} has no part`);
    if (!Number.isSafeInteger(party.areaCents) || party.areaCents <= 0) {
      throw new Error(`party ${party.ref} has an invalid area ${party.areaCents}`);
    }
    byRef.set(party.ref, party);
    for (const id of party.partIds) {
      if (byPart.has(id)) throw new Error(`part ${id} belongs to two parties`);
      byPart.set(id, party);
    }
  }
  const outsideIndex = new Map<string, string | null>();
  for (const [partId, ref] of outside ?? []) {
    if (byPart.has(partId)) throw new Error(`part ${partId} is both counted and outside`);
    if (ref !== null && !byRef.has(ref)) throw new Error(`part ${partId} names unknown party ${ref}`);
    outsideIndex.set(partId, ref);
  }
  const sorted = [...parties].sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
  return { parties: sorted, byPart, byRef, outside: outsideIndex, totals: electorateTotals(sorted) };
}

/**
 * Builds the electorate of a vote from register parts.
 *
 * Parties are derived over the WHOLE register (every kind, no scope) with the merge rule,
 * and only then restricted to their counted parts (kind in `countKinds`, inside `scope`).
 * Why: recount.md defines "a party's area is the sum of its counted parts inside the scope"
 * and rejects a ballot "when its party has no counted part inside the scope" — who a party
 * is does not depend on the scope. Under `identical_owner_set` this equals deriving from the
 * counted parts alone; under `shared_person` it differs only when two counted parts are
 * linked solely through an uncounted part (X owns U1, {X,Y} own an out-of-scope U2, Y owns
 * U3): they are one buyer, so one head.
 *
 * Parties left without a counted part drop out of the electorate; their parts go to
 * `outside` with a null ref.
 *
 * @throws Error on a duplicate part id (excluded by register validation).
 */
export function buildElectorate(
  parts: readonly ElectoratePart[],
  opts: BuildElectorateOptions,
): Electorate {
  const kinds = new Set<PartKind>(opts.countKinds ?? PART_KINDS);
  const scope = opts.scope ?? null;
  const byId = new Map(parts.map((p) => [p.partId, p]));
  const isCounted = (p: ElectoratePart) =>
    kinds.has(p.kind) &&
    (scope === null ||
      (p.building === scope.building && (scope.entrance == null || p.entrance === scope.entrance)));

  const counted: Party[] = [];
  const outside: [string, string | null][] = [];
  for (const whole of deriveParties(parts, { merge: opts.merge })) {
    const mine = whole.partIds.map((id) => byId.get(id)!);
    const inside = mine.filter(isCounted);
    const ref = inside.length > 0 ? whole.ref : null;
    for (const p of mine) if (!isCounted(p)) outside.push([p.partId, ref]);
    if (inside.length === 0) continue;
    let areaCents = 0;
    for (const p of inside) areaCents += p.areaCents;
    counted.push({ ...whole, partIds: inside.map((p) => p.partId), areaCents, owners: [...whole.owners] });
  }
  return electorateFrom(counted, outside);
}

/** What a ballot's part id identifies in an electorate. */
export type PartResolution =
  | { kind: 'party'; party: Party }
  | { kind: 'not_counted' }
  | { kind: 'unknown' };

/** Resolves the part named on a ballot (or in a service list) to its counted party. */
export function resolvePart(electorate: Electorate, partId: string): PartResolution {
  const party = electorate.byPart.get(partId);
  if (party) return { kind: 'party', party };
  if (!electorate.outside.has(partId)) return { kind: 'unknown' };
  const ref = electorate.outside.get(partId);
  const owner = ref == null ? undefined : electorate.byRef.get(ref);
  return owner ? { kind: 'party', party: owner } : { kind: 'not_counted' };
}
