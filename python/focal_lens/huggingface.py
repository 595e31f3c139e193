"""Hugging Face Trainer: wrap compute_metrics; each evaluation becomes one epoch of the dump.

    metrics = with_focal_lens(compute_metrics, "runs/val_preds.jsonl", alpha=0.25, gamma=2.0)
    trainer = Trainer(..., compute_metrics=metrics, callbacks=[metrics.callback])

The Trainer gives compute_metrics an EvalPrediction(predictions, label_ids) of the whole evaluation
set. metrics.callback (a TrainerCallback) lets the wrapper read the trainer state: the dump then
numbers evaluations by the Trainer's epoch (state.epoch, 1-based) or, with eval_strategy "steps",
by global step (records keyed "step"). Without the callback, evaluations are numbered 1, 2, 3...
Labels equal to -100 are dropped (token classification); (batch, tokens, classes) predictions are
flattened. Predictions are gathered on every process, so only the main process writes. An
evaluation whose epoch the dump already holds (trainer.evaluate() after training) is skipped with a
warning; a run resumed from a checkpoint replaces the epochs from the resumed one on.
"""
from __future__ import annotations

import warnings
from typing import Any, Callable, Dict, Optional

from ._framework import base_class
from .writer import DuplicateEpochError, FocalLensWriter, detect_rank

__all__ = ["with_focal_lens", "FocalLensComputeMetrics"]


def flatten_eval_prediction(predictions: Any, label_ids: Any) -> Any:
    """(scores, targets) as numpy arrays: the first array of a tuple of outputs, token dimensions
    flattened when the labels are per token."""
    import numpy as np  # transformers needs numpy, so it is there

    if isinstance(predictions, (tuple, list)):
        predictions = predictions[0]
    if isinstance(label_ids, (tuple, list)):
        label_ids = label_ids[0]
    scores, targets = np.asarray(predictions), np.asarray(label_ids)
    if scores.ndim == 3 and targets.ndim == 2 and scores.shape[:2] == targets.shape:
        scores = scores.reshape(-1, scores.shape[-1])
        targets = targets.reshape(-1)
    return scores, targets


class FocalLensComputeMetrics:
    """compute_metrics that also writes each evaluation to a Focal Lens dump."""

    def __init__(self, compute_metrics: Optional[Callable[[Any], Dict[str, Any]]], path: str, **settings: Any) -> None:
        self.compute_metrics = compute_metrics
        self.path = path
        self.settings = {"ignore_index": -100, **settings}
        self.writer = FocalLensWriter(path, **self.settings)  # checks the settings now
        self.args: Any = None
        self.state: Any = None
        self.evaluations = 0
        self.callback = FocalLensStateCallback(self)

    def attach(self, args: Any, state: Any) -> None:
        self.args, self.state = args, state

    def resume(self) -> None:
        """Training (re)starts: when the state was restored from a checkpoint, later epochs are rewritten."""
        if self.state is not None and getattr(self.state, "global_step", 0) > 0 and self.writer.layout is None:
            self.writer.resume = True

    def _by_step(self) -> bool:
        """eval_strategy "steps" (evaluation_strategy before transformers 4.41; an enum or a string)."""
        args = self.args
        strategy = str(getattr(args, "eval_strategy", None) or getattr(args, "evaluation_strategy", None) or "")
        return strategy.split(".")[-1].lower() == "steps"

    def _number(self) -> int:
        state = self.state
        if state is None:
            return self.evaluations
        if self._by_step():
            return int(state.global_step)
        return int(round(float(state.epoch or 0)))

    def _main_process(self) -> bool:
        if self.state is not None and hasattr(self.state, "is_world_process_zero"):
            return bool(self.state.is_world_process_zero)
        return detect_rank() == 0

    def __call__(self, eval_pred: Any) -> Dict[str, Any]:
        self.evaluations += 1
        if self._main_process():
            self.write(eval_pred)
        return self.compute_metrics(eval_pred) if self.compute_metrics is not None else {}

    def write(self, eval_pred: Any) -> None:
        predictions = getattr(eval_pred, "predictions", None)
        label_ids = getattr(eval_pred, "label_ids", None)
        if predictions is None:
            predictions, label_ids = eval_pred[0], eval_pred[1]
        scores, targets = flatten_eval_prediction(predictions, label_ids)
        if self.writer.layout is None and self.state is not None and "epoch_key" not in self.settings and self._by_step():
            self.writer.epoch_key = "step"
        number = self._number()
        try:
            self.writer.add(scores, targets, epoch=number)
        except DuplicateEpochError:
            warnings.warn(
                f"{self.writer.file}: {self.writer.epoch_key} {number} is already in the dump; this evaluation "
                "(after training?) was not written",
                RuntimeWarning,
                stacklevel=2,
            )
            return
        self.writer.end_epoch()


def with_focal_lens(compute_metrics: Optional[Callable[[Any], Dict[str, Any]]], path: str, **settings: Any) -> FocalLensComputeMetrics:
    """Wrap compute_metrics (or None) so every evaluation is also written to the dump at path.
    settings: FocalLensWriter's (alpha, gamma, loss, convention, classes, ...). Pass the result's
    .callback to the Trainer's callbacks so the dump uses the Trainer's epoch numbers."""
    return FocalLensComputeMetrics(compute_metrics, path, **settings)


_TrainerCallback = base_class([("transformers", "TrainerCallback")]) or object


class FocalLensStateCallback(_TrainerCallback):  # type: ignore[misc, valid-type]
    """Hands the Trainer's args and state to a FocalLensComputeMetrics."""

    def __init__(self, owner: FocalLensComputeMetrics) -> None:
        super().__init__()
        self.owner = owner

    def on_init_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.owner.attach(args, state)

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.owner.attach(args, state)
        self.owner.resume()
