// Where `focal-lens analyze` spends its time, stage by stage, for `npm run bench`: runs analyze()
// in process and times its progress events (src/core/pipeline/options.ts), wall and CPU (all
// threads). Bundled by scripts/bench.mjs; not shipped.
//
//   stages <dump> --alpha-vector a0,a1,... --gamma 2 [--backend wasm|cpu|tensorflow]
//
// Prints one JSON object: milliseconds of start-up (process start to this script's first line),
// run scan and backend, reading + kernels (all epochs), counterfactual + what-if + suggestion +
// verdict + report, and the total.
import { analyze } from '../src/core/analyze';
import type { AnalyzeProgress } from '../src/core/pipeline/options';
import type { BackendPreference } from '../src/core/compute/backend';

const startup = performance.now();

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const faults0 = process.resourceUsage().minorPageFault;
  type Mark = { wall: number; cpu: number; faults: number };
  const marks: Partial<Record<AnalyzeProgress['phase'], Mark>> = {};
  const mark = (phase: AnalyzeProgress['phase']) => {
    const c = process.cpuUsage(cpu0);
    marks[phase] = { wall: performance.now() - t0, cpu: (c.user + c.system) / 1000, faults: process.resourceUsage().minorPageFault - faults0 };
  };
  const report = await analyze({
    paths: [args[0]!],
    alphaVector: opt('--alpha-vector')!.split(',').map(Number),
    gamma: Number(opt('--gamma') ?? 2),
    backend: (opt('--backend') ?? 'auto') as BackendPreference,
    onProgress: (e) => {
      // the first event of a phase starts it; 'epoch' and 'read' repeat: keep the last
      if (e.phase === 'backend' || e.phase === 'counterfactual' || e.phase === 'done' || e.phase === 'epoch') mark(e.phase);
    },
  });
  // page faults: the first touch of each 4 KiB page of fresh memory, which some machines make dear
  const span = (a: Mark | undefined, b: Mark | undefined) =>
    a && b ? { wall: Math.round(b.wall - a.wall), cpu: Math.round(b.cpu - a.cpu), pageFaults: b.faults - a.faults } : null;
  const zero = { wall: 0, cpu: 0, faults: 0 };
  process.stdout.write(
    `${JSON.stringify({
      samples: report.epochs.reduce((n, e) => n + e.samples, 0),
      backend: report.backend,
      ms: {
        startup: Math.round(startup),
        startupPageFaults: faults0,
        scan: span(zero, marks.backend),
        epochs: span(marks.backend, marks.epoch),
        judge: span(marks.counterfactual, marks.done),
        total: span(zero, marks.done),
      },
    })}\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 2;
});
