"""with_focal_lens: the logic with stand-in EvalPrediction / TrainerState objects (always), and a
real Trainer where transformers is importable."""
from types import SimpleNamespace

import numpy as np
import pytest

from dumps import read_jsonl, samples_by_epoch
from focal_lens.huggingface import with_focal_lens

RNG = np.random.default_rng(0)


def eval_prediction(n=12, classes=3):
    """Stand-in for transformers.EvalPrediction."""
    return SimpleNamespace(predictions=RNG.standard_normal((n, classes)).astype(np.float32), label_ids=np.arange(n) % classes)


def stand_in_state(**kw):
    """Stand-in for transformers.TrainerState."""
    return SimpleNamespace(**{"epoch": 0.0, "global_step": 0, "is_world_process_zero": True, **kw})


def test_epochs_from_the_trainer_state_and_metrics_passed_through(tmp_path):
    metrics = with_focal_lens(lambda p: {"n": len(p.label_ids)}, str(tmp_path / "hf.jsonl"), alpha=[0.2, 0.3, 0.5], gamma=2.0)
    args, state = SimpleNamespace(eval_strategy="epoch"), stand_in_state()
    metrics.callback.on_init_end(args, state, None)
    metrics.callback.on_train_begin(args, state, None)
    for epoch in (1.0, 2.0):
        state.epoch, state.global_step = epoch, int(epoch * 50)
        assert metrics(eval_prediction()) == {"n": 12}
        # each evaluation is handed to the writer when compute_metrics returns
        metrics.writer.wait()
        assert sorted(samples_by_epoch(read_jsonl(tmp_path / "hf.jsonl")[1])) == list(range(1, int(epoch) + 1))
    with pytest.warns(RuntimeWarning, match="epoch 2 is already in the dump"):
        metrics(eval_prediction())  # trainer.evaluate() after training


def test_step_strategy_token_labels_and_no_trainer(tmp_path):
    metrics = with_focal_lens(None, str(tmp_path / "steps.jsonl"), alpha=None, gamma=2.0)
    args, state = SimpleNamespace(eval_strategy="IntervalStrategy.STEPS"), stand_in_state(global_step=500, epoch=0.4)
    metrics.callback.on_init_end(args, state, None)
    labels = np.array([[0, 1, -100], [2, -100, -100]])
    predictions = (RNG.standard_normal((2, 3, 3)).astype(np.float32), "hidden states")
    assert metrics(SimpleNamespace(predictions=predictions, label_ids=labels)) == {}
    metrics.writer.wait()
    _, records = read_jsonl(tmp_path / "steps.jsonl")
    assert records[0]["step"] == 500 and records[0]["targets"] == [0, 1, 2]
    assert np.array_equal(np.array(records[0]["logits"], dtype=np.float32), predictions[0].reshape(-1, 3)[[0, 1, 3]])
    plain = with_focal_lens(None, str(tmp_path / "plain.jsonl"), alpha=None, gamma=2.0)
    plain(eval_prediction())
    plain((eval_prediction().predictions, np.arange(12) % 3))
    plain.writer.wait()
    assert sorted(samples_by_epoch(read_jsonl(tmp_path / "plain.jsonl")[1])) == [1, 2]


def test_only_the_main_process_writes_and_resume(tmp_path):
    path = str(tmp_path / "hf.jsonl")
    metrics = with_focal_lens(None, path, alpha=None, gamma=2.0)
    metrics.callback.on_init_end(SimpleNamespace(eval_strategy="epoch"), stand_in_state(epoch=1.0, is_world_process_zero=False), None)
    metrics(eval_prediction())
    assert not (tmp_path / "hf.jsonl").exists()
    first_run = with_focal_lens(None, path, alpha=None, gamma=2.0)
    for epoch in (1.0, 2.0, 3.0):
        first_run.attach(SimpleNamespace(eval_strategy="epoch"), stand_in_state(epoch=epoch))
        first_run(eval_prediction())
    first_run.writer.close()
    # resumed from the epoch 1 checkpoint: epochs 2 and 3 are rewritten
    resumed = with_focal_lens(None, path, alpha=None, gamma=2.0)
    state = stand_in_state(epoch=1.0, global_step=50)
    resumed.callback.on_train_begin(SimpleNamespace(eval_strategy="epoch"), state, None)
    state.epoch = 2.0
    with pytest.warns(RuntimeWarning, match="resumed at epoch 2"):
        resumed(eval_prediction(n=5))
    resumed.writer.close()
    by_epoch = samples_by_epoch(read_jsonl(tmp_path / "hf.jsonl")[1])
    assert sorted(by_epoch) == [1, 2] and len(by_epoch[2][0]) == 5


def test_is_a_trainer_callback_where_transformers_is_installed():
    transformers = pytest.importorskip("transformers", reason="transformers is not importable: the stand-in tests above cover the logic")
    metrics = with_focal_lens(None, "unused.jsonl", alpha=None, gamma=2.0)
    assert isinstance(metrics.callback, transformers.TrainerCallback)
