/** Magic bytes shared by several formats' sniffers. */
export const isGzip = (b: Uint8Array): boolean => b[0] === 0x1f && b[1] === 0x8b;
export const isNpy = (b: Uint8Array): boolean => b[0] === 0x93 && String.fromCharCode(...b.subarray(1, 6)) === 'NUMPY';
export const isZip = (b: Uint8Array): boolean => b[0] === 0x50 && b[1] === 0x4b && (b[2] === 3 || b[2] === 5);
/** safetensors: u64 little-endian header size, then a JSON object. */
export const isSafetensors = (b: Uint8Array): boolean => b.length >= 9 && b[8] === 0x7b && b[6] === 0 && b[7] === 0;

/**
 * The first line of a text head that parses as a JSON object, or null: a damaged line before it
 * (a record cut short, a stray line) does not hide what the file is.
 */
export function firstJsonObject(lines: readonly string[]): Record<string, unknown> | null {
  for (const line of lines) {
    try {
      const v = JSON.parse(line) as unknown;
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      // not JSON: the next line may be
    }
  }
  return null;
}

/** The whole head parsed as one JSON document, or null (a head cut short of the end is not parsed). */
export function wholeJson(text: string | null, complete: boolean): unknown {
  if (text === null || !complete) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
