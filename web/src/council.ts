/**
 * Council sessions (理事会 / 议事会): the shapes of the HTTP answers and of the live state (shared
 * with the server's types), and small helpers the room, the projector and the minutes share.
 */
import { computed, onBeforeUnmount, ref } from 'vue';
import type { Action, HandKind, Motion, Poll, Role, SessionState } from '../../src/domain/deliberation/session.ts';
import type { SessionPush } from '../../src/realtime/protocol.ts';
import { t, type MessageKey } from './i18n.ts';

export type { Action, HandKind, Motion, Poll, Role, SessionPush, SessionState };

const enc = encodeURIComponent;
export const sessionsBase = (estateId: string) => `/api/estates/${enc(estateId)}/sessions`;
export const sessionBase = (estateId: string, id: string) => `${sessionsBase(estateId)}/${enc(id)}`;
export const councilsUrl = (estateId: string) => `/api/estates/${enc(estateId)}/councils`;

export type SessionStatus = 'scheduled' | 'live' | 'ended' | 'published';

export interface SessionListItem {
  id: string;
  councilId: string;
  title: string;
  scheduledAt: string;
  status: SessionStatus;
  items: number;
}

export interface AgendaItemView {
  id: string;
  title: string;
  description: string;
  minutes: number;
}

export interface SessionView {
  id: string;
  councilId: string;
  title: string;
  scheduledAt: string;
  status: SessionStatus;
  agenda: AgendaItemView[];
  members: { userId: string; role: 'chair' | 'member'; name: string }[];
  myRole: Role | null;
  state: SessionState;
  people: Record<string, string>;
  minutes: string | null;
  publishedAt: string | null;
}

export interface Council {
  id: string;
  name: string;
  neighbourhoodId: string | null;
  members: { userId: string; displayName: string; role: 'chair' | 'member' }[];
}

export const HAND_KINDS: HandKind[] = ['pro', 'contra', 'order'];

export function sessionStatusLabel(s: string): string {
  const key = `council.status.${s}` as MessageKey;
  return t(key) === key ? s : t(key);
}

export function sessionTone(s: string): 'green' | 'blue' | 'orange' | 'grey' | 'red' {
  if (s === 'live') return 'green';
  if (s === 'scheduled') return 'blue';
  if (s === 'published') return 'grey';
  return 'orange';
}

/** 赞成 / 反对 / 程序问题 (and 主持人指定 for a floor given without a raised hand). */
export function handLabel(kind: string): string {
  const key = `council.hand.${kind}` as MessageKey;
  return t(key) === key ? kind : t(key);
}

export function motionStatusLabel(s: string): string {
  const key = `council.motion.status.${s}` as MessageKey;
  return t(key) === key ? s : t(key);
}

/** Poll options: the default yes / no / abstain are shown in words; the chair's own options as typed. */
export function optionLabel(o: string): string {
  if (o === 'yes' || o === 'no' || o === 'abstain') return t(`choice.${o}` as MessageKey);
  return o;
}

/** Counts of each option of a poll (every vote recorded; only members present can vote). */
export function pollCounts(p: Pick<Poll, 'options' | 'votes'>): { option: string; n: number }[] {
  const counts = new Map(p.options.map((o) => [o, 0]));
  for (const v of Object.values(p.votes)) counts.set(v, (counts.get(v) ?? 0) + 1);
  return p.options.map((o) => ({ option: o, n: counts.get(o) ?? 0 }));
}

export function motionCounts(m: Pick<Motion, 'votes'>): { yes: number; no: number; abstain: number } {
  const v = Object.values(m.votes);
  return { yes: v.filter((x) => x === 'yes').length, no: v.filter((x) => x === 'no').length, abstain: v.filter((x) => x === 'abstain').length };
}

/** 3:05, 12:00, 1:02:03 (negative values are shown without sign; callers add “+” for overtime). */
export function clockText(totalSec: number): string {
  const s = Math.max(0, Math.floor(Math.abs(totalSec)));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/**
 * The server's clock, for timers: every push carries `serverTime`; the offset to this phone's clock
 * is kept, and `now` ticks twice a second on the server's time (a phone set five minutes wrong still
 * shows the right speaking time).
 */
export function useServerClock() {
  const offset = ref(0);
  const local = ref(Date.now());
  const timer = setInterval(() => (local.value = Date.now()), 500);
  onBeforeUnmount(() => clearInterval(timer));
  const now = computed(() => local.value + offset.value);
  function sync(serverTime: string | undefined) {
    const at = serverTime ? Date.parse(serverTime) : NaN;
    if (Number.isFinite(at)) offset.value = at - Date.now();
    local.value = Date.now();
  }
  return { now, sync };
}

export type TimerTone = 'normal' | 'warn' | 'over';

/** The speaker's clock: time left (negative when over), orange in the last 30 s, red when over. */
export function speakingTimer(floor: SessionState['floor'], now: number): { left: number; tone: TimerTone; text: string } | null {
  if (!floor) return null;
  const elapsed = Math.max(0, (now - Date.parse(floor.since)) / 1000);
  const left = floor.limitSec - elapsed;
  const tone: TimerTone = left < 0 ? 'over' : left <= 30 ? 'warn' : 'normal';
  return { left, tone, text: left < 0 ? `+${clockText(-left)}` : clockText(Math.ceil(left)) };
}

/** The open item's clock: minutes used of its budget since it was opened. */
export function itemTimer(item: { openedAt: string | null; minutes: number } | null | undefined, now: number): { elapsedText: string; budgetText: string; tone: TimerTone; fraction: number } | null {
  if (!item?.openedAt) return null;
  const elapsed = Math.max(0, (now - Date.parse(item.openedAt)) / 1000);
  const budget = item.minutes * 60;
  const left = budget - elapsed;
  const tone: TimerTone = left < 0 ? 'over' : left <= 60 ? 'warn' : 'normal';
  return { elapsedText: clockText(elapsed), budgetText: clockText(budget), tone, fraction: budget > 0 ? Math.min(1, elapsed / budget) : 1 };
}

/** The person's name, or a short stand-in when the server sent none. */
export function nameOf(people: Record<string, string>, userId: string | null | undefined): string {
  if (!userId) return '—';
  return people[userId] ?? t('council.someone');
}
