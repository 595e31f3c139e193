// The bounded, seeded fuzz run of `npm test` (the long one is `npm run fuzz`, against the built
// CLI): every reader and every hint parser gets a few hundred mutated inputs; each must be read,
// or refused with an InputError naming file and line or byte, never crash, never hand garbage on.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { analyzeHints } from '../../src/core/hints';
import { HINT_LANGUAGES, READERS, hintCases, readerCases, type FuzzCase } from '../fuzz/cases';
import { readCase } from '../fuzz/harness';

const SEED = 12;
/** 200 in `npm test`; FOCAL_LENS_FUZZ_RUNS=2000 for a longer in-process run. */
const RUNS = Number(process.env.FOCAL_LENS_FUZZ_RUNS ?? 200);

describe('fuzz: readers (seeded, in-process)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'focal-lens-fuzz-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const reader of READERS) {
    it(`${reader}: ${RUNS} mutated inputs are read or refused with a position`, async function () {
      this.timeout(120_000);
      await fc.assert(
        fc.asyncProperty(readerCases(reader, 2), async (c: FuzzCase) => {
          const out = await readCase(dir, c);
          rmSync(dir, { recursive: true, force: true });
          if (out.kind !== 'internal') return true;
          throw new Error(`${out.error}\n  tags: ${c.tags.join(', ')}`);
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
    });
  }
});

describe('fuzz: hint parsers (seeded)', () => {
  for (const language of HINT_LANGUAGES) {
    it(`${language}: ${RUNS} mutated configs give hints, hovers and fixes without throwing`, function () {
      this.timeout(120_000);
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
