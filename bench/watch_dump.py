"""The growing dump of bench/watch-tick.ts: a JSONL dump of softmax logits (10 imbalanced classes),
written epoch by epoch by the focal_lens writer (python/ on sys.path), until it is at least the
given size. Usage: watch_dump.py <path> <megabytes> <samples per epoch>. Deterministic (seeded)."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from focal_lens import FocalLensWriter  # noqa: E402

CLASSES = 10


def main() -> None:
    path, megabytes, samples = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    rng = np.random.default_rng(20261201)
    # class k has prior proportional to 1 / (k + 1), as in scripts/bench.mjs
    prior = 1 / np.arange(1, CLASSES + 1)
    targets = rng.choice(CLASSES, size=samples, p=prior / prior.sum())
    alpha = [round(0.25 + 0.05 * k, 2) for k in range(CLASSES)]
    writer = FocalLensWriter(path, loss="softmax_focal", alpha=alpha, gamma=2.0, convention="vector",
                             classes=[f"c{k}" for k in range(CLASSES)], fsync=False, background=False)
    epoch = 0
    while epoch == 0 or os.path.getsize(path) < megabytes * 1e6:
        epoch += 1
        logits = rng.normal(0, 1.2, size=(samples, CLASSES)).astype(np.float32)
        logits[np.arange(samples), targets] += 0.05 * epoch
        writer.add(logits, targets, epoch=epoch)
        writer.end_epoch()
    writer.close()
    print(f"{path}: {epoch} epochs of {samples} samples, {os.path.getsize(path) / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
