import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
  type ChartConfiguration,
  type ChartType,
  type Plugin,
} from 'chart.js';
import { h } from './dom';
import { chartTheme } from './theme';

/** A vertical line across a chart at an x value (a category index or a linear value), with a label. */
export interface ChartMarker {
  x: number;
  label: string;
  color: string;
  dash?: number[];
}

declare module 'chart.js' {
  interface PluginOptionsByType<TType extends ChartType> {
    /** Vertical markers (selected epoch, collapse onset, current and suggested alpha). */
    focalMarkers?: { lines: ChartMarker[]; _type?: TType };
  }
}

/** Draws `options.plugins.focalMarkers.lines` over the datasets. */
const markerPlugin: Plugin = {
  id: 'focalMarkers',
  afterDatasetsDraw(chart, _args, options: { lines?: ChartMarker[] }) {
    const x = chart.scales.x;
    if (!x || !options.lines?.length) return;
    const { ctx, chartArea } = chart;
    ctx.save();
    for (const m of options.lines) {
      const px = x.getPixelForValue(m.x);
      if (!Number.isFinite(px) || px < chartArea.left - 1 || px > chartArea.right + 1) continue;
      ctx.strokeStyle = m.color;
      ctx.fillStyle = m.color;
      ctx.lineWidth = 2;
      ctx.setLineDash(m.dash ?? []);
      ctx.beginPath();
      ctx.moveTo(px, chartArea.top);
      ctx.lineTo(px, chartArea.bottom);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.font = `11px ${Chart.defaults.font.family ?? 'sans-serif'}`;
      const width = ctx.measureText(m.label).width;
      ctx.fillText(m.label, px + 4 + width > chartArea.right ? px - 4 - width : px + 4, chartArea.top + 11);
    }
    ctx.restore();
  },
};

// Only what the views draw: keeps the bundle small.
Chart.register(BarController, BarElement, CategoryScale, Legend, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, Tooltip, markerPlugin);

// Only destroy() is needed later; a structural type avoids fighting Chart.js generics per chart type.
const live = new Set<{ destroy(): void }>();
let pending: (() => void)[] = [];

/** Destroys every chart before a view is redrawn (Chart.js keeps resize observers otherwise). */
export function destroyCharts(): void {
  for (const chart of live) chart.destroy();
  live.clear();
}

export function chartCount(): number {
  return live.size;
}

/**
 * A themed chart in a figure whose canvas carries a text summary (`aria-label`) and points to the
 * table that holds its numbers.
 */
export function chartFigure<T extends ChartType>(
  id: string,
  summary: string,
  config: ChartConfiguration<T>,
  height = 260,
  onMount?: (chart: Chart<T>) => void,
): HTMLElement {
  const canvas = h('canvas', { id, role: 'img', 'aria-label': summary, 'aria-describedby': `${id}-table` });
  const box = h('div', { class: 'chart-box' }, canvas);
  // CSSOM, not a style attribute: the CSP forbids inline style attributes.
  box.style.height = `${height}px`;
  pending.push(() => {
    const chart = new Chart(canvas, withDefaults(config));
    live.add(chart);
    onMount?.(chart);
  });
  return h('figure', { class: 'chart' }, box);
}

/** Log-axis ticks at 1, 2 and 5 of each decade only (Chart.js labels every tick it finds, and they collide). */
export const LOG_TICKS = {
  callback: (value: number | string): string => {
    const v = Number(value);
    if (!(v > 0)) return '';
    const mantissa = v / 10 ** Math.floor(Math.log10(v) + 1e-9);
    return [1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6) ? Number(v.toPrecision(3)).toString() : '';
  },
};

/** Replaces a chart's text summary (its canvas's aria-label) after its numbers changed. */
export function setChartSummary(id: string, summary: string): void {
  document.getElementById(id)?.setAttribute('aria-label', summary);
}

/** Draws the charts of the figures built since the last call; their canvases must be in the page. */
export function mountPendingCharts(): void {
  const theme = chartTheme();
  Chart.defaults.color = theme.foreground;
  Chart.defaults.borderColor = theme.grid;
  Chart.defaults.font.family = theme.font;
  const toMount = pending;
  pending = [];
  for (const mount of toMount) mount();
}

function withDefaults<T extends ChartType>(config: ChartConfiguration<T>): ChartConfiguration<T> {
  const options = (config.options ?? {}) as Record<string, unknown>;
  return {
    ...config,
    options: {
      responsive: true,
      maintainAspectRatio: false,
      // Charts appear at once: a diagnostic view should not make the reader wait for an animation.
      animation: false,
      ...options,
    } as ChartConfiguration<T>['options'],
  };
}
