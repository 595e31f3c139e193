/**
 * Colours come from VS Code's theme variables, read at draw time, so light, dark and high-contrast
 * themes all work and a theme switch redraws the charts.
 */
export interface ChartTheme {
  foreground: string;
  muted: string;
  grid: string;
  font: string;
  /** Series colours, in order. */
  series: string[];
  positive: string;
  negative: string;
  highContrast: boolean;
}

function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.body).getPropertyValue(name).trim();
  return value || fallback;
}

export function chartTheme(): ChartTheme {
  const highContrast = document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light');
  const foreground = cssVar('--vscode-foreground', '#cccccc');
  return {
    foreground,
    muted: cssVar('--vscode-descriptionForeground', foreground),
    grid: highContrast ? cssVar('--vscode-contrastBorder', foreground) : cssVar('--vscode-editorWidget-border', 'rgba(128,128,128,0.35)'),
    font: cssVar('--vscode-font-family', 'sans-serif'),
    series: [
      cssVar('--vscode-charts-blue', '#3794ff'),
      cssVar('--vscode-charts-orange', '#d18616'),
      cssVar('--vscode-charts-green', '#89d185'),
      cssVar('--vscode-charts-purple', '#b180d7'),
      cssVar('--vscode-charts-red', '#f14c4c'),
      cssVar('--vscode-charts-yellow', '#cca700'),
      cssVar('--vscode-charts-foreground', foreground),
    ],
    positive: cssVar('--vscode-charts-green', '#89d185'),
    negative: cssVar('--vscode-charts-red', '#f14c4c'),
    highContrast,
  };
}

/** Calls `redraw` whenever VS Code switches the theme (it changes the body's classes). */
export function onThemeChange(redraw: () => void): void {
  new MutationObserver(redraw).observe(document.body, { attributes: true, attributeFilter: ['class'] });
}
