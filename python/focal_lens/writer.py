"""FocalLensWriter: the prediction dump Focal Lens analyzes, written from a training loop.

Records of an epoch are kept in memory (float32 buffers, reused from epoch to epoch) until the
epoch is complete, then written in one burst, flushed and fsynced: the file only ever grows by whole
epochs. An epoch is complete when add() sees a new epoch, on end_epoch(), or on close(). The
writing (text encoding, fsync) runs on a background thread while training goes on; at most one
epoch waits for it (the next end_epoch() waits until the previous epoch is written).
"""
from __future__ import annotations

import atexit
import json
import math
import os
import re
import sys
import threading
import warnings
import weakref
import zipfile
from array import array
from typing import Any, Dict, Iterator, List, Optional, Sequence, Set, Tuple, Union

from . import __version__, _encode, _npy
from ._batch import (
    BINARY,
    MULTILABEL,
    SOFTMAX,
    Columns,
    DeviceBatch,
    Layout,
    check_values,
    count_non_finite,
    fetch,
    make_batch,
    np,
    on_accelerator,
)

__all__ = ["FocalLensWriter", "DumpMismatchError", "DuplicateEpochError", "CONVENTIONS", "rank_path", "detect_rank"]

WRITER = f"focal_lens (python) {__version__}"
LOSSES = ("sigmoid_focal", "softmax_focal")
# The alpha conventions of Focal Lens (focal-math section 3). Library names ("torchvision", ...)
# are aliases the analyzer resolves; unknown names are written with a warning, not refused.
# Convention ids, then the library names Focal Lens reads as aliases (src/core/conventions.ts; a test
# keeps the two lists equal).
CONVENTIONS = ("positive", "negative", "class0-alpha", "class0-complement", "uniform", "vector")
LIBRARY_CONVENTIONS = (
    "torchvision", "fvcore", "detectron2", "mmdet", "mmcv", "keras", "kornia", "kornia-old", "monai",
    "focal-loss-pytorch", "ultralytics", "segmentation_models_pytorch", "tensorflow_addons", "fudannlp16", "paper",
)
META_KEYS = ("loss", "alpha", "gamma", "convention", "classes", "split")
FORMATS = ("jsonl", "npz")
SCORES = ("logits", "probs")
EPOCH_KEYS = ("epoch", "step")
# Batches left on a GPU are fetched when the epoch ends, or once they hold this many bytes.
DEVICE_BYTES = 64 << 20
# Samples per JSONL record: a record is one line, and the reader refuses lines over 16 MiB, so wide
# heads get fewer samples per line (about 12 bytes per value: at most ~1 MB a line).
RECORD_VALUES = 65536
RECORD_SAMPLES = 4096

Number = Union[int, float]


class DumpMismatchError(ValueError):
    """The file already holds a dump that this writer cannot extend (other settings or shapes)."""


class DuplicateEpochError(ValueError):
    """add() for an (epoch, split) the dump already holds: a resumed or repeated run, or an epoch
    number that does not change."""


def detect_rank() -> int:
    """The process's global rank: torch.distributed when initialised, else $RANK, else $LOCAL_RANK, else 0."""
    dist = sys.modules.get("torch.distributed")
    if dist is not None and dist.is_available() and dist.is_initialized():
        return int(dist.get_rank())
    for var in ("RANK", "LOCAL_RANK"):
        value = os.environ.get(var, "").strip()
        if value:
            return int(value)
    return 0


def rank_path(path: str, rank: int) -> str:
    """Rank 0 keeps the name; rank R inserts `.rankR` before the file's last extension
    (`val.jsonl` -> `val.rank1.jsonl`, `epoch_003.npz` -> `epoch_003.rank1.npz`, `dump` -> `dump.rank1`)."""
    if rank == 0:
        return path
    head, name = os.path.split(path)
    stem, ext = os.path.splitext(name)
    return os.path.join(head, f"{stem}.rank{rank}{ext}")


def _normalise_alpha(alpha: Any) -> Union[None, float, List[float]]:
    if alpha is None:
        return None
    if isinstance(alpha, (int, float)) and not isinstance(alpha, bool):
        value = float(alpha)
        if not math.isfinite(value):
            raise ValueError(f"alpha must be a finite number, a list of numbers or None, got {alpha!r}")
        return value
    if hasattr(alpha, "tolist"):  # numpy array / torch tensor of alphas
        alpha = alpha.tolist()
    if isinstance(alpha, (int, float)):
        return _normalise_alpha(alpha)
    try:
        values = [float(a) for a in alpha]
    except TypeError:
        raise ValueError(f"alpha must be a number, a list of numbers or None, got {alpha!r}") from None
    if not values or any(not math.isfinite(a) or a < 0 for a in values):
        raise ValueError(f"an alpha list must hold non-negative numbers, got {alpha!r}")
    return values


def _meta_text(meta: Dict[str, Any]) -> str:
    return json.dumps({"meta": meta}, separators=(",", ":"), allow_nan=False)


def _describe(meta: Dict[str, Any]) -> str:
    return ", ".join(f"{k} {json.dumps(meta.get(k))}" for k in META_KEYS if meta.get(k) is not None) or "no settings"


_OPEN_WRITERS: "weakref.WeakSet[FocalLensWriter]" = weakref.WeakSet()


@atexit.register
def _close_at_exit() -> None:
    # A script that ends without close() still gets its last epoch, unless it ended with an uncaught
    # exception (sys.last_value is set then): that epoch may be half-collected, so it is dropped.
    crashed = hasattr(sys, "last_value")
    for writer in list(_OPEN_WRITERS):
        if crashed:
            writer._discard_open_epoch("the program ended with an exception")
        writer.close()


class FocalLensWriter:
    """Writes a Focal Lens prediction dump: per-sample logits (or probabilities) and targets, per epoch.

    Parameters
    ----------
    path: the `.jsonl` file (format 'jsonl'), or the folder of per-epoch `.npz` files (format 'npz').
    alpha, gamma: the loss's settings, as given to the loss (required: the analysis needs them;
        alpha=None when the loss has no alpha).
    loss: 'sigmoid_focal' or 'softmax_focal'; default from the shapes of the first add() (one score
        per sample or multi-label targets: sigmoid; C scores with class indices: softmax).
    convention: what a scalar alpha means (see CONVENTIONS; required for softmax with a scalar alpha).
    classes: class names (binary: [negative, positive]).
    split: the split of the records ('val'); add(split=...) overrides it per call (JSONL only).
    scores: 'logits' (default) or 'probs' (the model's outputs are probabilities).
    rank: the process's rank for DDP (default detect_rank()); rank R > 0 writes rank_path(path, R).
    resume: the run resumed from a checkpoint: records of the first epoch added and later ones that
        the file already holds are dropped before writing (otherwise such an epoch is an error).
    fsync: fsync after each epoch (default True), so a crash loses at most the epoch in progress.
    background: write on a background thread (default True); False writes inside end_epoch().
    epoch_key: 'epoch' (default) or 'step' (the number given to add() counts optimizer steps).
    ignore_index: drop samples whose class-index target equals it (e.g. -100).
    """

    def __init__(
        self,
        path: Union[str, "os.PathLike[str]"],
        *,
        alpha: Any,
        gamma: Number,
        loss: Optional[str] = None,
        convention: Optional[str] = None,
        classes: Optional[Sequence[str]] = None,
        split: str = "val",
        format: str = "jsonl",
        scores: str = "logits",
        rank: Optional[int] = None,
        resume: bool = False,
        fsync: bool = True,
        epoch_key: str = "epoch",
        ignore_index: Optional[int] = None,
        background: bool = True,
    ) -> None:
        self.path = os.fspath(path)
        if format not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
        if format == "npz" and self.path.lower().endswith(".npz"):
            raise ValueError(f"format='npz' writes a folder of per-epoch .npz files: give a folder, not {self.path!r}")
        if loss is not None and loss not in LOSSES:
            raise ValueError(f"loss must be one of {', '.join(LOSSES)}, got {loss!r}")
        if scores not in SCORES:
            raise ValueError(f"scores must be 'logits' or 'probs', got {scores!r}")
        if epoch_key not in EPOCH_KEYS:
            raise ValueError(f"epoch_key must be 'epoch' or 'step', got {epoch_key!r}")
        if isinstance(gamma, bool) or not isinstance(gamma, (int, float)) or not math.isfinite(gamma) or gamma < 0:
            raise ValueError(f"gamma must be a number >= 0, got {gamma!r}")
        if convention is not None and convention not in CONVENTIONS and convention not in LIBRARY_CONVENTIONS:
            warnings.warn(
                f"convention {convention!r} is none of {', '.join(CONVENTIONS)}: written as given; "
                "Focal Lens reads it only if it knows the name",
                stacklevel=2,
            )
        self.alpha = _normalise_alpha(alpha)
        self.gamma = float(gamma)
        self.loss = loss
        self.convention = convention
        self.classes = [str(c) for c in classes] if classes is not None else None
        self.split = str(split)
        self.format = format
        self.scores = scores
        self.rank = rank
        self.resume = resume
        self.fsync = fsync
        self.epoch_key = epoch_key
        self.ignore_index = ignore_index
        self.background = background
        self._check_settings(None)
        self.layout: Optional[Layout] = None
        self.file: Optional[str] = None  # where this rank writes (known at the first add)
        self._sink: Optional[_Sink] = None
        self._epoch: Optional[int] = None
        self._collecting: Dict[str, Columns] = {}  # split -> this epoch's samples, in order of first add
        self._on_device: Dict[str, List[DeviceBatch]] = {}  # split -> batches still on the GPU
        self._on_device_bytes = 0
        self._spare: List[Columns] = []  # buffers of written epochs, for the next ones
        self._written: Set[Tuple[int, str]] = set()
        self._writing: Optional[threading.Thread] = None
        self._write_error: Optional[BaseException] = None
        self._closed = False

    # -- public API -----------------------------------------------------------------------------

    def add(self, logits: Any, targets: Any, *, epoch: int, split: Optional[str] = None) -> None:
        """Add a batch: logits (or probabilities, scores='probs') of shape (N,) or (N, 1) for a binary
        head, (N, C) otherwise; targets (N,) (0/1, or class indices) or (N, C) 0/1 (multi-label;
        one-hot rows under softmax_focal become indices). Tensors, arrays or lists."""
        if self._closed:
            raise ValueError("add() on a closed FocalLensWriter")
        epoch = _as_epoch(epoch)
        split = self.split if split is None else str(split)
        softmax = None if self.loss is None else self.loss == "softmax_focal"
        # GPU tensors stay on the GPU until the epoch ends (a fetch per batch would wait for the GPU
        # every batch): their shapes are checked now, their values with the epoch
        probs = self.scores == "probs"
        try:
            if on_accelerator(logits):
                batch: Any = DeviceBatch(logits, targets, probs=probs, softmax=softmax)
            else:
                batch = make_batch(logits, targets, probs=probs, softmax=softmax, ignore_index=self.ignore_index)
            layout = batch.layout
        except ValueError as e:
            raise ValueError(f"FocalLensWriter.add(epoch={epoch}): {e}") from None
        if self.layout is None:
            self._start(layout, epoch)
        elif layout != self.layout:
            raise ValueError(f"FocalLensWriter.add(epoch={epoch}): this batch is {layout}, earlier batches were {self.layout}")
        if self._epoch is not None and epoch != self._epoch:
            self.end_epoch()
        if (epoch, split) in self._written:
            raise DuplicateEpochError(
                f"{self.file} already holds {self.epoch_key} {epoch} (split {split!r}): pass a number that "
                f"changes each validation, or resume=True when a resumed run repeats {self.epoch_key}s, "
                "or a new path"
            )
        if split != self.split and self.format == "npz":
            raise ValueError("format='npz' holds one split per folder: use one writer per split, or format='jsonl'")
        self._epoch = epoch
        if isinstance(batch, DeviceBatch):
            self._on_device.setdefault(split, []).append(batch)
            self._on_device_bytes += batch.nbytes
            if self._on_device_bytes > DEVICE_BYTES:
                self._fetch_from_device()
        elif batch.n:
            self._collect(split, batch)

    def _collect(self, split: str, batch: Any) -> None:
        columns = self._collecting.get(split)
        if columns is None:
            columns = self._collecting[split] = self._spare.pop() if self._spare else Columns(batch.layout)
        columns.append(batch)

    def _fetch_from_device(self) -> None:
        """The batches kept on the GPU, concatenated there and fetched at once, then checked."""
        kept, self._on_device, self._on_device_bytes = self._on_device, {}, 0
        for split, batches in kept.items():
            try:
                batch = fetch(batches, probs=self.scores == "probs", softmax=self.loss == "softmax_focal", ignore_index=self.ignore_index)
            except ValueError as e:
                self._discard_open_epoch(None)
                raise ValueError(f"FocalLensWriter: {self.epoch_key} {self._epoch} (split {split!r}) was not written: {e}") from None
            if batch.n:
                self._collect(split, batch)

    def end_epoch(self) -> None:
        """The epoch collected so far is complete: write it (call it after each validation loop, so a
        watcher sees the epoch without waiting for the next one); add() and close() do it too."""
        if self._epoch is None:
            return
        if self._on_device:
            self._fetch_from_device()
        epoch, runs = self._epoch, [(split, c) for split, c in self._collecting.items() if c.n]
        if not runs:
            self._epoch, self._collecting = None, {}
            return
        assert self._sink is not None
        rows_sum_to_one = self.loss == "softmax_focal"
        for split, columns in runs:
            problem = check_values(columns, self.scores == "probs", rows_sum_to_one)
            if problem:
                self._discard_open_epoch(None)
                raise ValueError(f"FocalLensWriter: {self.epoch_key} {epoch} (split {split!r}) was not written: {problem}")
        self._epoch, self._collecting = None, {}
        non_finite = sum(count_non_finite(c.scores) for _, c in runs)
        if non_finite:
            warnings.warn(
                f"{self.file}: {self.epoch_key} {epoch} has {non_finite} NaN or infinite scores, written as NaN / "
                "Infinity; focal-lens analyze stops at them (--lenient skips those records)",
                RuntimeWarning,
                stacklevel=2,
            )
        self.wait()
        self._written.update((epoch, split) for split, _ in runs)
        if not self.background:
            self._write(epoch, runs)
            self._raise_write_error()
            return
        self._writing = threading.Thread(target=self._write, args=(epoch, runs), name="focal-lens-writer", daemon=True)
        self._writing.start()

    def wait(self) -> None:
        """Block until the epochs handed over so far are on disk (close() does it too)."""
        if self._writing is not None:
            self._writing.join()
            self._writing = None
        self._raise_write_error()

    def close(self) -> None:
        """Write the last epoch, wait until it is on disk, close the file. Safe to call twice."""
        if self._closed:
            return
        try:
            self.end_epoch()
            self.wait()
        finally:
            self._closed = True
            _OPEN_WRITERS.discard(self)
            if self._sink is not None:
                self._sink.close()

    def __enter__(self) -> "FocalLensWriter":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            self._discard_open_epoch(f"the with-block raised {exc_type.__name__}")
        self.close()

    # -- internals --------------------------------------------------------------------------------

    def _write(self, epoch: int, runs: List[Tuple[str, Columns]]) -> None:
        """Runs on the background thread (or inline): an error is raised by the next call."""
        assert self._sink is not None
        try:
            self._sink.write_epoch(epoch, runs)
        except BaseException as e:  # noqa: B902 - handed to the training thread
            self._write_error = e
        for _, columns in runs:
            columns.clear()
            self._spare.append(columns)

    def _raise_write_error(self) -> None:
        error, self._write_error = self._write_error, None
        if error is not None:
            raise OSError(f"FocalLensWriter: writing to {self.file} failed: {error}") from error

    def _discard_open_epoch(self, why: Optional[str]) -> None:
        """Forget the epoch being collected; why: the warning's reason (None: no warning)."""
        collected = sum(c.n for c in self._collecting.values()) + sum(b.scores.shape[0] for kept in self._on_device.values() for b in kept)
        if collected and why is not None:
            warnings.warn(
                f"{self.file}: dropped {self.epoch_key} {self._epoch} ({collected} samples collected so far) "
                f"because {why}: it may be incomplete. Call end_epoch() after each validation loop to keep "
                "finished epochs.",
                RuntimeWarning,
                stacklevel=3,
            )
        for columns in self._collecting.values():
            columns.clear()
            self._spare.append(columns)
        self._epoch, self._collecting = None, {}
        self._on_device, self._on_device_bytes = {}, 0

    def _check_settings(self, layout: Optional[Layout]) -> None:
        """Settings that contradict each other or the shapes, with the fix in the message."""
        loss, alpha, convention = self.loss, self.alpha, self.convention
        if isinstance(alpha, list):
            if convention not in (None, "vector"):
                raise ValueError(f"an alpha list goes with convention 'vector' (or None), got {convention!r}")
            if layout is not None and len(alpha) != layout.width:
                extra = " (a binary head: pass the scalar alpha)" if layout.width == 1 else ""
                raise ValueError(f"alpha has {len(alpha)} values but the scores have {layout.width} per sample{extra}")
        elif alpha is not None:
            if convention == "vector":
                raise ValueError(f"convention 'vector' needs a list of alphas, got {alpha}")
            if loss == "softmax_focal" and convention is None and alpha >= 0:
                a, rest = alpha, round(1 - alpha, 6)
                raise ValueError(
                    f"alpha {a} is a scalar and the loss is softmax: say what it means with convention="
                    f"'class0-alpha' (class 0 x{a}, others x{rest}; Focal-Loss-Pytorch), 'class0-complement' "
                    f"(class 0 x{rest}, others x{a}; kornia, MONAI) or 'uniform' (every class x{a}; Keras), or pass a list"
                )
        if loss == "sigmoid_focal" and convention in ("class0-alpha", "class0-complement"):
            raise ValueError(f"convention {convention!r} is a softmax convention; a sigmoid focal loss uses 'positive'")
        if self.classes is not None and layout is not None:
            expected = 2 if layout.kind == BINARY else layout.width
            if len(self.classes) != expected:
                what = "a binary head: [negative, positive]" if layout.kind == BINARY else f"{layout.width} score columns"
                raise ValueError(f"classes has {len(self.classes)} names, expected {expected} ({what})")

    def _meta(self) -> Dict[str, Any]:
        meta: Dict[str, Any] = {"loss": self.loss, "alpha": self.alpha, "gamma": self.gamma}
        if self.convention is not None:
            meta["convention"] = self.convention
        if self.classes is not None:
            meta["classes"] = self.classes
        meta["split"] = self.split
        meta["writer"] = WRITER
        return meta

    def _start(self, layout: Layout, epoch: int) -> None:
        if self.loss is None:
            self.loss = "softmax_focal" if layout.kind == SOFTMAX else "sigmoid_focal"
        self._check_settings(layout)
        self.layout = layout
        rank = detect_rank() if self.rank is None else int(self.rank)
        self.rank = rank
        sink_type = _JsonlSink if self.format == "jsonl" else _NpzSink
        self._sink = sink_type(self, rank)
        self.file = self._sink.file
        self._written = self._sink.open(self._meta(), layout, epoch)
        _OPEN_WRITERS.add(self)


def _as_epoch(epoch: Any) -> int:
    if hasattr(epoch, "item"):
        epoch = epoch.item()
    if isinstance(epoch, float) and epoch.is_integer():
        epoch = int(epoch)
    if isinstance(epoch, bool) or not isinstance(epoch, int):
        raise ValueError(f"epoch must be an integer, got {epoch!r}")
    return epoch


def _meta_mismatch(path: str, existing: Dict[str, Any], ours: Dict[str, Any]) -> Optional[DumpMismatchError]:
    differ = [k for k in META_KEYS if existing.get(k) != ours.get(k)]
    if not differ:
        return None
    return DumpMismatchError(
        f"{path} already holds a dump with {_describe({k: existing.get(k) for k in differ})}; this writer has "
        f"{_describe({k: ours.get(k) for k in differ})}: write to a new path, or delete {path} to start over"
    )


# ---------------------------------------------------------------------------------------------
# where the epochs go


class _Sink:
    file: str

    def open(self, meta: Dict[str, Any], layout: Layout, first_epoch: int) -> Set[Tuple[int, str]]:
        """Prepare the destination; returns the (epoch, split) pairs it already holds."""
        raise NotImplementedError

    def write_epoch(self, epoch: int, runs: List[Tuple[str, Columns]]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


def _fsync_dir(folder: str) -> None:
    if hasattr(os, "O_DIRECTORY"):
        fd = os.open(folder or ".", os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _layout_of_record(record: Dict[str, Any]) -> Tuple[Optional[Layout], Optional[str]]:
    """Layout and score kind of a JSONL record."""
    scores, kind = None, None
    for keys, name in ((("logits", "logit", "scores", "score"), "logits"), (("probs", "prob", "p"), "probs")):
        key = next((k for k in keys if k in record), None)
        if key is not None:
            scores, kind = record[key], name
            break
    targets = next((record[k] for k in ("targets", "target", "labels", "label", "y") if k in record), None)
    if not isinstance(scores, list) or not scores or targets is None:
        return None, kind
    if not isinstance(scores[0], list):
        return Layout(BINARY, 1), kind
    multi_hot = isinstance(targets, list) and bool(targets) and isinstance(targets[0], list)
    return Layout(MULTILABEL if multi_hot else SOFTMAX, len(scores[0])), kind


_RECORD_HEAD = re.compile(rb'^\{"(?:epoch|step|iteration)":(-?\d+)(?:,"split":("(?:[^"\\]|\\.)*"))?')


class _Run:
    """Consecutive lines of one (epoch, split) in an existing dump."""

    __slots__ = ("offset", "epoch", "split")

    def __init__(self, offset: int, epoch: int, split: str) -> None:
        self.offset, self.epoch, self.split = offset, epoch, split


class _JsonlSink(_Sink):
    def __init__(self, writer: FocalLensWriter, rank: int) -> None:
        self.writer = writer
        self.file = rank_path(writer.path, rank)
        self.handle: Any = None
        self.meta_line = b""
        self.meta_written = False

    def open(self, meta: Dict[str, Any], layout: Layout, first_epoch: int) -> Set[Tuple[int, str]]:
        folder = os.path.dirname(self.file)
        if folder:
            os.makedirs(folder, exist_ok=True)
        runs: List[_Run] = []
        if os.path.exists(self.file) and os.path.getsize(self.file) > 0:
            runs = self._adopt(meta, layout, first_epoch)
        self.meta_line = (_meta_text(meta) + "\n").encode()
        self.meta_written = os.path.exists(self.file) and os.path.getsize(self.file) > 0
        return {(r.epoch, r.split) for r in runs}

    def _adopt(self, meta: Dict[str, Any], layout: Layout, first_epoch: int) -> List[_Run]:
        """An existing dump: repair a torn last write, check that it matches, list its epochs."""
        w = self.writer
        runs: List[_Run] = []
        existing_meta: Optional[Dict[str, Any]] = None
        first_record: Optional[Dict[str, Any]] = None
        torn: Optional[Tuple[int, bytes]] = None
        with open(self.file, "rb") as f:
            offset = 0
            for number, line in enumerate(f, 1):
                if not line.endswith(b"\n"):
                    torn = (offset, line)
                    break
                if number == 1:
                    existing_meta = self._meta_line(line)
                else:
                    epoch, split = self._epoch_and_split(line, number, existing_meta or {})
                    if first_record is None:
                        first_record = json.loads(line)
                    if not runs or (runs[-1].epoch, runs[-1].split) != (epoch, split):
                        runs.append(_Run(offset, epoch, split))
                offset += len(line)
        if torn is not None:
            runs = self._drop_torn_epoch(runs, *torn)
        if existing_meta is None:  # the file held only the start of a meta line
            return []
        mismatch = _meta_mismatch(self.file, existing_meta, meta)
        if mismatch:
            raise mismatch
        if first_record is not None:
            their_layout, their_scores = _layout_of_record(first_record)
            if their_layout is not None and their_layout != layout:
                raise DumpMismatchError(f"{self.file} holds {their_layout} records; this writer's first batch is {layout}: write to a new path")
            if their_scores is not None and their_scores != w.scores:
                raise DumpMismatchError(f"{self.file} holds {their_scores}; this writer has scores={w.scores!r}: write to a new path")
        if w.resume:
            runs = self._drop_from(runs, first_epoch)
        return runs

    def _meta_line(self, line: bytes) -> Dict[str, Any]:
        try:
            head = json.loads(line)
        except ValueError:
            head = None
        if not isinstance(head, dict) or not isinstance(head.get("meta"), dict):
            raise DumpMismatchError(f"{self.file} exists and does not start with a Focal Lens meta line: write to a new path")
        return head["meta"]

    def _epoch_and_split(self, line: bytes, number: int, meta: Dict[str, Any]) -> Tuple[int, str]:
        m = _RECORD_HEAD.match(line)
        if m:
            return int(m.group(1)), json.loads(m.group(2)) if m.group(2) else str(meta.get("split"))
        try:
            record = json.loads(line)
            epoch = next(record[k] for k in ("epoch", "step", "iteration") if k in record)
            return int(epoch), str(record.get("split", meta.get("split")))
        except (ValueError, StopIteration, TypeError):
            raise DumpMismatchError(f"{self.file}:{number}: not a record this writer can extend (no epoch): write to a new path") from None

    def _drop_torn_epoch(self, runs: List[_Run], torn_offset: int, torn_line: bytes) -> List[_Run]:
        """A write cut short (crash, kill, full disk) leaves an unterminated last line. An epoch is
        written in one burst and is only useful whole: drop the torn line and the complete lines of
        its epoch before it."""
        cut = torn_offset
        head = _RECORD_HEAD.match(torn_line)
        if head is not None:
            epoch = int(head.group(1))
            while runs and runs[-1].epoch == epoch:
                cut = runs.pop().offset
        with open(self.file, "r+b") as f:
            size = f.seek(0, os.SEEK_END)
            f.truncate(cut)
        warnings.warn(
            f"{self.file}: removed an interrupted write ({size - cut} bytes from byte {cut}) so the file stays readable",
            RuntimeWarning,
            stacklevel=7,
        )
        return runs

    def _drop_from(self, runs: List[_Run], first_epoch: int) -> List[_Run]:
        """resume=True: the resumed run writes first_epoch again; drop it and later epochs."""
        w = self.writer
        cut = next((i for i, r in enumerate(runs) if r.epoch >= first_epoch), None)
        if cut is None:
            return runs
        if any(r.epoch < first_epoch for r in runs[cut:]):
            raise DumpMismatchError(f"{self.file}: epochs are not in order, so resume=True cannot drop {w.epoch_key}s >= {first_epoch}")
        dropped = sorted({r.epoch for r in runs[cut:]})
        with open(self.file, "r+b") as f:
            f.truncate(runs[cut].offset)
        warnings.warn(
            f"{self.file}: resumed at {w.epoch_key} {first_epoch}: dropped {w.epoch_key}s {dropped[0]}..{dropped[-1]} the file held",
            RuntimeWarning,
            stacklevel=7,
        )
        return runs[:cut]

    def write_epoch(self, epoch: int, runs: List[Tuple[str, Columns]]) -> None:
        w = self.writer
        if self.handle is None:  # created with the first complete epoch: a watcher never sees an empty file
            self.handle = open(self.file, "ab")
        out = self.handle
        if not self.meta_written:
            out.write(self.meta_line)
            self.meta_written = True
        for split, columns in runs:
            head = b'{"%s":%d,"split":%s,' % (w.epoch_key.encode(), epoch, json.dumps(split).encode())
            for chunk in _record_chunks(columns, w.scores, head):
                out.write(chunk)
        out.flush()
        if w.fsync:
            os.fsync(out.fileno())

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


def _record_chunks(columns: Columns, score_kind: str, head: bytes) -> Iterator[bytes]:
    """The epoch's records of one split (bytes, several lines at a time)."""
    layout, scores, targets, n = columns.layout, columns.scores, columns.targets, columns.n
    width = layout.width
    per_record = max(1, min(RECORD_SAMPLES, RECORD_VALUES // width))
    score_width = width if width > 1 else 0
    target_width = width if layout.kind == MULTILABEL else 0
    key = b'"targets":'
    score_key = b',"%s":' % score_kind.encode()
    # encode about RECORD_VALUES * 4 values at a time: bounded memory, vectorised in numpy
    step = per_record * max(1, (RECORD_VALUES * 4) // (per_record * width))
    for first in range(0, n, step):
        stop = min(n, first + step)
        lines = []
        if np is not None:
            s_data, s_ends = _encode.encode_floats(scores[first:stop], score_width)
            t_data, t_ends = _encode.encode_ints(targets[first:stop], target_width)
            for a in range(0, stop - first, per_record):
                b = min(stop - first, a + per_record)
                lines.append(head + key + _encode.span(t_data, t_ends, a * max(1, target_width), b * max(1, target_width), target_width)
                             + score_key + _encode.span(s_data, s_ends, a * width, b * width, score_width) + b"}\n")
        else:
            for a in range(first, stop, per_record):
                b = min(stop, a + per_record)
                s_text = _encode.float32_texts(scores[a * width : b * width])
                t_text = [str(int(v)) for v in targets[a * max(1, target_width) : b * max(1, target_width)]]
                s_json = _encode.join_rows(s_text, width) if score_width else _encode.join_flat(s_text)
                t_json = _encode.join_rows(t_text, width) if target_width else _encode.join_flat(t_text)
                lines.append(head + key + t_json.encode() + score_key + s_json.encode() + b"}\n")
        yield b"".join(lines)


class _NpzSink(_Sink):
    """A folder of per-epoch `.npz` files (`epoch_003.npz`, rank R: `epoch_003.rankR.npz`), each written
    to a hidden temporary name and renamed into place: a reader never sees a partial file."""

    def __init__(self, writer: FocalLensWriter, rank: int) -> None:
        self.writer = writer
        self.rank = rank
        self.folder = writer.path
        self.file = writer.path

    def _name(self, epoch: int) -> str:
        return rank_path(f"{self.writer.epoch_key}_{epoch:03d}.npz", self.rank)

    def _files(self, hidden: bool) -> Dict[int, str]:
        """This rank's per-epoch files (hidden: the temporaries of interrupted writes) by epoch."""
        rank = re.escape(f".rank{self.rank}") if self.rank else ""
        pattern = re.compile(rf"^{re.escape('.' if hidden else '')}{self.writer.epoch_key}_(-?\d+){rank}\.npz{re.escape('.tmp' if hidden else '')}$")
        found = {}
        for name in os.listdir(self.folder):
            m = pattern.match(name)
            if m:
                found[int(m.group(1))] = os.path.join(self.folder, name)
        return found

    def open(self, meta: Dict[str, Any], layout: Layout, first_epoch: int) -> Set[Tuple[int, str]]:
        w = self.writer
        if os.path.isfile(self.folder):
            raise DumpMismatchError(f"{self.folder} is a file; format='npz' writes a folder of per-epoch .npz files")
        os.makedirs(self.folder, exist_ok=True)
        self.meta = meta
        for tmp in self._files(hidden=True).values():
            os.remove(tmp)
        existing = self._files(hidden=False)
        if existing:
            newest = existing[max(existing)]
            their_meta, their_layout, their_scores = _read_npz_head(newest)
            mismatch = _meta_mismatch(newest, their_meta, meta)
            if mismatch:
                raise mismatch
            if their_layout != layout:
                raise DumpMismatchError(f"{newest} holds {their_layout}; this writer's first batch is {layout}: write to a new folder")
            if their_scores != w.scores:
                raise DumpMismatchError(f"{newest} holds {their_scores}; this writer has scores={w.scores!r}: write to a new folder")
            if w.resume:
                for epoch in [e for e in existing if e >= first_epoch]:
                    os.remove(existing.pop(epoch))
        return {(e, w.split) for e in existing}

    def write_epoch(self, epoch: int, runs: List[Tuple[str, Columns]]) -> None:
        w = self.writer
        ((_, columns),) = runs  # one split per folder
        layout, n, width = columns.layout, columns.n, columns.layout.width
        final = os.path.join(self.folder, self._name(epoch))
        tmp = os.path.join(self.folder, "." + self._name(epoch) + ".tmp")
        score_shape: Tuple[int, ...] = (n,) if layout.kind == BINARY else (n, width)
        if layout.kind == MULTILABEL:
            target_descr, target_shape, target_code = "|u1", (n, width), "B"
        else:
            target_descr, target_shape, target_code = "<i8", (n,), "q"
        with open(tmp, "wb") as raw:
            with zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
                _write_member(zf, w.scores + ".npy", _npy.header("<f4", score_shape), [_le_bytes(columns.scores, "f")])
                _write_member(zf, "targets.npy", _npy.header(target_descr, target_shape), [_le_bytes(columns.targets, target_code)])
                epochs = [epoch] * n if np is None else np.full(n, epoch, dtype=np.int64)
                _write_member(zf, "epoch.npy", _npy.header("<i8", (n,)), [_le_bytes(epochs, "q")])
                zf.writestr("meta.npy", _npy.text_array(json.dumps(self.meta)))
            if w.fsync:
                raw.flush()
                os.fsync(raw.fileno())
        os.replace(tmp, final)
        if w.fsync:
            _fsync_dir(self.folder)


def _le_bytes(values: Any, code: str) -> bytes:
    """Little-endian bytes of a numpy array or a flat list (array module codes f, q, B)."""
    if np is not None and isinstance(values, np.ndarray):
        dtype = {"f": "<f4", "q": "<i8", "B": "|u1"}[code]
        return np.ascontiguousarray(values, dtype=dtype).tobytes()
    a = array(code, values)
    if sys.byteorder == "big" and code != "B":
        a.byteswap()
    return a.tobytes()


def _write_member(zf: zipfile.ZipFile, name: str, header: bytes, parts: List[bytes]) -> None:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.file_size = len(header) + sum(len(p) for p in parts)
    with zf.open(info, "w") as member:
        member.write(header)
        for p in parts:
            member.write(p)


def _read_npz_head(path: str) -> Tuple[Dict[str, Any], Optional[Layout], Optional[str]]:
    """meta, layout and score kind of a per-epoch .npz this writer wrote."""
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        if "meta.npy" not in names:
            raise DumpMismatchError(f"{path} has no meta.npy: not written by FocalLensWriter; write to a new folder")
        with zf.open("meta.npy") as f:
            meta = json.loads(_npy.read_text_array(f))
        score_kind = next((k for k in SCORES if k + ".npy" in names), None)
        layout = None
        if score_kind is not None and "targets.npy" in names:
            with zf.open(score_kind + ".npy") as f:
                s_shape = _npy.read_header(f)["shape"]
            with zf.open("targets.npy") as f:
                t_shape = _npy.read_header(f)["shape"]
            if len(s_shape) == 1:
                layout = Layout(BINARY, 1)
            else:
                layout = Layout(MULTILABEL if len(t_shape) == 2 else SOFTMAX, s_shape[1])
    return meta, layout, score_kind
