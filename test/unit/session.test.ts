import { describe, expect, it } from 'vitest';
import { ActionRefused, apply, decide, initialState, minutesText, quorum, replay, type Action, type AgendaItem, type SessionEvent, type SessionState } from '../../src/domain/deliberation/session.ts';

const AGENDA: AgendaItem[] = [
  { id: 'i1', title: '电梯', description: '', minutes: 20 },
  { id: 'i2', title: '颜色', description: '', minutes: 10 },
];

/** Runs actions through decide + apply as the service does, returning the state and the events. */
function run(steps: [string, 'chair' | 'member' | 'observer', Action][]) {
  let state: SessionState = initialState(AGENDA);
  const events: SessionEvent[] = [];
  let n = 0;
  for (const [userId, role, action] of steps) {
    const d = decide(state, action, { userId, role, present: true }, () => `id${++n}`);
    const e = { seq: state.seq + 1, type: d.type, actorId: userId, payload: d.payload, at: new Date(Date.UTC(2026, 10, 21, 11, 0, events.length)).toISOString() };
    events.push(e);
    state = apply(state, e);
  }
  return { state, events };
}

describe('council session state', () => {
  it.each([
    [0, 0, false],
    [1, 2, false],
    [2, 3, true],
    [2, 4, false],
    [3, 4, true],
    [26, 50, true],
    [25, 50, false],
  ])('quorum: %i of %i members present → %s', (present, total, expected) => {
    expect(quorum(present, total)).toBe(expected);
  });

  it('keeps the queue first come, first served, with points of order ahead in their own order', () => {
    const { state } = run([
      ['c', 'chair', { type: 'session.start' }],
      ['a', 'member', { type: 'hand.raise', kind: 'pro' }],
      ['b', 'member', { type: 'hand.raise', kind: 'contra' }],
      ['x', 'member', { type: 'hand.raise', kind: 'order' }],
      ['d', 'member', { type: 'hand.raise', kind: 'pro' }],
      ['y', 'member', { type: 'hand.raise', kind: 'order' }],
    ]);
    expect(state.queue.map((q) => q.userId)).toEqual(['x', 'y', 'a', 'b', 'd']);
  });

  it('gives the floor from the queue and replays to the same state', () => {
    const { state, events } = run([
      ['c', 'chair', { type: 'session.start' }],
      ['c', 'chair', { type: 'item.open', itemId: 'i1' }],
      ['a', 'member', { type: 'hand.raise', kind: 'pro' }],
      ['c', 'chair', { type: 'floor.give', userId: 'a' }],
      ['c', 'chair', { type: 'poll.open', question: '同意吗？' }],
      ['a', 'member', { type: 'poll.vote', pollId: 'id1', choice: 'yes' }],
      ['c', 'chair', { type: 'poll.close', pollId: 'id1' }],
    ]);
    expect(state.floor).toMatchObject({ userId: 'a', kind: 'pro', limitSec: 180 });
    expect(state.queue).toEqual([]);
    expect(state.polls[0]).toMatchObject({ open: false, votes: { a: 'yes' }, itemId: 'i1' });
    expect(replay(AGENDA, events)).toEqual(state);
  });

  it.each<[string, [string, 'chair' | 'member' | 'observer', Action][], Action, 'chair' | 'member' | 'observer', RegExp]>([
    ['a member cannot start', [], { type: 'session.start' }, 'member', /only the chair/],
    ['an observer cannot raise a hand', [['c', 'chair', { type: 'session.start' }]], { type: 'hand.raise', kind: 'pro' }, 'observer', /only council members/],
    ['nothing happens before the start', [], { type: 'hand.raise', kind: 'pro' }, 'member', /not in progress/],
    ['one hand per person', [['c', 'chair', { type: 'session.start' }], ['a', 'member', { type: 'hand.raise', kind: 'pro' }]], { type: 'hand.raise', kind: 'contra' }, 'member', /already raised/],
    ['one open poll at a time', [['c', 'chair', { type: 'session.start' }], ['c', 'chair', { type: 'poll.open', question: 'q' }]], { type: 'poll.open', question: 'q2' }, 'chair', /close the open poll/],
    ['the proposer cannot second', [['c', 'chair', { type: 'session.start' }], ['a', 'member', { type: 'motion.propose', text: 'm' }]], { type: 'motion.second', motionId: 'id1' }, 'member', /cannot second/],
    ['unknown agenda item', [['c', 'chair', { type: 'session.start' }]], { type: 'item.open', itemId: 'nope' }, 'chair', /no such agenda item/],
    ['empty opinion', [['c', 'chair', { type: 'session.start' }]], { type: 'message.send', body: '   ' }, 'observer', /1 to 500/],
  ])('refuses: %s', (_name, before, action, role, message) => {
    const { state } = run(before);
    expect(() => decide(state, action, { userId: 'a', role, present: true }, () => 'id')).toThrow(ActionRefused);
    expect(() => decide(state, action, { userId: 'a', role, present: true }, () => 'id')).toThrow(message);
  });

  it('members not present cannot vote in a poll', () => {
    const { state } = run([
      ['c', 'chair', { type: 'session.start' }],
      ['c', 'chair', { type: 'poll.open', question: 'q' }],
    ]);
    expect(() => decide(state, { type: 'poll.vote', pollId: 'id1', choice: 'yes' }, { userId: 'a', role: 'member', present: false }, () => 'x')).toThrow(/present/);
  });

  it('carries a motion when yes outnumbers no, and hides a message after three reports', () => {
    const { state } = run([
      ['c', 'chair', { type: 'session.start' }],
      ['a', 'member', { type: 'motion.propose', text: '加装电梯' }],
      ['b', 'member', { type: 'motion.second', motionId: 'id1' }],
      ['a', 'member', { type: 'motion.vote', motionId: 'id1', choice: 'yes' }],
      ['b', 'member', { type: 'motion.vote', motionId: 'id1', choice: 'yes' }],
      ['d', 'member', { type: 'motion.vote', motionId: 'id1', choice: 'no' }],
      ['c', 'chair', { type: 'motion.close', motionId: 'id1' }],
      ['o', 'observer', { type: 'message.send', body: 'spam' }],
      ['a', 'member', { type: 'message.report', messageId: 'id2' }],
      ['b', 'member', { type: 'message.report', messageId: 'id2' }],
      ['d', 'member', { type: 'message.report', messageId: 'id2' }],
    ]);
    expect(state.motions[0]!.status).toBe('carried');
    expect(state.messages[0]!.hidden).toBe(true);
  });

  it('writes the minutes in Chinese only: poll answers, motion outcomes and labels', () => {
    let state: SessionState = initialState(AGENDA);
    const events: SessionEvent[] = [];
    let n = 0;
    const step = (userId: string, role: 'chair' | 'member', action: Action) => {
      const d = decide(state, action, { userId, role, present: true }, () => `id${++n}`);
      const e = { seq: state.seq + 1, type: d.type, actorId: userId, payload: d.payload, at: new Date(Date.UTC(2026, 10, 21, 11, 0, events.length)).toISOString() };
      events.push(e);
      state = apply(state, e);
    };
    step('c', 'chair', { type: 'session.start' });
    step('c', 'chair', { type: 'item.open', itemId: 'i1' });
    step('c', 'chair', { type: 'poll.open', question: '是否加装电梯？' });
    const pollId = state.polls[0]!.id;
    step('a', 'member', { type: 'poll.vote', pollId, choice: 'yes' });
    step('b', 'member', { type: 'poll.vote', pollId, choice: 'abstain' });
    step('c', 'chair', { type: 'poll.close', pollId });
    step('a', 'member', { type: 'motion.propose', text: '提交业主大会表决' });
    const motionId = state.motions[0]!.id;
    step('b', 'member', { type: 'motion.second', motionId });
    step('c', 'chair', { type: 'motion.withdraw', motionId });
    step('c', 'chair', { type: 'item.close' });
    step('c', 'chair', { type: 'session.end' });
    const names: Record<string, string> = { a: '张代表', b: '李代表', c: '王主持' };
    const text = minutesText('月度会议', AGENDA, events, (id) => names[id] ?? '—');
    expect(text.split('\n')[0]).toBe('会议纪要：月度会议');
    expect(text).toContain('表态：是否加装电梯？ → 同意 1 / 反对 0 / 弃权 1');
    expect(text).toContain('动议（张代表，附议 李代表）：提交业主大会表决 → 已撤回（赞成 0，反对 0）');
    expect(text).not.toMatch(/[A-Za-z]/);
  });
});
