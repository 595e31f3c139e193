#!/usr/bin/env python3
"""What FocalLensWriter adds to a validation epoch of 100,000 samples.

For each model below, the same validation loop (torch, CPU, batches of 256, seeded data) runs
without the writer and with it (add() per batch, end_epoch(), fsync on), alternating, several
times. Times are CPU seconds of the thread doing the work (time.thread_time), so other processes on
a shared machine do not blur them; fsync is wall time (it waits for the disk). Reported: the
epoch's median time without the writer (wall and CPU); the writer's CPU on the training thread
(add + end_epoch, timed inside the loop) and its share of the epoch's CPU; the background thread's
CPU writing the epoch (encoding and writing; it overlaps the next training epoch) and the fsync's
wall time. Also the writer alone on 1M values, synchronous, with and without numpy.

    PYTHONPATH=python /usr/bin/python3 python/bench/bench_writer.py [--samples 100000] [--repeats 3]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from focal_lens import FocalLensWriter  # noqa: E402

BATCH = 256


def small_cnn(classes):
    """A small CIFAR-sized convnet (about 1.6 MFLOPs an image)."""
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(8, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(), torch.nn.Linear(32, classes),
    )


def mlp(classes):
    """A tabular MLP: the fastest loop, so the writer's largest share."""
    return torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256), torch.nn.ReLU(), torch.nn.Linear(256, classes))


CASES = [  # (name, model, input shape, classes, repeats: the CNN epoch is long, its noise small)
    ("small CNN, 32x32 images, 10 classes", small_cnn, (3, 32, 32), 10, 2),
    ("MLP, 64 features, binary head", mlp, (64,), 1, None),
    ("MLP, 64 features, 10 classes", mlp, (64,), 10, None),
]


def loader(samples, shape, classes, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(BATCH, *shape, generator=g)  # one batch reused: the loop measures the model, not the data
    y = torch.randint(0, max(classes, 2), (samples,), generator=g)
    for i in range(0, samples, BATCH):
        n = min(BATCH, samples - i)
        yield x[:n], y[i : i + n]


class Timed:
    """Wraps a function, adding up the seconds spent in it by the calling thread."""

    def __init__(self, fn, clock=time.thread_time):
        self.fn, self.clock, self.seconds = fn, clock, 0.0

    def __call__(self, *args):
        t = self.clock()
        try:
            return self.fn(*args)
        finally:
            self.seconds += self.clock() - t


def epoch(model, samples, shape, classes, writer=None, number=0):
    """One validation epoch; returns (wall seconds, CPU seconds of this thread, CPU seconds of the
    writer on this thread, CPU seconds of the background write, wall seconds in fsync)."""
    spent = 0.0
    start, start_cpu = time.perf_counter(), time.thread_time()
    with torch.no_grad():
        for x, y in loader(samples, shape, classes):
            logits = model(x)
            if writer is not None:
                t = time.thread_time()
                writer.add(logits, y, epoch=number)
                spent += time.thread_time() - t
    if writer is None:
        return time.perf_counter() - start, time.thread_time() - start_cpu, 0.0, 0.0, 0.0
    fsync, real_fsync = Timed(os.fsync, time.perf_counter), os.fsync
    os.fsync = fsync
    sink = writer._sink
    write = Timed(sink.write_epoch) if sink is not None else None
    if write is not None:
        sink.write_epoch = write
    try:
        t = time.thread_time()
        writer.end_epoch()
        spent += time.thread_time() - t
        wall, cpu = time.perf_counter() - start, time.thread_time() - start_cpu
        writer.wait()  # in training, the next training epoch runs meanwhile
    finally:
        os.fsync = real_fsync
        if write is not None:
            sink.write_epoch = write.fn
    return wall, cpu, spent, write.seconds if write is not None else 0.0, fsync.seconds


def run_case(name, make, shape, classes, case_repeats, samples, repeats, folder):
    repeats = case_repeats or repeats
    torch.manual_seed(0)
    model = make(classes).eval()
    epoch(model, BATCH * 4, shape, classes)  # warm-up
    base, runs = [], []
    path = os.path.join(folder, f"{len(os.listdir(folder))}.jsonl")
    with FocalLensWriter(path, alpha=0.25 if classes == 1 else None, gamma=2.0) as w:
        # two epochs without the model first: the file is open and the writer's two epoch buffers
        # have their full size (the first two epochs of a run also pay for growing them)
        for warm_up in (-2, -1):
            for x, y in loader(samples, shape, classes):
                w.add(torch.zeros(x.shape[0], classes) if classes > 1 else torch.zeros(x.shape[0]), y, epoch=warm_up)
            w.end_epoch()
        for r in range(repeats):
            base.append(epoch(model, samples, shape, classes)[:2])
            runs.append(epoch(model, samples, shape, classes, w, r))
    size = os.path.getsize(path) / (repeats + 2)
    wall, cpu = (statistics.median(v) for v in zip(*base))
    _, _, inside, background, fsync = (statistics.median(v) for v in zip(*runs))
    return {
        "case": name, "samples": samples, "repeats": repeats, "epoch_s": wall, "epoch_cpu_s": cpu, "writer_cpu_s": inside,
        "writer_share": inside / cpu, "background_cpu_s": background, "fsync_s": fsync, "mb_per_epoch": size / 1e6,
    }


NO_NUMPY = """
import sys, time, json, random
sys.modules['numpy'] = None
from focal_lens import FocalLensWriter
random.seed(0)
n = int(sys.argv[2])
logits = [[random.gauss(0, 3) for _ in range(10)] for _ in range(n // 10)]
targets = [random.randrange(10) for _ in range(n // 10)]
t = time.thread_time()
with FocalLensWriter(sys.argv[1], alpha=None, gamma=2.0, fsync=False, background=False) as w:
    w.add(logits, targets, epoch=0)
print(time.thread_time() - t)
"""


def writer_alone(folder, values=1_000_000):
    logits = (np.random.default_rng(0).standard_normal((values // 10, 10)) * 3).astype(np.float32)
    targets = np.random.default_rng(1).integers(0, 10, values // 10)
    best = float("inf")
    for r in range(3):
        t = time.thread_time()
        with FocalLensWriter(os.path.join(folder, f"alone{r}.jsonl"), alpha=None, gamma=2.0, fsync=False, background=False) as w:
            w.add(logits, targets, epoch=0)
        best = min(best, time.thread_time() - t)
    env = {**os.environ, "PYTHONPATH": os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")}
    out = subprocess.run([sys.executable, "-c", NO_NUMPY, os.path.join(folder, "plain.jsonl"), str(values)], env=env, capture_output=True, text=True, check=True)
    return {"values": values, "numpy_s": best, "pure_python_s": float(out.stdout)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    with tempfile.TemporaryDirectory() as folder:
        rows = [run_case(*case, args.samples, args.repeats, folder) for case in CASES]
        alone = writer_alone(folder)
    if args.json:
        print(json.dumps({"cases": rows, "writer_alone": alone}, indent=2))
        return
    print(f"validation epoch of {args.samples:,} samples, batches of {BATCH}, torch {torch.__version__} on {torch.get_num_threads()} thread(s)")
    print(f"{'case':38} {'runs':>4} {'epoch':>8} {'ep. CPU':>8} {'writer':>8} {'share':>6} {'backgr.':>8} {'fsync':>7} {'MB':>5}")
    for r in rows:
        print(
            f"{r['case']:38} {r['repeats']:4d} {r['epoch_s']:7.2f}s {r['epoch_cpu_s']:7.2f}s {r['writer_cpu_s'] * 1e3:6.1f}ms "
            f"{r['writer_share']:6.2%} {r['background_cpu_s'] * 1e3:6.0f}ms {r['fsync_s'] * 1e3:5.1f}ms {r['mb_per_epoch']:5.1f}"
        )
    print(f"writer alone (CPU), {alone['values']:,} float32 values (100k x 10) + targets: numpy {alone['numpy_s']:.2f}s, without numpy {alone['pure_python_s']:.2f}s")


if __name__ == "__main__":
    main()
