// Seeded fuzz cases of the metric logs and run configs: a real run of test/fixtures/real-logs (or
// the sklearn reports of test/fixtures/sklearn) with one of its files damaged the way its format
// breaks: CSV logs (ragged rows, quoted vectors, NA, huge numbers of columns, BOM, blank lines),
// JSON-lines logs (lines cut short, NaN literals, wrong types, deep nesting, duplicate keys, huge
// arrays), whole JSON documents (truncated, invalid tokens, wrong types), sklearn report text,
// YAML configs (alias bombs, deep nesting, unterminated flows), Python configs (huge literals,
// unterminated strings); counts that ask for a lot (columns, rows, classes); blind byte
// mutations on top. Each case is a run folder to analyse, the damaged file or its folder as target.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import fc from 'fast-check';
import { byteMutations, lcg, mutateBytes, tag, type FuzzCase, type FuzzFile } from './cases';
import { enc } from './builders';

/** How big the generated inputs get: the unit tests stay small; the long run asks for millions. */
export interface FuzzScale {
  /** Bombs (blank lines, repeated rows) inflate to at most this many MiB. */
  bombMiB: number;
  /** The long run: millions of rows and steps, lines past the 16 MiB line limit. */
  long: boolean;
}

/** A damage: `op` names it, `pick` chooses a line / cell / key, `at` a place, `v` a variant, `n` a count. */
export interface TextMutation<Op extends string = string> {
  op: Op;
  pick: number;
  at: number;
  v: number;
  n: number;
}

const unit = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });

/** Counts: mostly small, then thousands, then (long run) millions. */
export function counts(scale: FuzzScale): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.integer({ min: 1, max: 300 }) },
    { weight: 2, arbitrary: fc.constantFrom(1000, 5000, 20000) },
    { weight: 1, arbitrary: fc.constantFrom(...(scale.long ? [100_000, 1_000_000, 3_000_000] : [50_000, 100_000])) },
  );
}

export function mutations<Op extends string>(ops: readonly Op[], scale: FuzzScale, maxLength = 3): fc.Arbitrary<TextMutation<Op>[]> {
  return fc.array(fc.record({ op: fc.constantFrom(...ops), pick: unit, at: unit, v: fc.nat({ max: 1000 }), n: counts(scale) }), { minLength: 1, maxLength });
}

const choose = <T>(xs: readonly T[], u: number): T | undefined => xs[Math.floor(u * xs.length)];

// --------------------------------------------------------------- seeds

const FIXTURES = join(__dirname, '../fixtures');
const RUNS = join(FIXTURES, 'real-logs/runs');

function filesUnder(dir: string, into: string, out: FuzzFile[] = [], base = dir): FuzzFile[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) filesUnder(p, into, out, base);
    else if (name !== 'README.md') out.push({ path: join(into, relative(base, p)), bytes: new Uint8Array(readFileSync(p)) });
  }
  return out;
}

/** The files of a real run, under `run/` in the case folder (read once). */
const runCache = new Map<string, FuzzFile[]>();
export function fixtureRun(id: string): FuzzFile[] {
  let files = runCache.get(id);
  if (!files) runCache.set(id, (files = filesUnder(id === 'sklearn' ? join(FIXTURES, 'sklearn') : join(RUNS, id), 'run')));
  return files;
}

/** A file of a real run to damage (path relative to the run folder). */
export interface FileSeed {
  run: string;
  file: string;
}

/** The three things to analyse: the file itself, its folder, the whole run. */
const TARGETS = fc.constantFrom<'file' | 'folder' | 'run'>('file', 'file', 'folder', 'run');

export interface TextFormat<Op extends string> {
  ops: readonly Op[];
  /** Damage a file's text. */
  apply(text: string, m: TextMutation<Op>, maxBytes: number): string;
  /** Damage the reader must skip while keeping the rest: the oracle checks that it did. */
  skippable?: readonly Op[];
}

/**
 * Cases of one format: a seed file of a real run damaged by 1 to 3 of the format's mutations
 * (sometimes blind byte mutations on top), analysed as a file, its folder or the run.
 */
export function textLogCases<Op extends string>(seeds: readonly FileSeed[], format: TextFormat<Op | CommonOp>, scale: FuzzScale): fc.Arbitrary<FuzzCase> {
  const maxBytes = scale.bombMiB << 20;
  return fc
    .record({
      seed: fc.constantFrom(...seeds),
      muts: mutations([...format.ops, ...COMMON_OPS], scale),
      bytes: byteMutations,
      target: TARGETS,
      lenient: fc.boolean(),
      given: fc.boolean(),
    })
    .map(({ seed, muts, bytes, target, lenient, given }) => {
      const files = fixtureRun(seed.run).map((f) => ({ ...f }));
      const path = join('run', seed.file);
      const file = files.find((f) => f.path === path)!;
      let text = new TextDecoder().decode(file.bytes);
      for (const m of muts) {
        try {
          text = (COMMON_OPS as readonly string[]).includes(m.op) ? applyCommon(text, m as TextMutation<CommonOp>, maxBytes, scale) : format.apply(text, m, maxBytes);
        } catch {
          // a structural damage of text an earlier one nested too deep to serialise: left as it is
        }
      }
      file.bytes = mutateBytes(enc(text), bytes);
      const c: FuzzCase = {
        files,
        target: target === 'file' ? path : target === 'folder' ? dirname(path) : 'run',
        lenient,
        given,
        tags: [...muts.map((m) => m.op), ...tag(bytes)],
      };
      // one skippable damage and nothing else: that record is skipped, the rest is judged
      if (muts.length === 1 && bytes.length === 0 && format.skippable?.includes(muts[0]!.op as Op)) c.expectSkipped = seed.file.split('/').pop()!;
      return c;
    });
}

// ------------------------------------------------- damage any text takes

export const COMMON_OPS = ['bom', 'crlf', 'blank-lines-first', 'blank-lines-between', 'blank-lines-bomb', 'long-line', 'truncate', 'shuffle-lines', 'duplicate-lines', 'delete-line', 'null-byte'] as const;
export type CommonOp = (typeof COMMON_OPS)[number];

const LINE_LIMIT = 16 << 20;

export function applyCommon(text: string, m: TextMutation<CommonOp>, maxBytes: number, scale: FuzzScale): string {
  const lines = text.split('\n');
  const i = Math.floor(m.pick * lines.length);
  switch (m.op) {
    case 'bom':
      return '\uFEFF' + text;
    case 'crlf':
      return text.replace(/\n/g, '\r\n');
    case 'blank-lines-first':
      return '\n'.repeat(Math.min(m.n, 10000)) + text;
    case 'blank-lines-between':
      return lines.join('\n\n' + (m.v % 2 ? '   \t\n' : ''));
    case 'blank-lines-bomb':
      return text + '\n'.repeat(Math.min(maxBytes, (1 + (m.n % 64)) << 20));
    case 'long-line': {
      // a line of KiB, or (long run) one past the readers' 16 MiB line limit
      const len = scale.long && m.v % 4 === 0 ? LINE_LIMIT + 10 : Math.min(maxBytes, m.n << 10);
      lines.splice(i, 0, (m.v % 2 ? '{"step": 1, "x": "' : '') + 'x'.repeat(len));
      return lines.join('\n');
    }
    case 'truncate':
      return text.slice(0, Math.floor(m.at * text.length));
    case 'shuffle-lines': {
      const r = lcg(m.v);
      for (let k = lines.length - 1; k > 0; k--) {
        const j = Math.floor(r() * (k + 1));
        [lines[k], lines[j]] = [lines[j]!, lines[k]!];
      }
      return lines.join('\n');
    }
    case 'duplicate-lines': {
      const r = lcg(m.v);
      const n = Math.min(m.n, Math.floor(maxBytes / Math.max(1, text.length / lines.length)));
      for (let k = 0; k < n; k++) lines.push(lines[Math.floor(r() * lines.length)]!);
      return lines.join('\n');
    }
    case 'delete-line':
      lines.splice(i, 1);
      return lines.join('\n');
    case 'null-byte': {
      const at = Math.floor(m.at * text.length);
      return text.slice(0, at) + '\0' + text.slice(at);
    }
  }
}

// ---------------------------------------------------------- CSV logs

export const CSV_OPS = ['ragged-row', 'cut-mid-row', 'quoted-vector', 'na-cell', 'epoch-cell', 'many-columns', 'dup-column', 'header-only', 'rename-epoch', 'many-rows', 'unbalanced-quote', 'hostile-name'] as const;
type CsvOp = (typeof CSV_OPS)[number];

const NA_CELLS = ['NA', 'nan', 'NaN', 'inf', '-inf', 'None', 'null', '', ' ', '1e309', '-1e309', '99999999999999999999999', '1e-400', '0x10', '1,5', '"1"', '\u22121', '-0', 'true', '[1]'];
const EPOCH_CELLS = ['-1', '1.5', 'NaN', '1e20', '', '9007199254740993', '-0', '1e309', 'x', '"3"'];
/** Metric keys whose class names would inject markup, terminal escapes or Markdown structure. */
export const HOSTILE_KEYS = ['val_recall_<img src=x onerror=alert(1)>', 'val_precision_<script>alert(1)</script>', 'val_recall_\u001b[31mred\u001b[0m', 'val_recall_[x](command:workbench.action.quit)', 'val_recall_a|b', 'val_recall_' + 'c'.repeat(5000), 'val_recall_', 'val_recall_\u202eevil'];

function vectorCell(v: number, n: number): string {
  const cells = ['"[0.5, 0.25, 0.9]"', '"[nan, inf, -inf]"', '"[1, 2', '"[]"', '"[[1, 2], [3]]"', '"[0.5 0.25 0.9]"', '"""quoted"""', `"[${Array.from({ length: n }, (_, k) => (k % 10) / 10).join(', ')}]"`];
  return cells[v % cells.length]!;
}

/** Header and body row indexes of a CSV text (blank lines are no rows). */
function csvRows(lines: string[]): { header: number; body: number[] } {
  const rows = lines.map((l, i) => (l.trim() === '' ? -1 : i)).filter((i) => i >= 0);
  return { header: rows[0] ?? 0, body: rows.slice(1) };
}

export const csvLog: TextFormat<CsvOp> = {
  ops: CSV_OPS,
  skippable: ['ragged-row'],
  apply(text, m, maxBytes) {
    const lines = text.split('\n');
    const { header, body } = csvRows(lines);
    const head = (lines[header] ?? '').split(',');
    const epochCol = head.findIndex((c) => c.trim() === 'epoch');
    const row = choose(body, m.pick);
    const setCell = (r: number, col: number, value: string) => {
      const cells = lines[r]!.split(',');
      if (col < cells.length) cells[col] = value;
      lines[r] = cells.join(',');
    };
    switch (m.op) {
      case 'ragged-row':
        if (row !== undefined) {
          const cells = lines[row]!.split(',');
          if (m.v % 2) cells.push('0.5');
          else cells.pop();
          lines[row] = cells.join(',');
        }
        break;
      case 'cut-mid-row':
        if (row !== undefined) lines[row] = lines[row]!.slice(0, Math.floor(m.at * lines[row]!.length));
        break;
      case 'quoted-vector':
        if (row !== undefined) setCell(row, Math.floor(m.at * head.length), vectorCell(m.v, Math.min(m.n, maxBytes >> 3)));
        break;
      case 'na-cell':
        if (row !== undefined) setCell(row, Math.floor(m.at * head.length), NA_CELLS[m.v % NA_CELLS.length]!);
        break;
      case 'epoch-cell':
        for (const r of body.filter((_, k) => k % (1 + (m.n % 4)) === 0)) if (epochCol >= 0) setCell(r, epochCol, EPOCH_CELLS[(m.v + r) % EPOCH_CELLS.length]!);
        break;
      case 'many-columns': {
        // thousands of per-class metric columns: as many classes, every row filling them
        const n = Math.min(m.n, Math.floor(maxBytes / (8 * (body.length + 2))));
        const names = Array.from({ length: n }, (_, k) => (k % 3 === 2 ? `col_${k}` : `val_${k % 3 ? 'precision' : 'recall'}_c${k}`));
        lines[header] += ',' + names.join(',');
        const cells = ',' + Array.from({ length: n }, (_, k) => ((k * 7) % 10) / 10).join(',');
        for (const r of body) lines[r] += cells;
        break;
      }
      case 'dup-column':
        if (head.length > 1) {
          head[Math.floor(m.at * head.length)] = head[Math.floor(m.pick * head.length)]!;
          lines[header] = head.join(',');
        }
        break;
      case 'header-only':
        return lines[header] + '\n';
      case 'rename-epoch':
        if (epochCol >= 0) {
          head[epochCol] = ['Epoch', '', 'step', 'epoch ', '"epoch"', 'epoch,epoch'][m.v % 6]!;
          lines[header] = head.join(',');
        }
        break;
      case 'many-rows': {
        // a log of every step: n rows, epochs rising (or all distinct)
        const proto = body.map((r) => lines[r]!);
        if (!proto.length) break;
        const n = Math.min(m.n, Math.floor(maxBytes / Math.max(1, proto[0]!.length + 1)));
        const per = m.v % 2 ? 1 : Math.max(1, Math.floor(n / 50));
        const out = [lines[header]!];
        for (let k = 0; k < n; k++) {
          const cells = proto[k % proto.length]!.split(',');
          if (epochCol >= 0) cells[epochCol] = String(Math.floor(k / per));
          out.push(cells.join(','));
        }
        return out.join('\n') + '\n';
      }
      case 'unbalanced-quote':
        if (row !== undefined) {
          const at = Math.floor(m.at * lines[row]!.length);
          lines[row] = lines[row]!.slice(0, at) + '"' + lines[row]!.slice(at);
        }
        break;
      case 'hostile-name':
        head[Math.min(head.length - 1, 1 + Math.floor(m.at * (head.length - 1)))] = `"${HOSTILE_KEYS[m.v % HOSTILE_KEYS.length]!.replace(/"/g, '""')}"`;
        lines[header] = head.join(',');
        break;
    }
    return lines.join('\n');
  },
};

// ------------------------------------------------ JSON values as text

/** Values of the wrong type, as JSON text (Python's json writes NaN and Infinity). */
const WRONG_VALUES = ['"3"', '[1]', '{"a": 1}', 'null', 'true', '-1', '1e300', '"NaN"', '[]', '1.5', '9007199254740993', '""', '"val"', '"train"', '{}', '[[0.5, 0.5]]', '-1e300', '0'];
const NAN_LITERALS = ['NaN', 'Infinity', '-Infinity', 'nan', '1e999', '-0', 'NaN ', ' Infinity'];
const GARBAGE_LINES = ['{"step": 3, broken', 'not json at all', '{"a": 1}}', '{"mode": "val", "epoch": 1, "x": tru}', '\u0000\u0001\u0002', '{"step": 1, "step": ', ']['];

/** A marker that JSON.stringify keeps as a string, swapped for raw JSON text afterwards. */
const rawMarker = (k: number) => `\u0000raw${k}\u0000`;

/** JSON.stringify with some values replaced by raw text (NaN, deep nesting, wrong types). */
function stringifyWithRaw(value: unknown, raws: string[], indent?: number): string {
  let s = JSON.stringify(value, null, indent);
  raws.forEach((raw, k) => {
    s = s.split(JSON.stringify(rawMarker(k))).join(raw);
  });
  return s;
}

/** Every (container, key) of a parsed JSON value, outermost first (capped: documents can be big). */
function slots(v: unknown, out: Array<{ parent: Record<string, unknown> | unknown[]; key: string | number }> = [], cap = 20000): typeof out {
  // breadth first: a queue read from `next` on
  const queue: unknown[] = [v];
  for (let next = 0; next < queue.length && out.length < cap; next++) {
    const x = queue[next];
    const entries: Array<[string | number, unknown]> = Array.isArray(x) ? x.map((y, i) => [i, y]) : x && typeof x === 'object' ? Object.entries(x) : [];
    for (const [key, y] of entries) {
      out.push({ parent: x as Record<string, unknown> | unknown[], key });
      queue.push(y);
    }
  }
  return out;
}

const deep = (depth: number, v: number) => (v % 2 ? '['.repeat(depth) + ']'.repeat(depth) : '{"a": '.repeat(depth) + '1' + '}'.repeat(depth));

/** Python's json writes NaN and Infinity: parse them as the readers do. */
function parseLoose(text: string): unknown {
  try {
    return JSON.parse(text.replace(/(?<=[:,[\s])(-?Infinity|NaN)(?=[\s,\]}])/g, 'null'));
  } catch {
    return undefined;
  }
}

/**
 * A JSON-level damage of one parsed value (a document, or a line's object): the value at a slot
 * replaced by raw text (wrong type, NaN, deep nesting, a huge array), a key dropped, a list
 * repeated to n entries. Returns the new text, or null when the value has no slot.
 */
function damageJson(doc: unknown, m: TextMutation, maxBytes: number, indent: number | undefined, prefer?: RegExp): string | null {
  const all = slots(doc);
  const preferred = prefer ? all.filter((s) => typeof s.key === 'string' && prefer.test(s.key)) : [];
  const slot = choose(preferred.length && m.v % 2 ? preferred : all, m.pick);
  if (!slot) return null;
  const raws: string[] = [];
  const setRaw = (raw: string) => {
    (slot.parent as Record<string | number, unknown>)[slot.key] = rawMarker(raws.length);
    raws.push(raw);
  };
  switch (m.op) {
    case 'wrong-type':
      setRaw(WRONG_VALUES[m.v % WRONG_VALUES.length]!);
      break;
    case 'nan-literal':
      setRaw(NAN_LITERALS[m.v % NAN_LITERALS.length]!);
      break;
    case 'deep-nesting':
      setRaw(deep(Math.min(m.n, maxBytes >> 3), m.v));
      break;
    case 'huge-array': {
      const n = Math.min(m.n, maxBytes >> 3);
      setRaw(`[${Array.from({ length: n }, (_, k) => (k % 100) / 100).join(',')}]`);
      break;
    }
    case 'drop-key':
      if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
      else delete slot.parent[slot.key as string];
      break;
    case 'repeat-list': {
      // a list of n entries (a log_history of n evaluations, a History of n epochs)
      const lists = all.filter((s) => Array.isArray((s.parent as Record<string | number, unknown>)[s.key]));
      const l = choose(lists, m.at);
      const list = l ? ((l.parent as Record<string | number, unknown>)[l.key] as unknown[]) : Array.isArray(doc) ? doc : null;
      if (!list || list.length === 0) break;
      const bytes = JSON.stringify(list).length / list.length;
      const n = Math.min(m.n, Math.floor(maxBytes / Math.max(8, bytes)));
      const proto = list.slice();
      for (let k = list.length; k < n; k++) {
        const item = proto[k % proto.length];
        list.push(item && typeof item === 'object' && !Array.isArray(item) && 'epoch' in item ? { ...item, epoch: k, step: k } : item);
      }
      break;
    }
    default:
      return null;
  }
  return stringifyWithRaw(doc, raws, indent);
}

// --------------------------------------------------- JSON-lines logs

export const JSONL_OPS = ['cut-line', 'garbage-line', 'not-object-line', 'wrong-type', 'nan-literal', 'deep-nesting', 'huge-array', 'drop-key', 'duplicate-key', 'many-lines', 'hostile-key'] as const;
type JsonlOp = (typeof JSONL_OPS)[number];

/** The keys a JSON-lines reader decides by: what a wrong type there breaks. */
const JSONL_KEYS = /^(step|epoch|iter|iteration|mode|config|lr|loss|env_info)$|recall|precision|AP/;

/** A JSON-lines metric log (`axis`: the key that numbers its records). */
export function jsonlLog(axis: string): TextFormat<JsonlOp> {
  return {
    ops: JSONL_OPS,
    skippable: ['cut-line', 'garbage-line', 'not-object-line'],
    apply(text, m, maxBytes) {
      const lines = text.split('\n');
      const full = lines.map((l, i) => (l.trim() ? i : -1)).filter((i) => i >= 0);
      const i = choose(full, m.pick) ?? 0;
      switch (m.op) {
        case 'cut-line':
          lines[i] = lines[i]!.slice(0, Math.max(1, Math.floor(m.at * (lines[i]!.length - 1))));
          break;
        case 'garbage-line':
          lines.splice(i, 0, GARBAGE_LINES[m.v % GARBAGE_LINES.length]!);
          break;
        case 'not-object-line':
          lines.splice(i, 0, ['[1, 2]', '"x"', '42', 'null', 'true', '[{"step": 1}]'][m.v % 6]!);
          break;
        case 'duplicate-key': {
          const key = /"([^"]+)"\s*:/.exec(lines[i]!.slice(Math.floor(m.at * lines[i]!.length)))?.[1] ?? axis;
          lines[i] = lines[i]!.replace('{', `{"${key}": ${WRONG_VALUES[m.v % WRONG_VALUES.length]}, `);
          break;
        }
        case 'many-lines': {
          // n records numbered upwards (millions of training steps, or of evaluations)
          const proto = full.map((k) => parseLoose(lines[k]!)).filter((o): o is Record<string, unknown> => !!o && typeof o === 'object');
          if (!proto.length) break;
          const n = Math.min(m.n, Math.floor(maxBytes / Math.max(1, text.length / Math.max(1, full.length))));
          const out = lines.slice();
          for (let k = 0; k < n; k++) out.push(JSON.stringify({ ...proto[k % proto.length], [axis]: 1000 + k }));
          return out.join('\n');
        }
        case 'hostile-key': {
          const o = parseLoose(lines[i]!);
          if (o && typeof o === 'object') lines[i] = JSON.stringify({ ...o, [HOSTILE_KEYS[m.v % HOSTILE_KEYS.length]!.replace(/^val_/, 'cls/')]: 0.5 });
          break;
        }
        default: {
          const o = parseLoose(lines[i]!);
          const out = o === undefined ? null : damageJson(o, m, maxBytes, undefined, JSONL_KEYS);
          if (out !== null) lines[i] = out;
        }
      }
      return lines.join('\n');
    },
  };
}

// ------------------------------------------------------ JSON documents

export const JSON_DOC_OPS = ['invalid-token', 'wrong-type', 'nan-literal', 'deep-nesting', 'huge-array', 'drop-key', 'repeat-list', 'duplicate-key', 'top-level', 'trailing-garbage'] as const;
type JsonDocOp = (typeof JSON_DOC_OPS)[number];

const TOP_LEVEL = ['[]', 'null', '1', '"x"', '{}', '[{"log_history": []}]', 'NaN'];

/** A whole-JSON file (trainer_state.json, history.json, config.json); `keys` are the ones its reader uses. */
export function jsonDoc(keys: RegExp): TextFormat<JsonDocOp> {
  return {
    ops: JSON_DOC_OPS,
    apply(text, m, maxBytes) {
      const indent = /^\{\n(\s+)/.exec(text)?.[1]?.length;
      switch (m.op) {
        case 'invalid-token': {
          const at = Math.floor(m.at * text.length);
          return text.slice(0, at) + ['x', "'", '}', ',', ']', 'tru', '"', '\\'][m.v % 8] + text.slice(at);
        }
        case 'duplicate-key': {
          const key = choose([...text.matchAll(/"([^"\\]+)"\s*:/g)].map((x) => x[1]!), m.pick) ?? 'log_history';
          return text.replace('{', `{"${key}": ${WRONG_VALUES[m.v % WRONG_VALUES.length]}, `);
        }
        case 'top-level':
          return m.n % 3 ? TOP_LEVEL[m.v % TOP_LEVEL.length]! : `[${text}]`;
        case 'trailing-garbage':
          return text + ['\n{"a": 1}', ' x', '\n\n]', ','][m.v % 4];
        default: {
          const doc = parseLoose(text);
          return (doc !== undefined && damageJson(doc, m, maxBytes, indent, keys)) || text;
        }
      }
    },
  };
}

// ----------------------------------------------------- sklearn reports

export const SKLEARN_OPS = ['row-number', 'class-name', 'many-reports', 'epoch-line', 'drop-header', 'ragged-row', 'merge-lines', 'many-classes'] as const;
type SklearnOp = (typeof SKLEARN_OPS)[number];

const SK_NUMBERS = ['9'.repeat(400), '1e309', '.5', 'nan', '-0.1', '1.0000000000000000001', '0x10', '1,5', '99999999999999999999', '0.' + '3'.repeat(400)];
const EPOCH_LINES = ['Epoch 99999999999999999999999', 'epoch -1', 'epoch: 100000', 'Epoch ' + '9'.repeat(400), 'EPOCH#3', 'epoch=0', 'Epoch 1.5'];
const ROW_LINE = /^\s*\S.*\s\d*\.?\d+\s+\d*\.?\d+\s+\d*\.?\d+\s+\d+\s*$/;

export const sklearnReport: TextFormat<SklearnOp> = {
  ops: SKLEARN_OPS,
  apply(text, m, maxBytes) {
    const lines = text.split('\n');
    const rows = lines.map((l, i) => (ROW_LINE.test(l) ? i : -1)).filter((i) => i >= 0);
    const r = choose(rows, m.pick);
    switch (m.op) {
      case 'row-number':
        if (r !== undefined) {
          const nums = [...lines[r]!.matchAll(/\d*\.?\d+/g)];
          const hit = choose(nums, m.at);
          if (hit) lines[r] = lines[r]!.slice(0, hit.index) + SK_NUMBERS[m.v % SK_NUMBERS.length] + lines[r]!.slice(hit.index! + hit[0].length);
        }
        break;
      case 'class-name':
        if (r !== undefined) lines[r] = lines[r]!.replace(/^\s*(.+?)(\s+\d)/, (_, _name: string, rest: string) => `  ${['<img src=x onerror=alert(1)>', 'a b c', '\u001b[31mred', '[x](command:x)', 'x'.repeat(10000), '| # heading', ''][m.v % 7]}${rest}`);
        break;
      case 'many-reports': {
        const n = Math.min(m.n, Math.floor(maxBytes / Math.max(1, text.length)));
        const out: string[] = [];
        for (let k = 0; k < Math.max(1, n); k++) out.push(`Epoch ${k}`, text);
        return out.join('\n');
      }
      case 'epoch-line': {
        const e = lines.findIndex((l) => /epoch/i.test(l));
        if (e >= 0) lines[e] = EPOCH_LINES[m.v % EPOCH_LINES.length]!;
        else lines.unshift(EPOCH_LINES[m.v % EPOCH_LINES.length]!);
        break;
      }
      case 'drop-header':
        return lines.filter((l) => !/precision\s+recall/.test(l)).join('\n');
      case 'ragged-row':
        if (r !== undefined) lines[r] = lines[r]!.replace(/\s+\d*\.?\d+(?=\s)/, '');
        break;
      case 'merge-lines':
        if (r !== undefined && r + 1 < lines.length) lines.splice(r, 2, lines[r]! + ' ' + lines[r + 1]!);
        break;
      case 'many-classes': {
        // a report of n classes (distinct names): as many classes in the analysis
        const n = Math.min(m.n, Math.floor(maxBytes / 60));
        const extra = Array.from({ length: n }, (_, k) => `     class_${k}     0.5000    0.2500    0.3333        ${10 + (k % 90)}`);
        if (r !== undefined) lines.splice(r + 1, 0, ...extra);
        break;
      }
    }
    return lines.join('\n');
  },
};

// -------------------------------------------------------------- YAML

export const YAML_OPS = ['billion-laughs', 'alias', 'deep-nesting', 'value', 'duplicate-key', 'multi-doc', 'tab-indent', 'unterminated', 'huge-file', 'class-names'] as const;
type YamlOp = (typeof YAML_OPS)[number];

const WEIRD_YAML = ['1e309', '-1', '.nan', '.inf', '"0.25"', '[0.1, 0.9]', '{a: 1}', 'null', '~', '0x10', '1_000', "''", '9'.repeat(400), '!!binary aGVsbG8=', '!!python/object:os.system', '&x 0.5', '*undefined_alias', '[' + '0.1, '.repeat(2000) + '0.1]', '- 1', '|\n  0.25'];
/** Keys whose values the config readers take. */
const SETTING_KEY = /^(\s*)(alpha|gamma|FOCAL_LOSS_ALPHA|FOCAL_LOSS_GAMMA|fl_gamma|loss|focal_alpha|focal_gamma|class_names|names|convention)(\s*[:=]\s*)/m;

export const yamlConfig: TextFormat<YamlOp> = {
  ops: YAML_OPS,
  apply(text, m, maxBytes) {
    const lines = text.split('\n');
    const i = Math.floor(m.pick * lines.length);
    switch (m.op) {
      case 'billion-laughs': {
        // each level 9 aliases of the one before: 9^levels nodes if anything expanded them
        const levels = 1 + (m.n % 12);
        const bomb = ['lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
        for (let k = 1; k <= levels; k++) bomb.push(`lol${k}: &l${k} [${Array.from({ length: 9 }, () => `*l${k - 1}`).join(', ')}]`);
        bomb.push(m.v % 2 ? `alpha: *l${levels}` : `gamma: *l${levels}`);
        return [...bomb, ...lines].join('\n');
      }
      case 'alias':
        return text.replace(SETTING_KEY, (_all, sp: string, key: string, sep: string) => `${sp}${key}${sep}${['*a', '&a ', '*nope ', '&a !!float '][m.v % 4]}`) + ['\nother: &a {alpha: 0.9}', '\nx: *a', '', '\ngamma: *a'][m.v % 4];
      case 'deep-nesting': {
        const d = Math.min(m.n, maxBytes >> 4);
        const nest = [
          'alpha: ' + '['.repeat(d) + '0.25' + ']'.repeat(d),
          'loss: ' + '{a: '.repeat(d) + '1' + '}'.repeat(d),
          Array.from({ length: Math.min(d, 3000) }, (_, k) => ' '.repeat(k) + 'a:').join('\n') + '\n' + ' '.repeat(Math.min(d, 3000)) + 'alpha: 0.25',
          'alpha: ' + '- '.repeat(Math.min(d, 3000)) + '0.25',
        ][m.v % 4]!;
        lines.splice(i, 0, nest);
        return lines.join('\n');
      }
      case 'value':
        return text.replace(SETTING_KEY, (_all, sp: string, key: string, sep: string) => `${sp}${key}${sep}${WEIRD_YAML[m.v % WEIRD_YAML.length]} #`);
      case 'duplicate-key': {
        const hit = SETTING_KEY.exec(text);
        return hit ? `${text}\n${hit[2]}: ${['0.9', '5.0', '[0.5, 0.5]', 'softmax_focal'][m.v % 4]}\n` : text;
      }
      case 'multi-doc':
        lines.splice(i, 0, ['---', '...', '--- !!map', '%YAML 1.2\n---'][m.v % 4]!);
        return lines.join('\n');
      case 'tab-indent':
        return lines.map((l, k) => (k % (1 + (m.v % 5)) === 0 ? l.replace(/^ +/, '\t') : l)).join('\n');
      case 'unterminated': {
        const at = Math.floor(m.at * text.length);
        return text.slice(0, at) + ['"', "'", '[', '{', '|', '&', '*', '!'][m.v % 8] + text.slice(at);
      }
      case 'huge-file': {
        const n = Math.min(m.n, maxBytes >> 5);
        return text + '\n' + Array.from({ length: n }, (_, k) => (m.v % 2 ? `# comment ${k} focal` : `key_${k}: ${k}`)).join('\n') + '\n';
      }
      case 'class-names':
        return `${text}\nclass_names: ${m.v % 2 ? JSON.stringify(HOSTILE_KEYS.map((k) => k.replace('val_recall_', ''))) : '[' + Array.from({ length: Math.min(m.n, 100000) }, (_, k) => `c${k}`).join(', ') + ']'}\n`;
    }
  },
};

// ------------------------------------------------------------- Python

export const PYTHON_OPS = ['huge-literal', 'unterminated-string', 'deep-nesting', 'value', 'conflicting-setting', 'tabs', 'class-names'] as const;
type PythonOp = (typeof PYTHON_OPS)[number];

const WEIRD_PY = ['float("nan")', '1e309', '-1', 'None', '"0.25"', '[0.1, 0.9]', 'alpha', '0x10', '1_000', '2**1000', '.25j', 'True', '(0.25,)', "dict(a=1)", 'lambda: 0.25', '-(-(0.25))'];
const PY_SETTING = /(\b(?:alpha|gamma|loss_cls)\s*=\s*)/;

export const pythonConfig: TextFormat<PythonOp> = {
  ops: PYTHON_OPS,
  apply(text, m, maxBytes) {
    const at = Math.floor(m.at * text.length);
    const n = Math.min(m.n, maxBytes >> 2);
    switch (m.op) {
      case 'huge-literal': {
        const lit = ['1' + '0'.repeat(n), `[${Array.from({ length: Math.min(n, maxBytes >> 3) }, (_, k) => k % 10).join(', ')}]`, `'${'x'.repeat(n)}'`, '0.' + '2'.repeat(n), '1e' + '9'.repeat(1 + (n % 400))][m.v % 5]!;
        return PY_SETTING.test(text) ? text.replace(PY_SETTING, `$1${lit} if 0 else `) : `${text}\nalpha = ${lit}\n`;
      }
      case 'unterminated-string':
        return text.slice(0, at) + ["'''", '"', "'", '"""', "f'{", "b'\\"][m.v % 6] + text.slice(at);
      case 'deep-nesting': {
        const d = Math.min(n, 200_000);
        const nest = ['(' .repeat(d) + '0.25' + ')'.repeat(d), 'dict(a='.repeat(d) + '1' + ')'.repeat(d), '['.repeat(d) + ']'.repeat(d), '-'.repeat(d) + '0.25', 'not '.repeat(d) + 'x'][m.v % 5]!;
        return PY_SETTING.test(text) ? text.replace(PY_SETTING, `$1${nest} or `) : `${text}\nalpha = ${nest}\n`;
      }
      case 'value':
        return text.replace(/(\b(?:alpha|gamma)\s*=\s*)[^,)\n]+/, `$1${WEIRD_PY[m.v % WEIRD_PY.length]}`);
      case 'conflicting-setting':
        return `${text}\n${["model = dict(bbox_head=dict(loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=5.0, alpha=0.9)))", 'model.bbox_head.loss_cls.alpha = 0.75', "loss = FocalLoss(alpha=[0.1, 0.9], gamma=0)", "loss_cls=dict(type='SoftmaxFocalLoss', alpha=0.5)"][m.v % 4]}\n`;
      case 'tabs':
        return text.replace(/\n {4}/g, m.v % 2 ? '\n\t' : '\n \t');
      case 'class-names':
        return `${text}\nclasses = (${HOSTILE_KEYS.map((k) => JSON.stringify(k.replace('val_recall_', ''))).join(', ')})\n`;
    }
  },
};
