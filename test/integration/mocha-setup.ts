// Creates the Mocha instance and installs its BDD globals (describe, it, before, ...) BEFORE any
// suite module is evaluated: index.ts imports this module first, and ES modules (also when
// bundled by esbuild) evaluate in import order. Mocha itself stays external (scripts/build.mjs)
// and is required at run time from the repository's node_modules.
import Mocha from 'mocha';
import { ConsoleReporter } from './console-reporter';

export const mocha = new Mocha({
  ui: 'bdd',
  timeout: 60_000,
  color: false,
  reporter: ConsoleReporter,
  // FOCAL_LENS_GREP reaches the extension host through code-server's environment.
  ...(process.env.FOCAL_LENS_GREP ? { grep: process.env.FOCAL_LENS_GREP } : {}),
});

/**
 * True when another Mocha already loads this bundle as a test file (`@vscode/test-cli`, see
 * .vscode-test.mjs): its BDD globals are in place, the suites register with it and `run()` is
 * never called. Otherwise (code-server harness, @vscode/test-electron) this module owns Mocha.
 */
export const hostedByOtherMocha = typeof (globalThis as { describe?: unknown }).describe === 'function';

if (!hostedByOtherMocha) {
  mocha.suite.emit(Mocha.Suite.constants.EVENT_FILE_PRE_REQUIRE, globalThis, 'integration', mocha);
}
