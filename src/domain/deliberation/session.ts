/**
 * A council session as a fold of its events (pure). Actions are checked against the state before
 * their event is stored, so every stored event is valid, and any node (or the minutes) replays the
 * same meeting from them.
 */

export type HandKind = 'pro' | 'contra' | 'order';
export type Role = 'chair' | 'member' | 'observer';

export interface AgendaItem {
  id: string;
  title: string;
  description: string;
  minutes: number;
}

export interface SessionEvent {
  seq: number;
  type: string;
  actorId: string | null;
  payload: Record<string, unknown>;
  at: string;
}

export interface Poll {
  id: string;
  itemId: string | null;
  question: string;
  options: string[];
  open: boolean;
  votes: Record<string, string>;
  openedAt: string;
  closedAt: string | null;
}

export interface Motion {
  id: string;
  itemId: string | null;
  text: string;
  proposerId: string;
  seconderId: string | null;
  status: 'proposed' | 'voting' | 'carried' | 'failed' | 'withdrawn';
  votes: Record<string, 'yes' | 'no' | 'abstain'>;
  proposalId: string | null;
  at: string;
}

export interface Message {
  id: string;
  userId: string;
  body: string;
  hidden: boolean;
  reports: string[];
  at: string;
}

export interface SessionState {
  status: 'scheduled' | 'live' | 'ended';
  seq: number;
  items: { id: string; title: string; status: 'pending' | 'open' | 'closed'; openedAt: string | null; closedAt: string | null; minutes: number }[];
  currentItemId: string | null;
  queue: { userId: string; kind: HandKind; at: string }[];
  floor: { userId: string; kind: HandKind | 'chair'; since: string; limitSec: number } | null;
  polls: Poll[];
  motions: Motion[];
  messages: Message[];
  notes: string;
  attendance: Record<string, { firstJoin: string; present: boolean }>;
  startedAt: string | null;
  endedAt: string | null;
}

export const SPEAKING_LIMIT_SEC = 180;
export const HIDE_AFTER_REPORTS = 3;

export function initialState(agenda: AgendaItem[]): SessionState {
  return {
    status: 'scheduled',
    seq: -1,
    items: agenda.map((a) => ({ id: a.id, title: a.title, status: 'pending', openedAt: null, closedAt: null, minutes: a.minutes })),
    currentItemId: null,
    queue: [],
    floor: null,
    polls: [],
    motions: [],
    messages: [],
    notes: '',
    attendance: {},
    startedAt: null,
    endedAt: null,
  };
}

/** Actions a client may send; `id` fields of new things are assigned by the server. */
export type Action =
  | { type: 'session.start' }
  | { type: 'session.end' }
  | { type: 'item.open'; itemId: string }
  | { type: 'item.close' }
  | { type: 'hand.raise'; kind: HandKind }
  | { type: 'hand.lower' }
  | { type: 'floor.give'; userId: string; limitSec?: number }
  | { type: 'floor.end' }
  | { type: 'poll.open'; question: string; options?: string[] }
  | { type: 'poll.vote'; pollId: string; choice: string }
  | { type: 'poll.close'; pollId: string }
  | { type: 'motion.propose'; text: string }
  | { type: 'motion.second'; motionId: string }
  | { type: 'motion.vote'; motionId: string; choice: 'yes' | 'no' | 'abstain' }
  | { type: 'motion.close'; motionId: string }
  | { type: 'motion.withdraw'; motionId: string }
  | { type: 'message.send'; body: string }
  | { type: 'message.hide'; messageId: string }
  | { type: 'message.report'; messageId: string }
  | { type: 'notes.set'; text: string };

export class ActionRefused extends Error {
  constructor(
    message: string,
    readonly messageZh: string,
    readonly code: 'FORBIDDEN' | 'CONFLICT' | 'VALIDATION_FAILED' = 'CONFLICT',
  ) {
    super(message);
  }
}

const CHAIR_ONLY = new Set(['session.start', 'session.end', 'item.open', 'item.close', 'floor.give', 'floor.end', 'poll.open', 'poll.close', 'motion.close', 'message.hide', 'notes.set']);
const MEMBERS = new Set(['hand.raise', 'hand.lower', 'poll.vote', 'motion.propose', 'motion.second', 'motion.vote', 'motion.withdraw', 'message.report']);

/**
 * Checks an action by `actor` (with their role and presence) against the state and returns the
 * event payload to store, or throws ActionRefused with a reason in plain words.
 */
export function decide(state: SessionState, action: Action, actor: { userId: string; role: Role; present: boolean }, newId: () => string): { type: string; payload: Record<string, unknown> } {
  const refuse = (m: string, zh: string, code?: 'FORBIDDEN' | 'CONFLICT' | 'VALIDATION_FAILED') => {
    throw new ActionRefused(m, zh, code);
  };
  if (CHAIR_ONLY.has(action.type) && actor.role !== 'chair') refuse('only the chair can do this', '只有主持人可以操作', 'FORBIDDEN');
  if (MEMBERS.has(action.type) && actor.role === 'observer') refuse('only council members can do this', '只有议事代表可以操作', 'FORBIDDEN');
  const live = state.status === 'live';
  if (action.type !== 'session.start' && action.type !== 'notes.set' && !live) refuse('the session is not in progress', '会议未在进行中');
  switch (action.type) {
    case 'session.start':
      if (state.status !== 'scheduled') refuse('the session has already started', '会议已经开始');
      return { type: action.type, payload: {} };
    case 'session.end':
      return { type: action.type, payload: {} };
    case 'item.open': {
      const item = state.items.find((i) => i.id === action.itemId);
      if (!item) refuse('no such agenda item', '没有这个议程', 'VALIDATION_FAILED');
      if (item!.status === 'closed') refuse('this item is closed', '该议程已结束');
      return { type: action.type, payload: { itemId: action.itemId } };
    }
    case 'item.close':
      if (!state.currentItemId) refuse('no agenda item is open', '当前没有进行中的议程');
      return { type: action.type, payload: { itemId: state.currentItemId } };
    case 'hand.raise':
      if (!actor.present) refuse('join the session to ask for the floor', '请先进入会议室再举手');
      if (state.queue.some((q) => q.userId === actor.userId)) refuse('your hand is already raised', '您已经举手了');
      if (state.floor?.userId === actor.userId) refuse('you have the floor', '您正在发言');
      return { type: action.type, payload: { kind: action.kind } };
    case 'hand.lower':
      if (!state.queue.some((q) => q.userId === actor.userId)) refuse('your hand is not raised', '您没有举手');
      return { type: action.type, payload: {} };
    case 'floor.give': {
      const limitSec = action.limitSec ?? SPEAKING_LIMIT_SEC;
      if (!(limitSec >= 10 && limitSec <= 1800)) refuse('limitSec: 10 to 1800 seconds', '发言时间须在10秒到30分钟之间', 'VALIDATION_FAILED');
      return { type: action.type, payload: { userId: action.userId, limitSec } };
    }
    case 'floor.end':
      if (!state.floor) refuse('nobody has the floor', '当前没有人发言');
      return { type: action.type, payload: {} };
    case 'poll.open': {
      const options = action.options?.length ? action.options : ['yes', 'no', 'abstain'];
      if (new Set(options).size !== options.length || options.length < 2) refuse('options: at least two, all different', '选项至少两个且不能重复', 'VALIDATION_FAILED');
      if (state.polls.some((p) => p.open)) refuse('close the open poll first', '请先结束正在进行的表态');
      return { type: action.type, payload: { pollId: newId(), question: action.question, options, itemId: state.currentItemId } };
    }
    case 'poll.vote': {
      const poll = state.polls.find((p) => p.id === action.pollId);
      if (!poll || !poll.open) refuse('this poll is not open', '该表态未在进行中');
      if (!actor.present) refuse('only members present can vote', '只有在场的议事代表可以表态');
      if (!poll!.options.includes(action.choice)) refuse('choice: not one of the options', '请从选项中选择', 'VALIDATION_FAILED');
      return { type: action.type, payload: { pollId: action.pollId, choice: action.choice } };
    }
    case 'poll.close': {
      const poll = state.polls.find((p) => p.id === action.pollId);
      if (!poll || !poll.open) refuse('this poll is not open', '该表态未在进行中');
      return { type: action.type, payload: { pollId: action.pollId, result: tallyPoll(poll!) } };
    }
    case 'motion.propose':
      if (!actor.present) refuse('join the session to propose', '请先进入会议室');
      return { type: action.type, payload: { motionId: newId(), text: action.text, itemId: state.currentItemId } };
    case 'motion.second': {
      const m = state.motions.find((x) => x.id === action.motionId);
      if (!m || m.status !== 'proposed') refuse('this motion is not awaiting a seconder', '该动议不需要附议');
      if (m!.proposerId === actor.userId) refuse('the proposer cannot second their own motion', '提议人不能附议自己的动议');
      if (!actor.present) refuse('join the session to second', '请先进入会议室');
      return { type: action.type, payload: { motionId: action.motionId } };
    }
    case 'motion.vote': {
      const m = state.motions.find((x) => x.id === action.motionId);
      if (!m || m.status !== 'voting') refuse('this motion is not being voted on', '该动议未在表决中');
      if (!actor.present) refuse('only members present can vote', '只有在场的议事代表可以表决');
      return { type: action.type, payload: { motionId: action.motionId, choice: action.choice } };
    }
    case 'motion.close': {
      const m = state.motions.find((x) => x.id === action.motionId);
      if (!m || m.status !== 'voting') refuse('this motion is not being voted on', '该动议未在表决中');
      const yes = Object.values(m!.votes).filter((v) => v === 'yes').length;
      const no = Object.values(m!.votes).filter((v) => v === 'no').length;
      return { type: action.type, payload: { motionId: action.motionId, carried: yes > no, yes, no, abstain: Object.keys(m!.votes).length - yes - no } };
    }
    case 'motion.withdraw': {
      const m = state.motions.find((x) => x.id === action.motionId);
      if (!m || !['proposed', 'voting'].includes(m.status)) refuse('this motion cannot be withdrawn now', '该动议现在不能撤回');
      if (m!.proposerId !== actor.userId && actor.role !== 'chair') refuse('only the proposer can withdraw', '只有提议人可以撤回', 'FORBIDDEN');
      return { type: action.type, payload: { motionId: action.motionId } };
    }
    case 'message.send': {
      const body = action.body.trim();
      if (!body || body.length > 500) refuse('body: 1 to 500 characters', '发言内容须为1到500字', 'VALIDATION_FAILED');
      return { type: action.type, payload: { messageId: newId(), body } };
    }
    case 'message.hide':
      if (!state.messages.some((m) => m.id === action.messageId)) refuse('no such message', '没有这条发言', 'VALIDATION_FAILED');
      return { type: action.type, payload: { messageId: action.messageId } };
    case 'message.report': {
      const m = state.messages.find((x) => x.id === action.messageId);
      if (!m) refuse('no such message', '没有这条发言', 'VALIDATION_FAILED');
      if (m!.reports.includes(actor.userId)) refuse('you have reported this already', '您已经举报过了');
      return { type: action.type, payload: { messageId: action.messageId } };
    }
    case 'notes.set':
      if (action.text.length > 20000) refuse('notes: at most 20,000 characters', '记录不能超过两万字', 'VALIDATION_FAILED');
      return { type: action.type, payload: { text: action.text } };
  }
}

/** Counts of a poll's choices among those who voted (the present members). */
export function tallyPoll(p: Pick<Poll, 'options' | 'votes'>): Record<string, number> {
  const counts = Object.fromEntries(p.options.map((o) => [o, 0]));
  for (const v of Object.values(p.votes)) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

/** Applies one stored event. The speaking queue is first come, first served, points of order first. */
export function apply(s: SessionState, e: SessionEvent): SessionState {
  return applyInPlace(structuredClone(s), e);
}

/** {@link apply} on a state the caller owns: changes it and returns it. */
function applyInPlace(st: SessionState, e: SessionEvent): SessionState {
  st.seq = e.seq;
  const p = e.payload as Record<string, any>;
  const actor = e.actorId ?? '';
  switch (e.type) {
    case 'presence.join':
      st.attendance[actor] = { firstJoin: st.attendance[actor]?.firstJoin ?? e.at, present: true };
      break;
    case 'presence.leave':
      if (st.attendance[actor]) st.attendance[actor]!.present = false;
      st.queue = st.queue.filter((q) => q.userId !== actor);
      break;
    case 'session.start':
      st.status = 'live';
      st.startedAt = e.at;
      break;
    case 'session.end':
      st.status = 'ended';
      st.endedAt = e.at;
      st.floor = null;
      st.queue = [];
      for (const poll of st.polls) if (poll.open) Object.assign(poll, { open: false, closedAt: e.at });
      for (const i of st.items) if (i.status === 'open') Object.assign(i, { status: 'closed', closedAt: e.at });
      st.currentItemId = null;
      break;
    case 'item.open':
      for (const i of st.items) if (i.status === 'open') Object.assign(i, { status: 'closed', closedAt: e.at });
      Object.assign(st.items.find((i) => i.id === p.itemId)!, { status: 'open', openedAt: e.at });
      st.currentItemId = p.itemId;
      break;
    case 'item.close':
      Object.assign(st.items.find((i) => i.id === p.itemId)!, { status: 'closed', closedAt: e.at });
      st.currentItemId = null;
      st.floor = null;
      break;
    case 'hand.raise': {
      const entry = { userId: actor, kind: p.kind as HandKind, at: e.at };
      if (p.kind === 'order') {
        const lastOrder = st.queue.map((q) => q.kind).lastIndexOf('order');
        st.queue.splice(lastOrder + 1, 0, entry);
      } else st.queue.push(entry);
      break;
    }
    case 'hand.lower':
      st.queue = st.queue.filter((q) => q.userId !== actor);
      break;
    case 'floor.give': {
      const fromQueue = st.queue.find((q) => q.userId === p.userId);
      st.queue = st.queue.filter((q) => q.userId !== p.userId);
      st.floor = { userId: p.userId, kind: fromQueue?.kind ?? 'chair', since: e.at, limitSec: p.limitSec };
      break;
    }
    case 'floor.end':
      st.floor = null;
      break;
    case 'poll.open':
      st.polls.push({ id: p.pollId, itemId: p.itemId ?? null, question: p.question, options: p.options, open: true, votes: {}, openedAt: e.at, closedAt: null });
      break;
    case 'poll.vote':
      st.polls.find((x) => x.id === p.pollId)!.votes[actor] = p.choice;
      break;
    case 'poll.close':
      Object.assign(st.polls.find((x) => x.id === p.pollId)!, { open: false, closedAt: e.at });
      break;
    case 'motion.propose':
      st.motions.push({ id: p.motionId, itemId: p.itemId ?? null, text: p.text, proposerId: actor, seconderId: null, status: 'proposed', votes: {}, proposalId: null, at: e.at });
      break;
    case 'motion.second':
      Object.assign(st.motions.find((m) => m.id === p.motionId)!, { seconderId: actor, status: 'voting' });
      break;
    case 'motion.vote':
      st.motions.find((m) => m.id === p.motionId)!.votes[actor] = p.choice;
      break;
    case 'motion.close':
      st.motions.find((m) => m.id === p.motionId)!.status = p.carried ? 'carried' : 'failed';
      break;
    case 'motion.withdraw':
      st.motions.find((m) => m.id === p.motionId)!.status = 'withdrawn';
      break;
    case 'motion.to_proposal':
      st.motions.find((m) => m.id === p.motionId)!.proposalId = p.proposalId;
      break;
    case 'message.send':
      st.messages.push({ id: p.messageId, userId: actor, body: p.body, hidden: false, reports: [], at: e.at });
      break;
    case 'message.hide':
      st.messages.find((m) => m.id === p.messageId)!.hidden = true;
      break;
    case 'message.report': {
      const m = st.messages.find((x) => x.id === p.messageId)!;
      m.reports.push(actor);
      if (m.reports.length >= HIDE_AFTER_REPORTS) m.hidden = true;
      break;
    }
    case 'notes.set':
      st.notes = p.text;
      break;
  }
  return st;
}

export function replay(agenda: AgendaItem[], events: SessionEvent[]): SessionState {
  // One fresh state, changed event by event. Folding with apply cloned the whole state for every
  // event, so a replay was quadratic: with a thousand people present (a join event each), every
  // push of a meeting copied a million attendance records. The result is copied once, so, as
  // before, it shares nothing the caller could change with the events' payloads.
  // Each payload is copied on its way in: the state takes objects from payloads and later events
  // change them in place, which must never reach the stored events a later replay reads again.
  const st = initialState(agenda);
  for (const e of events) applyInPlace(st, { ...e, payload: structuredClone(e.payload) });
  return structuredClone(st);
}

/** Quorum of a council meeting: more than half of its members present (议事规则 default). */
export function quorum(presentMembers: number, totalMembers: number): boolean {
  return totalMembers > 0 && 2 * presentMembers > totalMembers;
}

/** Words of the minutes for the default poll answers and motion outcomes (the minutes are a Chinese record). */
const POLL_WORDS: Record<string, string> = { yes: '同意', no: '反对', abstain: '弃权' };
const MOTION_WORDS: Record<Motion['status'], string> = { proposed: '已提出', voting: '表决中', carried: '通过', failed: '未通过', withdrawn: '已撤回' };

/**
 * The minutes as plain text, built from the events and the chair's notes (names resolved by the
 * caller). In Chinese only: the minutes are the council's record, read and filed in Chinese; the
 * pages around them switch language, the record does not.
 */
export function minutesText(title: string, agenda: AgendaItem[], events: SessionEvent[], name: (userId: string) => string): string {
  const st = replay(agenda, events);
  const hhmm = (iso: string | null) => (iso ? new Date(iso).toLocaleTimeString('zh-CN', { hour: '2-digit', minute: '2-digit', timeZone: 'Asia/Shanghai' }) : '—');
  const lines = [`会议纪要：${title}`, `开始 ${hhmm(st.startedAt)} · 结束 ${hhmm(st.endedAt)}`, ''];
  lines.push(`出席：${Object.keys(st.attendance).map(name).join('、') || '—'}`, '');
  for (const item of st.items) {
    lines.push(`■ ${item.title}（${hhmm(item.openedAt)}–${hhmm(item.closedAt)}）`);
    const speakers = events.filter((e) => e.type === 'floor.give' && itemAt(events, e.seq, agenda) === item.id).map((e) => name(String(e.payload.userId)));
    if (speakers.length) lines.push(`  发言：${speakers.join('、')}`);
    for (const poll of st.polls.filter((x) => x.itemId === item.id)) {
      lines.push(`  表态：${poll.question} → ${Object.entries(tallyPoll(poll)).map(([k, v]) => `${POLL_WORDS[k] ?? k} ${v}`).join(' / ')}`);
    }
    for (const m of st.motions.filter((x) => x.itemId === item.id)) {
      const yes = Object.values(m.votes).filter((v) => v === 'yes').length;
      const no = Object.values(m.votes).filter((v) => v === 'no').length;
      lines.push(`  动议（${name(m.proposerId)}${m.seconderId ? `，附议 ${name(m.seconderId)}` : ''}）：${m.text} → ${MOTION_WORDS[m.status] ?? m.status}（赞成 ${yes}，反对 ${no}）${m.proposalId ? ' → 已转为方案草稿' : ''}`);
    }
  }
  if (st.notes.trim()) lines.push('', '主持人记录：', st.notes.trim());
  return `${lines.join('\n')}\n`;
}

function itemAt(events: SessionEvent[], seq: number, agenda: AgendaItem[]): string | null {
  let current: string | null = null;
  for (const e of events) {
    if (e.seq > seq) break;
    if (e.type === 'item.open') current = String(e.payload.itemId);
    if (e.type === 'item.close' || e.type === 'session.end') current = null;
  }
  return agenda.some((a) => a.id === current) ? current : null;
}
