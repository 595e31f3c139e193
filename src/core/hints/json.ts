/** Focal-loss settings in JSON / JSONC, with source ranges from jsonc-parser. */
import { parseTree, visit, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import { sitesFromEntries, type EntryValue, type KeyedEntry } from './keyed';
import type { CommentToken, ExtractResult } from './types';

export function extractJson(text: string): ExtractResult {
  const { entries, comments, parseError } = jsonEntries(text);
  return { sites: sitesFromEntries(entries), comments, parseError, entries };
}

/** Every leaf of a JSON / JSONC document with its key path and source ranges. */
export function jsonEntries(text: string): { entries: KeyedEntry[]; comments: CommentToken[]; parseError: string | undefined } {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  const entries: KeyedEntry[] = [];
  const walk = (node: JsonNode | undefined, path: string[]): void => {
    if (!node) return;
    if (node.type === 'array') {
      node.children?.forEach((c, i) => walk(c, [...path, `[${i}]`]));
      return;
    }
    if (node.type !== 'object') return;
    for (const prop of node.children ?? []) {
      const [k, v] = prop.children ?? [];
      if (!k || !v || typeof k.value !== 'string') continue;
      if (v.type === 'object' || (v.type === 'array' && v.children?.some((c) => c.type === 'object' || c.type === 'array'))) {
        walk(v, [...path, k.value]);
        continue;
      }
      let value: EntryValue;
      if (v.type === 'array') {
        const items = (v.children ?? []).map((c) => c.value as unknown);
        value = items.every((n) => typeof n === 'number') ? (items as number[]) : items.every((n) => typeof n === 'string') ? (items as string[]) : undefined;
      } else if (v.type === 'number' || v.type === 'boolean' || v.type === 'string' || v.type === 'null') {
        value = v.value as EntryValue;
      }
      entries.push({
        path,
        key: k.value,
        keyRange: { start: k.offset, end: k.offset + k.length },
        valueRange: { start: v.offset, end: v.offset + v.length },
        valueText: text.slice(v.offset, v.offset + v.length),
        value,
      });
    }
  };
  walk(root, []);
  const comments: CommentToken[] = [];
  visit(text, {
    onComment(offset, length) {
      comments.push({ start: offset, end: offset + length, text: text.slice(offset, offset + length) });
    },
  }, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  return { entries, comments, parseError: first ? `JSON syntax error at offset ${first.offset}` : undefined };
}
