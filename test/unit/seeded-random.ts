/** Deterministic PRNG (mulberry32): synthetic test data that is the same on every run. */
export { seededRandom as rng } from '../../src/core/samples/extract';
