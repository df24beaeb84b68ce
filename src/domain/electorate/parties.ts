/**
 * Owner parties (表决主体): who counts as one head, and with how much area (rules.md §2;
 * SPC interpretation arts. 8–9; 指导规则 arts. 23–25).
 *
 * - One exclusive part = one head, by default.
 * - All parts the developer has not sold, or sold but not delivered, are ONE party.
 * - One buyer of several parts is one head (area summed); co-owners of a part are one head.
 *   "Same buyer" is decided by the estate's merge rule, which every result must name.
 */

import { PART_KINDS, type PartKind, type PartStatus } from '../register/rows.ts';

/** The facts about a part that the electorate needs; a RegisterPart is one. */
export interface ElectoratePart {
  partId: string;
  building: string;
  entrance: string | null;
  kind: PartKind;
  areaCents: number;
  status: PartStatus;
  owners: string[];
}

/**
 * `identical_owner_set` (default): parts merge when their owner sets are equal.
 * `shared_person`: parts merge, transitively, when they share any person.
 */
export type MergeRule = 'identical_owner_set' | 'shared_person';

/** A vote limited to a building (楼栋), or to one entrance (单元) of it. */
export interface Scope {
  building: string;
  /** Undefined or null: the whole building. */
  entrance?: string | null;
}

/** One head of the electorate. */
export interface Party {
  /** `"developer"`, `"o:" + sorted owner ids joined by "+"`, or `"p:" + partId` (no owners). */
  ref: string;
  /** In register order. */
  partIds: string[];
  /** Sum of the parts' areas, hundredths of m². */
  areaCents: number;
  developer: boolean;
  /** Sorted, distinct person ids; empty for the developer (see {@link deriveParties}). */
  owners: string[];
}

export interface DerivePartiesOptions {
  merge: MergeRule;
  /** Kinds in the electorate; default all kinds. */
  countKinds?: readonly PartKind[];
  /** Default: the whole estate. */
  scope?: Scope | null;
}

export const DEVELOPER_REF = 'developer';

const isDeveloperStatus = (s: PartStatus) => s === 'unsold' || s === 'sold_undelivered';

/** Sorted by UTF-16 code units, not locale, so every machine derives the same refs. */
const sortedDistinct = (ids: Iterable<string>) => [...new Set(ids)].sort();

/**
 * Derives the owner parties of an electorate.
 *
 * Parts outside `scope` or of a kind not in `countKinds` are dropped first. Developer parts
 * (`unsold`, `sold_undelivered`) form one party `"developer"` whatever owners they list; those
 * listed people (buyers awaiting delivery) do not vote for it and are not merged with anyone,
 * so the developer party's `owners` is empty. The remaining parts merge per `merge`. A
 * non-developer part with no owners (impossible after register validation) stays alone.
 *
 * Output is deterministic: parties sorted by ref, part ids in input order.
 *
 * @throws Error on a duplicate partId or two different owner groups mapping to one ref
 *   (both are excluded by register validation).
 */
export function deriveParties(
  parts: readonly ElectoratePart[],
  opts: DerivePartiesOptions,
): Party[] {
  const kinds = new Set<PartKind>(opts.countKinds ?? PART_KINDS);
  const scope = opts.scope ?? null;
  const seen = new Set<string>();
  for (const p of parts) {
    if (seen.has(p.partId)) throw new Error(`duplicate part id ${p.partId}`);
    seen.add(p.partId);
  }

  const counted = parts.filter((p) => kinds.has(p.kind) && inScope(p, scope));
  const developerParts = counted.filter((p) => isDeveloperStatus(p.status));
  const ownedParts = counted.filter((p) => !isDeveloperStatus(p.status));

  const groups =
    opts.merge === 'shared_person' ? groupBySharedPerson(ownedParts) : groupByOwnerSet(ownedParts);

  const parties: Party[] = [];
  if (developerParts.length > 0) {
    parties.push(makeParty(DEVELOPER_REF, developerParts, true, []));
  }
  const refs = new Set<string>();
  for (const group of groups) {
    const owners = sortedDistinct(group.flatMap((p) => p.owners));
    const ref = owners.length > 0 ? `o:${owners.join('+')}` : `p:${group[0].partId}`;
    if (refs.has(ref)) throw new Error(`two owner groups share the party ref ${ref}`);
    refs.add(ref);
    parties.push(makeParty(ref, group, false, owners));
  }
  return parties.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
}

function inScope(part: ElectoratePart, scope: Scope | null): boolean {
  if (!scope) return true;
  if (part.building !== scope.building) return false;
  return scope.entrance == null || part.entrance === scope.entrance;
}

function makeParty(
  ref: string,
  parts: readonly ElectoratePart[],
  developer: boolean,
  owners: string[],
): Party {
  let areaCents = 0;
  for (const p of parts) areaCents += p.areaCents;
  if (!Number.isSafeInteger(areaCents)) throw new RangeError(`area of party ${ref} overflows`);
  return { ref, partIds: parts.map((p) => p.partId), areaCents, developer, owners };
}

/** Groups (in input order) of parts with exactly the same owner set. */
function groupByOwnerSet(parts: readonly ElectoratePart[]): ElectoratePart[][] {
  const byKey = new Map<string, ElectoratePart[]>();
  const alone: ElectoratePart[][] = [];
  for (const p of parts) {
    const owners = sortedDistinct(p.owners);
    if (owners.length === 0) {
      alone.push([p]);
      continue;
    }
    // JSON keeps the key unambiguous whatever characters the ids contain.
    const key = JSON.stringify(owners);
    const group = byKey.get(key);
    if (group) group.push(p);
    else byKey.set(key, [p]);
  }
  return [...byKey.values(), ...alone];
}

/** Groups of parts connected through shared persons (union-find over person ids). */
function groupBySharedPerson(parts: readonly ElectoratePart[]): ElectoratePart[][] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root)!;
    // Path compression keeps later finds near-constant.
    let node = x;
    while (node !== root) {
      const next = parent.get(node)!;
      parent.set(node, root);
      node = next;
    }
    return root;
  };
  for (const p of parts) {
    for (const id of p.owners) if (!parent.has(id)) parent.set(id, id);
    for (let i = 1; i < p.owners.length; i++) {
      const a = find(p.owners[0]);
      const b = find(p.owners[i]);
      if (a !== b) parent.set(b, a);
    }
  }

  const byRoot = new Map<string, ElectoratePart[]>();
  const alone: ElectoratePart[][] = [];
  for (const p of parts) {
    if (p.owners.length === 0) {
      alone.push([p]);
      continue;
    }
    const root = find(p.owners[0]);
    const group = byRoot.get(root);
    if (group) group.push(p);
    else byRoot.set(root, [p]);
  }
  return [...byRoot.values(), ...alone];
}

/** Denominators of a vote: number of parties (heads) and total area in hundredths of m². */
export function electorateTotals(parties: readonly Party[]): { parties: number; areaCents: number } {
  let areaCents = 0;
  for (const p of parties) areaCents += p.areaCents;
  if (!Number.isSafeInteger(areaCents)) throw new RangeError('electorate area overflows');
  return { parties: parties.length, areaCents };
}

/** Index from each part id to its party, used to resolve "which party does this ballot's part belong to". */
export function partyIndex(parties: readonly Party[]): Map<string, Party> {
  const index = new Map<string, Party>();
  for (const party of parties) for (const id of party.partIds) index.set(id, party);
  return index;
}
