/**
 * The registry of input formats. Each format is one module under ./formats/ that declares its id,
 * the names and magic bytes it claims, a content sniffer and its reader; this list is the only
 * place that knows them all. Detection, the run-folder walk, the VS Code picker's glob, the
 * Explorer menu's `when` clause (a unit test compares package.json with it), the CLI's help and
 * the README's format table all come from here.
 *
 * To add a format: write formats/<id>.ts exporting a FormatSpec, and add it to FORMATS below.
 */
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { InputError } from './errors';
import type { DumpSource } from './dump-source';
import type { MetricLog } from './metrics/types';
import type { LineBatch } from './metrics/text';
import type { MetricLogBuilder } from './metrics/builder';
import type { FoundSetting } from '../run/settings';
import { FORMATS } from './formats';

/** The first bytes of a file and, when they are text, its first lines: what sniffers look at. */
export interface FileHead {
  path: string;
  /** Display name (relative to the display base). */
  name: string;
  /** The file name without folders, as written. */
  base: string;
  size: number;
  bytes: Uint8Array;
  /** The head decoded as UTF-8 (byte-order mark dropped), or null when it holds binary bytes. */
  text: string | null;
  /** The first non-blank lines of `text` (at most 50), without line ends. */
  lines: string[];
}

export type FormatRole = 'predictions' | 'metrics' | 'config';

/** File names a format claims: exact names, extensions (with the dot), or glob + regex pairs. */
export interface NameClaims {
  fileNames?: readonly string[];
  extensions?: readonly string[];
  patterns?: ReadonlyArray<{ glob: string; regex: RegExp }>;
}

interface FormatBase {
  id: string;
  /** Shown to people, short enough for lists: "Lightning metrics.csv", ".npz". */
  label: string;
  role: FormatRole;
  claims: NameClaims;
  /**
   * How sure the format is that the file is its own, from its content: 0 no, 2 yes (the name adds
   * 1 when it matches the claims). A format whose sniffer says 0 can still read a file its name
   * claims (score 1): its reader then reports what is wrong, line by line.
   */
  sniff(head: FileHead): number;
  /** Only a name claim plus content may select the format (generic names like `config.yaml`). */
  needsContent?: boolean;
  /** A real example of the files, for the README and messages. */
  example: string;
}

export interface DumpFormatSpec extends FormatBase {
  role: 'predictions';
  /** The dump source this file is part of (npy sets: the file and its companions). */
  source(head: FileHead): Promise<DumpSource>;
}

export interface MetricReadOptions {
  signal?: AbortSignal;
  onBytes?(n: number): void;
}

/** Lines of a metric log into its log, batch by batch: from a whole file, or as a live run appends them. */
export interface MetricLineSink {
  readonly builder: MetricLogBuilder;
  lines(batch: LineBatch): void;
  /** The log of the lines so far (callable again as more arrive). */
  build(): MetricLog;
}

export interface MetricFormatSpec extends FormatBase {
  role: 'metrics';
  read(head: FileHead, options: MetricReadOptions): Promise<MetricLog>;
  /**
   * Line-based logs: the sink their lines go into (the watch feeds it the lines a run appends;
   * `read` feeds it the whole file). Without it a live file is read again whole when it changes.
   */
  lineSink?(name: string): MetricLineSink;
  /**
   * Files of this format that make one log together (TensorBoard writes `train/` and
   * `validation/` event files of one run): read as one. Without it each file is a log of its own.
   */
  readGroup?(heads: FileHead[], options: MetricReadOptions): Promise<MetricLog>;
}

export interface ConfigFormatSpec extends FormatBase {
  role: 'config';
  /** Loss settings the config records, with lines. */
  settings(head: FileHead, text: string): FoundSetting[];
}

export type FormatSpec = DumpFormatSpec | MetricFormatSpec | ConfigFormatSpec;

export { FORMATS };

/** Bytes a sniffer sees. Enough for a CSV header with hundreds of columns and several JSON lines. */
export const HEAD_BYTES = 64 << 10;

export async function readHead(path: string, name: string): Promise<FileHead> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const buf = new Uint8Array(Math.min(size, HEAD_BYTES));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return headOf(path, name, size, buf.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/** A FileHead from bytes already read. */
export function headOf(path: string, name: string, size: number, bytes: Uint8Array): FileHead {
  const text = textOf(bytes, size > bytes.length);
  const lines: string[] = [];
  if (text !== null) {
    for (const line of text.split('\n')) {
      const l = line.replace(/\r$/, '');
      if (l.trim() === '') continue;
      lines.push(l);
      if (lines.length >= 50) break;
    }
  }
  return { path, name, base: basename(path), size, bytes, text, lines };
}

/**
 * A text log may hold a damaged line (NULs a crash left, a stray binary record): it is still text,
 * and the reader skips that line with its number. Binary data has control bytes on most of its
 * "lines": a head is text when at most one line in BINARY_LINE_SHARE holds one (of at least 4).
 */
const BINARY_LINE_SHARE = 8;

/** A byte that makes a line binary: a control character other than tab, form feed and CR (LF ends lines). */
// eslint-disable-next-line no-control-regex -- control bytes are what it looks for
const CONTROL_BYTE = /[\x00-\x08\x0b\x0e-\x1f]/;

function textOf(bytes: Uint8Array, truncated: boolean): string | null {
  let start = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  const raw = Buffer.from(bytes.buffer, bytes.byteOffset + start, bytes.length - start);
  // lines judged one byte per character (latin1) by the regex engine: a byte loop in JS runs cold
  // here, once per file of a run folder, and cost 20 ms on a 64 KiB binary head
  const rows = raw.toString('latin1').split('\n');
  let binaryLines = 0;
  for (const row of rows) if (CONTROL_BYTE.test(row)) binaryLines++;
  if (binaryLines > 0 && (rows.length < 4 || binaryLines * BINARY_LINE_SHARE > rows.length)) return null;
  let s = raw.toString('utf8');
  // a cut through a multi-byte character at the end of the head is not binary data
  if (truncated) s = s.replace(/\uFFFD+$/, '');
  return s.includes('\uFFFD') ? null : s;
}

export function nameClaimed(claims: NameClaims, base: string): boolean {
  const lower = base.toLowerCase();
  if (claims.fileNames?.some((n) => n.toLowerCase() === lower)) return true;
  if (claims.extensions?.some((e) => lower.endsWith(e.toLowerCase()))) return true;
  return claims.patterns?.some((p) => p.regex.test(base)) ?? false;
}

export interface Detection {
  format: FormatSpec;
  score: number;
}

/** The format that claims the file most surely (ties: the earlier entry of FORMATS), or null. */
export function detect(head: FileHead, roles?: readonly FormatRole[]): Detection | null {
  let best: Detection | null = null;
  for (const format of FORMATS) {
    if (roles && !roles.includes(format.role)) continue;
    const byName = nameClaimed(format.claims, head.base) ? 1 : 0;
    const byContent = format.sniff(head);
    if (format.needsContent && (byContent === 0 || byName === 0)) continue;
    const score = byName + byContent;
    if (score > 0 && (!best || score > best.score)) best = { format, score };
  }
  return best;
}

/** Formats of one role, for messages ("known metric logs: ..."). */
export function formatLabels(role: FormatRole): string[] {
  return FORMATS.filter((f) => f.role === role).map((f) => f.label);
}

/** What an unrecognised file looks like, in words, and which formats exist. */
export function unsupportedFileError(head: FileHead): InputError {
  let looks: string;
  let byteOffset: number | undefined;
  // text is judged by its first line, which the message quotes: that is the place named
  let line: number | undefined;
  if (head.size === 0) looks = 'the file is empty';
  else if (head.text === null) {
    const hex = [...head.bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    looks = `binary data (starts with ${hex}) that is none of .npy, .npz, safetensors, gzip, TensorBoard events`;
    byteOffset = Math.max(0, head.bytes.findIndex((b) => b === 0 || (b < 32 && b !== 9 && b !== 10 && b !== 13)));
  } else {
    const first = head.lines[0] ?? '';
    const shown = first.length > 80 ? `${first.slice(0, 80)}…` : first;
    const what = first.trimStart().startsWith('{') || first.trimStart().startsWith('[') ? 'JSON' : first.includes(',') || first.includes('\t') ? 'a table' : 'text';
    looks = `${what} starting ${JSON.stringify(shown)}`;
    line = 1;
  }
  return new InputError(
    { file: head.name, ...(byteOffset !== undefined ? { byteOffset } : {}), ...(line !== undefined ? { line } : {}) },
    `not a prediction dump or a training log: ${looks}. Focal Lens reads prediction dumps (${formatLabels('predictions').join(', ')})` +
      ` and metric logs (${formatLabels('metrics').join(', ')}); see "Formats" in the README.`,
    'unsupported',
  );
}

/** The VS Code findFiles glob of every analyzable file (dumps and metric logs). */
export function pickerGlob(): string {
  const parts = new Set<string>();
  for (const f of FORMATS) {
    if (f.role === 'config') continue;
    for (const n of f.claims.fileNames ?? []) parts.add(n);
    for (const e of f.claims.extensions ?? []) parts.add(`*${e}`);
    for (const p of f.claims.patterns ?? []) parts.add(p.glob);
  }
  return `**/{${[...parts].join(',')}}`;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * The regular expression package.json's Explorer menu matches `resourceFilename` against (the
 * same files as {@link pickerGlob}). package.json cannot import it: a unit test keeps them equal.
 */
export function explorerFilenamePattern(): string {
  const alts = new Set<string>();
  for (const f of FORMATS) {
    if (f.role === 'config') continue;
    for (const n of f.claims.fileNames ?? []) alts.add(`^${escapeRegex(n)}$`);
    for (const e of f.claims.extensions ?? []) alts.add(`${escapeRegex(e)}$`);
    for (const p of f.claims.patterns ?? []) alts.add(p.regex.source);
  }
  return [...alts].join('|');
}
