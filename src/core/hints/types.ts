/**
 * Inline hints for focal-loss settings in config files: the data every face (CLI, editor, tests)
 * shares. Pure: no `vscode` import. Offsets are UTF-16 code-unit offsets into the document text;
 * `Position` lines and characters are 0-based (VS Code's convention); the CLI's `line` is 1-based.
 */
import type { AlphaConvention, EpochReport, SettingMismatch, Suggestion, Verdict, AnalysisReport } from '../report';
import type { KeyedEntry } from './keyed';

export type HintLanguage = 'python' | 'yaml' | 'json' | 'jsonc' | 'toml';

export type FocalParameter = 'alpha' | 'gamma';

/** A convention id, or 'unknown' when the context does not tell. */
export type ConventionId = AlphaConvention | 'unknown';

/** Where the convention came from. */
export type ConventionSource =
  | 'comment' // `# focal-lens: convention=...`
  | 'import' // the import of the callee (or the only focal-loss library the file imports)
  | 'type' // an MMDetection-style `type='FocalLoss'`
  | 'key-path' // a known config key (Detectron2 FOCAL_LOSS_ALPHA, YOLOv5 fl_gamma)
  | 'target' // Hydra `_target_` / Lightning `class_path` / Keras `class_name`
  | 'call-name' // a callee name that only one convention uses (sigmoid_focal_loss, BinaryFocalCrossentropy)
  | 'loss-name' // a loss named beside alpha (a Lightning hparams.yaml `loss: torchvision.ops.sigmoid_focal_loss`)
  | 'value' // a list alpha: explicit per-class vector
  | 'none';

export interface OffsetRange {
  start: number;
  end: number;
}

export interface Position {
  line: number;
  character: number;
}

export interface TextRange {
  start: Position;
  end: Position;
}

export type ParamValue = number | number[] | null;

/** One place where alpha or gamma is set. */
export interface ParamOccurrence {
  parameter: FocalParameter;
  /** The key or keyword as written (alpha, FOCAL_LOSS_ALPHA, fl_gamma, FOCAL_ALPHA). */
  key: string;
  keyRange: OffsetRange | null;
  valueRange: OffsetRange;
  valueText: string;
  /** Parsed literal; null for None/null; undefined when not a literal (an expression). */
  value: ParamValue | undefined;
}

/** A boolean flag that changes what alpha means (Keras apply_class_balancing, MONAI use_softmax). */
export interface FlagOccurrence {
  value: boolean | undefined;
  valueRange: OffsetRange;
}

/** What a library does with a scalar alpha. */
export interface LibraryInfo {
  id: string;
  /** Shown to the user: "torchvision sigmoid_focal_loss". */
  label: string;
  convention: AlphaConvention;
  /** alpha < 0 switches the balancing off (torchvision, fvcore, detectron2). */
  alphaOffBelowZero?: boolean;
  /** alpha None switches the balancing off (segmentation_models_pytorch, MONAI). */
  alphaNoneOff?: boolean;
  /** Keras binary: alpha only counts with apply_class_balancing=True. */
  kerasBinary?: boolean;
  /** MONAI: use_softmax=True switches to class0-complement. */
  monai?: boolean;
  /** YOLOv5 hyp fl_gamma: 0 switches focal loss off. */
  yolo?: boolean;
  /** Positional indices of alpha / gamma / apply_class_balancing in the call signature. */
  positions?: Partial<Record<FocalParameter | 'apply_class_balancing' | 'use_softmax', number>>;
  /** Extra caveat for the hover (version differences). */
  note?: string;
}

/** A focal-loss definition: a call, an mmdet dict, a config mapping or a lone assignment. */
export interface FocalSite {
  kind: 'call' | 'dict' | 'mapping' | 'assignment';
  /** Offset where the definition starts (where the CodeLens and a convention comment go). */
  anchor: number;
  span: OffsetRange;
  /** How the context reads: "sigmoid_focal_loss from torchvision.ops", "type='FocalLoss'". */
  context: string;
  library: LibraryInfo | null;
  /** How the library was recognised (when it was). */
  librarySource: ConventionSource;
  params: ParamOccurrence[];
  applyClassBalancing?: FlagOccurrence;
  useSoftmax?: FlagOccurrence;
  /** Python calls: the offset just after the last argument, where a new keyword can be inserted. */
  argsInsertAt?: number;
  /** Python calls: true when the call has no arguments at all. */
  argsEmpty?: boolean;
}

export interface Directive {
  range: OffsetRange;
  line: number;
  convention?: AlphaConvention;
  prevalence?: number;
  /** Unknown keys or bad values, reported as a diagnostic. */
  problems: string[];
}

export interface CommentToken {
  start: number;
  end: number;
  text: string;
}

/** What a language extractor returns. */
export interface ExtractResult {
  sites: FocalSite[];
  comments: CommentToken[];
  /** A parse error the user should know about (the hints may be partial). */
  parseError?: string;
  /** The keyed leaves the sites were found in (YAML, JSON): a run's config reads its other settings from them, not from a second parse. */
  entries?: KeyedEntry[];
}

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface HintDiagnostic {
  severity: Severity;
  code: string;
  message: string;
  range: TextRange;
}

/** What a linked log analysis leaves behind (kept in workspaceState, so it stays small). */
export interface LinkedAnalysis {
  logPaths: string[];
  analyzedAt: string;
  loss: AnalysisReport['loss'];
  classes: string[];
  epochs: number;
  verdict: Verdict;
  suggestion: Suggestion | null;
  lastEpoch: EpochReport | null;
  /** Where the analysis took each loss setting from ('log': the log's meta, which wins over this file). */
  settingSources?: AnalysisReport['settingSources'];
  /** Settings this file and the log disagreed on when the analysis ran. */
  configMismatches?: SettingMismatch[];
  /** Classes that mirror another (a binary head's 'negative'): no positive share of their own. */
  mirrored?: string[];
}

export interface ResolvedConvention {
  convention: ConventionId;
  source: ConventionSource;
  /** "torchvision sigmoid_focal_loss", "comment on line 3", ... */
  detail: string;
  library: LibraryInfo | null;
  /** Keras BinaryFocalCrossentropy without apply_class_balancing=True. */
  alphaIgnored: boolean;
}

export interface Prevalence {
  value: number;
  source: 'comment' | 'analysis' | 'given';
  detail: string;
}

/** One hint: what the CLI prints as a finding and the editor shows inline. */
export interface HintFinding {
  /** 1-based line of the value. */
  line: number;
  /** 0-based character of the value. */
  character: number;
  parameter: FocalParameter;
  value: ParamValue | undefined;
  valueText: string;
  convention: ConventionId;
  conventionSource: ConventionSource;
  library: string | null;
  hint: string;
  diagnostics: HintDiagnostic[];
  /** Range of the value (0-based), where the inlay hint goes after. */
  range: TextRange;
  /** Range of the key and value together (for hovers). */
  hoverRange: TextRange;
  siteIndex: number;
}

export interface SiteSummary {
  index: number;
  kind: FocalSite['kind'];
  /** 0-based position of the anchor. */
  anchor: Position;
  context: string;
  convention: ConventionId;
  conventionSource: ConventionSource;
  library: string | null;
  alpha?: ParamValue;
  gamma?: number;
}

export interface HintsOptions {
  /**
   * The positive share when no comment or linked log gives one, and how the face that gave it names
   * it ("the --prevalence flag", "the focalLens.prevalence setting"): core knows values, not settings.
   */
  givenPrevalence?: { value: number; from: string } | null;
  /** The file's name (no folder): some names say what their keys are (Lightning's hparams.yaml). */
  fileName?: string;
  linked?: LinkedAnalysis | null;
}

export interface HintsResult {
  language: HintLanguage;
  findings: HintFinding[];
  sites: SiteSummary[];
  /** File-level diagnostics (bad directives, parse errors). */
  fileDiagnostics: HintDiagnostic[];
  prevalence: Prevalence | null;
}

/** A quick fix as plain data: the extension turns it into a WorkspaceEdit. */
export interface TextEdit {
  range: TextRange;
  newText: string;
}

export interface QuickFix {
  title: string;
  kind: 'set-alpha' | 'safe-alpha' | 'apply-class-balancing' | 'declare-convention';
  /** Diagnostic codes this fix answers. */
  codes: string[];
  edits: TextEdit[];
  preferred?: boolean;
}
