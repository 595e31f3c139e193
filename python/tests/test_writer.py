"""FocalLensWriter with JSONL: records, meta, whole epochs, appending, torn writes, resume, ranks."""
import json
import os
import warnings

import numpy as np
import pytest

from dumps import read_jsonl, run_python, samples_by_epoch
from focal_lens import DumpMismatchError, DuplicateEpochError, FocalLensWriter, detect_rank, rank_path

RNG = np.random.default_rng(0)


def binary_batch(n=64, seed=0):
    r = np.random.default_rng(seed)
    return r.standard_normal(n).astype(np.float32), (r.random(n) < 0.2).astype(np.int64)


def write_epochs(path, epochs, n=64, **settings):
    """Two batches of n samples per epoch."""
    settings = {"alpha": 0.25, "gamma": 2.0, **settings}
    with FocalLensWriter(path, **settings) as w:
        for e in epochs:
            for b in range(2):
                w.add(*binary_batch(n, seed=100 * e + b), epoch=e)


def test_binary_dump_holds_the_values_and_meta(tmp_path):
    path = tmp_path / "val.jsonl"
    batches = [binary_batch(seed=s) for s in range(3)]
    with FocalLensWriter(path, alpha=0.25, gamma=2, convention="positive", classes=["bg", "fg"]) as w:
        for e in (1, 2):
            for logits, y in batches:
                w.add(logits, y, epoch=e)
    meta, records = read_jsonl(path)
    assert meta["loss"] == "sigmoid_focal" and meta["alpha"] == 0.25 and meta["gamma"] == 2
    assert meta["convention"] == "positive" and meta["classes"] == ["bg", "fg"] and meta["split"] == "val"
    by_epoch = samples_by_epoch(records)
    assert sorted(by_epoch) == [1, 2]
    targets, scores = by_epoch[2]
    assert targets == np.concatenate([y for _, y in batches]).tolist()
    assert np.array_equal(np.array(scores, dtype=np.float32), np.concatenate([l for l, _ in batches]))
    assert all(r["split"] == "val" for r in records)


def test_softmax_and_multilabel_layouts(tmp_path):
    logits = RNG.standard_normal((30, 4)).astype(np.float32)
    with FocalLensWriter(tmp_path / "sm.jsonl", alpha=[0.1, 0.2, 0.3, 0.4], gamma=2) as w:
        w.add(logits, np.arange(30) % 4, epoch=0)
    meta, records = read_jsonl(tmp_path / "sm.jsonl")
    assert meta["loss"] == "softmax_focal" and meta["alpha"] == [0.1, 0.2, 0.3, 0.4]
    assert np.array_equal(np.array(records[0]["logits"], dtype=np.float32), logits)
    assert records[0]["targets"] == (np.arange(30) % 4).tolist()

    probs = RNG.random((20, 3)).astype(np.float32)
    labels = (RNG.random((20, 3)) < 0.5).astype(np.int64)
    with FocalLensWriter(tmp_path / "ml.jsonl", alpha=0.25, gamma=2, scores="probs") as w:
        w.add(probs, labels, epoch=0)
    meta, records = read_jsonl(tmp_path / "ml.jsonl")
    assert meta["loss"] == "sigmoid_focal"
    assert records[0]["targets"] == labels.tolist()
    assert np.array_equal(np.array(records[0]["probs"], dtype=np.float32), probs)


def test_one_hot_targets_under_softmax_become_indices(tmp_path):
    y = np.eye(3, dtype=np.float32)[[2, 0, 1, 1]]
    with FocalLensWriter(tmp_path / "a.jsonl", loss="softmax_focal", alpha=None, gamma=2) as w:
        w.add(RNG.standard_normal((4, 3)), y, epoch=0)
    assert read_jsonl(tmp_path / "a.jsonl")[1][0]["targets"] == [2, 0, 1, 1]


def test_lists_write_the_same_file_as_arrays(tmp_path):
    logits, y = binary_batch(seed=3)
    for name, args in (("arrays", (logits, y)), ("lists", (logits.tolist(), y.tolist()))):
        with FocalLensWriter(tmp_path / f"{name}.jsonl", alpha=0.25, gamma=2) as w:
            w.add(*args, epoch=1)
    assert (tmp_path / "arrays.jsonl").read_bytes() == (tmp_path / "lists.jsonl").read_bytes()


def test_records_stay_under_the_readers_line_limit(tmp_path):
    logits = RNG.standard_normal((300, 1000)).astype(np.float32)
    with FocalLensWriter(tmp_path / "wide.jsonl", alpha=None, gamma=2) as w:
        w.add(logits, np.arange(300) % 1000, epoch=0)
    lines = (tmp_path / "wide.jsonl").read_bytes().splitlines()
    assert len(lines) == 1 + 5  # 65 samples of 1000 scores per record
    assert max(len(l) for l in lines) < 2 << 20


def test_an_epoch_is_written_only_when_complete(tmp_path):
    path = tmp_path / "live.jsonl"
    w = FocalLensWriter(path, alpha=0.25, gamma=2)
    w.add(*binary_batch(seed=1), epoch=1)
    w.add(*binary_batch(seed=2), epoch=1)
    assert not path.exists()  # nothing until the epoch is over
    w.add(*binary_batch(seed=3), epoch=2)  # a new epoch: epoch 1 is complete
    w.wait()  # written on the background thread
    _, records = read_jsonl(path)
    assert [r["epoch"] for r in records] == [1]
    assert len(samples_by_epoch(records)[1][0]) == 128
    w.end_epoch()
    w.wait()
    assert [r["epoch"] for r in read_jsonl(path)[1]] == [1, 2]
    w.close()
    w.close()


def test_a_with_block_that_raises_drops_the_open_epoch(tmp_path):
    path = tmp_path / "crash.jsonl"
    with pytest.warns(RuntimeWarning, match="dropped epoch 2"):
        with pytest.raises(KeyError):
            with FocalLensWriter(path, alpha=0.25, gamma=2) as w:
                w.add(*binary_batch(), epoch=1)
                w.end_epoch()
                w.add(*binary_batch(), epoch=2)
                raise KeyError("boom")
    assert [r["epoch"] for r in read_jsonl(path)[1]] == [1]


def test_at_exit_the_last_epoch_is_written_unless_the_program_crashed(tmp_path):
    script = (
        "import sys; from focal_lens import FocalLensWriter\n"
        "w = FocalLensWriter(sys.argv[1], alpha=0.25, gamma=2)\n"
        "w.add([0.5, -1.0], [1, 0], epoch=1); w.end_epoch(); w.add([0.1], [0], epoch=2)\n"
        "if sys.argv[2] == 'crash': raise SystemExit('crash') if False else RuntimeError('crash')\n"
    )
    ok = run_python(script, str(tmp_path / "ok.jsonl"), "fine")
    assert ok.returncode == 0, ok.stderr
    assert [r["epoch"] for r in read_jsonl(tmp_path / "ok.jsonl")[1]] == [1, 2]
    crashed = run_python(script, str(tmp_path / "crash.jsonl"), "crash")
    assert crashed.returncode == 1 and "dropped epoch 2" in crashed.stderr
    assert [r["epoch"] for r in read_jsonl(tmp_path / "crash.jsonl")[1]] == [1]


def test_appending_continues_a_dump(tmp_path):
    path = tmp_path / "run.jsonl"
    write_epochs(path, [1, 2])
    write_epochs(path, [3])
    meta, records = read_jsonl(path)
    assert sorted(samples_by_epoch(records)) == [1, 2, 3]
    assert (path.read_bytes().count(b'{"meta"')) == 1


def test_appending_with_other_settings_is_refused(tmp_path):
    path = tmp_path / "run.jsonl"
    write_epochs(path, [1])
    with pytest.raises(DumpMismatchError, match=r'alpha 0.25.*this writer has alpha 0.5'):
        write_epochs(path, [2], alpha=0.5)
    with FocalLensWriter(path, loss="sigmoid_focal", alpha=0.25, gamma=2) as w:
        with pytest.raises(DumpMismatchError, match="binary records.*softmax with 3 classes"):
            w.add(RNG.standard_normal((4, 3)), [0, 1, 2, 0], epoch=2, split="val")
    (tmp_path / "foreign.jsonl").write_text('{"epoch": 1, "target": 1, "logit": 0.4}\n')
    with pytest.raises(DumpMismatchError, match="does not start with a Focal Lens meta line"):
        write_epochs(tmp_path / "foreign.jsonl", [2])


def test_a_repeated_epoch_is_an_error_and_resume_replaces_it(tmp_path):
    path = tmp_path / "run.jsonl"
    write_epochs(path, [1, 2, 3])
    with pytest.raises(DuplicateEpochError, match="already holds epoch 2 .*resume=True"):
        write_epochs(path, [2])
    with pytest.warns(RuntimeWarning, match="resumed at epoch 2: dropped epochs 2..3"):
        write_epochs(path, [2, 3, 4], resume=True)
    _, records = read_jsonl(path)
    assert sorted(samples_by_epoch(records)) == [1, 2, 3, 4]
    assert len(samples_by_epoch(records)[3][0]) == 128
    w = FocalLensWriter(tmp_path / "same.jsonl", alpha=0.25, gamma=2)
    w.add(*binary_batch(), epoch=0)
    w.end_epoch()
    with pytest.raises(DuplicateEpochError, match="a number that changes each validation"):
        w.add(*binary_batch(), epoch=0)


def test_a_torn_last_write_is_removed_with_its_epoch(tmp_path):
    path = tmp_path / "torn.jsonl"
    write_epochs(path, [1, 2, 3], n=2500)  # 5000 samples an epoch: two records (4096 + 904)
    data = path.read_bytes()
    second_record_of_3 = data.index(b'{"epoch":3', data.index(b'{"epoch":3') + 1)
    path.write_bytes(data[: second_record_of_3 + 100])  # the crash hit inside epoch 3's second record
    with pytest.warns(RuntimeWarning, match="removed an interrupted write"):
        write_epochs(path, [3], n=2500)
    _, records = read_jsonl(path)
    assert [r["epoch"] for r in records] == [1, 1, 2, 2, 3, 3]
    # a crash while the meta line was written: the file starts over
    (tmp_path / "meta.jsonl").write_bytes(b'{"meta":{"loss":"sig')
    with pytest.warns(RuntimeWarning, match="interrupted write"):
        write_epochs(tmp_path / "meta.jsonl", [1])
    assert read_jsonl(tmp_path / "meta.jsonl")[0]["alpha"] == 0.25


def test_splits_and_step_keys(tmp_path):
    path = tmp_path / "s.jsonl"
    with FocalLensWriter(path, alpha=0.25, gamma=2, epoch_key="step") as w:
        w.add(*binary_batch(), epoch=500, split="train")
        w.add(*binary_batch(), epoch=500)
        w.add(*binary_batch(), epoch=1000)
    _, records = read_jsonl(path)
    assert [(r["step"], r["split"]) for r in records] == [(500, "train"), (500, "val"), (1000, "val")]


def test_ignore_index_and_non_finite_scores(tmp_path):
    path = tmp_path / "n.jsonl"
    with pytest.warns(RuntimeWarning, match="1 NaN or infinite"):
        with FocalLensWriter(path, alpha=None, gamma=2, ignore_index=-100) as w:
            w.add([[0.1, 0.2], [np.nan, 1.0], [3.0, 4.0]], [1, 0, -100], epoch=0)
    text = path.read_text().splitlines()[1]
    assert text == '{"epoch":0,"split":"val","targets":[1,0],"logits":[[0.1,0.2],[NaN,1]]}'


@pytest.mark.parametrize(
    "scores, targets, settings, message",
    [
        (np.zeros(4), np.zeros(3), {}, "4 samples of scores but 3 targets"),
        (np.zeros((4, 3, 2)), np.zeros(4), {}, r"shape \(4, 3, 2\).*flatten"),
        (np.zeros(3), [0.0, 0.5, 1.0], {}, "hard labels.*0.5 at position 1"),
        (np.zeros(3), [0, 2, 1], {}, r"epoch 1 \(split 'val'\) was not written: binary targets must be in \[0, 1\], got 2 at sample 1"),
        (np.zeros((2, 3)), [0, -100], {"alpha": None}, "got -100 at sample 1 .*ignore_index=-100"),
        (np.zeros((2, 3)), [0, 3], {"alpha": None}, r"class indices for 3 classes must be in \[0, 2\]"),
        (np.full(2, 1.5), [0, 1], {"scores": "probs"}, r"probabilities must be in \[0, 1\]"),
        (np.full((2, 3), 0.5), [0, 1], {"scores": "probs", "alpha": None}, "must sum to 1 per sample"),
        (np.zeros((2, 3)), [0, 1], {}, "alpha 0.25 is a scalar and the loss is softmax"),
        (np.zeros((2, 3)), [0, 1], {"alpha": [0.5, 0.5]}, "alpha has 2 values but the scores have 3"),
        (np.zeros(2), [0, 1], {"classes": ["a", "b", "c"]}, r"classes has 3 names, expected 2 \(a binary head"),
        (np.zeros(2), [0, 1], {"loss": "softmax_focal", "alpha": None}, "softmax_focal needs one score per class"),
        (np.zeros((2, 2)), [[1, 1], [0, 1]], {"loss": "softmax_focal", "alpha": None}, "not one-hot"),
    ],
)
def test_bad_batches_and_settings_say_what_is_wrong(tmp_path, scores, targets, settings, message):
    with pytest.raises(ValueError, match=message):
        with FocalLensWriter(tmp_path / "bad.jsonl", **{"alpha": 0.25, "gamma": 2, **settings}) as w:
            w.add(scores, targets, epoch=1)


def test_layout_changes_between_batches_are_refused(tmp_path):
    with FocalLensWriter(tmp_path / "x.jsonl", alpha=None, gamma=2) as w:
        w.add(np.zeros((2, 3)), [0, 1], epoch=1)
        with pytest.raises(ValueError, match="this batch is softmax with 4 classes, earlier batches were softmax with 3 classes"):
            w.add(np.zeros((2, 4)), [0, 1], epoch=1)


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"gamma": -1}, "gamma must be a number >= 0"),
        ({"loss": "focal"}, "loss must be one of"),
        ({"alpha": 0.25, "convention": "vector"}, "convention 'vector' needs a list"),
        ({"alpha": [0.2, 0.8], "convention": "positive"}, "an alpha list goes with convention 'vector'"),
        ({"loss": "sigmoid_focal", "convention": "class0-alpha"}, "softmax convention"),
        ({"format": "npz", "path": "run.npz"}, "give a folder"),
        ({"alpha": float("nan")}, "alpha must be a finite number"),
    ],
)
def test_contradictory_settings_fail_at_construction(tmp_path, settings, message):
    settings = {"alpha": 0.25, "gamma": 2, **settings}
    path = settings.pop("path", tmp_path / "x.jsonl")
    with pytest.raises(ValueError, match=message):
        FocalLensWriter(path, **settings)


def test_an_unknown_convention_is_written_with_a_warning(tmp_path):
    with pytest.warns(UserWarning, match="written as given"):
        w = FocalLensWriter(tmp_path / "c.jsonl", alpha=0.25, gamma=2, convention="my-own-loss")
    with w:
        w.add([0.0], [1], epoch=1)
    assert read_jsonl(tmp_path / "c.jsonl")[0]["convention"] == "my-own-loss"


def test_a_library_name_is_a_convention(tmp_path, recwarn):
    with FocalLensWriter(tmp_path / "t.jsonl", alpha=0.25, gamma=2, convention="torchvision") as w:
        w.add([0.0], [1], epoch=1)
    assert not [w for w in recwarn if issubclass(w.category, UserWarning)]
    assert read_jsonl(tmp_path / "t.jsonl")[0]["convention"] == "torchvision"


def test_rank_naming_and_detection(tmp_path, monkeypatch):
    assert rank_path("runs/val.jsonl", 0) == "runs/val.jsonl"
    assert rank_path("runs/val.jsonl", 3) == os.path.join("runs", "val.rank3.jsonl")
    assert rank_path("runs/val.preds.jsonl", 1) == os.path.join("runs", "val.preds.rank1.jsonl")
    assert rank_path("dump", 2) == "dump.rank2"
    monkeypatch.delenv("RANK", raising=False)
    monkeypatch.delenv("LOCAL_RANK", raising=False)
    assert detect_rank() == 0
    monkeypatch.setenv("LOCAL_RANK", "2")
    assert detect_rank() == 2
    monkeypatch.setenv("RANK", "5")
    assert detect_rank() == 5
    write_epochs(tmp_path / "val.jsonl", [1])
    assert (tmp_path / "val.rank5.jsonl").exists() and not (tmp_path / "val.jsonl").exists()
    write_epochs(tmp_path / "val.jsonl", [1], rank=0)
    assert (tmp_path / "val.jsonl").exists()


def test_fsync_can_be_turned_off(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(os, "fsync", lambda fd: calls.append(fd))
    write_epochs(tmp_path / "a.jsonl", [1, 2])
    assert len(calls) == 2  # once per epoch
    calls.clear()
    write_epochs(tmp_path / "b.jsonl", [1, 2], fsync=False)
    assert calls == []


def test_works_without_numpy(tmp_path):
    """The same file from lists, in an interpreter where numpy cannot be imported."""
    logits = RNG.standard_normal((50, 3)).astype(np.float32)
    targets = (np.arange(50) % 3).tolist()
    script = (
        "import sys, json; sys.modules['numpy'] = None\n"
        "from focal_lens import FocalLensWriter\n"
        "from focal_lens import _batch; assert _batch.np is None\n"
        "logits, targets = json.load(open(sys.argv[2]))\n"
        "with FocalLensWriter(sys.argv[1], alpha=None, gamma=2) as w:\n"
        "    w.add(logits, targets, epoch=1)\n"
        "    w.add(logits[:5], targets[:5], epoch=2)\n"
        "with FocalLensWriter(sys.argv[1] + '.npz.d', alpha=None, gamma=2, format='npz') as w:\n"
        "    w.add(logits, targets, epoch=1)\n"
    )
    (tmp_path / "in.json").write_text(json.dumps([logits.tolist(), targets]))
    proc = run_python(script, str(tmp_path / "plain.jsonl"), str(tmp_path / "in.json"))
    assert proc.returncode == 0, proc.stderr
    with FocalLensWriter(tmp_path / "np.jsonl", alpha=None, gamma=2) as w:
        w.add(logits, targets, epoch=1)
        w.add(logits[:5], targets[:5], epoch=2)
    assert (tmp_path / "plain.jsonl").read_bytes() == (tmp_path / "np.jsonl").read_bytes()
    z = np.load(tmp_path / "plain.jsonl.npz.d" / "epoch_001.npz")
    assert np.array_equal(z["logits"], logits) and z["targets"].tolist() == targets


def test_importing_the_package_imports_no_framework():
    proc = run_python(
        "import sys, focal_lens\n"
        "heavy = [m for m in ('torch', 'lightning', 'pytorch_lightning', 'keras', 'tensorflow', 'transformers') if m in sys.modules]\n"
        "print(heavy)"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_no_warning_on_a_clean_run(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        write_epochs(tmp_path / "clean.jsonl", [1, 2])


def test_a_bad_epoch_is_not_written_and_the_next_one_is(tmp_path):
    path = tmp_path / "bad.jsonl"
    w = FocalLensWriter(path, alpha=0.25, gamma=2)
    w.add([0.1, 0.2], [0, 3], epoch=1)
    with pytest.raises(ValueError, match="epoch 1 .*got 3 at sample 1"):
        w.end_epoch()
    w.add([0.1, 0.2], [0, 1], epoch=2)
    w.close()
    assert [r["epoch"] for r in read_jsonl(path)[1]] == [2]


def test_a_failed_background_write_is_raised_by_the_next_call(tmp_path, monkeypatch):
    from focal_lens import writer as writer_module

    def full_disk(self, epoch, runs):
        raise OSError(28, "No space left on device")

    w = FocalLensWriter(tmp_path / "full.jsonl", alpha=0.25, gamma=2)
    w.add([0.1], [1], epoch=1)
    monkeypatch.setattr(writer_module._JsonlSink, "write_epoch", full_disk)
    w.end_epoch()
    with pytest.raises(OSError, match="writing to .*full.jsonl failed: .*No space left"):
        w.add([0.1], [1], epoch=2)
        w.end_epoch()
        w.wait()
    w.close()
