// Internal-error stack traces point into src/: frames in a bundle with a `.map` beside it (the
// development build) are rewritten to the original file, line and column. Node applies source
// maps only with --enable-source-maps, which a `#!/usr/bin/env node` bin cannot pass everywhere.
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, resolve } from 'node:path';

const FRAME = /(\(|at )(\/[^():\s]+\.js):(\d+):(\d+)/g;

export function mapStack(stack: string): string {
  const maps = new Map<string, SourceMap | null>();
  const mapOf = (file: string): SourceMap | null => {
    let map = maps.get(file);
    if (map === undefined) {
      try {
        map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')));
      } catch {
        map = null; // no map (a production build): the frame stays as it is
      }
      maps.set(file, map);
    }
    return map;
  };
  return stack.replace(FRAME, (frame: string, lead: string, file: string, line: string, column: string) => {
    const entry = mapOf(file)?.findEntry(Number(line) - 1, Number(column) - 1);
    if (!entry || !('originalSource' in entry) || !entry.originalSource) return frame;
    return `${lead}${resolve(dirname(file), entry.originalSource)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}
