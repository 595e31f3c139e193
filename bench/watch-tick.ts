// What a watch tick costs on a big growing dump (issue 9: "a watch tick on a 1 GB growing file
// costs only the new bytes"). Run by `npm run bench:watch` (scripts/bench-watch.mjs bundles it):
//   node watch-tick.js <dump.jsonl> <epochs to append>
// The last <epochs to append> epochs of the dump are cut off (kept in memory), the watch opens the
// rest and catches up, then each cut epoch is appended and one tick reads it. Bytes read are the
// process's own count (/proc/self/io rchar: every read(2) of every thread, the watch's head checks
// and the file's stat included), not the watch's bookkeeping. The file ends as it began.
import { appendFileSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { RunWatch, type WatchEvent } from '../src/core/watch/session';

/** Bytes this process has read so far (Linux). */
function bytesRead(): number {
  const m = /^rchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
  if (!m) throw new Error('no rchar in /proc/self/io');
  return Number(m[1]);
}

/** Where each of the dump's last `count` epochs starts (byte offsets), read backwards from the end. */
async function lastEpochStarts(path: string, count: number): Promise<number[]> {
  const size = statSync(path).size;
  // an epoch of the bench's dump is ~11 MB: read enough from the end for `count` + 1 of them
  const span = Math.min(size, (count + 1) * 16e6);
  const text = (await bytesFrom(path, size - span, size)).toString('latin1');
  const starts: Array<{ epoch: number; offset: number }> = [];
  const head = /(?:^|\n)\{"epoch":(\d+),/g;
  for (let m = head.exec(text); m; m = head.exec(text)) {
    const epoch = Number(m[1]);
    const offset = size - span + m.index + (m[0].startsWith('\n') ? 1 : 0);
    if (!starts.length || starts[starts.length - 1]!.epoch !== epoch) starts.push({ epoch, offset });
  }
  return starts.slice(-count).map((s) => s.offset);
}

/** Bytes [from, to) of the file. */
async function bytesFrom(path: string, from: number, to: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(to - from);
    await fh.read(buf, 0, buf.length, from);
    return buf;
  } finally {
    await fh.close();
  }
}

async function ticked(watch: RunWatch): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  for await (const e of watch.tick()) events.push(e);
  return events;
}

async function main(): Promise<void> {
  const [path, countArg] = process.argv.slice(2);
  if (!path) throw new Error('usage: watch-tick <dump.jsonl> [epochs to append]');
  const count = Number(countArg ?? 5);
  const size = statSync(path).size;
  const starts = await lastEpochStarts(path, count);
  const all = await bytesFrom(path, starts[0]!, size);
  const pieces = starts.map((s, i) => all.subarray(s - starts[0]!, (starts[i + 1] ?? size) - starts[0]!));
  truncateSync(path, starts[0]);
  try {
    // settle 0: an epoch is complete as soon as its burst is read (the writer writes epochs whole)
    const watch = await RunWatch.open({ paths: [path], settleMs: 0 });
    let t = performance.now();
    let r = bytesRead();
    const caught = (await ticked(watch)).filter((e) => e.type === 'epoch').length;
    const catchUp = { ms: performance.now() - t, mb: (bytesRead() - r) / 1e6, epochs: caught, fileMb: starts[0]! / 1e6 };
    const ticks: Array<{ ms: number; appended: number; read: number; epochs: number }> = [];
    for (const piece of pieces) {
      appendFileSync(path, piece);
      t = performance.now();
      r = bytesRead();
      const epochs = (await ticked(watch)).filter((e) => e.type === 'epoch').length;
      ticks.push({ ms: performance.now() - t, appended: piece.length, read: bytesRead() - r, epochs });
    }
    // a tick with nothing new: the cost of a quiet run
    t = performance.now();
    r = bytesRead();
    await ticked(watch);
    const quiet = { ms: performance.now() - t, read: bytesRead() - r };
    watch.close();
    console.log(JSON.stringify({ file: path, catchUp, ticks, quiet }));
  } finally {
    // the bytes cut off are back (whatever happened): the next run starts from the same file
    if (statSync(path).size !== size) {
      truncateSync(path, starts[0]);
      appendFileSync(path, all);
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
