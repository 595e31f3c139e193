/**
 * Markdown rendering of an AnalysisReport (`focal-lens analyze --format markdown`): the same
 * sections as the text report, as GitHub-flavoured tables, for pasting into an issue or a PR.
 */
import type { AnalysisReport, WhatIfRow } from '../report';
import { markdownCode, markdownText as esc } from './escape';
import { CLASS_HEADER, alphaLabel, basisLabel, classRow, epochsRows, lossLabel, suggestionText, verdictTags } from './text';
import { tableNumber, tablePercent } from './numbers';
import { runSections } from './run-sections';

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
    `**Verdict: ${icon} ${v.status}**${v.class ? ` onto ${markdownCode(v.class)}` : ''}${v.onsetEpoch !== null ? ` since epoch ${v.onsetEpoch}` : ''}${verdictTags(r).map((t) => ` — ${esc(t)}`).join('')}`,
  );
  out.push('');
  out.push(`> ${esc(v.message)}`);
  out.push('');
  out.push(`- **Input:** ${r.input.files.map(markdownCode).join(', ')} (${r.input.format}; ${basisLabel(r)})`);
  out.push(`- **Loss:** ${esc(lossLabel(r))}`);
  out.push(`- **Backend:** ${r.backend ?? 'none (nothing recomputed on a tfjs backend)'}`);
  for (const section of runSections(r)) {
    out.push('');
    out.push(`## ${esc(section.title)}`);
    out.push('');
    if (section.kind === 'list') for (const item of section.items) out.push(`- ${esc(item)}`);
    else if (section.kind === 'table') out.push(...mdTable(section.header, section.rows));
    else {
      // a fence longer than any run of backticks in the text (class names land in the snippets)
      const fence = '`'.repeat(Math.max(2, ...[...section.text.matchAll(/`+/g)].map((m) => m[0].length)) + 1);
      out.push(fence + section.language, section.text, fence);
    }
  }
  out.push(`- **Skipped samples:** ${r.input.skipped ?? 0}`);
  const last = r.epochs[r.epochs.length - 1];
  if (last) {
    out.push('');
    out.push(`## Epoch ${last.epoch} per class`);
    out.push('');
    out.push(...mdTable(CLASS_HEADER, last.perClass.map(classRow)));
    if (r.explanation) {
      out.push('');
      out.push('### Balance');
      out.push('');
      for (const c of r.explanation.perClass.filter((x) => !x.mirror)) out.push(`- ${esc(c.sentence)}`);
    }
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
      return [alphaLabel(w.alpha) + (label ? ` (${label})` : ''), ...w.perClass.map((c) => tablePercent(c.predShare)), tableNumber(w.macroF1), tableNumber(w.balancedAccuracy), tableNumber(w.accuracy)];
    });
    out.push(...mdTable(header, rows));
  }
  out.push('');
  out.push('## Suggestion');
  out.push('');
  out.push(esc(suggestionText(r)));
  for (const note of r.notes ?? []) out.push('', `> Note: ${esc(note)}`);
  if (r.input.issues?.length) {
    out.push('');
    out.push('## Skipped as unreadable');
    out.push('');
    for (const i of r.input.issues) out.push(`- ${markdownCode(`${i.file}${i.line !== undefined ? `:${i.line}` : i.byteOffset !== undefined ? `@byte ${i.byteOffset}` : ''}`)}: ${esc(i.message)}`);
  }
  return out.join('\n') + '\n';
}
