// Watch tick cost (issue 9): a tick on a 1 GB growing dump reads only the appended bytes, and
// costs what the same tick costs on a small dump. Writes bench-data/watch-1gb.jsonl and
// watch-60mb.jsonl (git-ignored) with the focal_lens writer on first run (bench/watch_dump.py:
// 100,000 samples x 10 classes an epoch, ~11 MB an epoch), then runs bench/watch-tick.ts on each:
// the catch-up, each appended epoch's tick and a quiet tick.
// Run by `npm run bench` (section "watch tick") or alone: node scripts/bench-watch.mjs [--epochs N]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const epochs = argv.includes('--epochs') ? Number(argv[argv.indexOf('--epochs') + 1]) : 5;
const mb = (b) => (b / 1e6).toFixed(2);

for (const megabytes of [1000, 60]) {
  const dump = join(root, 'bench-data', `watch-${megabytes >= 1000 ? `${megabytes / 1000}gb` : `${megabytes}mb`}.jsonl`);
  mkdirSync(dirname(dump), { recursive: true });
  if (!existsSync(dump)) {
    console.log(`bench watch: writing a ${megabytes} MB dump with the focal_lens writer into bench-data/ ...`);
    execFileSync('/usr/bin/python3', [join(root, 'bench/watch_dump.py'), dump + '.part', String(megabytes), '100000'], { cwd: root, stdio: 'inherit' });
    renameSync(dump + '.part', dump);
  }
  const out = execFileSync(join(root, 'node_modules/.bin/tsx'), [join(root, 'bench/watch-tick.ts'), dump, String(epochs)], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const r = JSON.parse(out.trim().split('\n').pop());
  console.log(`\nbench watch: ${dump.slice(root.length + 1)}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log(`catch-up (the watch starts on ${r.catchUp.fileMb.toFixed(0)} MB, ${r.catchUp.epochs} epochs): ${(r.catchUp.ms / 1000).toFixed(1)} s, ${r.catchUp.mb.toFixed(0)} MB read`);
  console.log('| tick | appended MB | read MB | read / appended | epochs judged | ms |');
  console.log('|---|---|---|---|---|---|');
  r.ticks.forEach((t, i) => console.log(`| ${i + 1} | ${mb(t.appended)} | ${mb(t.read)} | ${(t.read / t.appended).toFixed(4)} | ${t.epochs} | ${t.ms.toFixed(0)} |`));
  console.log(`quiet tick (nothing appended): ${r.quiet.ms.toFixed(1)} ms, ${r.quiet.read} bytes read`);
}
