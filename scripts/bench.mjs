// `npm run bench`: speed and memory of Focal Lens against a pandas + numpy peer (bench/peer.py).
// Generates a deterministic dump into bench-data/ (git-ignored) on first run, then runs every case
// in `cases` and prints wall time, peak RSS (/usr/bin/time -v: whole process incl. worker threads)
// and the ratios against each case's targets. Add a section by pushing onto `cases`:
//   { name, prepare?(): Promise<void>, ours: {cmd, args, env?}, peer?: {cmd, args, env?}, targets?: {time?, mem?} }
// Options: --quick (fewer samples, for a smoke run), --only <substring>, --repeat N (best of N).
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { mulberry32 } from './seeded-random.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
const repeat = argv.includes('--repeat') ? Number(argv[argv.indexOf('--repeat') + 1]) : 1;
const dataDir = join(root, 'bench-data');
mkdirSync(dataDir, { recursive: true });

const N = quick ? 100_000 : 1_000_000;
const C = 10;
const EPOCHS = 2;
const tag = quick ? 'quick-v2' : 'full-v2';
const csvPath = join(dataDir, `dump-${tag}.csv`);
const npzPath = join(dataDir, `last-epoch-${tag}.npz`);
// Per-class alpha (inverse-frequency-ish), passed to both sides.
const ALPHA = Array.from({ length: C }, (_, k) => +(0.25 + 0.05 * k).toFixed(2));

// ------------------------------------------------------------------ data

function npyBytes(descr, shape, data) {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  out.set(Buffer.from(header, 'latin1'), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

/** A stored (uncompressed) zip, what numpy.savez writes. */
function writeStoredZip(path, members) {
  const parts = [];
  const central = [];
  let offset = 0;
  for (const [name, bytes] of members) {
    const nameB = Buffer.from(name);
    const crc = crc32(bytes) >>> 0;
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(bytes.length, 18);
    lh.writeUInt32LE(bytes.length, 22);
    lh.writeUInt16LE(nameB.length, 26);
    parts.push(lh, nameB, bytes);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(20, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt32LE(crc, 16);
    ch.writeUInt32LE(bytes.length, 20);
    ch.writeUInt32LE(bytes.length, 24);
    ch.writeUInt16LE(nameB.length, 28);
    ch.writeUInt32LE(offset, 42);
    central.push(ch, nameB);
    offset += 30 + nameB.length + bytes.length;
  }
  const cdSize = central.reduce((s, b) => s + b.length, 0);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(members.length, 8);
  eocd.writeUInt16LE(members.length, 10);
  eocd.writeUInt32LE(cdSize, 12);
  eocd.writeUInt32LE(offset, 16);
  writeFileSync(path, Buffer.concat([...parts, ...central, eocd]));
}

async function generate() {
  if (existsSync(csvPath) && existsSync(npzPath)) return;
  console.log(`bench: generating ${N.toLocaleString()} samples x ${C} classes x ${EPOCHS} epochs into bench-data/ ...`);
  const rnd = mulberry32(20240917);
  const gauss = () => {
    const u = 1 - rnd();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
  };
  // Imbalanced classes: prior proportional to 1 / (k + 1).
  const prior = Array.from({ length: C }, (_, k) => 1 / (k + 1));
  const cum = [];
  prior.reduce((s, p, k) => (cum[k] = s + p), 0);
  const total = cum[C - 1];
  const out = createWriteStream(csvPath);
  out.write(`epoch,target,${Array.from({ length: C }, (_, k) => `logit_${k}`).join(',')}\n`);
  const lastLogits = new Float32Array(N * C);
  const lastTargets = new BigInt64Array(N);
  for (let e = 1; e <= EPOCHS; e++) {
    let buf = '';
    for (let i = 0; i < N; i++) {
      const u = rnd() * total;
      let y = 0;
      while (cum[y] < u) y++;
      let line = `${e},${y}`;
      for (let k = 0; k < C; k++) {
        // ~4 significant digits, as a training script would print them (trailing zeros kept).
        const text = (gauss() * 1.2 + (k === y ? 0.8 * e : 0) - 0.15 * k).toPrecision(4);
        line += `,${text}`;
        if (e === EPOCHS) lastLogits[i * C + k] = Number(text);
      }
      if (e === EPOCHS) lastTargets[i] = BigInt(y);
      buf += `${line}\n`;
      if (buf.length > 1 << 20) {
        if (!out.write(buf)) await new Promise((r) => out.once('drain', r));
        buf = '';
      }
    }
    out.write(buf);
  }
  await new Promise((r) => out.end(r));
  writeStoredZip(npzPath, [
    ['logits.npy', npyBytes('<f4', [N, C], lastLogits)],
    ['targets.npy', npyBytes('<i8', [N], lastTargets)],
  ]);
}

// ------------------------------------------------------------------ runners

async function bundleReaderBench() {
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: { 'reader-bench': 'bench/reader-kernel.ts', 'parse-worker': 'src/core/readers/parse-worker.ts', 'tfevents-bench': 'bench/tfevents-bench.ts' },
    outdir: join(dataDir, 'bin'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    absWorkingDir: root,
    logLevel: 'warning',
  });
  return join(dataDir, 'bin/reader-bench.js');
}

/** Run a command under /usr/bin/time -v; returns wall seconds, peak RSS MiB, exit code, stdout. */
function measure({ cmd, args, env }) {
  const r = spawnSync('/usr/bin/time', ['-v', cmd, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28, env: env ?? process.env });
  const user = /User time \(seconds\): ([\d.]+)/.exec(r.stderr);
  const sys = /System time \(seconds\): ([\d.]+)/.exec(r.stderr);
  const cpu = user && sys ? Number(user[1]) + Number(sys[1]) : NaN;
  const wall = /Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)/.exec(r.stderr);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  const seconds = wall ? Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]) : NaN;
  const errTail = r.stderr.split('\n').filter((l) => !/^\s/.test(l) && l.trim() && !l.startsWith('Command')).slice(-3).join(' | ');
  return { seconds, cpu, mib: rss ? Number(rss[1]) / 1024 : NaN, status: r.status, stdout: r.stdout, err: errTail };
}

function best(spec) {
  let b;
  for (let i = 0; i < repeat; i++) {
    const m = measure(spec);
    if (!b || m.seconds < b.seconds) b = m;
  }
  return b;
}

function peerEnv() {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

// ------------------------------------------------------------------ cases

await generate();
// The bench times the built CLI, as a user runs it.
execFileSync('node', [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
const readerBench = await bundleReaderBench();
const alphaArg = ALPHA.join(',');
const cli = (file, extra = []) => ({ cmd: 'node', args: [join(root, 'dist/cli.js'), 'analyze', file, '--alpha-vector', alphaArg, '--gamma', '2', '--format', 'json', ...extra] });
const reader = (file, extra = []) => ({ cmd: 'node', args: [readerBench, file, '--alpha-vector', alphaArg, '--gamma', '2', ...extra] });
const peer = (file) => ({ cmd: '/usr/bin/python3', args: [join(root, 'bench/peer.py'), file, '--alpha-vector', alphaArg, '--gamma', '2'], env: peerEnv() });
const csvMB = (statSync(csvPath).size / 1e6).toFixed(0);
// TensorBoard: an event file of scalars and PR curves (bench/tfevents-bench.ts generate), read by
// src/core/readers/tensorboard vs a pure-Python TFRecord + python3-protobuf loop.
const tfeventsMB = quick ? 20 : 200;
const tfeventsPath = join(dataDir, `events.out.tfevents.bench-v2-${tfeventsMB}mb`);
const tfeventsBench = join(dataDir, 'bin/tfevents-bench.js');
const npzMB = (statSync(npzPath).size / 1e6).toFixed(0);

// A Lightning metrics.csv as CSVLogger writes it: a training row per logged step (train_loss only),
// a validation row per epoch with per-class recall and precision, sparse columns left empty.
const metricsMB = quick ? 10 : 100;
const metricsPath = join(dataDir, `metrics-${metricsMB}mb.csv`);
function generateMetricsCsv() {
  if (existsSync(metricsPath)) return;
  const classes = Array.from({ length: C }, (_, k) => `c${k}`);
  const header = ['epoch', 'step', 'train_loss', 'val_loss', ...classes.map((c) => `val_precision_${c}`), ...classes.map((c) => `val_recall_${c}`)];
  const empty = ','.repeat(header.length - 3);
  const rand = mulberry32(7);
  const out = createWriteStream(metricsPath);
  let bytes = 0;
  let step = 0;
  const push = (line) => {
    out.write(line + '\n');
    bytes += line.length + 1;
  };
  push(header.join(','));
  for (let epoch = 0; bytes < metricsMB * 1e6; epoch++) {
    for (let i = 0; i < 2000; i++, step++) push(`${epoch},${step},${(0.5 * Math.exp(-step / 1e6) + 0.01 * rand()).toFixed(17)}${empty}`);
    // class c9 collapses after epoch 100
    const val = classes.map((_, k) => (k === C - 1 && epoch > 100 ? 0 : 0.3 + 0.6 * rand()));
    push(`${epoch},${step},,${(0.2 + 0.1 * rand()).toFixed(17)},${val.map((v) => (v === 0 ? 0 : 0.5 + 0.4 * rand()).toFixed(17)).join(',')},${val.map((v) => v.toFixed(17)).join(',')}`);
  }
  out.end();
  return new Promise((resolve) => out.on('finish', resolve));
}

/** Named benchmark cases; other sections (e.g. config hints) push onto this array. */
export const cases = [
  { name: `CSV ${N / 1e6}M x ${C} x ${EPOCHS} epochs (${csvMB} MB), CLI`, ours: cli(csvPath), peer: peer(csvPath), targets: { time: 0.5, mem: 0.25 } },
  { name: `npz last epoch (${npzMB} MB), CLI`, ours: cli(npzPath), peer: peer(npzPath), targets: { time: 0.5 } },
  // Where the time goes: the readers with a plain-JS kernel (bench/reader-kernel.ts), and alone.
  { name: 'CSV, readers + plain-JS kernel', ours: reader(csvPath), peer: peer(csvPath), targets: { time: 0.5, mem: 0.25 } },
  { name: 'npz, readers + plain-JS kernel', ours: reader(npzPath), peer: peer(npzPath), targets: { time: 0.5 } },
  { name: 'CSV, readers only (worker pool)', ours: reader(csvPath, ['--no-compute']) },
  { name: 'CSV, readers only (in-thread, workers 0)', ours: reader(csvPath, ['--no-compute', '--workers', '0']) },
  { name: 'npz, readers only', ours: reader(npzPath, ['--no-compute']) },
  {
    name: `Lightning metrics.csv (${metricsMB} MB), CLI verdict vs pandas`,
    prepare: generateMetricsCsv,
    ours: { cmd: 'node', args: [join(root, 'dist/cli.js'), 'analyze', metricsPath, '--format', 'json'] },
    peer: { cmd: '/usr/bin/python3', args: [join(root, 'bench/peer_metrics.py'), metricsPath], env: peerEnv() },
    targets: { time: 1, mem: 1 },
  },
  {
    name: `TensorBoard event file (${tfeventsMB} MB): scalars + PR curves, both checksums`,
    prepare: async () => {
      if (!existsSync(tfeventsPath)) execFileSync('node', [tfeventsBench, 'generate', tfeventsPath, String(tfeventsMB)], { cwd: root, stdio: 'inherit' });
    },
    ours: { cmd: 'node', args: [tfeventsBench, 'read', tfeventsPath] },
    peer: { cmd: '/usr/bin/python3', args: [join(root, 'bench/peer_tfevents.py'), tfeventsPath], env: peerEnv() },
    targets: { time: 1 },
  },
  {
    name: `TensorBoard event file (${tfeventsMB} MB), CLI verdict and PR-curve estimate`,
    ours: { cmd: 'node', args: [join(root, 'dist/cli.js'), 'analyze', tfeventsPath, '--alpha', '0.25', '--gamma', '2', '--format', 'json'] },
    peer: { cmd: '/usr/bin/python3', args: [join(root, 'bench/peer_tfevents.py'), tfeventsPath], env: peerEnv() },
    targets: { time: 1, mem: 1 },
  },
];

// ------------------------------------------------------------------ run

const rows = [];
console.log(`bench: ours = node dist/cli.js analyze${repeat > 1 ? `, best of ${repeat}` : ''}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${availableParallelism()} cores`);
for (const c of cases) {
  if (only && !c.name.includes(only)) continue;
  if (c.prepare) await c.prepare();
  const o = best(c.ours);
  const p = c.peer ? best(c.peer) : undefined;
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
  rows.push({ c, o, p, detail });
}

const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '-');
const f0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : '-');
const lines = [
  '| case | ours s | peer s | time ratio (target) | ours CPU s | peer CPU s | ours MiB | peer MiB | mem ratio (target) |',
  '|---|---|---|---|---|---|---|---|---|',
];
for (const { c, o, p } of rows) {
  const tr = p ? o.seconds / p.seconds : NaN;
  const mr = p ? o.mib / p.mib : NaN;
  const tt = c.targets?.time !== undefined ? ` (<= ${c.targets.time} ${tr <= c.targets.time ? 'ok' : 'MISSED'})` : '';
  const mt = c.targets?.mem !== undefined ? ` (<= ${c.targets.mem} ${mr <= c.targets.mem ? 'ok' : 'MISSED'})` : '';
  lines.push(`| ${c.name} | ${f2(o.seconds)} | ${p ? f2(p.seconds) : '-'} | ${f2(tr)}${tt} | ${f2(o.cpu)} | ${p ? f2(p.cpu) : '-'} | ${f0(o.mib)} | ${p ? f0(p.mib) : '-'} | ${f2(mr)}${mt} |`);
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

// ------------------------------------------------------------------ config hints (issue 4)
// Inline hints for a 3,000-line Python config, budget 20 ms. Timed in process (a child `node`
// would measure its own start-up), so it runs as its own script and prints its own table.
if (!only || 'config hints'.includes(only)) {
  execFileSync('node', [join(root, 'scripts/bench-hints.mjs')], { cwd: root, stdio: 'inherit' });
}

// ------------------------------------------------------------------ watch tick (issue 9)
// A tick of `focal-lens watch` on a 1 GB growing dump against the same ticks on a small dump of its last epochs, with
// the bytes each reads (scripts/bench-watch.mjs; its own table).
if (!only || 'watch tick'.includes(only)) {
  execFileSync('node', [join(root, 'scripts/bench-watch.mjs')], { cwd: root, stdio: 'inherit' });
}
