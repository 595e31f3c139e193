"""A tiny seeded training run that writes its validation predictions with FocalLensWriter, for
test/unit/python-writer.test.ts: a plain PyTorch loop, 4 epochs, a binary head trained with
torchvision's sigmoid_focal_loss and a 3-class head trained with a softmax focal loss.

Prints JSON: the two dump paths and, per epoch, the focal-loss sum of the logits written, computed
here with torchvision.ops.sigmoid_focal_loss(reduction="sum") and plain torch ops: independent
numbers the analysis of the dumps must reproduce.

    PYTHONPATH=python /usr/bin/python3 test/unit/python/train_tiny.py OUT_FOLDER
"""
import json
import os
import sys

import torch
from torchvision.ops import sigmoid_focal_loss

from focal_lens import FocalLensWriter

EPOCHS = 4
ALPHA, GAMMA = 0.25, 2.0
ALPHA_VECTOR = [0.2, 0.3, 0.5]


def softmax_focal_loss(logits, y, alpha, gamma):
    """Per sample: -alpha_y (1 - p_y)^gamma log p_y."""
    logp = torch.log_softmax(logits, dim=1).gather(1, y[:, None])[:, 0]
    return -torch.tensor(alpha, dtype=logits.dtype)[y] * (1 - logp.exp()) ** gamma * logp


def softmax_focal_sum(logits, y, alpha, gamma):
    return float(softmax_focal_loss(logits.double(), y, alpha, gamma).sum())


def batches(x, y, size=128):
    for i in range(0, x.shape[0], size):
        yield x[i : i + size], y[i : i + size]


def train(model, loss_fn, x, y, x_val, y_val, writer, focal_sum):
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    sums = {}
    for epoch in range(1, EPOCHS + 1):
        model.train()
        for xb, yb in batches(x, y):
            opt.zero_grad()
            loss_fn(model(xb), yb).backward()
            opt.step()
        model.eval()
        total = 0.0
        with torch.no_grad():
            for xb, yb in batches(x_val, y_val):
                logits = model(xb)
                writer.add(logits, yb, epoch=epoch)
                total += focal_sum(logits, yb)
        writer.end_epoch()
        sums[epoch] = total
    return sums


def main(out):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(3000, 2, generator=g)
    score = x[:, 0] + 0.5 * torch.randn(3000, generator=g)
    y_bin = (score > 1.3).float()  # about 10% positives
    y_3 = torch.bucketize(score, torch.tensor([-0.5, 0.8]))
    torch.manual_seed(0)
    binary = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    three = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    binary_path = os.path.join(out, "binary.jsonl")
    softmax_path = os.path.join(out, "softmax.jsonl")
    with FocalLensWriter(binary_path, loss="sigmoid_focal", alpha=ALPHA, gamma=GAMMA, convention="positive", classes=["negative", "positive"]) as w:
        binary_sums = train(
            binary, lambda out, t: sigmoid_focal_loss(out.squeeze(1), t, alpha=ALPHA, gamma=GAMMA, reduction="mean"),
            x[:2000], y_bin[:2000], x[2000:], y_bin[2000:], w,
            lambda out, t: float(sigmoid_focal_loss(out.squeeze(1).double(), t.double(), alpha=ALPHA, gamma=GAMMA, reduction="sum")),
        )
    with FocalLensWriter(softmax_path, loss="softmax_focal", alpha=ALPHA_VECTOR, gamma=GAMMA, classes=["low", "mid", "high"]) as w:
        softmax_sums = train(
            three, lambda out, t: softmax_focal_loss(out, t, ALPHA_VECTOR, GAMMA).mean(),
            x[:2000], y_3[:2000], x[2000:], y_3[2000:], w,
            lambda out, t: softmax_focal_sum(out, t, ALPHA_VECTOR, GAMMA),
        )
    print(json.dumps({"binary": binary_path, "softmax": softmax_path, "binarySums": binary_sums, "softmaxSums": softmax_sums}))


if __name__ == "__main__":
    main(sys.argv[1])
