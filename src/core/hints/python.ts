/**
 * Focal-loss settings in Python (training scripts, MMDetection-style config.py) found with the
 * @lezer/python parser: calls of known focal losses (aliases resolved through the imports),
 * `dict(type='FocalLoss', ...)` and `{'type': 'FocalLoss', ...}`, Detectron2
 * `cfg.MODEL.RETINANET.FOCAL_LOSS_ALPHA = ...`, argparse defaults (`add_argument('--alpha', default=0.25)`),
 * and assignments such as `FOCAL_ALPHA = 0.25`. A value passed through a name (`a = 0.25` ...
 * `FocalLoss(alpha=a)`, `FocalLoss(alpha=args.alpha)`) is followed to where it is set: the hint goes there.
 */
import { parser } from '@lezer/python';
import type { SyntaxNode } from '@lezer/common';
import { LIBRARIES, resolveMmType, resolveQualifiedName } from './libraries';
import { relevantRanges, scanPython } from './python-scan';
import type {
  CommentToken,
  ConventionSource,
  ExtractResult,
  FlagOccurrence,
  FocalParameter,
  FocalSite,
  LibraryInfo,
  ParamOccurrence,
  ParamValue,
} from './types';

interface Arg {
  name: string | null;
  nameNode: SyntaxNode | null;
  value: SyntaxNode;
}

interface Assignment {
  target: string;
  targetNode: SyntaxNode;
  value: SyntaxNode;
  /** Used by a focal-loss call: its hint belongs to that call. */
  consumed: boolean;
}

type FlagName = 'apply_class_balancing' | 'use_softmax';

function stripPythonString(raw: string): string {
  let s = raw.replace(/^[rRbBuUfF]{0,2}/, '');
  const q = s.startsWith('"""') || s.startsWith("'''") ? 3 : 1;
  s = s.slice(q, s.length - q);
  return s;
}

/** Parentheses, signs and lists around a number deeper than this are no config value. */
const MAX_LITERAL_DEPTH = 32;

export function extractPython(text: string): ExtractResult {
  const scan = scanPython(text);
  const ranges = relevantRanges(text, scan);
  if (ranges.length === 0) return { sites: [], comments: scan.comments };
  const tree = parser.parse(sparseSource(text, ranges));
  const slice = (n: SyntaxNode): string => text.slice(n.from, n.to);

  const aliases = new Map<string, string>();
  const comments: CommentToken[] = scan.comments;
  const calls: SyntaxNode[] = [];
  const dicts: SyntaxNode[] = [];
  const assignments = new Map<string, Assignment>();
  const assignmentList: Assignment[] = [];
  let hasBase = false;
  let errors = 0;

  tree.iterate({
    enter(ref) {
      switch (ref.name) {
        case 'Comment':
          return false;
        case 'ImportStatement':
          readImport(ref.node);
          return false;
        case 'CallExpression':
          calls.push(ref.node);
          return true;
        case 'DictionaryExpression':
          dicts.push(ref.node);
          return true;
        case 'AssignStatement':
          readAssignment(ref.node);
          return true;
        case '⚠':
          errors++;
          return true;
        default:
          return true;
      }
    },
  });

  function readImport(node: SyntaxNode): void {
    const kids: SyntaxNode[] = [];
    for (let c = node.firstChild; c; c = c.nextSibling) kids.push(c);
    if (kids[0]?.name === 'from') {
      let i = 1;
      let module = '';
      for (; i < kids.length && kids[i]!.name !== 'import'; i++) module += slice(kids[i]!);
      i++;
      while (i < kids.length) {
        const k = kids[i]!;
        if (k.name === 'VariableName') {
          const name = slice(k);
          let alias = name;
          if (kids[i + 1]?.name === 'as' && kids[i + 2]) {
            alias = slice(kids[i + 2]!);
            i += 2;
          }
          aliases.set(alias, module ? `${module}.${name}` : name);
        }
        i++;
      }
    } else {
      // import a.b.c [as d], e
      let i = 1;
      while (i < kids.length) {
        let dotted = '';
        while (i < kids.length && kids[i]!.name !== ',' && kids[i]!.name !== 'as') dotted += slice(kids[i++]!);
        if (kids[i]?.name === 'as' && kids[i + 1]) {
          aliases.set(slice(kids[i + 1]!), dotted);
          i += 2;
        } else {
          const root = dotted.split('.')[0]!;
          if (root) aliases.set(root, root);
        }
        if (kids[i]?.name === ',') i++;
      }
    }
  }

  function readAssignment(node: SyntaxNode): void {
    const target = node.firstChild;
    const op = target?.nextSibling;
    const value = op?.nextSibling;
    if (!target || !op || op.name !== 'AssignOp' || !value || value.nextSibling) return;
    if (target.name !== 'VariableName' && target.name !== 'MemberExpression') return;
    const name = slice(target).replace(/\s+/g, '');
    if (name === '_base_') hasBase = true;
    const a: Assignment = { target: name, targetNode: target, value, consumed: false };
    assignments.set(name, a);
    assignmentList.push(a);
  }

  /** `a.b.c` of a member chain (walked iteratively: chains can be as long as a file is). */
  function dotted(node: SyntaxNode): string | null {
    const props: string[] = [];
    let n: SyntaxNode | null = node;
    while (n && n.name === 'MemberExpression') {
      const prop: SyntaxNode | null = n.lastChild;
      if (!prop || prop.name !== 'PropertyName') return null;
      props.push(slice(prop));
      n = n.firstChild;
    }
    if (!n || n.name !== 'VariableName') return null;
    return [slice(n), ...props.reverse()].join('.');
  }

  function qualify(name: string): string {
    const [head, ...rest] = name.split('.');
    const full = aliases.get(head!);
    return full ? [full, ...rest].join('.') : name;
  }

  /** A literal value; anything nested deeper than a config would nest is not one (no deep recursion). */
  function literal(node: SyntaxNode, depth = 0): ParamValue | boolean | string | undefined {
    if (depth > MAX_LITERAL_DEPTH) return undefined;
    switch (node.name) {
      case 'Number': {
        const t = slice(node).replace(/_/g, '');
        if (/[jJ]$/.test(t)) return undefined;
        const v = Number(t);
        return Number.isFinite(v) ? v : undefined;
      }
      case 'UnaryExpression': {
        const op = node.firstChild;
        const arg = op?.nextSibling;
        if (!op || !arg) return undefined;
        const v = literal(arg, depth + 1);
        if (typeof v !== 'number') return undefined;
        const o = slice(op);
        return o === '-' ? -v : o === '+' ? v : undefined;
      }
      case 'None':
        return null;
      case 'Boolean':
        return slice(node) === 'True';
      case 'String':
        return stripPythonString(slice(node));
      case 'ParenthesizedExpression': {
        const inner = node.firstChild?.nextSibling;
        return inner && inner.nextSibling?.name === ')' ? literal(inner, depth + 1) : undefined;
      }
      case 'ArrayExpression':
      case 'TupleExpression': {
        const out: number[] = [];
        for (let c = node.firstChild; c; c = c.nextSibling) {
          if (c.name === '[' || c.name === ']' || c.name === '(' || c.name === ')' || c.name === ',' || c.name === 'Comment') continue;
          const v = literal(c, depth + 1);
          if (typeof v !== 'number') return undefined;
          out.push(v);
        }
        return out;
      }
      default:
        return undefined;
    }
  }

  function readArgs(argList: SyntaxNode): { args: Arg[]; starred: boolean; lastEnd: number; empty: boolean } {
    const args: Arg[] = [];
    let group: SyntaxNode[] = [];
    let starred = false;
    let lastEnd = argList.from + 1;
    const flush = (): void => {
      if (group.length === 0) return;
      const first = group[0]!;
      if (first.name === 'VariableName' && group[1]?.name === 'AssignOp' && group[2]) {
        args.push({ name: slice(first), nameNode: first, value: group[2] });
      } else if (first.name === 'ArithOp' || slice(first) === '*' || slice(first) === '**') {
        starred = true;
      } else if (!starred) {
        args.push({ name: null, nameNode: null, value: first });
      }
      lastEnd = group[group.length - 1]!.to;
      group = [];
    };
    for (let c = argList.firstChild; c; c = c.nextSibling) {
      if (c.name === '(' || c.name === 'Comment') continue;
      if (c.name === ',' || c.name === ')') {
        flush();
        continue;
      }
      group.push(c);
    }
    flush();
    return { args, starred, lastEnd, empty: args.length === 0 && !starred };
  }

  /** The setting made by an assignment statement (`FOCAL_ALPHA = 0.25`). */
  function assignedOccurrence(parameter: FocalParameter, a: Assignment, value: ParamValue): ParamOccurrence {
    return {
      parameter,
      key: a.target,
      keyRange: { start: a.targetNode.from, end: a.targetNode.to },
      valueRange: { start: a.value.from, end: a.value.to },
      valueText: slice(a.value),
      value,
    };
  }

  function occurrence(parameter: FocalParameter, key: string, keyNode: SyntaxNode | null, valueNode: SyntaxNode): ParamOccurrence {
    // `args.alpha`: the argparse default is where the value is set
    if (valueNode.name === 'MemberExpression') {
      const option = argparse.get(valueNode.lastChild ? slice(valueNode.lastChild) : '');
      if (option && option.parameter === parameter) {
        option.consumed = true;
        return option.occurrence;
      }
    }
    // Follow a plain name to its assignment: the value is set there, so the hint goes there.
    if (valueNode.name === 'VariableName') {
      const a = assignments.get(slice(valueNode));
      if (a && a.value.from < valueNode.from) {
        const v = literal(a.value);
        if (typeof v === 'number' || v === null || Array.isArray(v)) {
          a.consumed = true;
          return assignedOccurrence(parameter, a, v);
        }
      }
    }
    const v = literal(valueNode);
    return {
      parameter,
      key,
      keyRange: keyNode ? { start: keyNode.from, end: valueNode.to } : null,
      valueRange: { start: valueNode.from, end: valueNode.to },
      valueText: slice(valueNode),
      value: typeof v === 'number' || v === null || Array.isArray(v) ? v : undefined,
    };
  }

  function flag(node: SyntaxNode): FlagOccurrence {
    const v = literal(node);
    return { value: typeof v === 'boolean' ? v : undefined, valueRange: { start: node.from, end: node.to } };
  }

  /** argparse options that set alpha or gamma, by their dest (`--focal-alpha` -> focal_alpha). */
  const argparse = new Map<string, { parameter: FocalParameter; occurrence: ParamOccurrence; call: SyntaxNode; option: string; consumed: boolean }>();
  for (const call of calls) {
    const callee = call.firstChild;
    const argList = call.lastChild;
    if (!callee || !argList || argList.name !== 'ArgList' || !(dotted(callee) ?? '').endsWith('add_argument')) continue;
    const { args } = readArgs(argList);
    const options = args.filter((a) => a.name === null).map((a) => literal(a.value)).filter((v): v is string => typeof v === 'string' && v.startsWith('-'));
    const option = options.find((o) => o.startsWith('--')) ?? options[0];
    const fallback = args.find((a) => a.name === 'default');
    if (!option || !fallback) continue;
    const destArg = args.find((a) => a.name === 'dest');
    const destValue = destArg ? literal(destArg.value) : undefined;
    const dest = typeof destValue === 'string' ? destValue : option.replace(/^-+/, '').replace(/-/g, '_');
    const parameter = optionParameter(dest) ?? optionParameter(option.replace(/^-+/, '').replace(/-/g, '_'));
    if (!parameter) continue;
    argparse.set(dest, { parameter, occurrence: occurrence(parameter, 'default', fallback.nameNode, fallback.value), call, option, consumed: false });
  }

  const sites: FocalSite[] = [];

  for (const call of calls) {
    const callee = call.firstChild;
    const argList = call.lastChild;
    if (!callee || !argList || argList.name !== 'ArgList') continue;
    const name = dotted(callee);
    if (name === null) continue;
    const { args, starred, lastEnd, empty } = readArgs(argList);
    const kw = new Map<string, Arg>();
    for (const a of args) if (a.name) kw.set(a.name, a);

    let library: LibraryInfo | null = null;
    let librarySource: ConventionSource = 'none';
    let context: string;
    let kind: FocalSite['kind'] = 'call';
    if (name === 'dict') {
      const typeArg = kw.get('type');
      const typeValue = typeArg ? literal(typeArg.value) : undefined;
      if (typeof typeValue === 'string') {
        const r = resolveMmType(typeValue);
        if (!r) continue;
        library = r.library;
        librarySource = r.library ? 'type' : 'none';
        context = `type='${typeValue}'`;
      } else if (!typeArg && (kw.has('alpha') || kw.has('gamma')) && isLossKeyword(call)) {
        // `loss_cls=dict(alpha=0.5)` overriding a _base_ config: the type comes from the base.
        const key = keywordOf(call) ?? 'loss';
        library = hasBase ? LIBRARIES.mmdet : null;
        librarySource = hasBase ? 'type' : 'none';
        context = hasBase ? `${key}=dict(...) overriding a _base_ config (FocalLoss)` : `${key}=dict(...)`;
      } else continue;
      kind = 'dict';
    } else {
      const qualified = qualify(name);
      const r = resolveQualifiedName(qualified);
      if (!r) continue;
      library = r.library;
      librarySource = !r.library ? 'none' : r.byName ? 'call-name' : 'import';
      context = qualified === name ? `${name}(...)` : `${name}(...) from ${qualified.slice(0, qualified.lastIndexOf('.'))}`;
    }

    const site: FocalSite = {
      kind,
      anchor: anchorOf(call),
      span: { start: call.from, end: call.to },
      context,
      library,
      librarySource,
      params: [],
      argsInsertAt: lastEnd,
      argsEmpty: empty,
    };
    const positional = args.filter((a) => a.name === null);
    const pick = (key: 'alpha' | 'gamma' | FlagName): Arg | undefined => {
      const k = kw.get(key);
      if (k) return k;
      const pos = library?.positions?.[key];
      if (pos !== undefined && !starred && kind === 'call') return positional[pos];
      return undefined;
    };
    for (const p of ['alpha', 'gamma'] as const) {
      const a = pick(p);
      if (a) site.params.push(occurrence(p, a.name ?? p, a.nameNode, a.value));
    }
    const acb = pick('apply_class_balancing');
    if (acb) site.applyClassBalancing = flag(acb.value);
    const us = pick('use_softmax');
    if (us) site.useSoftmax = flag(us.value);
    sites.push(site);
  }

  // {'type': 'FocalLoss', 'alpha': 0.25, ...}: the dict literal form of an MMDetection loss config
  for (const dict of dicts) {
    const pairs = new Map<string, { keyNode: SyntaxNode; value: SyntaxNode }>();
    for (let k = dict.firstChild; k; k = k.nextSibling) {
      const colon = k.nextSibling;
      const value = colon?.nextSibling;
      if (k.name !== 'String' || colon?.name !== ':' || !value) continue;
      pairs.set(stripPythonString(slice(k)), { keyNode: k, value });
    }
    const typeValue = pairs.has('type') ? literal(pairs.get('type')!.value) : undefined;
    let library: LibraryInfo | null;
    let context: string;
    if (typeof typeValue === 'string') {
      const r = resolveMmType(typeValue);
      if (!r) continue;
      library = r.library;
      context = `{'type': '${typeValue}'}`;
    } else if (typeValue === undefined && (pairs.has('alpha') || pairs.has('gamma')) && isLossKeyword(dict)) {
      library = hasBase ? LIBRARIES.mmdet : null;
      context = `${keywordOf(dict) ?? 'loss'}={...}${hasBase ? ' overriding a _base_ config (FocalLoss)' : ''}`;
    } else continue;
    const site: FocalSite = { kind: 'dict', anchor: anchorOf(dict), span: { start: dict.from, end: dict.to }, context, library, librarySource: library ? 'type' : 'none', params: [] };
    for (const p of ['alpha', 'gamma'] as const) {
      const pair = pairs.get(p);
      if (pair) site.params.push(occurrence(p, p, pair.keyNode, pair.value));
    }
    if (site.params.length) sites.push(site);
  }

  function keywordOf(call: SyntaxNode): string | null {
    const prev = call.prevSibling;
    const name = prev?.prevSibling;
    if (prev?.name === 'AssignOp' && name?.name === 'VariableName') return slice(name);
    return null;
  }

  function isLossKeyword(call: SyntaxNode): boolean {
    const k = keywordOf(call);
    return k !== null && /loss|focal|cls/i.test(k);
  }

  /** The start of the line-leading construct: `loss_cls=dict(` rather than `dict(`. */
  function anchorOf(call: SyntaxNode): number {
    const k = call.prevSibling?.name === 'AssignOp' ? call.prevSibling.prevSibling : null;
    if (k && (k.name === 'VariableName' || k.name === 'MemberExpression')) return k.from;
    if (call.parent?.name === 'AssignStatement' && call.parent.lastChild === call) return call.parent.from;
    return call.from;
  }

  // Lone assignments: FOCAL_ALPHA = 0.25, cfg.MODEL.RETINANET.FOCAL_LOSS_GAMMA = 2.0
  const importedLibraries = new Map<string, LibraryInfo>();
  for (const q of aliases.values()) {
    const r = resolveQualifiedName(q);
    if (r?.library && !r.byName) importedLibraries.set(r.library.label, r.library);
  }
  const onlyLibrary = importedLibraries.size === 1 ? [...importedLibraries.values()][0]! : null;
  const byParent = new Map<string, FocalSite>();
  for (const a of assignmentList) {
    if (a.consumed) continue;
    const parameter = assignmentParameter(a.target);
    if (!parameter) continue;
    const v = literal(a.value);
    if (!(typeof v === 'number' || v === null || Array.isArray(v))) continue;
    const lastDot = a.target.lastIndexOf('.');
    const last = a.target.slice(lastDot + 1);
    const detectron = /^FOCAL_LOSS_(ALPHA|GAMMA)$/i.test(last);
    const param = assignedOccurrence(parameter, a, v);
    // Detectron2 keys that share a parent (MODEL.RETINANET) form one site.
    const parentKey = detectron && lastDot > 0 ? a.target.slice(0, lastDot) : null;
    const existing = parentKey ? byParent.get(parentKey) : undefined;
    if (existing && !existing.params.some((p) => p.parameter === parameter)) {
      existing.params.push(param);
      existing.span.end = Math.max(existing.span.end, a.value.to);
      continue;
    }
    const site: FocalSite = {
      kind: 'assignment',
      anchor: a.targetNode.from,
      span: { start: a.targetNode.from, end: a.value.to },
      context: detectron ? `${a.target.slice(0, lastDot + 1)}${last} (Detectron2 config key)` : `${a.target} = ...`,
      library: detectron ? LIBRARIES.detectron2 : onlyLibrary,
      librarySource: detectron ? 'key-path' : onlyLibrary ? 'import' : 'none',
      params: [param],
    };
    if (parentKey) byParent.set(parentKey, site);
    sites.push(site);
  }

  // argparse options no focal-loss call reads: their own sites (a training script's defaults)
  for (const a of argparse.values()) {
    if (a.consumed) continue;
    sites.push({
      kind: 'call',
      anchor: anchorOf(a.call),
      span: { start: a.call.from, end: a.call.to },
      context: `argparse option ${a.option}`,
      library: onlyLibrary,
      librarySource: onlyLibrary ? 'import' : 'none',
      params: [a.occurrence],
    });
  }

  sites.sort((x, y) => x.anchor - y.anchor);
  return { sites, comments, parseError: errors > 0 ? `${errors} syntax error(s); hints may be incomplete` : undefined };
}

/**
 * The text with everything outside `ranges` blanked, offsets unchanged: each gap becomes spaces
 * followed by as many newlines as it held (a blank line for the parser, cheap to skip).
 */
function sparseSource(text: string, ranges: { start: number; end: number }[]): string {
  if (ranges.length === 1 && ranges[0]!.start === 0 && ranges[0]!.end === text.length) return text;
  const parts: string[] = [];
  let at = 0;
  const gap = (from: number, to: number): void => {
    if (to <= from) return;
    let newlines = 0;
    for (let k = from; k < to; k++) if (text.charCodeAt(k) === 10) newlines++;
    parts.push(' '.repeat(to - from - newlines), '\n'.repeat(newlines));
  };
  for (const r of ranges) {
    gap(at, r.start);
    parts.push(text.slice(r.start, r.end));
    at = r.end;
  }
  gap(at, text.length);
  return parts.join('');
}

/** An argparse dest that sets alpha or gamma: alpha, gamma, focal_alpha, fl_gamma, loss_alpha, ... */
function optionParameter(dest: string): FocalParameter | null {
  const d = dest.toLowerCase();
  if (d === 'alpha' || d === 'gamma') return d;
  return assignmentParameter(d) ?? (/^(loss|criterion)_(alpha|gamma)$/.test(d) ? (d.endsWith('alpha') ? 'alpha' : 'gamma') : null);
}

/** Names that set alpha or gamma on their own: FOCAL_ALPHA, focal_gamma, fl_gamma, *.FOCAL_LOSS_ALPHA. */
export function assignmentParameter(target: string): FocalParameter | null {
  const last = target.slice(target.lastIndexOf('.') + 1).toLowerCase();
  const focalish = last.includes('focal') || last.startsWith('fl_');
  if (!focalish) return null;
  if (last.includes('alpha')) return 'alpha';
  if (last.includes('gamma')) return 'gamma';
  return null;
}
