/**
 * Types and wording of "who voted in whose name" (rules.md §7): the household panel, the
 * participation list and the oversight panel. The issuer report has the verifier's shape
 * (src/domain/ledger/credentials.ts), whether it came from the server or from the browser's own
 * verification of an export.
 */
import type { IssuerLine } from '../../src/domain/ledger/credentials.ts';
import { t, type MessageKey } from './i18n.ts';
import { formatDateTime } from './votes.ts';

export interface HouseholdBallot {
  seq: number | null;
  channel: string;
  status: string;
  at: string;
  matter: string;
}

export interface Household {
  party: string;
  parts: string[];
  voted: boolean;
  firstAt: string | null;
  channels: string[];
  ballots: HouseholdBallot[];
  objections: { seq: number; at: string }[];
}

export interface Participation {
  parties: number;
  took: number;
  buildings: { building: string; total: number; took: number; parts: { partId: string; channels: string[]; at: string }[] }[];
}


export type { IssuerLine };

export interface Oversight {
  objections: { id: string; party: string; parts: string[]; seq: number; text: string; at: string; ageHours: number }[];
  flaggedPairs: { pairId: string; partId: string; flag: string; at: string }[];
  credentials: { kind: string; count: number; revoked: number }[];
  issuers: IssuerLine[];
  sameIssuerPairs: number[];
}

function known(key: string): key is MessageKey {
  return t(key as MessageKey) !== key;
}

/** "网上、纸质选票" — the channels of a household's ballots in words. */
export function channelsText(channels: string[]): string {
  return channels.map((c) => (known(`ch.${c}`) ? t(`ch.${c}` as MessageKey) : c)).join(' / ');
}

/** A credential kind in words. */
export function credentialKind(kind: string): string {
  return known(`cred.${kind}`) ? t(`cred.${kind}` as MessageKey) : kind;
}

/** An issuer reference (`organizer:ABCD…`) as "组织者 ABCD…"; the ref stays, it is what auditors compare. */
export function issuerText(issuer: string): { role: string; ref: string } {
  const [role, ref] = issuer.includes(':') ? (issuer.split(':', 2) as [string, string]) : [issuer, ''];
  return { role: known(`issuer.${role}`) ? t(`issuer.${role}` as MessageKey) : role, ref };
}

/** How long ago, in hours or days. */
export function ageText(hours: number): string {
  if (hours < 1) return t('ov.ageNew');
  if (hours < 48) return t('ov.ageHours', { h: hours });
  return t('ov.ageDays', { d: Math.floor(hours / 24) });
}

export const when = (iso: string) => formatDateTime(iso);
