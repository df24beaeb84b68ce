import { randomUUID } from 'node:crypto';
import { and, asc, eq, isNull } from 'drizzle-orm';
import { persons, users } from '../../db/schema/index.ts';
import { bindPerson } from '../../src/modules/auth/service.ts';
import type { Deps } from '../../src/http/context.ts';
import type { Db } from '../../src/db.ts';
import { loadSnapshot } from '../../src/modules/votes/snapshot.ts';
import { signCheckpoint } from '../../src/modules/ledger/checkpoints.ts';
import { logSigner } from '../../src/modules/ledger/keys.ts';
import { beijingDate, castBallot, closeVote, createVote, finalizeVote, partiesOfUser, publishNotice } from '../../src/modules/votes/service.ts';

const DAY = 86_400_000;

export const PAINT_OPTIONS = [
  { key: 'A', name: '暖米色 Warm beige', colorHex: '#D8C3A5', colorCode: 'NCS S 1015-Y20R' },
  { key: 'B', name: '雾霾灰 Mist grey', colorHex: '#BFC5C9', colorCode: 'NCS S 2002-B' },
  { key: 'C', name: '砖红 Brick red', colorHex: '#A4493D', colorCode: 'NCS S 4040-Y80R' },
];

/** Every register person gets an account (as if each had signed in once), so demo ballots have voters. */
async function accountsForAll(deps: Pick<Deps, 'db' | 'keys'>, estateId: string) {
  const { db } = deps;
  const unbound = await db.select().from(persons).where(and(eq(persons.estateId, estateId), isNull(persons.userId)));
  for (const p of unbound) {
    await db.transaction(async (tx) => {
      const [u] = await tx.insert(users).values({ displayName: p.name ?? `业主 ${p.ref}` }).returning({ id: users.id });
      // As if each owner had signed in once with the phone number on the register.
      await bindPerson(tx as unknown as Db, deps.keys, { personId: p.id, userId: u!.id, via: 'phone', now: new Date() });
    });
  }
  // In register order, so the demo is the same on PGlite and PostgreSQL.
  return db.select({ userId: persons.userId, ref: persons.ref }).from(persons).where(eq(persons.estateId, estateId)).orderBy(asc(persons.ref));
}

/** A deterministic spread of choices so the demo results look like a real estate's. */
function pick<T>(i: number, weights: [T, number][]): T {
  const total = weights.reduce((s, [, w]) => s + w, 0);
  let x = (i * 37) % total;
  for (const [v, w] of weights) {
    if (x < w) return v;
    x -= w;
  }
  return weights[0]![0];
}

/**
 * Two demo votes: a closed and published one (2026 first assembly, more than 100 ballots, final
 * result) and an open paint-colour vote with some turnout, in which the demo owners have not voted.
 */
export async function seedDemoVotes(deps: Pick<Deps, 'db' | 'env' | 'keys'>, estateId: string, organizerId: string, skipRefs: string[], now = new Date()) {
  const { db, env } = deps;
  const signer = logSigner(deps.keys, env.publicUrl);
  const log = { publicUrl: env.publicUrl, vkey: signer.vkey, keys: deps.keys, userId: organizerId };
  const people = await accountsForAll(deps, estateId);
  const iso = (t: number) => new Date(t).toISOString();
  const t0 = now.getTime();

  // 1. Closed vote, seeded in one transaction: a running server's scheduler closes votes whose
  // window has ended, and must not see this one (its window is in the past) half-seeded.
  let closedId = '';
  let i = 0;
  // Demo owners first: they vote in the closed vote (so they hold receipts), not yet in the open one.
  const voters = [...people.filter((p) => p.userId && skipRefs.includes(p.ref)), ...people.filter((p) => p.userId && !skipRefs.includes(p.ref))];
  await db.transaction(async (tx) => {
    const tdb = tx as unknown as Db;
    const closed = await createVote(tdb, estateId, organizerId, {
      title: '2026年第一次业主大会 First owners’ assembly 2026',
      description: '续聘物业服务企业，并使用专项维修资金修缮屋面防水。',
      scope: null,
      opensAt: iso(t0 - 54 * DAY),
      closesAt: iso(t0 - 40 * DAY),
      matters: [
        { title: '续聘幸福物业服务有限公司（三年） Renew the property company for three years', description: '服务费标准不变。', category: '4', kind: 'yes_no', options: [] },
        { title: '使用专项维修资金修缮1–3栋屋面防水（预算 ¥386,000） Use the maintenance fund to repair roofs of buildings 1–3', description: '', category: '5', kind: 'yes_no', options: [] },
      ],
    });
    await publishNotice(tdb, log, estateId, closed.id, beijingDate(new Date(t0 - 70 * DAY)), new Date(t0 - 70 * DAY));
    await signCheckpoint(tdb, signer, closed.id, new Date(t0 - 70 * DAY));
    // Demo owners voted in the closed vote (so they hold receipts) and have not yet voted in the open one.
    const seenParties = new Set<string>();
    for (const v of voters) {
      const mine = await partiesOfUser(tdb, estateId, closed.id, v.userId!);
      const party = mine[0];
      if (!party || seenParties.has(party.id)) continue;
      seenParties.add(party.id);
      if (i >= 112) break;
      await castBallot(tdb, {
        estateId,
        voteId: closed.id,
        userId: v.userId!,
        tokenId: `demo-${randomUUID()}`,
        nonce: randomUUID(),
        choices: [
          { matter: 'm1', choice: pick(i, [['yes', 8], ['no', 2], ['abstain', 1]]) },
          { matter: 'm2', choice: pick(i + 3, [['yes', 7], ['no', 3], ['abstain', 1]]) },
        ],
        now: new Date(t0 - (53 - (i % 13)) * DAY + (i % 24) * 3_600_000),
      });
      i++;
      // Checkpoints while voting, as the server signs them (every 64 entries).
      if (i % 32 === 0) await signCheckpoint(tdb, signer, closed.id, new Date(t0 - (53 - (i % 13)) * DAY + (i % 24) * 3_600_000 + 1000));
    }
    await closeVote(tdb, estateId, closed.id, { reason: 'voting window ended 投票期限届满', manual: false, userId: null, now: new Date(t0 - 40 * DAY) });
    await signCheckpoint(tdb, signer, closed.id, new Date(t0 - 40 * DAY));
    await finalizeVote(tdb, estateId, closed.id, new Date(t0 - 30 * DAY));
    await signCheckpoint(tdb, signer, closed.id, new Date(t0 - 30 * DAY));

    closedId = closed.id;
  });

  // 2. Open vote: exterior renovation and paint colour, notice 20 days ago, open since 3 days.
  const open = await createVote(db, estateId, organizerId, {
    title: '外墙翻新及涂料颜色 Façade renovation and paint colour',
    description: '老旧小区改造：外墙保温翻新，请选择外墙涂料颜色。样板已贴在各楼栋一层大厅。',
    scope: null,
    opensAt: iso(t0 - 3 * DAY),
    closesAt: iso(t0 + 11 * DAY),
    matters: [
      { title: '外墙保温及翻新工程 Renovate the façades with insulation', description: '改造资金由政府补贴及专项维修资金承担。', category: '7', kind: 'yes_no', options: [] },
      { title: '外墙涂料颜色 Exterior paint colour', description: '选择一种颜色，获得参与业主面积和人数四分之三以上同意的颜色将被采用。', category: '7', kind: 'options', options: PAINT_OPTIONS },
    ],
  });
  await publishNotice(db, log, estateId, open.id, beijingDate(new Date(t0 - 20 * DAY)), new Date(t0 - 20 * DAY));
  await signCheckpoint(db, signer, open.id, new Date(t0 - 20 * DAY));
  const snap = await loadSnapshot(db, open.id);
  let j = 0;
  const target = Math.floor((snap?.roster.length ?? 0) * 0.4);
  const seenOpen = new Set<string>();
  // The demo owners have not voted here, but the co-owner sharing the co-owner demo account's
  // household has (so that owner sees "your household voted" and can say "this was not me"):
  // co-owners of the demo owners' households vote first, then the rest in register order.
  // Each voter's parties, read once.
  const partiesOf = new Map<string, Awaited<ReturnType<typeof partiesOfUser>>>();
  for (const v of voters) partiesOf.set(v.userId!, await partiesOfUser(db, estateId, open.id, v.userId!));
  const demoParties = new Set(voters.filter((p) => skipRefs.includes(p.ref)).flatMap((v) => partiesOf.get(v.userId!)!.map((party) => party.id)));
  const others = voters.filter((p) => !skipRefs.includes(p.ref));
  const shares = (v: (typeof others)[number]) => partiesOf.get(v.userId!)!.some((party) => demoParties.has(party.id));
  for (const v of [...others.filter(shares), ...others.filter((v) => !shares(v))]) {
    if (j >= target) break;
    const party = partiesOf.get(v.userId!)![0];
    if (!party || seenOpen.has(party.id)) continue;
    seenOpen.add(party.id);
    await castBallot(db, {
      estateId,
      voteId: open.id,
      userId: v.userId!,
      tokenId: `demo-${randomUUID()}`,
      nonce: randomUUID(),
      choices: [
        { matter: 'm1', choice: pick(j, [['yes', 9], ['no', 1]]) },
        { matter: 'm2', choice: pick(j + 1, [['A', 6], ['B', 3], ['C', 1]]) },
      ],
      now: new Date(t0 - 3 * DAY + j * 1_800_000),
    });
    j++;
  }
  await signCheckpoint(db, signer, open.id, now);
  return { closedVoteId: closedId, openVoteId: open.id, closedBallots: i, openBallots: j };
}
