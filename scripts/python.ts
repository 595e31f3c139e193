/**
 * The Python the project's tests run: $FOCAL_LENS_PYTHON, else Debian's /usr/bin/python3 (the one
 * with python3-numpy and python3-torch), else python3 on the PATH; with the repository's python/
 * package importable (PYTHONPATH), no install needed.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '..');
export const pythonPackageDir = join(repoRoot, 'python');

const DEBIAN_PYTHON = '/usr/bin/python3';

export function pythonInterpreter(): string {
  const chosen = process.env.FOCAL_LENS_PYTHON;
  if (chosen) return chosen;
  return existsSync(DEBIAN_PYTHON) ? DEBIAN_PYTHON : 'python3';
}

export function pythonEnv(): NodeJS.ProcessEnv {
  const path = process.env.PYTHONPATH ? `${pythonPackageDir}${delimiter}${process.env.PYTHONPATH}` : pythonPackageDir;
  return { ...process.env, PYTHONPATH: path, PYTHONDONTWRITEBYTECODE: '1' };
}

/** Run python with args (and optional stdin); throws with its stderr when it fails. */
export function runPython(args: string[], options: { cwd?: string; input?: string; timeoutMs?: number } = {}): SpawnSyncReturns<string> {
  const result = spawnSync(pythonInterpreter(), args, {
    cwd: options.cwd ?? repoRoot,
    env: pythonEnv(),
    input: options.input,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
  });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${pythonInterpreter()} ${args.join(' ')} exited with ${result.status}:\n${result.stderr}`);
  return result;
}
