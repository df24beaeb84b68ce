/**
 * Hand-built exports with proxies, window extensions and the consent of occupied parts
 * (docs/ledger.md §4.3, §4.4, §10.5), honest and tampered. test/unit/verify.test.ts checks the
 * reference verifier on each in-process; test/unit/independent-verifier.test.ts runs
 * scripts/verify-ledger.ts and the independent Java verifier on each and requires them to agree.
 */

import type { Json } from '../../src/domain/ledger/jcs.ts';
import type { StepId } from '../../src/domain/ledger/verify.ts';
import { buildExport, AUDITOR, CLERK_A, CLERK_B, CLOSES_AT, DEFAULT_EVENTS, editTally, ISSUED_AT, ISSUER, resum, ROSTER, seqsOf, utf8, type Built, type BuildOptions, type Event } from './ledger-builder.ts';

/** Proxy holders' opaque ids: 16 symbols of base32 (A–Z, 2–7). */
export const HOLDER_A = 'KQ3TZ7ABCD2EFGH4';
export const HOLDER_B = 'MZXW7YTBOI2DEMZV';
/** SHA-256 (hex) of the scan of a written authorization. */
export const AUTHORIZATION = 'cd'.repeat(32);

/** A `proxy` entry: `holder` may act for `party`; `fields` overrides the body (undefined drops a field). */
export function proxyEntry(party: string, holder = HOLDER_A, fields: Record<string, Json | undefined> = {}): Event {
  const body = Object.fromEntries(Object.entries({ party, holder, authorization_sha256: AUTHORIZATION, ...fields }).filter(([, v]) => v !== undefined));
  return { t: 'raw', type: 'proxy', body: body as Record<string, Json> };
}

/** An `extension` entry moving the window's end from `previous` to `closes`. */
export const extensionEntry = (previous: string, closes: string, reason = '业委会决定延长表决期限 The council extends the window'): Event => ({
  t: 'raw',
  type: 'extension',
  body: { previous_closes_at: previous, closes_at: closes, reason },
});

/**
 * DEFAULT_EVENTS with the ballots of `online` parties cast by their proxy holder online (a refused
 * one too) and those of `paper` parties by their holder on paper (one clerks' pair per party).
 */
export function byProxy(events: Event[], online: string[], paper: string[] = []): Event[] {
  return events.map((e): Event => {
    if ((e.t === 'ballot' || e.t === 'rejected') && online.includes(e.party)) return { ...e, byProxy: true };
    if (e.t === 'ballot' && paper.includes(e.party)) return { t: 'paper', matter: e.matter, party: e.party, choice: e.choice, nonce: `pair-${e.party}`, byProxy: true };
    return e;
  });
}

/** p3's holder votes online (seq 1 is p3's proxy), p4's on paper (seq 2). */
export const PROXY_EVENTS: Event[] = [proxyEntry('p3'), proxyEntry('p4'), ...byProxy(DEFAULT_EVENTS, ['p3'], ['p4'])];

/** DEFAULT_EVENTS with p5's m1 ballot on paper, received at `received_at`. */
const latePaper = (received_at: string): Event[] =>
  DEFAULT_EVENTS.map((e) => (e.t === 'ballot' && e.party === 'p5' && e.matter === 'm1' ? { t: 'paper', matter: 'm1', party: 'p5', choice: e.choice, fields: { received_at } } : e));

/** Parts whose owners must consent: p3's flat and p5's parking space, so p3 and p5 are required. */
export const OCCUPIED = ['1-201', 'P-07'];
/** p3 and p5 vote yes on m1: the consent on m1 is satisfied. */
const CONSENTING: Event[] = DEFAULT_EVENTS.map((e) => (e.t === 'ballot' && e.matter === 'm1' && (e.party === 'p3' || e.party === 'p5') ? { ...e, choice: 'yes' } : e));

type Consent = Record<string, { required: string[]; given: string[]; satisfied: boolean }>;
const consentOf = (entry: Record<string, Json>) => entry.consent as unknown as Consent;

export interface LedgerCase {
  name: string;
  build: () => Promise<Built>;
  /** Verify with the auditors' openings (sealed mode). */
  withOpenings?: boolean;
  /** The steps that must fail (empty: the export verifies). */
  fails: StepId[];
  /** The seqs each failing step must name. */
  seqs?: (built: Built) => Partial<Record<StepId, number[]>>;
  /** A pattern the reference verifier's failure details must match (checked in verify.test.ts). */
  detail?: RegExp;
}

const build = (opts: BuildOptions) => () => buildExport(opts);
const ballotSeq = (built: Built, party: string, matter: string) =>
  built.texts.findIndex((t) => {
    const e = JSON.parse(t) as Record<string, unknown>;
    return (e.type === 'ballot' || e.type === 'paper_ballot') && e.party === party && e.matter === matter;
  });

const BASE_CASES: LedgerCase[] = [
  // ---- proxies (§4.3)
  { name: 'proxy ballots online (p3, and a refused one) and on paper (p4), open mode', build: build({ events: PROXY_EVENTS }), fails: [] },
  { name: 'proxy ballots online and on paper, sealed, without openings', build: build({ secrecy: 'sealed', events: PROXY_EVENTS }), fails: [] },
  { name: 'proxy ballots online and on paper, sealed, with openings', build: build({ secrecy: 'sealed', events: PROXY_EVENTS }), withOpenings: true, fails: [] },
  {
    name: 'a proxy holder over the cap (a fourth party for holder A, cap 3)',
    build: build({
      events: [proxyEntry('p1'), proxyEntry('p2'), proxyEntry('p5', HOLDER_B), proxyEntry('p3'), proxyEntry('p4'), ...byProxy(DEFAULT_EVENTS, ['p1', 'p2', 'p3', 'p4', 'p5'])],
    }),
    fails: ['V9'],
    seqs: () => ({ V9: [5] }),
    detail: /^seq 5: holder KQ3TZ7ABCD2EFGH4 now holds proxies for 4 parties \(p1, p2, p3, p4\), more than the cap of 3$/,
  },
  {
    name: "a proxy ballot under another party's proxy (p3's m1 ballot names p4's proxy)",
    build: build({ events: [proxyEntry('p3'), proxyEntry('p4'), ...DEFAULT_EVENTS.map((e) => (e.t === 'ballot' && e.party === 'p3' && e.matter === 'm1' ? { ...e, byProxy: 2 } : e))] }),
    fails: ['V9'],
    seqs: (b) => ({ V9: [ballotSeq(b, 'p3', 'm1')] }),
    detail: /a proxy ballot of party "p3" needs "proxy", the seq of an earlier proxy entry of that party, not 2/,
  },
  {
    name: 'proxies although the rules do not allow them',
    build: build({ proxies: { allowed: false, cap: 3 }, events: PROXY_EVENTS }),
    fails: ['V9'],
    seqs: () => ({ V9: [1, 2] }),
    detail: /^seq 1: a proxy, but this vote's rules do not allow proxies/,
  },
  {
    name: "proxies when the manifest's rules.proxies is null",
    build: build({ proxies: null, events: PROXY_EVENTS }),
    fails: ['V9'],
    seqs: () => ({ V9: [1, 2] }),
    detail: /rules\.proxies is not \{allowed: boolean, cap: integer\}/,
  },
  {
    name: 'a second proxy for one party (by another holder)',
    build: build({ events: [proxyEntry('p3'), proxyEntry('p3', HOLDER_B), ...byProxy(DEFAULT_EVENTS, ['p3'])] }),
    fails: ['V9'],
    seqs: () => ({ V9: [2] }),
    detail: /^seq 2: a second proxy for party p3 \(the first is seq 1\)$/,
  },
  {
    name: 'proxy entries with a lowercase holder, an uppercase authorization hash, and a party not in the roster',
    build: build({
      events: [proxyEntry('p3', HOLDER_A.toLowerCase()), proxyEntry('p4', HOLDER_B, { authorization_sha256: AUTHORIZATION.toUpperCase() }), proxyEntry('p9', HOLDER_B), ...DEFAULT_EVENTS],
    }),
    fails: ['V8', 'V9'],
    seqs: () => ({ V8: [3], V9: [1, 2, 3] }),
    detail: /holder "kq3tz7abcd2efgh4" is not 16 symbols of base32/,
  },
  {
    name: 'a proxy field on an online ballot, and a proxy ballot without one',
    build: build({
      events: [
        proxyEntry('p1'),
        proxyEntry('p2'),
        ...DEFAULT_EVENTS.map((e) =>
          e.t === 'ballot' && e.matter === 'm1' && e.party === 'p1' ? { ...e, fields: { proxy: 1 } } : e.t === 'ballot' && e.matter === 'm1' && e.party === 'p2' ? { ...e, fields: { channel: 'proxy' } } : e,
        ),
      ],
    }),
    fails: ['V9'],
    seqs: (b) => ({ V9: [ballotSeq(b, 'p1', 'm1'), ballotSeq(b, 'p2', 'm1')] }),
    detail: /a ballot on channel "online" names a proxy \(1\); only channel "proxy" may/,
  },
  {
    name: 'a proxy and an extension after the close',
    build: build({ afterClose: [proxyEntry('p5'), extensionEntry(CLOSES_AT, '2025-06-08T00:00:00.000Z')] }),
    fails: ['V9'],
    seqs: (b) => ({ V9: [b.seqs.close + 1, b.seqs.close + 2] }),
    detail: /a proxy after the close at seq \d+ .* an extension after the close/,
  },

  // ---- window extensions (§4.4)
  {
    name: 'two extensions, the second continuing from the first in Beijing time',
    build: build({ events: [extensionEntry(CLOSES_AT, '2025-06-08T00:00:00.000Z'), extensionEntry('2025-06-08T08:00:00+08:00', '2025-06-10T00:00:00Z'), ...DEFAULT_EVENTS] }),
    fails: [],
  },
  {
    name: "extensions whose previous_closes_at is not the window's end (the manifest's, then the first extension's)",
    build: build({ events: [extensionEntry('2025-06-04T00:00:00.000Z', '2025-06-08T00:00:00.000Z'), extensionEntry(CLOSES_AT, '2025-06-10T00:00:00.000Z'), ...DEFAULT_EVENTS] }),
    fails: ['V9'],
    seqs: () => ({ V9: [1, 2] }),
    detail: / \| seq 2: the extension replaces the window's end 2025-06-05T00:00:00\.000Z, but the window then ended at 2025-06-08T00:00:00\.000Z \(closes_at "2025-06-08T00:00:00\.000Z" of the extension at seq 1\)$/,
  },
  {
    name: 'an extension that shortens the window',
    build: build({ events: [extensionEntry(CLOSES_AT, '2025-06-04T00:00:00.000Z'), ...DEFAULT_EVENTS] }),
    fails: ['V9'],
    seqs: () => ({ V9: [1] }),
    detail: /moves the window's end from 2025-06-05T00:00:00\.000Z to 2025-06-04T00:00:00\.000Z, which is not later/,
  },
  {
    name: 'an extension without a reason, or with times that are not times',
    build: build({ events: [extensionEntry(CLOSES_AT, '8 June 2025', ' '), ...DEFAULT_EVENTS] }),
    fails: ['V9'],
    seqs: () => ({ V9: [1] }),
    detail: /an extension without a reason/,
  },
  {
    name: 'a paper ballot received after the original close but before the extended close',
    build: build({ events: [extensionEntry(CLOSES_AT, '2025-06-08T00:00:00.000Z'), ...latePaper('2025-06-06T12:00:00.000Z')] }),
    fails: [],
  },
  {
    name: 'a paper ballot received after the original close, the window not extended',
    build: build({ events: latePaper('2025-06-06T12:00:00.000Z') }),
    fails: ['V9'],
    seqs: (b) => ({ V9: seqsOf(b, 'paper_ballot') }),
    detail: /after the window closed at 2025-06-05T00:00:00\.000Z: it must be refused/,
  },
  {
    name: 'a paper ballot received 1 ms after the extended close',
    build: build({ events: [extensionEntry(CLOSES_AT, '2025-06-08T00:00:00.000Z'), ...latePaper('2025-06-08T00:00:00.001Z')] }),
    fails: ['V9'],
    seqs: (b) => ({ V9: seqsOf(b, 'paper_ballot') }),
    detail: /after the window closed at 2025-06-08T00:00:00\.000Z \(as extended at seq 1\)/,
  },

  // ---- consent of occupied parts (§10.5)
  { name: 'consent satisfied on m1 (open)', build: build({ occupiedParts: OCCUPIED, events: CONSENTING }), fails: [] },
  { name: 'consent not satisfied (p3 votes no, p5 abstains; open)', build: build({ occupiedParts: OCCUPIED }), fails: [] },
  { name: 'consent not satisfied, sealed, without openings', build: build({ secrecy: 'sealed', occupiedParts: OCCUPIED }), fails: [] },
  { name: 'consent satisfied, sealed, with openings', build: build({ secrecy: 'sealed', occupiedParts: OCCUPIED, events: CONSENTING }), withOpenings: true, fails: [] },
  {
    name: 'a tampered satisfied flag (open)',
    build: async () => editTally(await buildExport({ occupiedParts: OCCUPIED }), (e) => (consentOf(e).m1.satisfied = true)),
    fails: ['V10'],
    seqs: (b) => ({ V10: [b.seqs.tally] }),
    detail: /matter m1: the consent differs from the recount \(satisfied\)/,
  },
  {
    name: 'a tampered satisfied flag (sealed, without openings)',
    build: async () => editTally(await buildExport({ secrecy: 'sealed', occupiedParts: OCCUPIED }), (e) => (consentOf(e).m1.satisfied = true)),
    fails: ['V10'],
    seqs: (b) => ({ V10: [b.seqs.tally] }),
    detail: /matter m1: consent: satisfied true does not follow from given and required/,
  },
  {
    // Without openings a consistent lie about who said yes cannot be seen: both required parties voted.
    name: 'consent claiming p3 and p5 said yes (sealed, without openings: undetectable)',
    build: async () => editTally(await buildExport({ secrecy: 'sealed', occupiedParts: OCCUPIED }), (e) => (consentOf(e).m1 = { required: ['p3', 'p5'], given: ['p3', 'p5'], satisfied: true })),
    fails: [],
  },
  {
    name: 'consent naming parties outside the required ones (sealed, without openings)',
    build: async () => editTally(await buildExport({ secrecy: 'sealed', occupiedParts: OCCUPIED }), (e) => (consentOf(e).m1 = { required: ['p3', 'p5'], given: ['p1', 'p3', 'p5'], satisfied: true })),
    fails: ['V10'],
    seqs: (b) => ({ V10: [b.seqs.tally] }),
    detail: /given \["p1","p3","p5"\] must list, in roster order and once each, required parties with a counted ballot/,
  },
  {
    name: 'consent claiming p3 and p5 said yes (sealed, with openings)',
    build: async () => editTally(await buildExport({ secrecy: 'sealed', occupiedParts: OCCUPIED }), (e) => (consentOf(e).m1 = { required: ['p3', 'p5'], given: ['p3', 'p5'], satisfied: true })),
    withOpenings: true,
    fails: ['V10'],
    seqs: (b) => ({ V10: [b.seqs.tally] }),
    detail: /matter m1: the consent differs from the recount \(given, satisfied\)/,
  },
  {
    name: 'consent naming a party without a counted ballot (sealed, without openings)',
    build: async () => {
      const events = DEFAULT_EVENTS.filter((e) => !(e.t === 'ballot' && e.party === 'p5' && e.matter === 'm1'));
      return editTally(await buildExport({ secrecy: 'sealed', occupiedParts: OCCUPIED, events }), (e) => (consentOf(e).m1 = { required: ['p3', 'p5'], given: ['p3', 'p5'], satisfied: true }));
    },
    fails: ['V10'],
    seqs: (b) => ({ V10: [b.seqs.tally] }),
    detail: /given \["p3","p5"\] must list, in roster order and once each, required parties with a counted ballot/,
  },
  {
    name: 'tally.json without the consent of the tally entry',
    build: async () =>
      editTally(
        await buildExport({ occupiedParts: OCCUPIED }),
        () => {},
        (json) => delete json.consent,
      ),
    fails: ['V10'],
    seqs: (b) => ({ V10: [b.seqs.tally] }),
    detail: /tally\.json's consent differs from the tally entry's/,
  },
  {
    name: 'a tally entry with consent although the manifest lists no occupied parts',
    build: async () => editTally(await buildExport(), (e) => (e.consent = { m1: { required: [], given: ['p1'], satisfied: true }, m2: { required: [], given: [], satisfied: true } })),
    fails: ['V10'],
    seqs: (b) => ({ V10: [b.seqs.tally] }),
    detail: /carries consent, but the manifest lists no occupied parts/,
  },
  {
    name: 'an occupied part that no roster party holds',
    build: build({ occupiedParts: ['1-201', '9-999'] }),
    fails: ['V8'],
    seqs: () => ({ V8: [0] }),
    detail: /occupied_parts names part "9-999", which no roster party holds/,
  },
];

// ---- credentials (§4.5) and the participation list (§11)

/** Seqs of the credentials a `credentials: true` export lists after setup (see ledger-builder.ts). */
const PARTY_INDEX = Object.fromEntries(ROSTER.map((p, i) => [p.id, i]));
export const CRED = {
  clerks: [1, 2] as const,
  auditor: 3,
  owner: (party: string) => 4 + PARTY_INDEX[party]!,
  letter: (party: string) => 4 + ROSTER.length + PARTY_INDEX[party]!,
};
const credEntry = (body: Record<string, Json>): Event => ({ t: 'raw', type: 'credential', body: { issuer: ISSUER, created_at: ISSUED_AT, ...body } });
const withCreds = (opts: BuildOptions) => () => buildExport({ credentials: true, ...opts });
/** DEFAULT_EVENTS with the ballot of `party` on `matter` changed by `fields`. */
const editBallot = (party: string, matter: string, fields: Record<string, Json | undefined>, events: Event[] = DEFAULT_EVENTS): Event[] =>
  events.map((e) => (e.t === 'ballot' && e.party === party && e.matter === matter ? { ...e, fields: { ...(e.fields ?? {}), ...fields } } : e));
/** p5's m1 ballot on paper (the letter), entered by the two clerks. */
const P5_ON_PAPER: Event[] = DEFAULT_EVENTS.map((e) => (e.t === 'ballot' && e.party === 'p5' && e.matter === 'm1' ? { t: 'paper', matter: 'm1', party: 'p5', choice: e.choice } : e));
const partyBallots = (b: Built, party: string) => b.texts.flatMap((t, seq) => ((JSON.parse(t) as Record<string, unknown>).type === 'ballot' && (JSON.parse(t) as Record<string, unknown>).party === party ? [seq] : []));

export const CREDENTIAL_CASES: LedgerCase[] = [
  { name: 'credentials: every ballot names its account, open mode', build: withCreds({}), fails: [] },
  {
    name: 'credentials: proxies online and on paper, a paper letter, a reissued letter, a revoked auditor and an objection, sealed',
    build: withCreds({
      secrecy: 'sealed',
      events: [
        { t: 'raw', type: 'revocation', body: { credential: CRED.auditor, reason: 'auditor role removed' } },
        credEntry({ kind: 'letter_reissue', party: 'p5', revokes: CRED.letter('p5') }),
        ...PROXY_EVENTS.map((e) => (e.t === 'ballot' && e.party === 'p5' && e.matter === 'm1' ? ({ t: 'paper', matter: 'm1', party: 'p5', choice: e.choice, fields: { credential: 15 } } as Event) : e)),
        { t: 'raw', type: 'objection', body: { party: 'p2', disputes: [] } },
      ],
    }),
    withOpenings: true,
    fails: [],
  },
  {
    name: 'credentials: a ballot that names no credential',
    build: withCreds({ events: editBallot('p2', 'm1', { credential: undefined }) }),
    fails: ['V12'],
    seqs: (b) => ({ V12: [ballotSeq(b, 'p2', 'm1')] }),
    detail: /names no credential/,
  },
  {
    name: "credentials: a ballot cast with another party's credential",
    build: withCreds({ events: editBallot('p2', 'm1', { credential: CRED.owner('p1') }) }),
    fails: ['V12'],
    seqs: (b) => ({ V12: [ballotSeq(b, 'p2', 'm1')] }),
    detail: /was cast for party "p2" with credential seq 4 of party "p1"/,
  },
  {
    name: 'credentials: ballots cast with a revoked credential',
    build: withCreds({ events: [{ t: 'raw', type: 'revocation', body: { credential: CRED.owner('p2'), reason: 'the account was closed' } }, ...DEFAULT_EVENTS] }),
    fails: ['V12'],
    seqs: (b) => ({ V12: partyBallots(b, 'p2') }),
    detail: /was cast with credential seq 5, revoked at seq 14/,
  },
  {
    name: 'credentials: a ballot naming a later entry, and one naming a letter for an online ballot… of the wrong kind (a clerk appointment)',
    build: withCreds({ events: editBallot('p3', 'm1', { credential: 30 }, editBallot('p4', 'm1', { credential: CRED.clerks[0] })) }),
    fails: ['V12'],
    seqs: (b) => ({ V12: [ballotSeq(b, 'p3', 'm1'), ballotSeq(b, 'p4', 'm1')].sort((x, y) => x - y) }),
    detail: /names credential 30, which is not the seq of an earlier credential entry/,
  },
  {
    // A channel that names an Object.prototype member: a failure, not a crash of the verifier.
    name: 'credentials: a ballot on channel "constructor"',
    build: withCreds({ events: editBallot('p2', 'm1', { channel: 'constructor' }) }),
    fails: ['V12'],
    seqs: (b) => ({ V12: [ballotSeq(b, 'p2', 'm1')] }),
    detail: /a ballot on channel "constructor" cannot be cast with a "phone_binding" credential/,
  },
  {
    name: "credentials: a paper ballot naming the auditor as a clerk, and one whose clerks are not its credentials' holders",
    build: withCreds({
      events: DEFAULT_EVENTS.map((e) =>
        e.t === 'ballot' && e.matter === 'm1' && e.party === 'p4'
          ? ({ t: 'paper', matter: 'm1', party: 'p4', choice: e.choice, fields: { clerk_credentials: [CRED.auditor, CRED.clerks[1]] } } as Event)
          : e.t === 'ballot' && e.matter === 'm1' && e.party === 'p5'
            ? ({ t: 'paper', matter: 'm1', party: 'p5', choice: e.choice, fields: { clerks: [CLERK_B, CLERK_A] } } as Event)
            : e,
      ),
    }),
    fails: ['V12'],
    seqs: (b) => ({ V12: seqsOf(b, 'paper_ballot') }),
    detail: new RegExp(`clerk 1's credential seq 3 is a "auditor" credential, not a clerk's|clerk "${CLERK_B}" is not the holder of credential seq 1`),
  },
  {
    name: "credentials: the owner's own ballot replaces their proxy holder's under \"final\" (owner_wins)",
    build: withCreds({
      events: [
        proxyEntry('p3'),
        ...DEFAULT_EVENTS.flatMap((e): Event[] =>
          e.t === 'ballot' && e.party === 'p3' && e.matter === 'm1' ? [{ ...e, byProxy: true }, { t: 'supersede', matter: 'm1', party: 'p3', reason: 'the owner voted' }, { t: 'ballot', matter: 'm1', party: 'p3', choice: 'no' }] : [e],
        ),
      ],
    }),
    fails: [],
  },
  {
    name: 'credentials: a proxy holder votes after the owner (owner_wins, last_counts)',
    build: withCreds({
      revision: 'last_counts',
      events: [proxyEntry('p3'), ...DEFAULT_EVENTS.flatMap((e): Event[] => (e.t === 'ballot' && e.party === 'p3' && e.matter === 'm1' ? [e, { t: 'supersede', matter: 'm1', party: 'p3' }, { t: 'ballot', matter: 'm1', party: 'p3', choice: 'no', byProxy: true }] : [e]))],
    }),
    fails: ['V12'],
    seqs: (b) => ({ V12: [b.texts.findIndex((t) => (JSON.parse(t) as Record<string, unknown>).channel === 'proxy' && (JSON.parse(t) as Record<string, unknown>).type === 'ballot')] }),
    detail: /a proxy holder's ballot after the owner's own ballot at seq \d+, which ended the proxy/,
  },
  {
    name: 'credentials: a credential after the close, a reissue that revokes nothing, an objection disputing another party’s ballot',
    build: withCreds({
      events: [credEntry({ kind: 'letter_reissue', party: 'p1' }), ...DEFAULT_EVENTS, { t: 'raw', type: 'objection', body: { party: 'p2', disputes: [24] } }],
      afterClose: [credEntry({ kind: 'letter', party: 'p1' })],
    }),
    fails: ['V12'],
    seqs: (b) => ({ V12: [14, b.seqs.close - 1, b.seqs.close + 1] }),
    detail: /a reissued letter must revoke the party's earlier letter/,
  },
  {
    name: 'credentials: malformed credential entries (unknown kind, a staff credential with a party, an issuer with a name)',
    build: withCreds({
      events: [credEntry({ kind: 'master_key', party: 'p1' }), credEntry({ kind: 'clerk', party: 'p1', holder: CLERK_A }), { t: 'raw', type: 'credential', body: { kind: 'letter', party: 'p2', issuer: '王主任', created_at: ISSUED_AT } }, ...DEFAULT_EVENTS],
    }),
    fails: ['V12'],
    seqs: () => ({ V12: [14, 15, 16] }),
    detail: /kind "master_key" is not a credential kind/,
  },
  {
    name: 'credentials: participation.jsonl leaves a household out',
    build: async () => {
      const built = await buildExport({ credentials: true });
      const text = new TextDecoder().decode(built.files.get('participation.jsonl'));
      built.files.set('participation.jsonl', utf8.encode(text.split('\n').filter((l) => !l.includes('"p2"')).join('\n')));
      resum(built.files);
      return built;
    },
    fails: ['V13'],
    seqs: (b) => ({ V13: [ballotSeq(b, 'p2', 'm1')] }),
    detail: /participation\.jsonl lacks .*"party":"p2"/,
  },
  {
    name: 'credentials: a log that declares credentials but whose export has no participation.jsonl',
    build: async () => {
      const built = await buildExport({ credentials: true });
      built.files.delete('participation.jsonl');
      built.files.delete('SHA256SUMS');
      resum(built.files);
      return built;
    },
    fails: ['V13'],
    seqs: () => ({ V13: [] }),
    detail: /participation\.jsonl is missing/,
  },
];

void AUDITOR;

export const LEDGER_CASES: LedgerCase[] = [...BASE_CASES, ...CREDENTIAL_CASES];
