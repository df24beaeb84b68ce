import { describe, expect, it } from 'vitest';
import { castBallotsOf, issuerReport, issuerReportLines, participationOf } from '../../src/domain/ledger/credentials.ts';
import { parseInstant } from '../../src/domain/ledger/verify.ts';

const ORG = 'organizer:ORGANIZERAAAAAAA';
const OTHER = 'organizer:OTHERORGAAAAAAAA';
const OPENS = '2026-03-17T00:00:00+08:00';

/** A small log: two letters before the window, one reissue and two clerks during it, ballots, an objection. */
const LOG: Record<string, unknown>[] = [
  { type: 'setup' },
  { type: 'credential', kind: 'clerk', holder: 'CLERKAAAAAAAAAAA', issuer: OTHER, created_at: '2026-03-01T02:00:00Z' },
  { type: 'credential', kind: 'letter', party: 'p1', issuer: ORG, created_at: '2026-03-02T02:00:00Z' },
  { type: 'credential', kind: 'letter', party: 'p2', issuer: ORG, created_at: '2026-03-02T02:00:00Z' },
  { type: 'credential', kind: 'letter_reissue', party: 'p2', revokes: 3, issuer: ORG, created_at: '2026-03-20T01:00:00Z' },
  { type: 'credential', kind: 'clerk', holder: 'CLERKBBBBBBBBBBB', issuer: ORG, created_at: '2026-03-20T01:00:00Z' },
  { type: 'credential', kind: 'clerk', holder: 'CLERKCCCCCCCCCCC', issuer: ORG, created_at: '2026-03-20T01:30:00Z' },
  // p2's reissued letter votes 23 h 59 min after it was made (within 24 h); p1's letter weeks later.
  { type: 'ballot', party: 'p2', channel: 'online', credential: 4, at: '2026-03-21T00:59:59.999Z' },
  { type: 'ballot', party: 'p1', channel: 'online', credential: 2, at: '2026-03-25T00:00:00Z' },
  // Two clerks appointed by ORG in the window (flagged), then a pair with OTHER's clerk (not).
  { type: 'paper_ballot', party: 'p3', channel: 'paper', credential: 2, clerks: ['CLERKBBBBBBBBBBB', 'CLERKCCCCCCCCCCC'], clerk_credentials: [5, 6], at: '2026-03-20T20:00:00Z' },
  { type: 'paper_ballot', party: 'p3', channel: 'paper', credential: 2, clerks: ['CLERKAAAAAAAAAAA', 'CLERKBBBBBBBBBBB'], clerk_credentials: [1, 5], at: '2026-03-22T00:00:00Z' },
  { type: 'objection', party: 'p2', disputes: [7] },
  { type: 'ballot_rejected', party: 'p1', channel: 'online', credential: 2, at: '2026-03-26T00:00:00Z' },
];

describe('the issuer report', () => {
  it('counts credentials per issuer before and after the window opened, quick uses (exactly 24 h excluded) and disputes', () => {
    const report = issuerReport(LOG, OPENS, parseInstant);
    expect(report.issuers).toEqual([
      { issuer: OTHER, kinds: { clerk: 1 }, before: 1, after: 0, usedWithin24h: 0, disputed: 0 },
      { issuer: ORG, kinds: { letter: 2, letter_reissue: 1, clerk: 2 }, before: 2, after: 3, usedWithin24h: 3, disputed: 1 },
    ]);
    expect(report.sameIssuerPairs).toEqual([9]);
    expect(report.objections).toBe(1);
    // 24 h to the nanosecond is no longer "within 24 h".
    const exact = LOG.map((e, i) => (i === 7 ? { ...e, at: '2026-03-21T01:00:00.000000000Z' } : e));
    expect(issuerReport(exact, OPENS, parseInstant).issuers[1]!.usedWithin24h).toBe(2);
  });

  it('prints one line per issuer, the objections and the flagged pairs', () => {
    expect(issuerReportLines(issuerReport(LOG, OPENS, parseInstant))).toEqual([
      'issuers: credentials created before / after the window opened, used to vote within 24 h, ballots disputed',
      `  ${OTHER}  before 1  after 0  within 24 h 0  disputed 0  (clerk 1)`,
      `  ${ORG}  before 2  after 3  within 24 h 3  disputed 1  (clerk 2, letter 2, letter_reissue 1)`,
      'objections: 1',
      'paper ballots entered by two clerks one issuer appointed during the window: seq 9',
    ]);
    expect(issuerReportLines(issuerReport([{ type: 'setup' }], OPENS, parseInstant))).toEqual([
      'issuers: credentials created before / after the window opened, used to vote within 24 h, ballots disputed',
      '  (no credential entries)',
      'objections: 0',
    ]);
  });
});

describe('the participation list', () => {
  it('lists the parties with a cast ballot in roster order, channels sorted, first ballot; refusals are not participation', () => {
    const roster = [
      { party: 'p1', parts: ['U1'] },
      { party: 'p2', parts: ['U2', 'U3'] },
      { party: 'p3', parts: ['U4'] },
      { party: 'p4', parts: ['U5'] },
    ];
    expect(participationOf(castBallotsOf(LOG), roster)).toEqual([
      { party: 'p1', parts: ['U1'], channels: ['online'], seq: 8, at: '2026-03-25T00:00:00Z' },
      { party: 'p2', parts: ['U2', 'U3'], channels: ['online'], seq: 7, at: '2026-03-21T00:59:59.999Z' },
      { party: 'p3', parts: ['U4'], channels: ['paper'], seq: 9, at: '2026-03-20T20:00:00Z' },
    ]);
  });
});
