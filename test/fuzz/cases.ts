// Seeded fuzz cases (fast-check arbitraries): a valid dump of each format, then structure-aware
// mutations aimed at the failure classes of issue 12 (sizes and offsets that lie, short or
// bombing members, shapes and column counts that ask for gigabytes, epochs out of order, BOMs and
// blank lines, folders named like files) and blind byte mutations on top. Each case is a set of
// files to write and the path to analyse; `tags` name the mutations so a failure names its class.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { centralEntryOffset, concat, csv, enc, gzip, jsonl, npyArrays, safetensorsOf, zip, type Dataset } from './builders';

export interface FuzzFile {
  path: string;
  /** Absent: a folder. */
  bytes?: Uint8Array;
}

export interface FuzzCase {
  files: FuzzFile[];
  /** What to analyse, relative to the case folder. */
  target: string;
  lenient: boolean;
  tags: string[];
  /** At most this many samples can be read back (a member holds fewer rows than it declares). */
  maxSamples?: number;
}

export const READERS = ['jsonl', 'jsonl.gz', 'csv', 'tsv', 'csv.gz', 'npy', 'npz-stored', 'npz-deflated', 'npz-folder', 'safetensors'] as const;
export type ReaderName = (typeof READERS)[number];
export const HINT_LANGUAGES = ['python', 'yaml', 'json', 'toml'] as const;
export type HintLanguageName = (typeof HINT_LANGUAGES)[number];

/** A run folder holding a subfolder named like a dump file (`epoch_103.npz/`): it must be skipped, not read. */
const FOLDER_AS_FILE = 'folder-named-like-a-file';

// ---------------------------------------------------------------- datasets

const dataset: fc.Arbitrary<Dataset> = fc
  .record({
    C: fc.constantFrom(1, 2, 3, 5),
    n: fc.integer({ min: 1, max: 40 }),
    kind: fc.constantFrom('logits' as const, 'probs' as const),
    epochs: fc.constantFrom('one', 'ascending', 'shuffled', 'many'),
    seed: fc.integer(),
  })
  .map(({ C, n, kind, epochs, seed }) => {
    const r = lcg(seed);
    const ep: number[] = [];
    for (let i = 0; i < n; i++) ep.push(epochs === 'one' ? 3 : epochs === 'ascending' ? Math.floor((i * 4) / n) : epochs === 'many' ? i : Math.floor(r() * 4));
    const scores: number[] = [];
    const targets: number[] = [];
    for (let i = 0; i < n; i++) {
      targets.push(Math.floor(r() * (C === 1 ? 2 : C)));
      const logits = Array.from({ length: C }, () => Math.round((r() * 8 - 4) * 1000) / 1000);
      if (kind === 'logits') scores.push(...logits);
      else if (C === 1) scores.push(Math.round(1000 / (1 + Math.exp(-logits[0]!))) / 1000);
      else {
        const e = logits.map(Math.exp);
        const s = e.reduce((a, b) => a + b, 0);
        const p = e.map((x) => x / s);
        scores.push(...p.map((x) => Math.fround(x)));
      }
    }
    return { C, kind, epochs: ep, targets, scores };
  });

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

// ------------------------------------------------------- byte mutations

const INTERESTING_BYTES = [0, 0xff, 0x7f, 0x80, 0x0a, 0x0d, 0x2c, 0x09, 0x22, 0x7b, 0x5b, 0x2d, 0x39, 0x30];
const TOKENS = ['NaN', '-1', '1e309', '99999999999999999999', '\n', '\n\n\n', ',', ',,', '"', '{', '}', '[', ']', '\uFEFF', 'null', '0x10', '-0', '1.5', '\t', '\r\n', '{"meta": {}}'];

type ByteMutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; value: number }
  | { op: 'insert'; at: number; token: string }
  | { op: 'delete'; at: number; len: number }
  | { op: 'duplicate'; at: number; len: number; to: number }
  | { op: 'truncate'; at: number };

const at = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('set' as const), at, value: fc.oneof(fc.constantFrom(...INTERESTING_BYTES), fc.integer({ min: 0, max: 255 })) }),
  fc.record({ op: fc.constant('insert' as const), at, token: fc.constantFrom(...TOKENS) }),
  fc.record({ op: fc.constant('delete' as const), at, len: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at, len: fc.integer({ min: 1, max: 200 }), to: at }),
  fc.record({ op: fc.constant('truncate' as const), at }),
);

function mutateBytes(b: Uint8Array, muts: ByteMutation[]): Uint8Array {
  let out = b;
  for (const m of muts) {
    if (out.length === 0) break;
    const i = Math.floor(m.at * out.length);
    switch (m.op) {
      case 'flip':
        out = out.slice();
        out[i] ^= 1 << m.bit;
        break;
      case 'set':
        out = out.slice();
        out[i] = m.value;
        break;
      case 'insert':
        out = concat([out.subarray(0, i), enc(m.token), out.subarray(i)]);
        break;
      case 'delete':
        out = concat([out.subarray(0, i), out.subarray(Math.min(out.length, i + m.len))]);
        break;
      case 'duplicate': {
        const piece = out.slice(i, Math.min(out.length, i + m.len));
        const j = Math.floor(m.to * out.length);
        out = concat([out.subarray(0, j), piece, out.subarray(j)]);
        break;
      }
      case 'truncate':
        out = out.slice(0, i);
        break;
    }
  }
  return out;
}

// Blind mutations on top of the structural ones, in one case of three (more would mostly break
// magic numbers and headers, hiding the structural lies behind early refusals).
const byteMutations = fc.oneof({ weight: 2, arbitrary: fc.constant([] as ByteMutation[]) }, { weight: 1, arbitrary: fc.array(byteMutation, { minLength: 1, maxLength: 3 }) });
const tag = (muts: { op: string }[]) => muts.map((m) => `byte-${m.op}`);

// ------------------------------------------------------- text mutations

type TextMutation =
  | { op: 'shuffle-lines'; seed: number }
  | { op: 'duplicate-lines'; seed: number; times: number }
  | { op: 'bom' }
  | { op: 'blank-lines-first'; n: number }
  | { op: 'blank-lines-bomb'; mib: number }
  | { op: 'many-columns'; n: number }
  | { op: 'huge-record'; n: number }
  | { op: 'long-line'; kib: number }
  | { op: 'crlf' };

const textMutation = (maxBombMiB: number): fc.Arbitrary<TextMutation> =>
  fc.oneof(
    fc.record({ op: fc.constant('shuffle-lines' as const), seed: fc.integer() }),
    fc.record({ op: fc.constant('duplicate-lines' as const), seed: fc.integer(), times: fc.integer({ min: 1, max: 50 }) }),
    fc.record({ op: fc.constant('bom' as const) }),
    fc.record({ op: fc.constant('blank-lines-first' as const), n: fc.integer({ min: 1, max: 1000 }) }),
    fc.record({ op: fc.constant('blank-lines-bomb' as const), mib: fc.integer({ min: 1, max: maxBombMiB }) }),
    fc.record({ op: fc.constant('many-columns' as const), n: fc.oneof(fc.integer({ min: 2, max: 300 }), fc.constantFrom(5000, 20000, 100000)) }),
    fc.record({ op: fc.constant('huge-record' as const), n: fc.oneof(fc.integer({ min: 2, max: 300 }), fc.constantFrom(5000, 100000, 300000)) }),
    fc.record({ op: fc.constant('long-line' as const), kib: fc.constantFrom(1, 64, 1024) }),
    fc.record({ op: fc.constant('crlf' as const) }),
  );

function mutateText(text: string, m: TextMutation, format: 'jsonl' | 'csv', delimiter: string): string {
  const lines = text.split('\n');
  const last = lines.pop() ?? '';
  const head = format === 'csv' || lines[0]?.startsWith('{"meta"') ? 1 : 0;
  switch (m.op) {
    case 'shuffle-lines': {
      const r = lcg(m.seed);
      const body = lines.slice(head);
      for (let i = body.length - 1; i > 0; i--) {
        const j = Math.floor(r() * (i + 1));
        [body[i], body[j]] = [body[j]!, body[i]!];
      }
      return [...lines.slice(0, head), ...body, last].join('\n');
    }
    case 'duplicate-lines': {
      const r = lcg(m.seed);
      const body = lines.slice(head).filter((l) => l !== '');
      const out = lines.slice();
      for (let t = 0; t < m.times * body.length; t++) out.push(body[Math.floor(r() * body.length)]!);
      return [...out, last].join('\n');
    }
    case 'bom':
      return '\uFEFF' + text;
    case 'blank-lines-first':
      return '\n'.repeat(m.n) + text;
    case 'blank-lines-bomb':
      return text + '\n'.repeat(m.mib << 20);
    case 'many-columns': {
      if (format === 'csv') {
        const cols = Array.from({ length: m.n }, (_, k) => `logit_${k}`);
        const row = ['1', '0', ...Array.from({ length: m.n }, () => '0.5')].join(delimiter);
        return [['epoch', 'target', ...cols].join(delimiter), row, row].join('\n') + '\n';
      }
      const rec = JSON.stringify({ epoch: 1, target: 0, logits: Array.from({ length: m.n }, () => 0.5) });
      return [lines[0], rec, rec].join('\n') + '\n';
    }
    case 'huge-record': {
      if (format === 'csv') return [lines[0], ...lines.slice(1, 3), `1${delimiter}0${delimiter}${'0.5'.padEnd(m.n, '5')}`].join('\n') + '\n';
      const rec = JSON.stringify({ epoch: 1, targets: Array.from({ length: m.n }, () => 1), logits: Array.from({ length: m.n }, () => 0.5) });
      return [...lines.slice(0, 2), rec, last].join('\n');
    }
    case 'long-line':
      return [...lines.slice(0, 2), 'x'.repeat(m.kib << 10), ...lines.slice(2), last].join('\n');
    case 'crlf':
      return text.replace(/\n/g, '\r\n');
  }
}

function textCase(format: 'jsonl' | 'csv', delimiter: string, compress: boolean, maxBombMiB: number): fc.Arbitrary<FuzzCase> {
  return fc
    .record({
      data: dataset,
      batch: fc.constantFrom(1, 1, 4, 50),
      meta: fc.boolean(),
      textMuts: fc.array(textMutation(maxBombMiB), { maxLength: 2 }),
      before: byteMutations,
      after: compress ? byteMutations : fc.constant([] as ByteMutation[]),
      lenient: fc.boolean(),
    })
    .map(({ data, batch, meta, textMuts, before, after, lenient }) => {
      let text = format === 'jsonl' ? jsonl(data, { meta, batch }) : csv(data, delimiter);
      for (const m of textMuts) text = mutateText(text, m, format, delimiter);
      let bytes = mutateBytes(enc(text), before);
      if (compress) bytes = mutateBytes(gzip(bytes), after);
      const name = `run.${format === 'csv' ? (delimiter === '\t' ? 'tsv' : 'csv') : 'jsonl'}${compress ? '.gz' : ''}`;
      return { files: [{ path: name, bytes }], target: name, lenient, tags: [...textMuts.map((m) => m.op), ...tag(before), ...tag(after).map((t) => `gz-${t}`)] };
    });
}

// ----------------------------------------------------- array mutations

/** Lies in a .npy header: its length field, shape, dtype, order. */
type NpyMutation =
  | { op: 'header-length'; value: number }
  | { op: 'shape'; value: string }
  | { op: 'descr'; value: string }
  | { op: 'fortran' }
  | { op: 'truncate-data'; keep: number };

const npyMutation: fc.Arbitrary<NpyMutation> = fc.oneof(
  fc.record({ op: fc.constant('header-length' as const), value: fc.oneof(fc.constantFrom(0, 1, 2, 3, 63, 64, 65, 117, 118, 119, 0xffff), fc.integer({ min: 0, max: 0xffff })) }),
  fc.record({ op: fc.constant('shape' as const), value: fc.constantFrom('(6553600000,)', '(-1,)', '(3, 1000000000)', '(100000000, 3)', '(0,)', '(2, 0)', '(1e3,)', '(,)', '(5, 5, 5)', '(200,)', '(200, 2)', '(7,)') }),
  fc.record({ op: fc.constant('descr' as const), value: fc.constantFrom('<f8', '>f4', '<f2', '|u1', '<i4', '|b1', '<U8', '<c8', 'O', '<f3', '', '<f4 ') }),
  fc.record({ op: fc.constant('fortran' as const) }),
  fc.record({ op: fc.constant('truncate-data' as const), keep: at }),
);

function mutateNpy(b: Uint8Array, m: NpyMutation): Uint8Array {
  const hlen = b[8]! | (b[9]! << 8);
  const header = new TextDecoder('latin1').decode(b.subarray(10, 10 + hlen));
  const data = b.subarray(10 + hlen);
  const rewrite = (h: string) => {
    const hb = enc(h);
    const out = new Uint8Array(10 + hb.length + data.length);
    out.set(b.subarray(0, 8));
    out[8] = hb.length & 0xff;
    out[9] = hb.length >> 8;
    out.set(hb, 10);
    out.set(data, 10 + hb.length);
    return out;
  };
  switch (m.op) {
    case 'header-length': {
      const out = b.slice();
      out[8] = m.value & 0xff;
      out[9] = m.value >> 8;
      return out;
    }
    case 'shape':
      return rewrite(header.replace(/\(([^)]*)\)/, m.value));
    case 'descr':
      return rewrite(header.replace(/'descr': '[^']*'/, `'descr': '${m.value}'`));
    case 'fortran':
      return rewrite(header.replace(/False|True/, (x) => (x === 'False' ? 'True' : 'False')));
    case 'truncate-data':
      return b.slice(0, 10 + hlen + Math.floor(m.keep * data.length));
  }
}

const arrayMember = fc.record({ which: fc.integer({ min: 0, max: 2 }), npy: fc.array(npyMutation, { maxLength: 2 }) });

function mutatedArrays(data: Dataset, muts: { which: number; npy: NpyMutation[] }[]): { name: string; bytes: Uint8Array }[] {
  const arrays = npyArrays(data);
  for (const m of muts) {
    const a = arrays[m.which]!;
    for (const n of m.npy) a.bytes = mutateNpy(a.bytes, n);
  }
  return arrays;
}

const npyTags = (muts: { which: number; npy: NpyMutation[] }[]) => muts.flatMap((m) => m.npy.map((n) => `npy-${n.op}`));

/** Lies in a zip: central directory fields, or a member shorter (or far longer) than declared. */
type ZipMutation =
  | { op: 'directory-field'; member: number; field: 'method' | 'crc' | 'compSize' | 'size' | 'nameLen' | 'extraLen' | 'localOffset'; value: number }
  | { op: 'short-member'; member: number; keep: number }
  | { op: 'bomb-member'; member: number; mib: number; declare: 'true' | 'small' | 'huge' }
  | { op: 'eocd-field'; field: 'count' | 'cdSize' | 'cdOffset'; value: number };

const ZIP_FIELD_OFFSET = { method: 10, crc: 16, compSize: 20, size: 24, nameLen: 28, extraLen: 30, localOffset: 42 } as const;
const interesting32 = fc.oneof(fc.constantFrom(0, 1, 2, 64, 100, 0x7fffffff, 0xffffffff, 0xfffffffe, 0x10000), fc.integer({ min: 0, max: 0xffffffff }));

const zipMutation = (maxBombMiB: number): fc.Arbitrary<ZipMutation> =>
  fc.oneof(
    fc.record({
      op: fc.constant('directory-field' as const),
      member: fc.integer({ min: 0, max: 2 }),
      field: fc.constantFrom('method' as const, 'crc' as const, 'compSize' as const, 'size' as const, 'nameLen' as const, 'extraLen' as const, 'localOffset' as const),
      value: interesting32,
    }),
    fc.record({ op: fc.constant('short-member' as const), member: fc.integer({ min: 0, max: 2 }), keep: at }),
    fc.record({ op: fc.constant('bomb-member' as const), member: fc.integer({ min: 0, max: 2 }), mib: fc.integer({ min: 1, max: maxBombMiB }), declare: fc.constantFrom('true' as const, 'small' as const, 'huge' as const) }),
    fc.record({ op: fc.constant('eocd-field' as const), field: fc.constantFrom('count' as const, 'cdSize' as const, 'cdOffset' as const), value: interesting32 }),
  );

/** The archive, and whether a member holds fewer bytes than its header and directory promise. */
function npzBytes(arrays: { name: string; bytes: Uint8Array }[], deflate: boolean, muts: ZipMutation[]): { bytes: Uint8Array; short: boolean } {
  let short = false;
  const members = arrays.map((a) => ({ name: a.name, data: a.bytes, deflate }));
  // Members whose declared size is not their data's: rewrite the directory after building.
  const declared = new Map<number, number>();
  for (const m of muts) {
    if (m.op !== 'short-member' && m.op !== 'bomb-member') continue;
    const k = m.member;
    if (m.op === 'short-member' && members[k]) {
      // header and directory promise the whole array; the member holds only part of it
      const full = members[k]!.data;
      declared.set(k, full.length);
      members[k] = { ...members[k]!, data: full.slice(0, Math.floor(m.keep * full.length)) };
      // garbage would follow only if the cut reaches into the array itself (a bomb's padding may go)
      short ||= members[k]!.data.length < arrays[k]!.bytes.length;
    } else if (m.op === 'bomb-member' && members[k]) {
      const big = new Uint8Array(m.mib << 20);
      big.set(members[k]!.data.subarray(0, Math.min(big.length, members[k]!.data.length)));
      members[k] = { ...members[k]!, data: big, deflate: true };
      if (m.declare !== 'true') declared.set(k, m.declare === 'small' ? members[k]!.data.length >> 4 : 0xfffffff0);
    }
  }
  const archive = zip(members);
  const v = new DataView(archive.buffer, archive.byteOffset, archive.byteLength);
  // where each directory entry is, before any field that locates them changes
  const entry = members.map((_, k) => centralEntryOffset(archive, k));
  for (const [k, size] of declared) {
    const o = entry[k]!;
    v.setUint32(o + 24, size >>> 0, true);
    v.setUint32(v.getUint32(o + 42, true) + 22, size >>> 0, true);
  }
  for (const m of muts) {
    if (m.op === 'directory-field' && m.member < members.length) {
      const o = entry[m.member]! + ZIP_FIELD_OFFSET[m.field];
      if (m.field === 'method' || m.field === 'nameLen' || m.field === 'extraLen') v.setUint16(o, m.value & 0xffff, true);
      else v.setUint32(o, m.value >>> 0, true);
    } else if (m.op === 'eocd-field') {
      const o = archive.length - 22 + (m.field === 'count' ? 10 : m.field === 'cdSize' ? 12 : 16);
      if (m.field === 'count') v.setUint16(o, m.value & 0xffff, true);
      else v.setUint32(o, m.value >>> 0, true);
    }
  }
  return { bytes: archive, short };
}

function npzCase(deflate: boolean, maxBombMiB: number): fc.Arbitrary<FuzzCase> {
  return fc
    .record({ data: dataset, arrays: fc.array(arrayMember, { maxLength: 2 }), zip: fc.array(zipMutation(maxBombMiB), { maxLength: 2 }), bytes: byteMutations, lenient: fc.boolean() })
    .map(({ data, arrays, zip: zm, bytes, lenient }) => {
      const archive = npzBytes(mutatedArrays(data, arrays), deflate, zm);
      return {
        files: [{ path: 'run.npz', bytes: mutateBytes(archive.bytes, bytes) }],
        target: 'run.npz',
        lenient,
        tags: [...npyTags(arrays), ...zm.map((m) => `zip-${m.op}`), ...tag(bytes)],
        // the oracle holds when nothing else decides which members are read
        ...(archive.short && bytes.length === 0 && zm.every((m) => m.op === 'short-member' || m.op === 'bomb-member') ? { maxSamples: data.targets.length - 1 } : {}),
      };
    });
}

function npyCase(): fc.Arbitrary<FuzzCase> {
  return fc
    .record({ data: dataset, arrays: fc.array(arrayMember, { maxLength: 3 }), bytes: byteMutations, which: fc.integer({ min: 0, max: 2 }), lenient: fc.boolean(), prefix: fc.constantFrom('', 'val_', 'epoch_003_') })
    .map(({ data, arrays, bytes, which, lenient, prefix }) => {
      const files = mutatedArrays(data, arrays).map((a, i) => ({ path: `dump/${prefix}${a.name}`, bytes: i === which ? mutateBytes(a.bytes, bytes) : a.bytes }));
      return { files, target: files[0]!.path, lenient, tags: [...npyTags(arrays), ...tag(bytes)] };
    });
}

function npzFolderCase(maxBombMiB: number): fc.Arbitrary<FuzzCase> {
  return fc
    .record({
      epochs: fc.array(fc.record({ data: dataset, arrays: fc.array(arrayMember, { maxLength: 1 }), zip: fc.array(zipMutation(maxBombMiB), { maxLength: 1 }), deflate: fc.boolean() }), { minLength: 1, maxLength: 4 }),
      folderAsFile: fc.option(fc.integer({ min: 0, max: 9 }), { freq: 4 }),
      bytes: byteMutations,
      lenient: fc.boolean(),
    })
    .map(({ epochs, folderAsFile, bytes, lenient }) => {
      const files: FuzzFile[] = epochs.map((e, i) => ({ path: `run/epoch_${String(i).padStart(3, '0')}.npz`, bytes: npzBytes(mutatedArrays(e.data, e.arrays), e.deflate, e.zip).bytes }));
      files[0]!.bytes = mutateBytes(files[0]!.bytes!, bytes);
      const tags = [...epochs.flatMap((e) => [...npyTags(e.arrays), ...e.zip.map((m) => `zip-${m.op}`)]), ...tag(bytes)];
      if (folderAsFile !== null) {
        files.push({ path: `run/epoch_${String(100 + folderAsFile).padStart(3, '0')}.npz` });
        tags.push(FOLDER_AS_FILE);
      }
      return { files, target: 'run', lenient, tags };
    });
}

type SafetensorsMutation =
  | { op: 'header-length'; value: number }
  | { op: 'offsets'; tensor: number; begin: number; end: number }
  | { op: 'shape'; tensor: number; shape: number[] }
  | { op: 'dtype'; tensor: number; dtype: string }
  | { op: 'metadata'; key: string; value: string };

const safetensorsMutation: fc.Arbitrary<SafetensorsMutation> = fc.oneof(
  fc.record({ op: fc.constant('header-length' as const), value: fc.oneof(fc.constantFrom(0, 1, 2, 7, 8, 2 ** 32, 2 ** 53), fc.integer({ min: 0, max: 1 << 20 })) }),
  fc.record({ op: fc.constant('offsets' as const), tensor: fc.integer({ min: 0, max: 2 }), begin: fc.constantFrom(-1, 0, 3, 1 << 30, 2 ** 53), end: fc.constantFrom(0, 4, 7, 1 << 30, 2 ** 60) }),
  fc.record({ op: fc.constant('shape' as const), tensor: fc.integer({ min: 0, max: 2 }), shape: fc.array(fc.constantFrom(-1, 0, 1, 2, 3, 7, 1 << 20, 6553600000, 1.5), { maxLength: 3 }) }),
  fc.record({ op: fc.constant('dtype' as const), tensor: fc.integer({ min: 0, max: 2 }), dtype: fc.constantFrom('F16', 'BF16', 'F64', 'I8', 'U8', 'BOOL', 'F8_E4M3', 'STR', '') }),
  fc.record({ op: fc.constant('metadata' as const), key: fc.constantFrom('loss', 'alpha', 'gamma', 'classes', 'convention'), value: fc.constantFrom('"x"', '[0.25, 0.75]', 'NaN', '-1', '{}', '<script>', '[1e309]', '["a\\n# b"]') }),
);

function safetensorsCase(): fc.Arbitrary<FuzzCase> {
  return fc
    .record({ data: dataset, st: fc.array(safetensorsMutation, { maxLength: 2 }), bytes: byteMutations, lenient: fc.boolean() })
    .map(({ data, st, bytes, lenient }) => {
      let b = safetensorsOf(data);
      for (const m of st) b = mutateSafetensors(b, m);
      return { files: [{ path: 'run.safetensors', bytes: mutateBytes(b, bytes) }], target: 'run.safetensors', lenient, tags: [...st.map((m) => `st-${m.op}`), ...tag(bytes)] };
    });
}

function mutateSafetensors(b: Uint8Array, m: SafetensorsMutation): Uint8Array {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = Number(v.getBigUint64(0, true));
  if (m.op === 'header-length') {
    const out = b.slice();
    new DataView(out.buffer).setBigUint64(0, BigInt(m.value), true);
    return out;
  }
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: number[] } | Record<string, string>>;
  try {
    header = JSON.parse(new TextDecoder().decode(b.subarray(8, 8 + n)));
  } catch {
    return b;
  }
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  const t = names[(m as { tensor?: number }).tensor ?? 0] ?? names[0]!;
  const entry = header[t] as { dtype: string; shape: number[]; data_offsets: number[] };
  if (m.op === 'offsets') entry.data_offsets = [m.begin, m.end];
  else if (m.op === 'shape') entry.shape = m.shape;
  else if (m.op === 'dtype') entry.dtype = m.dtype;
  else ((header.__metadata__ ??= {}) as Record<string, string>)[m.key] = m.value;
  const json = enc(JSON.stringify(header));
  const len = new Uint8Array(8);
  new DataView(len.buffer).setBigUint64(0, BigInt(json.length), true);
  return concat([len, json, b.subarray(8 + n)]);
}

/**
 * The cases of one reader. `maxBombMiB` bounds what the bombs inflate to (a few MiB in the unit
 * tests; more in the long run, where the built CLI's memory and time are measured).
 */
export function readerCases(reader: ReaderName, maxBombMiB = 4): fc.Arbitrary<FuzzCase> {
  switch (reader) {
    case 'jsonl':
      return textCase('jsonl', ',', false, maxBombMiB);
    case 'jsonl.gz':
      return textCase('jsonl', ',', true, maxBombMiB);
    case 'csv':
      return textCase('csv', ',', false, maxBombMiB);
    case 'tsv':
      return textCase('csv', '\t', false, maxBombMiB);
    case 'csv.gz':
      return textCase('csv', ',', true, maxBombMiB);
    case 'npy':
      return npyCase();
    case 'npz-stored':
      return npzCase(false, maxBombMiB);
    case 'npz-deflated':
      return npzCase(true, maxBombMiB);
    case 'npz-folder':
      return npzFolderCase(maxBombMiB);
    case 'safetensors':
      return safetensorsCase();
  }
}

// -------------------------------------------------------------- hints

export interface HintCase {
  language: HintLanguageName;
  text: string;
  tags: string[];
}

const EXTENSIONS: Record<HintLanguageName, RegExp> = { python: /\.py$/, yaml: /\.ya?ml$/, json: /\.json$/, toml: /\.toml$/ };

/** Focal-loss configs to start from: the repository's examples, plus JSON and TOML written here. */
function hintBases(language: HintLanguageName): string[] {
  const dir = join(__dirname, '../../examples/configs');
  const files = readdirSync(dir).filter((f) => EXTENSIONS[language].test(f));
  const own: Record<HintLanguageName, string[]> = {
    python: ['from torchvision.ops import sigmoid_focal_loss\nloss = sigmoid_focal_loss(x, y, alpha=0.25, gamma=2.0)  # focal-lens: prevalence=0.01\n'],
    yaml: ['loss:\n  type: FocalLoss\n  alpha: 0.25\n  gamma: 2.0\n'],
    json: ['{\n  "model": {"loss_cls": {"type": "FocalLoss", "use_sigmoid": true, "alpha": 0.25, "gamma": 2.0}}\n}\n', '{"focal_alpha": [0.1, 0.2, 0.7], "focal_gamma": 2}\n'],
    toml: ['[loss]\ntype = "FocalLoss"\nalpha = 0.25\ngamma = 2.0\n', '[train.focal]\nalpha = [0.25, 0.75]\ngamma = 1.5\n'],
  };
  return [...files.map((f) => readFileSync(join(dir, f), 'utf8')), ...own[language]];
}

/** Nesting that recursive parsers and tree walkers choke on, in each language's syntax. */
function deepNesting(language: HintLanguageName, kind: number, depth: number): string {
  const around = (open: string, close: string, inner: string) => open.repeat(depth) + inner + close.repeat(depth);
  switch (language) {
    case 'python':
      return ['alpha = ' + around('(', ')', '0.25'), 'alpha = ' + '-'.repeat(depth) + '0.25', 'alpha = ' + around('[', ']', '0.25'), 'cfg' + '.a'.repeat(depth) + '.FOCAL_LOSS_ALPHA = 0.25', 'loss = FocalLoss(alpha=' + around('f(', ')', '0.25') + ')', 'loss = dict(type="FocalLoss", alpha=' + around('dict(a=', ')', '1') + ')'][kind % 6]!;
    case 'yaml':
      return ['alpha: ' + around('[', ']', '0.25'), 'loss: ' + around('{a: ', '}', '1') + '\nalpha: 0.25', Array.from({ length: Math.min(depth, 2000) }, (_, i) => ' '.repeat(i) + 'a:').join('\n') + '\n' + ' '.repeat(Math.min(depth, 2000)) + 'alpha: 0.25', 'alpha: ' + '&a '.repeat(Math.min(depth, 100)) + '0.25'][kind % 4]!;
    case 'json':
      return ['{"alpha": ' + around('[', ']', '0.25') + '}', around('{"loss": ', '}', '{"alpha": 0.25}'), '{"alpha": 0.25, "x": ' + around('[', ']', '') + '}'][kind % 3]!;
    case 'toml':
      return ['alpha = ' + around('[', ']', '0.25'), 'loss = ' + around('{a = ', '}', '1') + '\nalpha = 0.25', 'a' + '.b'.repeat(depth) + '.alpha = 0.25'][kind % 3]!;
  }
}

export function hintCases(language: HintLanguageName): fc.Arbitrary<HintCase> {
  const bases = hintBases(language);
  const deep = fc.record({ kind: fc.nat(), depth: fc.oneof(fc.integer({ min: 1, max: 300 }), fc.constantFrom(1000, 10000, 100000)), where: at });
  return fc
    .record({ base: fc.constantFrom(...bases), deep: fc.option(deep, { freq: 2 }), bytes: fc.array(byteMutation, { maxLength: 4 }) })
    .map(({ base, deep: d, bytes }) => {
      let text = base;
      const tags: string[] = [];
      if (d) {
        const lines = text.split('\n');
        lines.splice(Math.floor(d.where * lines.length), 0, deepNesting(language, d.kind, d.depth));
        text = lines.join('\n');
        tags.push(`deep-nesting-${d.depth}`);
      }
      text = new TextDecoder().decode(mutateBytes(enc(text), bytes));
      return { language, text, tags: [...tags, ...tag(bytes)] };
    });
}
