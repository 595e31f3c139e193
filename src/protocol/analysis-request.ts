/**
 * What the extension asks the engine for, and the `focal-lens analyze` arguments that say it: the
 * extension runs the CLI in a child process, so this is the one place the two meet (a unit test
 * parses these arguments with the CLI's own parser).
 */
export interface AnalysisRequest {
  logPaths: string[];
  /** null: the loss has no alpha. */
  alpha?: number | number[] | null;
  gamma?: number;
  convention?: string;
  /** Skip unreadable records (counted and reported) instead of stopping at the first. */
  lenient?: boolean;
  /**
   * The settings of the config file the log is linked from: they fill in what the log's meta
   * lacks, and never override it (the log records what the run trained with).
   */
  config?: { alpha?: number | number[] | null; gamma?: number; convention?: string; source?: string };
  /** tfjs backend preference (the focalLens.computeBackend setting). */
  backend?: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  /** Sigmoid decision threshold (focalLens.threshold). */
  threshold?: number;
  /** What the suggestion maximises (focalLens.objective). */
  objective?: 'macro-f1' | 'balanced-accuracy' | 'accuracy';
}

/** The CLI arguments after `analyze` (or `watch`, which takes the same) for a request: JSON output, JSON progress events. */
export function analysisArgs(request: AnalysisRequest): string[] {
  const args = ['--format', 'json', '--progress', 'json'];
  // `--flag=value` keeps a negative number from reading as an option.
  if (request.backend) args.push(`--backend=${request.backend}`);
  if (Array.isArray(request.alpha)) args.push(`--alpha-vector=${request.alpha.join(',')}`);
  else if (request.alpha !== undefined) args.push(`--alpha=${request.alpha === null ? 'off' : request.alpha}`);
  if (request.gamma !== undefined) args.push(`--gamma=${request.gamma}`);
  if (request.convention !== undefined) args.push(`--convention=${request.convention}`);
  if (request.threshold !== undefined) args.push(`--threshold=${request.threshold}`);
  if (request.objective !== undefined) args.push(`--objective=${request.objective}`);
  if (request.lenient) args.push('--lenient');
  const cfg = request.config;
  if (cfg) {
    if (Array.isArray(cfg.alpha)) args.push(`--config-alpha-vector=${cfg.alpha.join(',')}`);
    else if (cfg.alpha !== undefined) args.push(`--config-alpha=${cfg.alpha === null ? 'off' : cfg.alpha}`);
    if (cfg.gamma !== undefined) args.push(`--config-gamma=${cfg.gamma}`);
    if (cfg.convention !== undefined) args.push(`--config-convention=${cfg.convention}`);
    if (cfg.source !== undefined) args.push(`--config-source=${cfg.source}`);
  }
  // after `--` a path is a path, even one that starts with a dash
  return [...args, '--', ...request.logPaths];
}
