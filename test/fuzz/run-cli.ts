// `npm run fuzz`: the long seeded run. Every case goes to the built CLI (`node dist/cli.js`) as a
// child process under /usr/bin/time, with a 20 s limit; the table counts, per reader and per hint
// parser, internal errors, runs past 20 s and runs above 1 GiB peak memory (all must be 0), and
// refusals that name no position. Failing cases are kept in a folder for replaying.
//
//   npm run fuzz -- [--runs 2000] [--seed 12] [--jobs N] [--only jsonl,python] [--bomb-mib 64]
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { HINT_LANGUAGES, READERS, hintCases, readerCases, type FuzzCase, type HintCase } from './cases';
import { POSITIONED, writeCase } from './harness';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '12' },
    jobs: { type: 'string', default: String(availableParallelism()) },
    only: { type: 'string' },
    'bomb-mib': { type: 'string', default: '64' },
  },
});
const RUNS = Number(values.runs);
const SEED = Number(values.seed);
const JOBS = Math.max(1, Number(values.jobs));
const BOMB_MIB = Number(values['bomb-mib']);
const ONLY = values.only?.split(',');
const TIME_LIMIT_MS = 20_000;
const MEMORY_LIMIT_KB = 1 << 20;
const CLI = resolve(__dirname, '../../dist/cli.js');
const FORMATS = ['json', 'text', 'markdown'];

interface Run {
  exit: number | null;
  timedOut: boolean;
  maxRssKb: number;
  ms: number;
  stderr: string;
}

function runCli(args: string[], cwd: string): Promise<Run> {
  return new Promise((done) => {
    const timeFile = join(cwd, '.time');
    const child = spawn('/usr/bin/time', ['-v', '-o', timeFile, process.execPath, CLI, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 8192) stderr += d.toString();
    });
    const t0 = Date.now();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, TIME_LIMIT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      let maxRssKb = 0;
      try {
        maxRssKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(readFileSync(timeFile, 'utf8'))?.[1] ?? 0);
      } catch {
        // killed before time wrote its report
      }
      // time -v reports the child's status as its own exit code
      done({ exit: timedOut ? null : code, timedOut, maxRssKb, ms: Date.now() - t0, stderr });
    });
  });
}

interface Tally {
  name: string;
  inputs: number;
  ok: number;
  refused: number;
  unpositioned: number;
  internal: number;
  slow: number;
  big: number;
  maxRssKb: number;
  maxMs: number;
  examples: string[];
  /** The first refusals that name no line or byte (each should have a reason not to). */
  unpositionedMessages: string[];
}

const tally = (name: string): Tally => ({ name, inputs: 0, ok: 0, refused: 0, unpositioned: 0, internal: 0, slow: 0, big: 0, maxRssKb: 0, maxMs: 0, examples: [], unpositionedMessages: [] });

const root = mkdtempSync(join(tmpdir(), 'focal-lens-fuzz-'));
const keep = join(root, 'failures');

function record(t: Tally, r: Run, dir: string, tags: string[], args: string[]): void {
  t.inputs++;
  t.maxRssKb = Math.max(t.maxRssKb, r.maxRssKb);
  t.maxMs = Math.max(t.maxMs, r.ms);
  const internal = !r.timedOut && (r.exit === 1 || (r.exit !== 0 && r.exit !== 2 && r.exit !== 3) || r.stderr.includes('internal error'));
  const problems: string[] = [];
  if (r.timedOut) problems.push('>20 s');
  if (r.maxRssKb > MEMORY_LIMIT_KB) problems.push(`${Math.round(r.maxRssKb / 1024)} MiB`);
  if (internal) problems.push('internal error');
  t.slow += r.timedOut ? 1 : 0;
  t.big += r.maxRssKb > MEMORY_LIMIT_KB ? 1 : 0;
  t.internal += internal ? 1 : 0;
  if (!internal && !r.timedOut) {
    if (r.exit === 2) {
      t.refused++;
      const message = r.stderr.split('\n').find((l) => l.startsWith('focal-lens')) ?? '';
      if (!POSITIONED.test(message.replace(/^focal-lens \w+: /, '')) && !/Run 'focal-lens/.test(r.stderr)) {
        t.unpositioned++;
        if (t.unpositionedMessages.length < 3) t.unpositionedMessages.push(`[${tags.join(',')}] ${message.slice(0, 240)}`);
      }
    } else t.ok++;
  }
  if (problems.length) {
    const saved = join(keep, `${t.name}-${t.inputs}`);
    cpSync(dir, saved, { recursive: true });
    if (t.examples.length < 5) t.examples.push(`${problems.join(', ')} [${tags.join(',')}] ${saved} :: focal-lens ${args.join(' ')} :: ${r.stderr.split('\n').slice(0, 3).join(' | ').slice(0, 300)}`);
  }
}

/** Cases in seeded batches (generated as needed: bombs are megabytes each). */
function* batches<T>(arb: fc.Arbitrary<T>, salt: number): Generator<T[]> {
  const size = JOBS * 8;
  for (let done = 0, b = 0; done < RUNS; done += size, b++) yield fc.sample(arb, { seed: SEED * 1_000_003 + salt * 7919 + b, numRuns: Math.min(size, RUNS - done) });
}

async function pool<T>(items: T[], work: (item: T, k: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: JOBS }, async () => {
    while (next < items.length) {
      const k = next++;
      await work(items[k]!, k);
    }
  }));
}

const EXT = { python: 'py', yaml: 'yaml', json: 'json', toml: 'toml' } as const;

/** One fuzz target: a reader (cases analysed by `focal-lens analyze`) or a hint parser (`focal-lens hints`). */
interface Target {
  tally: Tally;
  batches: Generator<FuzzCase[]> | Generator<HintCase[]>;
  run(c: FuzzCase | HintCase, dir: string, n: number): Promise<void>;
}

function readerTarget(name: (typeof READERS)[number], salt: number): Target {
  const t = tally(name);
  return {
    tally: t,
    batches: batches(readerCases(name, BOMB_MIB), salt),
    async run(item, dir, n) {
      const c = item as FuzzCase;
      writeCase(dir, c);
      const args = ['analyze', c.target, '--alpha', '0.25', '--gamma', '2', '--progress', 'none', '--format', FORMATS[n % 3]!, ...(c.lenient ? ['--lenient'] : [])];
      record(t, await runCli(args, dir), dir, c.tags, args);
    },
  };
}

function hintTarget(language: (typeof HINT_LANGUAGES)[number], salt: number): Target {
  const t = tally(`hints ${language}`);
  return {
    tally: t,
    batches: batches(hintCases(language), salt),
    async run(item, dir, n) {
      const c = item as HintCase;
      const file = `config.${EXT[language]}`;
      writeFileSync(join(dir, file), c.text);
      const args = ['hints', file, '--format', n % 2 ? 'json' : 'text'];
      record(t, await runCli(args, dir), dir, c.tags, args);
    },
  };
}

/** Round by round, a batch of every target: a run stopped early still covers every target. */
async function fuzz(targets: Target[]): Promise<void> {
  let n = 0;
  for (let round = 0; ; round++) {
    let any = false;
    for (const target of targets) {
      const next = target.batches.next();
      if (next.done) continue;
      any = true;
      await pool(next.value as (FuzzCase | HintCase)[], async (c) => {
        const k = n++;
        const dir = join(root, `case-${k}`);
        mkdirSync(dir, { recursive: true });
        await target.run(c, dir, k);
        rmSync(dir, { recursive: true, force: true });
      });
    }
    if (!any) return;
    writeFileSync(join(root, 'summary.txt'), summary(targets.map((t) => t.tally)));
    process.stderr.write(`\rround ${round + 1}: ${targets.map((t) => t.tally.inputs).reduce((a, b) => a + b, 0)} inputs (summary so far: ${join(root, 'summary.txt')})`);
  }
}

function summary(tallies: Tally[]): string {
  const head = ['target', 'inputs', 'exit 0/3', 'exit 2', 'unpositioned', 'internal', '>20 s', '>1 GiB', 'peak MiB', 'slowest s'];
  const rows = tallies.map((t) => [t.name, t.inputs, t.ok, t.refused, t.unpositioned, t.internal, t.slow, t.big, Math.round(t.maxRssKb / 1024), (t.maxMs / 1000).toFixed(1)].map(String));
  const sum = (k: keyof Tally) => tallies.reduce((s, t) => s + (t[k] as number), 0);
  rows.push(['total', sum('inputs'), sum('ok'), sum('refused'), sum('unpositioned'), sum('internal'), sum('slow'), sum('big'), '', ''].map(String));
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  const out = [`seed ${SEED}, up to ${RUNS} inputs per target, ${JOBS} jobs, bombs up to ${BOMB_MIB} MiB`, line(head), ...rows.map(line)];
  for (const t of tallies) for (const e of t.examples) out.push(`  ${t.name}: ${e}`);
  for (const t of tallies) for (const m of t.unpositionedMessages) out.push(`  ${t.name}, unpositioned: ${m}`);
  return out.join('\n') + '\n';
}

async function main(): Promise<void> {
  const targets: Target[] = [];
  READERS.forEach((r, i) => (!ONLY || ONLY.includes(r)) && targets.push(readerTarget(r, i)));
  HINT_LANGUAGES.forEach((l, i) => (!ONLY || ONLY.includes(l)) && targets.push(hintTarget(l, 100 + i)));
  await fuzz(targets);
  process.stderr.write('\n');
  const tallies = targets.map((t) => t.tally);
  process.stdout.write(summary(tallies));
  const failed = tallies.reduce((s, t) => s + t.internal + t.slow + t.big, 0);
  console.log(failed ? `failing cases kept in ${keep}` : 'no internal errors, no run past 20 s, none above 1 GiB');
  if (!failed) rmSync(root, { recursive: true, force: true });
  process.exitCode = failed ? 1 : 0;
}

void main();
