"""The float32 text: exact the way Focal Lens reads it, as short as numpy's Dragon4, and the same
on the numpy and the pure-Python paths."""
import json
import math

import numpy as np
import pytest

from focal_lens import _encode as E

NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def texts(values, width=0):
    data, ends = E.encode_floats(values, width)
    starts = np.concatenate(([0], ends[:-1]))
    return [data[s : e - 1].decode() for s, e in zip(starts.tolist(), ends.tolist())], data, ends


def read_back(text):
    """What the reader does: the nearest double, then float32."""
    return np.float32(NON_FINITE.get(text, None) if text in NON_FINITE else float(text))


def random_float32(n, seed):
    """Every bit pattern equally likely: all exponents, subnormals, NaN payloads, infinities."""
    return np.random.default_rng(seed).integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32).view(np.float32)


def digit_count(text):
    mantissa = text.lstrip("-").split("e")[0]
    return len(mantissa.replace(".", "").lstrip("0").rstrip("0"))


@pytest.mark.parametrize("seed", [1, 2])
def test_every_bit_pattern_reads_back_exactly(seed):
    x = random_float32(200_000, seed)
    out, _, _ = texts(x)
    back = np.array([read_back(t) for t in out], dtype=np.float32)
    same = (back.view(np.uint32) == x.view(np.uint32)) | (np.isnan(back) & np.isnan(x))
    assert same.all(), [(out[i], float(x[i])) for i in np.flatnonzero(~same)[:5]]


def test_numpy_and_python_paths_write_the_same_text():
    x = np.concatenate([random_float32(100_000, 3), (np.random.default_rng(4).standard_normal(100_000) * 5).astype(np.float32)])
    out, _, _ = texts(x)
    assert out == E.float32_texts(x.tolist())


def test_as_short_as_dragon4_for_normal_numbers():
    x = random_float32(100_000, 5)
    x = x[np.isfinite(x) & (np.abs(x) >= np.finfo(np.float32).tiny)]
    out, _, _ = texts(x)
    longer = [(t, v) for t, v in zip(out, x) if digit_count(t) != digit_count(np.format_float_scientific(v, unique=True))]
    assert longer == []


def test_special_values():
    x = np.array([0.0, -0.0, 1.0, 0.1, -2.5, 1e-5, 1e-4, 123456789.0, 1e14, 1e15, 3.4028235e38, 1e-13, 1e-14, np.nan, np.inf, -np.inf], dtype=np.float32)
    out, _, _ = texts(x)
    assert out == ["0", "-0", "1", "0.1", "-2.5", "1e-5", "0.0001", "123456790", "100000000000000", "1e15", "3.4028235e38", "1e-13", "1e-14", "NaN", "Infinity", "-Infinity"]


def test_rows_and_spans_are_json():
    x = (np.arange(12, dtype=np.float32) / 8).reshape(4, 3)
    _, data, ends = texts(x, 3)
    assert json.loads(E.span(data, ends, 3, 12, 3)) == x[1:].tolist()
    assert json.loads(E.span(data, ends, 0, 3, 3)) == [x[0].tolist()]
    flat_data, flat_ends = E.encode_floats(x.reshape(-1))
    assert json.loads(E.span(flat_data, flat_ends, 2, 5, 0)) == x.reshape(-1)[2:5].tolist()


def test_ints():
    data, ends = E.encode_ints(np.array([0, 7, 10, 99, 100, 999999999, -3]))
    assert json.loads(E.span(data, ends, 0, 7, 0)) == [0, 7, 10, 99, 100, 999999999, -3]
    with pytest.raises(ValueError, match="up to 999999999"):
        E.encode_ints(np.array([10**9]))


def test_chunks_do_not_change_the_text():
    x = (np.random.default_rng(6).standard_normal(E._CHUNK * 2 + 17) * 3).astype(np.float32).reshape(-1, 1)
    whole, _, _ = texts(x, 0)
    assert len(whole) == x.size
    assert whole[E._CHUNK - 1 : E._CHUNK + 2] == E.float32_texts(x.reshape(-1)[E._CHUNK - 1 : E._CHUNK + 2].tolist())
