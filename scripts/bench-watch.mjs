// Watch tick cost (issue 9): a tick on a 1 GB growing dump reads only the appended bytes, and
// costs what the same tick costs on a small dump of the same epochs. Writes
// bench-data/watch-1gb.jsonl (git-ignored) with the focal_lens writer on first run
// (bench/watch_dump.py: 100,000 samples x 10 classes an epoch, ~11 MB an epoch) and
// watch-1gb-tail.jsonl, its meta line and last epochs (the same data in a small file: a tick's time
// depends on the epoch's data, which changes over the run), then runs bench/watch-tick.ts on each:
// the catch-up, each appended epoch's tick and a quiet tick.
// Run by `npm run bench` (section "watch tick") or alone: node scripts/bench-watch.mjs [--epochs N]
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const epochs = argv.includes('--epochs') ? Number(argv[argv.indexOf('--epochs') + 1]) : 5;
const big = join(root, 'bench-data', 'watch-1gb.jsonl');
const small = join(root, 'bench-data', 'watch-1gb-tail.jsonl');
const mb = (b) => (b / 1e6).toFixed(2);

mkdirSync(dirname(big), { recursive: true });
if (!existsSync(big)) {
  console.log('bench watch: writing a 1 GB dump with the focal_lens writer into bench-data/ ...');
  execFileSync('/usr/bin/python3', [join(root, 'bench/watch_dump.py'), big + '.part', '1000', '100000'], { cwd: root, stdio: 'inherit' });
  renameSync(big + '.part', big);
}
if (!existsSync(small)) writeFileSync(small, metaAndLastEpochs(big, epochs + 1));

for (const dump of [big, small]) {
  const out = execFileSync(join(root, 'node_modules/.bin/tsx'), [join(root, 'bench/watch-tick.ts'), dump, String(epochs)], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const r = JSON.parse(out.trim().split('\n').pop());
  console.log(`\nbench watch: ${dump.slice(root.length + 1)}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log(`catch-up (the watch starts on ${r.catchUp.fileMb.toFixed(0)} MB, ${r.catchUp.epochs} epochs): ${(r.catchUp.ms / 1000).toFixed(1)} s, ${r.catchUp.mb.toFixed(0)} MB read`);
  console.log('| tick | appended MB | read MB | read / appended | epochs judged | ms |');
  console.log('|---|---|---|---|---|---|');
  r.ticks.forEach((t, i) => console.log(`| ${i + 1} | ${mb(t.appended)} | ${mb(t.read)} | ${(t.read / t.appended).toFixed(4)} | ${t.epochs} | ${t.ms.toFixed(0)} |`));
  console.log(`quiet tick (nothing appended): ${r.quiet.ms.toFixed(1)} ms, ${r.quiet.read} bytes read`);
}

/** The dump's meta line and its last `count` epochs (the writer's records start with {"epoch":N,). */
function metaAndLastEpochs(path, count) {
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(64 << 10);
    readSync(fd, head, 0, head.length, 0);
    const meta = head.subarray(0, head.indexOf(10) + 1);
    const span = Math.min(size, (count + 1) * 16e6);
    const tail = Buffer.alloc(span);
    readSync(fd, tail, 0, span, size - span);
    const starts = [];
    const re = /\n\{"epoch":(\d+),/g;
    const text = tail.toString('latin1');
    for (let m = re.exec(text); m; m = re.exec(text)) if (!starts.length || starts[starts.length - 1].epoch !== m[1]) starts.push({ epoch: m[1], at: m.index + 1 });
    return Buffer.concat([meta, tail.subarray(starts[starts.length - count].at)]);
  } finally {
    closeSync(fd);
  }
}
