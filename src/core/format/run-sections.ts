/**
 * The parts of a report that come from reading a run rather than a dump: which file gave what,
 * where the loss settings came from, the evidence of a metrics-only verdict with the metrics per
 * evaluation, and what could not be computed (with how to get it). One description, rendered by
 * the text and Markdown formatters alike.
 */
import type { AnalysisReport, ObservedClass } from '../report';

export type RunSection =
  | { kind: 'list'; title: string; items: string[] }
  | { kind: 'table'; title: string; header: string[]; rows: string[][] }
  | { kind: 'code'; title: string; text: string; language: string };

const METRIC_COLUMNS: Array<[keyof ObservedClass, string]> = [
  ['recall', 'recall'],
  ['precision', 'prec'],
  ['f1', 'F1'],
  ['ap', 'AP'],
  ['support', 'support'],
  ['trueShare', 'true'],
  ['predShare', 'pred'],
  ['ratio', 'pred/true'],
];

function cell(v: unknown, key: keyof ObservedClass): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '-';
  if (key === 'support') return String(Math.round(v));
  if (key === 'trueShare' || key === 'predShare') return `${(v * 100).toFixed(v < 0.1 ? 2 : 1)}%`;
  if (key === 'ratio') return `${v >= 10 ? v.toFixed(0) : v.toFixed(2)}x`;
  return v.toFixed(3);
}

/** "epoch", "step" or "iteration": what the report's epochs count. */
export function epochWordOf(r: AnalysisReport): string {
  return r.observed?.epochKey === 'iteration' ? 'iteration' : r.observed?.epochKey === 'step' ? 'step' : 'epoch';
}

export function runSections(r: AnalysisReport): RunSection[] {
  const out: RunSection[] = [];
  const sources = r.input.sources ?? [];
  if (sources.length > 1 || r.basis !== 'predictions') {
    out.push({ kind: 'list', title: `Run${r.input.run ? ` ${r.input.run}` : ''}: what each file gave`, items: sources.map((s) => `${s.file} (${s.label}): ${s.used}`) });
  }
  const origin = r.loss.origin ?? {};
  const settings: string[] = [];
  for (const [k, v] of Object.entries(origin)) settings.push(`${k}: ${v}`);
  if (r.loss.unknown?.length) settings.push(`unknown: ${r.loss.unknown.join(', ')} (the run records ${r.loss.unknown.length === 1 ? 'it' : 'them'} nowhere; give ${r.loss.unknown.map((u) => `--${u}`).join(' and ')} to use ${r.loss.unknown.length === 1 ? 'it' : 'them'})`);
  if (settings.length) out.push({ kind: 'list', title: 'Loss settings: where each came from', items: settings });
  if (r.verdict.evidence?.length) out.push({ kind: 'list', title: 'Evidence', items: r.verdict.evidence });
  const obs = r.observed;
  if (obs && obs.epochs.length) {
    const word = epochWordOf(r);
    const last = obs.epochs[obs.epochs.length - 1]!;
    const present = METRIC_COLUMNS.filter(([k]) => last.perClass.some((c) => c[k] !== undefined));
    out.push({
      kind: 'table',
      title: `Last evaluation (${word} ${last.epoch}) per class, from ${obs.file}`,
      header: ['class', ...present.map(([, h]) => h)],
      rows: last.perClass.map((c) => [c.implicit ? `${c.class} (not logged)` : c.class, ...present.map(([k]) => cell(c[k], k))]),
    });
    const statusOf = new Map((r.verdict.perEpoch ?? []).map((p) => [p.epoch, p.status]));
    const named = last.perClass.filter((c) => !c.implicit).map((c) => c.class);
    out.push({
      kind: 'table',
      title: `Recall per class over ${word}s`,
      header: [word, ...named, 'status'],
      rows: obs.epochs.map((e) => [String(e.epoch), ...named.map((n) => cell(e.perClass.find((c) => c.class === n)?.recall, 'recall')), statusOf.get(e.epoch) ?? '']),
    });
    if (obs.derived.length) out.push({ kind: 'list', title: 'Derived where the log does not say', items: obs.derived });
  }
  if (r.limits) {
    out.push({ kind: 'list', title: 'What could not be computed', items: [`judged from ${r.limits.judgedFrom}`, ...r.limits.cannotCompute.map((c) => `not computed: ${c}`)] });
    const how = r.limits.howTo;
    if (how) {
      out.push({ kind: 'code', title: `How to get it: ${how.title} (${how.install})`, text: how.code, language: 'python' });
    }
  }
  return out;
}
