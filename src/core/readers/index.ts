/**
 * The readers' public API: prediction dumps (openPredictionDump), run folders (scanRun), the
 * format registry (detection, globs). See README.md in this folder.
 */
export { openPredictionDump, openDumpOfSplit, discardDump, countSamples } from './dump';
export type { OpenDumpOptions, PredictionDump, DumpFormat } from './dump';
export { scanRun, type RunScan, type ScannedFile } from './scan';
export { detect, readHead, pickerGlob, explorerFilenamePattern, FORMATS, type FormatSpec, type FileHead } from './registry';
export { InputError, isInputError, MAX_KEPT_ISSUES } from './errors';
export type { DumpLayout, DumpMeta, PredictionChunk, ScoreKind, TargetLayout, SourcePosition } from './types';
export { chunkLayout } from './types';
