/**
 * Owners are told (rules.md §7): when a credential for their household is created or used, and
 * when a ballot is cast for it, each owner of the household gets an inbox message and a text to
 * the phone the register holds. The events are written to `owner_alerts` in the transaction that
 * makes them (so none is lost); this dispatcher turns them into messages after commit. It runs in
 * the server's scheduler loop; claims are atomic, so several nodes never send one alert twice.
 */
import { and, asc, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import { notifications, ownerAlerts, ownerships, parts, persons, voteCredentials, votes } from '../../../db/schema/index.ts';
import type { Db } from '../../db.ts';
import type { Keyring } from '../../keys.ts';
import type { Logger } from '../../logger.ts';
import type { Sender } from '../../sender.ts';
import { loadSnapshot } from '../votes/snapshot.ts';

const BATCH = 200;

const KIND_ZH: Record<string, string> = {
  invite: '登录邀请码',
  phone_binding: '手机号绑定的账号',
  certificate_binding: '凭不动产权证绑定的账号',
  letter: '表决票',
  letter_reissue: '换发的表决票',
  proxy: '委托投票',
};
const KIND_EN: Record<string, string> = {
  invite: 'an invite code',
  phone_binding: 'an account bound by phone',
  certificate_binding: 'an account bound by property certificate',
  letter: 'a ballot letter',
  letter_reissue: 'a reissued ballot letter',
  proxy: 'a proxy',
};
const CHANNEL_ZH: Record<string, string> = { online: '网上投票', paper: '纸质选票', proxy: '受托人代为投票' };
const CHANNEL_EN: Record<string, string> = { online: 'online', paper: 'on paper', proxy: 'by the proxy holder' };

const beijing = (d: Date) =>
  new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false }).format(d);

/** The words of one alert: no code, no name, only the house number, the vote and what happened. */
export function alertText(alert: { event: string; detail: string; createdAt: Date }, house: string, title: string): { title: string; body: string } {
  const when = beijing(alert.createdAt);
  const check = '如非您本人或家人办理，请登录查看并点击“不是我”。If this was not you, open the vote and tap "This was not me".';
  if (alert.event === 'ballot_cast') {
    return {
      title: `您家（${house}）已在「${title}」中投票 Your household voted`,
      body: `${when} ${CHANNEL_ZH[alert.detail] ?? alert.detail}（${CHANNEL_EN[alert.detail] ?? alert.detail}）。${check}`,
    };
  }
  const kind = `${KIND_ZH[alert.detail] ?? alert.detail}（${KIND_EN[alert.detail] ?? alert.detail}）`;
  if (alert.event === 'credential_used') {
    return { title: `您家（${house}）的${KIND_ZH[alert.detail] ?? alert.detail}已被使用 Used for your household`, body: `${when} 「${title}」：${kind}已用于登录。${check}` };
  }
  return { title: `已为您家（${house}）签发${KIND_ZH[alert.detail] ?? alert.detail} Issued for your household`, body: `${when} 「${title}」：${kind}。${check}` };
}

/**
 * Sends pending owner alerts: claims a batch, writes inbox messages for the household's accounts
 * (bound owners and holders of its live credentials), texts each register phone of its owners
 * once per alert. Sending is best effort after the inbox rows are written. Returns how many alerts
 * were handled.
 */
export async function dispatchOwnerAlerts(deps: { db: Db; keys: Keyring; sender: Sender; logger: Logger; env: { publicUrl: string } }): Promise<number> {
  const { db } = deps;
  const claimed = await db.transaction(async (tx) => {
    const pending = await tx
      .select()
      .from(ownerAlerts)
      .where(isNull(ownerAlerts.dispatchedAt))
      .orderBy(asc(ownerAlerts.createdAt))
      .limit(BATCH)
      .for('update', { skipLocked: true });
    if (!pending.length) return [];
    await tx.update(ownerAlerts).set({ dispatchedAt: sql`now()` }).where(inArray(ownerAlerts.id, pending.map((p) => p.id)));
    return pending;
  });
  if (!claimed.length) return 0;
  const voteIds = [...new Set(claimed.map((a) => a.voteId))];
  const voteRows = await db.select({ id: votes.id, estateId: votes.estateId, title: votes.title }).from(votes).where(inArray(votes.id, voteIds));
  for (const vote of voteRows) {
    const snap = await loadSnapshot(db, vote.id);
    if (!snap) continue;
    const mine = claimed.filter((a) => a.voteId === vote.id);
    const partyIds = [...new Set(mine.map((a) => a.party))];
    const codes = snap.roster.filter((p) => partyIds.includes(p.id)).flatMap((p) => p.parts.map((x) => ({ party: p.id, code: x.partId })));
    const owners = codes.length
      ? await db
          .select({ code: parts.code, userId: persons.userId, phoneEnc: persons.phoneEnc })
          .from(parts)
          .innerJoin(ownerships, eq(ownerships.partId, parts.id))
          .innerJoin(persons, eq(persons.id, ownerships.personId))
          .where(and(eq(parts.estateId, vote.estateId), inArray(parts.code, codes.map((c) => c.code))))
      : [];
    const holders = await db
      .select({ party: voteCredentials.party, userId: voteCredentials.holderId })
      .from(voteCredentials)
      .where(and(eq(voteCredentials.voteId, vote.id), inArray(voteCredentials.party, partyIds), isNotNull(voteCredentials.holderId), isNull(voteCredentials.revokedAt)));
    const partyOfCode = new Map(codes.map((c) => [c.code, c.party]));
    const link = `/estates/${vote.estateId}/votes/${vote.id}`;
    for (const alert of mine) {
      const party = snap.roster.find((p) => p.id === alert.party)!;
      const house = party.parts.map((x) => x.partId).join('、');
      const { title, body } = alertText(alert, house, vote.title);
      const partyOwners = owners.filter((o) => partyOfCode.get(o.code) === alert.party);
      const users = new Set([...partyOwners.map((o) => o.userId), ...holders.filter((h) => h.party === alert.party).map((h) => h.userId)].filter((u): u is string => !!u));
      if (users.size) {
        await db.insert(notifications).values([...users].map((userId) => ({ userId, estateId: vote.estateId, kind: `household_${alert.event}`, title, body, link })));
      }
      const phones = new Set(partyOwners.map((o) => (o.phoneEnc ? deps.keys.open(o.phoneEnc) : null)).filter((p): p is string => !!p));
      for (const to of phones) {
        await deps.sender
          .send({ to, purpose: 'notice', text: `【邻里】${title}。${body} ${deps.env.publicUrl}${link}` })
          .catch((err: Error) => deps.logger.warn({ err: { message: err.message }, alert: alert.id }, 'household alert not sent'));
      }
    }
  }
  return claimed.length;
}
