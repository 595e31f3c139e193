// Writes package.json's Explorer menu clause from the format registry (package.json cannot import
// it; test/unit/registry.test.ts fails when they differ). Run: npm run sync-manifest
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { explorerFilenamePattern } from '../src/core/readers/registry';

const path = join(__dirname, '..', 'package.json');
const pkg = JSON.parse(readFileSync(path, 'utf8')) as { contributes: { menus: Record<string, unknown[]> } };
const when = `explorerResourceIsFolder || resourceFilename =~ /${explorerFilenamePattern()}/i`;
pkg.contributes.menus['explorer/context'] = [
  { command: 'focalLens.analyze', when, group: 'navigation@90' },
  { command: 'focalLens.watchRun', when, group: 'navigation@91' },
];
writeFileSync(path, JSON.stringify(pkg, null, 2) + '\n');
