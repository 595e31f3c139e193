"""Peer for `npm run bench`: pandas reads a PyTorch Lightning metrics.csv and computes what Focal
Lens judges from it: per validation epoch and class, recall, precision and their ratio (predicted /
true share), and the epochs where a class's recall is at most 0.02.

Usage: python3 bench/peer_metrics.py <metrics.csv>
Prints one JSON object (epochs, classes, vanished epochs, the last epoch's ratios) on stdout.
"""
import json
import re
import sys

import pandas as pd


def main(path):
    df = pd.read_csv(path)
    recall = sorted(c for c in df.columns if re.match(r"val_recall_", c))
    classes = [c[len("val_recall_"):] for c in recall]
    val = df.dropna(subset=recall, how="all")
    # Lightning writes sparse rows: the last logged value of each epoch
    per_epoch = val.groupby("epoch").last()
    r = per_epoch[[f"val_recall_{c}" for c in classes]].to_numpy()
    p = per_epoch[[f"val_precision_{c}" for c in classes]].to_numpy()
    ratio = pd.DataFrame(r / p, index=per_epoch.index, columns=classes).fillna(0.0)
    vanished = {c: [int(e) for e in per_epoch.index[per_epoch[f"val_recall_{c}"] <= 0.02]] for c in classes}
    print(json.dumps({"epochs": int(len(per_epoch)), "rows": int(len(df)), "classes": classes, "vanished": vanished, "lastRatio": ratio.iloc[-1].round(6).tolist()}))


if __name__ == "__main__":
    main(sys.argv[1])
