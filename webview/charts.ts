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
} from 'chart.js';
import { h } from './dom';
import { chartTheme } from './theme';

// Only what the views draw: keeps the bundle small.
Chart.register(BarController, BarElement, CategoryScale, Legend, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, Tooltip);

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
): HTMLElement {
  const canvas = h('canvas', { id, role: 'img', 'aria-label': summary, 'aria-describedby': `${id}-table` });
  const box = h('div', { class: 'chart-box' }, canvas);
  // CSSOM, not a style attribute: the CSP forbids inline style attributes.
  box.style.height = `${height}px`;
  pending.push(() => live.add(new Chart(canvas, withDefaults(config))));
  return h('figure', { class: 'chart' }, box);
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
