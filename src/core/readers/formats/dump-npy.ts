/**
 * A set of .npy files (one array each): `logits.npy` (or probs/scores) next to `targets.npy`
 * (or labels), optional `epoch.npy`; a shared prefix groups a set (`val_logits.npy` + `val_targets.npy`).
 */
import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { DumpFormatSpec } from '../registry';
import { ARRAY_KEYS, epochFromName, type ArrayDumpSource, type OpenedArrays } from '../dump-source';
import type { ArrayRef } from '../arrays';
import { openFileSource, readNpyHeader, type ByteSource } from '../binary';
import { InputError } from '../errors';
import { isNpy } from './magic';

const NPY_KEY = new RegExp(`^(.*?)[_.-]?(${ARRAY_KEYS.join('|')})$`, 'i');

export function npyKey(file: string): { prefix: string; key: string } | undefined {
  const m = NPY_KEY.exec(basename(file).replace(/\.npy$/i, ''));
  return m ? { prefix: m[1]!, key: m[2]!.toLowerCase() } : undefined;
}

export const npyDump: DumpFormatSpec = {
  id: 'npy',
  label: '.npy set',
  role: 'predictions',
  claims: { extensions: ['.npy'] },
  sniff: (head) => (isNpy(head.bytes) ? 2 : 0),
  example: 'dump/logits.npy + dump/targets.npy (+ dump/epoch.npy), or val_logits.npy + val_targets.npy',
  async source(head) {
    if (!isNpy(head.bytes)) throw new InputError({ file: head.name, byteOffset: 0 }, 'expected the .npy magic \\x93NUMPY: not a NumPy array file');
    const k = npyKey(head.path);
    if (!k) throw new InputError({ file: head.name }, `a .npy file holds one array: name it logits.npy / probs.npy next to targets.npy (optionally epoch.npy), or pass a .npz`);
    const dir = dirname(head.path);
    const members = new Map<string, string>();
    for (const f of (await readdir(dir)).sort()) {
      if (!f.toLowerCase().endsWith('.npy')) continue;
      const fk = npyKey(f);
      if (fk && fk.prefix === k.prefix && !members.has(fk.key)) members.set(fk.key, join(dir, f));
    }
    members.set(k.key, head.path);
    const src: ArrayDumpSource = {
      family: 'arrays',
      format: 'npy',
      paths: [...new Set(members.values())],
      open: async (ctx): Promise<OpenedArrays> => {
        const opened: ByteSource[] = [];
        const refs = new Map<string, ArrayRef>();
        try {
          for (const [key, p] of members) {
            const s = await openFileSource(p, ctx.display(p), ctx.onBytes);
            opened.push(s);
            const h = await readNpyHeader(s, key);
            refs.set(key, { key, src: s, dtype: h.dtype, shape: h.shape, fortran: h.fortran, dataOffset: h.dataOffset });
          }
        } catch (e) {
          for (const s of opened) await s.close();
          throw e;
        }
        return { file: ctx.display(dir), refs, close: async () => { for (const s of opened) await s.close(); } };
      },
    };
    const e = epochFromName(k.prefix) ?? epochFromName(basename(dir));
    if (e !== undefined && /epoch/i.test(k.prefix + basename(dir))) src.nameEpoch = e;
    return src;
  },
};
