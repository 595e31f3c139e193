/**
 * A self-contained HTML file of a report, to attach to a pull request: the verdict, the charts as
 * inline SVG (svg.ts), the per-class table of one epoch, the balance explanation, the what-if rows
 * and the suggestion. No scripts and a CSP that forbids them; every string from the logs (class
 * names, file names, messages) is escaped, so a class named `<script>` shows as text.
 */
import type { AnalysisReport, EpochReport } from '../report';
import { CLASS_HEADER, alphaLabel, basisLabel, classRow, lossLabel, suggestionText, verdictTags } from './text';
import { tableNumber as num, tablePercent as pct } from './numbers';
import { runSections } from './run-sections';
import { htmlText } from './escape';
import { PALETTE, lineChart, logBars, stackedBars, type Marker } from './svg';

export interface HtmlOptions {
  /** The epoch whose table and balance factors are shown (default: the last). */
  epoch?: number;
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 980px; padding: 0 1rem; color: #1b1b1b; background: #fff; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: .5rem 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #ccc; padding: .2rem .5rem; text-align: right; } th:first-child, td:first-child { text-align: left; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
.verdict { border-left: 6px solid #2ca02c; padding: .5rem 1rem; background: #f4f8f4; }
.verdict.drifting { border-color: #ff7f0e; background: #fdf6ee; } .verdict.collapsed { border-color: #d62728; background: #fbf0f0; }
.muted { color: #555; } svg { max-width: 100%; height: auto; font: 11px system-ui, sans-serif; }
svg text { fill: currentColor; } .grid { stroke: #ddd; } .axis { stroke: #888; } .marker { stroke: #d62728; stroke-dasharray: 3 3; }
.marker-label { fill: #d62728; } .highlight { fill: rgba(31, 119, 180, .08); }
@media (prefers-color-scheme: dark) { body { color: #ddd; background: #1e1e1e; } th, td { border-color: #555; } .verdict { background: #223022; } .verdict.drifting { background: #3a2e1e; } .verdict.collapsed { background: #3a1e1e; } .muted { color: #aaa; } .grid { stroke: #444; } }
`;

function table(caption: string, header: string[], rows: string[][]): string {
  const head = `<thead><tr>${header.map((h) => `<th scope="col">${htmlText(h)}</th>`).join('')}</tr></thead>`;
  const body = rows.map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row">${htmlText(c)}</th>` : `<td>${htmlText(c)}</td>`)).join('')}</tr>`).join('');
  return `<table><caption>${htmlText(caption)}</caption>${head}<tbody>${body}</tbody></table>`;
}

function figure(svg: string, caption: string): string {
  return `<figure>${svg}<figcaption class="muted">${htmlText(caption)}</figcaption></figure>`;
}

/** The epochs' index of the onset and of the selected epoch, as chart markers. */
function markers(r: AnalysisReport, selected: EpochReport): Marker[] {
  const out: Marker[] = [];
  const at = (epoch: number | null) => (epoch === null ? -1 : r.epochs.findIndex((e) => e.epoch === epoch));
  const onset = at(r.verdict.status === 'healthy' ? null : r.verdict.onsetEpoch);
  if (onset >= 0) out.push({ at: onset, label: `${r.verdict.status} since ${r.verdict.onsetEpoch}` });
  const sel = at(selected.epoch);
  if (sel >= 0 && sel !== onset) out.push({ at: sel, label: `epoch ${selected.epoch}` });
  return out;
}

function charts(r: AnalysisReport, selected: EpochReport): string[] {
  const labels = r.epochs.map((e) => String(e.epoch));
  const color = (i: number) => PALETTE[i % PALETTE.length]!;
  const out: string[] = [];
  if (r.epochs.length > 1) {
    out.push(
      figure(
        lineChart({
          title: 'Effective weights G+ and G- per class over epochs (log scale)',
          xLabels: labels,
          series: r.classes.flatMap((c, i) => [
            { name: `${c} G+`, values: r.epochs.map((e) => e.perClass[i]?.gradPos ?? null), color: color(i) },
            { name: `${c} G-`, values: r.epochs.map((e) => e.perClass[i]?.gradNeg ?? null), color: color(i), dashed: true },
          ]),
          log: true,
          xTitle: 'epoch',
          yTitle: 'summed |dFL/dz|',
          markers: markers(r, selected),
        }),
        'G+ (solid) pulls a class\'s logit up, G- (dashed) pushes it down; their ratio is the balance.',
      ),
      figure(
        lineChart({
          title: 'Predicted (solid) versus true (dashed) share per class over epochs',
          xLabels: labels,
          series: r.classes.flatMap((c, i) => [
            { name: `${c} predicted`, values: r.epochs.map((e) => e.perClass[i]?.predShare ?? null), color: color(i) },
            { name: `${c} true`, values: r.epochs.map((e) => e.perClass[i]?.trueShare ?? null), color: color(i), dashed: true },
          ]),
          yRange: [0, 1],
          xTitle: 'epoch',
          yTitle: 'share of samples',
          markers: markers(r, selected),
        }),
        'A predicted share far from the true share is drift; one class taking everything is a collapse.',
      ),
      figure(
        stackedBars({
          title: 'Focal loss per class over epochs (stacked)',
          xLabels: labels,
          series: r.classes.map((c, i) => ({ name: c, values: r.epochs.map((e) => e.perClass[i]?.focalSum ?? null), color: color(i) })),
          xTitle: 'epoch',
          yTitle: 'summed focal loss',
          markers: markers(r, selected).filter((m) => m.label.startsWith('epoch')),
        }),
        'Which class the loss is spent on, epoch by epoch.',
      ),
    );
  }
  const shown = selected.perClass.filter((c) => !r.explanation?.perClass.find((x) => x.class === c.class)?.mirror);
  out.push(
    figure(
      logBars({
        title: `Balance G+/G- of each class at epoch ${selected.epoch} and its factors (log scale, from 1)`,
        rows: shown.map((c) => c.class),
        series: [
          { name: 'balance', values: shown.map((c) => c.balance), color: PALETTE[0]! },
          { name: 'alpha factor', values: shown.map((c) => c.factors.alpha), color: PALETTE[1]! },
          { name: 'count factor', values: shown.map((c) => c.factors.count), color: PALETTE[2]! },
          { name: 'gamma factor', values: shown.map((c) => c.factors.gamma), color: PALETTE[3]! },
        ],
        xTitle: 'factor (1 = neutral)',
      }),
      'balance = alpha factor x count factor x gamma factor.',
    ),
  );
  return out;
}

export function renderHtml(r: AnalysisReport, opts: HtmlOptions = {}): string {
  const v = r.verdict;
  const selected = r.epochs.find((e) => e.epoch === opts.epoch) ?? r.epochs[r.epochs.length - 1];
  const title = `Focal Lens report: ${v.status}${v.class && v.status !== 'healthy' ? ` onto ${v.class}` : ''}`;
  const parts: string[] = [];
  parts.push(`<h1>${htmlText(title)}</h1>`);
  parts.push(
    `<section class="verdict ${v.status}"><p><strong>${htmlText(v.status)}</strong>${v.class && v.status !== 'healthy' ? ` onto ${htmlText(v.class)}` : ''}${v.onsetEpoch !== null && v.status !== 'healthy' ? ` since epoch ${v.onsetEpoch}` : ''}${verdictTags(r).map((t) => ` · ${htmlText(t)}`).join('')}</p><p>${htmlText(v.message)}</p></section>`,
  );
  parts.push(
    `<ul class="muted"><li>Input: ${htmlText(r.input.files.join(', '))} (${htmlText(r.input.format)}; ${htmlText(basisLabel(r))})</li><li>Loss: ${htmlText(lossLabel(r))}</li><li>Backend: ${htmlText(r.backend ?? 'none (nothing recomputed on a tfjs backend)')}</li></ul>`,
  );
  for (const s of runSections(r)) {
    if (s.kind === 'list') parts.push(`<h2>${htmlText(s.title)}</h2><ul>${s.items.map((i) => `<li>${htmlText(i)}</li>`).join('')}</ul>`);
    else if (s.kind === 'table') parts.push(table(s.title, s.header, s.rows));
    else parts.push(`<h2>${htmlText(s.title)}</h2><pre><code>${htmlText(s.text)}</code></pre>`);
  }
  if (selected) {
    parts.push(`<h2>Charts</h2>`, ...charts(r, selected));
    parts.push(`<h2>Epoch ${selected.epoch} per class</h2>`, table(`Per class at epoch ${selected.epoch}`, CLASS_HEADER, selected.perClass.map(classRow)));
    const last = r.epochs[r.epochs.length - 1];
    if (r.explanation && selected === last) {
      parts.push(`<h3>Balance</h3><ul>${r.explanation.perClass.filter((c) => !c.mirror).map((c) => `<li>${htmlText(c.sentence)}</li>`).join('')}</ul>`);
    }
    if (r.epochs.length > 1) {
      parts.push(
        table(
          'G+ / G- per class and epoch',
          ['epoch', ...r.classes],
          r.epochs.map((e) => [String(e.epoch), ...e.perClass.map((c) => `${num(c.gradPos)} / ${num(c.gradNeg)}`)]),
        ),
        table(
          'Predicted share per class and epoch (true share in brackets)',
          ['epoch', ...r.classes],
          r.epochs.map((e) => [String(e.epoch), ...e.perClass.map((c) => `${pct(c.predShare)} (${pct(c.trueShare)})`)]),
        ),
      );
    }
  }
  if (r.whatIf.length) {
    const classes = r.whatIf[0]!.perClass.map((c) => c.class);
    parts.push(
      `<h2>What other alphas would have done</h2><p class="muted">From this run's probabilities and labels at epoch ${htmlText(String(r.counterfactualEpoch ?? ''))}, without retraining.</p>`,
      table(
        'What-if (counterfactual)',
        ['alpha', ...classes.map((c) => `pred ${c}`), 'macro-F1', 'balanced acc.', 'accuracy'],
        r.whatIf.map((w) => [alphaLabel(w.alpha) + (w.label ? ` (${w.label})` : ''), ...w.perClass.map((c) => pct(c.predShare)), num(w.macroF1), num(w.balancedAccuracy), num(w.accuracy)]),
      ),
    );
  }
  parts.push(`<h2>Suggestion</h2><p>${htmlText(suggestionText(r))}</p>`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${htmlText(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${parts.join('\n')}
<p class="muted">Made by Focal Lens. How each number is computed: docs/method.md of Focal Lens.</p>
</body>
</html>
`;
}
