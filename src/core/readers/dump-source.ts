/**
 * What a prediction-dump format hands the dump reader (dump.ts): a text file for the shared
 * CSV/JSONL parsers, or named arrays (.npy / .npz / safetensors) for the shared array reader.
 */
import { basename, dirname, extname } from 'node:path';
import type { ArrayRef } from './arrays';
import type { DumpMeta } from './types';

/** Array names of a dump: scores (logits or probabilities), targets, optional epoch. */
export const SCORE_LOGIT_KEYS = ['logits', 'logit', 'scores', 'score'];
export const SCORE_PROB_KEYS = ['probs', 'prob', 'p'];
export const TARGET_KEYS = ['targets', 'target', 'labels', 'label', 'y'];
export const EPOCH_KEYS = ['epoch', 'epochs', 'step', 'steps', 'iteration'];
export const ARRAY_KEYS = [...SCORE_LOGIT_KEYS, ...SCORE_PROB_KEYS, ...TARGET_KEYS, ...EPOCH_KEYS];

export interface ArraysContext {
  /** Display name of a path. */
  display(path: string): string;
  /** Count bytes read (progress). */
  onBytes(n: number): void;
}

/** Named arrays opened for reading; `close` releases every handle. */
export interface OpenedArrays {
  /** Name used in set-level messages. */
  file: string;
  refs: Map<string, ArrayRef>;
  /** Metadata stored with the arrays (safetensors `__metadata__`). */
  meta?: DumpMeta;
  close(): Promise<void>;
}

interface SourceBase {
  /** Registry id of the format. */
  format: string;
  /** Every file read, in order. */
  paths: string[];
}

export interface TextDumpSource extends SourceBase {
  family: 'text';
  kind: 'csv' | 'jsonl';
  gzip: boolean;
}

export interface ArrayDumpSource extends SourceBase {
  family: 'arrays';
  /** Epoch from the file or folder name (per-epoch files), used when there is no epoch array. */
  nameEpoch?: number;
  open(ctx: ArraysContext): Promise<OpenedArrays>;
  /** Metadata readable before the samples (safetensors), for the dump's `meta` up front. */
  peekMeta?(ctx: ArraysContext): Promise<DumpMeta>;
}

export type DumpSource = TextDumpSource | ArrayDumpSource;

/**
 * The epoch in a per-epoch file name: `epoch_003.npz` -> 3, else the last number. A distributed
 * run's `.rankN` (the focal_lens writer's file per process) is not an epoch.
 */
export function epochFromName(name: string): number | undefined {
  name = name.replace(/\.rank\d+(?=\.|$)/i, '');
  const m = /epoch[_-]?(\d+)/i.exec(name) ?? /(?:^|[^0-9])(\d+)(?:\.[a-z]+)*$/i.exec(name);
  return m ? Number(m[1]) : undefined;
}

/**
 * A DDP rank's file of the dump at `path`: the focal_lens writer's naming, `.rankR` before the last
 * extension (`val.jsonl` -> `val.rank1.jsonl`, `epoch_003.npz` -> `epoch_003.rank1.npz`, `dump` -> `dump.rank1`).
 */
export function isRankSibling(path: string, other: string): boolean {
  if (dirname(path) !== dirname(other)) return false;
  const name = basename(path);
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  const given = basename(other);
  return given.startsWith(`${stem}.rank`) && given.endsWith(ext) && /^\d+$/.test(given.slice(stem.length + 5, given.length - ext.length));
}
