"""FocalLensKerasCallback: the logic with a stand-in model (always), and a real fit where Keras is
importable."""
import json
from types import SimpleNamespace

import numpy as np
import pytest

from dumps import read_jsonl, samples_by_epoch
from focal_lens.keras import FocalLensKerasCallback, KerasDumpLogic, is_chief


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class StandInModel:
    """predict / predict_on_batch and layers[-1].activation, like a keras.Model."""

    def __init__(self, activation, weights):
        self.weights = weights
        self.layers = [SimpleNamespace(activation=SimpleNamespace(__name__=activation))] if activation else []
        self.activation = activation

    def _forward(self, x):
        z = np.asarray(x, dtype=np.float32) @ self.weights
        if self.activation == "softmax":
            return softmax(z).astype(np.float32)
        if self.activation == "sigmoid":
            return (1 / (1 + np.exp(-z))).astype(np.float32)
        return z

    def predict(self, x, batch_size=None, verbose=0):
        return self._forward(x)

    def predict_on_batch(self, x):
        return self._forward(x)


RNG = np.random.default_rng(0)
X = RNG.standard_normal((30, 4)).astype(np.float32)
W = RNG.standard_normal((4, 3)).astype(np.float32)


def test_softmax_outputs_are_probs_and_one_hot_targets_indices(tmp_path):
    y = np.eye(3, dtype=np.float32)[np.arange(30) % 3]
    logic = KerasDumpLogic(str(tmp_path / "k.jsonl"), (X, y), alpha=0.25, gamma=2.0, convention="uniform")
    model = StandInModel("softmax", W)
    for epoch in range(2):
        logic.on_epoch_end(model, epoch)
    logic.on_train_end()
    meta, records = read_jsonl(tmp_path / "k.jsonl")
    assert meta["loss"] == "softmax_focal" and "probs" in records[0]
    by_epoch = samples_by_epoch(records)
    assert sorted(by_epoch) == [0, 1] and by_epoch[0][0] == (np.arange(30) % 3).tolist()
    assert np.array_equal(np.array(by_epoch[1][1], dtype=np.float32), model.predict(X))


def test_linear_outputs_are_logits_and_datasets_are_iterated(tmp_path):
    y = (RNG.random((30, 3)) < 0.4).astype(np.int64)
    dataset = [(X[i : i + 8], y[i : i + 8]) for i in range(0, 30, 8)]
    logic = KerasDumpLogic(str(tmp_path / "k.jsonl"), dataset, alpha=0.25, gamma=2.0)
    logic.on_epoch_end(StandInModel("linear", W), 0)
    logic.on_train_end()
    meta, records = read_jsonl(tmp_path / "k.jsonl")
    assert meta["loss"] == "sigmoid_focal" and records[0]["targets"] == y.tolist() and "logits" in records[0]


@pytest.mark.parametrize("weights, expected", [(W * 10, "logits"), (np.zeros((4, 3), dtype=np.float32), "probs")])
def test_without_a_known_activation_the_values_decide(tmp_path, weights, expected):
    logic = KerasDumpLogic(str(tmp_path / "k.jsonl"), (X, (RNG.random((30, 3)) < 0.5).astype(int)), alpha=0.25, gamma=2.0)
    logic.on_epoch_end(StandInModel(None, weights), 0)
    logic.on_train_end()
    assert expected in read_jsonl(tmp_path / "k.jsonl")[1][0]


def test_only_the_chief_writes(tmp_path, monkeypatch):
    worker = {"cluster": {"worker": ["a:1", "b:1"]}, "task": {"type": "worker", "index": 1}}
    monkeypatch.setenv("TF_CONFIG", json.dumps(worker))
    assert not is_chief()
    logic = KerasDumpLogic(str(tmp_path / "k.jsonl"), (X, np.arange(30) % 3), alpha=None, gamma=2.0)
    logic.on_epoch_end(StandInModel("softmax", W), 0)
    logic.on_train_end()
    assert not (tmp_path / "k.jsonl").exists()
    monkeypatch.setenv("TF_CONFIG", json.dumps({**worker, "task": {"type": "worker", "index": 0}}))
    assert is_chief()


def test_callback_delegates_to_the_logic(tmp_path):
    cb = FocalLensKerasCallback(str(tmp_path / "k.jsonl"), validation_data=(X, np.arange(30) % 3), alpha=None, gamma=2.0)
    cb.model = StandInModel("softmax", W)  # Keras sets this through set_model
    cb.on_epoch_end(0)
    cb.on_train_end()
    assert sorted(samples_by_epoch(read_jsonl(tmp_path / "k.jsonl")[1])) == [0]


def test_is_a_keras_callback_in_a_real_fit(tmp_path):
    keras = pytest.importorskip("keras", reason="keras is not importable: the stand-in tests above cover the logic")
    assert issubclass(FocalLensKerasCallback, keras.callbacks.Callback)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    y = np.arange(30) % 3
    cb = FocalLensKerasCallback(str(tmp_path / "k.jsonl"), validation_data=(X, y), alpha=None, gamma=2.0)
    model.fit(X, y, epochs=2, verbose=0, callbacks=[cb])
    records = read_jsonl(tmp_path / "k.jsonl")[1]
    assert sorted(samples_by_epoch(records)) == [0, 1] and "probs" in records[0]
