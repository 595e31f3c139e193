// Where the time goes, for `npm run bench`: reads a dump with the real readers and computes the
// per-class softmax focal quantities of focal-math.md section 2 with a plain-JS kernel (or, with
// --no-compute, the readers alone). Bundled by scripts/bench.mjs; not shipped.
import { openPredictionDump } from '../src/core/readers/index';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const file = args[0];
  const gamma = Number(args[args.indexOf('--gamma') + 1] || 2);
  const av = args.includes('--alpha-vector') ? args[args.indexOf('--alpha-vector') + 1].split(',').map(Number) : undefined;
  const compute = !args.includes('--no-compute');
  const workers = args.includes('--workers') ? Number(args[args.indexOf('--workers') + 1]) : undefined;
  const t0 = performance.now();
  const dump = await openPredictionDump([file], workers !== undefined ? { workers } : {});
  const acc = new Map<number, { n: number; fl: Float64Array; cnt: Float64Array; npred: Float64Array; tp: Float64Array; gp: Float64Array; gn: Float64Array }>();
  let rows = 0;
  let readWait = 0;
  let computeMs = 0;
  let t = performance.now();
  for await (const c of dump.chunks) {
    const t1 = performance.now();
    readWait += t1 - t;
    rows += c.samples;
    if (compute) {
      const C = c.numClasses;
      let a = acc.get(c.epoch);
      if (!a) acc.set(c.epoch, (a = { n: 0, fl: new Float64Array(C), cnt: new Float64Array(C), npred: new Float64Array(C), tp: new Float64Array(C), gp: new Float64Array(C), gn: new Float64Array(C) }));
      const z = c.scores;
      const y = c.targets;
      const p = new Float64Array(C);
      a.n += c.samples;
      for (let i = 0; i < c.samples; i++) {
        const o = i * C;
        let m = -Infinity;
        let am = 0;
        for (let k = 0; k < C; k++) if (z[o + k] > m) { m = z[o + k]; am = k; }
        let s = 0;
        for (let k = 0; k < C; k++) s += p[k] = Math.exp(z[o + k] - m);
        for (let k = 0; k < C; k++) p[k] = Math.min(1 - 1e-7, Math.max(1e-7, p[k] / s));
        const yi = y[i];
        const pt = p[yi];
        const al = av ? av[yi] : 1;
        const lp = Math.log(pt);
        const q = 1 - pt;
        const qg = q ** gamma;
        a.fl[yi] += -al * qg * lp;
        const h = Math.abs(al * (gamma * q ** (gamma - 1) * lp - qg / pt)) * pt;
        a.gp[yi] += h * q;
        for (let k = 0; k < C; k++) if (k !== yi) a.gn[k] += h * p[k];
        a.cnt[yi]++;
        a.npred[am]++;
        if (am === yi) a.tp[yi]++;
      }
    }
    t = performance.now();
    computeMs += t - t1;
  }
  const out = {
    format: dump.format,
    rows,
    ms: { total: performance.now() - t0, waitingForReader: readWait, compute: computeMs },
    epochs: [...acc].map(([epoch, a]) => ({
      epoch,
      samples: a.n,
      perClass: [...a.fl].map((fl, k) => {
        const r = a.cnt[k] ? a.tp[k] / a.cnt[k] : 0;
        const pr = a.npred[k] ? a.tp[k] / a.npred[k] : 0;
        return { count: a.cnt[k], predShare: a.npred[k] / a.n, recall: r, precision: pr, f1: r + pr ? (2 * r * pr) / (r + pr) : 0, focalSum: fl, gradPos: a.gp[k], gradNeg: a.gn[k] };
      }),
    })),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 2;
});
