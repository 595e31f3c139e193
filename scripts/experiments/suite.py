#!/usr/bin/env python3
"""The retrained-run suite behind Focal Lens's fidelity table (docs/method.md, "Fidelity").

Every cell of the grid below is a real training run with Debian's python3-torch (torchvision's
sigmoid_focal_loss for the sigmoid runs): the same data, model, schedule and seed, only alpha
differs. Each run's validation predictions are what a user would dump; the other alphas' runs are
what retraining really gives, so a test can check every counterfactual, verdict and suggestion
Focal Lens makes from one run against the runs it did not see.

Grid
- sigmoid (binary, 4% positives), 4 data sets from easy to impossible:
  separable (positives well apart), medium (alpha 0.5 finds some positives), overlap (only alphas
  near 1 - prevalence find any), noise (labels independent of the features);
  alphas 0.1 0.25 0.5 0.75 0.85 0.9 0.93 0.96 0.98 0.99 (torchvision "positive" convention;
  dense near 1 - prevalence, where the outcome changes fastest).
- softmax (3 classes: background 90%, 'a' 7%, 'b' 3%), 3 data sets: separable, medium, noise;
  scalar alpha in the class0-alpha convention ([alpha, 1 - alpha, 1 - alpha]):
  0.05 0.1 0.25 0.5 0.75 0.9.
- 2 schedules: "adam" (Adam lr 0.01, batch 128, 10 epochs: near the loss minimum) and "sgd-slow"
  (plain SGD lr 0.1, batch 128, 10 epochs: under-trained, probabilities squashed towards the
  RetinaNet prior, the regime where extrapolating from the loss minimum fails);
- 2 seeds (data sample, initialisation and shuffling).

Output (test/fixtures/experiments/suite/)
- index.json: the grid and, per run, every epoch's validation metrics (per class: predicted share,
  recall, precision; and the AUC of the last epoch);
- runs/<id>.npz: the last epoch's validation logits (float16) and targets (uint8), the input the
  unit tests give `focal-lens analyze`.

Deterministic (seeded, single-threaded); about a minute on 2 cores:
    /usr/bin/python3 scripts/experiments/suite.py
"""
import io
import json
import os
import sys
import time
import zipfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from train_alphas import ROOT, mlp, sigmoid_focal_loss  # noqa: E402  (the same loss and model as the examples)

OUT = os.path.join(ROOT, "test", "fixtures", "experiments", "suite")
GAMMA = 2.0
EPOCHS = 10
BATCH = 128
SEEDS = [1, 2]
SIGMOID_ALPHAS = [0.1, 0.25, 0.5, 0.75, 0.85, 0.9, 0.93, 0.96, 0.98, 0.99]
SOFTMAX_ALPHAS = [0.05, 0.1, 0.25, 0.5, 0.75, 0.9]
SCHEDULES = {
    "adam": {"optimizer": "Adam", "lr": 0.01},
    "sgd-slow": {"optimizer": "SGD", "lr": 0.1},
}
# train / validation sizes: negatives (background), then the rare classes
SIGMOID_COUNTS = {"train": [5000, 200], "val": [2885, 115]}
SOFTMAX_COUNTS = {"train": [4500, 350, 150], "val": [2700, 210, 90]}
# positives' centre and spread (negatives: standard normal around the origin)
SIGMOID_DATA = {
    "separable": {"mu": 3.0, "sd": 0.7, "about": "positives well apart: alpha 0.5 finds most of them"},
    "medium": {"mu": 1.8, "sd": 1.0, "about": "partly separable: alpha 0.5 finds a few positives, 0.75 about half"},
    "overlap": {"mu": 0.4, "sd": 1.0, "easy": 0.2, "about": "positives inside the negatives' blob (a fifth of the negatives are easy and far): only alphas near 1 - prevalence predict any"},
    "noise": {"mu": 0.0, "sd": 1.0, "about": "labels independent of the features: no alpha separates"},
}
SOFTMAX_DATA = {
    "separable": {"mu": 3.0, "sd": 0.7, "about": "'a' and 'b' well apart from the background and each other"},
    "medium": {"mu": 1.8, "sd": 1.0, "about": "'a' and 'b' partly inside the background"},
    "noise": {"mu": 0.0, "sd": 1.0, "about": "labels independent of the features"},
}


def sigmoid_data(spec, counts, gen):
    n_neg, n_pos = counts
    n_easy = int(round(spec.get("easy", 0.0) * n_neg))
    neg = torch.randn(n_neg - n_easy, 2, generator=gen)
    if n_easy:
        neg = torch.cat([neg, torch.randn(n_easy, 2, generator=gen) * 0.6 + torch.tensor([4.0, -3.0])])
    pos = torch.randn(n_pos, 2, generator=gen) * spec["sd"] + torch.tensor([spec["mu"], 0.0])
    return torch.cat([neg, pos]), torch.cat([torch.zeros(n_neg), torch.ones(n_pos)])


def softmax_data(spec, counts, gen):
    centres = [(0.0, 0.0), (spec["mu"], 0.0), (0.0, spec["mu"])]
    xs, ys = [], []
    for c, n in enumerate(counts):
        sd = 1.0 if c == 0 else spec["sd"]
        xs.append(torch.randn(n, 2, generator=gen) * sd + torch.tensor(centres[c]))
        ys.append(torch.full((n,), c, dtype=torch.long))
    return torch.cat(xs), torch.cat(ys)


def softmax_focal(z, y, alpha_vec):
    """Softmax focal loss with a per-class alpha (docs/method.md, "Per-sample pieces"), summed."""
    logpt = torch.log_softmax(z, dim=1).gather(1, y[:, None]).squeeze(1)
    pt = logpt.exp()
    return (-alpha_vec[y] * (1 - pt) ** GAMMA * logpt).sum()


def auc(scores, positive):
    """Mann-Whitney AUC with average ranks for ties."""
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    s = scores[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    n_pos = int(positive.sum())
    n_neg = len(scores) - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def class_metrics(pred, y, k):
    out = {"predShare": [], "recall": [], "precision": []}
    for c in range(k):
        tp = int(((pred == c) & (y == c)).sum())
        npred = int((pred == c).sum())
        ntrue = int((y == c).sum())
        out["predShare"].append(round(npred / len(y), 5))
        out["recall"].append(round(tp / ntrue, 5) if ntrue else 0.0)
        out["precision"].append(round(tp / npred, 5) if npred else 0.0)
    return out


def train_run(kind, x, y, xv, yv, alpha, schedule, seed):
    k = 1 if kind == "sigmoid" else 3
    # sigmoid: the RetinaNet prior (p = 0.01 at start), as detection heads do
    net = mlp(2, k, 1000 * seed + 17, prior=0.01 if kind == "sigmoid" else None)
    sch = SCHEDULES[schedule]
    opt = (torch.optim.Adam if sch["optimizer"] == "Adam" else torch.optim.SGD)(net.parameters(), lr=sch["lr"])
    gen = torch.Generator().manual_seed(7919 * seed + 3)
    alpha_vec = torch.tensor([alpha] + [1 - alpha] * (k - 1)) if kind == "softmax" else None
    epochs = []
    for epoch in range(1, EPOCHS + 1):
        perm = torch.randperm(len(y), generator=gen)
        for s in range(0, len(y), BATCH):
            idx = perm[s:s + BATCH]
            opt.zero_grad()
            z = net(x[idx])
            if kind == "sigmoid":
                loss = sigmoid_focal_loss(z.squeeze(1), y[idx], alpha=alpha, gamma=GAMMA, reduction="sum") / len(idx)
            else:
                loss = softmax_focal(z, y[idx], alpha_vec) / len(idx)
            loss.backward()
            opt.step()
        with torch.no_grad():
            zv = net(xv)
        if kind == "sigmoid":
            pred = (zv.squeeze(1) > 0).long().numpy()
            m = class_metrics(pred, yv.long().numpy(), 2)
        else:
            m = class_metrics(zv.argmax(1).numpy(), yv.numpy(), 3)
        m["epoch"] = epoch
        epochs.append(m)
    return zv, epochs


def write_npz(path, logits, targets):
    """np.savez_compressed with a fixed member timestamp, so reruns give identical bytes."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, arr in (("logits", logits), ("targets", targets)):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arr), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(2024, 6, 11, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, buf.getvalue())


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(os.path.join(OUT, "runs"), exist_ok=True)
    started = time.time()
    runs = []
    groups = [("sigmoid", name, spec, SIGMOID_ALPHAS) for name, spec in SIGMOID_DATA.items()]
    groups += [("softmax", name, spec, SOFTMAX_ALPHAS) for name, spec in SOFTMAX_DATA.items()]
    for kind, dname, spec, alphas in groups:
        counts = SIGMOID_COUNTS if kind == "sigmoid" else SOFTMAX_COUNTS
        make = sigmoid_data if kind == "sigmoid" else softmax_data
        for seed in SEEDS:
            gen = torch.Generator().manual_seed(104729 * seed + len(dname))
            x, y = make(spec, counts["train"], gen)
            xv, yv = make(spec, counts["val"], gen)
            yv_np = yv.long().numpy()
            for schedule in SCHEDULES:
                for alpha in alphas:
                    zv, epochs = train_run(kind, x, y, xv, yv, alpha, schedule, seed)
                    rid = f"{kind}-{dname}-{schedule}-s{seed}-a{alpha}"
                    logits = zv.squeeze(1) if kind == "sigmoid" else zv
                    half = logits.numpy().astype(np.float16)
                    write_npz(os.path.join(OUT, "runs", f"{rid}.npz"), half, yv_np.astype(np.uint8))
                    scores = half.astype(np.float64)
                    aucs = [auc(scores if kind == "sigmoid" else scores[:, c] - np.log(np.exp(scores).sum(1)), yv_np == c)
                            for c in range(1 if kind == "sigmoid" else 3)]
                    runs.append({"id": rid, "loss": kind, "data": dname, "schedule": schedule, "seed": seed,
                                 "alpha": alpha, "auc": [round(a, 4) if a is not None else None for a in aucs],
                                 "epochs": epochs})
                    last = epochs[-1]
                    print(f"{rid:44s} pred {last['predShare']} recall {last['recall']}", file=sys.stderr)
    index = {
        "description": "Real retrained runs: per data set, schedule and seed the same run at several alphas. "
                       "Metrics on the validation set, every epoch (sigmoid threshold 0.5; softmax argmax). "
                       "Classes: sigmoid [negative, positive]; softmax [background, a, b].",
        "generator": "scripts/experiments/suite.py",
        "torch": torch.__version__,
        "gamma": GAMMA, "epochs": EPOCHS, "batch": BATCH, "seeds": SEEDS,
        "schedules": SCHEDULES,
        "sigmoid": {"convention": "positive", "loss": "torchvision.ops.sigmoid_focal_loss, sum / batch",
                    "classes": ["negative", "positive"], "alphas": SIGMOID_ALPHAS, "counts": SIGMOID_COUNTS,
                    "data": SIGMOID_DATA, "model": "MLP 2-16-16-1 tanh, RetinaNet prior p = 0.01"},
        "softmax": {"convention": "class0-alpha", "loss": "softmax focal loss, alpha vector [alpha, 1 - alpha, 1 - alpha], sum / batch",
                    "classes": ["background", "a", "b"], "alphas": SOFTMAX_ALPHAS, "counts": SOFTMAX_COUNTS,
                    "data": SOFTMAX_DATA, "model": "MLP 2-16-16-3 tanh"},
        "runs": runs,
    }
    with open(os.path.join(OUT, "index.json"), "w") as f:
        json.dump(index, f, separators=(",", ":"))
        f.write("\n")
    print(f"{len(runs)} runs in {time.time() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
