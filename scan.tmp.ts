import { scanRun } from './src/core/readers/scan';
import { readRun } from './src/core/run/read-run';
import { analyzeMetricRun } from './src/core/run/analyze-metrics';
import { DEFAULT_THRESHOLDS } from './src/core/analysis/verdict';
import { readFileSync, readdirSync } from 'node:fs';
(async () => {
  const root = 'test/fixtures/real-logs/runs';
  const truth = JSON.parse(readFileSync('test/fixtures/real-logs/truth.json', 'utf8')).cases;
  for (const c of readdirSync(root)) {
    const scan = await scanRun([`${root}/${c}`], { displayBase: `${root}/${c}` });
    const run = await readRun(scan);
    const r = analyzeMetricRun(run, { given: [], thresholds: DEFAULT_THRESHOLDS, notes: [] });
    const t = truth[c].truth;
    console.log(`${c}: ours ${r.verdict.status} ${r.verdict.class} ${r.verdict.onsetEpoch} ad=${r.verdict.alphaDriven} | truth ${t.verdict} ${t.verdict_class} ${t.onset_epoch} ad=${truth[c].alpha_driven}`);
    console.log('   loss', JSON.stringify(r.loss));
    console.log('   classes', r.classes.join(','), 'perEpoch', r.verdict.perEpoch!.map((p) => p.status[0]).join(''), 'truth', t.per_epoch.map((p: {status: string}) => p.status[0]).join(''));
    console.log('   msg', r.verdict.message);
    for (const e of r.verdict.evidence ?? []) console.log('   ev', e);
    for (const s of r.input.sources ?? []) console.log('   src', s.file, '|', s.label, '|', s.used);
  }
})();
