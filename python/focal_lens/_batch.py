"""One add() call's scores and targets: converted from torch / numpy / TensorFlow / lists, checked,
and classified as binary, softmax or multi-label.

torch is never imported here: a tensor is recognised by its type's module and converted with its
own methods (detach, cpu, float, numpy or tolist).
"""
from __future__ import annotations

import math
from typing import Any, List, Optional, Sequence, Tuple

try:
    import numpy as np
except ImportError:  # pragma: no cover - exercised by the no-numpy test in a subprocess
    np = None  # type: ignore[assignment]

BINARY, SOFTMAX, MULTILABEL = "binary", "softmax", "multilabel"
SOFTMAX_SUM_TOLERANCE = 1e-3  # what the reader accepts for a softmax probability row


class Layout:
    """binary (one score per sample), softmax (C scores, a class index) or multilabel (C scores,
    C 0/1 targets)."""

    __slots__ = ("kind", "width")

    def __init__(self, kind: str, width: int) -> None:
        self.kind = kind
        self.width = width  # score columns: 1 for binary

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Layout) and (self.kind, self.width) == (other.kind, other.width)

    def __repr__(self) -> str:
        return "binary" if self.kind == BINARY else f"{self.kind} with {self.width} classes"


def _is_torch_tensor(x: Any) -> bool:
    return type(x).__module__.split(".")[0] == "torch" and hasattr(x, "detach")


def plain(x: Any, floating: bool) -> Any:
    """numpy array (or nested lists without numpy) from a tensor, array or list."""
    if _is_torch_tensor(x):
        x = x.detach().cpu()
        if floating or x.is_floating_point():
            x = x.float()  # bfloat16 / float16 have no numpy view; the dump is float32 anyway
        return x.numpy() if np is not None else x.tolist()
    if np is not None and not isinstance(x, np.ndarray) and callable(getattr(x, "numpy", None)):
        return x.numpy()  # TensorFlow eager tensors, JAX arrays
    return x


class Batch:
    """scores: float32 (n,) or (n, C); targets: int64 (n,) class indices or uint8 (n, C) 0/1.
    Without numpy both are flat Python lists (row-major)."""

    __slots__ = ("scores", "targets", "n", "layout")

    def __init__(self, scores: Any, targets: Any, n: int, layout: Layout) -> None:
        self.scores, self.targets, self.n, self.layout = scores, targets, n, layout


def _shape_error(what: str, shape: Sequence[int]) -> ValueError:
    return ValueError(
        f"{what} has shape {tuple(shape)}: expected (N,) or (N, C); flatten extra dimensions first, "
        "e.g. logits.permute(0, 2, 3, 1).reshape(-1, C) and targets.reshape(-1) for segmentation"
    )


def make_batch(scores: Any, targets: Any, *, probs: bool, softmax: Optional[bool], ignore_index: Optional[int]) -> Batch:
    """softmax: True / False when the loss is known, None to infer it from the targets."""
    if np is None:
        return _make_batch_lists(scores, targets, probs=probs, softmax=softmax, ignore_index=ignore_index)
    s = np.array(plain(scores, True), dtype=np.float32)
    t = np.array(plain(targets, False))
    if s.ndim == 0:
        s = s.reshape(1)
    if s.ndim == 2 and s.shape[1] == 1:
        s = s.reshape(-1)
    if s.ndim > 2:
        raise _shape_error("logits" if not probs else "probs", s.shape)
    n = s.shape[0]
    width = 1 if s.ndim == 1 else s.shape[1]
    if t.ndim == 0:
        t = t.reshape(1)
    if t.ndim == 2 and t.shape[1] == 1 and width == 1:
        t = t.reshape(-1)
    if t.ndim > 2:
        raise _shape_error("targets", t.shape)
    if t.shape[0] != n:
        raise ValueError(f"got {n} samples of scores but {t.shape[0]} targets (shapes {s.shape} and {t.shape})")
    if t.dtype.kind == "b":
        t = t.astype(np.int64)
    elif t.dtype.kind == "f":
        bad = np.flatnonzero(t.reshape(-1) != np.round(t.reshape(-1)))
        if bad.size:
            raise ValueError(
                f"targets must be hard labels (class indices or 0/1), got {float(t.reshape(-1)[bad[0]])!r} at "
                f"position {int(bad[0])}: soft or smoothed labels cannot be analyzed"
            )
        t = t.astype(np.int64)
    elif t.dtype.kind not in "iu":
        raise ValueError(f"targets must be numbers, got dtype {t.dtype}")
    if t.ndim == 1 and ignore_index is not None:
        keep = t != ignore_index
        if not keep.all():
            s, t = s[keep], t[keep]
            n = s.shape[0]
    if t.ndim == 2:
        if t.shape[1] != width:
            raise ValueError(f"targets have {t.shape[1]} columns but the scores have {width}")
        if softmax is True:
            t = _one_hot_to_index(t)
        else:
            _check_range(t.reshape(-1), 0, 1, "multi-label targets")
            layout = Layout(MULTILABEL, width)
            if probs:
                _check_probs(s, False)
            return Batch(s, t.astype(np.uint8), n, layout)
    if width == 1:
        if softmax:
            raise ValueError("softmax_focal needs one score per class, got one score per sample (a binary head: use loss='sigmoid_focal')")
        _check_range(t, 0, 1, "binary targets")
        layout = Layout(BINARY, 1)
    else:
        _check_range(t, 0, width - 1, f"class indices for {width} classes")
        layout = Layout(SOFTMAX, width)
    if probs:
        _check_probs(s, layout.kind == SOFTMAX and softmax is not False)
    return Batch(s, t.astype(np.int64), n, layout)


def _one_hot_to_index(t: Any) -> Any:
    sums = t.sum(axis=1)
    bad = np.flatnonzero((sums != 1) | (t.min(axis=1) < 0))
    if bad.size:
        raise ValueError(
            f"softmax_focal needs one class per sample: targets row {int(bad[0])} is {t[bad[0]].tolist()} "
            "(not one-hot); give class indices, or use loss='sigmoid_focal' for multi-label"
        )
    return t.argmax(axis=1)


def _check_range(t: Any, lo: int, hi: int, what: str) -> None:
    if t.size and (t.min() < lo or t.max() > hi):
        i = int(np.flatnonzero((t < lo) | (t > hi))[0])
        hint = " (an ignore index? pass ignore_index=-100)" if t.flat[i] < 0 else ""
        raise ValueError(f"{what} must be in [{lo}, {hi}], got {int(t.flat[i])} at position {i}{hint}")


def _check_probs(s: Any, rows_sum_to_one: bool) -> None:
    finite = np.isfinite(s)
    outside = finite & ((s < 0) | (s > 1))
    if outside.any():
        i = int(np.flatnonzero(outside.reshape(-1))[0])
        raise ValueError(f"probabilities must be in [0, 1], got {float(s.reshape(-1)[i])!r} at position {i} (logits? use scores='logits')")
    if rows_sum_to_one and s.ndim == 2:
        sums = s.astype(np.float64).sum(axis=1)
        off = finite.all(axis=1) & (np.abs(sums - 1) > SOFTMAX_SUM_TOLERANCE)
        if off.any():
            i = int(np.flatnonzero(off)[0])
            raise ValueError(
                f"softmax probabilities must sum to 1 per sample, row {i} sums to {sums[i]:.6g} "
                "(sigmoid outputs? use loss='sigmoid_focal')"
            )


def count_non_finite(scores: Any) -> int:
    if np is not None:
        return int(scores.size - np.count_nonzero(np.isfinite(scores)))
    return sum(1 for v in scores if not math.isfinite(v))


# ---------------------------------------------------------------------------------------------
# without numpy: the same checks on flat lists


def _flatten(x: Any, what: str) -> Tuple[List[Any], Tuple[int, ...]]:
    if isinstance(x, (int, float)):
        return [x], (1,)
    rows = list(x)
    if not rows or not isinstance(rows[0], (list, tuple)):
        if any(isinstance(v, (list, tuple)) for v in rows):
            raise ValueError(f"{what}: mixed numbers and lists")
        return rows, (len(rows),)
    width = len(rows[0])
    flat: List[Any] = []
    for i, r in enumerate(rows):
        if not isinstance(r, (list, tuple)) or len(r) != width:
            raise ValueError(f"{what}: row {i} has {len(r) if isinstance(r, (list, tuple)) else 'no'} values, row 0 has {width}")
        if r and isinstance(r[0], (list, tuple)):
            raise _shape_error(what, (len(rows), width, len(r[0])))
        flat.extend(r)
    if width == 1:
        return flat, (len(rows),)
    return flat, (len(rows), width)


def _as_label(v: Any, i: int) -> int:
    f = float(v)
    if f != int(f):
        raise ValueError(f"targets must be hard labels (class indices or 0/1), got {v!r} at position {i}: soft or smoothed labels cannot be analyzed")
    return int(f)


def _make_batch_lists(scores: Any, targets: Any, *, probs: bool, softmax: Optional[bool], ignore_index: Optional[int]) -> Batch:
    s, s_shape = _flatten(plain(scores, True), "logits")
    s = [float(v) for v in s]
    t, t_shape = _flatten(plain(targets, False), "targets")
    t = [_as_label(v, i) for i, v in enumerate(t)]
    n = s_shape[0]
    width = 1 if len(s_shape) == 1 else s_shape[1]
    if t_shape[0] != n:
        raise ValueError(f"got {n} samples of scores but {t_shape[0]} targets")
    if len(t_shape) == 1 and ignore_index is not None:
        keep = [i for i, v in enumerate(t) if v != ignore_index]
        if len(keep) != n:
            s = [v for i in keep for v in s[i * width : (i + 1) * width]]
            t = [t[i] for i in keep]
            n = len(keep)
    if len(t_shape) == 2:
        if t_shape[1] != width:
            raise ValueError(f"targets have {t_shape[1]} columns but the scores have {width}")
        rows = [t[i * width : (i + 1) * width] for i in range(n)]
        if softmax is True:
            for i, r in enumerate(rows):
                if sum(r) != 1 or min(r) < 0:
                    raise ValueError(f"softmax_focal needs one class per sample: targets row {i} is {r} (not one-hot)")
            t = [r.index(1) for r in rows]
        else:
            _check_range_list(t, 0, 1, "multi-label targets")
            if probs:
                _check_probs_list(s, width, False)
            return Batch(s, t, n, Layout(MULTILABEL, width))
    if width == 1:
        if softmax:
            raise ValueError("softmax_focal needs one score per class, got one score per sample (a binary head: use loss='sigmoid_focal')")
        _check_range_list(t, 0, 1, "binary targets")
        layout = Layout(BINARY, 1)
    else:
        _check_range_list(t, 0, width - 1, f"class indices for {width} classes")
        layout = Layout(SOFTMAX, width)
    if probs:
        _check_probs_list(s, width, layout.kind == SOFTMAX and softmax is not False)
    return Batch(s, t, n, layout)


def _check_range_list(t: List[int], lo: int, hi: int, what: str) -> None:
    for i, v in enumerate(t):
        if v < lo or v > hi:
            hint = " (an ignore index? pass ignore_index=-100)" if v < 0 else ""
            raise ValueError(f"{what} must be in [{lo}, {hi}], got {v} at position {i}{hint}")


def _check_probs_list(s: List[float], width: int, rows_sum_to_one: bool) -> None:
    for i, v in enumerate(s):
        if math.isfinite(v) and not 0 <= v <= 1:
            raise ValueError(f"probabilities must be in [0, 1], got {v!r} at position {i} (logits? use scores='logits')")
    if rows_sum_to_one and width > 1:
        for r in range(len(s) // width):
            row = s[r * width : (r + 1) * width]
            if all(math.isfinite(v) for v in row) and abs(sum(row) - 1) > SOFTMAX_SUM_TOLERANCE:
                raise ValueError(f"softmax probabilities must sum to 1 per sample, row {r} sums to {sum(row):.6g} (sigmoid outputs? use loss='sigmoid_focal')")
