/** Which estate pages each role may open (mirrors the server's guards in src/modules/auth/roles.ts). */
export const ESTATE_ROLES = ['organizer', 'clerk', 'chair', 'council_member', 'auditor', 'owner', 'resident', 'volunteer'] as const;

export type EstatePage = 'import' | 'invites' | 'buildings' | 'parts' | 'cost-sharing';

const PAGE_ROLES: Record<EstatePage, readonly string[]> = {
  import: ['organizer'],
  invites: ['organizer'],
  buildings: ['organizer', 'clerk', 'auditor', 'chair', 'council_member'],
  parts: ['organizer', 'clerk', 'auditor'],
  'cost-sharing': ['organizer'],
};

export const PAGE_ORDER: EstatePage[] = ['buildings', 'parts', 'import', 'invites', 'cost-sharing'];

/** The pages a person with these roles (or a platform admin) may use in one estate. */
export function pagesFor(roles: readonly string[], isAdmin: boolean): EstatePage[] {
  return PAGE_ORDER.filter((p) => isAdmin || PAGE_ROLES[p].some((r) => roles.includes(r)));
}
