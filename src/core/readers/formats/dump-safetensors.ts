/** safetensors: tensors named like the .npz arrays; `__metadata__` may carry the loss settings. */
import type { DumpFormatSpec } from '../registry';
import { ARRAY_KEYS, SCORE_LOGIT_KEYS, SCORE_PROB_KEYS, TARGET_KEYS, type ArrayDumpSource, type ArraysContext, type OpenedArrays } from '../dump-source';
import type { ArrayRef } from '../arrays';
import { openFileSource, readSafetensorsHeader, safetensorsDType, type ByteSource } from '../binary';
import { InputError, quoted } from '../errors';
import type { DumpMeta } from '../types';
import { isSafetensors } from './magic';

/**
 * The dump's loss settings from `__metadata__` (string values; JSON values such as "[0.25, 0.75]"
 * are parsed).
 */
export function metaFromStrings(md: Record<string, string>, name: string): DumpMeta {
  const meta: DumpMeta = {};
  const val = (k: string): unknown => {
    const v = md[k];
    if (v === undefined) return undefined;
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  };
  const loss = val('loss');
  if (loss === 'sigmoid_focal' || loss === 'softmax_focal') meta.loss = loss;
  else if (loss !== undefined) throw new InputError({ file: name, byteOffset: 8 }, `expected __metadata__.loss to be "sigmoid_focal" or "softmax_focal", got ${quoted(loss)}`);
  const alpha = val('alpha');
  if (alpha === null || typeof alpha === 'number' || (Array.isArray(alpha) && alpha.every((x) => typeof x === 'number'))) meta.alpha = alpha as number | number[] | null;
  const gamma = val('gamma');
  if (typeof gamma === 'number') meta.gamma = gamma;
  const conv = md.convention;
  if (conv !== undefined) meta.convention = conv;
  const classes = val('classes');
  if (Array.isArray(classes)) meta.classes = classes.map(String);
  if (md.split !== undefined) meta.split = md.split;
  return meta;
}

/** Tensor names in the head's JSON header, without parsing a header cut off by the head's end. */
function tensorNames(head: Uint8Array): string[] {
  const text = Buffer.from(head.subarray(8)).toString('utf8');
  return [...text.matchAll(/"([^"\\]+)"\s*:\s*\{\s*"dtype"/g)].map((m) => m[1]!.toLowerCase());
}

export const safetensorsDump: DumpFormatSpec = {
  id: 'safetensors',
  label: 'safetensors',
  role: 'predictions',
  claims: { extensions: ['.safetensors'] },
  sniff(head) {
    if (!isSafetensors(head.bytes)) return 0;
    // model weights are safetensors too: only a file with scores and targets is a dump
    const names = tensorNames(head.bytes);
    const scores = names.some((n) => SCORE_LOGIT_KEYS.includes(n) || SCORE_PROB_KEYS.includes(n));
    return scores && names.some((n) => TARGET_KEYS.includes(n)) ? 2 : 0;
  },
  example: 'preds.safetensors with tensors logits [N, C], targets [N] and __metadata__ {"alpha": "0.25", "gamma": "2"}',
  async source(head) {
    if (!isSafetensors(head.bytes)) throw new InputError({ file: head.name, byteOffset: 0 }, 'expected a safetensors header (u64 length, then JSON)');
    const path = head.path;
    const read = async (ctx: ArraysContext, withRefs: boolean): Promise<OpenedArrays> => {
      const file = ctx.display(path);
      const opened: ByteSource[] = [];
      const close = async () => {
        for (const s of opened) await s.close();
      };
      try {
        const s = await openFileSource(path, file, withRefs ? ctx.onBytes : () => undefined);
        opened.push(s);
        const h = await readSafetensorsHeader(s);
        const meta = metaFromStrings(h.metadata, file);
        const refs = new Map<string, ArrayRef>();
        if (withRefs) {
          for (const [name, t] of Object.entries(h.tensors)) {
            const key = name.toLowerCase();
            if (!ARRAY_KEYS.includes(key) || refs.has(key)) continue;
            const p = { file, byteOffset: 8 };
            const dtype = safetensorsDType(t.dtype, name, p);
            const [b, e] = t.data_offsets;
            const elems = t.shape.reduce((x: number, y: number) => x * y, 1);
            if (!(Number.isInteger(b) && Number.isInteger(e) && b >= 0 && e >= b) || e - b !== elems * dtype.size) throw new InputError(p, `expected tensor "${name}" data_offsets to span ${elems * dtype.size} bytes, got [${b}, ${e}]`);
            const view = await openFileSource(path, file, ctx.onBytes);
            opened.push(view);
            // a dedicated view positioned at the tensor's start (sequential reads from there)
            view.position = h.dataStart + b;
            refs.set(key, { key, src: view, dtype, shape: t.shape, fortran: false, dataOffset: h.dataStart + b });
          }
        }
        return { file, refs, meta, close };
      } catch (e) {
        await close();
        throw e;
      }
    };
    const src: ArrayDumpSource = {
      family: 'arrays',
      format: 'safetensors',
      paths: [path],
      open: (ctx) => read(ctx, true),
      peekMeta: async (ctx) => {
        const r = await read(ctx, false);
        await r.close();
        return r.meta ?? {};
      },
    };
    return src;
  },
};
