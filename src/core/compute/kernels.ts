/**
 * Batched tfjs kernels of the per-sample focal quantities, sigmoid and softmax (docs/method.md, "Per-sample pieces").
 *
 * Each kernel takes one staged batch (see epoch-accumulator.ts: padded to a multiple of BLOCK
 * samples, with a validity mask) and returns per-class sums over blocks of BLOCK samples, read back
 * to JS; the softmax kernel returns its per-sample values instead (the caller adds them by true
 * class), and block sums of G- only. Per-sample values and the within-block sums are float32
 * (tfjs); the caller adds them in float64. With BLOCK = 256 the float32 part contributes about
 * 1e-7..1e-6 relative error, independent of the epoch size.
 *
 * What JS does cheaper than tfjs is done while staging (epoch-accumulator.ts): the softmax row's
 * maximum and argmax (two reductions that cost a fifth of the kernel on wasm), the target's column
 * and its alpha, so that the kernel needs no one-hot product to pick them.
 *
 * Numerics (float32):
 * - sigmoid logits: log p = min(z, 0) - log1p(exp(-|z|)), log(1 - p) = min(-z, 0) - log1p(exp(-|z|)),
 *   p = sigmoid(z), 1 - p = sigmoid(-z): no cancellation for confident samples, no clipping.
 * - sigmoid probabilities: p clipped to [CLIP_LO, CLIP_HI], log(1 - p) = log1p(-p).
 * - softmax logits: shifted by the row max (while staging), E = exp(z - max), E_y and O = sum of the other E;
 *   log p_t = (z_y - max) - log1p((E_y - 1) + O), 1 - p_t = O / (E_y + O): accurate both for hard
 *   and for confident samples.
 * - softmax probabilities: clipped, p_t = p_y, 1 - p_t = 1 - p_y (no renormalisation).
 * - sigmoid p_t / 1 - p_t / log p_t selections by the 0/1 target are exact (y a + (1 - y) b); the
 *   softmax target's column is picked in JS, and the others masked by the one-hot complement.
 */

import * as tf from '@tensorflow/tfjs-core';

import { PROB_EPS } from '../focal';
import type { ScoreKind } from '../readers/types';

/** Samples per float32 partial sum. */
export const BLOCK = 256;

/** The clip bounds as float32 values (what the kernels actually use): 1e-7 and 1 - 1.1920929e-7. */
export const CLIP_LO = Math.fround(PROB_EPS);
export const CLIP_HI = Math.fround(1 - PROB_EPS);

export interface KernelLoss {
  gamma: number;
  classAlpha: number[] | null;
  threshold: number;
}

/** Quantities summed per class by the sigmoid kernel, in this order. */
export const SIGMOID_Q = ['focal', 'weight', 'grad', 'pred', 'ce'] as const;

export interface SigmoidBatch {
  scoreKind: ScoreKind;
  /** Heads (1 for binary). */
  C: number;
  /** Padded batch length, a multiple of BLOCK. */
  n: number;
  /** Column-major [C, n] scores; padded rows 0. */
  scores: Float32Array;
  /** Column-major [C, n] 0/1 targets; padded rows 0. */
  y: Float32Array;
  /** [n] 1 for real samples, 0 for padding. */
  valid: Float32Array;
}

export interface SigmoidBatchResult {
  /**
   * Block sums, layout [2 (positives y=1, negatives y=0), SIGMOID_Q.length, C, n / BLOCK].
   * `pred` summed over positives is TP, over negatives FP.
   */
  sums: Float32Array;
  /** Row-major [n, C] probabilities of the real rows only, when asked: a view of the array given. */
  probabilities?: Float32Array;
}

/** (1 - p_t)^gamma with cheap paths for the usual integer gammas. */
function powGamma(omp: tf.Tensor, gamma: number): tf.Tensor | null {
  if (gamma === 0) return null;
  if (gamma === 1) return omp;
  if (gamma === 2) return tf.square(omp);
  if (gamma === 3) return tf.mul(tf.square(omp), omp);
  return tf.pow(omp, tf.scalar(gamma));
}

/** @param probabilitiesInto where the real rows' probabilities are read back to (none: not read back) */
export function sigmoidKernel(batch: SigmoidBatch, loss: KernelLoss, probabilitiesInto: Float32Array | null, realRows: number): SigmoidBatchResult {
  const { C, n } = batch;
  const nb = n / BLOCK;
  let probabilities: Float32Array | undefined;
  const sums = tf.tidy(() => {
    const s = tf.tensor2d(batch.scores, [C, n]);
    const y = tf.tensor2d(batch.y, [C, n]);
    const v = tf.tensor2d(batch.valid, [1, n]);
    const yc = tf.sub(1, y);
    let p: tf.Tensor, q: tf.Tensor, logp: tf.Tensor, logq: tf.Tensor;
    if (batch.scoreKind === 'logits') {
      const negz = tf.neg(s);
      const l = tf.log1p(tf.exp(tf.neg(tf.abs(s))));
      // min(z, 0) = -relu(-z), min(-z, 0) = -relu(z) (relu is far cheaper than minimum on wasm)
      logp = tf.neg(tf.add(tf.relu(negz), l));
      logq = tf.neg(tf.add(tf.relu(s), l));
      p = tf.sigmoid(s);
      q = tf.sigmoid(negz);
    } else {
      p = tf.clipByValue(s, CLIP_LO, CLIP_HI);
      q = tf.sub(1, p);
      logp = tf.log(p);
      logq = tf.log1p(tf.neg(p));
    }
    if (probabilitiesInto) probabilities = readRows(C === 1 ? p : tf.transpose(p), realRows * C, probabilitiesInto);
    // Exact selections by the 0/1 target.
    const pick = (a: tf.Tensor, b: tf.Tensor) => tf.add(tf.mul(y, a), tf.mul(yc, b));
    const pt = pick(p, q);
    const omp = pick(q, p);
    const ce = tf.neg(pick(logp, logq));
    let w = powGamma(omp, loss.gamma);
    if (loss.classAlpha) {
      const a = tf.tensor2d(loss.classAlpha, [C, 1]);
      const at = tf.add(tf.mul(y, a), tf.mul(yc, tf.sub(1, a)));
      w = w ? tf.mul(at, w) : at;
    }
    const fl = w ? tf.mul(w, ce) : ce;
    // |dFL/dz| = w [ (1 - p_t) + gamma p_t (-log p_t) ]
    const inner = loss.gamma === 0 ? omp : tf.add(omp, tf.mul(tf.mul(pt, ce), loss.gamma));
    const grad = w ? tf.mul(w, inner) : inner;
    const weight = w ?? tf.onesLike(ce);
    // p > threshold; for logits compared as z > logit(threshold) (exact where float32 sigmoid rounds to
    // the threshold). step(x) = 1 for x > 0, else 0.
    const pred =
      batch.scoreKind === 'logits'
        ? tf.step(tf.sub(s, logit(loss.threshold)))
        : tf.step(tf.sub(p, loss.threshold));
    const q5 = [fl, weight, grad, pred, ce];
    const negMask = tf.mul(yc, v);
    // Same-shape products (the fast path on every backend), stacked to [2, 5, C, n].
    const masked = tf.stack([...q5.map((q) => tf.mul(y, q)), ...q5.map((q) => tf.mul(negMask, q))]);
    return tf.sum(tf.reshape(masked, [2, SIGMOID_Q.length, C, nb, BLOCK]), -1);
  });
  const out = sums.dataSync() as Float32Array;
  sums.dispose();
  return { sums: out, probabilities };
}

export interface SoftmaxBatch {
  scoreKind: ScoreKind;
  C: number;
  /** Padded batch length, a multiple of BLOCK. */
  n: number;
  /**
   * Row-major [n, C]: logits shifted by their row's maximum (z - max z, float32; the caller finds
   * the maximum and the argmax while staging, which costs less in JS than two reductions in
   * tfjs), or probabilities as read; padded rows 0.
   */
  scores: Float32Array;
  /** Row-major [n, C] complement of the one-hot targets (0 at the target, 1 elsewhere); padded rows class 0. */
  others: Float32Array;
  /**
   * [n] the target's column of `scores`: logits z_y - max z, probabilities p_y clipped to
   * [CLIP_LO, CLIP_HI]; padded rows a clipped probability (never 0: 0 x log 0 would be NaN).
   */
  target: Float32Array;
  /** [n] alpha of the target's class (float32), when the loss has class weights. */
  targetAlpha: Float32Array | null;
  /** [n] 1 for real samples, 0 for padding. */
  valid: Float32Array;
}

/** Per-sample quantities of the softmax kernel, in this order (the caller sums them by true class). */
export const SOFTMAX_Q = ['focal', 'weight', 'gradPos', 'ce'] as const;

export interface SoftmaxBatchResult {
  /**
   * [SOFTMAX_Q.length, real rows] per-sample values (a view of `perSampleInto`): the caller adds
   * them by true class in float64, which is cheaper than grouping them in the kernel.
   */
  perSample: Float32Array;
  /** Block sums [n / BLOCK, C] of G-_c = sum over y != c of |h| p_t p_c. */
  gradNeg: Float32Array;
  /** Row-major [n, C] probabilities of the real rows only, when asked: a view of the array given. */
  probabilities?: Float32Array;
}

/**
 * @param perSampleInto where the per-sample values are read back to ([SOFTMAX_Q.length, realRows] at least)
 * @param probabilitiesInto where the real rows' probabilities are read back to (none: not read back)
 */
export function softmaxKernel(batch: SoftmaxBatch, loss: KernelLoss, perSampleInto: Float32Array, probabilitiesInto: Float32Array | null, realRows: number): SoftmaxBatchResult {
  const { C, n } = batch;
  const nb = n / BLOCK;
  const gamma = loss.gamma;
  let probabilities: Float32Array | undefined;
  const results = tf.tidy(() => {
    const s = tf.tensor2d(batch.scores, [n, C]);
    const v = tf.tensor1d(batch.valid);
    const others = tf.tensor2d(batch.others, [n, C]);
    const target = tf.tensor1d(batch.target);
    // EO: E_c (logits) or p_c (probabilities) where c != y, else 0; S1 divides it into p_c
    let EO: tf.Tensor, S1: tf.Tensor | null, pt: tf.Tensor, omp: tf.Tensor, logpt: tf.Tensor;
    if (batch.scoreKind === 'logits') {
      const E = tf.exp(s);
      const Ey = tf.exp(target);
      EO = tf.mul(E, others);
      const O = tf.sum(EO, 1);
      const S = tf.add(Ey, O);
      logpt = tf.sub(target, tf.log1p(tf.add(tf.sub(Ey, 1), O)));
      pt = tf.div(Ey, S);
      omp = tf.div(O, S);
      S1 = tf.reshape(S, [n, 1]);
      if (probabilitiesInto) probabilities = readRows(tf.div(E, S1), realRows * C, probabilitiesInto);
    } else {
      const P = tf.clipByValue(s, CLIP_LO, CLIP_HI);
      EO = tf.mul(P, others);
      S1 = null;
      pt = target;
      omp = tf.sub(1, pt);
      logpt = tf.log(pt);
      if (probabilitiesInto) probabilities = readRows(P, realRows * C, probabilitiesInto);
    }
    const ce = tf.neg(logpt);
    const ay = batch.targetAlpha ? tf.tensor1d(batch.targetAlpha) : null;
    // k = |h| p_t = a_y (1 - p_t)^(gamma - 1) [ (1 - p_t) + gamma p_t (-log p_t) ]; G+ term = k (1 - p_t).
    let k: tf.Tensor;
    let m: tf.Tensor | null; // (1 - p_t)^gamma
    if (gamma === 0) {
      k = ay ?? tf.onesLike(ce);
      m = null;
    } else {
      const inner = tf.add(omp, tf.mul(tf.mul(pt, ce), gamma));
      // (1 - p_t)^(gamma - 1); guarded so that 0 < gamma < 1 with 1 - p_t == 0 gives 0, not NaN.
      const mm1 = gamma === 1 ? null : gamma === 2 ? omp : tf.pow(tf.maximum(omp, 1e-30), tf.scalar(gamma - 1));
      m = mm1 ? tf.mul(mm1, omp) : omp;
      const k0 = mm1 ? tf.mul(mm1, inner) : inner;
      k = ay ? tf.mul(ay, k0) : k0;
    }
    const w = m ? (ay ? tf.mul(ay, m) : m) : (ay ?? tf.onesLike(ce));
    const fl = tf.mul(w, ce);
    const gpos = tf.mul(k, omp);
    [fl, w, gpos, ce].forEach((q, i) => readRows(q, realRows, perSampleInto.subarray(i * realRows, (i + 1) * realRows)));
    // G-_c = sum over samples of k p_c (c != y) = (k / S) E_c: the division on [n], not on [n, C]
    const kv = tf.mul(S1 ? tf.div(k, tf.reshape(S1, [n])) : k, v);
    return tf.matMul(tf.reshape(kv, [nb, 1, BLOCK]), tf.reshape(EO, [nb, BLOCK, C]));
  });
  const gradNeg = results.dataSync() as Float32Array;
  results.dispose();
  return { perSample: perSampleInto.subarray(0, SOFTMAX_Q.length * realRows), gradNeg, probabilities };
}

function logit(t: number): number {
  return t <= 0 ? -Infinity : t >= 1 ? Infinity : Math.log(t / (1 - t));
}

/**
 * The first `count` values of a tensor (row-major), copied into `into` (reused batch after batch).
 * On wasm they are copied straight from the backend's heap: dataSync would copy them into a fresh
 * array first, and fresh memory costs a page fault per 4 KiB (about 0.1 s per 40 MB on the
 * bench's machine, more than the kernel's own ops on it).
 */
function readRows(x: tf.Tensor, count: number, into: Float32Array): Float32Array {
  into.set(wasmHeapView(x, count) ?? (x.dataSync() as Float32Array).subarray(0, count));
  return into.subarray(0, count);
}

/** Where the wasm backend keeps a tensor's values: its dataIdMap entry's offset into the heap. */
interface WasmBackendInternals {
  dataIdMap?: { get(id: object): { memoryOffset?: number } | undefined };
  wasm?: { HEAPU8: Uint8Array };
}

/**
 * The first `count` values of a float32 tensor on the wasm backend, viewed in place on its heap
 * (valid until the heap grows or the tensor is disposed), or null on any other backend. Not a
 * public tfjs API: a unit test checks that it is taken on wasm and gives what dataSync gives.
 */
export function wasmHeapView(x: tf.Tensor, count: number): Float32Array | null {
  if (x.dtype !== 'float32' || tf.getBackend() !== 'wasm') return null;
  const b = tf.backend() as unknown as WasmBackendInternals;
  const offset = b.dataIdMap?.get(x.dataId)?.memoryOffset;
  if (!b.wasm || typeof offset !== 'number' || count > x.size) return null;
  return new Float32Array(b.wasm.HEAPU8.buffer, offset, count);
}
