/**
 * One file of a live run, followed by its identity, size and first bytes: each poll says what
 * changed since the last one. Bytes appended are read from where the last read ended, never from
 * the start; a file that shrank, was replaced (another inode: a writer that writes a new file and
 * renames it over the old one) or was rewritten in place (its first bytes differ: Lightning's
 * CSVLogger rewrites metrics.csv when a new column appears) is read again from the start.
 */
import { open, stat } from 'node:fs/promises';

export type TailChange =
  /** Nothing new. */
  | { kind: 'same' }
  /** Bytes [offset, size) are new. */
  | { kind: 'grown'; size: number }
  /** The file is not the one read so far: read it again from byte 0 (offset is 0 again). */
  | { kind: 'reset'; reason: string }
  | { kind: 'gone' };

/** Bytes of the file's start compared at each growth: a rewrite in place changes them. */
const HEAD_CHECK_BYTES = 4096;
/** Bytes read at a time: memory stays bounded whatever a tick has to catch up on. */
export const TAIL_PIECE_BYTES = 4 << 20;

export class FileTail {
  /** Bytes read so far: the next read starts here. */
  offset = 0;
  /** The size at the last poll. */
  size = 0;
  private identity: string | undefined;
  private mtimeMs = 0;
  private head: Uint8Array = new Uint8Array(0);
  /** The last byte read is a line end (or nothing was read): no partial line waits. */
  atLineEnd = true;

  constructor(readonly path: string) {}

  /** What changed since the last poll. */
  async poll(): Promise<TailChange> {
    let st;
    try {
      st = await stat(this.path);
    } catch (err) {
      if (isGone(err)) return { kind: 'gone' };
      throw err;
    }
    const identity = `${st.dev}:${st.ino}`;
    const known = this.identity;
    this.identity = identity;
    const changed = st.size !== this.size || st.mtimeMs !== this.mtimeMs;
    this.size = st.size;
    this.mtimeMs = st.mtimeMs;
    if (known !== undefined && known !== identity) return this.reset('replaced by a new file');
    if (st.size < this.offset) return this.reset(`truncated to ${st.size} bytes (${this.offset} were read)`);
    if (changed && this.head.length > 0 && !(await this.headUnchanged())) return this.reset('rewritten from the start');
    // the first bytes as they were read (a follower may start past them: a dump's data after its head)
    const headBytes = Math.min(HEAD_CHECK_BYTES, this.offset);
    if (this.head.length < headBytes) this.head = await this.start(headBytes);
    return st.size > this.offset ? { kind: 'grown', size: st.size } : { kind: 'same' };
  }

  /** Read from `offset` up to `size` (at most `maxBytes`), advancing `offset`; empty at the end. */
  async read(maxBytes = TAIL_PIECE_BYTES): Promise<{ bytes: Uint8Array; offset: number }> {
    const want = Math.min(maxBytes, this.size - this.offset);
    if (want <= 0) return { bytes: new Uint8Array(0), offset: this.offset };
    const fh = await open(this.path, 'r').catch((err: unknown) => {
      // deleted since the poll: the next poll says so
      if (isGone(err)) return null;
      throw err;
    });
    if (!fh) return { bytes: new Uint8Array(0), offset: this.offset };
    try {
      const bytes = new Uint8Array(want);
      const { bytesRead } = await fh.read(bytes, 0, want, this.offset);
      const got = bytes.subarray(0, bytesRead);
      const at = this.offset;
      this.offset += bytesRead;
      if (bytesRead > 0) this.atLineEnd = got[bytesRead - 1] === 10;
      return { bytes: got, offset: at };
    } finally {
      await fh.close();
    }
  }

  /** Bytes known to be there and not read yet. */
  get pending(): boolean {
    return this.size > this.offset;
  }

  /** Read the file again from byte 0. */
  rewind(): void {
    this.offset = 0;
    this.head = new Uint8Array(0);
    this.atLineEnd = true;
  }

  private reset(reason: string): TailChange {
    this.rewind();
    return { kind: 'reset', reason };
  }

  private async headUnchanged(): Promise<boolean> {
    const now = await this.start(this.head.length);
    return now.length === this.head.length && now.every((b, i) => b === this.head[i]);
  }

  /** The file's first `n` bytes (fewer when it is shorter). */
  private async start(n: number): Promise<Uint8Array> {
    const fh = await open(this.path, 'r');
    try {
      const bytes = new Uint8Array(n);
      const { bytesRead } = await fh.read(bytes, 0, n, 0);
      return bytes.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }
}

/** The file is not there (any more). */
export function isGone(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
