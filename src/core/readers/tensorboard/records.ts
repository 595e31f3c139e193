/**
 * TFRecord framing, the container of TensorBoard event files: each record is
 *
 *     u64 LE length | u32 LE masked CRC-32C of the 8 length bytes | data | u32 LE masked CRC-32C of data
 *
 * with mask(crc) = ((crc >>> 15) | (crc << 17)) + 0xa282ead8 (mod 2^32).
 *
 * The file is streamed in chunks through one growable buffer (a chunk plus at most one record), so
 * memory does not grow with the file. Damage is reported, never thrown, once the file has shown it
 * is a TFRecord (its first length checksum verifies):
 * - bad data CRC: the record is skipped, reading goes on with the next one (the length was good);
 * - bad length CRC: the length cannot be trusted, so the reader scans forward (at most
 *   {@link MAX_RESYNC_BYTES}) for the next offset whose length checksum verifies and reports the
 *   skipped byte range, or the rest of the file when there is none;
 * - a last record cut short (a writer still appending): reported, the complete records are kept.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { buf as crc32c } from 'crc-32/crc32c';
import { InputError, IssueLog } from '../errors';
import type { InputIssue } from '../../report';

/** Records longer than this are skipped unread (scalars and PR curves are a few KiB). */
export const MAX_RECORD_BYTES = 64 << 20;
/** How far past a corrupt length the reader looks for the next record before giving up. */
export const MAX_RESYNC_BYTES = 16 << 20;
const HEADER = 12;
const FOOTER = 4;
const CHUNK_BYTES = 1 << 20;

export const TRUNCATED_MESSAGE = 'truncated last record (the file may still be written)';
export const EMPTY_MESSAGE = 'empty file: no records (the writer may not have flushed yet)';

/** The masked CRC-32C that TFRecord stores. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes) >>> 0;
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** True when `bytes` starts with a record header whose length checksum verifies. */
export function headerVerifies(bytes: Uint8Array, at = 0): boolean {
  if (bytes.length < at + HEADER) return false;
  const stored = (bytes[at + 8]! | (bytes[at + 9]! << 8) | (bytes[at + 10]! << 16) | (bytes[at + 11]! << 24)) >>> 0;
  return maskedCrc32c(bytes.subarray(at, at + 8)) === stored;
}

/** One framed record around `payload` (the encoder side: tests and the bench generator). */
export function frameRecord(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER + payload.length + FOOTER);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length, true);
  view.setUint32(4, Math.floor(payload.length / 2 ** 32), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(payload, HEADER);
  view.setUint32(HEADER + payload.length, maskedCrc32c(payload), true);
  return out;
}

export interface ScanOptions {
  /** The file's name in messages. */
  displayName: string;
  signal?: AbortSignal;
  /** Bytes read since the previous call. */
  onBytes?(n: number): void;
  /** Start at this byte offset (a record boundary: the `end` of an earlier scan). Default 0. */
  from?: number;
  /**
   * The file is still being written (the watch): a record cut short at the end is the writer's
   * next one, not damage, and an empty file is one that has not been flushed yet. Scan again from
   * `end` once the file has grown.
   */
  growing?: boolean;
}

export interface ScanResult {
  /** Records whose both checksums verified (handed to onRecord). */
  records: number;
  /** Damaged places: corrupt records, skipped byte ranges, a truncated tail, oversized records. */
  skippedRecords: number;
  issues: InputIssue[];
  /** Where the complete records end: the next scan of a growing file starts there. */
  end: number;
}

/**
 * Called for each verified record with its payload at buf[start, end) (valid during the call only:
 * the buffer is reused) and the record's file offset.
 */
export type RecordHandler = (buf: Buffer, start: number, end: number, offset: number, issues: IssueLog) => void;

/**
 * Stream the records of a TFRecord file into `onRecord`.
 * @throws InputError when the file cannot be read or is not a TFRecord file (the first record's
 *   length checksum does not verify); an Error named AbortError when `signal` aborts.
 */
export async function scanRecords(path: string, opts: ScanOptions, onRecord: RecordHandler): Promise<ScanResult> {
  const file = opts.displayName;
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw new InputError({ file, byteOffset: 0 }, `cannot open the file: ${(err as Error).message}`);
  }
  try {
    return await new RecordScanner(fh, opts, onRecord).run();
  } finally {
    await fh.close();
  }
}

class RecordScanner {
  private buf = Buffer.allocUnsafe(CHUNK_BYTES);
  /** buf[start, end) holds file bytes [base + start, base + end). */
  private start = 0;
  private end = 0;
  private base: number;
  private readPos: number;
  private eof = false;
  private records = 0;
  private readonly log = new IssueLog(true);

  constructor(
    private readonly fh: FileHandle,
    private readonly opts: ScanOptions,
    private readonly onRecord: RecordHandler,
  ) {
    this.base = this.readPos = opts.from ?? 0;
  }

  async run(): Promise<ScanResult> {
    const growing = this.opts.growing ?? false;
    for (;;) {
      if (!(await this.fill(HEADER))) {
        if (this.available() > 0) {
          if (!growing) this.issue(this.offset(), TRUNCATED_MESSAGE);
        } else if (this.offset() === 0 && !growing) this.issue(0, EMPTY_MESSAGE);
        break;
      }
      const offset = this.offset();
      if (!headerVerifies(this.buf, this.start)) {
        if (offset === 0) {
          throw new InputError({ file: this.opts.displayName, byteOffset: 0 }, 'not a TensorBoard event file: the first record length checksum (TFRecord framing) does not verify');
        }
        if (!(await this.resync(offset))) break;
        continue;
      }
      const length = this.buf.readUInt32LE(this.start) + this.buf.readUInt32LE(this.start + 4) * 2 ** 32;
      const total = HEADER + length + FOOTER;
      if (length > MAX_RECORD_BYTES) {
        if (!(await this.skipLarge(offset, length, total))) break;
        continue;
      }
      if (!(await this.fill(total))) {
        if (!growing) this.issue(offset, TRUNCATED_MESSAGE);
        break;
      }
      const dataStart = this.start + HEADER;
      const dataEnd = dataStart + length;
      if (maskedCrc32c(this.buf.subarray(dataStart, dataEnd)) === this.buf.readUInt32LE(dataEnd)) {
        this.records++;
        this.onRecord(this.buf, dataStart, dataEnd, offset, this.log);
      } else {
        this.issue(offset, `corrupt record (data checksum mismatch): its ${length} bytes are skipped`);
      }
      this.start += total;
    }
    const { skipped, issues } = this.log.snapshot();
    return { records: this.records, skippedRecords: skipped, issues, end: this.offset() };
  }

  private available(): number {
    return this.end - this.start;
  }

  private offset(): number {
    return this.base + this.start;
  }

  private issue(byteOffset: number, message: string): void {
    this.log.add({ file: this.opts.displayName, byteOffset, message });
  }

  /** Make at least `need` bytes available from start; false at the end of the file. */
  private async fill(need: number): Promise<boolean> {
    if (this.available() >= need) return true;
    if (this.buf.length - this.start < need || this.start > this.buf.length / 2) {
      // move the unread tail to the front (a part of one record: small), growing for big records
      const size = Math.max(this.buf.length, need);
      const next = size === this.buf.length ? this.buf : Buffer.allocUnsafe(size);
      this.buf.copy(next, 0, this.start, this.end);
      this.buf = next;
      this.base += this.start;
      this.end -= this.start;
      this.start = 0;
    }
    while (this.available() < need && !this.eof) {
      if (this.opts.signal?.aborted) throw abortError();
      let n: number;
      try {
        ({ bytesRead: n } = await this.fh.read(this.buf, this.end, this.buf.length - this.end, this.readPos));
      } catch (err) {
        throw new InputError({ file: this.opts.displayName, byteOffset: this.readPos }, `cannot read the file: ${(err as Error).message}`);
      }
      if (n === 0) this.eof = true;
      this.end += n;
      this.readPos += n;
      if (n > 0) this.opts.onBytes?.(n);
    }
    return this.available() >= need;
  }

  /**
   * After a corrupt length at `from`: find the next offset whose length checksum verifies (and whose
   * length is plausible), within MAX_RESYNC_BYTES. False when there is none (the rest is skipped).
   */
  private async resync(from: number): Promise<boolean> {
    this.start++;
    for (;;) {
      const buf = this.buf;
      for (let q = this.start; q + HEADER <= this.end; q++) {
        // the high length word is 0 and the length fits: a cheap filter before the checksum
        if (buf[q + 4] === 0 && buf[q + 5] === 0 && buf[q + 6] === 0 && buf[q + 7] === 0 && buf.readUInt32LE(q) <= MAX_RECORD_BYTES && headerVerifies(buf, q)) {
          this.start = q;
          const to = this.offset();
          this.issue(from, `corrupt record length (checksum mismatch): bytes ${from}..${to - 1} (${to - from} bytes) skipped to the next record whose length checksum verifies`);
          return true;
        }
      }
      // keep the last HEADER - 1 bytes: a header may start there
      this.start = Math.max(this.start, this.end - (HEADER - 1));
      const scanned = this.offset() - from;
      if (scanned > MAX_RESYNC_BYTES || !(await this.fill(HEADER))) {
        const stop = scanned > MAX_RESYNC_BYTES ? `no record header verifies in the next ${MAX_RESYNC_BYTES} bytes` : 'no record header verifies before the end of the file';
        this.issue(from, `corrupt record length (checksum mismatch): ${stop}; the rest of the file from byte ${from} is skipped`);
        return false;
      }
    }
  }

  /** A record over MAX_RECORD_BYTES: jump over it without reading it. False when the file ends inside it. */
  private async skipLarge(offset: number, length: number, total: number): Promise<boolean> {
    const next = offset + total;
    if (next <= this.base + this.end) {
      this.start = next - this.base;
    } else {
      this.base = next;
      this.start = this.end = 0;
      this.readPos = next;
    }
    const { size } = await this.fh.stat();
    if (size < next) {
      if (!this.opts.growing) this.issue(offset, TRUNCATED_MESSAGE);
      return false;
    }
    this.issue(offset, `record of ${length} bytes skipped unread (over the ${MAX_RECORD_BYTES}-byte limit; Focal Lens reads scalars and PR curves)`);
    return true;
  }
}

function abortError(): Error {
  const e = new Error('aborted');
  e.name = 'AbortError';
  return e;
}
