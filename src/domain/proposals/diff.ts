/**
 * Differences between two versions of a proposal, shown to residents so they can see exactly
 * what an organizer changed after comments (修改对照).
 */

/** One line of a line diff: kept (`same`), only in the new text (`add`) or only in the old (`del`). */
export interface DiffLine {
  op: 'same' | 'add' | 'del';
  text: string;
}

/** The largest number of lines per side {@link diffLines} accepts. */
export const MAX_DIFF_LINES = 2000;

/** Thrown by {@link diffLines} when a text exceeds {@link MAX_DIFF_LINES}. */
export class DiffTooLargeError extends RangeError {
  /** Line count of the offending text. */
  readonly lines: number;

  constructor(side: 'before' | 'after', lines: number) {
    super(`cannot diff: the ${side} text has ${lines} lines (at most ${MAX_DIFF_LINES})`);
    this.name = 'DiffTooLargeError';
    this.lines = lines;
  }
}

/**
 * Splits text into lines. CRLF, LF and lone CR all end a line, so a text re-saved with other
 * line endings does not show as entirely changed. One final line break ends the last line
 * rather than starting an empty one, and the empty text has no lines.
 */
function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Line diff by longest common subsequence. Deterministic: where several minimal diffs exist,
 * a changed block is reported as its deletions followed by its additions, and a match is
 * taken as early as possible. Line endings are not part of `text` (see above).
 *
 * Cost is O(n·m) time and memory after removing the common head and tail, hence the limit.
 *
 * @throws DiffTooLargeError when either text has more than {@link MAX_DIFF_LINES} lines.
 */
export function diffLines(a: string, b: string): DiffLine[] {
  const x = splitLines(a);
  const y = splitLines(b);
  if (x.length > MAX_DIFF_LINES) throw new DiffTooLargeError('before', x.length);
  if (y.length > MAX_DIFF_LINES) throw new DiffTooLargeError('after', y.length);

  // The common head and tail are always part of an LCS; trimming them keeps the usual
  // small-edit case cheap.
  let head = 0;
  while (head < x.length && head < y.length && x[head] === y[head]) head++;
  let tail = 0;
  while (
    tail < x.length - head &&
    tail < y.length - head &&
    x[x.length - 1 - tail] === y[y.length - 1 - tail]
  ) {
    tail++;
  }

  const out: DiffLine[] = [];
  for (let i = 0; i < head; i++) out.push({ op: 'same', text: x[i] });

  const xs = x.slice(head, x.length - tail);
  const ys = y.slice(head, y.length - tail);
  const n = xs.length;
  const m = ys.length;
  const w = m + 1;
  // lcs[i·w + j] = LCS length of xs[i..] and ys[j..]. Lengths are ≤ 2,000, so 16 bits suffice
  // and the table stays ≤ ~8 MB.
  const lcs = new Uint16Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] =
        xs[i] === ys[j]
          ? lcs[(i + 1) * w + j + 1] + 1
          : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (xs[i] === ys[j]) {
      out.push({ op: 'same', text: xs[i] });
      i++;
      j++;
    } else if (lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) {
      // Preferring the deletion on a tie puts a block's deletions before its additions.
      out.push({ op: 'del', text: xs[i++] });
    } else {
      out.push({ op: 'add', text: ys[j++] });
    }
  }
  while (i < n) out.push({ op: 'del', text: xs[i++] });
  while (j < m) out.push({ op: 'add', text: ys[j++] });

  for (let k = x.length - tail; k < x.length; k++) out.push({ op: 'same', text: x[k] });
  return out;
}

/** One option of a proposal version, as shown to residents. */
export interface ProposalOptionView {
  /** Stable identity of the option across versions. */
  key: string;
  name: string;
  colorHex?: string | null;
  colorCode?: string | null;
  description?: string | null;
}

/** The parts of a proposal version that residents see. */
export interface ProposalVersionView {
  title: string;
  body: string;
  options: ProposalOptionView[];
}

/** An option present in both versions whose visible fields differ. */
export interface ChangedOption {
  key: string;
  before: ProposalOptionView;
  after: ProposalOptionView;
}

/** Result of {@link diffVersions}. */
export interface VersionDiff {
  /** Null when the title is unchanged. */
  title: { before: string; after: string } | null;
  body: DiffLine[];
  options: {
    /** Keys only in the new version, in its order. */
    added: ProposalOptionView[];
    /** Keys only in the old version, in its order. */
    removed: ProposalOptionView[];
    /** Keys in both with a different name, colour or description, in the new version's order. */
    changed: ChangedOption[];
    /**
     * True when options kept in both versions appear in a different relative order — the
     * ballot order changed even if no option did.
     */
    reordered: boolean;
  };
}

const OPTION_FIELDS = ['name', 'colorHex', 'colorCode', 'description'] as const;

/**
 * Whether two options differ in a visible field. A missing optional field and `null` both
 * mean "none" and compare equal; strings are compared exactly (e.g. `#ff0000` vs `#FF0000`
 * is a change — normalizing colours is the editor's job, not the diff's).
 */
function optionChanged(a: ProposalOptionView, b: ProposalOptionView): boolean {
  return OPTION_FIELDS.some((f) => (a[f] ?? null) !== (b[f] ?? null));
}

function byKey(options: ProposalOptionView[], side: string): Map<string, ProposalOptionView> {
  const map = new Map<string, ProposalOptionView>();
  for (const o of options) {
    if (map.has(o.key)) throw new RangeError(`${side} version has duplicate option key ${JSON.stringify(o.key)}`);
    map.set(o.key, o);
  }
  return map;
}

/**
 * Compares two versions of a proposal: the title, the body line by line ({@link diffLines}),
 * and the options matched by `key`.
 *
 * @throws RangeError on a duplicate option key within a version; DiffTooLargeError from the
 *   body diff.
 */
export function diffVersions(a: ProposalVersionView, b: ProposalVersionView): VersionDiff {
  const before = byKey(a.options, 'old');
  const after = byKey(b.options, 'new');
  const keptOld = a.options.filter((o) => after.has(o.key)).map((o) => o.key);
  const keptNew = b.options.filter((o) => before.has(o.key)).map((o) => o.key);
  return {
    title: a.title === b.title ? null : { before: a.title, after: b.title },
    body: diffLines(a.body, b.body),
    options: {
      added: b.options.filter((o) => !before.has(o.key)),
      removed: a.options.filter((o) => !after.has(o.key)),
      changed: b.options
        .filter((o) => before.has(o.key) && optionChanged(before.get(o.key)!, o))
        .map((o) => ({ key: o.key, before: before.get(o.key)!, after: o })),
      reordered: keptOld.some((k, i) => keptNew[i] !== k),
    },
  };
}
