/**
 * The estate's procedural rules (议事规则) as settings (rules.md §5).
 *
 * Where the law differs between cities the product never hard-codes a constant: the value
 * lives here, and a copy goes into every vote's snapshot so a later change of the estate's
 * rules cannot alter a vote already under way.
 */

import type { MergeRule } from '../electorate/parties.ts';
import { PART_KINDS, type PartKind } from '../register/rows.ts';

export type VoteForm = 'online' | 'paper';

export interface EstateRules {
  /** Allowed ballot forms; both = mixed (线上 + 书面). */
  forms: VoteForm[];
  /** Notice period in days, the notice day itself not counted (物业管理条例 art. 14). */
  noticeDays: number;
  /** Shorter notice for extraordinary meetings where local law allows; null = not allowed. */
  extraordinaryNoticeDays: number | null;
  /** Voting window bounds in days (Hangzhou: 5–60). */
  windowMinDays: number;
  windowMaxDays: number;
  /** Area precedence: register, then survey, then sale contract (SPC interpretation art. 8). */
  areaSourcePolicy: 'register_survey_contract';
  /** Kinds of part in the electorate (whether parking spaces / storerooms count). */
  countKinds: PartKind[];
  /** How parts of one buyer are merged into one head. */
  merge: MergeRule;
  /** Written proxies: allowed at all, and how many owners one person may represent. */
  proxies: { allowed: boolean; cap: number };
  /**
   * An owner who votes after their proxy holder: `owner_wins` — the owner's own ballot revokes the
   * proxy, replaces a ballot the holder cast (even when ballots are final) and the holder cannot
   * vote after the owner (rules.md §7); `first_valid` — the first valid ballot of either counts.
   */
  proxyOverride: 'owner_wins' | 'first_valid';
  /** `deemed_majority` = 未投票视为同意多数; only with valid service and a stated consequence. */
  nonVoters: 'strict' | 'deemed_majority';
  /** A verified owner's spoilt ballot: takes part without agreeing, or is left out. */
  spoilt: 'participates' | 'excluded';
  /** `final` = a ballot is final on submission (Beijing); `last_counts` = may be changed. */
  revision: 'final' | 'last_counts';
  /** Whether individual choices are visible before close. */
  secrecy: 'open' | 'sealed';
  /** What results publish: house numbers and areas (never names or phones), or totals only. */
  publicationDetail: 'house_numbers_areas' | 'totals_only';
  /** Objection period after the preliminary result, in days. */
  objectionDays: number;
  /** Years the audit package is kept after the final result. */
  retentionYears: number;
  /** Quorum of the owners' committee meetings. */
  councilQuorum: 'majority';
  /** Comments reported by this many people are hidden until the organizer reviews them. */
  autoHideReports: number;
}

/** Patch for {@link mergeRules}: any subset of fields; `proxies` may be patched partly. */
export type EstateRulesPatch = Partial<Omit<EstateRules, 'proxies'>> & {
  proxies?: Partial<EstateRules['proxies']>;
};

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const v of Object.values(value)) {
    if (v !== null && typeof v === 'object') deepFreeze(v);
  }
  return Object.freeze(value);
}

/**
 * Defaults that follow the national rules where they are strictest: 15 days' notice, final
 * ballots, strict non-voter rule, sealed choices, everything counted. Frozen: derive estate
 * rules with {@link mergeRules} instead of mutating this.
 */
export const DEFAULT_RULES: Readonly<EstateRules> = deepFreeze({
  forms: ['online', 'paper'],
  noticeDays: 15,
  extraordinaryNoticeDays: null,
  windowMinDays: 5,
  windowMaxDays: 60,
  areaSourcePolicy: 'register_survey_contract',
  countKinds: [...PART_KINDS],
  merge: 'identical_owner_set',
  proxies: { allowed: true, cap: 3 },
  proxyOverride: 'owner_wins',
  nonVoters: 'strict',
  spoilt: 'participates',
  revision: 'final',
  secrecy: 'sealed',
  publicationDetail: 'house_numbers_areas',
  objectionDays: 7,
  retentionYears: 5,
  councilQuorum: 'majority',
  autoHideReports: 3,
} satisfies EstateRules);

/**
 * Returns new rules: `base` with every field of `patch` that is not undefined applied.
 * `proxies` merges field by field; arrays are replaced, never concatenated. The result
 * shares no arrays or objects with its inputs, so it is safe to store in a snapshot.
 * Performs no validation of the values.
 */
export function mergeRules(base: Readonly<EstateRules>, patch: EstateRulesPatch): EstateRules {
  const defined = Object.fromEntries(
    Object.entries(patch).filter(([, v]) => v !== undefined),
  ) as EstateRulesPatch;
  const proxyPatch = Object.fromEntries(
    Object.entries(patch.proxies ?? {}).filter(([, v]) => v !== undefined),
  ) as Partial<EstateRules['proxies']>;
  const merged = { ...base, ...defined, proxies: { ...base.proxies, ...proxyPatch } };
  return { ...merged, forms: [...merged.forms], countKinds: [...merged.countKinds] };
}
