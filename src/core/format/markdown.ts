/**
 * Markdown rendering of an AnalysisReport (`focal-lens analyze --format markdown`): the same
 * sections as the text report, as GitHub-flavoured tables, for pasting into an issue or a PR.
 */
import type { AnalysisReport, WhatIfRow } from '../report';
import { markdownCode, markdownText as esc } from './escape';
import { CLASS_HEADER, alphaLabel, classRow, epochsRows, lossLabel, num, pct } from './text';

function mdTable(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ];
}

export function renderMarkdown(r: AnalysisReport): string {
  const out: string[] = [];
  const v = r.verdict;
  const icon = v.status === 'collapsed' ? '🔴' : v.status === 'drifting' ? '🟠' : '🟢';
  out.push('# Focal Lens report');
  out.push('');
  out.push(
    `**Verdict: ${icon} ${v.status}**${v.class ? ` onto ${markdownCode(v.class)}` : ''}${v.onsetEpoch !== null ? ` since epoch ${v.onsetEpoch}` : ''}${v.alphaDriven ? ' — alpha-driven' : ''}`,
  );
  out.push('');
  out.push(`> ${esc(v.message)}`);
  out.push('');
  out.push(`- **Input:** ${r.input.files.map(markdownCode).join(', ')} (${r.input.format}; ${r.input.samples} samples, ${r.input.epochs} epochs)`);
  out.push(`- **Loss:** ${esc(lossLabel(r))}`);
  out.push(`- **Backend:** ${esc(r.backend)}`);
  out.push(`- **Skipped records:** ${r.input.skipped ?? 0}`);
  const last = r.epochs[r.epochs.length - 1];
  if (last) {
    out.push('');
    out.push(`## Epoch ${last.epoch} per class`);
    out.push('');
    out.push(...mdTable(CLASS_HEADER, last.perClass.map(classRow)));
  }
  if (r.epochs.length > 1) {
    out.push('');
    out.push('## Epochs');
    out.push('');
    const t = epochsRows(r);
    out.push(...mdTable(t.header, t.rows));
  }
  if (r.whatIf.length) {
    out.push('');
    out.push('## What if (counterfactual, no retraining)');
    out.push('');
    const classes = r.whatIf[0]!.perClass.map((c) => c.class);
    const header = ['alpha', ...classes.map((c) => `pred ${c}`), 'macro-F1', 'balanced acc.', 'accuracy'];
    const rows = r.whatIf.map((w: WhatIfRow) => {
      const label = (w as WhatIfRow & { label?: string }).label;
      return [alphaLabel(w.alpha) + (label ? ` (${label})` : ''), ...w.perClass.map((c) => pct(c.predShare)), num(w.macroF1), num(w.balancedAccuracy), num(w.accuracy)];
    });
    out.push(...mdTable(header, rows));
  }
  out.push('');
  out.push('## Suggestion');
  out.push('');
  if (r.suggestion) {
    const g = r.suggestion;
    out.push(`alpha **${alphaLabel(g.alpha)}** maximises ${g.objective}: ${num(g.current)} now, ${num(g.expected)} expected under the counterfactual (confirm by retraining).`);
  } else out.push('None: no per-sample probabilities for the counterfactual.');
  if (r.input.issues?.length) {
    out.push('');
    out.push('## Skipped records');
    out.push('');
    for (const i of r.input.issues) out.push(`- ${markdownCode(`${i.file}${i.line !== undefined ? `:${i.line}` : i.byteOffset !== undefined ? `@byte ${i.byteOffset}` : ''}`)}: ${esc(i.message)}`);
  }
  return out.join('\n') + '\n';
}
