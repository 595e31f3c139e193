#!/usr/bin/env python3
"""Golden values for the Focal Lens compute engine, from an independent implementation.

Run with Debian's python3 (python3-torch, python3-torchvision):

    /usr/bin/python3 scripts/golden/make_golden.py

Writes test/fixtures/golden/*.json: the inputs (float32 scores, written as shortest float32
repr, and targets) and the expected per-epoch numbers. Everything expected is computed in float64
with torch: focal sums with torchvision.ops.sigmoid_focal_loss (sigmoid) or a plain torch softmax
focal loss; gradient masses G+ / G- from autograd (z.grad), not from the closed-form formulas of
focal-math.md; counts, shares, recall, precision and F1 with torch ops.

Class definitions follow src/core/compute/epoch-accumulator.ts (binary: [negative, positive], where
the negative class's positives are the y = 0 samples; undefined ratios are 0).
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F
from torchvision.ops import sigmoid_focal_loss

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures', 'golden')
# The engine clips probabilities to these float32 values (1e-7 and 1 - 1e-7 rounded to float32).
CLIP_LO = float(np.float32(1e-7))
CLIP_HI = float(np.float32(1 - 1e-7))


def f32list(a):
    """Shortest repr that round-trips through float32, as JSON numbers."""
    return [float(str(np.float32(v))) for v in np.asarray(a, dtype=np.float32).ravel()]


def ratio(a, b):
    return float(a) / float(b) if float(b) != 0 else 0.0


def class_stats(name, n, n_pos, predicted, tp, focal, w_pos_sum, w_neg_sum, g_pos, g_neg, a_pos, a_neg):
    n_neg = n - n_pos
    recall = ratio(tp, n_pos)
    precision = ratio(tp, predicted)
    balance = ratio(g_pos, g_neg)
    fa = ratio(a_pos, a_neg)
    fc = ratio(n_pos, n_neg)
    fg = ratio(ratio(ratio(g_pos, n_pos), a_pos), ratio(ratio(g_neg, n_neg), a_neg))
    return {
        'class': name,
        'count': int(n_pos),
        'trueShare': ratio(n_pos, n),
        'predShare': ratio(predicted, n),
        'recall': recall,
        'precision': precision,
        'f1': ratio(2 * precision * recall, precision + recall),
        'focalSum': float(focal),
        'meanWeightPos': ratio(w_pos_sum, n_pos),
        'meanWeightNeg': ratio(w_neg_sum, n_neg),
        'gradPos': float(g_pos),
        'gradNeg': float(g_neg),
        'balance': balance,
        'factors': {'alpha': fa, 'count': fc, 'gamma': fg},
    }


def sigmoid_epoch(scores32, y, score_kind, alpha, gamma, threshold, names):
    """scores32: float32 [N, C]; y: 0/1 [N, C]. Returns the expected EpochReport fields."""
    s = torch.from_numpy(np.asarray(scores32, dtype=np.float32)).double()
    if score_kind == 'probs':
        p = s.clamp(CLIP_LO, CLIP_HI)
        z0 = torch.log(p) - torch.log1p(-p)
    else:
        z0 = s
    z = z0.clone().requires_grad_(True)
    t = torch.from_numpy(np.asarray(y, dtype=np.float64))
    a = alpha if alpha is not None else -1.0
    loss_el = sigmoid_focal_loss(z, t, alpha=a, gamma=gamma, reduction='none')
    loss_el.sum().backward()
    grad = z.grad.abs()
    with torch.no_grad():
        total_tv = float(sigmoid_focal_loss(z, t, alpha=a, gamma=gamma, reduction='sum'))
        ce = F.binary_cross_entropy_with_logits(z, t, reduction='none')
        p = torch.sigmoid(z)
        pt = p * t + (1 - p) * (1 - t)
        at = (a * t + (1 - a) * (1 - t)) if a >= 0 else torch.ones_like(t)
        w = at * (1 - pt) ** gamma
        pred = (p > threshold).double()
        pos, neg = t, 1 - t
        N, C = t.shape
        n_pos = pos.sum(0)
        fl_pos, fl_neg = (loss_el * pos).sum(0), (loss_el * neg).sum(0)
        w_pos, w_neg = (w * pos).sum(0), (w * neg).sum(0)
        g_pos, g_neg = (grad * pos).sum(0), (grad * neg).sum(0)
        tp, fp = (pred * pos).sum(0), (pred * neg).sum(0)
        per = []
        for c in range(C):
            ap, an = (a, 1 - a) if a >= 0 else (1.0, 1.0)
            if C == 1:
                npos = float(n_pos[0])
                nneg = N - npos
                pred_neg = N - float(tp[0]) - float(fp[0])
                tn = nneg - float(fp[0])
                per.append(class_stats(names[0], N, nneg, pred_neg, tn, fl_neg[0], w_neg[0], w_pos[0], g_neg[0], g_pos[0], an, ap))
                per.append(class_stats(names[1], N, npos, float(tp[0] + fp[0]), tp[0], fl_pos[0], w_pos[0], w_neg[0], g_pos[0], g_neg[0], ap, an))
            else:
                per.append(class_stats(names[c], N, float(n_pos[c]), float(tp[c] + fp[c]), tp[c], fl_pos[c] + fl_neg[c], w_pos[c], w_neg[c], g_pos[c], g_neg[c], ap, an))
        return {
            'samples': int(N),
            'focalSum': float(loss_el.sum()),
            'focalSumTorchvision': total_tv,
            'ceSum': float(ce.sum()),
            'perClass': per,
        }


def softmax_epoch(scores32, y_idx, score_kind, alpha_vec, gamma, names):
    s = torch.from_numpy(np.asarray(scores32, dtype=np.float32)).double()
    N, C = s.shape
    y = torch.from_numpy(np.asarray(y_idx, dtype=np.int64))
    z = s.clone().requires_grad_(True)
    if score_kind == 'probs':
        # Probabilities that sum to 1 and are inside the clip range: log p are logits of the same softmax.
        logp_all = torch.log_softmax(torch.log(z.clamp(CLIP_LO, CLIP_HI)), dim=1)
    else:
        logp_all = torch.log_softmax(z, dim=1)
    alpha = torch.tensor(alpha_vec if alpha_vec is not None else [1.0] * C)
    logpt = logp_all.gather(1, y[:, None])[:, 0]
    pt = logpt.exp()
    a_y = alpha[y]
    fl = -a_y * (1 - pt) ** gamma * logpt
    fl.sum().backward()
    grad = z.grad.abs()
    if score_kind == 'probs':
        # autograd w.r.t. the probabilities is not |dFL/dz|: recompute on z = log p.
        z2 = torch.log(s.clamp(CLIP_LO, CLIP_HI)).requires_grad_(True)
        lp2 = torch.log_softmax(z2, dim=1).gather(1, y[:, None])[:, 0]
        (-(a_y * (1 - lp2.exp()) ** gamma * lp2)).sum().backward()
        grad = z2.grad.abs()
    with torch.no_grad():
        onehot = F.one_hot(y, C).double()
        w = a_y * (1 - pt) ** gamma
        pred = logp_all.argmax(1)
        pred_oh = F.one_hot(pred, C).double()
        correct = (pred == y).double()
        n_c = onehot.sum(0)
        per = []
        for c in range(C):
            npos = float(n_c[c])
            nneg = N - npos
            others = [k for k in range(C) if k != c]
            abar = ratio(sum(float(n_c[k]) * float(alpha[k]) for k in others), nneg) if nneg > 0 else float(np.mean([float(alpha[k]) for k in others]))
            mask = onehot[:, c]
            per.append(class_stats(
                names[c], N, npos, float(pred_oh[:, c].sum()), float((correct * mask).sum()),
                (fl * mask).sum(), (w * mask).sum(), (w * (1 - mask)).sum(),
                (grad[:, c] * mask).sum(), (grad[:, c] * (1 - mask)).sum(), float(alpha[c]), abar))
        return {'samples': int(N), 'focalSum': float(fl.sum()), 'ceSum': float((-logpt).sum()), 'perClass': per}


def write(name, obj):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name)
    with open(path, 'w') as f:
        json.dump(obj, f, separators=(',', ':'))
        f.write('\n')
    print(f'{path}: {os.path.getsize(path)} bytes')


def binary(rng, score_kind):
    N = 5200 if score_kind == 'logits' else 2000
    epochs = []
    for e in (1, 2):
        y = (rng.random(N) < 0.04).astype(np.int32)
        # Positives overlap the negatives; epoch 2 separates a bit more.
        z = np.where(y == 1, rng.normal(0.8 + 0.5 * e, 1.6, N), rng.normal(-2.2 - 0.4 * e, 1.4, N)).astype(np.float32)
        if score_kind == 'probs':
            sc = (1 / (1 + np.exp(-z.astype(np.float64)))).astype(np.float32)
            # exercise clipping: exact 0 / 1 and values beyond the clip bounds
            sc[:6] = np.array([0.0, 1.0, 1e-9, 1 - 1e-9, 0.5, 0.999], dtype=np.float32)
        else:
            sc = z
        epochs.append({'epoch': e, 'scores': sc, 'targets': y})
    cases = []
    grid = [(a, g) for a in (0.25, 0.96, None) for g in (0.0, 0.5, 2.0)] if score_kind == 'logits' else [(0.25, 2.0), (None, 0.5)]
    names = ['negative', 'positive']
    for a, g in grid:
        cases.append({
            'alpha': a, 'gamma': g, 'classAlpha': [a] if a is not None else None, 'threshold': 0.5,
            'epochs': [dict(epoch=ep['epoch'], **sigmoid_epoch(ep['scores'][:, None], ep['targets'][:, None], score_kind, a, g, 0.5, names)) for ep in epochs],
        })
    write(f'binary-{score_kind}.json', {
        'description': f'binary sigmoid focal loss, {score_kind}, ~4% positives, torchvision sigmoid_focal_loss + autograd',
        'kind': 'sigmoid', 'scoreKind': score_kind, 'numClasses': 1, 'targetLayout': 'index', 'classes': names,
        'inputs': [{'epoch': ep['epoch'], 'scores': f32list(ep['scores']), 'targets': ep['targets'].tolist()} for ep in epochs],
        'cases': cases,
    })


def multilabel(rng):
    N, C = 1500, 4
    prev = np.array([0.03, 0.1, 0.3, 0.6])
    y = (rng.random((N, C)) < prev).astype(np.int32)
    z = np.where(y == 1, rng.normal(0.5, 1.5, (N, C)), rng.normal(-1.8, 1.5, (N, C))).astype(np.float32)
    names = ['a', 'b', 'c', 'd']
    cases = []
    for a, cls_alpha, g in ((0.25, [0.25] * C, 2.0), (None, [0.1, 0.5, 0.75, 0.9], 1.5)):
        # torchvision takes a scalar alpha; a per-class alpha runs one column at a time.
        if a is not None:
            ep = sigmoid_epoch(z, y, 'logits', a, g, 0.5, names)
        else:
            cols = [sigmoid_epoch(z[:, c:c + 1], y[:, c:c + 1], 'logits', cls_alpha[c], g, 0.5, ['n', names[c]]) for c in range(C)]
            ep = {
                'samples': N,
                'focalSum': sum(x['focalSum'] for x in cols),
                'focalSumTorchvision': sum(x['focalSumTorchvision'] for x in cols),
                'ceSum': sum(x['ceSum'] for x in cols),
                # per head: the "positive" view, with focalSum = the whole head
                'perClass': [dict(x['perClass'][1], focalSum=x['perClass'][0]['focalSum'] + x['perClass'][1]['focalSum']) for x in cols],
            }
        cases.append({'alpha': a, 'gamma': g, 'classAlpha': cls_alpha, 'threshold': 0.5, 'epochs': [dict(epoch=1, **ep)]})
    write('multilabel-logits.json', {
        'description': 'multi-label sigmoid focal loss, 4 heads, multi-hot targets, torchvision + autograd',
        'kind': 'sigmoid', 'scoreKind': 'logits', 'numClasses': C, 'targetLayout': 'multi-hot', 'classes': names,
        'inputs': [{'epoch': 1, 'scores': f32list(z), 'targets': y.ravel().tolist()}],
        'cases': cases,
    })


def softmax(rng, score_kind):
    N, C = 2000, 4
    y = rng.choice(C, size=N, p=[0.7, 0.15, 0.1, 0.05]).astype(np.int32)
    centers = rng.normal(0, 1.0, (C, C)) + 2.0 * np.eye(C)
    z = (centers[y] + rng.normal(0, 1.3, (N, C))).astype(np.float32)
    if score_kind == 'probs':
        zz = z.astype(np.float64)
        e = np.exp(zz - zz.max(1, keepdims=True))
        sc = (e / e.sum(1, keepdims=True)).astype(np.float32)
        sc = np.clip(sc, 1e-6, None).astype(np.float32)
        sc = (sc / sc.sum(1, keepdims=True, dtype=np.float64)).astype(np.float32)
    else:
        sc = z
    names = ['background', 'cat', 'dog', 'bird']
    grid = [([0.1, 0.3, 0.3, 0.3], 2.0), ([0.25, 0.75, 0.75, 0.75], 0.5), (None, 0.0)] if score_kind == 'logits' else [([0.1, 0.3, 0.3, 0.3], 2.0)]
    cases = [{'alpha': None, 'gamma': g, 'classAlpha': av, 'threshold': 0.5,
              'epochs': [dict(epoch=1, **softmax_epoch(sc, y, score_kind, av, g, names))]} for av, g in grid]
    write(f'softmax-{score_kind}.json', {
        'description': f'4-class softmax focal loss, {score_kind}, plain torch ops + autograd',
        'kind': 'softmax', 'scoreKind': score_kind, 'numClasses': C, 'targetLayout': 'index', 'classes': names,
        'inputs': [{'epoch': 1, 'scores': f32list(sc), 'targets': y.tolist()}],
        'cases': cases,
    })


def main():
    rng = np.random.default_rng(20240613)
    binary(rng, 'logits')
    binary(rng, 'probs')
    multilabel(rng)
    softmax(rng, 'logits')
    softmax(rng, 'probs')


if __name__ == '__main__':
    main()
