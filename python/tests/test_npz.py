"""FocalLensWriter with format='npz': a folder of per-epoch .npz files, renamed into place."""
import json
import os

import numpy as np
import pytest

from focal_lens import DumpMismatchError, DuplicateEpochError, FocalLensWriter

RNG = np.random.default_rng(1)


def write(folder, epochs, **settings):
    settings = {"alpha": [0.2, 0.3, 0.5], "gamma": 2.0, "format": "npz", **settings}
    batches = {}
    with FocalLensWriter(folder, **settings) as w:
        for e in epochs:
            logits = RNG.standard_normal((40, 3)).astype(np.float32)
            targets = RNG.integers(0, 3, 40)
            w.add(logits[:25], targets[:25], epoch=e)
            w.add(logits[25:], targets[25:], epoch=e)
            batches[e] = (logits, targets)
    return batches


def test_one_file_per_epoch_with_the_arrays_and_the_meta(tmp_path):
    batches = write(tmp_path / "dump", [0, 1, 2])
    assert sorted(os.listdir(tmp_path / "dump")) == ["epoch_000.npz", "epoch_001.npz", "epoch_002.npz"]
    z = np.load(tmp_path / "dump" / "epoch_001.npz")
    assert set(z.files) == {"logits", "targets", "epoch", "meta"}
    assert np.array_equal(z["logits"], batches[1][0]) and z["logits"].dtype == np.float32
    assert np.array_equal(z["targets"], batches[1][1])
    assert z["epoch"].tolist() == [1] * 40
    meta = json.loads(str(z["meta"]))
    assert meta["loss"] == "softmax_focal" and meta["alpha"] == [0.2, 0.3, 0.5] and meta["split"] == "val"


def test_multilabel_probs_and_ranks(tmp_path):
    probs = RNG.random((10, 4)).astype(np.float32)
    labels = (RNG.random((10, 4)) < 0.3).astype(np.int64)
    with FocalLensWriter(tmp_path / "ml", alpha=0.25, gamma=2, format="npz", scores="probs", rank=2) as w:
        w.add(probs, labels, epoch=7)
    assert os.listdir(tmp_path / "ml") == ["epoch_007.rank2.npz"]
    z = np.load(tmp_path / "ml" / "epoch_007.rank2.npz")
    assert np.array_equal(z["probs"], probs) and z["targets"].dtype == np.uint8
    assert np.array_equal(z["targets"], labels)


def test_appending_resume_and_mismatches(tmp_path):
    folder = tmp_path / "dump"
    write(folder, [0, 1])
    write(folder, [2])
    with pytest.raises(DuplicateEpochError, match="epoch 1"):
        write(folder, [1])
    write(folder, [1, 2], resume=True)
    assert sorted(os.listdir(folder)) == ["epoch_000.npz", "epoch_001.npz", "epoch_002.npz"]
    with pytest.raises(DumpMismatchError, match=r"alpha \[0.2, 0.3, 0.5\].*this writer has alpha \[0.3, 0.3, 0.4\]"):
        write(folder, [3], alpha=[0.3, 0.3, 0.4])
    with pytest.raises(DumpMismatchError, match="holds logits; this writer has scores='probs'"):
        with FocalLensWriter(folder, alpha=[0.2, 0.3, 0.5], gamma=2.0, format="npz", scores="probs") as w:
            w.add(np.full((2, 3), 1 / 3), [0, 1], epoch=3)
    # another rank's files are not this rank's epochs
    write(folder, [0], rank=1)
    assert "epoch_000.rank1.npz" in os.listdir(folder)


def test_an_interrupted_write_leaves_no_partial_file(tmp_path):
    folder = tmp_path / "dump"
    write(folder, [0])
    (folder / ".epoch_001.npz.tmp").write_bytes(b"PK\x03\x04 half a zip")
    (folder / ".epoch_001.rank1.npz.tmp").write_bytes(b"another rank's")
    write(folder, [1])
    assert sorted(os.listdir(folder)) == [".epoch_001.rank1.npz.tmp", "epoch_000.npz", "epoch_001.npz"]


def test_one_split_per_folder(tmp_path):
    with FocalLensWriter(tmp_path / "d", alpha=None, gamma=2, format="npz") as w:
        with pytest.raises(ValueError, match="one split per folder"):
            w.add([0.1], [1], epoch=0, split="train")
