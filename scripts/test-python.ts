// `npm run test:python`: the Python package's tests (pytest) with the interpreter of scripts/python.ts.
import { spawnSync } from 'node:child_process';
import { pythonEnv, pythonInterpreter, repoRoot } from './python';

const args = ['-m', 'pytest', 'python/tests', '-q', ...process.argv.slice(2)];
console.log(`${pythonInterpreter()} ${args.join(' ')}`);
const result = spawnSync(pythonInterpreter(), args, { cwd: repoRoot, env: pythonEnv(), stdio: 'inherit' });
process.exit(result.status ?? 1);
