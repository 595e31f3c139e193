// `focal-lens`: the command-line face of src/core. Each subcommand lives in its own module and
// returns the process exit code: 0 fine, 2 bad input or usage, 3 when --fail-on triggers, 4 when a
// watched path is deleted.

const USAGE = `focal-lens: what your focal loss is really doing

Usage:
  focal-lens analyze <run folder|file>... [options]   judge a run from its logs, recompute from dumps
  focal-lens watch <run folder|file>... [options]     follow a run while it trains, a line per epoch
  focal-lens hints <config-file> [--format text|json]   what alpha and gamma mean where they are set
  focal-lens samples <dump>... --epoch N --out FILE  one epoch's per-sample scores (for the report's what-if)
  focal-lens backend [--backend B]                 which compute backend loads here, from where
  focal-lens <command> --help                      options of one command
  focal-lens --version

Exit codes: 0 fine, 2 bad input or usage, 3 when --fail-on triggers, 4 when a watched path is deleted.
`;

import { mapStack } from './source-map';

// Loaded on demand: each command's dependencies (tfjs for analyze, the config parsers for hints)
// cost start-up time the other command should not pay.
const commands: Record<string, (args: string[]) => Promise<number>> = {
  analyze: async (args) => (await import('./analyze')).runAnalyzeCommand(args),
  watch: async (args) => (await import('./watch')).runWatchCommand(args),
  hints: async (args) => (await import('./hints')).runHintsCommand(args),
  samples: async (args) => (await import('./samples')).runSamplesCommand(args),
  backend: async (args) => (await import('./backend')).runBackendCommand(args),
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-V') {
    process.stdout.write(`${__FOCAL_LENS_VERSION__}\n`);
    return 0;
  }
  const run = commands[command];
  if (!run) {
    process.stderr.write(`focal-lens: unknown command '${command}'\n\n${USAGE}`);
    return 2;
  }
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`focal-lens: internal error: ${err instanceof Error ? (err.stack ? mapStack(err.stack) : err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
