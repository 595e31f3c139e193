// VS Code glue for the inline hints of src/core/hints: inlay hints, hovers, diagnostics, quick
// fixes, CodeLens and the commands behind them. One entry point: registerHintFeatures.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CONVENTION_DESCRIPTIONS, CONVENTIONS, summarizeReport, type HintsAnalysis, type Severity, type TextRange } from '../../core/hints';
import type { AlphaConvention, AnalysisReport } from '../../core/report';
import type { AnalysisRequest } from '../analysis-runner';
import type { Config } from '../config';
import { AFFECTS } from '../config-schema';
import { hintAnalysisFailureText } from '../notifications';
import { HintsService } from './service';

export interface HintDeps {
  runAnalysis(request: AnalysisRequest, token: vscode.CancellationToken): Promise<AnalysisReport | undefined>;
}

export const HINT_COMMANDS = {
  analyzeWithLog: 'focalLens.analyzeWithLog',
  rerunLinkedAnalysis: 'focalLens.rerunLinkedAnalysis',
  unlinkLog: 'focalLens.unlinkLog',
  declareConvention: 'focalLens.declareConvention',
} as const;

/** Languages with a grammar in VS Code / code-server, plus file patterns when no language extension claims them. */
export const HINT_SELECTOR: vscode.DocumentSelector = [
  { language: 'python' },
  { language: 'yaml' },
  { language: 'json' },
  { language: 'jsonc' },
  { language: 'toml' },
  { pattern: '**/*.{py,yaml,yml,json,jsonc,toml}' },
];

const DIAGNOSTIC_DELAY_MS = 300;

function toRange(r: TextRange): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

function toSeverity(s: Severity): vscode.DiagnosticSeverity {
  switch (s) {
    case 'error':
      return vscode.DiagnosticSeverity.Error;
    case 'warning':
      return vscode.DiagnosticSeverity.Warning;
    case 'information':
      return vscode.DiagnosticSeverity.Information;
    default:
      return vscode.DiagnosticSeverity.Hint;
  }
}

/**
 * A hover's markdown (its file and log text escaped by the core): untrusted (no command links),
 * no HTML, no theme icons.
 */
function hoverMarkdown(text: string): vscode.MarkdownString {
  const md = new vscode.MarkdownString(text, false);
  md.isTrusted = false;
  md.supportHtml = false;
  return md;
}

/** The site under the cursor (or the last one above it, or the first). */
function siteNear(analysis: HintsAnalysis, line: number): number {
  const sites = analysis.result.sites;
  if (sites.length === 0) return -1;
  const f = analysis.result.findings.find((x) => x.range.start.line === line);
  if (f) return f.siteIndex;
  let best = 0;
  for (const s of sites) if (s.anchor.line <= line) best = s.index;
  return best;
}

/** What the hints leave to the rest of the extension: the config -> log links. */
export interface HintFeatures {
  links(): ReturnType<HintsService['links']>;
}

export function registerHintFeatures(context: vscode.ExtensionContext, config: Config, deps: HintDeps): HintFeatures {
  const service = new HintsService(context.workspaceState, config);
  const diagnostics = vscode.languages.createDiagnosticCollection('focalLens.hints');
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  context.subscriptions.push(service, diagnostics, { dispose: () => timers.forEach((t) => clearTimeout(t)) });

  const matches = (doc: vscode.TextDocument): boolean => vscode.languages.match(HINT_SELECTOR, doc) > 0 && doc.uri.scheme !== 'output';

  const refreshDiagnostics = (doc: vscode.TextDocument): void => {
    if (doc.isClosed) return;
    const analysis = service.get(doc);
    if (!analysis) {
      diagnostics.delete(doc.uri);
      return;
    }
    diagnostics.set(
      doc.uri,
      analysis.allDiagnostics().map((d) => {
        const diag = new vscode.Diagnostic(toRange(d.range), d.message, toSeverity(d.severity));
        diag.code = d.code;
        diag.source = 'Focal Lens';
        return diag;
      }),
    );
  };

  const schedule = (doc: vscode.TextDocument, delay = DIAGNOSTIC_DELAY_MS): void => {
    if (!matches(doc)) return;
    const key = doc.uri.toString();
    const old = timers.get(key);
    if (old) clearTimeout(old);
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        refreshDiagnostics(doc);
      }, delay),
    );
  };

  const refreshAll = (): void => {
    for (const doc of vscode.workspace.textDocuments) schedule(doc, 50);
  };

  context.subscriptions.push(
    vscode.workspace.onDidOpenTextDocument((doc) => schedule(doc, 50)),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length > 0) schedule(e.document);
    }),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      const key = doc.uri.toString();
      const t = timers.get(key);
      if (t) clearTimeout(t);
      timers.delete(key);
      diagnostics.delete(doc.uri);
      service.forget(doc.uri);
    }),
    config.onDidChange((keys) => {
      if ([...keys].some((k) => AFFECTS[k] === 'hints')) {
        service.invalidate();
        refreshAll();
      }
    }),
    service.onDidChange(() => refreshAll()),
  );
  // Documents already open when the extension activates: deferred, never parsed during activate().
  refreshAll();

  // ---- inlay hints
  const inlayChanged = new vscode.EventEmitter<void>();
  context.subscriptions.push(inlayChanged, service.onDidChange(() => inlayChanged.fire()));
  context.subscriptions.push(
    vscode.languages.registerInlayHintsProvider(HINT_SELECTOR, {
      onDidChangeInlayHints: inlayChanged.event,
      provideInlayHints(doc, range) {
        if (!config.inlayHintsEnabled(doc.uri)) return [];
        const analysis = service.get(doc);
        if (!analysis) return [];
        const out: vscode.InlayHint[] = [];
        analysis.result.findings.forEach((f, i) => {
          const end = toRange(f.range).end;
          if (!range.contains(end)) return;
          const hint = new vscode.InlayHint(end, f.hint);
          hint.paddingLeft = true;
          hint.tooltip = hoverMarkdown(analysis.hover(i));
          out.push(hint);
        });
        return out;
      },
    }),
  );

  // ---- hovers
  context.subscriptions.push(
    vscode.languages.registerHoverProvider(HINT_SELECTOR, {
      provideHover(doc, position) {
        const analysis = service.get(doc);
        if (!analysis) return undefined;
        const i = analysis.findingAt(position.line, position.character);
        if (i < 0) return undefined;
        const f = analysis.result.findings[i]!;
        return new vscode.Hover(hoverMarkdown(analysis.hover(i)), toRange(f.hoverRange));
      },
    }),
  );

  // ---- quick fixes
  context.subscriptions.push(
    vscode.languages.registerCodeActionsProvider(
      HINT_SELECTOR,
      {
        provideCodeActions(doc, range, ctx) {
          const analysis = service.get(doc);
          if (!analysis) return [];
          const actions: vscode.CodeAction[] = [];
          let declareOffered = false;
          analysis.result.findings.forEach((f, i) => {
            const fr = toRange(f.hoverRange).union(toRange(f.range));
            if (!fr.intersection(range) && !ctx.diagnostics.some((d) => d.range.intersection(fr))) return;
            for (const fix of analysis.quickFixes(i)) {
              const related = ctx.diagnostics.filter((d) => d.source === 'Focal Lens' && fix.codes.includes(String(d.code)));
              if (fix.kind === 'declare-convention') {
                if (declareOffered) continue;
                declareOffered = true;
                const action = new vscode.CodeAction('Declare the convention…', vscode.CodeActionKind.QuickFix);
                action.command = { command: HINT_COMMANDS.declareConvention, title: 'Declare the convention', arguments: [doc.uri, f.siteIndex] };
                action.diagnostics = related;
                actions.push(action);
                continue;
              }
              const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
              const edit = new vscode.WorkspaceEdit();
              for (const e of fix.edits) edit.replace(doc.uri, toRange(e.range), e.newText);
              action.edit = edit;
              action.diagnostics = related;
              action.isPreferred = fix.preferred ?? false;
              actions.push(action);
            }
          });
          return actions;
        },
      },
      { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] },
    ),
  );

  // ---- CodeLens
  const lensChanged = new vscode.EventEmitter<void>();
  context.subscriptions.push(lensChanged, service.onDidChange(() => lensChanged.fire()));
  context.subscriptions.push(
    vscode.languages.registerCodeLensProvider(HINT_SELECTOR, {
      onDidChangeCodeLenses: lensChanged.event,
      provideCodeLenses(doc) {
        const analysis = service.get(doc);
        if (!analysis) return [];
        const linked = service.link(doc.uri);
        const lenses: vscode.CodeLens[] = [];
        for (const s of analysis.result.sites) {
          const r = new vscode.Range(s.anchor.line, 0, s.anchor.line, 0);
          lenses.push(
            new vscode.CodeLens(r, { title: 'Analyze with a training log…', command: HINT_COMMANDS.analyzeWithLog, arguments: [doc.uri, s.index] }),
          );
          if (linked) {
            const name = linked.logPaths.map((p) => path.basename(p)).join(', ');
            const v = linked.verdict;
            const status = v.status === 'healthy' ? 'healthy' : `${v.status}${v.class !== null ? ` onto '${v.class}'` : ''}`;
            lenses.push(
              new vscode.CodeLens(r, { title: `Re-run on ${name} (${status})`, command: HINT_COMMANDS.rerunLinkedAnalysis, arguments: [doc.uri, s.index] }),
              new vscode.CodeLens(r, { title: 'Unlink', command: HINT_COMMANDS.unlinkLog, arguments: [doc.uri] }),
            );
          }
        }
        return lenses;
      },
    }),
  );

  // ---- commands
  const documentFor = async (uri?: vscode.Uri): Promise<vscode.TextDocument | undefined> => {
    if (uri instanceof vscode.Uri) return vscode.workspace.openTextDocument(uri);
    return vscode.window.activeTextEditor?.document;
  };
  const cursorLine = (doc: vscode.TextDocument): number => {
    const ed = vscode.window.activeTextEditor;
    return ed && ed.document === doc ? ed.selection.active.line : 0;
  };

  let running: vscode.CancellationTokenSource | undefined;
  const analyze = async (doc: vscode.TextDocument, siteIndex: number | undefined, logPaths: string[] | undefined): Promise<AnalysisReport | undefined> => {
    const analysis = service.get(doc);
    if (!analysis || analysis.result.sites.length === 0) {
      void vscode.window.showInformationMessage('Focal Lens: no focal-loss alpha or gamma in this file.');
      return undefined;
    }
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('Focal Lens reads training logs only in trusted workspaces.');
      return undefined;
    }
    const index = typeof siteIndex === 'number' ? siteIndex : siteNear(analysis, cursorLine(doc));
    const site = analysis.result.sites[index] ?? analysis.result.sites[0]!;
    let paths = logPaths;
    if (!paths) {
      const picked = await vscode.window.showOpenDialog({
        canSelectFiles: true,
        canSelectFolders: true,
        canSelectMany: true,
        openLabel: 'Analyze',
        title: `Training log or prediction dump for ${site.context}`,
        defaultUri: vscode.workspace.getWorkspaceFolder(doc.uri)?.uri,
      });
      if (!picked || picked.length === 0) return undefined;
      paths = picked.map((u) => u.fsPath);
    }
    // The config's values fill in what the log lacks but never override it: the log records what
    // the run trained with, and the report shows where the two disagree.
    const config: NonNullable<AnalysisRequest['config']> = { source: `${vscode.workspace.asRelativePath(doc.uri)}:${site.anchor.line + 1}` };
    if (site.alpha !== undefined && site.alpha !== null) config.alpha = site.alpha;
    if (site.gamma !== undefined) config.gamma = site.gamma;
    if (site.convention !== 'unknown') config.convention = site.convention;
    const request: AnalysisRequest = { logPaths: paths, config };
    running?.cancel();
    const source = new vscode.CancellationTokenSource();
    running = source;
    try {
      const report = await deps.runAnalysis(request, source.token);
      if (!report || source.token.isCancellationRequested) return undefined;
      await service.setLink(doc.uri, summarizeReport(report, paths));
      return report;
    } catch (err) {
      void vscode.window.showErrorMessage(hintAnalysisFailureText(err));
      return undefined;
    } finally {
      source.dispose();
      if (running === source) running = undefined;
    }
  };

  context.subscriptions.push(
    vscode.commands.registerCommand(HINT_COMMANDS.analyzeWithLog, async (uri?: vscode.Uri, siteIndex?: number, logPaths?: string[]) => {
      const doc = await documentFor(uri);
      return doc ? analyze(doc, siteIndex, Array.isArray(logPaths) ? logPaths : undefined) : undefined;
    }),
    vscode.commands.registerCommand(HINT_COMMANDS.rerunLinkedAnalysis, async (uri?: vscode.Uri, siteIndex?: number) => {
      const doc = await documentFor(uri);
      if (!doc) return undefined;
      const link = service.link(doc.uri);
      return analyze(doc, siteIndex, link?.logPaths);
    }),
    vscode.commands.registerCommand(HINT_COMMANDS.unlinkLog, async (uri?: vscode.Uri) => {
      const doc = await documentFor(uri);
      if (doc) await service.setLink(doc.uri, null);
    }),
    vscode.commands.registerCommand(
      HINT_COMMANDS.declareConvention,
      async (uri?: vscode.Uri, siteIndex?: number, convention?: AlphaConvention): Promise<boolean> => {
        const doc = await documentFor(uri);
        if (!doc) return false;
        const analysis = service.get(doc);
        if (!analysis || analysis.result.sites.length === 0) {
          void vscode.window.showInformationMessage('Focal Lens: no focal-loss alpha or gamma in this file.');
          return false;
        }
        const index = typeof siteIndex === 'number' ? siteIndex : siteNear(analysis, cursorLine(doc));
        let chosen = convention && CONVENTIONS.includes(convention) ? convention : undefined;
        if (!chosen) {
          const pick = await vscode.window.showQuickPick(
            CONVENTIONS.map((c) => ({ label: c, detail: CONVENTION_DESCRIPTIONS[c] })),
            { title: 'What does a scalar alpha mean in the library this file uses?', placeHolder: 'Writes a "focal-lens: convention=..." comment' },
          );
          chosen = pick?.label;
        }
        if (!chosen) return false;
        const edit = analysis.declareConventionEdit(index, chosen);
        if (!edit) {
          void vscode.window.showWarningMessage('Focal Lens: plain JSON has no comments; use a .jsonc file or add the comment in the Python or YAML file that sets alpha.');
          return false;
        }
        const we = new vscode.WorkspaceEdit();
        we.replace(doc.uri, toRange(edit.range), edit.newText);
        return vscode.workspace.applyEdit(we);
      },
    ),
  );
  return { links: () => service.links() };
}
