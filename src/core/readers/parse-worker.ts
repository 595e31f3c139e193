// Worker entry (bundled to dist/parse-worker.js): parses one byte range of a CSV/JSONL file that
// starts and ends at line boundaries, and posts the rows back as transferred typed arrays.
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { rowBuffersOf, TextBlockParser, type BlockResult, type RowBuffers, type TextConfig } from './text-parse';

/** A parse task: bytes [start, end) of `path`. */
export interface ParseTask {
  id: number;
  path: string;
  start: number;
  end: number;
  /** The range ends at end of file (a final line without newline is allowed there). */
  last: boolean;
  cfg: TextConfig;
  /** Buffers of a block the reader is done with (transferred back): the rows go there first. */
  spare?: RowBuffers;
}

export type ParseReply = { id: number; ok: true; result: BlockResult } | { id: number; ok: false; error: string };

const PIECE = 4 << 20;
let buffer: Uint8Array | undefined;

/** Parse a byte range synchronously (also used in-thread when no worker is available). */
export function parseRange(task: ParseTask): BlockResult {
  const parser = new TextBlockParser(task.cfg, task.spare ?? null);
  parser.expect(task.end - task.start);
  const fd = openSync(task.path, 'r');
  try {
    buffer ??= new Uint8Array(PIECE);
    let pos = task.start;
    while (pos < task.end && !parser.stopped) {
      const want = Math.min(PIECE, task.end - pos);
      const got = readSync(fd, buffer, 0, want, pos);
      if (got <= 0) break;
      parser.push(buffer.subarray(0, got), pos);
      pos += got;
    }
    if (task.last) parser.finish();
    return parser.take();
  } finally {
    closeSync(fd);
  }
}

if (parentPort) {
  const port = parentPort;
  port.on('message', (task: ParseTask) => {
    let reply: ParseReply;
    try {
      reply = { id: task.id, ok: true, result: parseRange(task) };
    } catch (err) {
      reply = { id: task.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
    }
    if (reply.ok) {
      const r = reply.result;
      port.postMessage(reply, Object.values(rowBuffersOf(r)));
    } else port.postMessage(reply);
  });
}
