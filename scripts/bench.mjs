// `npm run bench`: speed and memory of Focal Lens against a pandas + numpy peer (bench/peer.py) and
// against the read floor (`cat` of the same file). Generates seeded data into bench-data/
// (git-ignored, bench/generate.ts) on first run, then runs every case in `cases` REPEAT times
// (default 3) and prints the median wall time and peak RSS (/usr/bin/time -v: the whole process
// with its worker threads) with their spread (min-max), and the ratios of the medians against each
// case's targets. Add a section by pushing onto `cases`:
//   { name, prepare?(): Promise<void>, ours: {cmd, args, env?}, peer?, floor?: {cmd, args, env?}, targets?: {time?, mem?} }
// Options: --quick (fewer samples, for a smoke run), --only <regular expression of case names>, --repeat N,
//   --scale (10M x 10 npz and a 2 GB JSONL: peak memory, and each stage's cost per sample at 1M and 10M),
//   --engine (the compute engine alone per backend, loss kind and gamma: bench/compute-engine.ts).
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const scale = argv.includes('--scale');
const engine = argv.includes('--engine');
const only = argv.includes('--only') ? new RegExp(argv[argv.indexOf('--only') + 1]) : undefined;
const selected = (name) => !only || only.test(name);
const repeat = argv.includes('--repeat') ? Number(argv[argv.indexOf('--repeat') + 1]) : 3;
const dataDir = join(root, 'bench-data');
const bin = join(dataDir, 'bin');
const cliDir = join(dataDir, 'dist');
const cliJs = join(cliDir, 'cli.js');
mkdirSync(bin, { recursive: true });

const N = quick ? 100_000 : 1_000_000;
const C = 10;
const EPOCHS = 2;
const tag = quick ? 'quick-v3' : 'full-v3';
const csvPath = join(dataDir, `dump-${tag}.csv`);
const npzPath = join(dataDir, `last-epoch-${tag}.npz`);
// Per-class alpha (inverse-frequency-ish), passed to both sides.
const ALPHA = Array.from({ length: C }, (_, k) => +(0.25 + 0.05 * k).toFixed(2));

// ------------------------------------------------------------------ data and tools

/** The bench's own scripts (bench/*.ts) bundled into bench-data/bin, with the workers they start. */
async function bundleBenchScripts() {
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: {
      'reader-bench': 'bench/reader-kernel.ts',
      'parse-worker': 'src/core/readers/parse-worker.ts',
      'tfevents-bench': 'bench/tfevents-bench.ts',
      generate: 'bench/generate.ts',
      stages: 'bench/stages.ts',
      'compute-engine': 'bench/compute-engine.ts',
    },
    outdir: bin,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    mainFields: ['module', 'main'],
    external: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
    define: { __FOCAL_LENS_VERSION__: '"bench"' },
    absWorkingDir: root,
    logLevel: 'warning',
  });
  // the wasm backend loads its binaries from beside the bundle
  for (const f of readdirSync(cliDir).filter((f) => f.endsWith('.wasm'))) copyFileSync(join(cliDir, f), join(bin, f));
}

/**
 * Runs a seeded generator (the same bytes on every machine) unless every output exists. It writes
 * `<output>.partial` files, renamed once it succeeds: a run stopped half-way leaves no half-written
 * file for the next one to time.
 */
function generateOnce(outputs, script, ...args) {
  if (outputs.every((p) => existsSync(p))) return;
  console.log(`bench: generating ${outputs.map((p) => p.slice(root.length + 1)).join(', ')} ...`);
  const partial = (p) => `${p}.partial`;
  execFileSync('node', [script, ...args.map((a) => (outputs.includes(a) ? partial(a) : a))], { cwd: root, stdio: 'inherit' });
  for (const p of outputs) renameSync(partial(p), p);
}

/** bench/generate.ts into `outputs`. */
const generate = (outputs, ...args) => generateOnce(outputs, join(bin, 'generate.js'), ...args);

/** Run a command under /usr/bin/time -v; returns wall seconds, peak RSS MiB, exit code, stdout. */
function measure({ cmd, args, env, discard }) {
  // `discard`: stdout goes to /dev/null (the floor's bytes are not collected here)
  const r = spawnSync('/usr/bin/time', ['-v', cmd, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28, env: env ?? process.env, stdio: ['ignore', discard ? 'ignore' : 'pipe', 'pipe'] });
  const user = /User time \(seconds\): ([\d.]+)/.exec(r.stderr);
  const sys = /System time \(seconds\): ([\d.]+)/.exec(r.stderr);
  const cpu = user && sys ? Number(user[1]) + Number(sys[1]) : NaN;
  const wall = /Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)/.exec(r.stderr);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  const seconds = wall ? Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]) : NaN;
  const errTail = r.stderr.split('\n').filter((l) => !/^\s/.test(l) && l.trim() && !l.startsWith('Command')).slice(-3).join(' | ');
  return { seconds, cpu, mib: rss ? Number(rss[1]) / 1024 : NaN, status: r.status, stdout: r.stdout, err: errTail };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** The median of each measure over the runs, with its min and max, and the first failure if any. */
function summary(list) {
  const of = (key) => ({ median: median(list.map((r) => r[key])), min: Math.min(...list.map((r) => r[key])), max: Math.max(...list.map((r) => r[key])) });
  const failed = list.find((r) => r.status !== 0);
  return { seconds: of('seconds'), cpu: of('cpu'), mib: of('mib'), status: failed ? failed.status : 0, err: failed?.err ?? '', stdout: list[0].stdout };
}

function peerEnv() {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

// ------------------------------------------------------------------ cases

// The bench times the CLI as a user runs it: the production build (minified, no source maps) the
// .vsix ships, built beside the development build in dist/ rather than over it.
execFileSync('node', [join(root, 'scripts/build.mjs'), '--production', '--outdir', cliDir.slice(root.length + 1)], { cwd: root, stdio: 'inherit' });
await bundleBenchScripts();
generate([csvPath, npzPath], 'dump', csvPath, npzPath, String(N), String(C), String(EPOCHS));
const readerBench = join(bin, 'reader-bench.js');
const alphaArg = ALPHA.join(',');
const cli = (file, extra = []) => ({ cmd: 'node', args: [cliJs, 'analyze', file, '--alpha-vector', alphaArg, '--gamma', '2', '--format', 'json', ...extra] });
const reader = (file, extra = []) => ({ cmd: 'node', args: [readerBench, file, '--alpha-vector', alphaArg, '--gamma', '2', ...extra] });
const peer = (file) => ({ cmd: '/usr/bin/python3', args: [join(root, 'bench/peer.py'), file, '--alpha-vector', alphaArg, '--gamma', '2'], env: peerEnv() });
/** The read floor: the file's bytes through a pipe, nothing parsed. */
const cat = (file) => ({ cmd: 'cat', args: [file], discard: true });
const csvMB = (statSync(csvPath).size / 1e6).toFixed(0);
// TensorBoard: an event file of scalars and PR curves (bench/tfevents-bench.ts generate), read by
// src/core/readers/tensorboard vs a pure-Python TFRecord + python3-protobuf loop.
const tfeventsMB = quick ? 20 : 200;
const tfeventsPath = join(dataDir, `events.out.tfevents.bench-v2-${tfeventsMB}mb`);
const tfeventsBench = join(bin, 'tfevents-bench.js');
const npzMB = (statSync(npzPath).size / 1e6).toFixed(0);

// A Lightning metrics.csv as CSVLogger writes it (bench/generate.ts metrics).
const metricsMB = quick ? 10 : 100;
const metricsPath = join(dataDir, `metrics-${metricsMB}mb.csv`);

// --scale: one epoch of 10M samples x 10 classes as .npz (400 MB) and a binary per-batch JSONL of
// 2 GB (and one of 200 MB: the same peak memory shows it does not grow with the file).
const scaleN = quick ? 2_000_000 : 10_000_000;
const bigNpzPath = join(dataDir, `scale-${scaleN / 1e6}m.npz`);
const jsonlGB = quick ? 0.4 : 2;
const bigJsonlPath = join(dataDir, `scale-${jsonlGB}gb.jsonl`);
const smallJsonlPath = join(dataDir, `scale-${jsonlGB / 10}gb.jsonl`);

/** Named benchmark cases; other sections (e.g. config hints) push onto this array. */
export const cases = [
  { name: `CSV ${N / 1e6}M x ${C} x ${EPOCHS} epochs (${csvMB} MB), CLI`, ours: cli(csvPath), peer: peer(csvPath), floor: cat(csvPath), targets: { time: 0.5, mem: 0.25 } },
  { name: `npz last epoch (${npzMB} MB), CLI`, ours: cli(npzPath), peer: peer(npzPath), floor: cat(npzPath), targets: { time: 0.5, mem: 0.5 } },
  // Where the time goes: the readers with a plain-JS kernel (bench/reader-kernel.ts), and alone.
  { name: 'CSV, readers + plain-JS kernel', ours: reader(csvPath), peer: peer(csvPath), targets: { time: 0.5, mem: 0.25 } },
  { name: 'npz, readers + plain-JS kernel', ours: reader(npzPath), peer: peer(npzPath), targets: { time: 0.5, mem: 0.5 } },
  { name: 'CSV, readers only (worker pool)', ours: reader(csvPath, ['--no-compute']) },
  { name: 'CSV, readers only (in-thread, workers 0)', ours: reader(csvPath, ['--no-compute', '--workers', '0']) },
  { name: 'npz, readers only', ours: reader(npzPath, ['--no-compute']) },
  {
    name: `Lightning metrics.csv (${metricsMB} MB), CLI verdict vs pandas`,
    prepare: async () => generate([metricsPath], 'metrics', metricsPath, String(metricsMB * 1e6)),
    ours: { cmd: 'node', args: [cliJs, 'analyze', metricsPath, '--format', 'json'] },
    peer: { cmd: '/usr/bin/python3', args: [join(root, 'bench/peer_metrics.py'), metricsPath], env: peerEnv() },
    targets: { time: 1, mem: 1 },
  },
  {
    name: `TensorBoard event file (${tfeventsMB} MB): scalars + PR curves, both checksums`,
    prepare: async () => generateOnce([tfeventsPath], tfeventsBench, 'generate', tfeventsPath, String(tfeventsMB)),
    ours: { cmd: 'node', args: [tfeventsBench, 'read', tfeventsPath] },
    peer: { cmd: '/usr/bin/python3', args: [join(root, 'bench/peer_tfevents.py'), tfeventsPath], env: peerEnv() },
    targets: { time: 1 },
  },
  {
    name: `TensorBoard event file (${tfeventsMB} MB), CLI verdict and PR-curve estimate`,
    ours: { cmd: 'node', args: [cliJs, 'analyze', tfeventsPath, '--alpha', '0.25', '--gamma', '2', '--format', 'json'] },
    peer: { cmd: '/usr/bin/python3', args: [join(root, 'bench/peer_tfevents.py'), tfeventsPath], env: peerEnv() },
    targets: { time: 1, mem: 1 },
  },
];
if (scale) {
  cases.length = 0;
  cases.push(
    { name: `scale: npz ${scaleN / 1e6}M x ${C} (one epoch), CLI`, prepare: async () => generate([bigNpzPath], 'npz', bigNpzPath, String(scaleN), String(C)), ours: cli(bigNpzPath), floor: cat(bigNpzPath) },
    { name: `scale: JSONL ${jsonlGB / 10} GB, CLI`, prepare: async () => generate([smallJsonlPath], 'jsonl', smallJsonlPath, String(jsonlGB * 1e8)), ours: { cmd: 'node', args: [cliJs, 'analyze', smallJsonlPath, '--format', 'json'] }, floor: cat(smallJsonlPath) },
    { name: `scale: JSONL ${jsonlGB} GB, CLI`, prepare: async () => generate([bigJsonlPath], 'jsonl', bigJsonlPath, String(jsonlGB * 1e9)), ours: { cmd: 'node', args: [cliJs, 'analyze', bigJsonlPath, '--format', 'json'] }, floor: cat(bigJsonlPath) },
  );
}

// ------------------------------------------------------------------ run

const rows = [];
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
console.log(`bench: ours = node bench-data/dist/cli.js analyze (the production build); medians of ${repeat} (min-max); load average ${load()} on ${availableParallelism()} cores`);
for (const c of cases) {
  if (!selected(c.name)) continue;
  if (c.prepare) await c.prepare();
  // ours, the peer and the floor take turns, so that a change of the machine's load hits all three
  const all = { o: [], p: [], f: [] };
  for (let i = 0; i < repeat; i++) {
    all.o.push(measure(c.ours));
    if (c.peer) all.p.push(measure(c.peer));
    if (c.floor) all.f.push(measure(c.floor));
  }
  const o = summary(all.o);
  const p = c.peer ? summary(all.p) : undefined;
  const f = c.floor ? summary(all.f) : undefined;
  let detail = '';
  if (o.status !== 0) detail = `ours failed (${o.status}): ${o.err}`;
  else {
    // bench/reader-kernel.ts reports where its time went; the CLI prints a report (no `ms`).
    try {
      const j = JSON.parse(o.stdout);
      if (j.ms) detail = `rows ${j.rows}, in-process: total ${(j.ms.total / 1000).toFixed(2)} s, waiting for reader ${(j.ms.waitingForReader / 1000).toFixed(2)} s, kernel ${(j.ms.compute / 1000).toFixed(2)} s`;
    } catch {
      /* not JSON */
    }
  }
  if (p && p.status !== 0) detail += ` peer failed (${p.status}): ${p.err}`;
  rows.push({ c, o, p, f, detail });
}

const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '-');
const f0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : '-');
const spread2 = (m) => (m ? `${f2(m.median)} (${f2(m.min)}-${f2(m.max)})` : '-');
const spread0 = (m) => (m ? `${f0(m.median)} (${f0(m.min)}-${f0(m.max)})` : '-');
const lines = [
  `load average after the runs: ${load()}`,
  '',
  '| case | ours s | peer s | time ratio (target) | floor (cat) s | ours / floor | ours CPU s | peer CPU s | ours MiB | peer MiB | mem ratio (target) |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
];
for (const { c, o, p, f } of rows) {
  const tr = p ? o.seconds.median / p.seconds.median : NaN;
  const mr = p ? o.mib.median / p.mib.median : NaN;
  const tt = p && c.targets?.time !== undefined ? ` (<= ${c.targets.time} ${tr <= c.targets.time ? 'ok' : 'MISSED'})` : '';
  const mt = p && c.targets?.mem !== undefined ? ` (<= ${c.targets.mem} ${mr <= c.targets.mem ? 'ok' : 'MISSED'})` : '';
  const fr = f ? o.seconds.median / f.seconds.median : NaN;
  lines.push(`| ${c.name} | ${spread2(o.seconds)} | ${spread2(p?.seconds)} | ${f2(tr)}${tt} | ${spread2(f?.seconds)} | ${f2(fr)} | ${f2(o.cpu.median)} | ${p ? f2(p.cpu.median) : '-'} | ${spread0(o.mib)} | ${spread0(p?.mib)} | ${f2(mr)}${mt} |`);
}
console.log(lines.join('\n'));
for (const { c, detail } of rows) if (detail) console.log(`- ${c.name}: ${detail}`);

// Cross-check: the event-file reader and its peer read the same records and numbers.
for (const { c, o, p } of rows) {
  if (!p || o.status !== 0 || p.status !== 0 || c.ours.args[0] !== tfeventsBench) continue;
  const a = JSON.parse(o.stdout);
  const b = JSON.parse(p.stdout);
  const same = ['records', 'scalarTags', 'scalarPoints', 'prPoints'].every((k) => a[k] === b[k]) && Math.abs(a.sum - b.sum) <= 1e-9 * Math.abs(b.sum);
  console.log(`- ${c.name}: ${a.records.toLocaleString()} records, ${a.scalarPoints.toLocaleString()} scalar points, ${a.prPoints} PR curves; ${same ? 'same as the peer' : `DIFFERS from the peer: ${o.stdout.trim()} vs ${p.stdout.trim()}`}`);
}

// Cross-check: ours vs peer per-class numbers (reader bench output only; the CLI prints the report).
{
  for (const { c, o, p } of rows) {
    if (!p || o.status !== 0 || p.status !== 0 || c.ours.args[0] !== readerBench) continue;
    const a = JSON.parse(o.stdout).epochs;
    const b = JSON.parse(p.stdout).epochs;
    let worst = 0;
    for (let e = 0; e < Math.min(a.length, b.length); e++) {
      for (let k = 0; k < a[e].perClass.length; k++) {
        for (const key of ['count', 'predShare', 'recall', 'focalSum', 'gradPos', 'gradNeg']) {
          const x = a[e].perClass[k][key];
          const y = b[e].perClass[k][key];
          worst = Math.max(worst, Math.abs(x - y) / Math.max(1e-9, Math.abs(y)));
        }
      }
    }
    console.log(`- ${c.name}: max relative difference vs peer over per-class quantities: ${worst.toExponential(2)}`);
  }
}


// --scale: each stage's cost per sample at 1M and at 10M samples (bench/stages.ts, in process):
// linear stages cost the same per sample at both sizes.
if (scale && selected('stages')) {
  const stages = (file) => JSON.parse(execFileSync('node', [join(bin, 'stages.js'), file, '--alpha-vector', alphaArg, '--gamma', '2'], { cwd: root, encoding: 'utf8' }));
  const small = stages(npzPath);
  const big = stages(bigNpzPath);
  const out = [`stages (npz; wall ms, CPU ms of all threads; load average ${load()})`, '', '| stage | 1 sample set: ms | per 1M samples | big set: ms | per 1M samples | big / small per sample |', '|---|---|---|---|---|---|'];
  for (const stage of ['scan', 'epochs', 'judge', 'total']) {
    const a = small.ms[stage];
    const b = big.ms[stage];
    const perM = (x, n) => (x.cpu / n) * 1e6;
    out.push(`| ${stage} | ${a.wall} wall, ${a.cpu} CPU | ${f0(perM(a, small.samples))} CPU | ${b.wall} wall, ${b.cpu} CPU | ${f0(perM(b, big.samples))} CPU | ${f2(perM(b, big.samples) / perM(a, small.samples))} |`);
  }
  out[2] = out[2].replace('1 sample set', `${small.samples / 1e6}M`).replace('big set', `${big.samples / 1e6}M`);
  console.log(out.join('\n'));
}

// --engine: the compute engine alone (what test/unit used to time behind an environment switch).
if (engine) {
  const out = ['compute engine, one epoch in memory (bench/compute-engine.ts)', '', '| backend | loss | gamma | samples | cold ms | warm ms | tensors left |', '|---|---|---|---|---|---|---|'];
  for (const line of execFileSync('node', [join(bin, 'compute-engine.js'), String(N)], { cwd: root, encoding: 'utf8' }).trim().split('\n')) {
    const r = JSON.parse(line);
    out.push(`| ${r.backend} | ${r.kind} | ${r.gamma} | ${r.samples} | ${r.coldMs} | ${r.warmMs} | ${r.tensors} |`);
  }
  console.log(out.join('\n'));
}

// ------------------------------------------------------------------ config hints (issue 4)
// Inline hints for a 3,000-line Python config, budget 20 ms. Timed in process (a child `node`
// would measure its own start-up), so it runs as its own script and prints its own table.
if (!scale && selected('config hints')) {
  execFileSync('node', [join(root, 'scripts/bench-hints.mjs')], { cwd: root, stdio: 'inherit' });
}

// ------------------------------------------------------------------ watch tick (issue 9)
// A tick of `focal-lens watch` on a 1 GB growing dump against the same ticks on a small dump of
// its last epochs, with the bytes each reads (scripts/bench-watch.mjs; its own table).
if (!scale && selected('watch tick')) {
  execFileSync('node', [join(root, 'scripts/bench-watch.mjs')], { cwd: root, stdio: 'inherit' });
}
