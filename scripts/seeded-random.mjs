// mulberry32: the seeded generator of the scripts' and e2e tests' synthetic data (the same numbers
// on every run). src/core/samples/extract.ts has the TypeScript one the engine uses.
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
