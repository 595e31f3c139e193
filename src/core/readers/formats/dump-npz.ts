/** NumPy .npz (np.savez / savez_compressed): arrays logits|probs, targets, optional epoch; one file per epoch works too. */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { DumpFormatSpec } from '../registry';
import { ARRAY_KEYS, epochFromName, type ArrayDumpSource, type OpenedArrays } from '../dump-source';
import type { ArrayRef } from '../arrays';
import { openZipMember, readNpyHeader, readZipDirectory, type ByteSource } from '../binary';
import { InputError } from '../errors';
import { isZip } from './magic';

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
          return { file, refs, close };
        } catch (e) {
          await close();
          throw e;
        }
      },
    };
    if (/epoch/i.test(head.base)) {
      const e = epochFromName(head.base);
      if (e !== undefined) src.nameEpoch = e;
    }
    return src;
  },
};
