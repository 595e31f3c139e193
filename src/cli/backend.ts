// `focal-lens backend`: which compute backend loads where the CLI runs, and from where. The
// extension runs it after installing a native backend: the engine's own process is where it has to load.
import { parseArgs } from 'node:util';
import { delimiter } from 'node:path';
import { selectBackend, type BackendPreference } from '../core/compute/backend';
import { isUsageError } from '../core/errors';
import type { CliErrorEvent } from '../protocol/cli-events';
import { cliUsageText } from './usage-words';

const HELP = `focal-lens backend [options]

Loads a compute backend the way 'focal-lens analyze' does and says which one loaded, from where.

Options:
  --backend B             auto (default) | tensorflow | wasm | cpu
  --native-backend DIR    also look for @tensorflow/tfjs-node(-gpu) in DIR (repeatable;
                          FOCAL_LENS_NATIVE_BACKEND lists more, path-separated)
  --format text|json      json: {"name","detail"}, or the error event of 'analyze --progress json'
  -h, --help              this help

Exit codes: 0 the backend loaded, 2 it did not (the reason says why).
`;

const BACKENDS: BackendPreference[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

export async function runBackendCommand(args: string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({ args, strict: true, options: { backend: { type: 'string' }, 'native-backend': { type: 'string', multiple: true }, format: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }).values;
  } catch (e) {
    process.stderr.write(`focal-lens backend: ${(e as Error).message}\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const preference = (values.backend ?? 'auto') as BackendPreference;
  const format = values.format ?? 'text';
  if (!BACKENDS.includes(preference) || (format !== 'text' && format !== 'json')) {
    process.stderr.write(`focal-lens backend: --backend must be ${BACKENDS.join(', ')} and --format text or json\n`);
    return 2;
  }
  const nativePaths = [...(values['native-backend'] ?? []), ...(process.env.FOCAL_LENS_NATIVE_BACKEND ?? '').split(delimiter).filter((p) => p.trim() !== '')];
  try {
    const backend = await selectBackend(preference, { nativePaths });
    process.stdout.write(format === 'json' ? `${JSON.stringify(backend)}\n` : `${backend.name}: ${backend.detail}\n`);
    return 0;
  } catch (err) {
    if (!isUsageError(err)) throw err;
    if (format === 'json') {
      const event: CliErrorEvent = { type: 'error', kind: 'usage', exitCode: 2, message: err.message, ...err.needs };
      process.stdout.write(`${JSON.stringify(event)}\n`);
    } else process.stderr.write(`focal-lens backend: ${cliUsageText(err)}\n`);
    return 2;
  }
}
