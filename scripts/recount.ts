/**
 * Offline recount (重新计票) — the contract is shared/spec/recount.md; keep it exact.
 *
 *   npx tsx scripts/recount.ts --register register.csv --ballots ballots.csv --rules rules.json \
 *       [--served served.csv] [--json]
 *
 * Exit 0 with the result on stdout (JSON with --json, else a bilingual summary); exit 2 with
 * messages naming the file and line on bad input; never a stack trace. This file only reads
 * and checks the files and prints: the counting is the domain engine the service uses.
 *
 * Decision — a ballot naming a part that is not in the register is BAD INPUT (exit 2), not
 * a rejected ballot. recount.md lists it both among bad input and among rejection reasons;
 * the two are reconciled this way: the engine (shared with the service) rejects a part it
 * does not know, while here the register is the complete list of parts, so a ballot for a
 * part it lacks means the files do not belong together (another estate's register, a
 * register edited after the vote, a forged ballot). An auditor must be stopped rather than
 * shown a confident result. A part that is in the register but not counted (outside the
 * scope, or an uncounted kind) identifies its party as usual and is rejected only when that
 * party has no counted part ("party has no counted part in scope").
 */

import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { CsvSyntaxError, parseCsv, type Table } from '../src/domain/register/csv.ts';
import { formatAreaCents } from '../src/domain/register/area.ts';
import { PART_KINDS, validateRegister, type PartKind, type RegisterPart } from '../src/domain/register/rows.ts';
import type { MergeRule, Scope } from '../src/domain/electorate/parties.ts';
import { buildElectorate, type Electorate } from '../src/domain/tally/electorate.ts';
import {
  RESERVED_CHOICES,
  REJECTION_REASONS_ZH,
  normalizeTallyRules,
  tally,
  toContractJson,
  type BallotInput,
  type Category,
  type TallyResult,
  type TallyRules,
  type Weight,
} from '../src/domain/tally/tally.ts';
import { categoryText, thresholdText, verdictText } from '../src/domain/tally/wording.ts';

const USAGE =
  'usage: npx tsx scripts/recount.ts --register register.csv --ballots ballots.csv --rules rules.json [--served served.csv] [--json]';

/** Bad input: one or more messages, each naming the file (and line where there is one). */
class InputError extends Error {
  readonly messages: string[];
  constructor(messages: string[]) {
    super(messages.join('\n'));
    this.messages = messages;
  }
}

/** At most this many problems are printed; a broken file would otherwise flood the terminal. */
const MAX_MESSAGES = 20;

const at = (file: string, line?: number | null, column?: string | null) =>
  `${file}${line == null ? '' : ` line ${line}`}${column ? `, column ${column}` : ''}`;

interface Args {
  register: string;
  ballots: string;
  rules: string;
  served: string | null;
  json: boolean;
}

const VALUE_FLAGS = ['--register', '--ballots', '--rules', '--served'] as const;

/** Reads `--flag value` and `--flag=value`; anything unexpected is an error with the usage. */
function parseArgs(argv: readonly string[]): Args {
  const values = new Map<string, string>();
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') {
      json = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 && arg.startsWith('--') ? arg.slice(0, eq) : arg;
    if (!(VALUE_FLAGS as readonly string[]).includes(flag)) {
      throw new InputError([`unknown argument "${arg}"`, USAGE]);
    }
    const value = eq > 0 && arg.startsWith('--') ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '' || (eq < 0 && value.startsWith('--'))) {
      throw new InputError([`${flag} needs a file name`, USAGE]);
    }
    if (values.has(flag)) throw new InputError([`${flag} is given twice`, USAGE]);
    values.set(flag, value);
  }
  const missing = ['--register', '--ballots', '--rules'].filter((f) => !values.has(f));
  if (missing.length > 0) throw new InputError([`missing ${missing.join(', ')}`, USAGE]);
  return {
    register: values.get('--register')!,
    ballots: values.get('--ballots')!,
    rules: values.get('--rules')!,
    served: values.get('--served') ?? null,
    json,
  };
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot be read (${code ?? String(e)})`;
    throw new InputError([`${file}: ${why}`]);
  }
}

function readCsv(file: string, text: string): Table {
  try {
    return parseCsv(text);
  } catch (e) {
    if (e instanceof CsvSyntaxError) throw new InputError([`${at(file, e.line)}: ${e.message}`]);
    throw e;
  }
}

function readRegister(file: string, text: string): RegisterPart[] {
  const validation = validateRegister(readCsv(file, text));
  if (validation.ok) return validation.parts;
  throw new InputError(
    validation.errors.map((err) => `${at(file, err.line, err.column)}: ${err.message}（${err.messageZh}）`),
  );
}

/**
 * Checks a CSV header against the expected columns (all required, no others) and returns
 * the index of each column.
 */
function columnsOf(file: string, table: Table, expected: readonly string[]): Map<string, number> {
  const problems: string[] = [];
  if (table.header.length === 0) throw new InputError([`${at(file, 1)}: the file is empty; expected the header ${expected.join(',')}`]);
  const index = new Map<string, number>();
  table.header.forEach((name, i) => {
    if (!expected.includes(name)) problems.push(`${at(file, 1)}: unknown column "${name}"; expected ${expected.join(', ')}`);
    else if (index.has(name)) problems.push(`${at(file, 1)}: column "${name}" appears twice`);
    else index.set(name, i);
  });
  for (const name of expected) if (!index.has(name)) problems.push(`${at(file, 1)}: missing column "${name}"`);
  if (problems.length > 0) throw new InputError(problems);
  return index;
}

const CHANNELS = ['online', 'paper', 'proxy'] as const;

/**
 * Reads ballots.csv. Structural problems (bad or duplicate seq, unknown channel, empty or
 * unregistered part) are bad input; a choice the matter does not allow is the engine's
 * business: the ballot is rejected and listed with "choice not allowed", as the contract says.
 */
function readBallots(file: string, text: string, registered: ReadonlySet<string>): BallotInput[] {
  const table = readCsv(file, text);
  const col = columnsOf(file, table, ['seq', 'part_id', 'channel', 'choice']);
  const problems: string[] = [];
  const firstLineOfSeq = new Map<number, number>();
  const ballots: BallotInput[] = [];
  for (const { line, cells } of table.rows) {
    if (cells.length !== table.header.length) {
      problems.push(`${at(file, line)}: row has ${cells.length} cells but the header has ${table.header.length} columns`);
      continue;
    }
    const cell = (name: string) => cells[col.get(name)!].trim();
    const before = problems.length;

    const seqText = cell('seq');
    let seq = Number.NaN;
    if (!/^\d{1,15}$/.test(seqText)) {
      problems.push(`${at(file, line, 'seq')}: seq "${seqText}" is not a whole number ≥ 0`);
    } else {
      seq = Number(seqText);
      const first = firstLineOfSeq.get(seq);
      if (first !== undefined) problems.push(`${at(file, line, 'seq')}: seq ${seq} is a duplicate of line ${first}`);
      else firstLineOfSeq.set(seq, line);
    }
    const partId = cell('part_id');
    if (partId === '') problems.push(`${at(file, line, 'part_id')}: part_id is empty`);
    else if (!registered.has(partId)) {
      problems.push(`${at(file, line, 'part_id')}: part "${partId}" is not in the register; the files do not belong together`);
    }
    const channel = cell('channel').toLowerCase();
    if (!(CHANNELS as readonly string[]).includes(channel)) {
      problems.push(`${at(file, line, 'channel')}: channel "${cell('channel')}" is not allowed; use one of: ${CHANNELS.join(', ')}`);
    }
    if (problems.length === before) {
      ballots.push({ seq, partId, channel: channel as BallotInput['channel'], choice: cell('choice') });
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  return ballots;
}

/** Reads served.csv: one column `part_id`, every part in the register. */
function readServed(file: string, text: string, registered: ReadonlySet<string>): Set<string> {
  const table = readCsv(file, text);
  columnsOf(file, table, ['part_id']);
  const problems: string[] = [];
  const served = new Set<string>();
  for (const { line, cells } of table.rows) {
    if (cells.length !== 1) {
      problems.push(`${at(file, line)}: row has ${cells.length} cells but the header has 1 column`);
      continue;
    }
    const partId = cells[0].trim();
    if (partId === '') problems.push(`${at(file, line, 'part_id')}: part_id is empty`);
    else if (!registered.has(partId)) problems.push(`${at(file, line, 'part_id')}: part "${partId}" is not in the register`);
    else served.add(partId);
  }
  if (problems.length > 0) throw new InputError(problems);
  return served;
}

/** 1-based line of a character offset. */
const lineAt = (text: string, offset: number) => text.slice(0, offset).split(/\r\n|\r|\n/).length;

/**
 * Offset of the first syntax error in JSON text. Only called after JSON.parse has failed,
 * because V8's messages do not always carry a position, and the contract promises a line.
 */
function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i])) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail();
  };
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] < ' ') fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      }
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    }
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) fail();
    i += m![0].length;
  };
  try {
    value();
    ws();
    return i;
  } catch (offset) {
    return Math.min(offset as number, text.length);
  }
}

const RULE_KEYS = ['category', 'scope', 'merge', 'count_kinds', 'revision', 'spoilt', 'non_voters', 'options'];

/**
 * Reads rules.json into the engine's rules, applying the contract's defaults. Unknown keys
 * are errors, because a misspelt key ("non_voter") would silently fall back to a default and
 * change the result; keys starting with "_" or "$" are allowed as annotations ("$schema",
 * "_note"). The category has no default.
 */
function readRules(file: string, text: string): TallyRules {
  let raw: unknown;
  try {
    raw = JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
  } catch (e) {
    const offset = jsonErrorOffset(text.startsWith('\uFEFF') ? text.slice(1) : text);
    throw new InputError([`${at(file, lineAt(text, offset))}: not valid JSON (${(e as Error).message})`]);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InputError([`${at(file, 1)}: rules must be a JSON object`]);
  }
  const obj = raw as Record<string, unknown>;
  const problems: string[] = [];
  // Line of a key for messages: the first line where `"key":` appears (good enough for the
  // flat objects of this format, and never wrong about which file).
  const lineOf = (key: string) => {
    const idx = text.search(new RegExp(`"${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"\\s*:`));
    return idx < 0 ? 1 : lineAt(text, idx);
  };
  const bad = (key: string, message: string) => {
    problems.push(`${at(file, lineOf(key))}: ${key}: ${message}`);
    return undefined;
  };

  for (const key of Object.keys(obj)) {
    if (!RULE_KEYS.includes(key) && !key.startsWith('_') && !key.startsWith('$')) {
      bad(key, `unknown key; allowed keys: ${RULE_KEYS.join(', ')}`);
    }
  }
  const oneOf = <T extends string>(key: string, allowed: readonly T[]): T | undefined => {
    const v = obj[key];
    if (v === undefined) return undefined;
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
    return bad(key, `${JSON.stringify(v)} is not allowed; use one of: ${allowed.join(', ')}`);
  };

  let category: Category | undefined;
  const c = obj.category;
  if (c === undefined) problems.push(`${at(file, 1)}: category is missing; give 1..9 or "consultation"`);
  else if (c === 'consultation' || (typeof c === 'number' && Number.isInteger(c) && c >= 1 && c <= 9)) category = c as Category;
  else bad('category', `${JSON.stringify(c)} is not a category; use a whole number 1..9 or "consultation"`);

  const scope = readScope(obj.scope, (m) => bad('scope', m));
  const merge = oneOf<MergeRule>('merge', ['identical_owner_set', 'shared_person']);
  const revision = oneOf<TallyRules['revision']>('revision', ['final', 'last_counts']);
  const spoilt = oneOf<TallyRules['spoilt']>('spoilt', ['participates', 'excluded']);
  const nonVoters = oneOf<TallyRules['nonVoters']>('non_voters', ['strict', 'deemed_majority']);

  let countKinds: PartKind[] | undefined;
  const k = obj.count_kinds;
  if (k !== undefined) {
    if (!Array.isArray(k) || k.length === 0) bad('count_kinds', `must be a non-empty list of: ${PART_KINDS.join(', ')}`);
    else if (!k.every((x) => (PART_KINDS as readonly unknown[]).includes(x))) {
      bad('count_kinds', `${JSON.stringify(k)} has an unknown kind; use: ${PART_KINDS.join(', ')}`);
    } else if (new Set(k).size !== k.length) bad('count_kinds', 'lists a kind twice');
    else countKinds = k as PartKind[];
  }

  let options: string[] | null | undefined;
  const o = obj.options;
  if (o === null) options = null;
  else if (o !== undefined) {
    if (!Array.isArray(o) || o.length < 2 || !o.every((x) => typeof x === 'string' && x !== '' && x.trim() === x)) {
      bad('options', 'must be a list of at least two option ids (non-empty, without surrounding spaces), or null for a yes/no matter');
    } else if (new Set(o).size !== o.length) bad('options', 'lists an option id twice');
    else if (o.some((x) => (RESERVED_CHOICES as readonly string[]).includes(x))) {
      bad('options', `option ids may not be ${RESERVED_CHOICES.join(' or ')}: those are choices of every matter`);
    } else options = o as string[];
  }

  if (problems.length > 0 || category === undefined) throw new InputError(problems);
  return normalizeTallyRules({ category, scope, merge, countKinds, revision, spoilt, nonVoters, options });
}

/** `scope`: null/absent for the whole estate, or `{building, entrance?}` (ids as strings or integers). */
function readScope(v: unknown, bad: (m: string) => undefined): Scope | null | undefined {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) return bad('must be an object like {"building": "3", "entrance": "2"}, or null');
  const s = v as Record<string, unknown>;
  const extra = Object.keys(s).filter((key) => key !== 'building' && key !== 'entrance');
  if (extra.length > 0) return bad(`unknown key ${JSON.stringify(extra[0])}; allowed: building, entrance`);
  // Register cells are text; an integer written without quotes means the same building.
  const id = (x: unknown) => (typeof x === 'string' ? x.trim() : typeof x === 'number' && Number.isInteger(x) ? String(x) : undefined);
  const building = id(s.building);
  if (!building) return bad('building must be a non-empty text (or integer)');
  if (s.entrance === undefined || s.entrance === null) return { building, entrance: null };
  const entrance = id(s.entrance);
  if (!entrance) return bad('entrance must be a non-empty text (or integer), or null for the whole building');
  return { building, entrance };
}

const weightLine = (label: string, w: Weight) =>
  `${label.padEnd(30)} ${String(w.parties).padStart(6)} 人 parties   ${formatAreaCents(w.areaCents).padStart(12)} m²`;

const yesNo = (b: boolean) => (b ? '是 yes' : '否 no');

/** The readable bilingual summary printed without --json. */
function summary(result: TallyResult, rules: TallyRules, electorate: Electorate): string {
  const lines: string[] = [];
  const scope = rules.scope
    ? `${rules.scope.building}栋${rules.scope.entrance == null ? '' : `${rules.scope.entrance}单元`} / building ${rules.scope.building}${rules.scope.entrance == null ? '' : `, entrance ${rules.scope.entrance}`}`
    : '全体业主 / whole estate';
  lines.push('重新计票结果 / Recount result');
  lines.push(`事项 Matter:     ${categoryText(rules.category, 'zh')} / ${categoryText(rules.category, 'en')}`);
  lines.push(`门槛 Threshold:  ${thresholdText(rules.category, 'zh')}`);
  lines.push(`                ${thresholdText(rules.category, 'en')}`);
  lines.push(`范围 Scope:      ${scope}`);
  lines.push(
    `规则 Rules:      merge ${rules.merge} · count ${rules.countKinds.join(', ')} · revision ${rules.revision} · spoilt ${rules.spoilt} · non-voters ${rules.nonVoters}`,
  );
  lines.push('');
  lines.push(weightLine('业主总数 electorate', result.electorate));
  lines.push(weightLine('参与表决 participation', result.participation));
  if (result.options) {
    for (const o of result.options) lines.push(weightLine(`方案 option ${o.id}`, o));
  } else {
    lines.push(weightLine('同意 yes', result.yes));
    lines.push(weightLine('反对 no', result.no));
  }
  lines.push(weightLine('弃权 abstain', result.abstain));
  lines.push(weightLine(`废票 spoilt (${rules.spoilt})`, result.spoilt));
  lines.push(
    rules.category === 'consultation'
      ? '参与比例 quorum: 不适用（意见征询无法定门槛）/ not applicable (a consultation has no legal threshold)'
      : `参与达到三分之二 quorum (2/3 of area and heads): ${yesNo(result.quorum)}`,
  );
  if (result.options) lines.push(`采纳方案 adopted: ${result.adopted ?? '无 none'}`);
  lines.push('');
  lines.push(`结论：${verdictText(result, rules.category, 'zh')}`);
  lines.push(`Verdict: ${verdictText(result, rules.category, 'en')}`);

  if (result.deemed) {
    const d = result.deemed;
    lines.push('');
    lines.push('未投票视为同意多数 / Non-voters follow the majority (reported beside the strict result):');
    if (!d.applicable) {
      lines.push(`  不适用 not applicable: ${d.reasonZh} / ${d.reason}`);
    } else {
      lines.push(weightLine('  视为随多数 deemed parties', d.deemedParties));
      lines.push(weightLine('  参与表决 participation', d.participation));
      lines.push(weightLine('  同意 yes', d.yes));
      lines.push(`  结论：${verdictText(d, rules.category, 'zh')}`);
      lines.push(`  Verdict: ${verdictText(d, rules.category, 'en')}`);
    }
  }

  lines.push('');
  lines.push(`被拒绝的选票 Rejected ballots: ${result.rejected.length}`);
  for (const r of result.rejected) lines.push(`  #${r.seq} ${r.partId}: ${r.reason}（${REJECTION_REASONS_ZH[r.reason]}）`);
  if (result.superseded.length > 0) {
    lines.push(`被后一张选票替代 Superseded ballots (last_counts): ${result.superseded.length}`);
    for (const s of result.superseded) lines.push(`  #${s.seq} → #${s.supersededBy}`);
  }
  lines.push(`计入的选票 Counted ballots: ${result.counted.length} of ${electorate.totals.parties} parties`);
  return lines.join('\n') + '\n';
}

/**
 * Runs the recount with the given arguments, writing to the given streams.
 * Returns the exit code: 0 result, 2 bad input, 1 an internal error (a bug; still no stack trace).
 */
export function main(
  argv: readonly string[],
  out: (text: string) => void = (t) => process.stdout.write(t),
  err: (text: string) => void = (t) => process.stderr.write(t),
): number {
  try {
    const args = parseArgs(argv);
    // Read every file first, so one run names every missing file.
    const files = [args.register, args.ballots, args.rules, ...(args.served === null ? [] : [args.served])];
    const missing: string[] = [];
    const texts = new Map<string, string>();
    for (const file of files) {
      try {
        texts.set(file, readText(file));
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        missing.push(...e.messages);
      }
    }
    if (missing.length > 0) throw new InputError(missing);
    const text = (file: string) => texts.get(file)!;

    const rules = readRules(args.rules, text(args.rules));
    const parts = readRegister(args.register, text(args.register));
    const registered = new Set(parts.map((p) => p.partId));
    const ballots = readBallots(args.ballots, text(args.ballots), registered);
    const served = args.served === null ? undefined : readServed(args.served, text(args.served), registered);

    const electorate = buildElectorate(parts, { merge: rules.merge, countKinds: rules.countKinds, scope: rules.scope });
    if (electorate.parties.length === 0) {
      throw new InputError([
        `${at(args.rules, 1)}: no part of ${args.register} is counted under these rules (check scope and count_kinds); there is nobody to count`,
      ]);
    }
    const result = tally(electorate, ballots, rules, served);
    out(args.json ? `${JSON.stringify(toContractJson(result, rules), null, 2)}\n` : summary(result, rules, electorate));
    return 0;
  } catch (e) {
    if (e instanceof InputError) {
      const shown = e.messages.slice(0, MAX_MESSAGES);
      const more = e.messages.length - shown.length;
      err(`recount: bad input\n${shown.map((m) => `  ${m}`).join('\n')}${more > 0 ? `\n  … and ${more} more` : ''}\n`);
      return 2;
    }
    err(`recount: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
