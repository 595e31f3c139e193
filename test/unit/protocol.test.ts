// The typed contracts between the faces: webview messages (one handler and one check per type),
// the extension's analysis request as CLI arguments (parsed back by the CLI's own parser).
import { strict as assert } from 'node:assert';
import { buildOptions } from '../../src/cli/analyze';
import { DEFAULT_THRESHOLDS } from '../../src/core/analysis/verdict';
import { analysisArgs, COLLAPSE_THRESHOLD_KEYS, COLLAPSE_THRESHOLDS, type AnalysisRequest, type CollapseThresholds } from '../../src/protocol/analysis-request';
import { parseCliEvent } from '../../src/protocol/cli-events';
import { dispatchWebviewMessage, parseWebviewMessage, type WebviewHandlers } from '../../src/protocol/messages';

describe('protocol: webview messages', () => {
  it('a message type without a handler does not compile', () => {
    const seen: string[] = [];
    const handlers: WebviewHandlers = {
      ready: () => seen.push('ready'),
      rendered: (m) => seen.push(`rendered ${m.charts}`),
      chooseLog: () => seen.push('chooseLog'),
      cancel: () => seen.push('cancel'),
      openPanel: () => seen.push('openPanel'),
      exportReport: (m) => seen.push(`export ${m.format}`),
      requestSamples: (m) => seen.push(`samples ${m.epoch}`),
      copyAlpha: (m) => seen.push(`copy ${String(m.alpha)}`),
      applyAlpha: (m) => seen.push(`apply ${String(m.alpha)}`),
      openRecent: (m) => seen.push(`recent ${m.id}`),
      watchRun: (m) => seen.push(`watch ${m.start}`),
    };
    // @ts-expect-error -- every message type needs its handler: dropping one is a type error
    const incomplete: WebviewHandlers = { ready: () => undefined };
    void incomplete;
    dispatchWebviewMessage({ type: 'exportReport', format: 'markdown' }, handlers);
    dispatchWebviewMessage({ type: 'rendered', kind: 'panel', charts: 3, tableRows: 2, view: 'report' }, handlers);
    dispatchWebviewMessage({ type: 'applyAlpha', alpha: 0.5 }, handlers);
    assert.deepEqual(seen, ['export markdown', 'rendered 3', 'apply 0.5']);
  });

  it('drops what is not a protocol message, or lacks its fields', () => {
    assert.equal(parseWebviewMessage({ type: 'nonsense' }), undefined);
    assert.equal(parseWebviewMessage({ type: 'exportReport', format: 'pdf' }), undefined);
    assert.equal(parseWebviewMessage({ type: 'rendered', kind: 'panel' }), undefined);
    assert.equal(parseWebviewMessage({ type: 'toString' }), undefined);
    assert.equal(parseWebviewMessage('ready'), undefined);
    assert.deepEqual(parseWebviewMessage({ type: 'cancel' }), { type: 'cancel' });
    // alphas are finite numbers or non-empty lists of them; epochs integers
    assert.equal(parseWebviewMessage({ type: 'applyAlpha', alpha: '0.5' }), undefined);
    assert.equal(parseWebviewMessage({ type: 'copyAlpha', alpha: [] }), undefined);
    assert.equal(parseWebviewMessage({ type: 'copyAlpha', alpha: [0.1, Number.NaN] }), undefined);
    assert.equal(parseWebviewMessage({ type: 'requestSamples', epoch: 1.5 }), undefined);
    assert.deepEqual(parseWebviewMessage({ type: 'exportReport', format: 'html', epoch: 3 }), { type: 'exportReport', format: 'html', epoch: 3 });
  });
});

describe('protocol: the extension\'s request as CLI arguments', () => {
  it('round-trips through the CLI\'s argument parser', () => {
    const request: AnalysisRequest = {
      logPaths: ['runs/a', '-odd name.jsonl'],
      alpha: -1,
      gamma: 1.5,
      convention: 'torchvision',
      lenient: true,
      backend: 'wasm',
      threshold: 0.4,
      objective: 'balanced-accuracy',
      whatIfSamplesPerClass: 5000,
      config: { alpha: [0.25, 0.75], gamma: 2, convention: 'vector', source: 'configs/train.py:12' },
      collapse: { minClassCount: 5, vanishRecall: 0.05, dominantShare: 0.95, dominantMaxTrueShare: 0.8, driftRatio: 2.5, driftWindow: 4, severeRatio: 8 },
      nativeBackendPaths: ['/opt/tfjs', '-dash dir'],
    };
    const { options, format, progress } = buildOptions(analysisArgs(request));
    assert.equal(format, 'json');
    assert.equal(progress, 'json');
    assert.deepEqual(options.paths, request.logPaths);
    assert.equal(options.alpha, -1);
    assert.equal(options.gamma, 1.5);
    assert.equal(options.convention, 'positive');
    assert.equal(options.lenient, true);
    assert.equal(options.backend, 'wasm');
    assert.equal(options.threshold, 0.4);
    assert.equal(options.objective, 'balanced-accuracy');
    assert.equal(options.whatIfSamplesPerClass, 5000);
    assert.equal(buildOptions(analysisArgs({ logPaths: ['x'], whatIfSamplesPerClass: 0 })).options.whatIfSamplesPerClass, Infinity, '0: every sample');
    assert.deepEqual(options.config, { alpha: [0.25, 0.75], gamma: 2, convention: 'vector', source: 'configs/train.py:12' });
    assert.deepEqual(options.verdictThresholds, request.collapse);
    assert.deepEqual(options.nativeBackendPaths, request.nativeBackendPaths);
    assert.equal(buildOptions(analysisArgs({ logPaths: ['x'], alpha: null })).options.alpha, null);
    assert.deepEqual(buildOptions(analysisArgs({ logPaths: ['x'], alpha: [0.1, 0.9] })).options.alphaVector, [0.1, 0.9]);
  });

  it('every threshold the request can carry has its flag (the table is the one list)', () => {
    const all = Object.fromEntries(COLLAPSE_THRESHOLD_KEYS.map((k) => [k, COLLAPSE_THRESHOLDS[k].default])) as unknown as CollapseThresholds;
    assert.deepEqual(buildOptions(analysisArgs({ logPaths: ['x'], collapse: all })).options.verdictThresholds, all);
    for (const k of COLLAPSE_THRESHOLD_KEYS) assert.equal(COLLAPSE_THRESHOLDS[k].default, DEFAULT_THRESHOLDS[k], k);
  });

  it('CLI events parse back; other stderr text is not an event', () => {
    assert.deepEqual(parseCliEvent('{"type":"error","kind":"record","exitCode":2,"message":"a.jsonl:3: bad"}'), { type: 'error', kind: 'record', exitCode: 2, message: 'a.jsonl:3: bad' });
    assert.equal(parseCliEvent('focal-lens analyze: something'), undefined);
    assert.equal(parseCliEvent('{"type":"other"}'), undefined);
  });
});
