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

export const FORMATS: readonly FormatSpec[] = [jsonlDump, csvDump, npyDump, npzDump, safetensorsDump];
