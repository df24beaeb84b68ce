import { eq } from 'drizzle-orm';
import { electorateSnapshots } from '../../../db/schema/index.ts';
import type { Db } from '../../db.ts';
import type { Party } from '../../domain/electorate/parties.ts';
import { canonicalize } from '../../domain/ledger/jcs.ts';
import { sha256Bytes, toBase64 } from '../../domain/ledger/hash.ts';
import { electorateFrom, type Electorate } from '../../domain/tally/electorate.ts';
import type { ElectoratePart } from '../../domain/electorate/parties.ts';

/** One party of the frozen roster: an opaque id, its parts (house numbers, areas), its weight. No names. */
export interface RosterParty {
  id: string;
  parts: { partId: string; building: string; entrance: string | null; areaCents: number }[];
  areaCents: number;
  developer: boolean;
}

export interface FrozenElectorate {
  roster: RosterParty[];
  electorate: Electorate;
  rosterSha256: string;
}

/** roster.jsonl: one canonical JSON object per party, in roster order. Its SHA-256 is in the manifest. */
export function rosterLines(roster: RosterParty[]): string {
  return roster
    .map((p) => canonicalize({ party: p.id, area_cents: p.areaCents, heads: 1, developer: p.developer, parts: p.parts.map((x) => x.partId) }))
    .join('\n')
    .concat(roster.length ? '\n' : '');
}

/** Turns derived parties into the published roster with opaque ids p1…pn (names and person ids stay out). */
export function freezeRoster(parties: Party[], parts: ElectoratePart[]): { roster: RosterParty[]; rosterSha256: string } {
  const byCode = new Map(parts.map((p) => [p.partId, p]));
  const roster = parties.map((party, i) => ({
    id: `p${i + 1}`,
    parts: party.partIds.map((code) => {
      const p = byCode.get(code)!;
      return { partId: code, building: p.building, entrance: p.entrance, areaCents: p.areaCents };
    }),
    areaCents: party.areaCents,
    developer: party.developer,
  }));
  return { roster, rosterSha256: toBase64(sha256Bytes(rosterLines(roster))) };
}

export function electorateOfRoster(roster: RosterParty[]): Electorate {
  return electorateFrom(
    roster.map((r) => ({ ref: r.id, partIds: r.parts.map((p) => p.partId), areaCents: r.areaCents, developer: r.developer, owners: [] })),
  );
}

// Frozen snapshots never change: cache them per database handle. The cache holds the promise, so
// the many first ballots of a large vote arriving together parse the roster once, not once each.
const cache = new WeakMap<Db, Map<string, Promise<FrozenElectorate | null>>>();

export function loadSnapshot(db: Db, voteId: string): Promise<FrozenElectorate | null> {
  let perDb = cache.get(db);
  if (!perDb) cache.set(db, (perDb = new Map()));
  const hit = perDb.get(voteId);
  if (hit) return hit;
  const loading = (async () => {
    const [row] = await db.select().from(electorateSnapshots).where(eq(electorateSnapshots.voteId, voteId));
    if (!row) return null;
    const roster = row.roster as RosterParty[];
    return { roster, electorate: electorateOfRoster(roster), rosterSha256: row.rosterSha256 };
  })();
  if (perDb.size > 1000) perDb.clear();
  perDb.set(voteId, loading);
  // A vote without a snapshot yet (a draft) or a failed read is not remembered.
  loading.then((v) => v ?? perDb.delete(voteId), () => perDb.delete(voteId));
  return loading;
}
