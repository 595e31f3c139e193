/**
 * Focal-loss settings in TOML. smol-toml validates the file but keeps no source positions, so a
 * small tokenizer walks the same grammar (tables, arrays of tables, dotted and quoted keys, inline
 * tables, arrays, strings) and records the range of every key and value.
 */
import { parse as parseToml } from 'smol-toml';
import { sitesFromEntries, type EntryValue, type KeyedEntry } from './keyed';
import type { CommentToken, ExtractResult, OffsetRange } from './types';

class TomlScanError extends Error {}

export function extractToml(text: string): ExtractResult {
  const entries: KeyedEntry[] = [];
  const comments: CommentToken[] = [];
  let i = 0;
  const n = text.length;
  let table: string[] = [];
  const arrayCounts = new Map<string, number>();

  const fail = (msg: string): never => {
    throw new TomlScanError(`${msg} at offset ${i}`);
  };
  const skipSpaces = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  const comment = (): void => {
    if (text[i] !== '#') return;
    const start = i;
    while (i < n && text[i] !== '\n') i++;
    const end = text[i - 1] === '\r' ? i - 1 : i;
    comments.push({ start, end, text: text.slice(start, end) });
  };
  /** Whitespace, newlines and comments (inside arrays and between statements). */
  const skipAll = (): void => {
    for (;;) {
      skipSpaces();
      if (text[i] === '#') comment();
      else if (text[i] === '\n' || text[i] === '\r') i++;
      else return;
    }
  };

  const readString = (): string => {
    const q = text[i]!;
    const triple = text.startsWith(q.repeat(3), i);
    const start = i;
    i += triple ? 3 : 1;
    for (;;) {
      if (i >= n) fail('unterminated string');
      if (q === '"' && text[i] === '\\') {
        i += 2;
        continue;
      }
      if (triple ? text.startsWith(q.repeat(3), i) : text[i] === q) {
        i += triple ? 3 : 1;
        while (triple && text[i] === q) i++;
        break;
      }
      if (!triple && text[i] === '\n') fail('newline in string');
      i++;
    }
    const raw = text.slice(start, i);
    const body = raw.slice(triple ? 3 : 1, raw.length - (triple ? 3 : 1));
    return q === '"' ? body.replace(/\\(["\\/bfnrt])/g, (_m, c: string) => ({ b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' })[c] ?? c) : body;
  };

  const readKeys = (): { keys: string[]; last: OffsetRange } => {
    const keys: string[] = [];
    let last: OffsetRange = { start: i, end: i };
    for (;;) {
      skipSpaces();
      const start = i;
      if (text[i] === '"' || text[i] === "'") keys.push(readString());
      else {
        while (i < n && /[A-Za-z0-9_-]/.test(text[i]!)) i++;
        if (i === start) fail('expected a key');
        keys.push(text.slice(start, i));
      }
      last = { start, end: i };
      skipSpaces();
      if (text[i] === '.') {
        i++;
        continue;
      }
      return { keys, last };
    }
  };

  const number = (raw: string): number | undefined => {
    const t = raw.replace(/_/g, '');
    if (/^[+-]?inf$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
    if (/^[+-]?nan$/.test(t)) return NaN;
    if (/^0[xob]/.test(t)) return Number(t);
    if (!/^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+)$/.test(t)) return undefined;
    return Number(t);
  };

  /** Reads one value; inline tables emit their own entries under `path`. */
  const readValue = (path: string[]): { value: EntryValue; range: OffsetRange } => {
    const start = i;
    const c = text[i];
    if (c === '{') {
      i++;
      for (;;) {
        skipSpaces();
        if (text[i] === '}') {
          i++;
          break;
        }
        readKeyValue(path);
        skipSpaces();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') fail("expected ',' or '}'");
      }
      return { value: undefined, range: { start, end: i } };
    }
    if (c === '[') {
      i++;
      const items: EntryValue[] = [];
      let idx = 0;
      for (;;) {
        skipAll();
        if (text[i] === ']') {
          i++;
          break;
        }
        items.push(readValue([...path, `[${idx++}]`]).value);
        skipAll();
        if (text[i] === ',') i++;
        else if (text[i] !== ']') fail("expected ',' or ']'");
      }
      const nums = items.every((x) => typeof x === 'number');
      return { value: nums ? (items as number[]) : undefined, range: { start, end: i } };
    }
    if (c === '"' || c === "'") {
      const s = readString();
      return { value: s, range: { start, end: i } };
    }
    while (i < n && !/[\s,\]}#]/.test(text[i]!)) i++;
    // Offset date-times may hold one space between date and time.
    if (/^\d{4}-\d{2}-\d{2}$/.test(text.slice(start, i)) && text[i] === ' ' && /\d/.test(text[i + 1] ?? '')) {
      i++;
      while (i < n && !/[\s,\]}#]/.test(text[i]!)) i++;
    }
    const raw = text.slice(start, i);
    if (raw === '') fail('expected a value');
    const value: EntryValue = raw === 'true' ? true : raw === 'false' ? false : number(raw);
    return { value, range: { start, end: i } };
  };

  const readKeyValue = (base: string[]): void => {
    const { keys, last } = readKeys();
    if (text[i] !== '=') fail("expected '='");
    i++;
    skipSpaces();
    const path = [...base, ...keys.slice(0, -1)];
    const key = keys[keys.length - 1]!;
    const { value, range } = readValue([...path, key]);
    if (text[range.start] === '{') return;
    entries.push({ path, key, keyRange: last, valueRange: range, valueText: text.slice(range.start, range.end), value });
  };

  let scanError: string | undefined;
  try {
    for (;;) {
      skipAll();
      if (i >= n) break;
      if (text[i] === '[') {
        const isArray = text[i + 1] === '[';
        i += isArray ? 2 : 1;
        const { keys } = readKeys();
        if (!text.startsWith(isArray ? ']]' : ']', i)) fail("expected ']'");
        i += isArray ? 2 : 1;
        if (isArray) {
          const k = keys.join('\u0001');
          const count = arrayCounts.get(k) ?? 0;
          arrayCounts.set(k, count + 1);
          table = [...keys, `[${count}]`];
        } else table = keys;
      } else readKeyValue(table);
      skipSpaces();
      comment();
      if (i < n && text[i] !== '\n' && text[i] !== '\r') fail('expected the end of the line');
    }
  } catch (err) {
    if (!(err instanceof TomlScanError)) throw err;
    scanError = err.message;
  }
  let parseError: string | undefined;
  try {
    parseToml(text);
  } catch (err) {
    parseError = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  }
  return { sites: sitesFromEntries(entries), comments, parseError: parseError ?? scanError };
}
