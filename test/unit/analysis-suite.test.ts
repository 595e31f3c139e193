// The fidelity of the counterfactual, the attribution and the suggestion on real retrained runs
// (scripts/experiments/suite.py; the table in docs/method.md, "Fidelity", comes from this file's output).
// Every source run is analysed the way a user's dump is (`analyze()` on its .npz), and what Focal
// Lens says is compared with what retraining at the other alphas really gave.
import { strict as assert } from 'node:assert';
import { checkCollapse, staticStatus, type ClassShares } from '../../src/core/analysis/verdict';
import type { AnalysisReport, WhatIfEstimate } from '../../src/core/report';
import { analyzeRun, loadSuite, siblings, type SuiteRun } from './suite/load';

const index = loadSuite();

/** A retrained run's last epoch as the verdict sees shares. */
function realShares(run: SuiteRun): ClassShares[] {
  const counts = index[run.loss].counts.val;
  const n = counts.reduce((a, b) => a + b, 0);
  const e = run.epochs[run.epochs.length - 1]!;
  return index[run.loss].classes.map((c, i) => ({ class: c, count: counts[i]!, trueShare: counts[i]! / n, predShare: e.predShare[i]!, recall: e.recall[i]! }));
}

function realMacroF1(run: SuiteRun): number {
  const e = run.epochs[run.epochs.length - 1]!;
  return e.recall.reduce((s, r, i) => s + (e.precision[i]! + r > 0 ? (2 * e.precision[i]! * r) / (e.precision[i]! + r) : 0), 0) / e.recall.length;
}

const logit = (a: number): number => Math.log(a / (1 - a));

/**
 * What retraining at the neutral alpha says about a verdict (section 6's definition applied to the
 * real run), and whether it says so clearly: no recall within (0.01, 0.05) of a class with 10+
 * samples, no share within (0.95, 0.99) of a class that is at most 90% of the data, and the
 * over-predicted class not within 40-60% of the way back to its true share.
 */
function neutralTruth(status: string, onto: ClassShares, neutral: ClassShares[]): { alphaDriven: boolean; clear: boolean } {
  const at = neutral.find((c) => c.class === onto.class)!;
  const collapsed = checkCollapse(neutral).collapsed;
  const way = Math.abs(at.predShare - onto.trueShare) / Math.max(1e-9, Math.abs(onto.predShare - onto.trueShare));
  const notCollapsed = status === 'collapsed' && !collapsed;
  const alphaDriven = notCollapsed || way <= 0.5;
  const grey = neutral.some((c) => (c.count >= 10 && c.recall > 0.01 && c.recall < 0.05) || (c.predShare > 0.95 && c.predShare < 0.99 && c.trueShare <= 0.9));
  const collapseClear = status !== 'collapsed' || !grey;
  const wayClear = way < 0.4 || way > 0.6;
  const clear = alphaDriven ? (notCollapsed && collapseClear) || (way <= 0.5 && wayClear) : collapseClear && wayClear;
  return { alphaDriven, clear };
}

interface Analysed {
  run: SuiteRun;
  report: AnalysisReport;
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1)))] ?? NaN;
};
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const f3 = (v: number): string => v.toFixed(3);

describe('fidelity on real retrained runs (scripts/experiments/suite.py)', function () {
  this.timeout(300_000);
  const analysed: Analysed[] = [];

  before(async () => {
    for (const run of index.runs) {
      const report = await analyzeRun(index, run, siblings(index, run).map((r) => r.alpha));
      analysed.push({ run, report });
    }
  });

  it(`covers ${index.runs.length} runs: 7 data sets, sigmoid and softmax, 2 schedules, 2 seeds, 6+ alphas each`, () => {
    const groups = new Set(index.runs.map((r) => `${r.loss}/${r.data}/${r.schedule}/${r.seed}`));
    assert.ok(groups.size >= 28);
    for (const g of groups) assert.ok(index.runs.filter((r) => `${r.loss}/${r.data}/${r.schedule}/${r.seed}` === g).length >= 6, g);
    assert.ok(new Set(index.runs.map((r) => r.loss)).size === 2);
  });

  it('counterfactual: predicted share and recall at every other alpha against the retrained run', () => {
    type Err = { share: number; recall: number };
    const lossMinimum: Err[] = [];
    const calibrated: Err[] = [];
    let bracketed = 0;
    let cases = 0;
    const byGroup = new Map<string, { lm: number[]; cal: number[] }>();
    for (const { run, report } of analysed) {
      for (const target of siblings(index, run)) {
        if (target.alpha === run.alpha) continue;
        const row = report.whatIf.find((w) => w.alpha === target.alpha)!;
        const real = realShares(target);
        for (let c = 1; c < real.length; c++) {
          const r = real[c]!;
          const lm = row.perClass.find((x) => x.class === r.class)!;
          const cal = (row.calibrated as WhatIfEstimate).perClass.find((x) => x.class === r.class)!;
          lossMinimum.push({ share: Math.abs(lm.predShare - r.predShare), recall: Math.abs(lm.recall - r.recall) });
          calibrated.push({ share: Math.abs(cal.predShare - r.predShare), recall: Math.abs(cal.recall - r.recall) });
          // the two estimates bracket the retrained recall (within 0.05)
          if (r.recall >= Math.min(lm.recall, cal.recall) - 0.05 && r.recall <= Math.max(lm.recall, cal.recall) + 0.05) bracketed++;
          cases++;
          const key = `${run.loss} ${run.data} ${run.schedule}`;
          const g = byGroup.get(key) ?? { lm: [], cal: [] };
          g.lm.push(Math.abs(lm.recall - r.recall));
          g.cal.push(Math.abs(cal.recall - r.recall));
          byGroup.set(key, g);
        }
      }
    }
    const line = (name: string, e: Err[]) =>
      `      | ${name} | ${f3(mean(e.map((x) => x.share)))} | ${f3(quantile(e.map((x) => x.share), 0.5))} | ${f3(quantile(e.map((x) => x.share), 0.9))} | ` +
      `${f3(mean(e.map((x) => x.recall)))} | ${f3(quantile(e.map((x) => x.recall), 0.5))} | ${f3(quantile(e.map((x) => x.recall), 0.9))} |`;
    console.log(`      ${cases} (source, target alpha, class) cases; |predicted - retrained|:`);
    console.log('      | estimate | share mean | share median | share p90 | recall mean | recall median | recall p90 |');
    console.log(line('loss minimum (section 5)', lossMinimum));
    console.log(line('label-calibrated', calibrated));
    console.log(`      retrained recall within [min, max] of the two estimates +/- 0.05: ${f3(bracketed / cases)}`);
    console.log('      recall error by group (mean: loss minimum / label-calibrated):');
    for (const [k, g] of byGroup) console.log(`        ${k.padEnd(32)} ${f3(mean(g.lm))} / ${f3(mean(g.cal))}`);
    assert.ok(quantile(lossMinimum.map((x) => x.share), 0.5) <= 0.005);
    assert.ok(quantile(lossMinimum.map((x) => x.share), 0.9) <= 0.06);
    assert.ok(mean(lossMinimum.map((x) => x.recall)) <= 0.08);
    assert.ok(mean(calibrated.map((x) => x.recall)) <= 0.08);
    assert.ok(bracketed / cases >= 0.9);
  });

  it('attribution agrees with retraining at the neutral alpha wherever retraining is unambiguous', () => {
    const tally = { unambiguous: 0, agree: 0, uncertain: 0, wrong: 0, ambiguous: 0, ambiguousUncertain: 0, ambiguousAgree: 0, ambiguousOtherSeed: 0 };
    for (const { run, report } of analysed) {
      const a = report.verdict.attribution;
      if (report.verdict.status === 'healthy' || !a) continue;
      const src = realShares(run);
      const onto = src.find((c) => c.class === report.verdict.class)!;
      const neutral = (seedOf: number) => index.runs.find((r) => r.loss === run.loss && r.data === run.data && r.schedule === run.schedule && r.seed === seedOf && r.alpha === 0.5)!;
      const own = neutralTruth(report.verdict.status, onto, realShares(neutral(run.seed)));
      const other = neutralTruth(report.verdict.status, onto, realShares(neutral(run.seed === 1 ? 2 : 1)));
      const said = a.state === 'uncertain' ? null : a.state === 'alpha';
      if (own.alphaDriven === other.alphaDriven && own.clear && other.clear) {
        tally.unambiguous++;
        if (said === null) tally.uncertain++;
        else if (said === own.alphaDriven) tally.agree++;
        else {
          tally.wrong++;
          console.log(`      WRONG ${run.id}: said ${a.state}, retraining ${own.alphaDriven ? 'alpha' : 'not-alpha'}`);
        }
      } else {
        tally.ambiguous++;
        if (said === null) tally.ambiguousUncertain++;
        else if (said === own.alphaDriven) tally.ambiguousAgree++;
        else if (said === other.alphaDriven) tally.ambiguousOtherSeed++;
      }
    }
    console.log(`      ${JSON.stringify(tally)}`);
    // enough non-healthy runs to mean something (78 under the verdict's drift rule of docs/method.md)
    assert.ok(tally.unambiguous >= 75);
    assert.equal(tally.wrong, 0);
    assert.equal(tally.uncertain, 0);
    assert.equal(tally.agree, tally.unambiguous);
    // where retraining itself is ambiguous, an assertion is at least what one of the two seeds did
    assert.equal(tally.ambiguous, tally.ambiguousUncertain + tally.ambiguousAgree + tally.ambiguousOtherSeed);
  });

  it('suggestion: never a setting whose retrained run collapses or drifts; small regret; "no separation" only where retraining agrees', () => {
    const regret: number[] = [];
    const reasons: Record<string, number> = {};
    let landed = 0;
    for (const { run, report } of analysed) {
      const runs = siblings(index, run);
      const safe = runs.filter((r) => staticStatus(realShares(r)).status === 'healthy');
      const bestSafe = safe.length ? Math.max(...safe.map(realMacroF1)) : -Infinity;
      const s = report.suggestion;
      const status = report.suggestionDetail!.status;
      reasons[status] = (reasons[status] ?? 0) + 1;
      if (!s) {
        // "no alpha separates the classes": no retrained run beats the trivial classifier by more than 0.05
        if (status === 'no-separation') assert.ok(bestSafe <= report.suggestionDetail!.trivial! + 0.05, `${run.id}: a retrained run reaches ${bestSafe}`);
        continue;
      }
      const a = s.alpha as number;
      const nearest = [...runs].sort((x, y) => Math.abs(logit(x.alpha) - logit(a)) - Math.abs(logit(y.alpha) - logit(a)))[0]!;
      assert.equal(staticStatus(realShares(nearest)).status, 'healthy', `${run.id}: suggested ${a}, the run at ${nearest.alpha} is not healthy`);
      landed++;
      regret.push(Math.max(0, bestSafe - realMacroF1(nearest)));
    }
    console.log(`      ${JSON.stringify(reasons)}; ${landed} suggestions, macro-F1 regret of the nearest retrained run vs the best healthy one: mean ${f3(mean(regret))}, median ${f3(quantile(regret, 0.5))}, p90 ${f3(quantile(regret, 0.9))}, max ${f3(quantile(regret, 1))}`);
    assert.ok(landed >= 80);
    assert.ok(mean(regret) <= 0.02);
    assert.ok(quantile(regret, 1) <= 0.12);
  });
});
