// A Mocha reporter that writes only through console.log / console.error. Inside VS Code's
// extension host, console output is what gets forwarded (to the terminal of
// test/harness/run-integration.mjs through codeAutomationLog, or to stdout under
// @vscode/test-electron); process.stdout.write, which Mocha's 'spec' reporter uses, does not
// reach the browser-hosted runner. Ends with the line `integration: N passed, N failed`.
import Mocha from 'mocha';

const {
  EVENT_RUN_END,
  EVENT_SUITE_BEGIN,
  EVENT_SUITE_END,
  EVENT_TEST_FAIL,
  EVENT_TEST_PASS,
  EVENT_TEST_PENDING,
} = Mocha.Runner.constants;

export class ConsoleReporter extends Mocha.reporters.Base {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    let depth = 0;
    const indent = () => '  '.repeat(depth);
    const failures: { title: string; err: Error & { actual?: unknown; expected?: unknown } }[] = [];
    let passed = 0;
    let pending = 0;

    // test/harness/run-integration.mjs shows the extension host's output from this line on.
    runner.once(Mocha.Runner.constants.EVENT_RUN_BEGIN, () => {
      console.log(`integration: running ${runner.total} test${runner.total === 1 ? '' : 's'}`);
    });
    runner.on(EVENT_SUITE_BEGIN, (suite: Mocha.Suite) => {
      if (suite.root) return;
      console.log(`${indent()}${suite.title}`);
      depth++;
    });
    runner.on(EVENT_SUITE_END, (suite: Mocha.Suite) => {
      if (!suite.root) depth--;
    });
    runner.on(EVENT_TEST_PASS, (test: Mocha.Test) => {
      passed++;
      console.log(`${indent()}✔ ${test.title} (${test.duration ?? 0} ms)`);
    });
    runner.on(EVENT_TEST_PENDING, (test: Mocha.Test) => {
      pending++;
      console.log(`${indent()}- ${test.title} (pending)`);
    });
    runner.on(EVENT_TEST_FAIL, (test: Mocha.Test, err: Error) => {
      failures.push({ title: test.fullTitle(), err });
      console.log(`${indent()}✘ ${failures.length}) ${test.title}`);
    });
    runner.once(EVENT_RUN_END, () => {
      failures.forEach(({ title, err }, i) => {
        console.error(`\n${i + 1}) ${title}`);
        console.error(`   ${err?.stack ?? String(err)}`);
        const showDiff = (err as { showDiff?: boolean }).showDiff !== false;
        const hasDiff = /\+ actual - expected/.test(err?.message ?? '');
        if (err && showDiff && !hasDiff && 'expected' in err && 'actual' in err && typeof err.expected !== 'boolean') {
          console.error(`   expected: ${safeJson(err.expected)}\n   actual:   ${safeJson(err.actual)}`);
        }
      });
      if (pending) console.log(`\n${pending} pending`);
      console.log(`\nintegration: ${passed} passed, ${failures.length} failed`);
    });
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
