/**
 * Small static SVG charts as strings, for the self-contained HTML export (html.ts): no scripts, no
 * external resources, every label escaped. Each chart is an <svg role="img"> with a <title>; the
 * export puts a table of the same numbers beside it.
 */

import { htmlText } from './escape';

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

export interface Series {
  name: string;
  values: Array<number | null>;
  color: string;
  dashed?: boolean;
}

export interface Marker {
  /** Index into the x labels. */
  at: number;
  label: string;
}

interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

const FRAME: Frame = { width: 640, height: 260, left: 56, right: 150, top: 16, bottom: 36 };
const n = (v: number): string => (Math.round(v * 10) / 10).toString();

function tickText(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-2 ? v.toExponential(0) : Number(v.toPrecision(2)).toString();
}

/** A y axis: linear from min to max, or log10 over the positive values. */
function yScale(values: number[], log: boolean, fixed?: [number, number]): { y: (v: number) => number; ticks: number[] } {
  const f = FRAME;
  const plotH = f.height - f.top - f.bottom;
  if (log) {
    const pos = values.filter((v) => v > 0);
    const lo = Math.floor(Math.log10(Math.min(...pos, 1)));
    const hi = Math.ceil(Math.log10(Math.max(...pos, 1)));
    const span = Math.max(1, hi - lo);
    const ticks = Array.from({ length: span + 1 }, (_, i) => 10 ** (lo + i));
    return { y: (v) => f.top + plotH * (1 - (Math.log10(Math.max(v, 10 ** lo)) - lo) / span), ticks };
  }
  const [lo, hi] = fixed ?? [Math.min(0, ...values), Math.max(...values, 1e-12)];
  const ticks = Array.from({ length: 5 }, (_, i) => lo + ((hi - lo) * i) / 4);
  return { y: (v) => f.top + plotH * (1 - (v - lo) / (hi - lo || 1)), ticks };
}

function axes(title: string, xLabels: string[], x: (i: number) => number, ticks: number[], y: (v: number) => number, xTitle: string, yTitle: string): string[] {
  const f = FRAME;
  const out = [`<title>${htmlText(title)}</title>`];
  for (const t of ticks) {
    out.push(`<line x1="${f.left}" x2="${f.width - f.right}" y1="${n(y(t))}" y2="${n(y(t))}" class="grid"/>`);
    out.push(`<text x="${f.left - 4}" y="${n(y(t) + 4)}" text-anchor="end">${htmlText(tickText(t))}</text>`);
  }
  const every = Math.max(1, Math.ceil(xLabels.length / 12));
  xLabels.forEach((label, i) => {
    if (i % every === 0) out.push(`<text x="${n(x(i))}" y="${f.height - f.bottom + 14}" text-anchor="middle">${htmlText(label)}</text>`);
  });
  out.push(`<text x="${n((f.left + f.width - f.right) / 2)}" y="${f.height - 4}" text-anchor="middle">${htmlText(xTitle)}</text>`);
  out.push(`<text transform="translate(12 ${n((f.top + f.height - f.bottom) / 2)}) rotate(-90)" text-anchor="middle">${htmlText(yTitle)}</text>`);
  return out;
}

function legend(items: Array<{ name: string; color: string; dashed?: boolean }>): string[] {
  const f = FRAME;
  return items.slice(0, 16).map((s, i) => {
    const y = f.top + 6 + i * 14;
    const x = f.width - f.right + 10;
    return `<line x1="${x}" x2="${x + 18}" y1="${y}" y2="${y}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="4 3"' : ''}/><text x="${x + 22}" y="${y + 4}">${htmlText(s.name)}</text>`;
  });
}

function svg(label: string, body: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${htmlText(label)}" viewBox="0 0 ${FRAME.width} ${FRAME.height}" width="${FRAME.width}" height="${FRAME.height}">${body.join('')}</svg>`;
}

/** Lines over categories (epochs), linear or log y, with labelled vertical markers. */
export function lineChart(opts: { title: string; xLabels: string[]; series: Series[]; log?: boolean; yRange?: [number, number]; xTitle: string; yTitle: string; markers?: Marker[] }): string {
  const f = FRAME;
  const plotW = f.width - f.left - f.right;
  const count = Math.max(1, opts.xLabels.length - 1);
  const x = (i: number) => f.left + (plotW * i) / count;
  const all = opts.series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  const { y, ticks } = yScale(all.length ? all : [0, 1], !!opts.log, opts.yRange);
  const body = axes(opts.title, opts.xLabels, x, ticks, y, opts.xTitle, opts.yTitle);
  for (const m of opts.markers ?? []) {
    body.push(`<line x1="${n(x(m.at))}" x2="${n(x(m.at))}" y1="${f.top}" y2="${f.height - f.bottom}" class="marker"/><text x="${n(x(m.at) + 3)}" y="${f.top + 10}" class="marker-label">${htmlText(m.label)}</text>`);
  }
  for (const s of opts.series) {
    const points = s.values.map((v, i) => (v === null || !Number.isFinite(v) || (opts.log && v <= 0) ? null : `${n(x(i))},${n(y(v))}`)).filter((p): p is string => p !== null);
    if (points.length) body.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="4 3"' : ''} points="${points.join(' ')}"/>`);
  }
  body.push(...legend(opts.series));
  return svg(opts.title, body);
}

/** Stacked bars over categories (epochs). */
export function stackedBars(opts: { title: string; xLabels: string[]; series: Series[]; xTitle: string; yTitle: string; markers?: Marker[] }): string {
  const f = FRAME;
  const plotW = f.width - f.left - f.right;
  const slot = plotW / Math.max(1, opts.xLabels.length);
  const x = (i: number) => f.left + slot * (i + 0.5);
  const totals = opts.xLabels.map((_, i) => opts.series.reduce((s, k) => s + Math.max(0, k.values[i] ?? 0), 0));
  const { y, ticks } = yScale([0, ...totals], false);
  const body = axes(opts.title, opts.xLabels, x, ticks, y, opts.xTitle, opts.yTitle);
  opts.xLabels.forEach((_, i) => {
    let base = 0;
    for (const s of opts.series) {
      const v = Math.max(0, s.values[i] ?? 0);
      if (v > 0) body.push(`<rect x="${n(x(i) - slot * 0.35)}" width="${n(slot * 0.7)}" y="${n(y(base + v))}" height="${n(y(base) - y(base + v))}" fill="${s.color}"/>`);
      base += v;
    }
  });
  for (const m of opts.markers ?? []) body.push(`<rect x="${n(x(m.at) - slot / 2)}" width="${n(slot)}" y="${f.top}" height="${f.height - f.top - f.bottom}" class="highlight"/>`);
  body.push(...legend(opts.series));
  return svg(opts.title, body);
}

/** Horizontal log-scale bars from 1 (below 1 leftwards, above rightwards), grouped by row. */
export function logBars(opts: { title: string; rows: string[]; series: Series[]; xTitle: string }): string {
  const f = { ...FRAME, height: Math.max(120, 40 + opts.rows.length * (14 * opts.series.length + 10)), left: 120 };
  const plotW = f.width - f.left - f.right;
  const all = opts.series.flatMap((s) => s.values.filter((v): v is number => v !== null && v > 0));
  const span = Math.max(1, Math.ceil(Math.max(...all.map((v) => Math.abs(Math.log10(v))), 1)));
  const x = (v: number) => f.left + plotW * ((Math.log10(Math.max(v, 10 ** -span)) + span) / (2 * span));
  const body = [`<title>${htmlText(opts.title)}</title>`];
  for (let e = -span; e <= span; e++) {
    body.push(`<line x1="${n(x(10 ** e))}" x2="${n(x(10 ** e))}" y1="${f.top}" y2="${f.height - 30}" class="${e === 0 ? 'axis' : 'grid'}"/><text x="${n(x(10 ** e))}" y="${f.height - 16}" text-anchor="middle">${htmlText(tickText(10 ** e))}</text>`);
  }
  body.push(`<text x="${n(f.left + plotW / 2)}" y="${f.height - 2}" text-anchor="middle">${htmlText(opts.xTitle)}</text>`);
  const rowH = 14 * opts.series.length + 10;
  opts.rows.forEach((row, r) => {
    const top = f.top + r * rowH;
    body.push(`<text x="${f.left - 6}" y="${n(top + rowH / 2)}" text-anchor="end">${htmlText(row)}</text>`);
    opts.series.forEach((s, k) => {
      const v = s.values[r];
      if (v === null || v === undefined || !(v > 0)) return;
      const a = x(1);
      const b = x(v);
      body.push(`<rect x="${n(Math.min(a, b))}" width="${n(Math.max(1, Math.abs(b - a)))}" y="${n(top + k * 14)}" height="12" fill="${s.color}"/>`);
    });
  });
  const L = FRAME;
  body.push(...opts.series.map((s, i) => `<rect x="${L.width - L.right + 10}" y="${L.top + i * 14}" width="12" height="10" fill="${s.color}"/><text x="${L.width - L.right + 26}" y="${L.top + 9 + i * 14}">${htmlText(s.name)}</text>`));
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${htmlText(opts.title)}" viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}">${body.join('')}</svg>`;
}

/** The `d` of a sparkline path through values (null breaks the line), in a w x h box; log10 when asked. */
export function sparklinePath(values: Array<number | null>, w: number, h: number, opts: { log?: boolean; range?: [number, number] } = {}): string {
  const t = (v: number) => (opts.log ? Math.log10(Math.max(v, 1e-12)) : v);
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v)).map(t);
  if (!finite.length) return '';
  const [lo, hi] = opts.range ? [t(opts.range[0]), t(opts.range[1])] : [Math.min(...finite), Math.max(...finite)];
  const span = hi - lo || 1;
  const step = values.length > 1 ? w / (values.length - 1) : 0;
  let d = '';
  let pen = false;
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) {
      pen = false;
      return;
    }
    const y = h - 1 - ((t(v) - lo) / span) * (h - 2);
    d += `${pen ? 'L' : 'M'}${n(i * step)} ${n(y)}`;
    pen = true;
  });
  return d;
}
