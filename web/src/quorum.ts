/**
 * Reaching quorum (docs/quorum.md): the shapes of the letters, proxies, reconciliation, outreach,
 * reminders and cost-sharing API, and small helpers those pages share — money in integer fen,
 * letter codes, and the expiry of a letter sign-in token.
 */
import { lang } from './i18n.ts';
import type { Me } from './types.ts';
import type { CategoryValue, VoteScope } from './votes.ts';

// ---- Letters (表决票) ---------------------------------------------------------------------------------

export interface LetterOption {
  key: string;
  name: string;
  colorHex: string | null;
  colorCode: string | null;
}

export interface LetterMatter {
  key: string;
  title: string;
  description: string;
  category: CategoryValue;
  kind: 'yes_no' | 'options';
  thresholdZh: string;
  thresholdEn: string;
  options: LetterOption[];
}

export interface CostPlan {
  costFen: number;
  subsidyFen: number;
  coefficients: Record<string, string>;
}

export interface LetterVote {
  id: string;
  title: string;
  description: string;
  noticeDate: string | null;
  opensAt: string;
  closesAt: string;
  scope: VoteScope | null;
  nonVoters: 'strict' | 'deemed_majority';
  consequenceZh: string;
  consequenceEn: string;
  proxies: { allowed: boolean; cap: number };
  matters: LetterMatter[];
  costPlan: CostPlan | null;
}

export interface LetterPart {
  partId: string;
  building: string;
  entrance: string | null;
  floor: number | null;
  areaCents: number;
}

export interface Letter {
  party: string;
  parts: LetterPart[];
  areaCents: number;
  code: string;
  url: string;
  shareFen: number | null;
}

export interface IssuedLetters {
  vote: LetterVote;
  letters: Letter[];
}

export interface LetterStatus {
  letters: { party: string; partIds: string[]; issuedAt: string; usedAt: string | null }[];
  parties: number;
  issued: number;
}

export interface LetterSignIn {
  token: string;
  estateId: string;
  voteId: string;
  party: string;
  /** Not in docs/quorum.md; read from the token itself when absent. */
  expiresAt?: string;
}

// ---- Proxies (委托) -----------------------------------------------------------------------------------

export interface ProxyRecorded {
  id: string;
  party: string;
  partIds: string[];
  holder: string;
  seq: number;
  code: string;
  url: string;
}

export interface ProxyRow {
  party: string;
  partIds: string[];
  holder: string;
  seq: number;
  at: string;
  voted: boolean;
}

export interface ProxyList {
  cap: number;
  allowed: boolean;
  proxies: ProxyRow[];
}

// ---- Reconciliation (对账) ----------------------------------------------------------------------------

export interface ReconFigures {
  parties: number;
  lettersIssued: number;
  served: number;
  online: number;
  paper: number;
  proxy: number;
  voted: number;
  notVoted: number;
  paperReturned: number;
  paperCounted: number;
  paperRejected: number;
  paperPending: number;
  onlineRejected: number;
  unexplained: number;
  ledger: { online: number; paper: number; proxy: number; agrees: boolean };
}

export interface ReconRow extends ReconFigures {
  building: string;
}

export interface InvalidBallot {
  seq: number;
  building: string;
  partIds: string[];
  channel: string;
  reason: string;
}

export interface PendingEntry {
  partId: string;
  status: 'awaiting_second_entry' | 'mismatch';
}

export interface Reconciliation {
  buildings: ReconRow[];
  total: ReconFigures;
  invalid: InvalidBallot[];
  pending: PendingEntry[];
}

/** The figure columns of the count sheet, in print order. */
export const RECON_COLUMNS = [
  'parties',
  'lettersIssued',
  'served',
  'online',
  'paper',
  'proxy',
  'voted',
  'notVoted',
  'paperReturned',
  'paperCounted',
  'paperRejected',
  'paperPending',
  'onlineRejected',
  'unexplained',
] as const satisfies readonly (keyof ReconFigures)[];

function figures(x: Partial<ReconFigures> | undefined | null): ReconFigures {
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const l = (x?.ledger ?? {}) as Partial<ReconFigures['ledger']>;
  return {
    parties: n(x?.parties),
    lettersIssued: n(x?.lettersIssued),
    served: n(x?.served),
    online: n(x?.online),
    paper: n(x?.paper),
    proxy: n(x?.proxy),
    voted: n(x?.voted),
    notVoted: n(x?.notVoted),
    paperReturned: n(x?.paperReturned),
    paperCounted: n(x?.paperCounted),
    paperRejected: n(x?.paperRejected),
    paperPending: n(x?.paperPending),
    onlineRejected: n(x?.onlineRejected),
    unexplained: n(x?.unexplained),
    ledger: { online: n(l.online), paper: n(l.paper), proxy: n(l.proxy), agrees: l.agrees !== false },
  };
}

/**
 * docs/quorum.md names the figures "per building and in total" but not the envelope; this reads
 * `{ buildings: [...], total }` (also `totals`, or the total as a row with building "total").
 */
export function readReconciliation(raw: unknown): Reconciliation {
  const r = (raw ?? {}) as Record<string, unknown>;
  const rows = (Array.isArray(r.buildings) ? r.buildings : Array.isArray(r.rows) ? r.rows : []) as (Partial<ReconRow> & { building?: string })[];
  const totalRow = rows.find((x) => x.building === 'total' || x.building === '*');
  const total = (r.total ?? r.totals ?? totalRow ?? null) as Partial<ReconFigures> | null;
  return {
    buildings: rows.filter((x) => x !== totalRow).map((x) => ({ building: String(x.building ?? ''), ...figures(x) })),
    total: figures(total),
    invalid: Array.isArray(r.invalid) ? (r.invalid as InvalidBallot[]) : [],
    pending: Array.isArray(r.pending) ? (r.pending as PendingEntry[]) : [],
  };
}

// ---- Outreach (包户) and reminders ---------------------------------------------------------------------

export interface Assignee {
  id: string;
  label: string;
}

export interface OutreachParty {
  party: string;
  partIds: string[];
  areaCents: number;
  served: boolean;
  assignee: Assignee | null;
  contactedAt: string | null;
  note: string;
}

export interface Outreach {
  buildings: { building: string; parties: OutreachParty[] }[];
  assignees: Assignee[];
}

export interface ReminderResult {
  parties: number;
  sent: number;
  optedOut: number;
  noPhone: number;
  skippedRecent: number;
}

// ---- Cost sharing (费用分摊) ----------------------------------------------------------------------------

export interface CostPreview {
  netFen: number;
  totalFen: number;
  units: { partId: string; floor: number; areaCents: number; coefficient: string; shareFen: number }[];
  floors: { floor: number; coefficient: string; units: number; areaCents: number; totalFen: number }[];
}

/** A cost plan handed from the cost-sharing page to the new-vote form (sessionStorage, this tab only). */
export interface CostPlanDraft {
  scope: VoteScope;
  plan: CostPlan;
}
export const COST_PLAN_DRAFT_KEY = 'linli.costPlanDraft';

export function saveCostPlanDraft(draft: CostPlanDraft) {
  try {
    sessionStorage.setItem(COST_PLAN_DRAFT_KEY, JSON.stringify(draft));
  } catch {
    /* private mode: the new-vote form starts without it */
  }
}

export function takeCostPlanDraft(): CostPlanDraft | null {
  try {
    const raw = sessionStorage.getItem(COST_PLAN_DRAFT_KEY);
    if (!raw) return null;
    const d = JSON.parse(raw) as CostPlanDraft;
    if (!d?.scope?.building || !Number.isInteger(d.plan?.costFen) || !Number.isInteger(d.plan?.subsidyFen)) return null;
    return d;
  } catch {
    return null;
  }
}

export function clearCostPlanDraft() {
  try {
    sessionStorage.removeItem(COST_PLAN_DRAFT_KEY);
  } catch {
    /* ignore */
  }
}

// ---- Money: integer fen, never floats ------------------------------------------------------------------

/** 1234567 → "12,345.67" (integer arithmetic only). */
export function fenPlain(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(fen));
  const yuan = Math.floor(abs / 100);
  const cents = abs % 100;
  const grouped = String(yuan).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${grouped}.${String(cents).padStart(2, '0')}`;
}

/** 1234567 → "¥12,345.67". */
export function fenText(fen: number): string {
  return `¥${fenPlain(fen)}`;
}

/**
 * Reads an amount of yuan as typed ("386000", "386,000.5", "¥ 1 200.00") into integer fen by
 * splitting the decimal text — never by multiplying a float. Null when it is not an amount with at
 * most two decimals, or too large to be exact.
 */
export function parseYuanToFen(input: string): number | null {
  const s = input.replace(/[¥￥,，\s]/g, '').replace(/元$/, '');
  const m = /^(\d{1,13})(?:\.(\d{0,2}))?$/.exec(s);
  if (!m) return null;
  const fen = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  return Number.isSafeInteger(fen) ? fen : null;
}

/** A coefficient as the server takes it: a non-negative decimal with at most four decimals. */
export function coefficientOk(text: string): boolean {
  return /^\d{1,9}(\.\d{1,4})?$/.test(text.trim());
}

// ---- Letter codes ----------------------------------------------------------------------------------------

export const LETTER_CODE_LENGTH = 12;

/**
 * What the letter-code box shows: upper case, only letters and digits, grouped XXXX-XXXX-XXXX.
 * Accepts lowercase, spaces and dashes, and a pasted `…/l/<code>` link.
 */
export function formatLetterCode(input: string): string {
  let raw = input.trim();
  const fromUrl = /\/l\/([^/?#\s]+)/i.exec(raw);
  if (fromUrl?.[1]) {
    try {
      raw = decodeURIComponent(fromUrl[1]);
    } catch {
      raw = fromUrl[1];
    }
  }
  const symbols = raw.toUpperCase().replace(/[^0-9A-Z]/g, '').slice(0, LETTER_CODE_LENGTH);
  return symbols.match(/.{1,4}/g)?.join('-') ?? '';
}

export function letterCodeComplete(formatted: string): boolean {
  return formatted.replace(/-/g, '').length === LETTER_CODE_LENGTH;
}

/**
 * When a letter token expires: the answer's `expiresAt`, else the JWT's `exp` claim, else a day
 * from now (the server refuses an expired token anyway; this only decides when the client forgets it).
 */
export function tokenExpiry(token: string, expiresAt?: string): string {
  if (expiresAt && !Number.isNaN(Date.parse(expiresAt))) return expiresAt;
  try {
    const payload = token.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '='));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    if (typeof exp === 'number') return new Date(exp * 1000).toISOString();
  } catch {
    /* not a JWT */
  }
  return new Date(Date.now() + 86_400_000).toISOString();
}

// ---- ID numbers (委托 holder) ------------------------------------------------------------------------------

/** Mainland resident ID: 17 digits and a check character (GB 11643), e.g. 11010519491231002X. */
export function residentIdOk(id: string): boolean {
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(id[i]) * weights[i]!;
  return '10X98765432'[sum % 11] === id[17];
}

/** What is sent as the holder's ID number: no spaces, upper case (the server keeps only a keyed hash). */
export function normalizeIdNumber(input: string): string {
  return input.replace(/[\s-]/g, '').toUpperCase();
}

// ---- Roles ------------------------------------------------------------------------------------------------

/** My roles in this estate (a platform admin acts as organizer). */
export function rolesIn(me: Me | null, estateId: string): string[] {
  if (!me) return [];
  const roles = me.roles.filter((r) => r.estateId === estateId).map((r) => r.role);
  if (me.user.isAdmin && !roles.includes('organizer')) roles.push('organizer');
  return roles;
}

export function hasRole(me: Me | null, estateId: string, ...wanted: string[]): boolean {
  const mine = rolesIn(me, estateId);
  return wanted.some((r) => mine.includes(r));
}

/** Bilingual fields of the letters API (`thresholdZh` / `thresholdEn`) in the reader's language. */
export function zhEn(zh: string | null | undefined, en: string | null | undefined): string {
  return (lang.value === 'zh' ? zh || en : en || zh) ?? '';
}

/** SHA-256 of a file, computed in the browser (the file itself is never uploaded). */
export async function sha256File(file: File): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
