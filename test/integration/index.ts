// Entry that VS Code's extension host loads as `extensionTestsPath` (built by scripts/build.mjs
// into out/test/index.js). Used by test/harness/run-integration.mjs (code-server) and by
// `npm run test:electron` (@vscode/test-electron). VS Code calls `run()` and treats a rejection
// as a failed run.
import { mocha } from './mocha-setup'; // must stay the first import: installs describe/it

// ---- The integration suites. Add new suites here (esbuild bundles them into one file). ----
import './extension.test';
import './hints.test';
import './analysis.test';
import './watch.test';
import './apply.test';
import './faces.test';
// -------------------------------------------------------------------------------------------

export function run(): Promise<void> {
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => {
        const total = mocha.suite.total();
        if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
        else if (total === 0) reject(new Error('no integration tests ran'));
        else resolve();
      });
    } catch (err) {
      console.error(err);
      console.log('integration: 0 passed, 1 failed');
      reject(err);
    }
  });
}
