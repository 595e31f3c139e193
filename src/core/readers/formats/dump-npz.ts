/** NumPy .npz (np.savez / savez_compressed): arrays logits|probs, targets, optional epoch; one file per epoch works too. */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { DumpFormatSpec } from '../registry';
import { ARRAY_KEYS, epochFromName, type ArrayDumpSource, type OpenedArrays } from '../dump-source';
import type { ArrayRef } from '../arrays';
import { openZipMember, readNpyHeader, readZipDirectory, type ByteSource, type ZipEntry } from '../binary';
import { parseMeta } from '../text-reader';
import type { DumpMeta } from '../types';
import { InputError } from '../errors';
import { isZip } from './magic';

/** The largest meta.npy read (a JSON object of settings and class names). */
const MAX_META_BYTES = 1 << 20;

/**
 * The dump's settings from an .npz member `meta.npy`: a 0-d numpy unicode array of JSON text, as
 * the focal_lens writer stores them (np.load(...)['meta'][()] gives the text back).
 */
async function readMetaMember(path: string, fh: FileHandle, size: number, file: string, entries: ZipEntry[]): Promise<DumpMeta | undefined> {
  const e = entries.find((x) => x.name.toLowerCase() === 'meta.npy');
  if (!e) return undefined;
  const at = `${file}[meta.npy]`;
  if (e.size > MAX_META_BYTES) throw new InputError({ file: at }, `expected a small meta.npy (settings as JSON text), got ${e.size} bytes`);
  const src = await openZipMember(path, fh, size, file, e, () => undefined);
  try {
    const h = await readNpyHeaderText(src);
    const descr = /['"]descr['"]\s*:\s*['"]([<>|]?)U(\d+)['"]/.exec(h.text);
    if (!descr || !/['"]shape['"]\s*:\s*\(\s*\)/.test(h.text)) throw new InputError({ file: at, byteOffset: h.dataOffset }, "expected meta.npy to be a 0-d unicode array (np.array(json_text)), got " + JSON.stringify(h.text.slice(0, 80)));
    const chars = Number(descr[2]);
    const data = await src.read(chars * 4);
    if (data.length < chars * 4) throw new InputError({ file: at, byteOffset: h.dataOffset }, `truncated meta.npy: expected ${chars * 4} bytes of text, got ${data.length}`);
    const text = new TextDecoder(descr[1] === '>' ? 'utf-16be' : 'utf-16le').decode(utf32ToUtf16(data, descr[1] === '>')).replace(/\0+$/, '');
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new InputError({ file: at }, `expected meta.npy to hold JSON, got ${JSON.stringify(text.slice(0, 60))} (${(err as Error).message})`);
    }
    return parseMeta(raw, at);
  } finally {
    await src.close();
  }
}

/** UTF-32 code units as UTF-16 (surrogate pairs above the BMP), for TextDecoder. */
function utf32ToUtf16(bytes: Uint8Array, bigEndian: boolean): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const units: number[] = [];
  for (let i = 0; i + 4 <= bytes.length; i += 4) {
    const cp = view.getUint32(i, !bigEndian);
    if (cp > 0xffff) units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
    else units.push(cp);
  }
  const out = new Uint8Array(units.length * 2);
  const ov = new DataView(out.buffer);
  units.forEach((u, i) => ov.setUint16(i * 2, u, !bigEndian));
  return out;
}

/** The header text of a .npy stream and where its data starts (the source is left at the data). */
async function readNpyHeaderText(src: ByteSource): Promise<{ text: string; dataOffset: number }> {
  const pre = await src.read(10);
  if (pre.length < 10 || pre[0] !== 0x93 || String.fromCharCode(...pre.subarray(1, 6)) !== 'NUMPY') throw new InputError({ file: src.name, byteOffset: 0 }, 'expected the .npy magic \\x93NUMPY');
  let hlen = pre[8]! | (pre[9]! << 8);
  let start = 10;
  if (pre[6]! >= 2) {
    const more = await src.read(2);
    hlen = (hlen | (more[0]! << 16)) + more[1]! * 16777216;
    start = 12;
  }
  if (hlen > 4096) throw new InputError({ file: src.name, byteOffset: 8 }, `expected a short .npy header, got ${hlen} bytes`);
  const header = await src.read(hlen);
  if (header.length < hlen) throw new InputError({ file: src.name, byteOffset: start }, 'truncated .npy header');
  return { text: new TextDecoder('latin1').decode(header), dataOffset: start + hlen };
}

export const npzDump: DumpFormatSpec = {
  id: 'npz',
  label: '.npz',
  role: 'predictions',
  claims: { extensions: ['.npz'] },
  sniff(head) {
    if (!isZip(head.bytes)) return 0;
    // the first local header's member name: an .npz holds .npy members
    const nameLen = head.bytes[26]! | (head.bytes[27]! << 8);
    const first = Buffer.from(head.bytes.subarray(30, 30 + nameLen)).toString('latin1');
    return first.toLowerCase().endsWith('.npy') ? 2 : 0;
  },
  example: 'preds/epoch_003.npz with arrays logits [N, C], targets [N] (a folder of them is one run)',
  async source(head) {
    if (!isZip(head.bytes)) throw new InputError({ file: head.name, byteOffset: 0 }, 'expected a zip archive (PK\\x03\\x04): not an .npz file, or corrupt');
    const path = head.path;
    const src: ArrayDumpSource = {
      family: 'arrays',
      format: 'npz',
      paths: [path],
      open: async (ctx): Promise<OpenedArrays> => {
        const file = ctx.display(path);
        const fh: FileHandle = await open(path, 'r');
        const opened: ByteSource[] = [];
        const close = async () => {
          for (const s of opened) await s.close();
          await fh.close();
        };
        try {
          const size = (await fh.stat()).size;
          const entries = await readZipDirectory(fh, size, file);
          const refs = new Map<string, ArrayRef>();
          for (const e of entries) {
            const key = e.name.replace(/\.npy$/i, '').toLowerCase();
            if (!ARRAY_KEYS.includes(key) || refs.has(key)) continue;
            const s = await openZipMember(path, fh, size, file, e, ctx.onBytes);
            opened.push(s);
            const h = await readNpyHeader(s, key);
            refs.set(key, { key, src: s, dtype: h.dtype, shape: h.shape, fortran: h.fortran, dataOffset: h.dataOffset });
          }
          if (refs.size === 0) throw new InputError({ file }, `expected arrays named logits|probs and targets|labels in the .npz, got ${entries.map((e) => e.name).join(', ') || 'no members'}`);
          const meta = await readMetaMember(path, fh, size, file, entries);
          return { file, refs, close, ...(meta ? { meta } : {}) };
        } catch (e) {
          await close();
          throw e;
        }
      },
    };
    src.peekMeta = async (ctx) => {
      const fh = await open(path, 'r');
      try {
        const size = (await fh.stat()).size;
        const file = ctx.display(path);
        return (await readMetaMember(path, fh, size, file, await readZipDirectory(fh, size, file))) ?? {};
      } finally {
        await fh.close();
      }
    };
    if (/epoch/i.test(head.base)) {
      const e = epochFromName(head.base);
      if (e !== undefined) src.nameEpoch = e;
    }
    return src;
  },
};
