/**
 * Numbers out of a decoded TensorProto: packed little-endian `tensor_content`, or the typed value
 * lists (where, as TensorFlow reads them, a single value fills the whole shape).
 */
import { DType, type Int64, type TensorMessage } from './schema';

/** Scalars and PR curves are small; a bigger shape is another plugin's data or damage. */
const MAX_TENSOR_VALUES = 1 << 24;

/** Bytes per value in tensor_content, by dtype. */
const CONTENT_BYTES: Record<number, number> = {
  [DType.FLOAT]: 4,
  [DType.DOUBLE]: 8,
  [DType.INT32]: 4,
  [DType.UINT8]: 1,
  [DType.INT16]: 2,
  [DType.INT8]: 1,
  [DType.INT64]: 8,
  [DType.BFLOAT16]: 2,
  [DType.HALF]: 2,
};

export function int64ToNumber(v: Int64): number {
  return typeof v === 'number' ? v : v.toNumber();
}

/** The dims of the tensor's shape ([] for a scalar). */
export function tensorDims(t: TensorMessage): number[] {
  return (t.tensorShape?.dim ?? []).map((d) => int64ToNumber(d.size));
}

/**
 * The tensor's values in row-major order as float64, or a reason why there are none. `fill`: a
 * single listed value fills the whole shape (TensorFlow's reading; PR curves are never written
 * so, and a few bytes would otherwise claim millions of thresholds).
 */
export function tensorValues(t: TensorMessage, fill = true): Float64Array | string {
  const dims = tensorDims(t);
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) return `tensor shape [${dims.join(', ')}] has an unknown dimension`;
  const count = dims.reduce((a, b) => a * b, 1);
  if (count > MAX_TENSOR_VALUES) return `tensor of ${count} values is larger than the ${MAX_TENSOR_VALUES} read`;
  const width = CONTENT_BYTES[t.dtype];
  if (width === undefined) return `tensor dtype ${t.dtype} is not numeric`;
  const content = t.tensorContent;
  if (content.length > 0) {
    if (content.length !== count * width) return `tensor_content has ${content.length} bytes for ${count} values of ${width} bytes`;
    return fromContent(t.dtype, content, count);
  }
  const list = typedList(t);
  if (list.length === count) return Float64Array.from(list, (v) => fromListValue(t.dtype, v));
  if (list.length === 1 && fill) return new Float64Array(count).fill(fromListValue(t.dtype, list[0]!));
  return `tensor has ${list.length} values for shape [${dims.join(', ')}]`;
}

function typedList(t: TensorMessage): ArrayLike<number | Int64> {
  switch (t.dtype) {
    case DType.FLOAT:
      return t.floatVal;
    case DType.DOUBLE:
      return t.doubleVal;
    case DType.INT64:
      return t.int64Val;
    case DType.HALF:
    case DType.BFLOAT16:
      return t.halfVal;
    default:
      return t.intVal;
  }
}

function fromListValue(dtype: number, v: number | Int64): number {
  if (dtype === DType.HALF) return halfToNumber(v as number);
  if (dtype === DType.BFLOAT16) return bfloat16ToNumber(v as number);
  if (dtype === DType.FLOAT) return Math.fround(v as number);
  return int64ToNumber(v);
}

function fromContent(dtype: number, content: Uint8Array, count: number): Float64Array {
  const view = new DataView(content.buffer, content.byteOffset, content.byteLength);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = contentValue(dtype, view, i);
  return out;
}

function contentValue(dtype: number, view: DataView, i: number): number {
  switch (dtype) {
    case DType.FLOAT:
      return view.getFloat32(i * 4, true);
    case DType.DOUBLE:
      return view.getFloat64(i * 8, true);
    case DType.INT32:
      return view.getInt32(i * 4, true);
    case DType.INT16:
      return view.getInt16(i * 2, true);
    case DType.INT8:
      return view.getInt8(i);
    case DType.UINT8:
      return view.getUint8(i);
    case DType.INT64:
      return Number(view.getBigInt64(i * 8, true));
    case DType.HALF:
      return halfToNumber(view.getUint16(i * 2, true));
    default:
      return bfloat16ToNumber(view.getUint16(i * 2, true));
  }
}

/** IEEE 754 binary16 bits to a number. */
export function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** bfloat16 bits (the high half of a float32) to a number. */
export function bfloat16ToNumber(bits: number): number {
  const f = new Float32Array(1);
  new Uint32Array(f.buffer)[0] = (bits & 0xffff) << 16;
  return f[0]!;
}
