import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import writeXlsxFile from 'write-excel-file/node';
import { expect, it } from 'vitest';
import { FORMULA_PREFIXES } from '../../src/domain/consultation/csv-export.ts';
import { parseCsv } from '../../src/domain/register/csv.ts';
import { describeEachDb, makeEstate, makeUser, type TestContext } from '../support/app.ts';
import { changedTables, fingerprint, send, type Answer } from '../support/fuzz.ts';
import { bindOwner, clock } from '../support/votes.ts';

/**
 * Hostile register files (issue 9): bad encodings, broken bytes, odd line endings, empty and huge
 * files, NUL and formula-like cells — each either refused with 422 and line/column details (nothing
 * written) or imported with its text stored exactly. Then every export the service produces is
 * checked for formula injection: CSV cells beginning with = + - @ tab or CR carry the leading quote;
 * JSON exports carry the register's text verbatim, as JSON strings, and plain-text files none of it.
 */

const SEED = 20260310;
const HEADER = 'part_id,building,entrance,floor,kind,area,area_source,status,owners';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** GB18030 (GBK two-byte) encoder built from the platform's decoder: enough for Chinese text. */
let gbk: Map<string, number[]> | null = null;
function encodeGb18030(text: string): Uint8Array {
  if (!gbk) {
    gbk = new Map();
    const dec = new TextDecoder('gb18030');
    for (let a = 0x81; a <= 0xfe; a++) {
      for (let b = 0x40; b <= 0xfe; b++) {
        if (b === 0x7f) continue;
        const ch = dec.decode(new Uint8Array([a, b]));
        if (ch.length === 1 && ch !== '\uFFFD' && !gbk.has(ch)) gbk.set(ch, [a, b]);
      }
    }
  }
  const out: number[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else {
      const bytes = gbk.get(ch);
      if (!bytes) throw new Error(`no GBK code for ${ch}`);
      out.push(...bytes);
    }
  }
  return new Uint8Array(out);
}

const utf8 = (s: string) => new TextEncoder().encode(s);
const utf16le = (s: string) => new Uint8Array(Buffer.from(s, 'utf16le'));
const utf16be = (s: string) => {
  const le = Buffer.from(s, 'utf16le');
  for (let i = 0; i + 1 < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1]!, le[i]!];
  return new Uint8Array(le);
};
const cat = (...parts: (Uint8Array | number[])[]) => new Uint8Array(parts.flatMap((p) => [...p]));

/** RFC 4180 cell for the files the tests write. */
const cell = (s: string) => (/[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replaceAll('"', '""')}"` : s);

function upload(ctx: TestContext, estateId: string, token: string, bytes: Uint8Array, how: 'raw' | 'form', type = 'text/csv'): Promise<Answer> {
  const path = `/api/estates/${estateId}/register/import`;
  if (how === 'raw') return send(ctx, 'POST', path, { token, body: bytes as BodyInit, contentType: type });
  const form = new FormData();
  form.set('file', new Blob([bytes as BlobPart], { type }), type === XLSX ? 'register.xlsx' : 'register.csv');
  return send(ctx, 'POST', path, { token, body: form });
}

/** Problems with a refusal: it must be 422 IMPORT_INVALID with line (and column) details. */
function refusalProblem(a: Answer): string | null {
  if (a.status !== 422) return `expected 422, got ${a.status}: ${a.text.slice(0, 300)}`;
  const e = a.body?.error;
  if (e?.code !== 'IMPORT_INVALID' || typeof e.requestId !== 'string') return `not the IMPORT_INVALID envelope: ${a.text.slice(0, 300)}`;
  if (!Array.isArray(e.details) || !e.details.length) return 'no details';
  for (const d of e.details) {
    if (!Number.isInteger(d.line) || d.line < 1) return `detail without a line: ${JSON.stringify(d)}`;
    if (!(d.column === null || typeof d.column === 'string')) return `detail without a column: ${JSON.stringify(d)}`;
    if (typeof d.messageZh !== 'string' || !d.messageZh) return `detail without a Chinese message: ${JSON.stringify(d)}`;
  }
  return null;
}

/** Every CSV cell: a text starting with a formula prefix must carry the leading quote; plain numbers are numbers. */
function unescapedCells(csv: string): string[] {
  const table = parseCsv(csv);
  const cells = [table.header, ...table.rows.map((r) => r.cells)].flat();
  return cells.filter((c) => FORMULA_PREFIXES.some((p) => c.startsWith(p)) && !/^-\d+(\.\d+)?(e[+-]?\d+)?$/.test(c));
}

/** Formula-like register values (as a spreadsheet user might type them); cells are trimmed on import. */
const FORMULA_PARTS = ["=cmd|' /C calc'!A0", '+1+1', '-2', '@SUM(1)', '\t=1+2', '\r=3+4', '=HYPERLINK("http://evil.example","点我")'];

describeEachDb('hostile register files and formula injection in every export', (ctx) => {
  it('bad encodings, broken bytes, odd line endings, empty and huge files: 422 with line details and nothing written, or the text stored exactly', async () => {
    const estate = await makeEstate(ctx(), undefined, 'imports');
    const { token } = await makeUser(ctx(), { roles: [{ estateId: estate.id, role: 'organizer' }] });
    let n = 0;
    const failures: string[] = [];
    type Case = { label: string; bytes: Uint8Array; type?: string; expect: { ok: true; parts: Record<string, string> } | { ok: false; line?: number; column?: string } };
    /** A small valid register with unique part ids; `parts` maps part id to building as stored. */
    const register = (buildings: string[], eol: string[] = ['\n']) => {
      n++;
      const rows = buildings.map((b, i) => [`R${n}-${i + 1}`, b, '1', String(i + 1), 'residential', '80.5', 'register', 'registered', `P${n}-${i}`]);
      const text = [HEADER, ...rows.map((r) => r.map(cell).join(','))].map((l, i) => `${l}${eol[i % eol.length]}`).join('');
      return { text, parts: Object.fromEntries(rows.map((r) => [r[0]!, r[1]!.trim()])) };
    };
    const building = fc.oneof(fc.constantFrom('一号楼', '二號樓', '3栋', 'A座', '住宅楼（南）', '十'), fc.stringMatching(/^[A-Za-z0-9一二三四五六七八九十号楼栋座单元]{1,10}$/));
    const kinds = fc.constantFrom(
      'utf8',
      'utf8-bom',
      'gb18030',
      'mixed-eol',
      'utf16le-bom',
      'utf16le',
      'utf16be-bom',
      'utf8-cut-char',
      'gb18030-cut-char',
      'random-bytes',
      'zip-garbage',
      'empty',
      'huge-line',
      'nul-cell',
      'error-after-mixed-eol',
    );
    const arb = fc.record({ kind: kinds, buildings: fc.array(building, { minLength: 1, maxLength: 5 }), bytes: fc.uint8Array({ minLength: 1, maxLength: 3000 }), how: fc.constantFrom('raw' as const, 'form' as const), cut: fc.nat() });
    const make = ({ kind, buildings: random, bytes, cut }: { kind: string; buildings: string[]; bytes: Uint8Array; cut: number }): Case => {
      // Real Chinese text in every file: with a few ASCII-only or lucky bytes, UTF-8 and GBK are
      // genuinely ambiguous (a GBK 十 is a valid UTF-8 character too); registers are not like that.
      const buildings = ['住宅楼（南）', ...random];
      const r = register(buildings);
      switch (kind) {
        case 'utf8':
          return { label: kind, bytes: utf8(r.text), expect: { ok: true, parts: r.parts } };
        case 'utf8-bom':
          return { label: kind, bytes: cat([0xef, 0xbb, 0xbf], utf8(r.text)), expect: { ok: true, parts: r.parts } };
        case 'gb18030':
          return { label: kind, bytes: encodeGb18030(r.text), expect: { ok: true, parts: r.parts } };
        case 'mixed-eol': {
          const m = register(buildings, ['\r\n', '\n', '\r']);
          return { label: kind, bytes: utf8(m.text), expect: { ok: true, parts: m.parts } };
        }
        case 'utf16le-bom':
          return { label: kind, bytes: cat([0xff, 0xfe], utf16le(r.text)), expect: { ok: false, line: 1 } };
        case 'utf16le':
          // Without a BOM, the ASCII header is valid UTF-8 (with NULs): the first broken line is named.
          return { label: kind, bytes: utf16le(r.text), expect: { ok: false } };
        case 'utf16be-bom':
          return { label: kind, bytes: cat([0xfe, 0xff], utf16be(r.text)), expect: { ok: false, line: 1 } };
        case 'utf8-cut-char': {
          // A register whose last row has its Chinese building cut inside a character (3-byte UTF-8).
          const text = `${r.text}R${n}-x,楼,1,1,residential,80,register,registered,Q${n}\n`;
          const b = utf8(text);
          const at = b.lastIndexOf(0xe6); // 楼 is E6 A5 BC
          return { label: kind, bytes: cat(b.subarray(0, at + 2), b.subarray(at + 3)), expect: { ok: false, line: buildings.length + 2 } };
        }
        case 'gb18030-cut-char': {
          const b = encodeGb18030(`${r.text}R${n}-x,楼`);
          return { label: kind, bytes: b.subarray(0, b.length - 1), expect: { ok: false } };
        }
        case 'random-bytes':
          return { label: kind, bytes, expect: { ok: false } };
        case 'zip-garbage':
          return { label: kind, bytes: cat([0x50, 0x4b, 0x03, 0x04], bytes), expect: { ok: false, line: 1 } };
        case 'empty':
          return { label: kind, bytes: new Uint8Array(0), expect: { ok: false, line: 1 } };
        case 'huge-line':
          return { label: kind, bytes: utf8(`${HEADER},${'楼'.repeat(300_000 + (cut % 1000))}`), expect: { ok: false, line: 1 } };
        case 'nul-cell': {
          const text = `${r.text}R${n}-z,1\u0000,1,1,residential,80,register,registered,Z${n}\n`;
          return { label: kind, bytes: utf8(text), expect: { ok: false, line: buildings.length + 2, column: 'building' } };
        }
        default: {
          // A bad area on the last row, after CR, LF and CRLF line ends: the physical line is named.
          const m = register(buildings, ['\r', '\r\n', '\n']);
          const text = `${m.text}R${n}-bad,1,1,1,residential,-80,register,registered,B${n}\n`;
          return { label: kind, bytes: utf8(text), expect: { ok: false, line: buildings.length + 2, column: 'area' } };
        }
      }
    };
    const details = await fc.check(
      fc.asyncProperty(arb, async (input) => {
        const c = make(input);
        const before = await fingerprint(ctx().db);
        const a = await upload(ctx(), estate.id, token, c.bytes, input.how);
        if (a.status >= 500) throw new Error(`${c.label}: ${a.status} ${a.text.slice(0, 300)}`);
        if (!c.expect.ok) {
          const p = refusalProblem(a);
          if (p) throw new Error(`${c.label}: ${p}`);
          const d = a.body.error.details[0];
          if (c.expect.line !== undefined && !a.body.error.details.some((x: any) => x.line === (c.expect as { line: number }).line)) throw new Error(`${c.label}: no detail names line ${c.expect.line}: ${JSON.stringify(a.body.error.details).slice(0, 300)}`);
          if (c.expect.column !== undefined && d.column !== c.expect.column) throw new Error(`${c.label}: column ${d.column}, expected ${c.expect.column}`);
          const changed = changedTables(before, await fingerprint(ctx().db));
          if (changed.length) throw new Error(`${c.label}: a refused import wrote to ${changed.join(', ')}`);
          return;
        }
        if (a.status !== 200) throw new Error(`${c.label}: expected 200, got ${a.status} ${a.text.slice(0, 300)}`);
        const listed = await send(ctx(), 'GET', `/api/estates/${estate.id}/parts?limit=500`, { token });
        const stored = Object.fromEntries((listed.body.items as { partId: string; building: string }[]).map((p) => [p.partId, p.building]));
        for (const [part, b] of Object.entries(c.expect.parts)) {
          if (stored[part] !== b) throw new Error(`${c.label}: ${part} stored with building ${JSON.stringify(stored[part])}, sent ${JSON.stringify(b)}`);
        }
      }),
      { seed: SEED, numRuns: 60, endOnFailure: true },
    );
    if (details.failed) failures.push(`${(details.errorInstance as Error).message} — ${JSON.stringify(details.counterexample?.[0]).slice(0, 300)}`);
    // Files over the upload limit are refused before they are read.
    const huge = await upload(ctx(), estate.id, token, new Uint8Array(10 * 1024 * 1024 + 100 * 1024).fill(0x41), 'raw');
    if (huge.status !== 413) failures.push(`11 MB file: ${huge.status}`);
    expect(failures, failures.join('\n')).toEqual([]);
  }, 180_000);

  it('formula-like cells (CSV and .xlsx) are imported as text, stored exactly, and every export keeps them inert', async () => {
    const t = clock(ctx(), '2026-03-01T10:00:00+08:00');
    const estate = await makeEstate(ctx(), undefined, '=cmd estate');
    const role = (r: 'organizer' | 'clerk' | 'auditor' | 'volunteer') => makeUser(ctx(), { roles: [{ estateId: estate.id, role: r }] });
    const [org, clerkA, clerkB, auditor] = [await role('organizer'), await role('clerk'), await role('clerk'), await role('auditor')];
    const base = `/api/estates/${estate.id}`;
    const call = (method: string, path: string, token: string, body?: unknown) => send(ctx(), method, path, { token, body: body === undefined ? undefined : JSON.stringify(body), contentType: body === undefined ? null : 'application/json' });

    // The CSV register: part ids, buildings, entrances and owner ids that look like formulas.
    const buildings = ['=1+1', '-3', '@B'];
    const entrances = ['+1', '=2', '-1'];
    const owners = ['@A', '-B', '=C', '@D', '=E', '-F', '@G'];
    const rows = FORMULA_PARTS.map((p, i) => [p, buildings[i % 3]!, entrances[i % 3]!, String(i + 1), 'residential', String(80 + i), 'register', 'registered', owners[i]!]);
    const csv = [HEADER, ...rows.map((r) => r.map(cell).join(','))].join('\r\n');
    const imported = await upload(ctx(), estate.id, org.token, utf8(csv), 'form');
    expect(imported.status, imported.text).toBe(200);
    // The same through .xlsx: text cells stay text; a real formula cell is not evaluated into the register.
    const sheet = [
      HEADER.split(',').map((value) => ({ value, type: String })),
      ['=X1', '@xl', '-1', '1', 'residential', '70', 'register', 'registered', '=XO'].map((value) => ({ value, type: String })),
      ['+X2', '=SUM(1,1)', '', '2', 'residential', '71', 'register', 'registered', '@XP'].map((value) => ({ value, type: String })),
    ];
    const xlsx = await upload(ctx(), estate.id, org.token, new Uint8Array(await writeXlsxFile(sheet as never).toBuffer()), 'form', XLSX);
    expect(xlsx.status, xlsx.text).toBe(200);
    const withFormula = [HEADER.split(',').map((value) => ({ value, type: String })), [{ value: '=1+1', type: 'Formula' }, ...['1', '', '1', 'residential', '70', 'register', 'registered', 'XF'].map((value) => ({ value, type: String }))]];
    const formulaCell = await upload(ctx(), estate.id, org.token, new Uint8Array(await writeXlsxFile(withFormula as never).toBuffer()), 'form', XLSX);
    expect(formulaCell.status, formulaCell.text).toBeLessThan(500);
    if (formulaCell.status !== 200) expect(refusalProblem(formulaCell)).toBeNull();

    const expectedParts = [...FORMULA_PARTS.map((p) => p.trim()), '=X1', '+X2'];
    const listed = await call('GET', `${base}/parts?limit=500`, org.token);
    const byId = new Map((listed.body.items as any[]).map((p) => [p.partId, p]));
    for (const p of expectedParts) expect(byId.has(p), `part ${JSON.stringify(p)} stored exactly`).toBe(true);
    expect(byId.get("=cmd|' /C calc'!A0")).toMatchObject({ building: '=1+1', entrance: '+1' });
    expect(byId.get('=X1')).toMatchObject({ building: '@xl', entrance: '-1' });
    expect(byId.get('+X2')).toMatchObject({ building: '=SUM(1,1)' });

    // A consultation answered with formula-like text, exported as CSV.
    const consultation = await call('POST', `${base}/consultations`, org.token, {
      title: '=HYPERLINK("http://evil.example")',
      closesAt: '2026-04-30T18:00:00+08:00',
      questions: [
        { key: '-q1', kind: 'multiple', title: '@颜色', options: [{ key: '-A', name: '=暖米色' }, { key: '-B', name: '+浅灰' }] },
        { key: 'qq2', kind: 'text', title: '意见', required: false },
      ],
    });
    expect(consultation.status, consultation.text).toBe(201);
    const cid = consultation.body.id;
    expect((await call('POST', `${base}/consultations/${cid}/open`, org.token)).status).toBe(200);
    const answers = ['=1+1', '+86 138 0013 8000', '-5', '@SUM(A1:A9)', '\t=1+1', '\r=2+2', '=HYPERLINK("http://evil.example","点我")'];
    for (const [i, part] of FORMULA_PARTS.entries()) {
      const owner = await bindOwner(ctx(), estate.id, owners[i]!);
      const r = await call('PUT', `${base}/consultations/${cid}/responses/${encodeURIComponent(part.trim())}`, owner.token, { answers: { '-q1': i % 2 ? ['-A', '-B'] : ['-B'], qq2: answers[i]! } });
      expect(r.status, r.text).toBe(200);
    }

    // A vote over the same register, with letters, service, proxies, online and paper ballots, closed.
    const vote = await call('POST', `${base}/votes`, org.token, { title: '=1+1 vote', opensAt: '2026-03-17T00:00:00+08:00', closesAt: '2026-03-31T00:00:00+08:00', matters: [{ title: '-renew', category: '4' }] });
    expect(vote.status, vote.text).toBe(201);
    const url = `${base}/votes/${vote.body.id}`;
    expect((await call('POST', `${url}/notice`, org.token, { noticeDate: '2026-03-01' })).status).toBe(200);
    expect((await call('POST', `${url}/letters`, org.token, {})).status).toBe(201);
    t.set('2026-03-05T10:00:00+08:00');
    expect((await call('POST', `${url}/service`, clerkA.token, { partId: '+1+1', channel: 'hand', servedAt: '2026-03-05T09:00:00+08:00' })).status).toBe(201);
    const proxy = await call('POST', `${url}/proxies`, clerkA.token, { partId: '-2', holderIdNumber: '110101199001011234', authorizationSha256: 'a'.repeat(64) });
    expect(proxy.status, proxy.text).toBe(201);
    t.set('2026-03-20T10:00:00+08:00');
    const voter = await bindOwner(ctx(), estate.id, '@D');
    expect((await call('POST', `${url}/ballots`, voter.token, { choices: [{ matter: 'm1', choice: 'yes' }], nonce: randomUUID() })).status).toBe(201);
    for (const clerk of [clerkA, clerkB]) {
      const paper = await call('POST', `${url}/paper`, clerk.token, { partId: "=cmd|' /C calc'!A0", choices: [{ matter: 'm1', choice: 'no' }], scanSha256: 'b'.repeat(64), receivedAt: '2026-03-19T16:00:00+08:00' });
      expect(paper.status, paper.text).toBeLessThan(300);
    }
    const outreach = await call('GET', `${url}/outreach`, org.token);
    t.set('2026-04-01T10:00:00+08:00');
    expect((await call('POST', `${url}/close`, org.token, { reason: '=count now' })).status).toBe(200);

    // CSV: every cell that a spreadsheet would read as a formula is escaped.
    const exported = await call('GET', `${base}/consultations/${cid}/export.csv`, org.token);
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toContain('text/csv');
    expect(unescapedCells(exported.text)).toEqual([]);
    const table = parseCsv(exported.text);
    expect(table.header).toEqual(['building', 'entrance', 'household', 'updated_at', "'-q1", 'qq2']);
    const exportedHouseholds = table.rows.map((r) => r.cells[2]);
    for (const p of FORMULA_PARTS) expect(exportedHouseholds).toContain(/^[=+\-@\t\r]/.test(p.trim()) ? `'${p.trim()}` : p.trim());
    const exportedAnswers = table.rows.map((r) => r.cells[5]);
    // Text answers are trimmed when saved (so tab and CR prefixes cannot reach the file); the rest is escaped.
    expect(exportedAnswers, JSON.stringify(exportedAnswers)).toEqual(expect.arrayContaining(answers.map((a) => `'${a.trim()}`)));

    // JSON exports and publications: valid JSON, the register's text verbatim as JSON strings.
    const jsonExports: [string, Answer][] = [
      ['parts', await call('GET', `${base}/parts?limit=500`, org.token)],
      ['buildings', await call('GET', `${base}/buildings`, org.token)],
      ['electorate', await call('GET', `${url}/electorate`, org.token)],
      ['turnout', await call('GET', `${url}/turnout`, org.token)],
      ['result (公告)', await call('GET', `${url}/result`, org.token)],
      ['reconciliation', await call('GET', `${url}/reconciliation`, auditor.token)],
      ['letters', await call('GET', `${url}/letters`, org.token)],
      ['proxies', await call('GET', `${url}/proxies`, org.token)],
      ['paper', await call('GET', `${url}/paper`, org.token)],
      ['service', await call('GET', `${url}/service`, org.token)],
      ['outreach', outreach],
      ['consultation results', await call('GET', `${base}/consultations/${cid}/results`, org.token)],
      ['coverage', await call('GET', `${base}/consultations/${cid}/coverage`, org.token)],
      ['ledger export', await call('GET', `${url}/ledger/export`, org.token)],
      ['auditor export', await call('GET', `${url}/ledger/export/auditor`, auditor.token)],
    ];
    const strings = (v: unknown, out: string[] = []): string[] => {
      if (typeof v === 'string') out.push(v);
      else if (Array.isArray(v)) v.forEach((x) => strings(x, out));
      else if (v && typeof v === 'object') Object.values(v).forEach((x) => strings(x, out));
      return out;
    };
    for (const [name, a] of jsonExports) {
      expect(a.status, `${name}: ${a.text.slice(0, 200)}`).toBe(200);
      expect(a.headers.get('content-type'), name).toContain('application/json');
      expect(() => JSON.parse(a.text), name).not.toThrow();
    }
    const published = new Map(jsonExports.map(([name, a]) => [name, strings(a.body)]));
    expect(published.get('parts')).toEqual(expect.arrayContaining(expectedParts));
    expect(published.get('result (公告)')!.concat(published.get('electorate')!)).toEqual(expect.arrayContaining(FORMULA_PARTS.map((p) => p.trim())));
    expect(published.get('reconciliation')).toEqual(expect.arrayContaining(buildings));

    // The log export: JSON and JSONL files parse and hold the part ids as JSON strings; the plain-text
    // files (checkpoint notes, keys, SHA256SUMS) hold no register text at all.
    for (const [name, a] of jsonExports.filter(([n]) => n.includes('export'))) {
      const files = a.body.files as Record<string, string>;
      expect(Object.keys(files), name).toEqual(expect.arrayContaining(['manifest.json', 'roster.jsonl', 'entries.jsonl', 'tally.json', 'keys.txt', 'SHA256SUMS']));
      const roster: string[] = [];
      for (const [file, text] of Object.entries(files)) {
        if (file.endsWith('.jsonl')) {
          for (const line of text.split('\n').filter(Boolean)) {
            const parsed = JSON.parse(line);
            if (file === 'roster.jsonl') roster.push(...parsed.parts);
          }
        } else if (file.endsWith('.json')) {
          JSON.parse(text);
        } else {
          // Only the distinctive values: short ones like "-2" occur in any UUID.
          for (const v of [...expectedParts, ...buildings, ...entrances, ...owners].filter((x) => x.length >= 4)) expect(text, `${name} ${file}`).not.toContain(v);
        }
      }
      expect(roster).toEqual(expect.arrayContaining(FORMULA_PARTS.map((p) => p.trim())));
    }
  }, 180_000);
});
