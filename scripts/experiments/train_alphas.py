#!/usr/bin/env python3
"""Counterfactual-alpha validation experiment and example dumps for Focal Lens.

Trains the same small model on the same synthetic, overlapping 2-D binary data set (5,000 negatives,
200 positives, prevalence 3.8%) with torchvision's sigmoid_focal_loss at gamma 2 and several alphas
(0.25, 0.5, 0.75, 0.96), seeded, and records what really happened:

- test/fixtures/experiments/outcomes.json: per-run predicted-positive rate, recall, precision, F1 and
  balanced accuracy on the training set at the end of training (threshold 0.5);
- test/fixtures/experiments/alpha_0.5_final.json: the alpha = 0.5 run's final per-sample logits and
  targets, from which the unit test predicts the other runs' outcomes with the counterfactual of
  docs/method.md ("Counterfactual");
- examples/binary-alpha-0.25.jsonl and examples/binary-alpha-0.96.jsonl: per-epoch prediction dumps
  (batch records) of the alpha 0.25 and alpha 0.96 runs;
- examples/softmax-4class-vector.jsonl (+ .csv): a 4-class softmax run with an alpha vector.

Only needed to regenerate these files:  /usr/bin/python3 scripts/experiments/train_alphas.py
Requires torch (and torchvision for sigmoid_focal_loss; an identical fallback is used without it).
"""
import json
import math
import os
import sys

import torch

try:
    from torchvision.ops import sigmoid_focal_loss
except Exception:  # pragma: no cover - identical formula to torchvision.ops.sigmoid_focal_loss
    def sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2.0, reduction="none"):
        p = torch.sigmoid(inputs)
        ce = torch.nn.functional.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
        p_t = p * targets + (1 - p) * (1 - targets)
        loss = ce * ((1 - p_t) ** gamma)
        if alpha >= 0:
            loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
        return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.join(ROOT, "test", "fixtures", "experiments")
EXAMPLES = os.path.join(ROOT, "examples")

SEED = 20240611
N_NEG, N_POS = 5000, 200
GAMMA = 2.0
ALPHAS = [0.25, 0.5, 0.75, 0.96]
EPOCHS = 10          # logged epochs
STEPS_PER_EPOCH = 100
LR = 0.02


def make_binary_data(gen):
    """Overlapping classes: most negatives share a broad blob with the positives (which sit slightly
    off-centre), a minority of negatives are easy and far away."""
    n_easy = 1000
    n_hard = N_NEG - n_easy
    hard = torch.randn(n_hard, 2, generator=gen) * 1.0
    easy = torch.randn(n_easy, 2, generator=gen) * 0.6 + torch.tensor([4.0, -3.0])
    pos = torch.randn(N_POS, 2, generator=gen) * 1.0 + torch.tensor([0.4, 0.0])
    x = torch.cat([hard, easy, pos])
    y = torch.cat([torch.zeros(N_NEG), torch.ones(N_POS)])
    return x, y


def mlp(inp, out, gen_seed, prior=None):
    torch.manual_seed(gen_seed)
    net = torch.nn.Sequential(
        torch.nn.Linear(inp, 16), torch.nn.Tanh(),
        torch.nn.Linear(16, 16), torch.nn.Tanh(),
        torch.nn.Linear(16, out),
    )
    if prior is not None:  # RetinaNet prior initialisation: p = prior for every sample at start
        torch.nn.init.zeros_(net[-1].weight)
        torch.nn.init.constant_(net[-1].bias, -math.log((1 - prior) / prior))
    return net


def metrics(logits, y):
    pred = (logits > 0).float()
    tp = float((pred * y).sum())
    fp = float((pred * (1 - y)).sum())
    fn = float(((1 - pred) * y).sum())
    tn = float(((1 - pred) * (1 - y)).sum())
    n = len(y)
    recall = tp / (tp + fn) if tp + fn else 0.0
    precision = tp / (tp + fp) if tp + fp else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    spec = tn / (tn + fp) if tn + fp else 0.0
    return {
        "predPositiveRate": (tp + fp) / n,
        "recall": recall,
        "precision": precision,
        "f1": f1,
        "specificity": spec,
        "balancedAccuracy": (recall + spec) / 2,
        "accuracy": (tp + tn) / n,
    }


def train_binary(x, y, alpha, record_epochs):
    net = mlp(2, 1, SEED, prior=0.01)
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    epochs = []
    for epoch in range(1, EPOCHS + 1):
        for _ in range(STEPS_PER_EPOCH):  # full batch: the data set is small
            opt.zero_grad()
            z = net(x).squeeze(1)
            loss = sigmoid_focal_loss(z, y, alpha=alpha, gamma=GAMMA, reduction="sum") / len(y)
            loss.backward()
            opt.step()
        with torch.no_grad():
            z = net(x).squeeze(1)
        m = metrics(z, y)
        m["epoch"] = epoch
        epochs.append(m)
        if record_epochs is not None:
            record_epochs.append((epoch, z.clone()))
    return z, epochs


def train_logged_sgd(x, y, alpha, epochs=10, lr=0.5, batch=128):
    """The example dumps: a typical short training log (minibatch SGD, shuffled, one dump per epoch)."""
    net = mlp(2, 1, SEED, prior=0.01)
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    g = torch.Generator().manual_seed(SEED + 7)
    records, per_epoch = [], []
    for epoch in range(1, epochs + 1):
        perm = torch.randperm(len(y), generator=g)
        for s in range(0, len(y), batch):
            idx = perm[s:s + batch]
            opt.zero_grad()
            z = net(x[idx]).squeeze(1)
            loss = sigmoid_focal_loss(z, y[idx], alpha=alpha, gamma=GAMMA, reduction="sum") / len(idx)
            loss.backward()
            opt.step()
        with torch.no_grad():
            z = net(x).squeeze(1)
        records.append((epoch, z.clone()))
        m = metrics(z, y)
        m["epoch"] = epoch
        per_epoch.append(m)
    return records, per_epoch


def r4(v):
    return float(f"{v:.3f}")


def write_binary_dump(path, alpha, records, y):
    meta = {"meta": {"loss": "sigmoid_focal", "alpha": alpha, "gamma": GAMMA, "convention": "positive",
                     "classes": ["negative", "positive"], "split": "train",
                     "source": "scripts/experiments/train_alphas.py (torchvision sigmoid_focal_loss)"}}
    targets = [int(t) for t in y.tolist()]
    with open(path, "w") as f:
        f.write(json.dumps(meta) + "\n")
        for epoch, z in records:
            # batches of 1,300 samples per line
            for start in range(0, len(targets), 1300):
                rec = {"epoch": epoch, "targets": targets[start:start + 1300],
                       "logits": [r4(v) for v in z[start:start + 1300].tolist()]}
                f.write(json.dumps(rec, separators=(",", ":")) + "\n")


def softmax_example():
    gen = torch.Generator().manual_seed(SEED + 1)
    counts = [1200, 500, 200, 60]
    centers = torch.tensor([[0.0, 0.0], [1.6, 0.4], [0.4, 1.6], [1.2, 1.2]])
    xs, ys = [], []
    for c, n in enumerate(counts):
        xs.append(torch.randn(n, 2, generator=gen) * 0.9 + centers[c])
        ys.append(torch.full((n,), c, dtype=torch.long))
    x, y = torch.cat(xs), torch.cat(ys)
    alpha = torch.tensor([0.1, 0.2, 0.3, 0.4])  # a vector that pushes towards the rare classes
    net = mlp(2, 4, SEED + 1)
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    records = []
    for epoch in range(1, 9):
        for _ in range(100):
            opt.zero_grad()
            z = net(x)
            logp = torch.log_softmax(z, dim=1)
            logpt = logp.gather(1, y[:, None]).squeeze(1)
            pt = logpt.exp()
            loss = (-alpha[y] * (1 - pt) ** GAMMA * logpt).mean()
            loss.backward()
            opt.step()
        with torch.no_grad():
            records.append((epoch, net(x).clone()))
    classes = ["background", "car", "person", "bicycle"]
    meta = {"meta": {"loss": "softmax_focal", "alpha": alpha.tolist(), "gamma": GAMMA, "convention": "vector",
                     "classes": classes, "split": "val",
                     "source": "scripts/experiments/train_alphas.py"}}
    targets = y.tolist()
    with open(os.path.join(EXAMPLES, "softmax-4class-vector.jsonl"), "w") as f:
        f.write(json.dumps(meta) + "\n")
        for epoch, z in records:
            for start in range(0, len(targets), 500):
                rec = {"epoch": epoch, "targets": targets[start:start + 500],
                       "logits": [[r4(v) for v in row] for row in z[start:start + 500].tolist()]}
                f.write(json.dumps(rec, separators=(",", ":")) + "\n")
    # the last two epochs also as CSV (no meta: alpha and gamma must be given as flags)
    with open(os.path.join(EXAMPLES, "softmax-4class-vector.csv"), "w") as f:
        f.write("epoch,target,logit_0,logit_1,logit_2,logit_3\n")
        for epoch, z in records[-2:]:
            for t, row in zip(targets, z.tolist()):
                f.write(f"{epoch},{t}," + ",".join(f"{v:.4f}" for v in row) + "\n")


def main():
    torch.set_num_threads(2)
    os.makedirs(FIXTURES, exist_ok=True)
    os.makedirs(EXAMPLES, exist_ok=True)
    gen = torch.Generator().manual_seed(SEED)
    x, y = make_binary_data(gen)
    runs = []
    final_half = None
    for alpha in ALPHAS:
        z, epochs = train_binary(x, y, alpha, None)
        final = epochs[-1]
        print(f"alpha {alpha}: " + ", ".join(f"{k} {v:.4f}" for k, v in final.items() if k != "epoch"), file=sys.stderr)
        print("   predPositiveRate by epoch: " + " ".join(f"{e['predPositiveRate']:.3f}" for e in epochs), file=sys.stderr)
        runs.append({"alpha": alpha, "final": final, "epochs": epochs})
        if alpha == 0.5:
            final_half = z
    examples = {}
    for alpha in (0.25, 0.96):
        rec, per_epoch = train_logged_sgd(x, y, alpha)
        print(f"example alpha {alpha}: predPositiveRate by epoch " + " ".join(f"{e['predPositiveRate']:.3f}" for e in per_epoch), file=sys.stderr)
        write_binary_dump(os.path.join(EXAMPLES, f"binary-alpha-{alpha}.jsonl"), alpha, rec, y)
        examples[str(alpha)] = per_epoch
    outcomes = {
        "description": "Separately trained runs (same data, model, seed and schedule; only alpha differs). "
                       "Metrics on the training set at the last epoch, threshold 0.5.",
        "data": {"negatives": N_NEG, "positives": N_POS, "features": 2},
        "model": "MLP 2-16-16-1 tanh, RetinaNet prior init p=0.01, Adam lr 0.02, full batch",
        "loss": "torchvision.ops.sigmoid_focal_loss, reduction sum / N",
        "gamma": GAMMA, "epochs": EPOCHS, "stepsPerEpoch": STEPS_PER_EPOCH, "seed": SEED,
        "torch": torch.__version__,
        "runs": runs,
        "examples": {"note": "examples/binary-alpha-*.jsonl: minibatch SGD lr 0.5, batch 128, 10 epochs, same data and init",
                     "epochs": examples},
    }
    with open(os.path.join(FIXTURES, "outcomes.json"), "w") as f:
        json.dump(outcomes, f, indent=1)
    with open(os.path.join(FIXTURES, "alpha_0.5_final.json"), "w") as f:
        json.dump({"alpha": 0.5, "gamma": GAMMA, "convention": "positive",
                   "targets": [int(t) for t in y.tolist()],
                   "logits": [float(f"{v:.5f}") for v in final_half.tolist()]}, f, separators=(",", ":"))
    softmax_example()


if __name__ == "__main__":
    main()
