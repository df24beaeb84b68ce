/**
 * Credentials on the ballot log (docs/ledger.md §4.5, rules.md §7): what they are, and the two
 * things derived from them that the verifier, the export and the service all compute the same
 * way — the participation list and the issuer report. Pure: entries in, plain values out.
 */

/** Credentials that cast a party's ballot. */
export const PARTY_CREDENTIAL_KINDS = ['invite', 'phone_binding', 'certificate_binding', 'letter', 'letter_reissue', 'proxy'] as const;
/** Appointments of the people who enter paper ballots and receive the openings. */
export const STAFF_CREDENTIAL_KINDS = ['clerk', 'auditor'] as const;
export const CREDENTIAL_KINDS = [...PARTY_CREDENTIAL_KINDS, ...STAFF_CREDENTIAL_KINDS] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];
export type PartyCredentialKind = (typeof PARTY_CREDENTIAL_KINDS)[number];

export const isPartyKind = (k: unknown): k is PartyCredentialKind => (PARTY_CREDENTIAL_KINDS as readonly unknown[]).includes(k);
export const isCredentialKind = (k: unknown): k is CredentialKind => (CREDENTIAL_KINDS as readonly unknown[]).includes(k);

/** The credential kinds each channel of a counted ballot may be cast with. */
export const KINDS_FOR_CHANNEL: Readonly<Record<'online' | 'paper' | 'proxy', readonly PartyCredentialKind[]>> = Object.freeze({
  online: ['invite', 'phone_binding', 'certificate_binding', 'letter', 'letter_reissue'],
  // A paper ballot is the printed ballot letter (表决票), signed and returned.
  paper: ['letter', 'letter_reissue'],
  proxy: ['proxy'],
});

/** An opaque reference: 16 symbols of RFC 4648 base32 (staff ids, holders). */
export const OPAQUE_REF = /^[A-Z2-7]{16}$/;
/** `<role>:<opaque ref>`, or `unknown` when the service has no record of who issued it. */
export const ISSUER_REF = /^(?:[a-z_]+:[A-Z2-7]{16}|unknown)$/;

/** Seconds in the "used to vote within 24 h of creation" column of the issuer report. */
export const QUICK_USE_SECONDS = 24 * 3600;

/** An instant, exactly: seconds since the epoch and nanoseconds within the second. */
export interface Instant {
  sec: number;
  nano: number;
}
const cmp = (a: Instant, b: Instant) => a.sec - b.sec || a.nano - b.nano;

type Obj = Record<string, unknown>;
const isStr = (v: unknown): v is string => typeof v === 'string';

/** One line of participation.jsonl: a party that took part, how and when (never its choice). */
export interface ParticipationLine {
  party: string;
  parts: string[];
  /** Sorted distinct channels of the party's `ballot` and `paper_ballot` entries. */
  channels: string[];
  /** Seq and `at` of the party's first `ballot` or `paper_ballot` entry. */
  seq: number;
  at: string;
}

/** A cast ballot as the participation list sees it: a `ballot` or `paper_ballot` entry. */
export interface CastBallot {
  seq: number;
  party: string;
  /** The entry's channel (`online`, `paper`, `proxy`). */
  channel: string;
  at: string;
}

/**
 * The participation list (参与表决名单): every roster party with at least one cast ballot, in
 * roster order, with its parts, the channels it used and its first ballot. Refused submissions
 * are not participation; superseded ballots were cast, so they are. `cast` in seq order.
 */
export function participationOf(cast: readonly CastBallot[], roster: readonly { party: string; parts: readonly string[] }[]): ParticipationLine[] {
  const first = new Map<string, CastBallot>();
  const channels = new Map<string, Set<string>>();
  for (const b of cast) {
    if (!first.has(b.party)) first.set(b.party, b);
    channels.set(b.party, (channels.get(b.party) ?? new Set()).add(b.channel));
  }
  return roster
    .filter((p) => first.has(p.party))
    .map((p) => ({ party: p.party, parts: [...p.parts], channels: [...channels.get(p.party)!].sort(), seq: first.get(p.party)!.seq, at: first.get(p.party)!.at }));
}

/** The cast ballots of a log's entries (null for an unparseable line), for {@link participationOf}. */
export function castBallotsOf(entries: readonly (Obj | null)[]): CastBallot[] {
  const out: CastBallot[] = [];
  entries.forEach((e, seq) => {
    if (!e || (e.type !== 'ballot' && e.type !== 'paper_ballot') || !isStr(e.party) || !isStr(e.channel)) return;
    out.push({ seq, party: e.party, channel: e.channel, at: isStr(e.at) ? e.at : '' });
  });
  return out;
}

export interface IssuerLine {
  issuer: string;
  /** Credentials per kind. */
  kinds: Record<string, number>;
  /** Created before the window opened / at or after it. */
  before: number;
  after: number;
  /** Credentials whose first counted ballot (or, for clerks, first paper ballot) came within 24 h of their creation. */
  usedWithin24h: number;
  /** Counted ballots cast with this issuer's credentials that an owner disputed (`objection`). */
  disputed: number;
}

export interface IssuerReport {
  issuers: IssuerLine[];
  /** Paper ballots entered by two clerks appointed by one issuer at or after the window opened. */
  sameIssuerPairs: number[];
  /** Number of `objection` entries. */
  objections: number;
}

/**
 * The issuer report: for each issuer, how many credentials it created before and after the
 * voting window opened, how many of them were used to vote within 24 hours of their creation,
 * and how many ballots cast with them were disputed. Times are the entries' own (`created_at` of
 * the credential, `at` of the ballot), compared exactly as instants; an unreadable time counts
 * as "after" and is never "within 24 h". Issuers in order of first appearance.
 *
 * @param parseTime RFC 3339 text → instant, or null (docs/ledger.md §1).
 */
export function issuerReport(entries: readonly (Obj | null)[], opensAt: string | null, parseTime: (t: string) => Instant | null): IssuerReport {
  const opens = opensAt ? parseTime(opensAt) : null;
  const creds = new Map<number, { issuer: string; created: Instant | null; kind: string }>();
  const lines = new Map<string, IssuerLine>();
  const firstUse = new Map<number, Instant | null>();
  const ballotCred = new Map<number, number[]>();
  const disputedSeqs = new Set<number>();
  const sameIssuerPairs: number[] = [];
  let objections = 0;
  const lineOf = (issuer: string) => {
    let l = lines.get(issuer);
    if (!l) lines.set(issuer, (l = { issuer, kinds: {}, before: 0, after: 0, usedWithin24h: 0, disputed: 0 }));
    return l;
  };
  entries.forEach((e, seq) => {
    if (!e) return;
    if (e.type === 'credential' && isStr(e.issuer) && isStr(e.kind)) {
      const created = isStr(e.created_at) ? parseTime(e.created_at) : null;
      creds.set(seq, { issuer: e.issuer, created, kind: e.kind });
      const l = lineOf(e.issuer);
      l.kinds[e.kind] = (l.kinds[e.kind] ?? 0) + 1;
      if (created !== null && opens !== null && cmp(created, opens) < 0) l.before++;
      else l.after++;
      return;
    }
    if (e.type === 'objection') {
      objections++;
      if (Array.isArray(e.disputes)) for (const s of e.disputes) if (typeof s === 'number') disputedSeqs.add(s);
      return;
    }
    if (e.type !== 'ballot' && e.type !== 'paper_ballot') return;
    const at = isStr(e.at) ? parseTime(e.at) : null;
    const used = [typeof e.credential === 'number' ? e.credential : null, ...(Array.isArray(e.clerk_credentials) ? e.clerk_credentials : [])].filter(
      (s): s is number => typeof s === 'number' && creds.has(s),
    );
    ballotCred.set(seq, typeof e.credential === 'number' && creds.has(e.credential) ? [e.credential] : []);
    for (const s of used) if (!firstUse.has(s)) firstUse.set(s, at);
    if (e.type === 'paper_ballot' && Array.isArray(e.clerk_credentials) && e.clerk_credentials.length === 2) {
      const [a, b] = e.clerk_credentials.map((s) => (typeof s === 'number' ? creds.get(s) : undefined));
      const inWindow = (c: typeof a) => !!c && (opens === null || c.created === null || cmp(c.created, opens) >= 0);
      if (a && b && a.issuer === b.issuer && inWindow(a) && inWindow(b)) sameIssuerPairs.push(seq);
    }
  });
  for (const [seq, at] of firstUse) {
    const c = creds.get(seq)!;
    if (at === null || c.created === null || cmp(at, c.created) < 0) continue;
    const limit = { sec: c.created.sec + QUICK_USE_SECONDS, nano: c.created.nano };
    if (cmp(at, limit) < 0) lineOf(c.issuer).usedWithin24h++;
  }
  for (const seq of disputedSeqs) for (const c of ballotCred.get(seq) ?? []) lineOf(creds.get(c)!.issuer).disputed++;
  return { issuers: [...lines.values()], sameIssuerPairs, objections };
}

/** The report as the verifiers print it (docs/ledger.md §12.1): the same lines in every implementation. */
export function issuerReportLines(report: IssuerReport): string[] {
  const out = ['issuers: credentials created before / after the window opened, used to vote within 24 h, ballots disputed'];
  if (!report.issuers.length) out.push('  (no credential entries)');
  for (const l of report.issuers) {
    const kinds = Object.keys(l.kinds)
      .sort()
      .map((k) => `${k} ${l.kinds[k]}`)
      .join(', ');
    out.push(`  ${l.issuer}  before ${l.before}  after ${l.after}  within 24 h ${l.usedWithin24h}  disputed ${l.disputed}  (${kinds})`);
  }
  out.push(`objections: ${report.objections}`);
  if (report.sameIssuerPairs.length) out.push(`paper ballots entered by two clerks one issuer appointed during the window: seq ${report.sameIssuerPairs.join(', ')}`);
  return out;
}
