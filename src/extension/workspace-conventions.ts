// What the workspace's configs say alpha means, for the question a log without a convention gets:
// the hints engine (src/core/hints) reads each config near the log and names the convention of
// every focal-loss alpha it recognises (from the import, the type= string, a comment ...).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { analyzeHints, languageForPath } from '../core/hints';
import type { AlphaConvention } from '../core/report';
import { EXCLUDE_GLOB } from './log-picker';
import type { FoundConvention } from './words';

const CONFIG_GLOB = '**/*.{py,yaml,yml,json,jsonc,toml}';
/** Enough to find the training script of a run, few enough to answer at once. */
const MAX_FILES = 200;
const MAX_BYTES = 512 * 1024;

/** How many leading folders two paths share: configs beside the log come first. */
function closeness(file: string, log: string): number {
  const a = file.split(path.sep);
  const b = log.split(path.sep);
  let n = 0;
  while (n < a.length - 1 && n < b.length && a[n] === b[n]) n++;
  return n;
}

/** The conventions the workspace's configs use for a scalar alpha, the configs closest to the log first. */
export async function conventionsInWorkspace(logPath: string): Promise<FoundConvention[]> {
  const uris = await vscode.workspace.findFiles(CONFIG_GLOB, EXCLUDE_GLOB, MAX_FILES);
  uris.sort((x, y) => closeness(y.fsPath, logPath) - closeness(x.fsPath, logPath) || x.fsPath.localeCompare(y.fsPath));
  const found: FoundConvention[] = [];
  for (const uri of uris) {
    const language = languageForPath(uri.fsPath);
    if (!language) continue;
    const stat = await vscode.workspace.fs.stat(uri).then((s) => s, () => undefined);
    if (!stat || stat.size > MAX_BYTES) continue;
    const text = Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8');
    const { sites } = analyzeHints(text, language, { fileName: path.basename(uri.fsPath) }).result;
    for (const site of sites) {
      if (site.convention === 'unknown' || site.convention === 'vector' || typeof site.alpha !== 'number') continue;
      found.push({ convention: site.convention as AlphaConvention, library: site.library, where: `${vscode.workspace.asRelativePath(uri)}:${site.anchor.line + 1}` });
    }
  }
  return found;
}
