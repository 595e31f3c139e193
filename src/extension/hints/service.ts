// The per-document hints analysis, cached by URI + version (+ a generation bumped when settings or
// log links change), and the file -> log links kept in workspaceState. Nothing is parsed until a
// provider asks for it.
import * as vscode from 'vscode';
import * as path from 'node:path';
import { analyzeHints, languageForId, type HintsAnalysis, type LinkedAnalysis } from '../../core/hints';
import type { Config } from '../config';

const LINKS_KEY = 'focalLens.hints.links';

export class HintsService implements vscode.Disposable {
  private readonly cache = new Map<string, { version: number; generation: number; analysis: HintsAnalysis }>();
  private generation = 0;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when hints may differ without a document edit (settings, links). */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly state: vscode.Memento,
    private readonly config: Config,
  ) {}

  get(doc: vscode.TextDocument): HintsAnalysis | null {
    const language = languageForId(doc.languageId, doc.fileName);
    if (!language) return null;
    const key = doc.uri.toString();
    const hit = this.cache.get(key);
    if (hit && hit.version === doc.version && hit.generation === this.generation) return hit.analysis;
    const prevalence = this.config.prevalence(doc.uri);
    const analysis = analyzeHints(doc.getText(), language, {
      givenPrevalence: prevalence === null ? null : { value: prevalence, from: 'the focalLens.prevalence setting' },
      fileName: path.basename(doc.fileName),
      linked: this.link(doc.uri),
    });
    this.cache.set(key, { version: doc.version, generation: this.generation, analysis });
    return analysis;
  }

  forget(uri: vscode.Uri): void {
    this.cache.delete(uri.toString());
  }

  invalidate(): void {
    this.generation++;
    this.changed.fire();
  }

  links(): Record<string, LinkedAnalysis> {
    return this.state.get<Record<string, LinkedAnalysis>>(LINKS_KEY, {});
  }

  link(uri: vscode.Uri): LinkedAnalysis | null {
    return this.links()[uri.toString()] ?? null;
  }

  async setLink(uri: vscode.Uri, linked: LinkedAnalysis | null): Promise<void> {
    const all = { ...this.links() };
    if (linked) all[uri.toString()] = linked;
    else delete all[uri.toString()];
    await this.state.update(LINKS_KEY, all);
    this.invalidate();
  }

  dispose(): void {
    this.changed.dispose();
    this.cache.clear();
  }
}
