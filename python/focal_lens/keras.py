"""Keras: FocalLensKerasCallback predicts a validation set at the end of every epoch and writes it.

    model.fit(x, y, callbacks=[FocalLensKerasCallback("runs/val_preds.jsonl", validation_data=(x_val, y_val),
                                                      alpha=0.25, gamma=2.0)])

Keras models usually end in a sigmoid or softmax, so their outputs are probabilities: with
scores='auto' (the default) the callback looks at the last layer's activation (sigmoid / softmax:
probabilities, written as `probs`; linear: logits) and, when it cannot tell, at the values (any
outside [0, 1]: logits). It logs its choice (logger "focal_lens") and keeps it for the whole run.
A softmax output makes one-hot targets class indices. Epochs are Keras's (0-based). In
multi-worker training only the chief writes (every worker predicts the whole validation set).
"""
from __future__ import annotations

import json
import logging
import os
from typing import Any, Optional, Tuple

from ._framework import base_class
from .writer import FocalLensWriter

__all__ = ["FocalLensKerasCallback", "KerasDumpLogic"]

log = logging.getLogger("focal_lens")


def is_chief() -> bool:
    """False on the non-chief workers of a multi-worker (TF_CONFIG) or launcher (RANK) run."""
    config = os.environ.get("TF_CONFIG")
    if config:
        task = json.loads(config).get("task", {})
        cluster = json.loads(config).get("cluster", {})
        kind, index = task.get("type"), int(task.get("index", 0))
        return kind == "chief" or (kind == "worker" and index == 0 and "chief" not in cluster) or not kind
    return int(os.environ.get("RANK", "0") or 0) == 0


def last_activation(model: Any) -> Optional[str]:
    """Name of the activation of the model's last layer (sigmoid, softmax, linear, ...), if it has one."""
    layers = getattr(model, "layers", None) or []
    activation = getattr(layers[-1], "activation", None) if layers else None
    name = getattr(activation, "__name__", None) or (activation if isinstance(activation, str) else None)
    return str(name) if name else None


class KerasDumpLogic:
    """What FocalLensKerasCallback does, for anything with predict() / predict_on_batch()."""

    def __init__(self, path: str, validation_data: Any, *, batch_size: Optional[int] = None, scores: str = "auto", **settings: Any) -> None:
        if scores not in ("auto", "logits", "probs"):
            raise ValueError(f"scores must be 'auto', 'logits' or 'probs', got {scores!r}")
        self.validation_data = validation_data
        self.batch_size = batch_size
        self.scores = scores
        self.path = path
        self.settings = settings
        # checks the settings now; rebuilt at the first epoch once the score kind is known
        self.writer = FocalLensWriter(path, scores="logits" if scores == "auto" else scores, **settings)

    def predict(self, model: Any) -> Tuple[Any, Any]:
        import numpy as np  # Keras needs numpy, so it is there

        data = self.validation_data
        if isinstance(data, (tuple, list)) and len(data) in (2, 3):
            x, y = data[0], data[1]
            return np.asarray(model.predict(x, batch_size=self.batch_size, verbose=0)), np.asarray(y)
        predictions, targets = [], []
        for batch in data:  # a tf.data.Dataset or any iterable of (x, y[, weights]) batches
            x, y = batch[0], batch[1]
            predictions.append(np.asarray(model.predict_on_batch(x)))
            targets.append(np.asarray(y))
        return np.concatenate(predictions), np.concatenate(targets)

    def choose_scores(self, model: Any, outputs: Any) -> str:
        activation = last_activation(model)
        if activation in ("sigmoid", "softmax"):
            kind, why = "probs", f"the last layer's activation is {activation}"
        elif activation == "linear":
            kind, why = "logits", "the last layer has no activation"
        else:
            import numpy as np

            outside = bool(np.any((outputs < 0) | (outputs > 1)))
            kind = "logits" if outside else "probs"
            why = f"the outputs {'leave' if outside else 'stay within'} [0, 1] (last activation: {activation or 'unknown'})"
        log.info("FocalLensKerasCallback: writing %s to %s (%s)", kind, self.path, why)
        return kind

    def on_epoch_end(self, model: Any, epoch: int) -> None:
        if not is_chief():
            return
        outputs, targets = self.predict(model)
        if self.writer.layout is None:
            settings = dict(self.settings)
            if settings.get("loss") is None and last_activation(model) == "softmax":
                settings["loss"] = "softmax_focal"  # one-hot targets are class indices then
            kind = self.scores if self.scores != "auto" else self.choose_scores(model, outputs)
            self.writer = FocalLensWriter(self.path, scores=kind, **settings)
        self.writer.add(outputs, targets, epoch=int(epoch))
        self.writer.end_epoch()

    def on_train_end(self) -> None:
        self.writer.close()


_Callback = base_class([("keras.callbacks", "Callback"), ("tensorflow.keras.callbacks", "Callback")]) or object


class FocalLensKerasCallback(_Callback):  # type: ignore[misc, valid-type]
    """Keras callback: FocalLensKerasCallback(path, validation_data=(x, y), *, alpha, gamma,
    batch_size=None, scores='auto', **FocalLensWriter options)."""

    def __init__(self, path: str, validation_data: Any, **options: Any) -> None:
        super().__init__()
        self.logic = KerasDumpLogic(path, validation_data, **options)

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        self.logic.on_epoch_end(self.model, epoch)

    def on_train_end(self, logs: Any = None) -> None:
        self.logic.on_train_end()
