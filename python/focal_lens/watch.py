"""watch_loss: record what a focal loss is called with during training (detectors, custom loops).

Detection frameworks compute the focal loss inside the model's head, on every anchor, and their
validation loops return boxes, not logits. watch_loss records the loss's own inputs instead:

    handle = watch_loss(head.loss_cls, writer, epoch=lambda: runner.epoch, background=head.num_classes)

- a module (anything with register_forward_hook, e.g. mmdet's FocalLoss, YOLOv5's FocalLoss) gets a
  forward hook; the handle it returns removes it;
- a function (fvcore's sigmoid_focal_loss_jit in Detectron2) is returned wrapped: assign the result
  where the function is looked up.

The first two positional arguments are (logits, targets); a third of shape (N,) is read as per-sample
weights and samples of weight 0 (ignored anchors) are dropped. `background`: class-index targets
equal to it (mmdet: num_classes) are samples of no class, written as all-zero multi-label rows.
`every` records one call in k, `max_samples` a random subset of each recorded call (a detector sees
~100k anchors an image). epoch() gives the number each call is filed under; the writer writes an
epoch when that number changes. A failure to record warns once and stops recording: it never stops
the training.
"""
from __future__ import annotations

import functools
import random
import warnings
from typing import Any, Callable, Optional

from ._batch import np, plain
from .writer import FocalLensWriter

__all__ = ["watch_loss"]


class _Recorder:
    def __init__(self, writer: FocalLensWriter, epoch: Callable[[], Any], every: int, max_samples: Optional[int], background: Optional[int], seed: int) -> None:
        if np is None:
            raise ImportError("watch_loss needs numpy")
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every}")
        self.writer, self.epoch, self.every = writer, epoch, every
        self.max_samples, self.background = max_samples, background
        self.random = random.Random(seed)
        self.calls = 0
        self.failed = False

    def record(self, args: Any) -> None:
        self.calls += 1
        if self.failed or len(args) < 2 or (self.calls - 1) % self.every:
            return
        try:
            self._record(args)
        except Exception as e:  # never stop the training for the dump
            self.failed = True
            warnings.warn(f"watch_loss stopped recording to {self.writer.path}: {e}", RuntimeWarning, stacklevel=3)

    def _record(self, args: Any) -> None:
        scores = np.asarray(plain(args[0], True), dtype=np.float32)
        targets = np.asarray(plain(args[1], False))
        keep = np.ones(scores.shape[0], dtype=bool)
        if len(args) > 2 and args[2] is not None:
            weights = np.asarray(plain(args[2], True))
            if weights.shape == (scores.shape[0],):
                keep &= weights != 0
        if self.background is not None and targets.ndim == 1 and scores.ndim == 2:
            multi_hot = np.zeros(scores.shape, dtype=np.uint8)
            labelled = np.flatnonzero(targets != self.background)
            multi_hot[labelled, targets[labelled].astype(np.int64)] = 1
            targets = multi_hot
        chosen = np.flatnonzero(keep)
        if self.max_samples is not None and chosen.shape[0] > self.max_samples:
            chosen = chosen[sorted(self.random.sample(range(chosen.shape[0]), self.max_samples))]
        self.writer.add(scores[chosen], targets[chosen], epoch=self.epoch())


def watch_loss(
    loss: Any,
    writer: FocalLensWriter,
    *,
    epoch: Callable[[], Any],
    every: int = 1,
    max_samples: Optional[int] = 4096,
    background: Optional[int] = None,
    seed: int = 0,
) -> Any:
    """Record the (logits, targets) a loss module or function is called with into writer.
    Returns the hook handle (module) or the wrapped function (function)."""
    recorder = _Recorder(writer, epoch, every, max_samples, background, seed)
    if hasattr(loss, "register_forward_hook"):
        return loss.register_forward_hook(lambda module, args, output: recorder.record(args))

    @functools.wraps(loss)
    def recorded(*args: Any, **kwargs: Any) -> Any:
        recorder.record(args)
        return loss(*args, **kwargs)

    return recorded
