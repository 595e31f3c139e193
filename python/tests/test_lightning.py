"""FocalLensCallback: the logic with a stand-in trainer (always), and a real Lightning fit where
Lightning is importable."""
import os
from types import SimpleNamespace

import numpy as np
import pytest

from dumps import read_jsonl, samples_by_epoch
from focal_lens.lightning import FocalLensCallback, LightningDumpLogic


class StandInTrainer(SimpleNamespace):
    """The attributes of lightning.pytorch.Trainer that the callback reads."""

    def __init__(self, **kw):
        super().__init__(**{"sanity_checking": False, "current_epoch": 0, "global_rank": 0, "ckpt_path": None, **kw})


def validation_epoch(logic, trainer, batches, dataloader_idx=0):
    for logits, y in batches:
        logic.on_validation_batch_end(trainer, {"loss": 0.0, "logits": logits, "targets": y}, (None, y), dataloader_idx)
    logic.on_validation_epoch_end(trainer)


def batches(seed):
    r = np.random.default_rng(seed)
    return [(r.standard_normal(8).astype(np.float32), (r.random(8) < 0.5).astype(int)) for _ in range(3)]


def test_one_epoch_per_validation_and_the_sanity_check_skipped(tmp_path):
    logic = LightningDumpLogic(str(tmp_path / "val.jsonl"), alpha=0.25, gamma=2.0)
    trainer = StandInTrainer(sanity_checking=True)
    logic.on_fit_start(trainer)
    validation_epoch(logic, trainer, batches(0))
    assert not (tmp_path / "val.jsonl").exists()
    trainer.sanity_checking = False
    for epoch in range(2):
        trainer.current_epoch = epoch
        validation_epoch(logic, trainer, batches(epoch + 1))
        # written at the end of each validation epoch, before the next training epoch
        logic.writer.wait()
        assert sorted(samples_by_epoch(read_jsonl(tmp_path / "val.jsonl")[1])) == list(range(epoch + 1))
    validation_epoch(logic, trainer, batches(9), dataloader_idx=1)
    logic.teardown()
    _, records = read_jsonl(tmp_path / "val.jsonl")
    assert [(r["epoch"], r["split"]) for r in records] == [(0, "val"), (1, "val"), (1, "val_1")]
    assert samples_by_epoch(records)[0][0] == np.concatenate([y for _, y in batches(1)]).tolist()


def test_rank_resume_and_get(tmp_path):
    path = str(tmp_path / "val.jsonl")
    get = lambda outputs, batch: (outputs, batch[1])  # noqa: E731 - validation_step returns the logits only
    logic = LightningDumpLogic(path, alpha=0.25, gamma=2.0, get=get)
    trainer = StandInTrainer(global_rank=1)
    for logits, y in batches(0):
        logic.on_validation_batch_end(trainer, logits, (None, y))
    logic.on_validation_epoch_end(trainer)
    logic.teardown()
    assert os.path.exists(tmp_path / "val.rank1.jsonl")
    # a run resumed from a checkpoint at epoch 0 rewrites epoch 0
    logic = LightningDumpLogic(path, alpha=0.25, gamma=2.0, get=get)
    trainer = StandInTrainer(global_rank=1, ckpt_path="last.ckpt")
    logic.on_fit_start(trainer)
    with pytest.warns(RuntimeWarning, match="resumed at epoch 0"):
        logic.on_validation_batch_end(trainer, np.zeros(2), (None, [0, 1]))
    logic.teardown()
    assert samples_by_epoch(read_jsonl(tmp_path / "val.rank1.jsonl")[1])[0][0] == [0, 1]


def test_outputs_without_logits_say_how_to_fix_it(tmp_path):
    logic = LightningDumpLogic(str(tmp_path / "v.jsonl"), alpha=0.25, gamma=2.0)
    with pytest.raises(ValueError, match=r"returned dict with keys loss; return \{'loss': loss, 'logits': logits, 'targets': y\}, or pass get="):
        logic.on_validation_batch_end(StandInTrainer(), {"loss": 1.0}, None)
    with pytest.raises(TypeError, match="gamma"):
        LightningDumpLogic(str(tmp_path / "v.jsonl"), alpha=0.25)


def test_callback_delegates_to_the_logic(tmp_path):
    cb = FocalLensCallback(str(tmp_path / "v.jsonl"), alpha=0.25, gamma=2.0)
    trainer = StandInTrainer()
    cb.on_fit_start(trainer, None)
    for i, (logits, y) in enumerate(batches(0)):
        cb.on_validation_batch_end(trainer, None, {"logits": logits, "targets": y}, (None, y), i)
    cb.on_validation_epoch_end(trainer, None)
    cb.teardown(trainer, None, "fit")
    assert sorted(samples_by_epoch(read_jsonl(tmp_path / "v.jsonl")[1])) == [0]


def test_is_a_lightning_callback_in_a_real_fit(tmp_path):
    L = pytest.importorskip("lightning.pytorch", reason="lightning.pytorch is not importable: the stand-in tests above cover the logic")
    import torch

    assert issubclass(FocalLensCallback, L.Callback)

    class Tiny(L.LightningModule):
        def __init__(self):
            super().__init__()
            self.net = torch.nn.Linear(3, 1)

        def training_step(self, batch, _):
            x, y = batch
            return torch.nn.functional.binary_cross_entropy_with_logits(self.net(x).squeeze(1), y)

        def validation_step(self, batch, _):
            x, y = batch
            logits = self.net(x).squeeze(1)
            return {"loss": torch.nn.functional.binary_cross_entropy_with_logits(logits, y), "logits": logits, "targets": y}

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.1)

    data = torch.utils.data.TensorDataset(torch.randn(64, 3), (torch.rand(64) < 0.3).float())
    loader = torch.utils.data.DataLoader(data, batch_size=16)
    trainer = L.Trainer(max_epochs=2, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                        callbacks=[FocalLensCallback(str(tmp_path / "v.jsonl"), alpha=0.25, gamma=2.0)])
    trainer.fit(Tiny(), loader, loader)
    by_epoch = samples_by_epoch(read_jsonl(tmp_path / "v.jsonl")[1])
    assert sorted(by_epoch) == [0, 1] and len(by_epoch[1][0]) == 64
