/**
 * One epoch's per-sample scores and targets as a self-describing binary file: what
 * `focal-lens samples` writes and the report webview reads for its live what-if and p_t
 * histograms (the JSON report carries summaries only). Pure: no Node imports, so the webview
 * bundles the decoder.
 *
 * Layout (little-endian):
 *   bytes 0..7    magic "FLSAMP1\0"
 *   bytes 8..11   uint32 n: byte length of the header JSON (EpochSamplesHeader, UTF-8)
 *   12 .. 12+n    the header, then zero padding to a multiple of 4 bytes
 *   scores        float32 [samples x numClasses], row-major, as the dump gave them (logits or probabilities)
 *   targets       int32 [samples] (index layout) or uint8 [samples x numClasses] (multi-hot layout)
 */
import type { DumpLayout, ScoreKind, TargetLayout } from '../readers/types';

const MAGIC = 'FLSAMP1\0';

export interface EpochSamplesHeader {
  epoch: number;
  /** Samples in this file. */
  samples: number;
  /** Samples of the epoch in the dump (more than `samples` when sampled). */
  total: number;
  /** A uniform random sample of the epoch (seeded reservoir sampling), capped at `samples`. */
  sampled: boolean;
  numClasses: number;
  scoreKind: ScoreKind;
  targetLayout: TargetLayout;
  layout: DumpLayout;
}

export interface EpochSamples extends EpochSamplesHeader {
  scores: Float32Array;
  targets: Int32Array | Uint8Array;
}

const align4 = (n: number): number => (n + 3) & ~3;

/** The file's bytes (one allocation: header, scores and targets copied in once). */
export function encodeEpochSamples(s: EpochSamples): Uint8Array {
  const { scores, targets, ...header } = s;
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerEnd = align4(12 + json.length);
  const out = new Uint8Array(headerEnd + scores.byteLength + targets.byteLength);
  for (let i = 0; i < MAGIC.length; i++) out[i] = MAGIC.charCodeAt(i);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(new Uint8Array(scores.buffer, scores.byteOffset, scores.byteLength), headerEnd);
  out.set(new Uint8Array(targets.buffer, targets.byteOffset, targets.byteLength), headerEnd + scores.byteLength);
  return out;
}

/**
 * Reads a file written by {@link encodeEpochSamples}. The arrays are views on `bytes` when it is
 * 4-byte aligned (no copy), copies otherwise. Throws a RangeError naming what is wrong.
 */
export function decodeEpochSamples(bytes: Uint8Array): EpochSamples {
  const magic = String.fromCharCode(...bytes.subarray(0, MAGIC.length));
  if (bytes.length < 12 || magic !== MAGIC) throw new RangeError('not a Focal Lens samples file (bad magic)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const jsonLength = view.getUint32(8, true);
  if (12 + jsonLength > bytes.length) throw new RangeError(`samples file: header of ${jsonLength} bytes runs past the end (${bytes.length} bytes)`);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + jsonLength))) as EpochSamplesHeader;
  const { samples, numClasses, targetLayout } = header;
  if (!Number.isInteger(samples) || samples < 0 || !Number.isInteger(numClasses) || numClasses < 1) {
    throw new RangeError(`samples file: bad header ${JSON.stringify(header).slice(0, 200)}`);
  }
  const scoresAt = align4(12 + jsonLength);
  const scoreBytes = samples * numClasses * 4;
  const targetBytes = targetLayout === 'multi-hot' ? samples * numClasses : samples * 4;
  if (scoresAt + scoreBytes + targetBytes !== bytes.length) {
    throw new RangeError(`samples file: ${bytes.length} bytes, expected ${scoresAt + scoreBytes + targetBytes} for ${samples} samples x ${numClasses} columns`);
  }
  const at = bytes.byteOffset + scoresAt;
  const aligned = at % 4 === 0;
  const scores = aligned ? new Float32Array(bytes.buffer, at, samples * numClasses) : new Float32Array(bytes.slice(scoresAt, scoresAt + scoreBytes).buffer);
  const targetsAt = scoresAt + scoreBytes;
  const targets =
    targetLayout === 'multi-hot'
      ? bytes.subarray(targetsAt, targetsAt + targetBytes)
      : aligned
        ? new Int32Array(bytes.buffer, bytes.byteOffset + targetsAt, samples)
        : new Int32Array(bytes.slice(targetsAt, targetsAt + targetBytes).buffer);
  return { ...header, scores, targets };
}
