/**
 * A one-pass scan of Python source that splits it into top-level statements and collects the
 * comments, without building a tree. Only the statements that can matter (imports, and statements
 * that mention alpha, gamma or focal) are then given to the parser, as lezer parse ranges: offsets
 * stay those of the whole file, and a 3,000-line config parses in a few milliseconds.
 */
import type { CommentToken, OffsetRange } from './types';

export interface PythonScan {
  /** Top-level statements (with their trailing blank and comment lines). */
  statements: OffsetRange[];
  comments: CommentToken[];
}

const enum C {
  NL = 10,
  CR = 13,
  HASH = 35,
  BACKSLASH = 92,
  SQ = 39,
  DQ = 34,
  SPACE = 32,
  TAB = 9,
}

export function scanPython(text: string): PythonScan {
  const n = text.length;
  const comments: CommentToken[] = [];
  const starts: number[] = [];
  let depth = 0;
  let i = 0;
  let lineStart = true; // at the start of a logical line
  while (i < n) {
    if (lineStart) {
      lineStart = false;
      // Column-0 code starts a top-level statement (blank and comment-only lines do not).
      const c = text.charCodeAt(i);
      if (c !== C.SPACE && c !== C.TAB && c !== C.NL && c !== C.CR && c !== C.HASH) {
        if (!isContinuation(text, i)) starts.push(i);
      }
    }
    const c = text.charCodeAt(i);
    if (c === C.HASH) {
      const start = i;
      while (i < n && text.charCodeAt(i) !== C.NL && text.charCodeAt(i) !== C.CR) i++;
      comments.push({ start, end: i, text: text.slice(start, i) });
      continue;
    }
    if (c === C.SQ || c === C.DQ) {
      const triple = text.charCodeAt(i + 1) === c && text.charCodeAt(i + 2) === c;
      i += triple ? 3 : 1;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === C.BACKSLASH) {
          i += 2;
          continue;
        }
        if (d === c && (!triple || (text.charCodeAt(i + 1) === c && text.charCodeAt(i + 2) === c))) {
          i += triple ? 3 : 1;
          break;
        }
        if (!triple && (d === C.NL || d === C.CR)) break;
        i++;
      }
      continue;
    }
    if (c === C.BACKSLASH) {
      i += 2;
      if (text.charCodeAt(i - 1) === C.CR && text.charCodeAt(i) === C.NL) i++;
      continue;
    }
    if (c === 40 || c === 91 || c === 123) depth++;
    else if (c === 41 || c === 93 || c === 125) depth = Math.max(0, depth - 1);
    else if (c === C.NL || (c === C.CR && text.charCodeAt(i + 1) !== C.NL)) {
      if (depth === 0) lineStart = true;
    }
    i++;
  }
  const statements: OffsetRange[] = [];
  for (let k = 0; k < starts.length; k++) statements.push({ start: starts[k]!, end: k + 1 < starts.length ? starts[k + 1]! : n });
  return { statements, comments };
}

/** `else:`, `elif`, `except`, `finally` at column 0 continue the statement before. */
function isContinuation(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c !== 101 && c !== 102) return false; // e, f
  return /^(else\b|elif\b|except\b|finally\b)/.test(text.slice(i, i + 8));
}

/**
 * Statements worth parsing; decorators stay with what they decorate. Kept: imports, `_base_`, and
 * statements that name a focal loss (focal, fl_, or an alias imported from a focal-loss name); of
 * the statements that only say alpha or gamma, those about a loss (an MMDetection `loss_cls=dict(alpha=...)`
 * override), argparse options (`add_argument('--alpha', default=0.25)`) and plain assignments such as
 * `ALPHA = 0.25` (a call may use them); then the numbers given a name a kept statement uses. A learning-rate
 * scheduler's `gamma=0.1` is skipped without parsing.
 */
export function relevantRanges(text: string, scan: PythonScan): OffsetRange[] {
  const out: OffsetRange[] = [];
  const st = scan.statements;
  const aliases: string[] = [];
  const bodies: { start: number; end: number; body: string }[] = [];
  for (let k = 0; k < st.length; k++) {
    const start = st[k]!.start;
    let end = st[k]!.end;
    while (text.charCodeAt(start) === 64 && k + 1 < st.length) end = st[++k]!.end; // '@'
    const body = text.slice(start, end);
    bodies.push({ start, end, body });
    if (body.startsWith('import ') || body.startsWith('from ')) {
      // `from kornia.losses import focal_loss as fl`: fl names a focal loss from now on.
      const m = body.match(/\w*focal\w*\s+as\s+(\w+)/gi);
      if (m) for (const x of m) aliases.push(x.slice(x.lastIndexOf(' ') + 1));
    }
  }
  const kept = bodies.map(({ body }) => keep(body, aliases));
  // `a = 0.25` ... `FocalLoss(alpha=a)`: a plain number (or list) given a name that a kept statement uses
  const used = new Set<string>();
  bodies.forEach(({ body }, i) => kept[i] && body.match(/[A-Za-z_]\w*/g)?.forEach((w) => used.add(w)));
  bodies.forEach(({ body }, i) => {
    const name = NUMBER_ASSIGNMENT.exec(body)?.[1];
    if (!kept[i] && name !== undefined && used.has(name)) kept[i] = true;
  });
  bodies.forEach(({ start, end }, i) => {
    if (!kept[i]) return;
    const last = out[out.length - 1];
    if (last && last.end === start) last.end = end;
    else out.push({ start, end });
  });
  return out;
}

/** `name = 0.25`, `name = [0.25, 0.75]`, `name = -1`: a value a call may read through the name. */
const NUMBER_ASSIGNMENT = /^([A-Za-z_]\w*)\s*=\s*[-+]?[[(]?\s*[\d.]/;

function keep(body: string, aliases: string[]): boolean {
  if (body.startsWith('import ') || body.startsWith('from ') || body.startsWith('_base_')) return true;
  const lower = body.toLowerCase();
  if (lower.includes('focal') || lower.includes('fl_')) return true;
  const mentions = lower.includes('alpha') || lower.includes('gamma');
  if (!mentions) return false;
  if (lower.includes('loss') || lower.includes('crit') || lower.includes('add_argument')) return true;
  if (aliases.some((a) => body.includes(a + '('))) return true;
  // A plain assignment whose name says alpha or gamma: NAME = 0.25 / cfg.X.ALPHA = [...]
  const eq = body.indexOf('=');
  if (eq > 0 && body.charCodeAt(eq + 1) !== 61) {
    const target = body.slice(0, eq).trim().toLowerCase();
    if (/^[a-z_][\w.]*$/.test(target) && (target.includes('alpha') || target.includes('gamma'))) return true;
  }
  return false;
}
