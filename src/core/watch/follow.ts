/**
 * The watch's loop: a tick whenever the file system reports a change under the watched paths
 * (fs.watch), and in any case every `intervalMs` (and when an epoch's settle time is up).
 *
 * Why both: fs.watch alone misses changes. Network and shared file systems (NFS, SMB, sshfs, many
 * FUSE and container bind mounts, WSL's /mnt) deliver no events for writes made by another machine
 * or kernel; Linux runs out of inotify watches on big trees; a watched file replaced by a rename
 * stops reporting; events are coalesced or dropped under load. Polling guarantees that every change
 * is seen within an interval; the events only make it seen sooner. A tick reads only new bytes, so
 * polling a quiet run costs a stat per file.
 */
import { watch as fsWatch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RunWatch, type WatchEvent, type WatchOptions } from './session';

export const DEFAULT_INTERVAL_MS = 1000;
/** Ticks are at least this far apart, however often the file system reports a change. */
const MIN_TICK_GAP_MS = 20;

export interface FollowOptions extends WatchOptions {
  /** Longest wait between two ticks (ms). Default 1000. */
  intervalMs?: number;
}

/**
 * The events of watching a run until `signal` aborts or a watched path is deleted (the last event
 * is then `gone`). Throws what a tick throws (bad input, unknown loss settings).
 */
export async function* followRun(opts: FollowOptions): AsyncGenerator<WatchEvent> {
  const interval = opts.intervalMs ?? DEFAULT_INTERVAL_MS;
  if (!(interval > 0)) throw new RangeError(`the interval must be > 0 ms, got ${interval}`);
  const clock = opts.now ?? Date.now;
  const run = await RunWatch.open(opts);
  const wake = await changeAlarm(run.watchedPaths);
  try {
    yield { type: 'start', files: run.files() };
    for (;;) {
      const started = clock();
      for await (const event of run.tick()) {
        yield event;
        if (event.type === 'gone') return;
      }
      if (opts.signal?.aborted) return;
      const settle = run.nextSettle();
      const until = Math.min(started + interval, settle !== undefined ? settle + 1 : Infinity);
      await wake.wait(Math.max(MIN_TICK_GAP_MS, until - clock()), started + MIN_TICK_GAP_MS - clock(), opts.signal);
      if (opts.signal?.aborted) return;
    }
  } finally {
    wake.close();
    run.close();
  }
}

interface ChangeAlarm {
  /** Resolves at a change (not before `minMs`), after `maxMs`, or when `signal` aborts. */
  wait(maxMs: number, minMs: number, signal?: AbortSignal): Promise<void>;
  close(): void;
}

/** fs.watch on each watched folder (recursively where the platform can), and on the folder of a watched file. */
async function changeAlarm(paths: string[]): Promise<ChangeAlarm> {
  const watchers: FSWatcher[] = [];
  let changed = false;
  let ring: (() => void) | undefined;
  const onChange = () => {
    changed = true;
    ring?.();
  };
  for (const p of paths) {
    const isDir = (await stat(p).catch(() => undefined))?.isDirectory() ?? false;
    const target = isDir ? p : dirname(p);
    for (const recursive of isDir ? [true, false] : [false]) {
      try {
        const w = fsWatch(target, { persistent: false, recursive }, onChange);
        // an error (the folder deleted, watches exhausted) leaves the polling to it
        w.on('error', () => w.close());
        watchers.push(w);
        break;
      } catch {
        // recursive watching unsupported here, or no watch at all: polling covers it
      }
    }
  }
  return {
    wait(maxMs, minMs, signal) {
      return new Promise((resolve) => {
        let timer: NodeJS.Timeout;
        const done = () => {
          clearTimeout(timer);
          ring = undefined;
          signal?.removeEventListener('abort', done);
          changed = false;
          resolve();
        };
        signal?.addEventListener('abort', done);
        if (signal?.aborted) return done();
        timer = setTimeout(done, maxMs);
        // a change during the tick, or during the wait: tick again (after the minimum gap; later
        // changes do not push it back, so a file written without pause is still read)
        let rung = false;
        ring = () => {
          if (rung) return;
          rung = true;
          clearTimeout(timer);
          timer = setTimeout(done, Math.max(0, minMs));
        };
        if (changed) ring();
      });
    },
    close() {
      for (const w of watchers) w.close();
    },
  };
}
