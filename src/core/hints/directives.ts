/**
 * `# focal-lens: convention=class0-alpha prevalence=0.04` comments. A directive in the comment block
 * directly above a focal-loss definition (or on one of its lines) applies to that definition;
 * anywhere else it applies to the whole file.
 */
import { lookupConvention } from '../conventions';
import type { CommentToken, Directive, FocalSite } from './types';
import type { LineIndex } from './text-index';


const MARKER = 'focal-lens:';

export function parseDirectives(comments: CommentToken[], index: LineIndex): Directive[] {
  const out: Directive[] = [];
  for (const c of comments) {
    const at = c.text.indexOf(MARKER);
    if (at < 0) continue;
    const d: Directive = { range: { start: c.start, end: c.end }, line: index.lineOf(c.start), problems: [] };
    const body = c.text.slice(at + MARKER.length).replace(/\*\/\s*$/, '');
    for (const part of body.split(/[\s,;]+/)) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const key = eq < 0 ? part : part.slice(0, eq);
      const value = eq < 0 ? '' : part.slice(eq + 1);
      if (key === 'convention') {
        // a library name is accepted where its forms agree (see lookupConvention)
        const found = lookupConvention(value);
        if (found.ok) d.convention = found.convention;
        else d.problems.push(found.reason);
      } else if (key === 'prevalence') {
        const v = Number(value);
        if (value !== '' && Number.isFinite(v) && v > 0 && v < 1) d.prevalence = v;
        else d.problems.push(`prevalence must be a number between 0 and 1, got '${value}'`);
      } else {
        d.problems.push(`unknown setting '${key}' (convention=..., prevalence=...)`);
      }
    }
    out.push(d);
  }
  return out;
}

/**
 * Which directives belong to which site: the contiguous comment lines directly above the site's
 * anchor line (stopping at a blank line), and comments on the site's own lines.
 */
export function attachDirectives(
  directives: Directive[],
  sites: FocalSite[],
  comments: CommentToken[],
  index: LineIndex,
): { perSite: Directive[][]; fileWide: Directive[] } {
  const commentOnlyLines = new Set<number>();
  for (const c of comments) {
    const line = index.lineOf(c.start);
    if (index.text.slice(index.lineStart(line), c.start).trim() === '') commentOnlyLines.add(line);
  }
  const perSite: Directive[][] = sites.map(() => []);
  const used = new Set<Directive>();
  sites.forEach((site, i) => {
    const first = index.lineOf(site.anchor);
    const last = index.lineOf(Math.max(site.anchor, site.span.end));
    let top = first;
    while (top - 1 >= 0 && commentOnlyLines.has(top - 1)) top--;
    for (const d of directives) {
      if (d.line >= top && d.line <= last) {
        perSite[i]!.push(d);
        used.add(d);
      }
    }
  });
  return { perSite, fileWide: directives.filter((d) => !used.has(d)) };
}
