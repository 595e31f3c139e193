"""torch tensors, a plain training loop, watch_loss, and two real DDP processes (gloo).

These need torch (Debian: python3-torch): run them with the interpreter that has it."""
import os

import numpy as np
import pytest

try:
    import torch
    import torch.distributed as dist
    import torch.multiprocessing as mp
except ImportError as e:  # a required test, not a skip: say which interpreter to use
    raise ImportError(
        f"{__file__} needs torch ({e}); run the suite with the interpreter that has it "
        "(Debian: python3-torch), e.g. FOCAL_LENS_PYTHON=/usr/bin/python3 npm run test:python"
    ) from e

from dumps import read_jsonl, samples_by_epoch
from focal_lens import FocalLensWriter, watch_loss


def test_tensors_with_grad_half_and_bfloat16(tmp_path):
    logits = torch.randn(16, 3, requires_grad=True)
    targets = torch.randint(0, 3, (16,))
    with FocalLensWriter(tmp_path / "t.jsonl", alpha=[0.2, 0.3, 0.5], gamma=2) as w:
        w.add(logits * 2, targets, epoch=torch.tensor(1))
        w.add(logits.detach().half(), targets.int(), epoch=2)
        w.add(logits.detach().bfloat16(), targets, epoch=3)
    _, records = read_jsonl(tmp_path / "t.jsonl")
    by_epoch = samples_by_epoch(records)
    assert np.array_equal(np.array(by_epoch[1][1], dtype=np.float32), (logits * 2).detach().numpy())
    assert np.array_equal(np.array(by_epoch[2][1], dtype=np.float32), logits.detach().half().float().numpy())
    assert np.array_equal(np.array(by_epoch[3][1], dtype=np.float32), logits.detach().bfloat16().float().numpy())
    assert by_epoch[3][0] == targets.tolist()


def test_bool_and_float_targets_from_tensors(tmp_path):
    with FocalLensWriter(tmp_path / "b.jsonl", alpha=0.25, gamma=2) as w:
        w.add(torch.randn(4, 1), torch.tensor([[True], [False], [True], [False]]), epoch=0)
        w.add(torch.randn(4), torch.tensor([1.0, 0.0, 0.0, 1.0]), epoch=0)
    assert samples_by_epoch(read_jsonl(tmp_path / "b.jsonl")[1])[0][0] == [1, 0, 1, 0, 1, 0, 0, 1]


def test_a_plain_training_loop(tmp_path):
    torch.manual_seed(0)
    x = torch.randn(512, 4)
    y = (x[:, 0] + 0.5 * x[:, 1] > 1.0).float()
    model = torch.nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    path = tmp_path / "loop.jsonl"
    with FocalLensWriter(path, loss="sigmoid_focal", alpha=0.25, gamma=2.0, convention="positive") as w:
        for epoch in range(3):
            loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x).squeeze(1), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            with torch.no_grad():
                for i in range(0, 512, 100):
                    w.add(model(x[i : i + 100]), y[i : i + 100], epoch=epoch)
            w.end_epoch()
    meta, records = read_jsonl(path)
    by_epoch = samples_by_epoch(records)
    assert sorted(by_epoch) == [0, 1, 2] and all(len(t) == 512 for t, _ in by_epoch.values())
    with torch.no_grad():
        final = model(x).squeeze(1).numpy()
    assert np.array_equal(np.array(by_epoch[2][1], dtype=np.float32), final)


class MMDetStyleFocalLoss(torch.nn.Module):
    """forward(pred, target, weight): class indices with background = num_classes, like mmdet."""

    def forward(self, pred, target, weight=None):
        return pred.sum() * 0


def test_watch_loss_on_a_module_and_a_function(tmp_path):
    loss = MMDetStyleFocalLoss()
    current = {"epoch": 0}
    with FocalLensWriter(tmp_path / "m.jsonl", split="train", alpha=0.25, gamma=2) as w:
        handle = watch_loss(loss, w, epoch=lambda: current["epoch"], background=3, max_samples=None)
        pred = torch.randn(5, 3, requires_grad=True)
        target = torch.tensor([0, 3, 2, 3, 1])
        weight = torch.tensor([1.0, 1.0, 0.0, 1.0, 1.0])
        loss(pred, target, weight)
        current["epoch"] = 1
        loss(pred, target)
        handle.remove()
        loss(pred, target)  # not recorded
    _, records = read_jsonl(tmp_path / "m.jsonl")
    assert [r["epoch"] for r in records] == [0, 1]
    assert records[0]["targets"] == [[1, 0, 0], [0, 0, 0], [0, 0, 0], [0, 1, 0]]  # weight-0 sample dropped
    assert len(records[1]["targets"]) == 5 and records[0]["split"] == "train"

    def sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2.0, reduction="none"):
        return inputs.sum()

    with FocalLensWriter(tmp_path / "f.jsonl", alpha=0.25, gamma=2, epoch_key="step") as w:
        wrapped = watch_loss(sigmoid_focal_loss, w, epoch=lambda: 100, every=2, max_samples=3)
        for _ in range(3):
            assert wrapped(torch.randn(10, 2), torch.zeros(10, 2), alpha=0.25).shape == ()
    _, records = read_jsonl(tmp_path / "f.jsonl")
    assert [r["step"] for r in records] == [100] and len(records[0]["targets"]) == 6  # calls 1 and 3, 3 samples each


def test_watch_loss_never_stops_the_training(tmp_path):
    loss = MMDetStyleFocalLoss()
    with FocalLensWriter(tmp_path / "w.jsonl", alpha=0.25, gamma=2) as w:
        watch_loss(loss, w, epoch=lambda: 0)
        with pytest.warns(RuntimeWarning, match="stopped recording.*hard labels"):
            loss(torch.randn(4, 2), torch.full((4, 2), 0.9))  # smoothed labels
        loss(torch.randn(4, 2), torch.ones(4, 2))  # recording stopped: no second warning, no error


def _ddp_worker(rank, world, folder, port):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    for var in ("RANK", "LOCAL_RANK"):
        os.environ.pop(var, None)  # the rank must come from torch.distributed
    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        with FocalLensWriter(os.path.join(folder, "val.jsonl"), alpha=0.25, gamma=2) as w:
            for epoch in range(2):
                shard = torch.arange(rank, 10, world, dtype=torch.float32)
                w.add(shard, (shard > 4).long(), epoch=epoch)
        dist.barrier()
    finally:
        dist.destroy_process_group()


def test_ddp_ranks_write_their_own_files(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mp.spawn(_ddp_worker, args=(2, str(tmp_path), port), nprocs=2, join=True)
    assert sorted(os.listdir(tmp_path)) == ["val.jsonl", "val.rank1.jsonl"]
    shards = [samples_by_epoch(read_jsonl(tmp_path / f)[1])[1][1] for f in ("val.jsonl", "val.rank1.jsonl")]
    assert shards == [[0, 2, 4, 6, 8], [1, 3, 5, 7, 9]]


def test_gpu_batches_are_fetched_once_per_epoch(tmp_path, monkeypatch):
    """The device path (no GPU here: CPU tensors are taken for device tensors) writes the same file
    as the CPU path; values are checked when the epoch ends; a full device buffer is fetched early."""
    from focal_lens import writer as writer_module

    torch.manual_seed(1)
    batches = [(torch.randn(20, 3), torch.randint(0, 3, (20,))) for _ in range(4)]
    with FocalLensWriter(tmp_path / "cpu.jsonl", alpha=None, gamma=2, ignore_index=-100) as w:
        for e in (1, 2):
            for logits, y in batches:
                w.add(logits, y, epoch=e)
    fetched = []
    real_fetch = writer_module.fetch
    monkeypatch.setattr(writer_module, "on_accelerator", lambda x: isinstance(x, torch.Tensor))
    monkeypatch.setattr(writer_module, "fetch", lambda b, **kw: fetched.append(len(b)) or real_fetch(b, **kw))
    with FocalLensWriter(tmp_path / "device.jsonl", alpha=None, gamma=2, ignore_index=-100) as w:
        for e in (1, 2):
            for logits, y in batches:
                w.add(logits, y, epoch=e)
                logits.mul_(0)  # the caller reuses its tensors: the writer kept copies
            batches = [(torch.randn(20, 3), y) for _, y in batches] if e == 1 else batches
    assert fetched == [4, 4]  # once per epoch
    assert (tmp_path / "device.jsonl").read_bytes().splitlines()[1] == (tmp_path / "cpu.jsonl").read_bytes().splitlines()[1]

    monkeypatch.setattr(writer_module, "DEVICE_BYTES", 300)  # a batch holds 400 bytes
    fetched.clear()
    w = FocalLensWriter(tmp_path / "bad.jsonl", alpha=None, gamma=2)
    for logits, y in batches:
        w.add(logits, y, epoch=1)
    assert fetched == [1, 1, 1, 1]  # each batch is over the budget
    w.add(torch.zeros(2, 3), torch.tensor([0, 5]), epoch=1)
    with pytest.raises(ValueError, match="epoch 1 .*class indices for 3 classes must be in \\[0, 2\\], got 5"):
        w.end_epoch()
    w.close()
