/** Inline hints for focal-loss settings: the pure engine behind the CLI `hints` and the editor. */
export { analyzeHints, HintsAnalysis, languageForId, languageForPath, prevalenceFromLinked, summarizeReport } from './analysis';
export { CONVENTIONS } from '../conventions';
export { CONVENTION_DESCRIPTIONS } from './conventions';
export type * from './types';
