// The bounded, seeded fuzz run of `npm test` (the long one is `npm run fuzz`, against the built
// CLI): every reader of the format registry, whole run folders and every hint parser get a few
// hundred mutated inputs; each must be read, or refused with an InputError naming file and line or
// byte (or a stated reason not to), never crash, never hand garbage on, and keep the rest where
// the damage is a skippable record.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { analyzeHints } from '../../src/core/hints';
import { FORMATS } from '../../src/core/readers/registry';
import { scanRun } from '../../src/core/readers/scan';
import { HINT_LANGUAGES, hintCases, type FuzzCase } from '../fuzz/cases';
import { analyzeCase, readCase, writeCase } from '../fuzz/harness';
import { FORMAT_TARGETS, FUZZ_TARGETS, type FuzzTarget } from '../fuzz/targets';

const SEED = 12;
/**
 * Per target in `npm test`: 200 dumps read, 50 runs analysed (a whole analysis per input: a few
 * seconds per target); FOCAL_LENS_FUZZ_RUNS=2000 for a longer in-process run of every target.
 */
const RUNS_OVERRIDE = process.env.FOCAL_LENS_FUZZ_RUNS ? Number(process.env.FOCAL_LENS_FUZZ_RUNS) : undefined;
const RUNS = RUNS_OVERRIDE ?? 200;
/** What one input may take, in-process, as the CLI run allows a child process (test/fuzz/run-cli.ts). */
const INPUT_LIMIT_MS = 20_000;
const runsOf = (t: FuzzTarget) => RUNS_OVERRIDE ?? (t.read === 'dump' ? 200 : 50);
/** The unit run's inputs stay small (bombs of 2 MiB, thousands of rows); the long run asks for millions. */
const SCALE = { bombMiB: 2, long: false };

describe('fuzz: every registry format has a generator', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'focal-lens-fuzz-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('each format id of src/core/readers/formats has fuzz targets in test/fuzz/targets.ts, and no target names a format that is gone', () => {
    const ids = FORMATS.map((f) => f.id);
    assert.deepEqual(ids.filter((id) => !FORMAT_TARGETS[id]?.length), [], 'formats without a fuzz generator');
    assert.deepEqual(Object.keys(FORMAT_TARGETS).filter((id) => !ids.includes(id)), [], 'fuzz targets of no registry format');
    assert.equal(new Set(FUZZ_TARGETS.map((t) => t.name)).size, FUZZ_TARGETS.length, 'target names are unique');
  });

  for (const [id, targets] of Object.entries(FORMAT_TARGETS)) {
    for (const target of targets) {
      it(`${target.name}: the undamaged seeds are read as ${id}, nothing skipped`, async () => {
        const seeds = target.seeds();
        assert.ok(seeds.length > 0);
        for (const seed of seeds) {
          const path = writeCase(dir, seed);
          const scan = await scanRun([path], { displayBase: dir });
          assert.ok(scan.files.some((f) => f.format.id === id), `${seed.target}: ${scan.files.map((f) => `${f.head.name} as ${f.format.id}`).join(', ')}`);
          const out = target.read === 'dump' ? await readCase(dir, seed) : await analyzeCase(dir, seed);
          assert.equal(out.kind, 'read', JSON.stringify(out));
          assert.equal(out.kind === 'read' && out.skipped, 0, `${seed.target}: records skipped`);
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  }
});

describe('fuzz: readers and run folders (seeded, in-process)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'focal-lens-fuzz-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const target of FUZZ_TARGETS) {
    it(`${target.name}: ${runsOf(target)} mutated inputs are read or refused with a position`, async function () {
      // a long run (FOCAL_LENS_FUZZ_RUNS) takes as long as it takes; each input still has its limit
      this.timeout(RUNS_OVERRIDE ? 0 : 120_000);
      let slowest = 0;
      let peakRss = 0;
      await fc.assert(
        fc.asyncProperty(target.cases(SCALE), async (c: FuzzCase) => {
          // a folder per input: a test stopped by its timeout cannot delete the next test's files
          const caseDir = mkdtempSync(join(dir, 'case-'));
          const started = performance.now();
          const out = target.read === 'dump' ? await readCase(caseDir, c) : await analyzeCase(caseDir, c);
          const ms = performance.now() - started;
          rmSync(caseDir, { recursive: true, force: true });
          slowest = Math.max(slowest, ms);
          peakRss = Math.max(peakRss, process.memoryUsage().rss);
          if (out.kind === 'internal') throw new Error(`${out.error}\n  tags: ${c.tags.join(', ')}`);
          if (ms > INPUT_LIMIT_MS) throw new Error(`took ${Math.round(ms)} ms (limit ${INPUT_LIMIT_MS})\n  tags: ${c.tags.join(', ')}`);
          return true;
        }),
        { seed: SEED, numRuns: runsOf(target), endOnFailure: true },
      );
      if (RUNS_OVERRIDE) console.log(`      ${target.name}: ${runsOf(target)} inputs, slowest ${(slowest / 1000).toFixed(2)} s, process peak ${Math.round(peakRss / 2 ** 20)} MiB`);
    });
  }
});

describe('fuzz: hint parsers (seeded)', () => {
  for (const language of HINT_LANGUAGES) {
    it(`${language}: ${RUNS} mutated configs give hints, hovers and fixes without throwing`, function () {
      this.timeout(RUNS_OVERRIDE ? 0 : 120_000);
      fc.assert(
        fc.property(hintCases(language), (c) => {
          const a = analyzeHints(c.text, language, { givenPrevalence: null, linked: null });
          a.result.findings.forEach((_, i) => {
            assert.equal(typeof a.hover(i), 'string');
            a.quickFixes(i);
          });
          a.allDiagnostics();
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
    });
  }
});
