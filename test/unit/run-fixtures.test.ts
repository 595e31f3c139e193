// Real training runs written by the real tools (Lightning, Hugging Face Trainer, Keras, TensorBoard)
// and format-faithful Detectron2 / MMEngine / MMDetection 2.x / Ultralytics runs, each with its
// ground truth (test/fixtures/real-logs/README.md says how they were made): every run folder is
// detected, judged as truth.json says, with its evidence named and the loss settings taken from
// the run's configs (or reported unknown where the run records none).
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { focalLoss } from '../../src/core/focal';
import { frameRecord } from '../../src/core/readers/tensorboard/index';
import { EVENT_PROTO } from '../../src/core/readers/tensorboard/schema';
import { rng as seeded } from './seeded-random';
import { analyze } from '../../src/core/analyze';
import type { AnalysisReport } from '../../src/core/report';

const FIX = join(__dirname, '..', 'fixtures', 'real-logs');

interface TruthCase {
  alpha: number;
  gamma: number;
  convention: string;
  loss_kind: string;
  alpha_driven: boolean;
  class_names: string[];
  truth: {
    verdict: string;
    verdict_class: string | null;
    onset_epoch: number | null;
    per_epoch: Array<{ epoch: number; status: string }>;
    sigmoid_focal_loss_val_last_epoch?: Record<string, { focal_sum: number }>;
  };
}

const truth = JSON.parse(readFileSync(join(FIX, 'truth.json'), 'utf8')) as { cases: Record<string, TruthCase> };

/** What each run records of its loss settings (Keras' logs record none). */
const RECORDS_SETTINGS: Record<string, boolean> = { e_keras_binary_focal_alpha098: false };

/** Our class name for truth's (Keras logs name no class: the head's positive and negative). */
function ours(report: AnalysisReport, truthClass: string, c: TruthCase): string {
  if (report.classes.includes(truthClass)) return truthClass;
  const i = c.class_names.indexOf(truthClass);
  return i === 0 ? report.classes.find((x) => x !== 'positive') ?? truthClass : 'positive';
}

describe('run folders of real training logs: verdicts as truth.json gives them', function () {
  this.timeout(60000);
  for (const [id, c] of Object.entries(truth.cases)) {
    describe(id, () => {
      let report: AnalysisReport;
      before(async () => {
        report = await analyze({ paths: [join(FIX, 'runs', id)], displayBase: join(FIX, 'runs'), backend: 'cpu' });
      });

      it(`verdict ${c.truth.verdict}${c.truth.verdict_class ? ` onto '${c.truth.verdict_class}'` : ''}, onset at evaluation ${c.truth.onset_epoch}`, () => {
        assert.equal(report.verdict.status, c.truth.verdict, report.verdict.message);
        if (c.truth.verdict_class) assert.equal(report.verdict.class, ours(report, c.truth.verdict_class, c));
        if (c.truth.onset_epoch !== null) {
          // truth counts evaluations from 1; the report numbers them as the log does (0-based epochs, iterations)
          const index = report.verdict.perEpoch!.findIndex((p) => p.epoch === report.verdict.onsetEpoch);
          assert.equal(index + 1, c.truth.onset_epoch, `onset ${report.verdict.onsetEpoch}`);
        } else assert.equal(report.verdict.onsetEpoch, null);
      });

      it('names its evidence: each statement cites a metric of a file of the run', () => {
        if (c.truth.verdict === 'healthy') return;
        if (report.basis === 'metrics') {
          assert.ok(report.verdict.evidence?.length, 'evidence');
          for (const e of report.verdict.evidence!) assert.match(e, /\(.+ in .+\)/, e);
        }
        assert.ok(report.input.sources?.some((s) => /verdict|every number/.test(s.used)), JSON.stringify(report.input.sources));
      });

      if (RECORDS_SETTINGS[id] === false) {
        it('reports alpha and gamma unknown, and guesses nothing', () => {
          assert.deepEqual(report.loss.unknown, ['alpha', 'gamma']);
          assert.equal(report.loss.gamma, null);
          assert.equal(report.verdict.alphaDriven, false);
          assert.match(report.verdict.message, /does not record alpha/);
        });
      } else {
        it(`takes alpha ${c.alpha} and gamma ${c.gamma} from the run, naming where`, () => {
          assert.equal(report.loss.alpha, c.alpha);
          assert.equal(report.loss.gamma, c.gamma);
          assert.equal(report.loss.convention, c.convention);
          assert.equal(report.loss.kind, c.loss_kind);
          assert.ok(report.loss.origin?.alpha && report.loss.origin.gamma, JSON.stringify(report.loss.origin));
          assert.equal(report.loss.unknown, undefined);
        });
        it(`alpha-driven: ${c.alpha_driven} (as retraining at a neutral alpha showed)`, () => {
          assert.equal(report.verdict.alphaDriven, c.alpha_driven, report.verdict.message);
        });
      }
    });
  }

  it('the Ultralytics run names alpha as YOLOv5 FocalLoss\'s default, not as a recorded value', async () => {
    const r = await analyze({ paths: [join(FIX, 'runs', 'f4_ultralytics_fl_gamma15')], backend: 'cpu' });
    assert.match(r.loss.origin!.alpha!, /default/);
    assert.match(r.loss.origin!.gamma!, /args\.yaml:\d+ \(fl_gamma\)/);
  });

  it('a metrics-only run says what it could not compute', async () => {
    const r = await analyze({ paths: [join(FIX, 'runs', 'd_hf_trainer_binary_alpha015')], backend: 'cpu' });
    assert.equal(r.basis, 'metrics');
    assert.equal(r.backend, null);
    assert.deepEqual(r.epochs, []);
    assert.match(r.limits!.judgedFrom, /trainer_state\.json/);
    assert.ok(r.limits!.cannotCompute.some((x) => /G\+ \/ G-/.test(x)));
    assert.equal(r.observed!.epochs.length, 15);
  });
});

describe('PR curves: the binned estimate of the per-class focal loss', function () {
  this.timeout(60000);
  for (const id of ['a_lightning_binary_alpha097', 'b_lightning_binary_alpha080_healthy']) {
    it(`${id}: within 1% of the exact per-class focal sums of the last epoch`, async () => {
      const r = await analyze({ paths: [join(FIX, 'runs', id)], backend: 'cpu' });
      assert.equal(r.basis, 'pr-curves');
      assert.equal(r.approximation!.numThresholds, 127);
      const exact = truth.cases[id]!.truth.sigmoid_focal_loss_val_last_epoch!;
      const last = r.epochs[r.epochs.length - 1]!;
      for (const name of ['neg', 'pos']) {
        const got = last.perClass.find((x) => x.class === name)!.focalSum;
        const want = exact[name]!.focal_sum;
        assert.ok(Math.abs(got - want) / want < 0.01, `${name}: ${got} vs ${want}`);
      }
      assert.ok(r.whatIf.length >= 2 && r.suggestion !== null);
    });
  }
});

describe('scikit-learn classification_report text', function () {
  this.timeout(60000);
  const dir = join(__dirname, '..', 'fixtures', 'sklearn');
  // the reports were printed from the examples' own predictions: their verdict is the dump's
  for (const [report, dump] of [
    ['binary-alpha-0.25-report.txt', 'binary-alpha-0.25.jsonl'],
    ['softmax-4class-report.txt', 'softmax-4class-vector.jsonl'],
  ] as const) {
    it(`${report} is judged as the dump it was printed from (${dump})`, async () => {
      const fromReport = await analyze({ paths: [join(dir, report)], backend: 'cpu' });
      const fromDump = await analyze({ paths: [join(__dirname, '..', '..', 'examples', dump)], backend: 'cpu' });
      assert.equal(fromReport.basis, 'metrics');
      assert.equal(fromReport.verdict.status, fromDump.verdict.status);
      assert.equal(fromReport.verdict.class, fromDump.verdict.class);
      assert.deepEqual(fromReport.classes, fromDump.classes);
      // supports give the true shares exactly
      const last = fromReport.observed!.epochs[fromReport.observed!.epochs.length - 1]!;
      const lastDump = fromDump.epochs[fromDump.epochs.length - 1]!;
      for (const c of last.perClass) assert.ok(Math.abs(c.trueShare! - lastDump.perClass.find((x) => x.class === c.class)!.trueShare) < 1e-9, c.class);
    });
  }
});

describe('PR curves of several classes: one-vs-rest heads', function () {
  this.timeout(60000);
  it('per-class curves (tags pr_curve/<class>) give one head each, with exact counts and estimated focal sums', async () => {
    const root = protobuf.parse(EVENT_PROTO).root;
    const Event = root.lookupType('focallens.tensorboard.Event');
    const content = root.lookupType('focallens.tensorboard.PrCurvePluginData').encode({ version: 0, numThresholds: 127 }).finish();
    const uniform = seeded(11);
    // Box-Muller: a normal deviate from two uniform ones
    const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
    const classes = ['car', 'person', 'bicycle'];
    const T = 127;
    const records: Uint8Array[] = [];
    const exact = classes.map(() => 0);
    // two evaluations; per class and sample a probability, as add_pr_curve(tag, labels, probs) sees them
    for (const step of [0, 1]) {
      classes.forEach((name, c) => {
        const tp = new Array<number>(T).fill(0);
        const fp = new Array<number>(T).fill(0);
        for (let i = 0; i < 4000; i++) {
          const y = uniform() < [0.1, 0.05, 0.02][c]! ? 1 : 0;
          const z = (y ? 1.5 : -2.5) + 1.2 * normal();
          const p = Math.fround(1 / (1 + Math.exp(-z)));
          const bin = Math.floor(p * (T - 1));
          for (let t = 0; t <= bin; t++) (y ? tp : fp)[t]! += 1;
          if (step === 1) exact[c]! += y ? focalLoss(p, 2, 0.25) : focalLoss(1 - p, 2, 0.75);
        }
        const rows = [tp, fp, fp.map((v) => fp[0]! - v), tp.map((v) => tp[0]! - v), tp.map((v, i) => v / Math.max(1, v + fp[i]!)), tp.map((v) => v / Math.max(1, tp[0]!))];
        const event = { wallTime: 1.7e9, step, summary: { value: [{ tag: `pr_curve/${name}`, metadata: { pluginData: { pluginName: 'pr_curves', content } }, tensor: { dtype: 1, tensorShape: { dim: [{ size: 6 }, { size: T }] }, floatVal: rows.flat() } }] } };
        records.push(frameRecord(Event.encode(Event.fromObject(event)).finish()));
      });
    }
    const dir = mkdtempSync(join(tmpdir(), 'focal-lens-pr-'));
    try {
      const file = join(dir, 'events.out.tfevents.1700000000.test.0');
      writeFileSync(file, Buffer.concat(records));
      const r = await analyze({ paths: [file], alpha: 0.25, gamma: 2, backend: 'cpu', displayBase: dir });
      assert.equal(r.basis, 'pr-curves');
      assert.deepEqual(r.classes, classes);
      const last = r.epochs[r.epochs.length - 1]!;
      classes.forEach((name, c) => {
        const got = last.perClass.find((x) => x.class === name)!.focalSum;
        assert.ok(Math.abs(got - exact[c]!) / exact[c]! < 0.02, `${name}: ${got} vs ${exact[c]}`);
      });
      assert.ok(r.whatIf.length >= 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
