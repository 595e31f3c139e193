#!/usr/bin/env python3
"""A real training run that starts healthy and collapses later, for the watch's onset test.

Binary data (2-D features; 5,000 negatives and 250 positives to train on, 1,900 and 100 to
validate), an MLP 2-16-16-1 (tanh) with a neutral start (output bias 0), torchvision's
sigmoid_focal_loss with alpha 0.999 (positive convention: positives x0.999, negatives x0.001) and
gamma 2, plain SGD lr 0.01, batches of 128, 12 epochs. The tiny weight on negatives makes the model
call more and more samples positive until the negatives vanish.

The validation logits of every epoch go through focal_lens.FocalLensWriter (python/) into
val_preds.jsonl, as a training loop would write them. truth.json holds, per epoch, what the same
logits give computed here with numpy (predicted share, recall per class) and the status by the
rules of test/fixtures/real-logs/README.md ("Rules used for the verdicts"): the epoch the collapse
starts is known without Focal Lens.

Deterministic (seeded, one thread); a few seconds:
    /usr/bin/python3 scripts/experiments/collapse_onset.py
"""
import json
import math
import os
import sys

import numpy as np
import torch
from torchvision.ops import sigmoid_focal_loss

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "python"))
from focal_lens import FocalLensWriter  # noqa: E402

OUT = os.path.join(ROOT, "test", "fixtures", "watch", "collapse-onset")
SEED = 3
ALPHA = 0.999
GAMMA = 2.0
EPOCHS = 12
LR = 0.01
BATCH = 128
MU = 1.5
CLASSES = ["negative", "positive"]


def data(gen, negatives, positives):
    xn = torch.randn(negatives, 2, generator=gen)
    xp = torch.randn(positives, 2, generator=gen) + torch.tensor([MU, MU / 2])
    return torch.cat([xn, xp]), torch.cat([torch.zeros(negatives), torch.ones(positives)])


def status(shares, recalls, counts, true_shares, ratios_history):
    """The rules of test/fixtures/real-logs/README.md for one epoch (ratios_history: |ln ratio| per class, this epoch last)."""
    for c in range(2):
        if counts[c] >= 10 and recalls[c] <= 0.02:
            return "collapsed"
        if shares[c] >= 0.98 and true_shares[c] <= 0.9:
            return "collapsed"
    if len(ratios_history) >= 3:
        for c in range(2):
            ratio = shares[c] / true_shares[c]
            dev = [h[c] for h in ratios_history[-3:]]
            if (ratio >= 3 or ratio <= 1 / 3) and dev[0] <= dev[1] <= dev[2] and dev[2] > dev[0]:
                return "drifting"
    return "healthy"


def main():
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(SEED)
    x_train, y_train = data(gen, 5000, 250)
    x_val, y_val = data(gen, 1900, 100)
    torch.manual_seed(SEED)
    net = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
    torch.nn.init.zeros_(net[-1].bias)
    opt = torch.optim.SGD(net.parameters(), lr=LR)
    os.makedirs(OUT, exist_ok=True)
    dump = os.path.join(OUT, "val_preds.jsonl")
    if os.path.exists(dump):
        os.remove(dump)
    writer = FocalLensWriter(dump, loss="sigmoid_focal", alpha=ALPHA, gamma=GAMMA, convention="positive", classes=CLASSES, split="val", fsync=False, background=False)
    y = y_val.numpy().astype(np.int64)
    counts = [int((y == c).sum()) for c in range(2)]
    true_shares = [n / len(y) for n in counts]
    epochs, history = [], []
    for epoch in range(1, EPOCHS + 1):
        perm = torch.randperm(len(x_train), generator=gen)
        for i in range(0, len(x_train), BATCH):
            idx = perm[i:i + BATCH]
            loss = sigmoid_focal_loss(net(x_train[idx]).squeeze(1), y_train[idx], alpha=ALPHA, gamma=GAMMA, reduction="sum") / len(idx)
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            logits = net(x_val).squeeze(1)
        writer.add(logits, y_val.long(), epoch=epoch)
        writer.end_epoch()
        # what the dump holds (float32), judged here: p >= 0.5 is positive
        pred = (1 / (1 + np.exp(-logits.numpy().astype(np.float64))) >= 0.5).astype(np.int64)
        shares = [float((pred == c).mean()) for c in range(2)]
        recalls = [float(((pred == c) & (y == c)).sum() / counts[c]) for c in range(2)]
        history.append([abs(math.log(s / t)) if s > 0 else math.inf for s, t in zip(shares, true_shares)])
        epochs.append({"epoch": epoch, "predShare": dict(zip(CLASSES, shares)), "recall": dict(zip(CLASSES, recalls)), "status": status(shares, recalls, counts, true_shares, history)})
    writer.close()
    first = lambda s: next((e["epoch"] for e in epochs if e["status"] == s), None)  # noqa: E731
    truth = {
        "generator": "scripts/experiments/collapse_onset.py",
        "torch": torch.__version__,
        "loss": "torchvision.ops.sigmoid_focal_loss, sum / batch",
        "alpha": ALPHA,
        "gamma": GAMMA,
        "convention": "positive",
        "classes": CLASSES,
        "valCounts": dict(zip(CLASSES, counts)),
        "rules": "test/fixtures/real-logs/README.md, 'Rules used for the verdicts' (epochs 1-based)",
        "firstDrifting": first("drifting"),
        "firstCollapsed": first("collapsed"),
        "epochs": epochs,
    }
    with open(os.path.join(OUT, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1)
        f.write("\n")
    print(f"collapse from epoch {truth['firstCollapsed']}, drifting from {truth['firstDrifting']}: {[e['status'][0] for e in epochs]}")


if __name__ == "__main__":
    main()
