import { chmodSync, writeFileSync } from 'node:fs';
import { and, desc, eq, gt } from 'drizzle-orm';
import { estates, persons, roleGrants, users, votes } from '../../db/schema/index.ts';
import { issueLetters } from '../../src/modules/votes/letters.ts';
import { outreachList } from '../../src/modules/votes/outreach.ts';
import { parseCsv } from '../../src/domain/register/csv.ts';
import type { Deps } from '../../src/http/context.ts';
import { sha256Hex } from '../../src/keys.ts';
import type { EstateRole } from '../../src/modules/auth/roles.ts';
import { createInvite, inviteUrl } from '../../src/modules/auth/service.ts';
import { createCouncil, createNeighbourhood } from '../../src/modules/councils/routes.ts';
import { createEstate, importRegister } from '../../src/modules/registry/service.ts';
import { demoRegisterCsv } from './register.ts';
import { seedDemoVotes } from './votes.ts';
import { seedDemoConsultation } from './consult.ts';
import { createSession } from '../../src/modules/deliberation/service.ts';

export const DEMO_ESTATE_NAME = '邻里花园（演示）Linli Garden demo';

export interface DemoAccount {
  role: EstateRole;
  name: string;
  code: string;
  url: string;
  /** 'letter': a ballot letter code for one vote (POST /api/auth/letter, or open the url). */
  kind?: 'invite' | 'letter';
}

const STAFF: { role: EstateRole; name: string }[] = [
  { role: 'organizer', name: '王主任（业委会）Organizer Wang' },
  { role: 'clerk', name: '李录入（计票员）Clerk Li' },
  { role: 'auditor', name: '赵监票（监票人）Auditor Zhao' },
  { role: 'chair', name: '陈理事长（东邻里）Chair Chen' },
  { role: 'council_member', name: '刘代表（议事代表）Member Liu' },
  { role: 'volunteer', name: '张楼长（包户）Building head Zhang' },
];

async function userWithRole(deps: Pick<Deps, 'db'>, estateId: string, role: EstateRole, name: string, grantedBy: string | null): Promise<string> {
  const { db } = deps;
  const [found] = await db
    .select({ id: users.id })
    .from(users)
    .innerJoin(roleGrants, eq(roleGrants.userId, users.id))
    .where(and(eq(roleGrants.estateId, estateId), eq(roleGrants.role, role), eq(users.displayName, name)));
  if (found) return found.id;
  const [u] = await db.insert(users).values({ displayName: name }).returning({ id: users.id });
  await db.insert(roleGrants).values({ userId: u!.id, estateId, role, grantedBy });
  return u!.id;
}

/**
 * Seeds the demo estate once (register through the same import path organizers use, a neighbourhood
 * with its council, staff accounts) and issues fresh single-use invites for every demo account on
 * each call. Later features add their demo data here.
 */
export async function seedDemo(deps: Pick<Deps, 'db' | 'keys' | 'env'>): Promise<{ estateId: string; accounts: DemoAccount[]; created: boolean }> {
  const { db, keys, env } = deps;
  let [estate] = await db.select({ id: estates.id }).from(estates).where(eq(estates.name, DEMO_ESTATE_NAME));
  const created = !estate;
  if (!estate) {
    estate = await createEstate(db, {
      name: DEMO_ESTATE_NAME,
      address: '示范市示范区幸福路 8 号',
      developerName: '示范置业有限公司',
      community: { name: '幸福路社区', district: '示范区' },
    });
  }
  const estateId = estate.id;
  const staffIds = new Map<EstateRole, string>();
  // The organizer first: it appoints the other staff and imports the register.
  for (const s of STAFF) staffIds.set(s.role, await userWithRole(deps, estateId, s.role, s.name, staffIds.get('organizer') ?? null));
  if (created) {
    const { csv } = demoRegisterCsv();
    await importRegister(db, keys, { estateId, table: parseCsv(csv), format: 'csv', fileSha256: sha256Hex(csv), importedBy: staffIds.get('organizer')!, dryRun: false });
    const east = await createNeighbourhood(db, estateId, '东邻里 East neighbourhood', ['1', '2']);
    await createNeighbourhood(db, estateId, '西邻里 West neighbourhood', ['3', 'G']);
    const councilId = await createCouncil(db, estateId, {
      name: '东邻里理事会 East council',
      neighbourhoodId: east.id,
      members: [
        { userId: staffIds.get('chair')!, role: 'chair' },
        { userId: staffIds.get('council_member')!, role: 'member' },
      ],
    });
    const { examples } = demoRegisterCsv();
    await seedDemoVotes(deps, estateId, staffIds.get('organizer')!, [examples.soleOwner, examples.coOwner, examples.multiOwner]);
    await seedDemoConsultation(deps, estateId, staffIds.get('organizer')!, [examples.soleOwner, examples.coOwner, examples.multiOwner]);
    // A council session the demo chair and member can join (scheduled for tomorrow evening).
    const tomorrow = new Date(Date.now() + 86_400_000);
    tomorrow.setUTCHours(11, 30, 0, 0); // 19:30 Beijing time
    await createSession(db, estateId, councilId, staffIds.get('chair')!, true, {
      title: '东邻里理事会月度会议 East council monthly meeting',
      scheduledAt: tomorrow.toISOString(),
      agenda: [
        { title: '1栋2单元加装电梯意见 Lift for building 1, entrance 2', description: '听取住户意见，决定是否提交业主表决。', minutes: 20 },
        { title: '外墙颜色征询进展 Paint colour consultation progress', description: '通报征询覆盖情况，安排包户走访。', minutes: 15 },
        { title: '非机动车棚选址 Bike shed location', description: '', minutes: 10 },
      ],
    });
  }
  const accounts: DemoAccount[] = [];
  for (const s of STAFF) {
    const inv = await createInvite(db, { estateId, role: s.role, userId: staffIds.get(s.role)!, label: s.name, validDays: 30 });
    accounts.push({ role: s.role, name: s.name, code: inv.code, url: inviteUrl(env.publicUrl, inv.code) });
  }
  // Owner accounts: a sole owner, a co-owner, and an owner of several parts.
  const { examples } = demoRegisterCsv();
  for (const ref of [examples.soleOwner, examples.coOwner, examples.multiOwner]) {
    const [p] = await db.select().from(persons).where(and(eq(persons.estateId, estateId), eq(persons.ref, ref)));
    if (!p) continue;
    const name = `${p.name ?? ref}（业主 ${ref}）`;
    // The demo owners are bound already (they voted in the closed vote): a demo-only sign-in to
    // their account. The API never creates such an invite (an owner signs in by phone or letter).
    const inv = p.userId
      ? await createInvite(db, { estateId, role: 'owner', userId: p.userId, label: name, validDays: 30 })
      : await createInvite(db, { estateId, role: 'owner', personId: p.id, label: name, validDays: 30 }, new Date(), keys);
    accounts.push({ role: 'owner', name, code: inv.code, url: inviteUrl(env.publicUrl, inv.code) });
  }
  // Two ballot letters of the open vote, for households that have not voted: sign in with the code.
  const [open] = await db
    .select({ id: votes.id })
    .from(votes)
    .where(and(eq(votes.estateId, estateId), eq(votes.status, 'noticed'), gt(votes.closesAt, new Date())))
    .orderBy(desc(votes.createdAt))
    .limit(1);
  if (open) {
    const waiting = await outreachList(db, estateId, open.id, { userId: staffIds.get('organizer')!, staff: true });
    const parts = waiting.buildings.flatMap((b) => b.parties as { partIds: string[] }[]).slice(0, 2).map((p) => p.partIds[0]!);
    if (parts.length) {
      const issued = await issueLetters(db, keys, { estateId, voteId: open.id, userId: staffIds.get('organizer')!, publicUrl: env.publicUrl, reissue: true, parts, now: new Date() });
      for (const l of issued.letters) {
        accounts.push({ role: 'owner', kind: 'letter', name: `表决票 ${l.parts.map((x) => x.partId).join('、')} Ballot letter (the code works until reissued)`, code: l.code, url: l.url });
      }
    }
  }
  return { estateId, accounts, created };
}

export function writeAccounts(file: string, accounts: DemoAccount[]) {
  writeFileSync(file, `${JSON.stringify(accounts, null, 2)}\n`, { mode: 0o600 });
  // `mode` applies only when the file is created: a file from an earlier run is narrowed too.
  chmodSync(file, 0o600);
}
