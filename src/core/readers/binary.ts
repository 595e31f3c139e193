// Byte sources (files, stored and deflated zip members), the .npy header, dtypes, the zip central
// directory and the safetensors header. Streaming: nothing here holds more than one request's bytes.
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { createInflateRaw, crc32 } from 'node:zlib';
import { InputError, quoted } from './errors';

/** A sequential byte source with optional random access. */
export interface ByteSource {
  /** Display name for messages (e.g. `run.npz[logits.npy]`). */
  readonly name: string;
  /** Total bytes (uncompressed for zip members). */
  readonly size: number;
  /**
   * Next `n` bytes from the current position (fewer only at the end). `scratch`, when given and big
   * enough, may be filled and returned (the caller copies out before reusing it).
   */
  read(n: number, scratch?: Uint8Array): Promise<Uint8Array>;
  /** Current position (settable on file-backed sources to seek). */
  position: number;
  /** Random access read when supported (plain files, stored zip members). */
  readAt?(pos: number, n: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Read from a file handle exactly n bytes at pos (fewer at end of file). */
async function readFully(fh: FileHandle, pos: number, n: number, scratch?: Uint8Array): Promise<Uint8Array> {
  const buf = scratch && scratch.length >= n ? scratch.subarray(0, n) : new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const { bytesRead } = await fh.read(buf, got, n - got, pos + got);
    if (bytesRead <= 0) break;
    got += bytesRead;
  }
  return got === n ? buf : buf.subarray(0, got);
}

/** A byte range of a file (a plain file, or a stored zip member), with an optional CRC-32 check. */
export class FileRangeSource implements ByteSource {
  position = 0;
  private crc = 0;
  private crcOk = true;
  constructor(
    readonly name: string,
    private fh: FileHandle,
    private base: number,
    readonly size: number,
    private expectCrc: number | undefined,
    private onBytes: (n: number) => void,
    private ownsHandle: boolean,
  ) {}

  async read(n: number, scratch?: Uint8Array): Promise<Uint8Array> {
    const at = this.position;
    const want = Math.max(0, Math.min(n, this.size - at));
    this.position += want; // before the await: a read-ahead may follow at once
    const b = await readFully(this.fh, this.base + at, want, scratch);
    this.track(at, b);
    if (b.length < want) this.position = at + b.length;
    return b;
  }

  async readAt(pos: number, n: number): Promise<Uint8Array> {
    const want = Math.max(0, Math.min(n, this.size - pos));
    const b = await readFully(this.fh, this.base + pos, want);
    this.track(pos, b);
    return b;
  }

  private track(pos: number, b: Uint8Array): void {
    this.onBytes(b.length);
    if (this.expectCrc === undefined) return;
    if (pos !== this.crcPos) {
      this.crcOk = false;
      return;
    }
    this.crc = crc32(b, this.crc);
    this.crcPos += b.length;
    if (this.crcOk && this.crcPos === this.size && this.crc >>> 0 !== this.expectCrc >>> 0) {
      throw new InputError({ file: this.name, byteOffset: this.size }, 'corrupt zip member: CRC-32 mismatch (the archive is damaged)');
    }
  }
  private crcPos = 0;

  async close(): Promise<void> {
    if (this.ownsHandle) await this.fh.close();
  }
}

/** A deflated zip member, inflated as a stream; sequential reads only. */
export class InflateSource implements ByteSource {
  position = 0;
  private iter: AsyncIterator<Buffer>;
  private bufs: Buffer[] = [];
  private buffered = 0;
  private done = false;
  private crc = 0;
  private stream: ReturnType<typeof createInflateRaw>;
  private raw: ReturnType<typeof createReadStream>;
  constructor(
    readonly name: string,
    path: string,
    start: number,
    compSize: number,
    readonly size: number,
    private expectCrc: number,
    onBytes: (n: number) => void,
  ) {
    this.raw = createReadStream(path, { start, end: start + Math.max(compSize, 1) - 1, highWaterMark: 1 << 20 });
    this.raw.on('data', (d) => onBytes((d as Buffer).length));
    this.stream = createInflateRaw({ chunkSize: 1 << 20 });
    this.raw.on('error', (e) => this.stream.destroy(e));
    this.raw.pipe(this.stream);
    this.iter = this.stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  async read(n: number): Promise<Uint8Array> {
    // Never past the size the directory declares: a stream that goes on is a lie (or a bomb).
    const want = Math.max(0, Math.min(n, this.size - this.position));
    while (this.buffered < want && !this.done) {
      let r: IteratorResult<Buffer>;
      try {
        r = await this.iter.next();
      } catch (e) {
        throw new InputError({ file: this.name, byteOffset: this.position + this.buffered }, `corrupt zip member: deflate data is damaged (${(e as Error).message})`);
      }
      if (r.done) this.done = true;
      else {
        this.bufs.push(r.value);
        this.buffered += r.value.length;
        if (this.position + this.buffered > this.size) {
          throw new InputError({ file: this.name, byteOffset: this.size }, `corrupt zip member: inflates to more than the ${this.size} bytes the zip directory declares`);
        }
      }
    }
    const take = Math.min(want, this.buffered);
    let out: Uint8Array;
    if (this.bufs.length === 1 && this.bufs[0].length === take) {
      out = this.bufs[0];
      this.bufs = [];
    } else {
      out = new Uint8Array(take);
      let o = 0;
      while (o < take) {
        const b = this.bufs[0];
        const k = Math.min(b.length, take - o);
        out.set(b.subarray(0, k), o);
        o += k;
        if (k === b.length) this.bufs.shift();
        else this.bufs[0] = b.subarray(k);
      }
    }
    this.buffered -= take;
    this.crc = crc32(out, this.crc);
    this.position += take;
    if (this.position === this.size && this.crc >>> 0 !== this.expectCrc >>> 0) {
      throw new InputError({ file: this.name, byteOffset: this.size }, 'corrupt zip member: CRC-32 mismatch (the archive is damaged)');
    }
    // Fewer bytes than asked: the stream ended before the declared size; the caller names what is missing.
    return out;
  }

  async close(): Promise<void> {
    this.raw.destroy();
    this.stream.destroy();
  }
}

/** Whole bytes in memory (used for Fortran-ordered deflated members). */
export class MemorySource implements ByteSource {
  position = 0;
  constructor(
    readonly name: string,
    private bytes: Uint8Array,
  ) {}
  get size(): number {
    return this.bytes.length;
  }
  async read(n: number): Promise<Uint8Array> {
    const b = this.bytes.subarray(this.position, Math.min(this.bytes.length, this.position + n));
    this.position += b.length;
    return b;
  }
  async readAt(pos: number, n: number): Promise<Uint8Array> {
    return this.bytes.subarray(pos, Math.min(this.bytes.length, pos + n));
  }
  async close(): Promise<void> {}
}

// ------------------------------------------------------------------- dtypes

/** A numeric element type. kind: f float, i signed int, u unsigned int, b bool, h bfloat16. */
export interface DType {
  kind: 'f' | 'i' | 'u' | 'b' | 'h';
  size: number;
  little: boolean;
  /** As written in the file, for messages. */
  text: string;
}

const DTYPE_NAMES: Record<string, string> = {
  c: 'complex numbers',
  O: 'Python objects',
  U: 'unicode strings',
  S: 'byte strings',
  a: 'byte strings',
  V: 'raw void/structured records',
  M: 'datetimes',
  m: 'timedeltas',
};

/** Parse a numpy descr like `<f4`; throws for non-numeric or unsupported dtypes. */
export function parseDescr(descr: string, name: string, pos: { file: string; byteOffset?: number }): DType {
  const m = /^([<>|=]?)([a-zA-Z])(\d*)(\[.*\])?$/.exec(descr);
  if (!m) throw new InputError(pos, `unsupported dtype ${quoted(descr, 20)} in ${name}`);
  const [, order, kind, sz] = m;
  const size = sz === '' ? (kind === 'b' || kind === '?' ? 1 : 0) : Number(sz);
  const little = order !== '>';
  const ok = (kind === 'f' && (size === 2 || size === 4 || size === 8)) || ((kind === 'i' || kind === 'u') && [1, 2, 4, 8].includes(size)) || (kind === 'b' && size === 1) || (kind === '?' && size === 1);
  if (!ok) {
    const what = DTYPE_NAMES[kind] ?? `dtype '${descr}'`;
    throw new InputError(pos, `expected a numeric array (float16/32/64, integers or bool) for "${name}", got dtype '${descr}' (${what})`);
  }
  return { kind: kind === '?' ? 'b' : (kind as DType['kind']), size, little, text: descr };
}

/** safetensors dtype names. */
export function safetensorsDType(dt: string, name: string, pos: { file: string; byteOffset?: number }): DType {
  const map: Record<string, [DType['kind'], number]> = {
    F64: ['f', 8], F32: ['f', 4], F16: ['f', 2], BF16: ['h', 2],
    I64: ['i', 8], I32: ['i', 4], I16: ['i', 2], I8: ['i', 1],
    U64: ['u', 8], U32: ['u', 4], U16: ['u', 2], U8: ['u', 1], BOOL: ['b', 1],
  };
  const e = map[dt];
  if (!e) throw new InputError(pos, `expected a numeric tensor for "${name}", got dtype ${quoted(dt, 20)}`);
  return { kind: e[0], size: e[1], little: true, text: dt };
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** Decode `count` elements of any numeric dtype into `out` (float64 holds every value exactly up to 2^53). */
export function decodeInto(bytes: Uint8Array, dt: DType, count: number, out: Float64Array): void {
  const n = count;
  if (bytes.length < n * dt.size) throw new RangeError(`decodeInto: ${bytes.length} bytes for ${n} x ${dt.size}`);
  if (dt.size > 1 && bytes.byteOffset % dt.size !== 0) bytes = alignedCopy(bytes, n * dt.size);
  if (dt.little && dt.kind === 'f' && dt.size === 4) {
    out.set(new Float32Array(bytes.buffer, bytes.byteOffset, n));
    return;
  }
  if (dt.little && dt.kind === 'f' && dt.size === 8 && bytes.byteOffset % 8 === 0) {
    out.set(new Float64Array(bytes.buffer, bytes.byteOffset, n));
    return;
  }
  if (dt.little && dt.size === 8 && (dt.kind === 'i' || dt.kind === 'u') && bytes.byteOffset % 4 === 0) {
    // int64 as two int32 halves: exact up to 2^53.
    const w = new Int32Array(bytes.buffer, bytes.byteOffset, n * 2);
    for (let k = 0; k < n; k++) {
      const lo = w[2 * k];
      const hi = w[2 * k + 1];
      out[k] = dt.kind === 'u' ? (hi >>> 0) * 4294967296 + (lo >>> 0) : hi * 4294967296 + (lo >>> 0);
    }
    return;
  }
  if (dt.size === 1) {
    if (dt.kind === 'i') for (let k = 0; k < n; k++) out[k] = (bytes[k] << 24) >> 24;
    else for (let k = 0; k < n; k++) out[k] = bytes[k];
    return;
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = dt.little;
  const sz = dt.size;
  for (let k = 0; k < n; k++) {
    const o = k * sz;
    let x: number;
    if (dt.kind === 'f') x = sz === 4 ? v.getFloat32(o, le) : sz === 8 ? v.getFloat64(o, le) : halfToFloat(v.getUint16(o, le));
    else if (dt.kind === 'h') x = new Float32Array(new Uint32Array([v.getUint16(o, le) << 16]).buffer)[0];
    else if (dt.kind === 'i') x = sz === 2 ? v.getInt16(o, le) : sz === 4 ? v.getInt32(o, le) : Number(v.getBigInt64(o, le));
    else x = sz === 2 ? v.getUint16(o, le) : sz === 4 ? v.getUint32(o, le) : Number(v.getBigUint64(o, le));
    out[k] = x;
  }
}

/**
 * The first `len` bytes in a fresh, aligned buffer. (`slice` would not do: on a Node Buffer, which
 * zlib hands out from a shared pool at any offset, it is a view.)
 */
export function alignedCopy(bytes: Uint8Array, len: number): Uint8Array {
  const out = new Uint8Array(len);
  out.set(bytes.subarray(0, len));
  return out;
}

// --------------------------------------------------------------------- npy

/** A parsed .npy header. */
export interface NpyHeader {
  dtype: DType;
  shape: number[];
  fortran: boolean;
  /** Bytes before the data. */
  dataOffset: number;
}

const MIN_NPY_HEADER = 16;

/** Read and parse the .npy header from a source positioned at its start. */
export async function readNpyHeader(src: ByteSource, arrayName: string): Promise<NpyHeader> {
  const pre = await src.read(12);
  const pos = { file: src.name, byteOffset: 0 };
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (pre.length < 10 || !magic.every((b, i) => pre[i] === b)) {
    if (pre.length === 0) throw new InputError(pos, 'the file is empty: expected a .npy array');
    throw new InputError(pos, 'expected the .npy magic \\x93NUMPY: not a NumPy array file');
  }
  const major = pre[6];
  if (major < 1 || major > 3) throw new InputError({ file: src.name, byteOffset: 6 }, `unsupported .npy format version ${major}.${pre[7]}`);
  const hlen = major === 1 ? pre[8] | (pre[9] << 8) : (pre[8] | (pre[9] << 8) | (pre[10] << 16)) + pre[11] * 16777216;
  const hstart = major === 1 ? 10 : 12;
  if (hlen > 1 << 20) throw new InputError({ file: src.name, byteOffset: 8 }, `expected a .npy header under 1 MiB, got ${hlen} bytes (corrupt?)`);
  // The smallest dict with descr, fortran_order and shape is longer; less is a corrupt length field.
  if (hlen < MIN_NPY_HEADER) throw new InputError({ file: src.name, byteOffset: 8 }, `expected a .npy header length of at least ${MIN_NPY_HEADER} bytes, got ${hlen} (corrupt header length?)`);
  const already = pre.subarray(hstart);
  const more = await src.read(hlen - already.length);
  const hb = new Uint8Array(hlen);
  hb.set(already.subarray(0, Math.min(already.length, hlen)));
  hb.set(more.subarray(0, hlen - Math.min(already.length, hlen)), Math.min(already.length, hlen));
  if (already.length + more.length < hlen) throw new InputError({ file: src.name, byteOffset: hstart }, 'truncated .npy header');
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(hb);
  const hpos = { file: src.name, byteOffset: hstart };
  const descrM = /['"]descr['"]\s*:\s*(['"])([^'"]*)\1/.exec(text);
  if (!descrM) {
    if (/['"]descr['"]\s*:\s*\[/.test(text)) throw new InputError(hpos, `expected a plain numeric array for "${arrayName}", got a structured dtype (record array)`);
    throw new InputError(hpos, `expected a .npy header dict with 'descr', got ${JSON.stringify(text.slice(0, 80))}`);
  }
  const fM = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  const sM = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (!fM || !sM) throw new InputError(hpos, `expected a .npy header dict with 'fortran_order' and 'shape', got ${JSON.stringify(text.slice(0, 80))}`);
  const shape = sM[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => Number(s.replace(/L$/, '')));
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new InputError(hpos, `expected the .npy shape to hold non-negative integers, got (${sM[1].slice(0, 80)})`);
  const dtype = parseDescr(descrM[2], arrayName, hpos);
  return { dtype, shape, fortran: fM[1] === 'True', dataOffset: hstart + hlen };
}

// --------------------------------------------------------------------- zip

/** One member of a zip archive. */
export interface ZipEntry {
  name: string;
  method: number;
  crc: number;
  compSize: number;
  size: number;
  localOffset: number;
}

function u16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}
function u32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 16777216;
}
function u64(b: Uint8Array, o: number): number {
  return u32(b, o) + u32(b, o + 4) * 4294967296;
}

/** Read the central directory of a zip file (zip64 aware). */
export async function readZipDirectory(fh: FileHandle, size: number, name: string): Promise<ZipEntry[]> {
  const pos = { file: name, byteOffset: 0 };
  if (size === 0) throw new InputError(pos, 'the file is empty: expected a zip (.npz) archive');
  const tailLen = Math.min(size, 65557);
  const tail = await readFully(fh, size - tailLen, tailLen);
  if (size >= 4) {
    const head = await readFully(fh, 0, 4);
    if (u32(head, 0) !== 0x04034b50 && u32(head, 0) !== 0x06054b50) throw new InputError(pos, 'expected a zip archive (PK\\x03\\x04): not an .npz file, or corrupt');
  }
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail[i] === 0x50 && tail[i + 1] === 0x4b && tail[i + 2] === 5 && tail[i + 3] === 6) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new InputError({ file: name, byteOffset: size }, 'corrupt zip: no end-of-central-directory record (truncated archive?)');
  let count = u16(tail, eocd + 10);
  let cdSize = u32(tail, eocd + 12);
  let cdOffset = u32(tail, eocd + 16);
  const eocdAbs = size - tailLen + eocd;
  if ((count === 0xffff || cdOffset === 0xffffffff || cdSize === 0xffffffff) && eocd >= 20 && u32(tail, eocd - 20) === 0x07064b50) {
    const recOff = u64(tail, eocd - 20 + 8);
    const rec = await readFully(fh, recOff, 56);
    if (rec.length < 56 || u32(rec, 0) !== 0x06064b50) throw new InputError({ file: name, byteOffset: recOff }, 'corrupt zip: bad zip64 end-of-central-directory record');
    count = u64(rec, 32);
    cdSize = u64(rec, 40);
    cdOffset = u64(rec, 48);
  }
  if (cdOffset + cdSize > eocdAbs || cdSize > 64 << 20) throw new InputError({ file: name, byteOffset: eocdAbs }, 'corrupt zip: central directory out of range (truncated archive?)');
  const cd = await readFully(fh, cdOffset, cdSize);
  const entries: ZipEntry[] = [];
  let o = 0;
  for (let k = 0; k < count; k++) {
    if (o + 46 > cd.length || u32(cd, o) !== 0x02014b50) throw new InputError({ file: name, byteOffset: cdOffset + o }, 'corrupt zip: bad central directory entry');
    const method = u16(cd, o + 10);
    const entryEnd = o + 46 + u16(cd, o + 28) + u16(cd, o + 30) + u16(cd, o + 32);
    if (entryEnd > cd.length) throw new InputError({ file: name, byteOffset: cdOffset + o }, 'corrupt zip: central directory entry runs past the directory (truncated archive?)');
    const crc = u32(cd, o + 16);
    let compSize = u32(cd, o + 20);
    let usize = u32(cd, o + 24);
    const nlen = u16(cd, o + 28);
    const xlen = u16(cd, o + 30);
    const clen = u16(cd, o + 32);
    let localOffset = u32(cd, o + 42);
    const ename = new TextDecoder().decode(cd.subarray(o + 46, o + 46 + nlen));
    let x = o + 46 + nlen;
    const xend = x + xlen;
    while (x + 4 <= xend) {
      const id = u16(cd, x);
      const len = u16(cd, x + 2);
      if (id === 1) {
        let p = x + 4;
        if (x + 4 + len > xend) throw new InputError({ file: name, byteOffset: cdOffset + x }, 'corrupt zip: zip64 extra field runs past its entry');
        if (usize === 0xffffffff) {
          usize = u64(cd, p);
          p += 8;
        }
        if (compSize === 0xffffffff) {
          compSize = u64(cd, p);
          p += 8;
        }
        if (localOffset === 0xffffffff) localOffset = u64(cd, p);
      }
      x += 4 + len;
    }
    entries.push({ name: ename, method, crc, compSize, size: usize, localOffset });
    o = xend + clen;
  }
  return entries;
}

/** The most a deflate stream can expand (258-byte matches from 2-bit codes, RFC 1951). */
const MAX_DEFLATE_RATIO = 1032;

/** Open a member of a zip for streaming reads. */
export async function openZipMember(path: string, fh: FileHandle, fileSize: number, archiveName: string, e: ZipEntry, onBytes: (n: number) => void): Promise<ByteSource> {
  const name = `${archiveName}[${e.name}]`;
  const lh = await readFully(fh, e.localOffset, 30);
  if (lh.length < 30 || u32(lh, 0) !== 0x04034b50) throw new InputError({ file: archiveName, byteOffset: e.localOffset }, `corrupt zip: bad local header for member ${e.name}`);
  const start = e.localOffset + 30 + u16(lh, 26) + u16(lh, 28);
  if (start + e.compSize > fileSize) throw new InputError({ file: archiveName, byteOffset: start }, `corrupt zip: member ${e.name} runs past the end of the file (truncated archive?)`);
  if (e.method === 0) {
    if (e.compSize !== e.size) throw new InputError({ file: archiveName, byteOffset: e.localOffset }, `corrupt zip: stored member ${e.name} has different sizes`);
    return new FileRangeSource(name, fh, start, e.size, e.crc, onBytes, false);
  }
  if (e.method === 8) {
    // Deflate cannot expand more than 1032:1: a larger declared size is a lie, refused before inflating.
    if (e.size > e.compSize * MAX_DEFLATE_RATIO + 1024) {
      throw new InputError({ file: archiveName, byteOffset: e.localOffset }, `corrupt zip: member ${e.name} declares ${e.size} bytes from ${e.compSize} compressed, more than deflate's ${MAX_DEFLATE_RATIO}:1 allows`);
    }
    return new InflateSource(name, path, start, e.compSize, e.size, e.crc, onBytes);
  }
  throw new InputError({ file: archiveName, byteOffset: e.localOffset }, `unsupported zip compression method ${e.method} for member ${e.name} (expected stored or deflated)`);
}

/** Open a plain file as a byte source. */
export async function openFileSource(path: string, name: string, onBytes: (n: number) => void): Promise<ByteSource> {
  const fh = await open(path, 'r');
  const { size } = await fh.stat();
  return new FileRangeSource(name, fh, 0, size, undefined, onBytes, true);
}

/** Parse a safetensors header: tensor table and metadata. */
export async function readSafetensorsHeader(src: ByteSource): Promise<{ tensors: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>; metadata: Record<string, string>; dataStart: number }> {
  const pre = await src.read(8);
  if (pre.length === 0) throw new InputError({ file: src.name, byteOffset: 0 }, 'the file is empty: expected a safetensors file');
  if (pre.length < 8) throw new InputError({ file: src.name, byteOffset: 0 }, 'truncated safetensors header');
  const n = u64(pre, 0);
  if (n < 2 || n > 100 << 20 || n > src.size - 8) throw new InputError({ file: src.name, byteOffset: 0 }, `expected a safetensors header length (u64 little-endian) under 100 MiB and within the file, got ${n}`);
  const hb = await src.read(n);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(hb));
  } catch (e) {
    throw new InputError({ file: src.name, byteOffset: 8 }, `expected a JSON safetensors header, got invalid JSON (${(e as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new InputError({ file: src.name, byteOffset: 8 }, 'expected the safetensors header to be a JSON object');
  const tensors: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> = {};
  let metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(json as Record<string, unknown>)) {
    if (k === '__metadata__') {
      if (v === null) continue;
      if (typeof v !== 'object' || Array.isArray(v) || !Object.values(v).every((x) => typeof x === 'string')) {
        throw new InputError({ file: src.name, byteOffset: 8 }, 'expected __metadata__ to map names to strings');
      }
      metadata = v as Record<string, string>;
      continue;
    }
    const t = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof t !== 'object' || t === null || typeof t.dtype !== 'string' || !Array.isArray(t.shape) || !Array.isArray(t.data_offsets) || t.data_offsets.length !== 2) {
      throw new InputError({ file: src.name, byteOffset: 8 }, `expected tensor ${JSON.stringify(k.slice(0, 80))} to have dtype, shape and data_offsets`);
    }
    if (!t.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
      throw new InputError({ file: src.name, byteOffset: 8 }, `expected the shape of tensor ${JSON.stringify(k.slice(0, 80))} to hold non-negative integers, got ${JSON.stringify(t.shape).slice(0, 80)}`);
    }
    tensors[k] = t as { dtype: string; shape: number[]; data_offsets: [number, number] };
  }
  return { tensors, metadata, dataStart: 8 + n };
}
