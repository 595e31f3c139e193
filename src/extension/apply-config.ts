import * as path from 'node:path';
import * as vscode from 'vscode';
import { CONVENTION_DESCRIPTIONS, CONVENTIONS, analyzeHints, languageForId, type HintFinding, type LinkedAnalysis } from '../core/hints';
import { convertAlpha } from '../core/hints/conventions';
import { significant as fmt } from '../core/format/numbers';
import type { AlphaConvention, AnalysisReport } from '../core/report';
import type { AnalysisStore } from './analysis-store';
import { runKey } from './log-answers';

export const APPLY_COMMANDS = {
  applyAlpha: 'focalLens.applyAlpha',
  applyProposed: 'focalLens.applyProposedAlpha',
  discardProposed: 'focalLens.discardProposedAlpha',
} as const;

const PROPOSED_SCHEME = 'focal-lens-proposed';
const CONFIG_GLOB = '**/*.{py,yaml,yml,json,jsonc,toml}';
const EXCLUDE_GLOB = '{**/node_modules/**,**/.git/**,**/.vscode-test/**,**/dist/**,**/out/**}';
/** Config files read when looking for one the hints engine recognises. */
const MAX_SCANNED_CONFIGS = 400;

interface Proposal {
  target: vscode.Uri;
  version: number;
  range: vscode.Range;
  text: string;
  proposed: vscode.Uri;
  content: string;
  where: string;
}

interface AlphaSite {
  doc: vscode.TextDocument;
  finding: HintFinding;
}

/** What a scalar or vector alpha of the report becomes in a config site's convention, or why it cannot. */
export function alphaForSite(
  report: Pick<AnalysisReport, 'loss'>,
  alpha: number | number[],
  site: Pick<HintFinding, 'convention' | 'value'>,
  convention: AlphaConvention | 'unknown' = site.convention,
): { text: string } | { reason: string } {
  const written = site.value;
  if (Array.isArray(alpha)) {
    if (!Array.isArray(written) && convention !== 'vector') return { reason: `the config writes a scalar alpha (${convention} convention) and the alpha is a per-class vector: write a list there first` };
    if (Array.isArray(written) && written.length !== alpha.length) return { reason: `the config's list has ${written.length} values, the alpha ${alpha.length}` };
    return { text: `[${alpha.map((a) => fmt(a)).join(', ')}]` };
  }
  if (Array.isArray(written)) return { reason: 'the config writes a per-class list and the alpha is a scalar' };
  if (convention === 'unknown') return { reason: 'the convention of this config is unknown' };
  const converted = convertAlpha(alpha, report.loss.convention, convention);
  if (converted === null) return { reason: `alpha ${fmt(alpha)} of the ${report.loss.convention} convention has no equivalent scalar in the ${convention} convention` };
  return { text: fmt(converted) };
}

/**
 * "Apply to config…": writes an alpha of the report (its convention) where the linked config sets
 * alpha, converted to that file's convention (Focal-Loss-Pytorch style: the scalar weighs class 0),
 * as a WorkspaceEdit, after showing the diff against a proposed copy. The edit waits for "Apply"
 * (the notification, or the diff editor's title bar); the file is left unsaved, as any edit.
 */
export class AlphaApplier implements vscode.Disposable {
  private proposal: Proposal | undefined;
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  private readonly registrations: vscode.Disposable[];

  constructor(
    private readonly store: AnalysisStore,
    private readonly links: () => Record<string, LinkedAnalysis>,
  ) {
    this.registrations = [
      this.changed,
      vscode.workspace.registerTextDocumentContentProvider(PROPOSED_SCHEME, {
        onDidChange: this.changed.event,
        provideTextDocumentContent: (uri) => this.contents.get(uri.toString()) ?? '',
      }),
      vscode.commands.registerCommand(APPLY_COMMANDS.applyAlpha, (alpha?: number | number[], config?: vscode.Uri) => this.propose(alpha, config)),
      vscode.commands.registerCommand(APPLY_COMMANDS.applyProposed, () => this.applyProposal()),
      vscode.commands.registerCommand(APPLY_COMMANDS.discardProposed, () => this.discard()),
    ];
  }

  /** Shows the diff of writing `alpha` (default: the suggestion) into a config; resolves once it is shown (false: nothing to propose). */
  async propose(alpha?: number | number[], config?: vscode.Uri): Promise<boolean> {
    const state = this.store.state;
    if (state.phase !== 'done') {
      void vscode.window.showInformationMessage('Focal Lens: analyze a run first; then its alpha can be applied to a config.');
      return false;
    }
    const report = state.report;
    const value = alpha ?? report.suggestion?.alpha;
    if (value === undefined) {
      void vscode.window.showInformationMessage('Focal Lens: this report suggests no alpha; move the what-if slider to choose one.');
      return false;
    }
    const site = await this.chooseSite(config, state.logPaths ?? []);
    if (!site) return false;
    let convention = site.finding.convention;
    if (convention === 'unknown' && !Array.isArray(value)) {
      const pick = await vscode.window.showQuickPick(
        CONVENTIONS.filter((c) => c !== 'vector').map((c) => ({ label: c, detail: CONVENTION_DESCRIPTIONS[c] })),
        { title: `What does alpha mean in ${path.basename(site.doc.fileName)}?`, placeHolder: 'Focal Lens converts the alpha into that convention' },
      );
      if (!pick) return false;
      convention = pick.label as AlphaConvention;
    }
    const converted = alphaForSite(report, value, site.finding, convention);
    const where = `${vscode.workspace.asRelativePath(site.doc.uri)}:${site.finding.line}`;
    if ('reason' in converted) {
      void vscode.window.showWarningMessage(`Focal Lens cannot write this alpha to ${where}: ${converted.reason}.`);
      return false;
    }
    const r = site.finding.range;
    const range = new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
    const doc = site.doc;
    const content = doc.getText(new vscode.Range(new vscode.Position(0, 0), range.start)) + converted.text + doc.getText(new vscode.Range(range.end, doc.lineAt(doc.lineCount - 1).range.end));
    const proposed = vscode.Uri.from({ scheme: PROPOSED_SCHEME, path: doc.uri.path, query: `v${Date.now()}` });
    this.discard();
    this.contents.set(proposed.toString(), content);
    this.proposal = { target: doc.uri, version: doc.version, range, text: converted.text, proposed, content, where };
    const from = Array.isArray(value) ? '' : convention === report.loss.convention ? '' : ` (alpha ${fmt(value)} of the report's ${report.loss.convention} convention is ${converted.text} in this file's ${convention} convention)`;
    await vscode.commands.executeCommand('vscode.diff', doc.uri, proposed, `${path.basename(doc.fileName)}: alpha ${site.finding.valueText} → ${converted.text} (proposed by Focal Lens)`, { preview: true });
    void vscode.window.showInformationMessage(`Focal Lens: write alpha = ${converted.text} at ${where}?${from}`, 'Apply', 'Discard').then((choice) => {
      if (this.proposal?.proposed.toString() !== proposed.toString()) return;
      if (choice === 'Apply') void this.applyProposal();
      else if (choice === 'Discard') this.discard();
    });
    return true;
  }

  /** Applies the shown proposal; false when there is none or the file changed meanwhile. */
  async applyProposal(): Promise<boolean> {
    const p = this.proposal;
    if (!p) return false;
    const doc = await vscode.workspace.openTextDocument(p.target);
    if (doc.version !== p.version) {
      this.discard();
      void vscode.window.showWarningMessage(`Focal Lens: ${p.where} changed since the proposal; apply the alpha again.`);
      return false;
    }
    const edit = new vscode.WorkspaceEdit();
    edit.replace(p.target, p.range, p.text);
    const ok = await vscode.workspace.applyEdit(edit);
    this.discard();
    if (ok) {
      const start = p.range.start;
      await vscode.window.showTextDocument(doc, { selection: new vscode.Range(start, start.translate(0, p.text.length)), preview: false });
      void vscode.window.showInformationMessage(`Focal Lens wrote alpha = ${p.text} at ${p.where} (unsaved).`);
    }
    return ok;
  }

  /** Forgets the proposal and closes its diff. */
  discard(): void {
    const p = this.proposal;
    this.proposal = undefined;
    if (!p) return;
    this.contents.delete(p.proposed.toString());
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.toString() === p.proposed.toString());
    if (tabs.length) void vscode.window.tabGroups.close(tabs);
  }

  /** The alpha site to edit: of the given config, of the config linked to the report's logs, or of one the user picks. */
  private async chooseSite(config: vscode.Uri | undefined, logPaths: string[]): Promise<AlphaSite | undefined> {
    let uris: vscode.Uri[];
    if (config) uris = [config];
    else {
      const key = runKey(logPaths);
      uris = Object.entries(this.links())
        .filter(([, link]) => runKey(link.logPaths) === key)
        .map(([uri]) => vscode.Uri.parse(uri));
    }
    let sites = (await Promise.all(uris.map(alphaSites))).flat();
    if (!sites.length) {
      if (!config && uris.length === 0) sites = await this.pickRecognisedConfig();
      else {
        void vscode.window.showWarningMessage(`Focal Lens: ${uris.map((u) => vscode.workspace.asRelativePath(u)).join(', ')} sets no alpha literal to edit.`);
        return undefined;
      }
    }
    if (sites.length <= 1) return sites[0];
    const pick = await vscode.window.showQuickPick(
      sites.map((s) => ({ label: `${vscode.workspace.asRelativePath(s.doc.uri)}:${s.finding.line}`, description: `alpha = ${s.finding.valueText}`, detail: `${s.finding.library ?? 'library unknown'} · ${s.finding.convention} convention`, site: s })),
      { title: 'Focal Lens: which alpha should change?' },
    );
    return pick?.site;
  }

  /** No linked config: the workspace's configs that set alpha, as the hints engine reads them. */
  private async pickRecognisedConfig(): Promise<AlphaSite[]> {
    const files = await vscode.workspace.findFiles(CONFIG_GLOB, EXCLUDE_GLOB, MAX_SCANNED_CONFIGS);
    const found = (await Promise.all(files.map(alphaSites))).flat();
    if (!found.length) {
      void vscode.window.showWarningMessage('Focal Lens: no config in this workspace sets a focal-loss alpha that Focal Lens recognises.');
      return [];
    }
    return found;
  }

  dispose(): void {
    this.discard();
    for (const r of this.registrations) r.dispose();
  }
}

/** The alpha literals of a config, as the inline hints find them. */
async function alphaSites(uri: vscode.Uri): Promise<AlphaSite[]> {
  let doc: vscode.TextDocument;
  try {
    doc = await vscode.workspace.openTextDocument(uri);
  } catch {
    return [];
  }
  const language = languageForId(doc.languageId, doc.fileName);
  if (!language) return [];
  return analyzeHints(doc.getText(), language)
    .result.findings.filter((f) => f.parameter === 'alpha' && f.value !== undefined && f.value !== null)
    .map((finding) => ({ doc, finding }));
}
