"""PyTorch Lightning: FocalLensCallback writes one epoch of records per validation epoch.

    trainer = Trainer(callbacks=[FocalLensCallback("runs/val_preds.jsonl", alpha=0.25, gamma=2.0)])

validation_step returns {"loss": ..., "logits": logits, "targets": y} (or pass get=). Lightning's
sanity-check pass is skipped; each process writes its own shard (rank R > 0: `val_preds.rankR.jsonl`);
a run resumed with `ckpt_path` drops the epochs the dump holds from the resumed epoch on.

The logic lives in LightningDumpLogic, a plain class (testable without Lightning); the callback is a
`lightning.pytorch.Callback` (or `pytorch_lightning.Callback`) subclass that delegates to it.
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Tuple

from ._framework import base_class
from .writer import FocalLensWriter

__all__ = ["FocalLensCallback", "LightningDumpLogic"]

Get = Callable[[Any, Any], Tuple[Any, Any]]


def outputs_scores_targets(outputs: Any, score_key: str) -> Tuple[Any, Any]:
    """(scores, targets) from what validation_step returned: a dict with `logits` (or `probs`) and
    `targets`."""
    if isinstance(outputs, dict) or hasattr(outputs, "keys"):
        keys = list(outputs.keys())
        if score_key in keys and "targets" in keys:
            return outputs[score_key], outputs["targets"]
    else:
        keys = []
    raise ValueError(
        f"FocalLensCallback: validation_step returned {type(outputs).__name__}"
        f"{' with keys ' + ', '.join(map(str, keys)) if keys else ''}; return "
        f"{{'loss': loss, '{score_key}': {score_key}, 'targets': y}}, or pass "
        "get=lambda outputs, batch: (logits, targets)"
    )


class LightningDumpLogic:
    """What FocalLensCallback does, on anything shaped like a Lightning trainer (attributes
    sanity_checking, current_epoch, global_rank, ckpt_path)."""

    def __init__(self, path: str, *, get: Optional[Get] = None, **settings: Any) -> None:
        self.get = get
        self.path = path
        self.settings = settings
        # built now so that wrong settings fail when the callback is built, not after an epoch
        self.writer = FocalLensWriter(path, **settings)

    def on_fit_start(self, trainer: Any) -> None:
        if getattr(trainer, "ckpt_path", None):
            self.writer.resume = True

    def on_validation_batch_end(self, trainer: Any, outputs: Any, batch: Any, dataloader_idx: int = 0) -> None:
        if getattr(trainer, "sanity_checking", False):
            return
        w = self.writer
        if w.layout is None and "rank" not in self.settings:  # first batch: this process's rank names the file
            w.rank = int(getattr(trainer, "global_rank", 0))
        scores, targets = self.get(outputs, batch) if self.get is not None else outputs_scores_targets(outputs, w.scores)
        split = w.split if not dataloader_idx else f"{w.split}_{dataloader_idx}"
        w.add(scores, targets, epoch=int(trainer.current_epoch), split=split)

    def on_validation_epoch_end(self, trainer: Any) -> None:
        if not getattr(trainer, "sanity_checking", False):
            self.writer.end_epoch()

    def teardown(self) -> None:
        """End of fit / validate: close the file; a later trainer.validate() appends with a new writer."""
        if self.writer.layout is not None:
            self.writer.close()
            self.writer = FocalLensWriter(self.path, **self.settings)


_Callback = base_class([("lightning.pytorch", "Callback"), ("pytorch_lightning", "Callback")]) or object


class FocalLensCallback(_Callback):  # type: ignore[misc, valid-type]
    """Lightning callback writing a Focal Lens prediction dump of every validation epoch.

    FocalLensCallback(path, *, alpha, gamma, loss=None, convention=None, classes=None, get=None,
    **FocalLensWriter options). get(outputs, batch) -> (logits, targets) when validation_step does not
    return a dict with `logits` and `targets`.
    """

    def __init__(self, path: str, *, get: Optional[Get] = None, **settings: Any) -> None:
        super().__init__()
        self.logic = LightningDumpLogic(path, get=get, **settings)

    def on_fit_start(self, trainer: Any, pl_module: Any) -> None:
        self.logic.on_fit_start(trainer)

    def on_validation_batch_end(self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int, dataloader_idx: int = 0) -> None:
        self.logic.on_validation_batch_end(trainer, outputs, batch, dataloader_idx)

    def on_validation_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        self.logic.on_validation_epoch_end(trainer)

    def teardown(self, trainer: Any, pl_module: Any, stage: str) -> None:
        self.logic.teardown()
