// Byte-level decimal number parsing for the text readers: no strings on the fast path.

const POW10: Float64Array = (() => {
  const a = new Float64Array(23);
  for (let i = 0; i < 23; i++) a[i] = Number(`1e${i}`);
  return a;
})();

/** Cursor shared with the caller: where the last {@link parseNumber} stopped. */
export const cursor = { pos: 0, /** true when the field was not a number at all (vs a literal nan/inf). */ malformed: false };

function isDelim(c: number, delim: number): boolean {
  return c === delim || c === 10 || c === 13;
}

/**
 * Parse the decimal number at `cursor.pos` in `b`, stopping at `delim`, `\n`, `\r` or `end`;
 * leaves `cursor.pos` on the stopping byte. Returns NaN with `cursor.malformed = true` when the
 * field is not a number; `nan`, `inf`, `-inf`, `Infinity` parse to NaN / ±Infinity (not malformed).
 * Fast path: Clinger's exact case (<= 15 significant digits, |exponent| <= 22); else `Number()`.
 */
export function parseNumber(b: Uint8Array, end: number, delim: number): number {
  let i = cursor.pos;
  const start = i;
  cursor.malformed = false;
  let neg = false;
  let c = i < end ? b[i] : -1;
  if (c === 45) {
    neg = true;
    c = ++i < end ? b[i] : -1;
  } else if (c === 43) {
    c = ++i < end ? b[i] : -1;
  }
  let mant = 0;
  let sig = 0;
  let exp10 = 0;
  let digits = 0;
  while (i < end) {
    c = b[i];
    const d = c - 48;
    if (d < 0 || d > 9) break;
    if (mant !== 0 || d !== 0) {
      if (sig < 16) {
        mant = mant * 10 + d;
        sig++;
      } else exp10++;
    }
    digits++;
    i++;
  }
  if (i < end && b[i] === 46) {
    i++;
    while (i < end) {
      c = b[i];
      const d = c - 48;
      if (d < 0 || d > 9) break;
      if (mant !== 0 || d !== 0) {
        if (sig < 16) {
          mant = mant * 10 + d;
          sig++;
          exp10--;
        }
      } else exp10--;
      digits++;
      i++;
    }
  }
  if (digits > 0 && i < end && (b[i] === 101 || b[i] === 69)) {
    i++;
    let eneg = false;
    if (i < end && (b[i] === 45 || b[i] === 43)) {
      eneg = b[i] === 45;
      i++;
    }
    let e = 0;
    let ed = 0;
    while (i < end) {
      const d = b[i] - 48;
      if (d < 0 || d > 9) break;
      if (e < 100000) e = e * 10 + d;
      ed++;
      i++;
    }
    if (ed === 0) return slow(b, start, end, delim);
    exp10 += eneg ? -e : e;
  }
  if (digits === 0 || (i < end && !isDelim(b[i], delim)) || sig > 15) return slow(b, start, end, delim);
  cursor.pos = i;
  let v: number;
  if (mant === 0) v = 0;
  else if (exp10 === 0) v = mant;
  else if (exp10 < 0 && exp10 >= -22) v = mant / POW10[-exp10];
  else if (exp10 > 0 && exp10 <= 22) v = mant * POW10[exp10];
  else return slow(b, start, end, delim);
  return neg ? -v : v;
}

function slow(b: Uint8Array, start: number, end: number, delim: number): number {
  let i = start;
  let quoted = false;
  if (i < end && b[i] === 34) {
    quoted = true;
    i++;
    while (i < end && b[i] !== 34 && b[i] !== 10) i++;
    if (i < end && b[i] === 34) i++;
  }
  while (i < end && !isDelim(b[i], delim)) i++;
  cursor.pos = i;
  let s = '';
  for (let k = start; k < i; k++) s += String.fromCharCode(b[k]);
  s = s.trim();
  if (quoted && s.length >= 2 && s.startsWith('"') && s.endsWith('"')) s = s.slice(1, -1).trim();
  const lower = s.toLowerCase();
  if (lower === 'nan' || lower === '-nan' || lower === '+nan') return NaN;
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (s === '' || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) {
    cursor.malformed = true;
    return NaN;
  }
  return Number(s);
}

/** The raw text of bytes [start, end) (for error messages; latin1, capped at 40 characters). */
export function snippet(b: Uint8Array, start: number, end: number): string {
  let s = '';
  const stop = Math.min(end, start + 40);
  for (let k = start; k < stop; k++) {
    const c = b[k];
    s += c >= 32 && c < 127 ? String.fromCharCode(c) : '?';
  }
  return end - start > 40 ? `${s}...` : s;
}

/**
 * The hot path of the CSV reader: plain decimals (`-1.234`, `0.5`, `17`) up to 15 digits with no
 * exponent, parsed in place; anything else goes through {@link parseNumber}. Never returns NaN
 * on the fast path, so callers check `cursor.malformed` only when the result is NaN.
 */
export function fastNumber(b: Uint8Array, to: number, delim: number): number {
  let j = cursor.pos;
  let c = b[j];
  let neg = false;
  if (c === 45) {
    neg = true;
    c = b[++j];
  }
  let m = 0;
  let nd = 0;
  let d = c - 48;
  while (d >= 0 && d <= 9) {
    m = m * 10 + d;
    nd++;
    d = b[++j] - 48;
  }
  let f = 0;
  if (d === -2) {
    d = b[++j] - 48;
    while (d >= 0 && d <= 9) {
      m = m * 10 + d;
      nd++;
      f++;
      d = b[++j] - 48;
    }
  }
  c = b[j];
  if (nd > 0 && nd <= 15 && (j >= to || c === delim || c === 10 || c === 13)) {
    cursor.pos = j;
    const v = f === 0 ? m : m / POW10[f];
    return neg ? -v : v;
  }
  return parseNumber(b, to, delim);
}
