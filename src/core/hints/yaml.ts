/** Focal-loss settings in YAML, with source ranges from the `yaml` package. */
import { isMap, isScalar, isSeq, parseAllDocuments, Parser, type Node as YamlNode } from 'yaml';
import { sitesFromEntries, type EntryValue, type KeyedEntry } from './keyed';
import type { CommentToken, ExtractResult } from './types';

function scalarValue(node: unknown): EntryValue {
  if (!isScalar(node)) return undefined;
  const v = node.value;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string' || v === null) return v;
  return undefined;
}

/** `fileName`: Lightning's hparams.yaml holds the module's arguments at the top level (alpha, gamma among them). */
export function extractYaml(text: string, fileName?: string): ExtractResult {
  const { entries, parseError } = yamlEntries(text);
  const topLevel = fileName?.toLowerCase() === 'hparams.yaml' ? 'top-level alpha/gamma of hparams.yaml (Lightning hyperparameters)' : undefined;
  return { sites: sitesFromEntries(entries, topLevel), comments: yamlComments(text), parseError, entries };
}

/**
 * Runs `parse` with no stack captured for the errors made meanwhile. The `yaml` package makes an
 * Error for every problem of a broken file (thousands, each raised deep in its recursive parser:
 * an unterminated flow mapping nests every following line), and an Error captures the stack at
 * construction, up to Error.stackTraceLimit frames. Where that limit is high (mocha sets it to
 * Infinity; a host or `--stack-trace-limit` may) a 171 KB config cost a minute and a GiB of frames;
 * only the first error's message is read, never a stack.
 */
function withoutStacks<T>(parse: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return parse();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Every leaf of a YAML document (all documents of a stream) with its key path and source ranges. */
export function yamlEntries(text: string): { entries: KeyedEntry[]; parseError: string | undefined } {
  const entries: KeyedEntry[] = [];
  let parseError: string | undefined;
  // the duplicate-key check compares every key with every other: seconds for a few thousand keys
  const docs = withoutStacks(() => parseAllDocuments(text, { uniqueKeys: false }));
  const docList = Array.isArray(docs) ? docs : [];
  const walk = (node: YamlNode | null | undefined, path: string[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = pair.key;
        if (!isScalar(key) || !key.range) continue;
        const keyStr = String(key.value);
        const value = pair.value as YamlNode | null;
        if (isMap(value) || (isSeq(value) && value.items.some((i) => isMap(i) || isSeq(i)))) {
          walk(value, [...path, keyStr]);
          continue;
        }
        if (!value || !value.range) continue;
        let v: EntryValue;
        if (isSeq(value)) {
          const items = value.items.map(scalarValue);
          v = items.every((n) => typeof n === 'number') ? (items as number[]) : items.every((n) => typeof n === 'string') ? (items as string[]) : undefined;
        } else v = scalarValue(value);
        const valueRange = { start: value.range[0], end: value.range[1] };
        entries.push({
          path,
          key: keyStr,
          keyRange: { start: key.range[0], end: key.range[1] },
          valueRange,
          valueText: text.slice(valueRange.start, valueRange.end),
          value: v,
        });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item as YamlNode, [...path, `[${i}]`]));
    }
  };
  for (const doc of docList) {
    if (doc.errors.length > 0 && !parseError) parseError = doc.errors[0]!.message.split('\n')[0];
    walk(doc.contents as YamlNode | null, []);
  }
  return { entries, parseError };
}

/** Comment tokens from the CST (the composed documents keep comments without positions). */
function yamlComments(text: string): CommentToken[] {
  const out: CommentToken[] = [];
  const seen = new Set<unknown>();
  const visit = (x: unknown): void => {
    if (x === null || typeof x !== 'object' || seen.has(x)) return;
    seen.add(x);
    if (Array.isArray(x)) {
      for (const item of x) visit(item);
      return;
    }
    const t = x as { type?: unknown; offset?: unknown; source?: unknown };
    if (t.type === 'comment' && typeof t.offset === 'number' && typeof t.source === 'string') {
      out.push({ start: t.offset, end: t.offset + t.source.length, text: t.source });
      return;
    }
    for (const v of Object.values(x)) visit(v);
  };
  for (const token of new Parser().parse(text)) visit(token);
  out.sort((a, b) => a.start - b.start);
  return out;
}
