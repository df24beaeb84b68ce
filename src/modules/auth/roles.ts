/** Roles are granted per estate; platform admin is a flag on the user. */
export const ESTATE_ROLES = ['organizer', 'clerk', 'chair', 'council_member', 'auditor', 'owner', 'resident', 'volunteer'] as const;
export type EstateRole = (typeof ESTATE_ROLES)[number];

/** Who may manage the register and settings of an estate. */
export const REGISTER_MANAGERS: EstateRole[] = ['organizer'];
/** Who may read the full register of an estate (house numbers, areas, statuses; never names). */
export const REGISTER_READERS: EstateRole[] = ['organizer', 'clerk', 'auditor'];
/** Who may see the estate's building overview. */
export const OVERVIEW_READERS: EstateRole[] = ['organizer', 'clerk', 'auditor', 'chair', 'council_member'];
