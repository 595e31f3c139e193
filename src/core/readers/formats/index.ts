/**
 * Every format Focal Lens reads, in detection priority (on equal scores the earlier one wins:
 * specific metric logs before the generic dump formats that could also parse their text).
 */
import type { FormatSpec } from '../registry';
import { jsonlDump } from './dump-jsonl';
import { csvDump } from './dump-csv';
import { npyDump } from './dump-npy';
import { npzDump } from './dump-npz';
import { safetensorsDump } from './dump-safetensors';
import { lightningMetrics } from './metrics-lightning';
import { kerasCsvMetrics } from './metrics-keras-csv';
import { kerasHistory } from './metrics-keras-history';
import { hfTrainerState } from './metrics-hf';
import { mmengineScalars } from './metrics-mmengine';
import { mmdet2Log } from './metrics-mmdet2';
import { detectron2Metrics } from './metrics-detectron2';
import { ultralyticsResults } from './metrics-ultralytics';
import { sklearnReport } from './metrics-sklearn';
import { tensorboardEvents } from './metrics-tensorboard';
import { jsonConfig, lightningHparams, pythonConfig, yamlConfig } from './config-files';

export const FORMATS: readonly FormatSpec[] = [
  lightningMetrics,
  kerasCsvMetrics,
  ultralyticsResults,
  hfTrainerState,
  kerasHistory,
  mmengineScalars,
  mmdet2Log,
  detectron2Metrics,
  sklearnReport,
  tensorboardEvents,
  jsonlDump,
  csvDump,
  npyDump,
  npzDump,
  safetensorsDump,
  lightningHparams,
  yamlConfig,
  jsonConfig,
  pythonConfig,
];
