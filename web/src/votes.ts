import type { Household } from './oversight.ts';
/**
 * Votes (表决): the shapes of the votes API, and small helpers the vote pages share —
 * Beijing dates, areas in 0.01 m² units, thresholds as fractions, phase and choice words.
 */
import { lang, t, type MessageKey } from './i18n.ts';
import type { CastBallot } from './ledger.ts';

export type Phase = 'draft' | 'noticed' | 'open' | 'closed' | 'preliminary' | 'final';
export type CategoryValue = '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | 'consultation';
export const CATEGORIES: CategoryValue[] = ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'consultation'];

export interface Bilingual {
  zh: string;
  en: string;
}

export interface VoteOption {
  key: string;
  name: string;
  colorHex: string | null;
  colorCode: string | null;
  pictureUrl?: string | null;
}

export interface VoteMatter {
  key: string;
  title: string;
  description: string;
  category: CategoryValue;
  categoryName: Bilingual;
  threshold: Bilingual;
  kind: 'yes_no' | 'options';
  options: VoteOption[];
}

export interface VoteScope {
  building: string;
  entrance?: string | null;
}

export interface VoteRules {
  noticeDays: number;
  windowMinDays: number;
  windowMaxDays: number;
  revision: 'final' | 'last_counts';
  objectionDays: number;
  publicationDetail?: string;
  [k: string]: unknown;
}

export interface MyBallot {
  matter: string | undefined;
  seq: number;
  status: 'accepted' | 'rejected' | 'superseded';
  at: string;
}

export interface VoteView {
  id: string;
  estateId: string;
  title: string;
  description: string;
  scope: VoteScope | null;
  phase: Phase;
  status: string;
  noticeDate: string | null;
  opensAt: string;
  closesAt: string;
  closedAt: string | null;
  closeReason: string | null;
  objectionEndsAt: string | null;
  finalizedAt: string | null;
  rules: VoteRules;
  electorate: { parties: number; areaCents: number; area: string } | null;
  matters: VoteMatter[];
  me: {
    parties: { id: string; parts: string[]; area: string }[];
    ballots: MyBallot[];
    /** Every ballot cast for my households, by anyone: channel and time, never the choice. */
    household?: Household[];
  };
  /** Window extensions, oldest first (docs/quorum.md §5). */
  extensions?: VoteExtension[];
}

export interface VoteExtension {
  closesAt: string;
  previousClosesAt: string;
  reason: string;
  at: string;
}

export interface VoteListItem {
  id: string;
  title: string;
  phase: Phase;
  opensAt: string;
  closesAt: string;
  scope: VoteScope | null;
}

export interface BuildingTurnout {
  building: string;
  parties: number;
  areaCents: number;
  totalParties: number;
  totalAreaCents: number;
}

export interface MatterTurnout {
  matter: string;
  parties: number;
  areaCents: number;
  buildings: BuildingTurnout[];
}

export interface Turnout {
  total: { parties: number; areaCents: number } | null;
  matters: MatterTurnout[];
}

export interface Weight {
  parties: number;
  area: string;
}

export interface MatterResult {
  quorum: boolean;
  outcome: 'passed' | 'rejected' | 'not_decided';
  electorate: Weight;
  participation: Weight;
  yes: Weight;
  no: Weight;
  abstain: Weight;
  spoilt?: Weight;
  options?: Record<string, Weight>;
  adopted?: string | null;
  rejected_ballots?: { seq: number; reason: string }[];
  deemed?: { applicable: boolean; reason?: string; outcome: string; participation: Weight; yes: Weight };
}

/**
 * Consent of the owners whose own part the works occupy (docs/quorum.md §7). The contract names
 * `{ required, given, satisfied }`; `required` and `given` may be house numbers or counts.
 */
export interface Consent {
  required: string[] | number;
  given: string[] | number;
  satisfied: boolean;
}

export interface ResultMatter {
  key: string;
  title: string;
  category: CategoryValue;
  kind: 'yes_no' | 'options';
  options: VoteOption[];
  result: MatterResult & { consent?: Consent | null };
  verdict: Bilingual;
  consent?: Consent | null;
}

export interface VoteResult {
  id: string;
  title: string;
  status: string;
  closedAt: string | null;
  closeReason: string | null;
  objectionEndsAt: string | null;
  finalizedAt: string | null;
  electorate: Weight;
  matters: ResultMatter[];
  participants: { parts: string[]; area: string; channel: string }[];
}

export interface CastAnswer {
  party: string;
  /** One receipt per matter: ledger position, tracker, the signed promise and (sealed) the opening. */
  ballots: CastBallot[];
}

export const votesBase = (estateId: string) => `/api/estates/${encodeURIComponent(estateId)}/votes`;
export const voteBase = (estateId: string, voteId: string) => `${votesBase(estateId)}/${encodeURIComponent(voteId)}`;

/** The text of a bilingual field in the reader's language. */
export function bi(x: Bilingual | null | undefined): string {
  if (!x) return '';
  return lang.value === 'zh' ? x.zh : x.en;
}

export function phaseLabel(p: string): string {
  const key = `phase.${p}` as MessageKey;
  return t(key) === key ? p : t(key);
}

// ---- Beijing time -------------------------------------------------------------------------------
// Notice periods and voting windows are counted in Beijing calendar days (as the server does), so
// every date is shown and entered in Beijing time whatever the phone's own time zone.

const TZ = 'Asia/Shanghai';

function locale(): string {
  return lang.value === 'zh' ? 'zh-CN' : 'en-GB';
}

/** 2026年3月17日 / 17 March 2026; accepts an ISO instant or a YYYY-MM-DD calendar date. */
export function formatDay(value: string | null | undefined): string {
  if (!value) return '';
  const d = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T12:00:00+08:00`) : new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return d.toLocaleDateString(locale(), { timeZone: TZ, year: 'numeric', month: 'long', day: 'numeric' });
}

/** 2026年3月17日 08:00 / 17 March 2026, 08:00 (Beijing time). */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const day = formatDay(iso);
  const time = d.toLocaleTimeString('en-GB', { timeZone: TZ, hour: '2-digit', minute: '2-digit', hour12: false });
  return lang.value === 'zh' ? `${day} ${time}` : `${day}, ${time}`;
}

function beijingParts(d: Date): Record<string, string> {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: TZ,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).formatToParts(d);
  const out: Record<string, string> = {};
  for (const p of parts) out[p.type] = p.value;
  if (out.hour === '24') out.hour = '00';
  return out;
}

/** Today's Beijing date, YYYY-MM-DD. */
export function beijingToday(now = new Date()): string {
  const p = beijingParts(now);
  return `${p.year}-${p.month}-${p.day}`;
}

/** The value of a datetime-local input showing this instant in Beijing time. */
export function toBeijingInput(d: Date): string {
  const p = beijingParts(d);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/** A datetime-local value read as Beijing time, as an ISO string with its offset. */
export function fromBeijingInput(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return null;
  const withSeconds = value.length === 16 ? `${value}:00` : value;
  return `${withSeconds}+08:00`;
}

/** Calendar arithmetic on YYYY-MM-DD. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

// ---- Areas and fractions ------------------------------------------------------------------------

/** 69500 → "695.00" (integers only, as the server computes). */
export function areaText(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const c = Math.abs(Math.round(cents));
  return `${sign}${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`;
}

/** "695.00" → 69500. */
export function areaCents(area: string | null | undefined): number {
  if (!area) return 0;
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(area.trim());
  if (!m) return Math.round(Number(area) * 100) || 0;
  const cents = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] ? -cents : cents;
}

/** A share between 0 and 1 (0 when the whole is 0). */
export function share(part: number, whole: number): number {
  if (!whole || whole <= 0) return 0;
  return Math.max(0, Math.min(1, part / whole));
}

export function percentText(part: number, whole: number): string {
  if (!whole) return '0%';
  const p = (part / whole) * 100;
  return `${p >= 99.95 || p === 0 ? p.toFixed(0) : p.toFixed(1)}%`;
}

/** Categories 6–8 need three quarters of the participants; the others more than half. */
export function isQualified(category: string): boolean {
  return category === '6' || category === '7' || category === '8';
}

export function passMark(category: string): { value: number; label: string } {
  return isQualified(category) ? { value: 3 / 4, label: '¾' } : { value: 1 / 2, label: '½' };
}

export const TURNOUT_MARK = { value: 2 / 3, label: '⅔' };

/** The legal threshold of a category in plain words (the same sentences the API returns). */
export function thresholdWords(category: string): string {
  if (category === 'consultation') return t('threshold.consultation');
  return isQualified(category) ? t('threshold.qualified') : t('threshold.majority');
}

export function categoryWords(category: string): string {
  const key = `category.${category}` as MessageKey;
  return t(key);
}

/** 同意 / 不同意 / 弃权, or the option's name. */
export function choiceLabel(matter: Pick<VoteMatter, 'options'>, choice: string): string {
  if (choice === 'yes') return t('choice.yes');
  if (choice === 'no') return t('choice.no');
  if (choice === 'abstain') return t('choice.abstain');
  return matter.options.find((o) => o.key === choice)?.name ?? choice;
}

export function channelLabel(channel: string): string {
  const key = `channel.${channel}` as MessageKey;
  return t(key) === key ? channel : t(key);
}

/** Ink that stays readable on a swatch of this colour. */
export function inkOn(hex: string | null | undefined): string {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex ?? '');
  if (!m) return '#1a1a1a';
  const [r, g, b] = [m[1], m[2], m[3]].map((x) => parseInt(x!, 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  const lum = 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  return lum > 0.36 ? '#1a1a1a' : '#ffffff';
}

/** A random nonce for a ballot submission (two identical submissions never share a ledger entry). */
export function newNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** "第一项" / "Matter 1". */
export function matterNumber(index: number): string {
  const zh = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];
  return lang.value === 'zh' ? `第${zh[index] ?? index + 1}项` : `Matter ${index + 1}`;
}

/**
 * "第一项 · 续聘物业…": how a receipt or a result names its matter. When the matters are not known
 * here (signed out), the heading this phone kept with the receipt, else plain words — never the
 * internal key ("m1").
 */
export function matterHeading(matters: readonly { key: string; title: string }[] | undefined, key: string | null, kept?: string): string {
  const i = matters?.findIndex((m) => m.key === key) ?? -1;
  if (i >= 0) return `${matterNumber(i)} · ${matters![i]!.title}`;
  return kept ?? t('receipt.someMatter');
}

/**
 * "未形成决定：参与表决的…" → head "未形成决定", body "参与表决的…", so the outcome can be shown large
 * and the legal reason under it without repeating the outcome word.
 */
export function splitVerdict(text: string): { head: string; body: string } {
  const m = /^([^：:]{1,24})[：:]\s*([\s\S]*)$/.exec(text);
  return m ? { head: m[1]!, body: m[2]! } : { head: '', body: text };
}
