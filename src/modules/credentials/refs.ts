import { and, eq, inArray } from 'drizzle-orm';
import { roleGrants, users } from '../../../db/schema/index.ts';
import type { Db } from '../../db.ts';
import { toBase64 } from '../../domain/ledger/hash.ts';
import type { Keyring } from '../../keys.ts';
import { trackerOf } from '../ledger/receipts.ts';

/**
 * The pseudonymous id of a staff member (or any account) in one estate: 16 base32 symbols of a
 * keyed hash, the same in every vote of the estate (so an auditor can follow one organizer across
 * votes) and meaningless without the deployment's secret. Never a name.
 */
export function staffRef(keys: Keyring, estateId: string, userId: string): string {
  return trackerOf(toBase64(Buffer.from(keys.hash('staff', `${estateId}:${userId}`), 'hex'))).replace(/-/g, '');
}

/** Which role an issuer acted in: organizer first, then the other staff roles; admins without one. */
const ROLE_ORDER = ['organizer', 'clerk', 'auditor', 'chair', 'council_member', 'volunteer', 'owner', 'resident'];

/**
 * Issuer references (`<role>:<staff ref>`, docs/ledger.md §4.5) for the given accounts in one
 * estate, read in one query. A null id (no record of who did it) is `unknown`.
 */
export async function issuerRefs(db: Db, keys: Keyring, estateId: string, ids: (string | null)[]): Promise<Map<string | null, string>> {
  const wanted = [...new Set(ids.filter((x): x is string => !!x))];
  const out = new Map<string | null, string>([[null, 'unknown']]);
  if (!wanted.length) return out;
  const [grants, admins] = await Promise.all([
    db.select({ userId: roleGrants.userId, role: roleGrants.role }).from(roleGrants).where(and(eq(roleGrants.estateId, estateId), inArray(roleGrants.userId, wanted))),
    db.select({ id: users.id, isAdmin: users.isAdmin }).from(users).where(inArray(users.id, wanted)),
  ]);
  for (const id of wanted) {
    const roles = grants.filter((g) => g.userId === id).map((g) => g.role);
    const role = ROLE_ORDER.find((r) => roles.includes(r)) ?? (admins.find((a) => a.id === id)?.isAdmin ? 'admin' : 'account');
    out.set(id, `${role}:${staffRef(keys, estateId, id)}`);
  }
  return out;
}
