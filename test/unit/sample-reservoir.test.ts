// The per-class sampler of the counterfactual (src/core/sample-reservoir.ts): whole strata under
// the cap, a uniform sample of each larger one, the same on every run of the same seed.
import { strict as assert } from 'node:assert';
import { APPEND, SKIP, StratifiedSlots } from '../../src/core/sample-reservoir';

/** Which sample (its index within its stratum) sits in each slot after offering `counts[s]` samples of each stratum, interleaved. */
function sampleOf(counts: number[], cap: number, seed: number): { slots: StratifiedSlots; members: number[][] } {
  const slots = new StratifiedSlots(counts.length, cap, seed);
  const bySlot: Array<[number, number]> = [];
  const offered = counts.map(() => 0);
  const total = counts.reduce((a, b) => a + b, 0);
  for (let i = 0, s = 0; i < total; s = (s + 1) % counts.length) {
    if (offered[s]! >= counts[s]!) continue;
    const fate = slots.offer(s);
    const index = offered[s]!++;
    i++;
    if (fate === APPEND) bySlot.push([s, index]);
    else if (fate !== SKIP) {
      assert.equal(bySlot[fate]![0], s, 'a sample replaces a slot of its own stratum');
      bySlot[fate] = [s, index];
    }
  }
  const members = counts.map((_, s) => bySlot.filter(([t]) => t === s).map(([, i]) => i));
  return { slots, members };
}

describe('StratifiedSlots: a uniform sample of each stratum past its cap', function () {
  it('keeps a stratum under the cap whole, and cap samples of a larger one, weighted by its size', () => {
    const { slots, members } = sampleOf([30, 1000, 0], 50, 7);
    assert.deepEqual(members[0], Array.from({ length: 30 }, (_, i) => i));
    assert.equal(members[1]!.length, 50);
    assert.equal(new Set(members[1]).size, 50, 'no sample twice');
    assert.deepEqual([...slots.weights()], [1, 20, 0]);
    assert.equal(slots.sampled, true);
    assert.deepEqual(sampleOf([30, 1000, 0], 50, 7).members, members, 'the same sample on every run of a seed');
    assert.notDeepEqual(sampleOf([30, 1000, 0], 50, 8).members[1], members[1], 'another seed, another sample');
  });

  it('gives every sample of a large stratum the same chance, cap / n (chi-square over 2,000 seeds)', () => {
    const n = 200;
    const cap = 20;
    const hits = new Array<number>(n).fill(0);
    const runs = 2000;
    for (let seed = 1; seed <= runs; seed++) for (const i of sampleOf([n], cap, seed).members[0]!) hits[i]!++;
    const expected = (runs * cap) / n;
    const chi2 = hits.reduce((a, h) => a + (h - expected) ** 2 / expected, 0);
    // 199 degrees of freedom: the 99.9th percentile is about 268
    assert.ok(chi2 < 268, `chi-square ${chi2.toFixed(1)}; first, middle and last samples kept ${hits[0]}, ${hits[n / 2]}, ${hits[n - 1]} times of ${expected} expected`);
    // and early samples are not favoured over late ones (a skip drawn too short or too long would)
    const firstHalf = hits.slice(0, n / 2).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(firstHalf / (runs * cap) - 0.5) < 0.01, `first half of the stream: ${firstHalf / (runs * cap)} of the kept`);
  });
});
