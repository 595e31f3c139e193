"""JSON text for float32 and small-integer arrays: shortest exact float32 decimals, fast.

Every value is written as the shortest decimal (at most 9 significant digits) that reads back to the
same float32 the way Focal Lens reads it: parsed to the nearest double, then rounded to float32. The
text format is the same on both paths below (so they can check each other):

- `-4 <= e <= 14` (e: the decimal exponent of the leading digit): positional, `0.00123`, `-1.5`,
  `1200`; else exponent form, `1.5e-7`, `3e38`;
- non-finite values as Python's json writes them: `NaN`, `Infinity`, `-Infinity`.

With numpy the digits are found for whole arrays at once and the characters are assembled in a byte
matrix (one template per decimal exponent and digit count): about 0.15 us a value, 4x faster than
Python's own repr() of a float and 15x faster than the Python path below; values the vectorised
path cannot check exactly (|x| < 1e-13 or >= 1e27, where the powers of ten it needs are not exact
doubles) go through the Python path one by one.
"""
from __future__ import annotations

import math
from array import array
from typing import Any, Iterable, List, Sequence, Tuple

try:  # numpy is optional: without it the pure-Python path does the same, slower
    import numpy as np
except ImportError:  # pragma: no cover - exercised by the no-numpy test in a subprocess
    np = None  # type: ignore[assignment]

POSITIONAL_MIN_EXP = -4
POSITIONAL_MAX_EXP = 14
NON_FINITE = {math.inf: "Infinity", -math.inf: "-Infinity"}


def format_decimal(negative: bool, digits: str, exp10: int) -> str:
    """The text of the decimal +-0.d1d2d3... x 10^(exp10+1), digits without trailing zeros."""
    p = len(digits)
    if POSITIONAL_MIN_EXP <= exp10 <= POSITIONAL_MAX_EXP:
        if exp10 >= p - 1:
            body = digits + "0" * (exp10 - p + 1)
        elif exp10 >= 0:
            body = digits[: exp10 + 1] + "." + digits[exp10 + 1 :]
        else:
            body = "0." + "0" * (-exp10 - 1) + digits
    else:
        body = digits[0] + ("." + digits[1:] if p > 1 else "") + "e" + str(exp10)
    return "-" + body if negative else body


def _float32(x: float) -> float:
    return array("f", (x,))[0]


def float32_text(x: float) -> str:
    """Shortest text of float32(x) (x already float32 or not) that reads back to the same float32."""
    f = _float32(x)
    if f != f:
        return "NaN"
    if f in NON_FINITE:
        return NON_FINITE[f]
    negative = math.copysign(1.0, f) < 0
    if f == 0:
        return "-0" if negative else "0"
    # 6 significant digits, trailing zeros stripped, is the shortest text whenever 6 or fewer suffice
    # (a float32's rounding interval is narrower than one unit in the 6th digit); else 7, 8, 9.
    for p in (6, 7, 8, 9):
        s = "%.*e" % (p - 1, abs(f))
        if _float32(float(s)) == abs(f) or p == 9:
            mantissa, _, exp = s.partition("e")
            digits = mantissa.replace(".", "").rstrip("0") or "0"
            return format_decimal(negative, digits, int(exp))
    raise AssertionError("unreachable: 9 significant digits always identify a float32")


def float32_texts(values: Iterable[float]) -> List[str]:
    return [float32_text(v) for v in values]


def join_flat(texts: Sequence[str]) -> str:
    return "[" + ",".join(texts) + "]"


def join_rows(texts: Sequence[str], width: int) -> str:
    rows = [",".join(texts[i : i + width]) for i in range(0, len(texts), width)]
    return "[[" + "],[".join(rows) + "]]"


# ---------------------------------------------------------------------------------------------
# numpy path

if np is not None:
    _POW10_INT = np.array([10**k for k in range(19)], dtype=np.int64)
    # x * _MUL[k + _K0] / _DIV[k + _K0] is x * 10^k in one correctly rounded operation (the other
    # factor is 1) for |k| <= 22: the double the reader's Clinger fast path produces for a decimal.
    _K0 = 64
    _MUL = np.array([10.0**k if 0 <= k <= 22 else 1.0 for k in range(-_K0, _K0)])
    _DIV = np.array([10.0**-k if -22 <= k < 0 else 1.0 for k in range(-_K0, _K0)])
    # the three ASCII digits of 0..999 and a pad byte, as one uint32 each (gathers of 4-byte items are fast)
    _DIGITS3 = np.array(
        [[48 + i // 100, 48 + i // 10 % 10, 48 + i % 10, 0] for i in range(1000)], dtype=np.uint8
    ).view(np.uint32).reshape(-1)
    _SUFFIX = (b",", b"],[")
    _WIDTH = 20  # sign + at most 15 characters of number + a 3-byte suffix, rounded up
    _CHUNK = 65536  # values per vectorised step: the byte matrices stay in the CPU caches


def _scaled(a: Any, k: Any) -> Any:
    i = k + _K0
    return a * _MUL[i] / _DIV[i]


def _shortest(a32: Any) -> Tuple[Any, Any, Any, Any]:
    """For positive finite float32 values: (D, p, e10, exact) with D an int64 of p digits and
    value = D x 10^(e10 - p + 1); exact False where the vectorised check could not decide."""
    a = a32.astype(np.float64)
    e10 = np.floor(np.log10(a)).astype(np.int64)
    # log10 may be off by one at powers of ten; the 9-digit rounding decides
    exact = (e10 >= -13) & (e10 <= 26)  # every power of ten used below is an exact double
    # the others are written one by one (float32_text); give them harmless stand-ins here
    e10 = np.where(exact, e10, 0)
    a = np.where(exact, a, 1.0)
    d9 = np.rint(_scaled(a, 8 - e10))
    e10 += (d9 >= 1e9).astype(np.int64) - (d9 < 1e8).astype(np.int64)
    D = np.zeros(a.shape[0], dtype=np.int64)
    p = np.zeros(a.shape[0], dtype=np.int64)
    # 6 digits with trailing zeros stripped are the shortest text whenever 6 or fewer suffice
    for digits in (9, 8, 7, 6):
        q = e10 - (digits - 1)
        d = np.rint(_scaled(a, -q))
        ok = _scaled(d, q).astype(np.float32) == a32
        D = np.where(ok, d.astype(np.int64), D)
        p = np.where(ok, digits, p)
    exact &= p > 0
    # rounding may carry into one more digit (9.9999995 -> 10.00000): renormalise
    carry = D >= _POW10_INT[p]
    D = np.where(carry, D // 10, D)
    e10 += carry
    exact &= D >= _POW10_INT[np.maximum(p - 1, 0)]  # a leading zero would mean a wrong exponent
    for _ in range(8):
        z = (D % 10 == 0) & (p > 1)
        if not z.any():
            break
        D = np.where(z, D // 10, D)
        p -= z
    return D, p, e10, exact


def _template(e10: int, p: int, last: int) -> Tuple[Any, Any, Any, Any]:
    """One (exponent, digit count, suffix) group: columns filled from the digit matrix and the digit
    each takes, columns of literal bytes and the bytes."""
    # digit j is the placeholder letter 'A' + j (upper case: the exponent's 'e' is a literal)
    text = format_decimal(False, "".join(chr(0x41 + j) for j in range(p)), e10) + _SUFFIX[last].decode()
    digit_cols = [i for i, ch in enumerate(text) if "A" <= ch <= "I"]
    literal_cols = [i for i, ch in enumerate(text) if not "A" <= ch <= "I"]
    return (
        np.array(digit_cols) + 1,
        # digit j sits in column j + j // 3 of the digit matrix (3 digits and a pad byte per group)
        np.array([(ord(text[i]) - 0x41) * 4 // 3 for i in digit_cols]),
        np.array(literal_cols, dtype=np.int64) + 1,
        np.frombuffer(bytes(ord(text[i]) for i in literal_cols), dtype=np.uint8),
    )


_TEMPLATES: dict = {}


def _assemble(negative: Any, D: Any, p: Any, e10: Any, last: Any, special: dict) -> Tuple[bytes, Any]:
    """Bytes of every value followed by its suffix (',' or '],['), and the end offset of each.
    special: index -> text for values written as given (non-finite, or checked one by one)."""
    n = D.shape[0]
    # one byte row per value: column 0 the sign, then the number and its suffix
    key = (((e10 + _K0) * 10 + p) * 2 + last).astype(np.int16)  # 16-bit keys sort by radix
    if special:
        key[np.fromiter(special.keys(), dtype=np.int64, count=len(special))] = -1
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    d9 = D[order] * _POW10_INT[9 - p[order]]  # digits left-aligned: column j is the (j+1)-th digit
    digits = np.stack(
        (_DIGITS3[d9 // 1000000], _DIGITS3[d9 // 1000 % 1000], _DIGITS3[d9 % 1000]), axis=1
    ).view(np.uint8)
    rows = np.zeros((n, _WIDTH), dtype=np.uint8)
    lengths = np.zeros(n, dtype=np.uint8)
    cuts = np.flatnonzero(sorted_key[1:] != sorted_key[:-1]) + 1
    bounds = np.concatenate(([0], cuts, [n]))
    for start, stop in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        k = int(sorted_key[start])
        if k < 0:
            continue
        tpl = _TEMPLATES.get(k)
        if tpl is None:
            tpl = _TEMPLATES[k] = _template(k // 20 - _K0, k // 2 % 10, k % 2)
        digit_cols, digit_src, literal_cols, literal = tpl
        rows[start:stop, digit_cols] = digits[start:stop, digit_src]
        rows[start:stop, literal_cols] = literal
        lengths[start:stop] = len(digit_cols) + len(literal_cols)
    unsorted = np.empty_like(rows)
    unsorted[order] = rows
    unsorted_lengths = np.empty_like(lengths)
    unsorted_lengths[order] = lengths
    for i, text in special.items():
        raw = np.frombuffer((text + _SUFFIX[int(last[i])].decode()).encode(), dtype=np.uint8)
        unsorted[i, 1 : 1 + raw.shape[0]] = raw
        unsorted_lengths[i] = raw.shape[0]
        negative[i] = False  # the text carries its sign
    unsorted[:, 0] = 45  # '-'
    cols = np.arange(_WIDTH, dtype=np.uint8)[None, :]
    mask = (cols >= (~negative).view(np.uint8)[:, None]) & (cols <= unsorted_lengths[:, None])
    return unsorted[mask].tobytes(), unsorted_lengths + negative.astype(np.int64)


def _suffix_kinds(first: int, n: int, width: int) -> Any:
    """0 (',') inside a row, 1 ('],[') after the last value of a row; flat lists (width 0): all 0."""
    if width <= 0:
        return np.zeros(n, dtype=np.int64)
    return ((np.arange(first, first + n) % width) == width - 1).astype(np.int64)


def _float_chunk(v: Any, first: int, width: int) -> Tuple[bytes, Any]:
    n = v.shape[0]
    negative = np.signbit(v)
    a32 = np.abs(v)
    finite = np.isfinite(v)
    D = np.zeros(n, dtype=np.int64)
    p = np.ones(n, dtype=np.int64)
    e10 = np.zeros(n, dtype=np.int64)
    special = {int(i): ("NaN" if v[i] != v[i] else NON_FINITE[float(v[i])]) for i in np.flatnonzero(~finite)}
    nonzero = finite & (a32 != 0)
    if nonzero.all():
        D, p, e10, exact = _shortest(a32)
        inexact = np.flatnonzero(~exact)
    else:
        idx = np.flatnonzero(nonzero)
        d, q, e, exact = _shortest(a32[idx])
        D[idx], p[idx], e10[idx] = d, q, e
        inexact = idx[~exact]
    for i in inexact.tolist():
        special[i] = float32_text(float(v[i]))
    return _assemble(negative, D, p, e10, _suffix_kinds(first, n, width), special)


def _int_chunk(v: Any, first: int, width: int) -> Tuple[bytes, Any]:
    n = v.shape[0]
    negative = v < 0
    D = np.abs(v)
    if n and D.max() >= _POW10_INT[9]:
        raise ValueError(f"integers up to 999999999 are supported, got {int(v[np.argmax(D)])}")
    p = np.ones(n, dtype=np.int64)
    for k in range(1, 9):
        p += D >= _POW10_INT[k]
    return _assemble(negative, D, p, p - 1, _suffix_kinds(first, n, width), {})


def _chunked(encode_chunk: Any, v: Any, width: int) -> Tuple[bytes, Any]:
    parts, lengths = [], []
    for first in range(0, v.shape[0], _CHUNK):
        data, chunk_lengths = encode_chunk(v[first : first + _CHUNK], first, width)
        parts.append(data)
        lengths.append(chunk_lengths)
    ends = np.cumsum(np.concatenate(lengths)) if lengths else np.zeros(0, dtype=np.int64)
    return b"".join(parts), ends


def encode_floats(values: Any, width: int = 0) -> Tuple[bytes, Any]:
    """values: float32 array (any shape, row-major); width: row length for lists of lists, 0 for a
    flat list. Returns (bytes, ends): value i with its suffix is bytes[ends[i-1]:ends[i]]."""
    return _chunked(_float_chunk, np.ascontiguousarray(values, dtype=np.float32).reshape(-1), width)


def encode_ints(values: Any, width: int = 0) -> Tuple[bytes, Any]:
    """Integer arrays (class indices, 0/1 targets) in the same layout as encode_floats."""
    return _chunked(_int_chunk, np.ascontiguousarray(values, dtype=np.int64).reshape(-1), width)


def span(data: bytes, ends: Any, first: int, stop: int, width: int) -> bytes:
    """The JSON list of values [first, stop) (rows of `width` when width > 0)."""
    begin = int(ends[first - 1]) if first > 0 else 0
    end = int(ends[stop - 1])
    if width > 0:
        return b"[[" + data[begin : end - 3] + b"]]"
    return b"[" + data[begin : end - 1] + b"]"
