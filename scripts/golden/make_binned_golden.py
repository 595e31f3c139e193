#!/usr/bin/env python3
"""Synthetic PR curves with exact focal quantities: the independent check of the binned estimator
(src/core/analysis/binned.ts).

Run with Debian's python3 (python3-numpy):

    /usr/bin/python3 scripts/golden/make_binned_golden.py

For each distribution of per-sample logits (negatives and positives drawn apart, seeded) and each
number of thresholds T, the script buckets the probabilities the way torch.utils.tensorboard's
add_pr_curve does (float32 probabilities, bucket floor(p * (T - 1)), TP / FP = counts of
bucket >= i) and computes, in float64 from the logits, the exact sigmoid focal quantities of
focal-math.md section 1 for several (alpha, gamma): FL+ and FL- (torchvision's formula: stable BCE
with logits times (1 - p_t)^gamma times a_t, no clipping), mean multipliers w+ and w-, gradient
masses G+ and G- (closed form |dFL/dz|), and the predicted count at p >= 0.5.

Writes test/fixtures/tensorboard/binned-synthetic.json.
"""
import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "fixtures", "tensorboard", "binned-synthetic.json")
SEED = 20260611
rng = np.random.default_rng(SEED)


def normal(mu, sd):
    return lambda n: rng.normal(mu, sd, n)


def mixture(*parts):
    """parts: (weight, sampler) pairs."""
    weights = np.array([w for w, _ in parts], dtype=np.float64)
    weights /= weights.sum()

    def draw(n):
        counts = rng.multinomial(n, weights)
        return rng.permutation(np.concatenate([s(k) for k, (_, s) in zip(counts, parts)]))
    return draw


def beta_logits(a, b):
    def draw(n):
        p = np.clip(rng.beta(a, b, n), 1e-12, 1 - 1e-12)
        return np.log(p) - np.log1p(-p)
    return draw


def student_t(mu, scale, df):
    return lambda n: mu + scale * rng.standard_t(df, n)


# name, description, negatives sampler, positives sampler, n-, n+
DISTRIBUTIONS = [
    ("typical", "negatives N(-3.5, 1.2), positives N(1, 1.8) in logit", normal(-3.5, 1.2), normal(1.0, 1.8), 20000, 800),
    ("separated", "negatives N(-7, 1.5), positives N(5, 2): mass in the lowest and highest bins", normal(-7, 1.5), normal(5, 2), 20000, 800),
    ("prior-collapse", "everything near the RetinaNet prior p = 0.01: N(-4.6, 0.3) and N(-4.2, 0.4)", normal(-4.6, 0.3), normal(-4.2, 0.4), 20000, 800),
    ("positive-collapse", "everything predicted positive: N(1.5, 0.5) and N(2, 0.5)", normal(1.5, 0.5), normal(2.0, 0.5), 20000, 800),
    ("overlap", "balanced and overlapping: N(-1, 1) and N(0, 1)", normal(-1, 1), normal(0, 1), 5000, 5000),
    ("beta", "probabilities Beta(0.3, 3) and Beta(2, 0.5): unbounded densities at 0 and 1", beta_logits(0.3, 3), beta_logits(2, 0.5), 20000, 800),
    ("small", "200 negatives N(-3, 1.5), 10 positives N(0.5, 1.5)", normal(-3, 1.5), normal(0.5, 1.5), 200, 10),
    ("bimodal", "negatives half N(-6, 0.5) half N(0, 1); positives N(2, 1)", mixture((0.5, normal(-6, 0.5)), (0.5, normal(0, 1))), normal(2, 1), 20000, 800),
    ("heavy-tail", "Student-t (3 dof) logits: negatives -4 + 1.5 t, positives 1 + 2 t", student_t(-4, 1.5, 3), student_t(1, 2, 3), 20000, 800),
    ("hard-positives", "positives stuck low, N(-5, 1.5), negatives N(-3, 1): positives in the lowest bin", normal(-3, 1), normal(-5, 1.5), 20000, 800),
]
THRESHOLDS = [127, 201, 11]
# (alpha or None = off, gamma)
SETTINGS = [(0.25, 2.0), (0.97, 2.0), (None, 0.0), (0.5, 5.0), (0.75, 1.0)]


def tb_curve(z, y, T):
    """TP and FP of torch.utils.tensorboard compute_curve: float32 p, bucket floor(p * (T - 1))."""
    p32 = (1.0 / (1.0 + np.exp(-z))).astype(np.float32)
    bucket = np.floor(p32 * np.float32(T - 1)).astype(np.int64)
    tp_b = np.bincount(bucket[y == 1], minlength=T)[:T].astype(np.float64)
    fp_b = np.bincount(bucket[y == 0], minlength=T)[:T].astype(np.float64)
    return np.cumsum(tp_b[::-1])[::-1], np.cumsum(fp_b[::-1])[::-1], p32


def exact(z, y, alpha, gamma, p32):
    p = 1.0 / (1.0 + np.exp(-z))
    ce = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))  # BCE with logits, stable
    pt = np.where(y == 1, p, 1 - p)
    at = np.ones_like(p) if alpha is None else np.where(y == 1, alpha, 1 - alpha)
    w = at * (1 - pt) ** gamma
    fl = w * ce
    grad = at * (1 - pt) if gamma == 0 else at * (1 - pt) ** gamma * ((1 - pt) + gamma * pt * ce)
    pos, neg = y == 1, y == 0
    predicted = p32 >= 0.5
    return {
        "focalPos": float(fl[pos].sum()),
        "focalNeg": float(fl[neg].sum()),
        "meanWeightPos": float(w[pos].mean()),
        "meanWeightNeg": float(w[neg].mean()),
        "gradPos": float(grad[pos].sum()),
        "gradNeg": float(grad[neg].sum()),
        "predictedPos": int(predicted.sum()),
        "truePos": int((predicted & pos).sum()),
    }


def main():
    curves = []
    for name, description, neg, pos, n_neg, n_pos in DISTRIBUTIONS:
        z = np.concatenate([neg(n_neg), pos(n_pos)])
        y = np.concatenate([np.zeros(n_neg, dtype=np.int64), np.ones(n_pos, dtype=np.int64)])
        for T in THRESHOLDS:
            tp, fp, p32 = tb_curve(z, y, T)
            curves.append({
                "name": name,
                "description": description,
                "numThresholds": T,
                "nNeg": n_neg,
                "nPos": n_pos,
                "tp": tp.astype(int).tolist(),
                "fp": fp.astype(int).tolist(),
                "settings": [{"alpha": a, "gamma": g, **exact(z, y, a, g, p32)} for a, g in SETTINGS],
            })
    with open(OUT, "w") as f:
        json.dump({"generator": "scripts/golden/make_binned_golden.py", "seed": SEED, "curves": curves}, f)
        f.write("\n")
    print(f"{len(curves)} curves x {len(SETTINGS)} settings -> {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
