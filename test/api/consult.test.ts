import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeEachDb, makeEstate, makeUser, type TestContext } from '../support/app.ts';
import { bindOwner, clock } from '../support/votes.ts';

const E10 = readFileSync(path.resolve(import.meta.dirname, '../../../shared/vectors/recount/T1/register.csv'), 'utf8');
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]);
const COLOURS = [
  { key: 'A', name: '暖米色', colorHex: '#D8C3A5', colorCode: 'NCS S 1015-Y20R' },
  { key: 'B', name: '雾霾灰', colorHex: '#BFC5C9', colorCode: 'NCS S 2002-B' },
  { key: 'C', name: '砖红', colorHex: '#A4493D', colorCode: 'NCS S 4040-Y80R' },
];

async function setup(ctx: TestContext, name: string) {
  clock(ctx, '2026-05-01T10:00:00+08:00');
  const estate = await makeEstate(ctx, E10, name);
  const org = await makeUser(ctx, { name: '王主任', roles: [{ estateId: estate.id, role: 'organizer' }] });
  const owners: Record<string, { id: string; token: string }> = {};
  for (const ref of ['A', 'B', 'C', 'E', 'G']) owners[ref] = await bindOwner(ctx, estate.id, ref);
  return { estate, org, owners, base: `/api/estates/${estate.id}` };
}

function upload(ctx: TestContext, base: string, token: string, bytes: Uint8Array, name: string) {
  const form = new FormData();
  form.set('file', new Blob([bytes as BlobPart]), name);
  return ctx.call('POST', `${base}/attachments`, { token, raw: form });
}

describeEachDb('proposals, opinions and consultations', (ctx) => {
  it('publishes a colour proposal with versions and a diff, collects supports, and turns it into a vote matter', async () => {
    const s = await setup(ctx(), 'proposal');
    const pic = await upload(ctx(), s.base, s.org.token, PNG, 'swatch.png');
    expect(pic.status).toBe(201);
    expect(pic.body).toMatchObject({ mime: 'image/png', size: PNG.length, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const created = await ctx().call('POST', `${s.base}/proposals`, { token: s.org.token, body: { title: '外墙翻新方案', body: '第一版\n外墙保温', options: COLOURS.map((c, i) => ({ ...c, attachmentId: i === 0 ? pic.body.id : null })), supportThreshold: 2 } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id;
    // Owners do not see drafts.
    expect((await ctx().call('GET', `${s.base}/proposals/${id}`, { token: s.owners.A!.token })).status).toBe(404);
    const v2 = await ctx().call('POST', `${s.base}/proposals/${id}/versions`, { token: s.org.token, body: { title: '外墙翻新方案（修订）', body: '第二版\n外墙保温', options: COLOURS.slice(0, 2), note: '去掉砖红' } });
    expect(v2.body.current.version).toBe(2);
    const diff = await ctx().call('GET', `${s.base}/proposals/${id}/diff?from=1&to=2`, { token: s.org.token });
    expect(diff.body.diff.title).toEqual({ before: '外墙翻新方案', after: '外墙翻新方案（修订）' });
    expect(diff.body.diff.options.removed.map((o: any) => o.key)).toEqual(['C']);
    const pub = await ctx().call('POST', `${s.base}/proposals/${id}/publish`, { token: s.org.token, body: { publicEnd: '2026-05-08T18:00:00+08:00' } });
    expect(pub.status).toBe(200);
    const inbox = await ctx().call('GET', '/api/me/inbox', { token: s.owners.A!.token });
    expect(inbox.body.items[0]).toMatchObject({ kind: 'proposal_published', read: false });
    expect((await ctx().call('POST', `${s.base}/proposals/${id}/support`, { token: s.owners.A!.token })).body).toMatchObject({ count: 1, reached: false, mine: true });
    expect((await ctx().call('POST', `${s.base}/proposals/${id}/support`, { token: s.owners.A!.token })).body.count).toBe(1);
    expect((await ctx().call('POST', `${s.base}/proposals/${id}/support`, { token: s.owners.B!.token })).body).toMatchObject({ count: 2, reached: true });
    const conv = await ctx().call('POST', `${s.base}/proposals/${id}/convert`, { token: s.org.token, body: { category: '7', opensAt: '2026-05-20T00:00:00+08:00', closesAt: '2026-06-05T00:00:00+08:00' } });
    expect(conv.status, JSON.stringify(conv.body)).toBe(201);
    const vote = await ctx().call('GET', `${s.base}/votes/${conv.body.voteId}`, { token: s.org.token });
    expect(vote.body).toMatchObject({ phase: 'draft', matters: [{ category: '7', kind: 'options', options: [{ key: 'A', colorHex: '#D8C3A5' }, { key: 'B' }] }] });
    expect((await ctx().call('POST', `${s.base}/proposals/${id}/convert`, { token: s.org.token, body: { category: '7', opensAt: '2026-05-20T00:00:00+08:00', closesAt: '2026-06-05T00:00:00+08:00' } })).status).toBe(409);
    // Only organizers publish.
    expect((await ctx().call('POST', `${s.base}/proposals`, { token: s.owners.A!.token, body: { title: 'x' } })).status).toBe(403);
  });

  it('refuses oversize and wrongly typed uploads, naming the problem', async () => {
    const s = await setup(ctx(), 'uploads');
    const exe = await upload(ctx(), s.base, s.org.token, new TextEncoder().encode('MZ not a picture'), 'evil.png');
    expect(exe.status).toBe(415);
    expect(exe.body.error.messageZh).toContain('PDF');
    const big = new Uint8Array(6 << 20);
    big.set(PNG);
    expect((await upload(ctx(), s.base, s.org.token, big, 'big.png')).status).toBe(413);
    const huge = new Uint8Array(12 << 20);
    expect((await upload(ctx(), s.base, s.org.token, huge, 'huge.pdf')).status).toBe(413);
    const pdf = await upload(ctx(), s.base, s.org.token, new TextEncoder().encode('%PDF-1.4\n%%EOF\n'), '方案.pdf');
    expect(pdf.status).toBe(201);
    const got = await ctx().app.request(pdf.body.url, { headers: { authorization: `Bearer ${s.owners.A!.token}` } });
    expect(got.headers.get('content-type')).toBe('application/pdf');
    expect(got.headers.get('content-security-policy')).toContain('sandbox');
    expect(got.headers.get('content-disposition')).toContain('attachment');
  });

  it('answers every opinion: threads, official answer pinned, statuses, reports hide, the dashboard', async () => {
    const s = await setup(ctx(), 'opinions');
    const p = (await ctx().call('POST', `${s.base}/proposals`, { token: s.org.token, body: { title: '绿化改造', options: [] } })).body.id;
    await ctx().call('POST', `${s.base}/proposals/${p}/publish`, { token: s.org.token, body: { publicEnd: '2026-05-08T18:00:00+08:00' } });
    const xss = '<img src=x onerror="alert(1)"><script>alert(2)</script>';
    const op = await ctx().call('POST', `${s.base}/proposals/${p}/comments`, { token: s.owners.A!.token, body: { body: `希望保留桂花树 ${xss}` } });
    expect(op.body).toMatchObject({ status: 'received', needsReply: true });
    const reply = await ctx().call('POST', `${s.base}/proposals/${p}/comments`, { token: s.owners.B!.token, body: { body: '同意', parentId: op.body.id } });
    expect(reply.body.needsReply).toBe(false);
    const dash = await ctx().call('GET', `${s.base}/opinions`, { token: s.org.token });
    expect(dash.body.open).toEqual([expect.objectContaining({ id: op.body.id, targetTitle: '绿化改造', ageDays: 0 })]);
    expect((await ctx().call('POST', `${s.base}/comments/${op.body.id}/answer`, { token: s.org.token, body: { status: 'not_adopted', answer: '会研究' } })).status).toBe(400);
    const ans = await ctx().call('POST', `${s.base}/comments/${op.body.id}/answer`, { token: s.org.token, body: { status: 'adopted', answer: '采纳：保留桂花树', reason: '多数住户支持' } });
    expect(ans.status).toBe(200);
    const threads = await ctx().call('GET', `${s.base}/proposals/${p}/comments`, { token: s.owners.A!.token });
    const t = threads.body.threads[0];
    expect(t).toMatchObject({ status: 'adopted', body: expect.stringContaining('<script>') });
    expect(t.replies[0]).toMatchObject({ official: true, body: '采纳：保留桂花树' });
    expect((await ctx().call('GET', '/api/me/inbox', { token: s.owners.A!.token })).body.items.some((i: any) => i.kind === 'answer')).toBe(true);
    expect((await ctx().call('GET', `${s.base}/opinions`, { token: s.org.token })).body.open).toEqual([]);
    // Three reports hide a comment until the organizer reviews it.
    const rude = await ctx().call('POST', `${s.base}/proposals/${p}/comments`, { token: s.owners.C!.token, body: { body: '广告 spam' } });
    for (const ref of ['A', 'B', 'E']) await ctx().call('POST', `${s.base}/comments/${rude.body.id}/report`, { token: s.owners[ref]!.token, body: { reason: 'spam' } });
    const seen = await ctx().call('GET', `${s.base}/proposals/${p}/comments`, { token: s.owners.G!.token });
    expect(seen.body.threads.find((x: any) => x.id === rude.body.id)).toMatchObject({ hidden: true, body: null });
    expect((await ctx().call('GET', `${s.base}/proposals/${p}/comments`, { token: s.org.token })).body.threads.find((x: any) => x.id === rude.body.id).body).toBe('广告 spam');
    await ctx().call('POST', `${s.base}/comments/${rude.body.id}/moderate`, { token: s.org.token, body: { action: 'restore' } });
    expect((await ctx().call('GET', `${s.base}/proposals/${p}/comments`, { token: s.owners.G!.token })).body.threads.find((x: any) => x.id === rude.body.id).body).toBe('广告 spam');
    // Owners cannot answer officially or moderate.
    expect((await ctx().call('POST', `${s.base}/proposals/${p}/comments`, { token: s.owners.A!.token, body: { body: 'x', official: true } })).status).toBe(403);
    expect((await ctx().call('POST', `${s.base}/comments/${rude.body.id}/moderate`, { token: s.owners.A!.token, body: { action: 'hide' } })).status).toBe(403);
    expect((await ctx().call('POST', `${s.base}/proposals/${p}/comments`, { token: s.owners.A!.token, body: { body: '' } })).body.error.details[0].field).toBe('body');
  });

  it('consults every household: residents answer, one response per household, coverage, rankings, CSV', async () => {
    const s = await setup(ctx(), 'consultation');
    const tenantInvite = await ctx().call('POST', `${s.base}/invites`, { token: s.org.token, body: { role: 'resident', partRef: 'U10' } });
    expect(tenantInvite.status).toBe(201);
    const tenant = (await ctx().call('POST', '/api/auth/sign-in', { body: { code: tenantInvite.body.code } })).body.token;
    const questions = [
      { key: 'colour', kind: 'ranking', title: '请给外墙颜色排序', options: COLOURS.map(({ key, name, colorHex }) => ({ key, name, colorHex })) },
      { key: 'lift', kind: 'single', title: '是否支持加装电梯', options: [{ key: 'y', name: '支持' }, { key: 'n', name: '不支持' }] },
      { key: 'note', kind: 'text', title: '其他意见', required: false },
    ];
    const created = await ctx().call('POST', `${s.base}/consultations`, { token: s.org.token, body: { title: '外墙颜色意见征询', closesAt: '2026-05-15T18:00:00+08:00', questions } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id;
    const url = `${s.base}/consultations/${id}`;
    expect((await ctx().call('PUT', `${url}/responses/U1`, { token: s.owners.A!.token, body: { answers: { colour: ['A', 'B', 'C'], lift: 'y' } } })).status).toBe(409);
    expect((await ctx().call('POST', `${url}/open`, { token: s.org.token })).status).toBe(200);
    const answer = (token: string, household: string, answers: unknown) => ctx().call('PUT', `${url}/responses/${household}`, { token, body: { answers } });
    expect((await answer(s.owners.A!.token, 'U1', { colour: ['B', 'A', 'C'], lift: 'y', note: '=HYPERLINK("http://x")' })).status).toBe(200);
    // B owns U2 and U3: two households, two answers.
    expect((await answer(s.owners.B!.token, 'U2', { colour: ['A', 'B', 'C'], lift: 'y' })).status).toBe(200);
    expect((await answer(s.owners.B!.token, 'U3', { colour: ['A', 'C'], lift: 'n' })).status).toBe(200);
    // Co-owner C answers for U4; the tenant of U10 answers for it.
    expect((await answer(s.owners.C!.token, 'U4', { colour: ['C', 'A', 'B'], lift: 'n' })).status).toBe(200);
    expect((await answer(tenant, 'U10', { colour: ['A', 'B', 'C'], lift: 'y' })).status).toBe(200);
    // Editable until close: the second answer replaces the first, still one response.
    expect((await answer(s.owners.A!.token, 'U1', { colour: ['A', 'B', 'C'], lift: 'y', note: '-1+1' })).status).toBe(200);
    // Not my household; bad answers named by question.
    expect((await answer(s.owners.A!.token, 'U9', { colour: ['A'], lift: 'y' })).status).toBe(403);
    expect((await answer(s.owners.E!.token, 'U5', { colour: ['A', 'A'], lift: 'y' })).body.error.details[0].field).toBe('answers.colour');
    expect((await answer(s.owners.E!.token, 'U5', { colour: ['A'], lift: 'maybe' })).body.error.details[0].field).toBe('answers.lift');
    expect((await answer(s.owners.E!.token, 'U5', { colour: ['A'] })).body.error.details[0].field).toBe('answers.lift');

    const cov = await ctx().call('GET', `${url}/coverage`, { token: s.org.token });
    // E10 has 10 residential parts; U1, U2, U3, U4, U10 answered.
    expect(cov.body.total).toEqual({ households: 10, responded: 5 });
    expect(cov.body.buildings.map((b: any) => [b.building, b.responded, b.households])).toEqual([['1', 4, 4], ['2', 0, 4], ['3', 1, 2]]);
    expect(cov.body.notReached.flatMap((b: any) => b.entrances.flatMap((e: any) => e.households))).toEqual(['U5', 'U6', 'U7', 'U8', 'U9']);
    expect((await ctx().call('GET', `${url}/coverage`, { token: s.owners.A!.token })).status).toBe(403);
    expect((await ctx().call('GET', `${url}/results`, { token: s.owners.A!.token })).status).toBe(409);

    const results = await ctx().call('GET', `${url}/results`, { token: s.org.token });
    const colour = results.body.questions.find((q: any) => q.key === 'colour');
    expect(colour.borda.winner).toBe('A');
    expect(colour.irv.winner).toBe('A');
    expect(results.body.questions.find((q: any) => q.key === 'lift').counts).toEqual({ y: 3, n: 2 });

    const csv = await ctx().app.request(`${url}/export.csv`, { headers: { authorization: `Bearer ${s.org.token}` } });
    const bytes = new Uint8Array(await csv.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder().decode(bytes);
    expect(text).toContain("'-1+1");
    expect(text).not.toMatch(/,=HYPERLINK|,-1\+1/);
    expect(text).not.toMatch(/owner [A-H]|张|王主任/);
    expect((await ctx().app.request(`${url}/export.csv`, { headers: { authorization: `Bearer ${s.owners.A!.token}` } })).status).toBe(403);
    expect((await ctx().call('POST', `${url}/close`, { token: s.org.token })).status).toBe(200);
    expect((await answer(s.owners.E!.token, 'U5', { colour: ['A'], lift: 'y' })).status).toBe(409);
    expect((await ctx().call('GET', `${url}/results`, { token: tenant })).status).toBe(200);
  });

  it('residents may consult but never vote', async () => {
    const s = await setup(ctx(), 'resident-vote');
    const inv = await ctx().call('POST', `${s.base}/invites`, { token: s.org.token, body: { role: 'resident', partRef: 'U1' } });
    const vote = await ctx().call('POST', `${s.base}/votes`, { token: s.org.token, body: { title: 'v', opensAt: '2026-05-17T00:00:00+08:00', closesAt: '2026-05-30T00:00:00+08:00', matters: [{ title: 'm', category: '4' }] } });
    await ctx().call('POST', `${s.base}/votes/${vote.body.id}/notice`, { token: s.org.token, body: { noticeDate: '2026-05-01' } });
    clock(ctx(), '2026-05-18T10:00:00+08:00');
    const tenant = (await ctx().call('POST', '/api/auth/sign-in', { body: { code: inv.body.code } })).body.token;
    const res = await ctx().call('POST', `${s.base}/votes/${vote.body.id}/ballots`, { token: tenant, body: { choices: [{ matter: 'm1', choice: 'yes' }], nonce: 'resident-nonce' } });
    expect(res.status).toBe(403);
    expect((await ctx().call('POST', `${s.base}/invites`, { token: s.org.token, body: { role: 'owner', partRef: 'U1', personRef: 'A' } })).status).toBe(400);
  });
});
