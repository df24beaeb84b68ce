/**
 * Proposals (备选方案), opinions (意见) and consultations (意见征询): the shapes of their API
 * answers (hand-copied from the server) and small helpers the pages share.
 */
import { lang, t, type MessageKey } from './i18n.ts';
import type { Me } from './types.ts';

const enc = encodeURIComponent;

export const estateBase = (estateId: string) => `/api/estates/${enc(estateId)}`;
export const proposalsBase = (estateId: string) => `${estateBase(estateId)}/proposals`;
export const proposalBase = (estateId: string, id: string) => `${proposalsBase(estateId)}/${enc(id)}`;
export const consultationsBase = (estateId: string) => `${estateBase(estateId)}/consultations`;
export const consultationBase = (estateId: string, id: string) => `${consultationsBase(estateId)}/${enc(id)}`;
export const commentsBase = (estateId: string, type: TargetType, id: string) =>
  `${estateBase(estateId)}/${type === 'proposal' ? 'proposals' : 'consultations'}/${enc(id)}/comments`;
export const commentBase = (estateId: string, commentId: string) => `${estateBase(estateId)}/comments/${enc(commentId)}`;
export const attachmentUrl = (estateId: string, id: string) => `${estateBase(estateId)}/attachments/${enc(id)}`;

// ---- Proposals ----------------------------------------------------------------------------------

export type ProposalStatus = 'draft' | 'published' | 'closed' | 'converted';

export interface ProposalOption {
  key: string;
  name: string;
  colorHex: string | null;
  colorCode: string | null;
  description: string | null;
  attachmentId: string | null;
}

export interface ProposalListItem {
  id: string;
  status: ProposalStatus;
  title: string;
  version: number;
  publicEnd: string | null;
  options: number;
}

export interface ProposalView {
  id: string;
  status: ProposalStatus;
  publicStart: string | null;
  publicEnd: string | null;
  voteId: string | null;
  consultationId: string | null;
  current: { version: number; title: string; body: string; options: ProposalOption[]; attachmentIds: string[]; note: string; at: string };
  versions: { version: number; title: string; note: string; at: string }[];
  /** Facts of the files of the current version (type, name, size, SHA-256), without their bytes. */
  attachments?: Attachment[];
  supports: Supports;
  comments: number;
}

export interface Supports {
  count: number;
  threshold: number;
  reached: boolean;
  mine: boolean;
}

export interface DiffLine {
  op: 'same' | 'add' | 'del';
  text: string;
}

export interface DiffOption {
  key: string;
  name: string;
  colorHex?: string | null;
  colorCode?: string | null;
  description?: string | null;
}

export interface VersionDiff {
  from: number;
  to: number;
  diff: {
    title: { before: string; after: string } | null;
    body: DiffLine[];
    options: { added: DiffOption[]; removed: DiffOption[]; changed: { key: string; before: DiffOption; after: DiffOption }[]; reordered: boolean };
  };
}

export interface Attachment {
  id: string;
  sha256: string;
  size: number;
  mime: string;
  filename: string;
  url: string;
}

// ---- Comments -----------------------------------------------------------------------------------

export type TargetType = 'proposal' | 'consultation';
export type OpinionStatus = 'received' | 'answered' | 'adopted' | 'not_adopted';

export interface CommentView {
  id: string;
  parentId: string | null;
  author: string;
  mine: boolean;
  /** Null: hidden after reports or by the organizer, and not mine (staff still see the text). */
  body: string | null;
  hidden: boolean;
  hiddenReason: string | null;
  official: boolean;
  needsReply: boolean;
  status: OpinionStatus;
  statusReason: string | null;
  reports?: number;
  at: string;
}

export interface CommentThreadView extends CommentView {
  replies: CommentView[];
}

export interface OpinionsDashboard {
  counts: Record<OpinionStatus, number>;
  open: {
    id: string;
    targetType: TargetType;
    targetId: string;
    targetTitle: string;
    author: string;
    body: string | null;
    hidden: boolean;
    ageDays: number;
    at: string;
  }[];
}

export const OPINION_STATUSES: OpinionStatus[] = ['received', 'answered', 'adopted', 'not_adopted'];

export function opinionStatusLabel(s: string): string {
  const key = `op.status.${s}` as MessageKey;
  return t(key) === key ? s : t(key);
}

/** Opinions older than this many days are shown in red on the dashboard. */
export const OVERDUE_DAYS = 7;

// ---- Consultations ------------------------------------------------------------------------------

export type QuestionKind = 'single' | 'multiple' | 'ranking' | 'text';

export interface QuestionOption {
  key: string;
  name: string;
  colorHex?: string | null;
}

export interface Question {
  key: string;
  kind: QuestionKind;
  title: string;
  required: boolean;
  options: QuestionOption[];
}

export type AnswerValue = string | string[];

export interface MyHousehold {
  household: string;
  building: string;
  entrance: string | null;
  answers: Record<string, AnswerValue> | null;
  updatedAt: string | null;
}

export interface ConsultationView {
  id: string;
  title: string;
  description: string;
  scope: { building: string; entrance?: string | null } | null;
  status: 'draft' | 'open' | 'closed';
  open: boolean;
  opensAt: string | null;
  closesAt: string;
  proposalId: string | null;
  questions: Question[];
  me: { households: MyHousehold[] };
}

export interface ConsultationListItem {
  id: string;
  title: string;
  status: 'draft' | 'open' | 'closed';
  open: boolean;
  closesAt: string;
  scope: { building: string; entrance?: string | null } | null;
}

export interface Coverage {
  total: { households: number; responded: number };
  buildings: { building: string; households: number; responded: number; entrances: { entrance: string | null; households: number; responded: number }[] }[];
  notReached: { building: string; entrances: { entrance: string | null; households: string[] }[] }[];
}

export interface BordaResult {
  scores: { option: string; points: number; exact: string }[];
  winner: string | null;
  ties: string[];
}

export interface IrvResult {
  rounds: { counts: { option: string; votes: number }[]; eliminated: string[]; eliminatedBy: 'votes' | 'borda' | 'order' | null }[];
  winner: string | null;
  exhausted: number[];
}

export interface QuestionResult {
  key: string;
  kind: QuestionKind;
  title: string;
  options?: QuestionOption[];
  counts?: Record<string, number>;
  answered?: number;
  borda?: BordaResult;
  irv?: IrvResult;
  ballots?: number;
  texts?: string[];
}

export interface ConsultationResults {
  id: string;
  title: string;
  status: string;
  responses: number;
  questions: QuestionResult[];
}

// ---- Inbox --------------------------------------------------------------------------------------

export interface InboxItem {
  id: string;
  estateId: string;
  kind: string;
  title: string;
  body: string;
  link: string;
  read: boolean;
  at: string;
}

export interface Inbox {
  unread: number;
  items: InboxItem[];
}

// ---- Roles --------------------------------------------------------------------------------------

/** My roles in one estate (a platform admin counts as organizer everywhere). */
export function rolesIn(me: Me | null, estateId: string): string[] {
  if (!me) return [];
  const roles = me.roles.filter((r) => r.estateId === estateId).map((r) => r.role);
  if (me.user.isAdmin && !roles.includes('organizer')) roles.push('organizer');
  return roles;
}

export const isOrganizerIn = (me: Me | null, estateId: string) => rolesIn(me, estateId).includes('organizer');
/** Staff see drafts, coverage and results before close: every role but owner and resident. */
export const isStaffIn = (me: Me | null, estateId: string) => rolesIn(me, estateId).some((r) => r !== 'owner' && r !== 'resident');
export const OPINION_DASHBOARD_ROLES = ['organizer', 'clerk', 'chair'];
export const COVERAGE_ROLES = ['organizer', 'clerk', 'chair', 'council_member'];

// ---- Small helpers ------------------------------------------------------------------------------

export const HEX = /^#[0-9A-Fa-f]{6}$/;

/** Keys A, B, C … for new options (the server wants letters, digits, - or _). */
export function letterKey(i: number): string {
  return i < 26 ? String.fromCharCode(65 + i) : `O${i + 1}`;
}

/** Keys that are still free for a new option, given the ones in use. */
export function nextKey(used: string[]): string {
  for (let i = 0; i < 60; i++) {
    const k = letterKey(i);
    if (!used.includes(k)) return k;
  }
  return `O${Date.now() % 100000}`;
}

export function bytesText(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** "3 天前" / "3 days ago"; "今天" for the same day. */
export function ageText(days: number): string {
  if (days <= 0) return t('op.today');
  return t('op.daysAgo', { n: days });
}

export function questionKindLabel(k: QuestionKind): string {
  return t(`cq.kind.${k}` as MessageKey);
}

/** "第 1 题" / "Question 1". */
export function questionNumber(i: number): string {
  return lang.value === 'zh' ? `第 ${i + 1} 题` : `Question ${i + 1}`;
}

export type Tone = 'green' | 'blue' | 'orange' | 'grey' | 'red';
export const proposalTone = (s: string): Tone => (s === 'published' ? 'green' : s === 'draft' ? 'orange' : s === 'converted' ? 'blue' : 'grey');
export const consultationTone = (s: string, open: boolean): Tone => (s === 'open' && open ? 'green' : s === 'draft' ? 'orange' : 'grey');
export function proposalStatusLabel(s: string): string {
  const key = `prop.status.${s}` as MessageKey;
  return t(key) === key ? s : t(key);
}
/** "进行中" only while it can be answered: an open consultation past its close time reads as ended. */
export function consultationStatusLabel(s: string, open: boolean): string {
  const eff = s === 'open' && !open ? 'closed' : s;
  const key = `cq.status.${eff}` as MessageKey;
  return t(key) === key ? s : t(key);
}
