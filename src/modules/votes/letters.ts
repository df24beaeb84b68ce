import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { ballotLetters, ballots, proxies, users, voteExtensions, votes } from '../../../db/schema/index.ts';
import type { Db } from '../../db.ts';
import type { Category } from '../../domain/tally/tally.ts';
import { thresholdText } from '../../domain/tally/wording.ts';
import type { EstateRules } from '../../domain/rules/settings.ts';
import { toBase64 } from '../../domain/ledger/hash.ts';
import { AppError } from '../../errors.ts';
import type { Keyring } from '../../keys.ts';
import { sha256Hex } from '../../keys.ts';
import { newLetterCode, normalizeInviteCode } from '../auth/codes.ts';
import { appendEntries, lockLog } from '../ledger/append.ts';
import { trackerOf } from '../ledger/receipts.ts';
import { costSharesOfVote, type CostPlan } from './costs.ts';
import { appendCredentials, letterRedeemed, partyCredentialsOfVote, votedParties } from '../credentials/service.ts';
import { beijingDate, mattersOf, voteRow } from './service.ts';
import { loadSnapshot, type RosterParty } from './snapshot.ts';

const DAY = 86_400_000;

const err = (code: 'CONFLICT' | 'VALIDATION_FAILED' | 'UNAUTHENTICATED', message: string, messageZh: string, field?: string) =>
  new AppError(code, message, field ? [{ field, message }] : undefined, messageZh);

/** Letters are printed and proxies recorded between the notice and the close. */
function assertNoticed(vote: { status: string; closedAt: Date | null }) {
  if (vote.status !== 'noticed' || vote.closedAt) throw err('CONFLICT', 'only between the notice and the close of the vote', '只能在公告发布后、投票结束前办理');
}

/** The consequence of not voting, printed on every letter when the 议事规则 has the non-voter rule. */
export function consequenceText(rules: EstateRules): { zh: string; en: string } {
  if (rules.nonVoters !== 'deemed_majority') {
    return { zh: '未投票的业主不计入参与表决人数。', en: 'Owners who do not vote are not counted as taking part.' };
  }
  return {
    zh: '按本小区议事规则：本表决票已送达而逾期未投票的，视为同意参与表决业主中的多数意见（同时公布未适用此规则的结果）。',
    en: 'Under this estate’s rules, an owner served with this letter who does not vote by the deadline is deemed to agree with the majority of those who voted (the result without this rule is published beside it).',
  };
}

async function letterVote(db: Db, vote: Awaited<ReturnType<typeof voteRow>>) {
  const rules = vote.rules as EstateRules;
  const matters = await mattersOf(db, vote.id);
  const cat = (c: string) => (c === 'consultation' ? 'consultation' : Number(c)) as Category;
  const consequence = consequenceText(rules);
  return {
    id: vote.id,
    title: vote.title,
    description: vote.description,
    noticeDate: vote.noticeDate,
    opensAt: vote.opensAt.toISOString(),
    closesAt: vote.closesAt.toISOString(),
    scope: vote.scope,
    nonVoters: rules.nonVoters,
    consequenceZh: consequence.zh,
    consequenceEn: consequence.en,
    proxies: rules.proxies,
    matters: matters.map((m) => ({
      key: m.key,
      title: m.title,
      description: m.description,
      category: m.category,
      kind: m.kind,
      thresholdZh: thresholdText(cat(m.category), 'zh'),
      thresholdEn: thresholdText(cat(m.category), 'en'),
      options: m.options.map((o) => ({ key: o.key, name: o.name, colorHex: o.colorHex, colorCode: o.colorCode })),
    })),
    costPlan: (vote.costPlan as CostPlan | null) ?? null,
  };
}

/**
 * Issues ballot letters: a fresh code for every party without one (or, with `reissue`, for the
 * parties of `parts`, or all), revoking earlier codes. Only the codes' hashes are stored, so the
 * answer is the one chance to print them.
 */
export async function issueLetters(
  db: Db,
  keys: Keyring,
  input: { estateId: string; voteId: string; userId: string; publicUrl: string; reissue: boolean; parts?: string[]; now: Date },
) {
  const vote = await voteRow(db, input.estateId, input.voteId);
  assertNoticed(vote);
  const snap = (await loadSnapshot(db, vote.id))!;
  let targets: RosterParty[] = snap.roster;
  if (input.parts?.length) {
    const ids = new Set<string>();
    for (const code of input.parts) {
      const party = snap.electorate.byPart.get(code);
      if (!party) throw err('VALIDATION_FAILED', `parts: ${code} is not in this vote's electorate`, `房号 ${code} 不在本次表决的业主名册中`, 'parts');
      ids.add(party.ref);
    }
    targets = snap.roster.filter((p) => ids.has(p.id));
  }
  const shares = await costSharesOfVote(db, vote);
  const floors = shares?.floorOf ?? new Map<string, number | null>();
  const issued = await db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    // One issuing at a time per vote, so two organizers never both print "the" codes.
    await lockLog(t, vote.id);
    const active = await t
      .select({ party: ballotLetters.party })
      .from(ballotLetters)
      .where(and(eq(ballotLetters.voteId, vote.id), eq(ballotLetters.kind, 'letter'), isNull(ballotLetters.revokedAt)));
    const has = new Set(active.map((a) => a.party));
    const todo = input.reissue ? targets : targets.filter((p) => !has.has(p.id));
    if (input.reissue && todo.length) {
      // A new code for a household that has voted could only be used to read or replace its
      // ballot (rules.md §7): never.
      const voted = await votedParties(t, vote.id, todo.filter((p) => has.has(p.id)).map((p) => p.id));
      if (voted.size) {
        const houses = todo.filter((p) => voted.has(p.id)).flatMap((p) => p.parts.map((x) => x.partId));
        throw err('CONFLICT', `parts: ${houses.join(', ')} ${voted.size === 1 ? 'has' : 'have'} already voted; a ballot letter is never reissued after the household voted`, `${houses.join('、')} 已经投票，投票后不能再换发表决票`, 'parts');
      }
      await t
        .update(ballotLetters)
        .set({ revokedAt: input.now })
        .where(and(eq(ballotLetters.voteId, vote.id), eq(ballotLetters.kind, 'letter'), isNull(ballotLetters.revokedAt), inArray(ballotLetters.party, todo.map((p) => p.id))));
    }
    // The letter each new one replaces, to name it on the log (`revokes`).
    const replaced = new Map((await partyCredentialsOfVote(t, vote.id, ['letter', 'letter_reissue'])).map((c) => [c.party!, c.seq]));
    const out: { party: RosterParty; code: string }[] = [];
    const logVote = { id: vote.id, estateId: vote.estateId, logOrigin: vote.logOrigin!, createdBy: vote.createdBy, noticedBy: vote.noticedBy };
    for (let i = 0; i < todo.length; i += 500) {
      const batch = todo.slice(i, i + 500).map((party) => ({ party, code: newLetterCode() }));
      const rows = await t
        .insert(ballotLetters)
        .values(batch.map((b) => ({ voteId: vote.id, party: b.party.id, kind: 'letter', codeHash: sha256Hex(normalizeInviteCode(b.code)), issuedBy: input.userId, issuedAt: input.now })))
        .returning({ id: ballotLetters.id, party: ballotLetters.party });
      await appendCredentials(
        t,
        keys,
        logVote,
        rows.map((r) => {
          const old = replaced.get(r.party);
          return { kind: old === undefined ? 'letter' : 'letter_reissue', party: r.party, letterId: r.id, issuerId: input.userId, issuedAt: input.now, revokes: old ?? null };
        }),
        input.now,
        { alert: true },
      );
      out.push(...batch);
    }
    return out;
  });
  return {
    vote: await letterVote(db, vote),
    letters: issued.map(({ party, code }) => ({
      party: party.id,
      parts: party.parts.map((x) => ({ partId: x.partId, building: x.building, entrance: x.entrance, floor: floors.get(x.partId) ?? null, areaCents: x.areaCents })),
      areaCents: party.areaCents,
      code,
      url: `${input.publicUrl.replace(/\/$/, '')}/l#${code}`,
      shareFen: shares ? party.parts.reduce((s, x) => s + (shares.byPart.get(x.partId) ?? 0), 0) : null,
    })),
  };
}

/** Letters of a vote, without codes: who has one, since when, whether it was used. */
export async function listLetters(db: Db, estateId: string, voteId: string) {
  const vote = await voteRow(db, estateId, voteId);
  const snap = await loadSnapshot(db, vote.id);
  const rows = await db
    .select()
    .from(ballotLetters)
    .where(and(eq(ballotLetters.voteId, voteId), eq(ballotLetters.kind, 'letter'), isNull(ballotLetters.revokedAt)))
    .orderBy(asc(ballotLetters.issuedAt));
  const byId = new Map((snap?.roster ?? []).map((p) => [p.id, p]));
  return {
    parties: snap?.roster.length ?? 0,
    issued: rows.length,
    letters: rows.map((r) => ({ party: r.party, partIds: byId.get(r.party)?.parts.map((x) => x.partId) ?? [], issuedAt: r.issuedAt.toISOString(), usedAt: r.usedAt?.toISOString() ?? null })),
  };
}

/**
 * Signs in with a letter or proxy code. The first sign-in creates a user for the code, with no
 * role anywhere: the code admits it as an owner of this one vote only (see the access guard).
 * Later sign-ins with the same code reach the same user; the code stays usable until it is
 * revoked, so an owner can come back to the receipt.
 */
export async function redeemLetter(db: Db, rawCode: string, now: Date): Promise<{ userId: string; estateId: string; voteId: string; party: string }> {
  const codeHash = sha256Hex(normalizeInviteCode(rawCode));
  const invalid = () => err('UNAUTHENTICATED', 'this code is not valid (mistyped, or replaced by a newer letter)', '号码无效：可能输错了，或已换发新的表决票');
  return db.transaction(async (tx) => {
    const [letter] = await tx.select().from(ballotLetters).where(and(eq(ballotLetters.codeHash, codeHash), isNull(ballotLetters.revokedAt))).for('update');
    if (!letter) throw invalid();
    const [vote] = await tx.select({ estateId: votes.estateId }).from(votes).where(eq(votes.id, letter.voteId));
    if (!vote) throw invalid();
    let userId = letter.userId;
    if (!userId) {
      const [u] = await tx
        .insert(users)
        .values({ displayName: letter.kind === 'proxy' ? `受托人 ${letter.party}` : `表决票 ${letter.party}` })
        .returning({ id: users.id });
      userId = u!.id;
    }
    await tx.update(ballotLetters).set({ userId, usedAt: letter.usedAt ?? now }).where(eq(ballotLetters.id, letter.id));
    // First use: the credential on the log gets its holder, and the household is told.
    if (!letter.userId) await letterRedeemed(tx as unknown as Db, letter.id, userId, now);
    return { userId, estateId: vote.estateId, voteId: letter.voteId, party: letter.party };
  });
}

/** The opaque id a proxy holder has in one vote's log: 16 base32 symbols of a keyed hash. */
function holderRef(keys: Keyring, voteId: string, holderHash: string): string {
  const mac = keys.hash('proxy-holder', `${voteId}:${holderHash}`);
  return trackerOf(toBase64(Buffer.from(mac, 'hex'))).replace(/-/g, '');
}

/** Mainland resident ID numbers (18 characters, the last may be X) or other documents (6–32 letters/digits). */
export function normalizeIdNumber(input: string): string | null {
  const s = input.replace(/\s+/g, '').toUpperCase();
  return /^[0-9A-Z]{6,32}$/.test(s) ? s : null;
}

/**
 * Records a written proxy authorization (委托书) for a party: checks the 议事规则 (allowed, cap per
 * holder), appends the `proxy` entry and issues the holder's code, in one transaction under the
 * vote's log lock.
 */
export async function recordProxy(
  db: Db,
  keys: Keyring,
  input: { estateId: string; voteId: string; userId: string; publicUrl: string; partId: string; holderIdNumber: string; authorizationSha256: string; now: Date },
) {
  const vote = await voteRow(db, input.estateId, input.voteId);
  assertNoticed(vote);
  if (input.now >= vote.closesAt) throw err('CONFLICT', 'voting is closed', '投票已经结束');
  const rules = vote.rules as EstateRules;
  if (!rules.proxies.allowed) throw err('CONFLICT', 'proxies are not allowed by this estate’s rules', '本小区议事规则不允许委托投票');
  const id = normalizeIdNumber(input.holderIdNumber);
  if (!id) throw err('VALIDATION_FAILED', 'holderIdNumber: 6 to 32 letters or digits (an 18-character resident ID number)', '受托人证件号码格式不对', 'holderIdNumber');
  const snap = (await loadSnapshot(db, vote.id))!;
  const p = snap.electorate.byPart.get(input.partId);
  if (!p) throw err('VALIDATION_FAILED', `partId: ${input.partId} is not in this vote's electorate`, '该房号不在本次表决的业主名册中', 'partId');
  const party = snap.roster.find((r) => r.id === p.ref)!;
  const holderHash = keys.hash('proxy-holder', id);
  const ref = holderRef(keys, vote.id, holderHash);
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await lockLog(t, vote.id);
    const [fresh] = await t.select({ status: votes.status }).from(votes).where(eq(votes.id, vote.id));
    if (fresh!.status !== 'noticed') throw err('CONFLICT', 'voting is closed', '投票已经结束');
    const [existing] = await t.select({ id: proxies.id }).from(proxies).where(and(eq(proxies.voteId, vote.id), eq(proxies.party, party.id)));
    if (existing) throw err('CONFLICT', `partId: ${input.partId} already has a proxy on record`, '该户已经登记过委托', 'partId');
    const [voted] = await t.select({ id: ballots.id }).from(ballots).where(and(eq(ballots.voteId, vote.id), eq(ballots.party, party.id), eq(ballots.status, 'accepted'))).limit(1);
    if (voted) throw err('CONFLICT', `partId: ${input.partId} has already voted; a proxy is no longer needed`, '该户已经投票，无需再委托', 'partId');
    const [{ n }] = (await t.select({ n: sql<number>`count(*)::int` }).from(proxies).where(and(eq(proxies.voteId, vote.id), eq(proxies.holderHash, holderHash)))) as [{ n: number }];
    if (Number(n) >= rules.proxies.cap) {
      throw err('CONFLICT', `holderIdNumber: this holder already represents ${n} households; the cap is ${rules.proxies.cap}`, `该受托人已接受 ${n} 户委托，按议事规则每人最多 ${rules.proxies.cap} 户`, 'holderIdNumber');
    }
    const scan = input.authorizationSha256.toLowerCase();
    const [entry] = await appendEntries(t, { id: vote.id, logOrigin: vote.logOrigin! }, [{ type: 'proxy', body: { party: party.id, holder: ref, authorization_sha256: scan } }], input.now);
    const [row] = await t
      .insert(proxies)
      .values({ voteId: vote.id, party: party.id, holderHash, holderRef: ref, authorizationSha256: scan, seq: entry!.seq, recordedBy: input.userId, createdAt: input.now })
      .returning({ id: proxies.id });
    const code = newLetterCode();
    const [letter] = await t
      .insert(ballotLetters)
      .values({ voteId: vote.id, party: party.id, kind: 'proxy', codeHash: sha256Hex(normalizeInviteCode(code)), proxyId: row!.id, issuedBy: input.userId, issuedAt: input.now })
      .returning({ id: ballotLetters.id });
    // The holder's code is a credential of the party, naming the authorization it rests on.
    await appendCredentials(
      t,
      keys,
      { id: vote.id, estateId: vote.estateId, logOrigin: vote.logOrigin!, createdBy: vote.createdBy, noticedBy: vote.noticedBy },
      [{ kind: 'proxy', party: party.id, letterId: letter!.id, issuerId: input.userId, issuedAt: input.now, proxySeq: entry!.seq }],
      input.now,
      { alert: true },
    );
    return { id: row!.id, party: party.id, partIds: party.parts.map((x) => x.partId), holder: ref, seq: entry!.seq, code, url: `${input.publicUrl.replace(/\/$/, '')}/l#${code}` };
  });
}

/** Proxies of a vote with whether the principal has voted (by anyone). */
export async function listProxies(db: Db, estateId: string, voteId: string) {
  const vote = await voteRow(db, estateId, voteId);
  const snap = await loadSnapshot(db, vote.id);
  const rows = await db.select().from(proxies).where(eq(proxies.voteId, voteId)).orderBy(asc(proxies.seq));
  const voted = new Set(
    (await db.selectDistinct({ party: ballots.party }).from(ballots).where(and(eq(ballots.voteId, voteId), eq(ballots.status, 'accepted')))).map((r) => r.party),
  );
  const byId = new Map((snap?.roster ?? []).map((p) => [p.id, p]));
  const rules = vote.rules as EstateRules;
  return {
    allowed: rules.proxies.allowed,
    cap: rules.proxies.cap,
    proxies: rows.map((r) => ({ party: r.party, partIds: byId.get(r.party)?.parts.map((x) => x.partId) ?? [], holder: r.holderRef, seq: r.seq, at: r.createdAt.toISOString(), voted: voted.has(r.party) })),
  };
}

/**
 * Extends the voting window (rules.md §3: extensions are published with reasons): appends the
 * `extension` entry and moves the close, in one transaction under the log lock.
 */
export async function extendWindow(db: Db, input: { estateId: string; voteId: string; userId: string; closesAt: Date; reason: string; now: Date }) {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await lockLog(t, input.voteId);
    const vote = await voteRow(t, input.estateId, input.voteId);
    if (vote.status !== 'noticed' || vote.closedAt || input.now >= vote.closesAt) {
      throw err('CONFLICT', 'only a vote that has not closed yet can be extended', '投票已经结束，不能再延长');
    }
    if (input.closesAt <= vote.closesAt) throw err('VALIDATION_FAILED', `closesAt: must be later than the current close, ${vote.closesAt.toISOString()}`, `新的结束时间须晚于原定的 ${beijingDate(vote.closesAt)}`, 'closesAt');
    const rules = vote.rules as EstateRules;
    const days = (input.closesAt.getTime() - vote.opensAt.getTime()) / DAY;
    if (days > rules.windowMaxDays) {
      throw err('VALIDATION_FAILED', `closesAt: the window may last at most ${rules.windowMaxDays} days (议事规则)`, `投票期限最长 ${rules.windowMaxDays} 天`, 'closesAt');
    }
    const [entry] = await appendEntries(
      t,
      { id: vote.id, logOrigin: vote.logOrigin! },
      [{ type: 'extension', body: { closes_at: input.closesAt.toISOString(), previous_closes_at: vote.closesAt.toISOString(), reason: input.reason } }],
      input.now,
    );
    await t.insert(voteExtensions).values({ voteId: vote.id, previousClosesAt: vote.closesAt, closesAt: input.closesAt, reason: input.reason, seq: entry!.seq, createdBy: input.userId, createdAt: input.now });
    await t.update(votes).set({ closesAt: input.closesAt }).where(eq(votes.id, vote.id));
    return { closesAt: input.closesAt.toISOString(), previousClosesAt: vote.closesAt.toISOString(), seq: entry!.seq, title: vote.title };
  });
}

export async function extensionsOf(db: Db, voteId: string) {
  const rows = await db.select().from(voteExtensions).where(eq(voteExtensions.voteId, voteId)).orderBy(asc(voteExtensions.seq));
  return rows.map((r) => ({ closesAt: r.closesAt.toISOString(), previousClosesAt: r.previousClosesAt.toISOString(), reason: r.reason, seq: r.seq, at: r.createdAt.toISOString() }));
}
