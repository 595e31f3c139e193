import { scanRun } from './src/core/readers/scan';
import { readFileSync } from 'node:fs';
(async () => {
  const root = '/work/shared/fixtures/real-logs/runs';
  for (const c of require('node:fs').readdirSync(root)) {
    const s = await scanRun([`${root}/${c}`], { displayBase: `${root}/${c}` });
    console.log(c, 'dups', s.duplicates.map((d) => d.file).join(','), 'unrec', s.unrecognised);
    for (const f of s.files) {
      let extra = '';
      if (f.format.role === 'config') extra = JSON.stringify(f.format.settings(f.head, readFileSync(f.head.path, 'utf8')).map((x) => `${x.name}=${JSON.stringify(x.value)}@${x.origin.line}`));
      if (f.format.role === 'metrics') { const log = await f.format.read(f.head, {}); extra = `epochs ${log.epochs.length} [${log.epochs.map(e=>e.epoch).slice(0,3)}..] classes ${log.classes} split ${log.split} keys ${[...log.keys.values()].slice(0,6)} skipped ${log.skipped} settings ${log.settings.map(x=>x.name+'='+JSON.stringify(x.value))}`; }
      console.log('   ', f.format.id, f.score, f.head.name, extra);
    }
  }
})();
