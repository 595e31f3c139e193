"""One add() call's scores and targets: converted from torch / numpy / TensorFlow / lists, checked,
and classified as binary, softmax or multi-label; and the buffers an epoch is collected in.

torch is never imported here: a tensor is recognised by its type's module and converted with its
own methods (detach, cpu, float, numpy or tolist). Shapes are checked per batch; value ranges once
per epoch over the whole buffer (a few vectorised passes instead of several numpy calls per batch).
"""
from __future__ import annotations

import math
import sys
from typing import Any, List, Optional, Sequence, Tuple

try:
    import numpy as np
except ImportError:  # pragma: no cover - exercised by the no-numpy test in a subprocess
    np = None  # type: ignore[assignment]

BINARY, SOFTMAX, MULTILABEL = "binary", "softmax", "multilabel"
SOFTMAX_SUM_TOLERANCE = 1e-3  # what the reader accepts for a softmax probability row


class Layout:
    """binary (one score per sample, target 0/1), softmax (C scores, a class index) or multilabel
    (C scores, C 0/1 targets)."""

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


def on_accelerator(x: Any) -> bool:
    """A torch tensor outside the CPU (CUDA, MPS, ...): fetching it waits for the device."""
    return np is not None and _is_torch_tensor(x) and x.device.type != "cpu"


class DeviceBatch:
    """A batch left on the GPU: copies of the tensors (the caller may reuse theirs), shapes checked;
    the values are fetched and checked with the rest of the epoch (FocalLensWriter keeps these)."""

    __slots__ = ("scores", "targets", "layout", "nbytes")

    def __init__(self, scores: Any, targets: Any, *, probs: bool, softmax: Optional[bool]) -> None:
        if not _is_torch_tensor(targets):
            targets = np.array(plain(targets, False))
        s_shape, t_shape = _normalised_shapes(tuple(scores.shape), tuple(targets.shape))
        self.layout = _classify(s_shape, t_shape, softmax, probs)[0]
        self.scores = scores.detach().reshape(s_shape).clone()
        self.targets = targets.detach().reshape(t_shape).clone() if _is_torch_tensor(targets) else targets.reshape(t_shape)
        t = self.targets
        self.nbytes = self.scores.numel() * self.scores.element_size() + (t.numel() * t.element_size() if _is_torch_tensor(t) else t.nbytes)


def fetch(batches: List[DeviceBatch], *, probs: bool, softmax: Optional[bool], ignore_index: Optional[int]) -> Batch:
    """One Batch of device batches: concatenated on the device, fetched once, checked."""
    torch = sys.modules["torch"]
    scores = torch.cat([b.scores for b in batches])
    if all(_is_torch_tensor(b.targets) for b in batches):
        targets = torch.cat([b.targets.to(scores.device) for b in batches])
    else:
        targets = np.concatenate([np.asarray(plain(b.targets, False)) for b in batches])
    return make_batch(scores, targets, probs=probs, softmax=softmax, ignore_index=ignore_index)


def _normalised_shapes(s_shape: Tuple[int, ...], t_shape: Tuple[int, ...]) -> Tuple[Tuple[int, ...], Tuple[int, ...]]:
    """A scalar is one sample; (N, 1) scores are a binary head, with (N, 1) targets then (N,)."""
    if len(s_shape) == 0 or (len(s_shape) == 2 and s_shape[1] == 1):
        s_shape = (s_shape[0] if s_shape else 1,)
    if len(t_shape) == 0 or (len(t_shape) == 2 and t_shape[1] == 1 and len(s_shape) == 1):
        t_shape = (t_shape[0] if t_shape else 1,)
    return s_shape, t_shape


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
    """scores: float32 (n,) or (n, C); targets: integer (n,) class indices or (n, C) 0/1; views of
    the caller's memory where possible (the writer copies them at once). Without numpy both are flat
    Python lists (row-major)."""

    __slots__ = ("scores", "targets", "n", "layout")

    def __init__(self, scores: Any, targets: Any, n: int, layout: Layout) -> None:
        self.scores, self.targets, self.n, self.layout = scores, targets, n, layout


def _shape_error(what: str, shape: Sequence[int]) -> ValueError:
    return ValueError(
        f"{what} has shape {tuple(shape)}: expected (N,) or (N, C); flatten extra dimensions first, "
        "e.g. logits.permute(0, 2, 3, 1).reshape(-1, C) and targets.reshape(-1) for segmentation"
    )


def _classify(s_shape: Tuple[int, ...], t_shape: Tuple[int, ...], softmax: Optional[bool], probs: bool) -> Tuple[Layout, bool]:
    """The layout from the shapes ((N,) binary; (N, C) with (N,) or (N, C) targets), and whether
    (N, C) targets are one-hot rows to turn into indices (softmax_focal)."""
    if len(s_shape) > 2:
        raise _shape_error("probs" if probs else "logits", s_shape)
    if len(t_shape) > 2:
        raise _shape_error("targets", t_shape)
    n, width = s_shape[0], (1 if len(s_shape) == 1 else s_shape[1])
    if t_shape[0] != n:
        raise ValueError(f"got {n} samples of scores but {t_shape[0]} targets (shapes {s_shape} and {t_shape})")
    if len(t_shape) == 2:
        if t_shape[1] != width:
            raise ValueError(f"targets have {t_shape[1]} columns but the scores have {width}")
        if softmax is not True:
            return Layout(MULTILABEL, width), False
    if width == 1:
        if softmax:
            raise ValueError("softmax_focal needs one score per class, got one score per sample (a binary head: use loss='sigmoid_focal')")
        return Layout(BINARY, 1), False
    return Layout(SOFTMAX, width), len(t_shape) == 2


def _label_error(value: Any, position: int) -> ValueError:
    return ValueError(f"targets must be hard labels (class indices or 0/1), got {float(value)!r} at position {position}: soft or smoothed labels cannot be analyzed")


def _one_hot_error(row: int, values: Any) -> ValueError:
    return ValueError(f"softmax_focal needs one class per sample: targets row {row} is {list(values)} (not one-hot); give class indices, or use loss='sigmoid_focal' for multi-label")


def make_batch(scores: Any, targets: Any, *, probs: bool, softmax: Optional[bool], ignore_index: Optional[int]) -> Batch:
    """softmax: True / False when the loss is known, None to infer it from the targets."""
    if np is None:
        return _make_batch_lists(scores, targets, probs=probs, softmax=softmax, ignore_index=ignore_index)
    s = np.asarray(plain(scores, True), dtype=np.float32)
    t = np.asarray(plain(targets, False))
    s_shape, t_shape = _normalised_shapes(s.shape, t.shape)
    s, t = s.reshape(s_shape), t.reshape(t_shape)
    layout, one_hot = _classify(s_shape, t_shape, softmax, probs)
    kind = t.dtype.kind
    if kind == "f":
        flat = t.reshape(-1)
        bad = np.flatnonzero(flat != np.round(flat))
        if bad.size:
            raise _label_error(flat[bad[0]], int(bad[0]))
    elif kind not in "iub":
        raise ValueError(f"targets must be numbers, got dtype {t.dtype}")
    if one_hot:
        bad = np.flatnonzero((t.sum(axis=1) != 1) | (t.min(axis=1) < 0))
        if bad.size:
            raise _one_hot_error(int(bad[0]), t[bad[0]].tolist())
        t = t.argmax(axis=1)
    if ignore_index is not None and t.ndim == 1:
        keep = t != ignore_index
        if not keep.all():
            s, t = s[keep], t[keep]
    return Batch(s, t, s.shape[0], layout)


def _flatten(x: Any, what: str) -> Tuple[List[Any], Tuple[int, ...]]:
    """Row-major values and shape of a number, a list of numbers or a list of equal-length lists."""
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
    return flat, (len(rows), width)


def _make_batch_lists(scores: Any, targets: Any, *, probs: bool, softmax: Optional[bool], ignore_index: Optional[int]) -> Batch:
    s, s_shape = _flatten(plain(scores, True), "logits")
    s = [float(v) for v in s]
    t, t_shape = _flatten(plain(targets, False), "targets")
    s_shape, t_shape = _normalised_shapes(s_shape, t_shape)
    layout, one_hot = _classify(s_shape, t_shape, softmax, probs)
    labels = []
    for i, v in enumerate(t):
        if float(v) != int(v):
            raise _label_error(v, i)
        labels.append(int(v))
    width = layout.width
    if one_hot:
        rows = [labels[i * width : (i + 1) * width] for i in range(s_shape[0])]
        for i, r in enumerate(rows):
            if sum(r) != 1 or min(r) < 0:
                raise _one_hot_error(i, r)
        labels = [r.index(1) for r in rows]
    if ignore_index is not None and layout.kind != MULTILABEL:
        keep = [i for i, v in enumerate(labels) if v != ignore_index]
        if len(keep) != len(labels):
            s = [v for i in keep for v in s[i * width : (i + 1) * width]]
            labels = [labels[i] for i in keep]
    return Batch(s, labels, len(s) // width, layout)


class Columns:
    """One split's samples of an epoch, copied out of the caller's batches into buffers that are
    reused epoch after epoch (fresh memory per batch costs page faults: slower than the copy)."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.n = 0
        if np is None:
            self._scores: Any = []
            self._targets: Any = []
            return
        width = layout.width
        self._scores = np.empty((1024,) if width == 1 else (1024, width), dtype=np.float32)
        multi_hot = layout.kind == MULTILABEL
        self._targets = np.empty((1024, width) if multi_hot else (1024,), dtype=np.int8 if multi_hot else np.int64)

    def append(self, batch: Batch) -> None:
        if np is None:
            self._scores.extend(batch.scores)
            self._targets.extend(batch.targets)
            self.n += batch.n
            return
        stop = self.n + batch.n
        if stop > self._scores.shape[0]:
            capacity = max(stop, 2 * self._scores.shape[0])
            self._scores = _grown(self._scores, self.n, capacity)
            self._targets = _grown(self._targets, self.n, capacity)
        np.copyto(self._scores[self.n : stop], batch.scores, casting="unsafe")
        # multi-label targets are checked to be 0/1 per epoch: clip so a wild value cannot wrap into range
        targets = batch.targets if self.layout.kind != MULTILABEL else np.clip(batch.targets, -1, 2)
        np.copyto(self._targets[self.n : stop], targets, casting="unsafe")
        self.n = stop

    @property
    def scores(self) -> Any:
        """float32 (n,) / (n, C); without numpy a flat list."""
        return self._scores[: self.n] if np is not None else self._scores

    @property
    def targets(self) -> Any:
        """int64 (n,) class indices or int8 (n, C) 0/1; without numpy a flat list."""
        return self._targets[: self.n] if np is not None else self._targets

    def clear(self) -> None:
        self.n = 0
        if np is None:
            self._scores, self._targets = [], []


def _grown(a: Any, used: int, capacity: int) -> Any:
    bigger = np.empty((capacity,) + a.shape[1:], dtype=a.dtype)
    bigger[:used] = a[:used]
    return bigger


def check_values(columns: Columns, probs: bool, rows_sum_to_one: bool) -> Optional[str]:
    """What is wrong with an epoch's values (targets out of range, probabilities outside [0, 1] or
    softmax rows not summing to 1), naming the sample; None when they are fine."""
    layout = columns.layout
    hi = 1 if layout.kind in (BINARY, MULTILABEL) else layout.width - 1
    what = {BINARY: "binary targets", MULTILABEL: "multi-label targets"}.get(layout.kind, f"class indices for {layout.width} classes")
    width = layout.width if layout.kind == MULTILABEL else 1
    bad = _first(columns.targets, lambda t: (t < 0) | (t > hi), lambda v: v < 0 or v > hi)
    if bad is not None:
        value = int(columns.targets.reshape(-1)[bad] if np is not None else columns.targets[bad])
        hint = " (an ignore index? pass ignore_index=-100)" if value < 0 and layout.kind != MULTILABEL else ""
        return f"{what} must be in [0, {hi}], got {value} at sample {bad // width}{hint}"
    if not probs:
        return None
    scores = columns.scores
    bad = _first(scores, lambda s: np.isfinite(s) & ((s < 0) | (s > 1)), lambda v: math.isfinite(v) and not 0 <= v <= 1)
    if bad is not None:
        value = float(scores.reshape(-1)[bad] if np is not None else scores[bad])
        return f"probabilities must be in [0, 1], got {value!r} at sample {bad // layout.width} (logits? use scores='logits')"
    if rows_sum_to_one and layout.kind == SOFTMAX:
        width = layout.width
        if np is not None:
            sums = scores.astype(np.float64).sum(axis=1)
            off = np.flatnonzero(np.isfinite(sums) & (np.abs(sums - 1) > SOFTMAX_SUM_TOLERANCE))
            row = int(off[0]) if off.size else None
            total = float(sums[row]) if row is not None else 0.0
        else:
            row_sums = [math.fsum(scores[i * width : (i + 1) * width]) for i in range(columns.n)]
            row = next((i for i, v in enumerate(row_sums) if math.isfinite(v) and abs(v - 1) > SOFTMAX_SUM_TOLERANCE), None)
            total = row_sums[row] if row is not None else 0.0
        if row is not None:
            return f"softmax probabilities must sum to 1 per sample, sample {row} sums to {total:.6g} (sigmoid outputs? use loss='sigmoid_focal')"
    return None


def _first(values: Any, vector_test: Any, value_test: Any) -> Optional[int]:
    """Index (row-major) of the first value failing the test, or None."""
    if np is not None:
        hits = np.flatnonzero(vector_test(values.reshape(-1)))
        return int(hits[0]) if hits.size else None
    return next((i for i, v in enumerate(values) if value_test(v)), None)


def count_non_finite(scores: Any) -> int:
    if np is not None:
        return int(scores.size - np.count_nonzero(np.isfinite(scores)))
    return sum(1 for v in scores if not math.isfinite(v))
