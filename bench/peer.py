"""Peer for `npm run bench`: pandas + numpy read a prediction dump (CSV or .npz) and compute the same
per-class softmax focal quantities as Focal Lens (focal-math.md section 2), per epoch.

Usage: python3 bench/peer.py <file.csv|file.npz> --gamma 2 --alpha-vector a0,a1,...
Prints one JSON object (per epoch, per class) on stdout.
"""
import argparse
import json

import numpy as np
import pandas as pd


def per_class(z, y, alpha, gamma):
    z = z.astype(np.float64)
    n, c = z.shape
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    p = e / e.sum(axis=1, keepdims=True)
    p = np.clip(p, 1e-7, 1 - 1e-7)
    rows = np.arange(n)
    pt = p[rows, y]
    a = alpha[y]
    logpt = np.log(pt)
    fl = -a * (1 - pt) ** gamma * logpt
    h = a * (gamma * (1 - pt) ** (gamma - 1) * logpt - (1 - pt) ** gamma / pt)
    ah = np.abs(h) * pt
    gpos = np.bincount(y, weights=ah * (1 - pt), minlength=c)
    gneg = ah @ p - np.bincount(y, weights=ah * pt, minlength=c)
    pred = p.argmax(axis=1)
    count = np.bincount(y, minlength=c)
    npred = np.bincount(pred, minlength=c)
    tp = np.bincount(y[pred == y], minlength=c)
    recall = np.where(count > 0, tp / np.maximum(count, 1), 0.0)
    precision = np.where(npred > 0, tp / np.maximum(npred, 1), 0.0)
    f1 = np.where(recall + precision > 0, 2 * recall * precision / np.maximum(recall + precision, 1e-300), 0.0)
    return {
        "samples": int(n),
        "focalSum": float(fl.sum()),
        "perClass": [
            {
                "count": int(count[k]),
                "predShare": float(npred[k] / n),
                "recall": float(recall[k]),
                "precision": float(precision[k]),
                "f1": float(f1[k]),
                "focalSum": float(fl[y == k].sum()),
                "gradPos": float(gpos[k]),
                "gradNeg": float(gneg[k]),
            }
            for k in range(c)
        ],
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--gamma", type=float, default=2.0)
    ap.add_argument("--alpha-vector", default=None)
    args = ap.parse_args()
    epochs = []
    if args.file.endswith(".npz"):
        d = np.load(args.file)
        z = d["logits"]
        y = d["targets"].astype(np.int64)
        ep = d["epoch"] if "epoch" in d.files else np.zeros(len(y), dtype=np.int64)
        groups = [(int(e), z[ep == e], y[ep == e]) for e in np.unique(ep)]
    else:
        df = pd.read_csv(args.file)
        cols = [c for c in df.columns if c.startswith("logit_")]
        groups = [(int(e), g[cols].to_numpy(np.float32), g["target"].to_numpy(np.int64)) for e, g in df.groupby("epoch", sort=True)]
    c = groups[0][1].shape[1]
    alpha = np.array([float(x) for x in args.alpha_vector.split(",")]) if args.alpha_vector else np.ones(c)
    for e, z, y in groups:
        r = per_class(z, y, alpha, args.gamma)
        r["epoch"] = e
        epochs.append(r)
    print(json.dumps({"epochs": epochs}))


if __name__ == "__main__":
    main()
