// Each face words core's usage errors itself: the CLI with its flags, the extension with questions
// and buttons (src/extension/words.ts, pure). Core's message holds in both: no flags, no settings.
import { strict as assert } from 'node:assert';
import { cliUsageText } from '../../src/cli/usage-words';
import { UsageError, type UsageNeeds } from '../../src/core/errors';
import type { AnalysisReport } from '../../src/core/report';
import type { CliErrorEvent } from '../../src/protocol/cli-events';
import type { AnalysisState } from '../../src/protocol/messages';
import {
  alphaAnswerProblem,
  choiceFor,
  conventionChoices,
  conventionQuestion,
  failureWords,
  parseAlphaAnswer,
  settingQuestion,
  verdictStatus,
  watchedStatus,
  watchWarningText,
} from '../../src/extension/words';

const FLAG = /(^|\s)--[a-z]/;

const needsOf: Record<string, UsageNeeds> = {
  alpha: { missing: ['alpha', 'gamma'] },
  gamma: { missing: ['gamma'] },
  convention: { missing: ['convention'], alpha: 0.25, loss: 'softmax', columns: 4 },
  backend: { backend: { name: 'tensorflow', reason: 'neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed' } },
  vector: { option: 'alpha', loss: 'softmax', columns: 4 },
};

function report(status: 'healthy' | 'drifting' | 'collapsed', backend: AnalysisReport['backend'] = 'wasm'): AnalysisReport {
  return {
    backend,
    backendDetail: 'WebAssembly (SIMD, 1 thread) from dist/',
    basis: 'predictions',
    verdict: { status, class: status === 'healthy' ? null : 'positive', onsetEpoch: 3, alphaDriven: true, message: `the run is ${status}` },
  } as unknown as AnalysisReport;
}

describe('faces: the CLI words a fix with flags', () => {
  it('appends the flags that supply what is missing', () => {
    assert.match(cliUsageText(new UsageError("alpha is not in a.csv's meta (nor is gamma)", needsOf.alpha)), /: pass --alpha 0\.25 .*--alpha-vector .*--alpha off .*; pass --gamma 2/);
    assert.match(cliUsageText(new UsageError('alpha 0.25 is a scalar and the loss is softmax', needsOf.convention)), /--convention class0-alpha \(class 0 x0\.25, others x0\.75/);
    assert.match(cliUsageText(new UsageError('the TensorFlow native backend is not available', needsOf.backend)), /npm install @tensorflow\/tfjs-node.*--native-backend.*--backend wasm/);
    assert.match(cliUsageText(new UsageError('the alpha vector has 3 values', needsOf.vector)), /--alpha-vector with 4 comma-separated values/);
    assert.equal(cliUsageText(new UsageError('no input')), 'no input');
  });
});

describe('faces: the extension asks in words and offers buttons', () => {
  const event = (needs: UsageNeeds, kind: CliErrorEvent['kind'] = 'usage', message = 'something is missing'): CliErrorEvent => ({ type: 'error', kind, exitCode: 2, message, ...needs });

  it('no question, choice or failure text names a flag', () => {
    for (const needs of Object.values(needsOf)) {
      const texts = [
        ...Object.values(settingQuestion('alpha', needs)),
        ...Object.values(settingQuestion('gamma', needs)),
        ...Object.values(conventionQuestion(needs)),
        ...conventionChoices(needs).flatMap((c) => [c.label, c.detail]),
        failureWords(event(needs), undefined, false).message,
      ];
      for (const t of texts) assert.doesNotMatch(t, FLAG, t);
    }
  });

  it('asks what a scalar alpha means in the styles people know, with what it does to this alpha', () => {
    const choices = conventionChoices(needsOf.convention!);
    assert.deepEqual(
      choices.map((c) => [c.label, c.convention]),
      [
        ['Focal-Loss-Pytorch style: class 0 gets alpha', 'class0-alpha'],
        ['torchvision style: positives get alpha', 'class0-complement'],
        ['Keras style: every class gets alpha', 'uniform'],
        ['A weight per class…', 'per-class'],
      ],
    );
    assert.match(choices[0]!.detail, /class 0 x0\.25, every other class x0\.75/);
    // a config's "positive" (torchvision) is the softmax class0-complement choice
    assert.equal(choiceFor(choices, 'positive')?.convention, 'class0-complement');
    assert.equal(choiceFor(choices, 'negative')?.convention, 'class0-alpha');
  });

  it('reads the answers people type', () => {
    assert.equal(parseAlphaAnswer('0.25'), 0.25);
    assert.deepEqual(parseAlphaAnswer('0.1, 0.2 ,0.3,0.4'), [0.1, 0.2, 0.3, 0.4]);
    assert.equal(parseAlphaAnswer('off'), null);
    assert.equal(parseAlphaAnswer('abc'), undefined);
    assert.equal(alphaAnswerProblem('0.1,0.9', 4), 'The log has 4 classes: enter 4 weights, or one number.');
    assert.equal(alphaAnswerProblem('0.25', 4), undefined);
  });

  it('a backend that is not installed says so, with Install and WebAssembly buttons, never "cannot read the log"', () => {
    const words = failureWords(event(needsOf.backend!), undefined, false);
    assert.match(words.message, /^Focal Lens: the TensorFlow native backend is not installed where Focal Lens runs \(neither/);
    assert.doesNotMatch(words.message, /cannot read/);
    assert.deepEqual(words.actions, ['install-native-backend', 'use-wasm']);
  });

  it('only a bad record offers to skip bad records', () => {
    assert.deepEqual(failureWords(event({}, 'record', 'a.jsonl:3: bad'), undefined, false).actions, ['skip-bad-records']);
    assert.deepEqual(failureWords(event({}, 'record', 'a.jsonl:3: bad'), undefined, true).actions, []);
    for (const kind of ['file', 'unsupported', 'usage'] as const) assert.deepEqual(failureWords(event({}, kind), undefined, false).actions, [], kind);
    assert.match(failureWords(event({}, 'unsupported', 'README.md: not a prediction dump or a training log'), undefined, false).message, /^Focal Lens cannot read the log: README\.md: not a/);
  });
});

describe('faces: the status bar shows the verdict of the report on screen, or nothing', () => {
  it('names the verdict and the backend of a shown report', () => {
    const words = verdictStatus({ phase: 'done', source: 'runs/a.jsonl', report: report('collapsed') });
    assert.equal(words?.text, "$(error) Focal Lens: collapsed onto 'positive' · WebAssembly");
    assert.match(words!.tooltip, /^runs\/a\.jsonl: the run is collapsed\nComputed on WebAssembly \(SIMD, 1 thread\)/);
    assert.equal(words?.severity, 'error');
    assert.match(verdictStatus({ phase: 'done', source: 'r', report: report('healthy', null) })!.text, /healthy · PR-curve bins$/);
    assert.match(verdictStatus({ phase: 'done', source: 'r', report: report('drifting'), cancelled: true })!.tooltip, /cancelled: this is the report before it/);
  });

  it('nothing while a run goes, after a failure or before any', () => {
    const states: AnalysisState[] = [
      { phase: 'idle' },
      { phase: 'idle', cancelled: true },
      { phase: 'running', source: 'b.csv', fraction: null, message: 'reading', previous: report('drifting') },
      { phase: 'failed', source: 'b.csv', message: 'bad', previous: report('drifting') },
    ];
    for (const s of states) assert.equal(verdictStatus(s), undefined, s.phase);
  });

  it('a class name cannot put an icon in the status bar', () => {
    const r = report('drifting');
    r.verdict.class = '$(zap)';
    assert.doesNotMatch(verdictStatus({ phase: 'done', source: 'r', report: r })!.text, /\$\(zap\)/);
  });
});

describe('faces: a watched run in the status bar and its one warning', () => {
  it('the watched verdict and its epoch, or that the watch waits for one', () => {
    const watched = watchedStatus({ phase: 'done', source: 'runs/val.jsonl', report: report('drifting') }, { label: 'runs/val.jsonl', epoch: 5 });
    assert.equal(watched.text, "$(eye) Focal Lens: drifting onto 'positive' · epoch 5");
    assert.match(watched.tooltip, /^Watching runs\/val\.jsonl: the run is drifting\nClick to stop watching/);
    assert.equal(watched.severity, 'warning');
    assert.equal(watchedStatus({ phase: 'done', source: 'r', report: report('healthy') }, { label: 'r', epoch: 1 }).text, '$(eye) Focal Lens: healthy · epoch 1');
    // the report on screen is an older analysis until the first epoch is complete
    const waiting = watchedStatus({ phase: 'done', source: 'r', report: report('collapsed') }, { label: 'runs/live.jsonl' });
    assert.deepEqual([waiting.text, waiting.severity], ['$(eye) Focal Lens: watching', 'none']);
    assert.match(waiting.tooltip, /^Watching runs\/live\.jsonl: waiting for the first complete epoch/);
    const r = report('collapsed');
    r.verdict.class = '$(zap)';
    assert.doesNotMatch(watchedStatus({ phase: 'done', source: 'r', report: r }, { label: 'r', epoch: 2 }).text, /\$\(zap\)/);
  });

  it('the warning says what started, since when, and escapes the log\'s markup', () => {
    assert.equal(watchWarningText('runs/val.jsonl', report('drifting'), 4), "Focal Lens: the watched run runs/val.jsonl is drifting onto 'positive' since epoch 3 (alpha-driven). the run is drifting");
    const r = report('collapsed');
    r.verdict.class = '[click](http://x)';
    assert.doesNotMatch(watchWarningText('r', r, 1), /\[click\]\(http/);
  });
});
