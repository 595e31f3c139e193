// Writers of every dump format the readers take (JSONL, CSV/TSV, gzip, .npy, .npz stored or
// deflated, safetensors), from one small dataset. The fuzzers mutate their output; the unit tests
// use them to build inputs a real writer would not produce (sizes that lie, short members).
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';

/** A small prediction dump: per sample an epoch, a target and C scores. */
export interface Dataset {
  C: number;
  kind: 'logits' | 'probs';
  epochs: number[];
  targets: number[];
  /** N x C, row-major. */
  scores: number[];
}

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

export function jsonl(d: Dataset, opts: { meta?: boolean; batch?: number; classes?: string[] } = {}): string {
  const lines: string[] = [];
  if (opts.meta !== false) {
    const meta: Record<string, unknown> = { loss: d.C === 1 ? 'sigmoid_focal' : 'softmax_focal', alpha: 0.25, gamma: 2 };
    if (d.C > 1) meta.convention = 'uniform';
    if (opts.classes) meta.classes = opts.classes;
    lines.push(JSON.stringify({ meta }));
  }
  const key = d.kind === 'logits' ? 'logits' : 'probs';
  const row = (i: number) => (d.C === 1 ? d.scores[i] : d.scores.slice(i * d.C, (i + 1) * d.C));
  const batch = opts.batch ?? 1;
  for (let i = 0; i < d.targets.length; ) {
    let j = i + 1;
    while (j < d.targets.length && j - i < batch && d.epochs[j] === d.epochs[i]) j++;
    if (batch === 1) lines.push(JSON.stringify({ epoch: d.epochs[i], target: d.targets[i], [key]: row(i) }));
    else {
      const rows = [];
      for (let k = i; k < j; k++) rows.push(row(k));
      lines.push(JSON.stringify({ epoch: d.epochs[i], targets: d.targets.slice(i, j), [key]: rows }));
    }
    i = j;
  }
  return lines.join('\n') + '\n';
}

export function csv(d: Dataset, delimiter = ','): string {
  const p = d.kind === 'logits' ? 'logit' : 'p';
  const cols = d.C === 1 ? [d.kind === 'logits' ? 'logit' : 'prob'] : Array.from({ length: d.C }, (_, k) => `${p}_${k}`);
  const lines = [['epoch', 'target', ...cols].join(delimiter)];
  for (let i = 0; i < d.targets.length; i++) lines.push([d.epochs[i], d.targets[i], ...d.scores.slice(i * d.C, (i + 1) * d.C)].join(delimiter));
  return lines.join('\n') + '\n';
}

export const gzip = (b: Uint8Array | string): Uint8Array => new Uint8Array(gzipSync(typeof b === 'string' ? enc(b) : b));

/** A .npy file (format 1.0) of little-endian data, header padded to 64 bytes like numpy's. */
export function npy(descr: string, shape: number[], data: Uint8Array, fortran = false): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${dims}), }`;
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(10 + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  out.set(enc(header), 10);
  out.set(data, 10 + header.length);
  return out;
}

export const f32 = (v: number[]): Uint8Array => new Uint8Array(Float32Array.from(v).buffer);
export const i64 = (v: number[]): Uint8Array => new Uint8Array(BigInt64Array.from(v.map((x) => BigInt(x))).buffer);

/** The arrays of a dataset as named .npy files (scores float32, targets and epochs int64). */
export function npyArrays(d: Dataset): { name: string; bytes: Uint8Array }[] {
  const N = d.targets.length;
  return [
    { name: d.kind === 'logits' ? 'logits.npy' : 'probs.npy', bytes: npy('<f4', d.C === 1 ? [N] : [N, d.C], f32(d.scores)) },
    { name: 'targets.npy', bytes: npy('<i8', [N], i64(d.targets)) },
    { name: 'epoch.npy', bytes: npy('<i8', [N], i64(d.epochs)) },
  ];
}

export interface ZipMember {
  name: string;
  data: Uint8Array;
  deflate: boolean;
}

/** A zip archive (no zip64) with correct CRCs and sizes, as `np.savez` / `np.savez_compressed` write it. */
export function zip(members: ZipMember[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const m of members) {
    const name = enc(m.name);
    const body = m.deflate ? new Uint8Array(deflateRawSync(m.data)) : m.data;
    const crc = crc32(m.data) >>> 0;
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, 20, true);
    local.setUint16(8, m.deflate ? 8 : 0, true);
    local.setUint32(14, crc, true);
    local.setUint32(18, body.length, true);
    local.setUint32(22, m.data.length, true);
    local.setUint16(26, name.length, true);
    const cd = new DataView(new ArrayBuffer(46));
    cd.setUint32(0, 0x02014b50, true);
    cd.setUint16(4, 20, true);
    cd.setUint16(6, 20, true);
    cd.setUint16(10, m.deflate ? 8 : 0, true);
    cd.setUint32(16, crc, true);
    cd.setUint32(20, body.length, true);
    cd.setUint32(24, m.data.length, true);
    cd.setUint16(28, name.length, true);
    cd.setUint32(42, offset, true);
    parts.push(new Uint8Array(local.buffer), name, body);
    central.push(new Uint8Array(cd.buffer), name);
    offset += 30 + name.length + body.length;
  }
  const cdSize = central.reduce((n, b) => n + b.length, 0);
  const eocd = new DataView(new ArrayBuffer(22));
  eocd.setUint32(0, 0x06054b50, true);
  eocd.setUint16(8, members.length, true);
  eocd.setUint16(10, members.length, true);
  eocd.setUint32(12, cdSize, true);
  eocd.setUint32(16, offset, true);
  return concat([...parts, ...central, new Uint8Array(eocd.buffer)]);
}

/** Where the central directory entry of member k starts (members as given to {@link zip}). */
export function centralEntryOffset(archive: Uint8Array, k: number): number {
  const v = new DataView(archive.buffer, archive.byteOffset, archive.byteLength);
  const eocd = archive.length - 22;
  let o = v.getUint32(eocd + 16, true);
  for (let i = 0; i < k; i++) o += 46 + v.getUint16(o + 28, true) + v.getUint16(o + 30, true) + v.getUint16(o + 32, true);
  return o;
}

export function safetensors(tensors: { name: string; dtype: string; shape: number[]; data: Uint8Array }[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let o = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [o, o + t.data.length] };
    o += t.data.length;
  }
  let json = JSON.stringify(header);
  json = json.padEnd(Math.ceil(json.length / 8) * 8, ' ');
  const len = new DataView(new ArrayBuffer(8));
  len.setBigUint64(0, BigInt(json.length), true);
  return concat([new Uint8Array(len.buffer), enc(json), ...tensors.map((t) => t.data)]);
}

export function safetensorsOf(d: Dataset): Uint8Array {
  const N = d.targets.length;
  return safetensors(
    [
      { name: d.kind, dtype: 'F32', shape: d.C === 1 ? [N] : [N, d.C], data: f32(d.scores) },
      { name: 'targets', dtype: 'I64', shape: [N], data: i64(d.targets) },
      { name: 'epoch', dtype: 'I64', shape: [N], data: i64(d.epochs) },
    ],
    { loss: d.C === 1 ? 'sigmoid_focal' : 'softmax_focal', alpha: '0.25', gamma: '2', ...(d.C > 1 ? { convention: 'uniform' } : {}) },
  );
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
