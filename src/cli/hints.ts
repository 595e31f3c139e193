// `focal-lens hints <config-file>`: what the editor would show inline for alpha and gamma, as text
// or JSON. Exit codes: 0 fine, 2 bad usage or unreadable file, 3 when --fail-on triggers.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { analyzeHints, languageForPath, summarizeReport, type HintLanguage, type HintDiagnostic, type Severity } from '../core/hints';
import type { AnalysisReport } from '../core/report';

const HELP = `focal-lens hints <config-file> [options]

What alpha and gamma mean where they are set: the convention of the library (from the import,
the type= string or the key path), the inline hint, and the diagnostics the editor shows.
Reads Python (.py), YAML (.yaml/.yml), JSON (.json/.jsonc) and TOML (.toml).

Options:
  --format text|json        output format (default text)
  --language python|yaml|json|jsonc|toml
                            override the language guessed from the file name
  --prevalence <0..1>       positive share, when no '# focal-lens: prevalence=' comment says it
  --report <analysis.json>  a report from 'focal-lens analyze --format json': adds the observed
                            verdict, balance and suggested alpha, as a linked log does in the editor
  --fail-on error|warning|information
                            exit 3 when a diagnostic at or above this severity is found
  -h, --help                this help

JSON output: { file, language, prevalence, sites, findings: [{ line (1-based), character (0-based),
parameter, value, convention, conventionSource, library, hint, diagnostics: [{ severity, code, message }] }],
fileDiagnostics }.
`;

const SEVERITY_RANK: Record<Severity, number> = { error: 3, warning: 2, information: 1, hint: 0 };
const LANGUAGES: HintLanguage[] = ['python', 'yaml', 'json', 'jsonc', 'toml'];

function usageError(message: string): number {
  process.stderr.write(`focal-lens hints: ${message}\nRun 'focal-lens hints --help' for usage.\n`);
  return 2;
}

export async function runHintsCommand(args: string[]): Promise<number> {
  let file: string | undefined;
  let format = 'text';
  let language: HintLanguage | null = null;
  let prevalence: number | null = null;
  let reportPath: string | undefined;
  let failOn: Severity | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf('=');
    const flag = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const inline = a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : undefined;
    const value = (): string | undefined => inline ?? args[++i];
    switch (flag) {
      case '-h':
      case '--help':
        process.stdout.write(HELP);
        return 0;
      case '--format': {
        const v = value();
        if (v !== 'text' && v !== 'json') return usageError(`--format must be text or json, got '${v ?? ''}'`);
        format = v;
        break;
      }
      case '--language': {
        const v = value();
        if (!LANGUAGES.includes(v as HintLanguage)) return usageError(`--language must be one of ${LANGUAGES.join(', ')}`);
        language = v as HintLanguage;
        break;
      }
      case '--prevalence': {
        const v = Number(value());
        if (!(v > 0 && v < 1)) return usageError('--prevalence must be a number between 0 and 1');
        prevalence = v;
        break;
      }
      case '--report': {
        reportPath = value();
        if (!reportPath) return usageError('--report needs a file');
        break;
      }
      case '--fail-on': {
        const v = value();
        if (v !== 'error' && v !== 'warning' && v !== 'information') return usageError('--fail-on must be error, warning or information');
        failOn = v;
        break;
      }
      default:
        if (a.startsWith('-') && a !== '-') return usageError(`unknown option '${a}'`);
        if (file !== undefined) return usageError('give one config file');
        file = a;
    }
  }
  if (file === undefined) return usageError('missing <config-file>');
  language ??= languageForPath(file);
  if (!language) return usageError(`cannot tell the language of '${file}' (use --language)`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return usageError(`cannot read '${file}': ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let linked = null;
  if (reportPath) {
    try {
      const report = JSON.parse(await readFile(reportPath, 'utf8')) as AnalysisReport;
      if (!report || typeof report !== 'object' || !report.verdict || !report.loss) throw new Error('not an analysis report');
      linked = summarizeReport(report, report.input?.files ?? [reportPath]);
    } catch (err) {
      return usageError(`cannot read the report '${reportPath}': ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const analysis = analyzeHints(text, language, { givenPrevalence: prevalence === null ? null : { value: prevalence, from: 'the --prevalence flag' }, fileName: basename(file), linked });
  const r = analysis.result;
  const diagOut = (d: HintDiagnostic) => ({ severity: d.severity, code: d.code, message: d.message, line: d.range.start.line + 1, character: d.range.start.character });
  if (format === 'json') {
    const out = {
      file,
      language: r.language,
      prevalence: r.prevalence,
      sites: r.sites.map((s) => ({ ...s, anchor: { line: s.anchor.line + 1, character: s.anchor.character } })),
      findings: r.findings.map((f) => ({
        line: f.line,
        character: f.character,
        parameter: f.parameter,
        value: f.value ?? null,
        valueText: f.valueText,
        convention: f.convention,
        conventionSource: f.conventionSource,
        library: f.library,
        hint: f.hint,
        diagnostics: f.diagnostics.map((d) => ({ severity: d.severity, code: d.code, message: d.message })),
      })),
      fileDiagnostics: r.fileDiagnostics.map(diagOut),
    };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  } else {
    const lines: string[] = [`${file} (${r.language})`];
    if (r.prevalence) lines.push(`  prevalence ${r.prevalence.value} (${r.prevalence.detail})`);
    if (r.findings.length === 0) lines.push('  no focal-loss alpha or gamma found');
    for (const f of r.findings) {
      const site = r.sites[f.siteIndex];
      const conv = f.convention === 'unknown' ? `convention unknown; ${site?.context ?? ''}` : `${f.convention}: ${f.library ?? 'declared'}; via ${f.conventionSource}, ${site?.context ?? ''}`;
      lines.push(`  ${f.line}:${f.character + 1}  ${f.parameter} = ${f.valueText}  ->  ${f.hint}   [${conv}]`);
      for (const d of f.diagnostics) lines.push(`      ${d.severity} ${d.code}: ${d.message}`);
    }
    for (const d of r.fileDiagnostics) lines.push(`  ${d.range.start.line + 1}:${d.range.start.character + 1}  ${d.severity} ${d.code}: ${d.message}`);
    process.stdout.write(lines.join('\n') + '\n');
  }
  if (failOn) {
    const limit = SEVERITY_RANK[failOn];
    if (analysis.allDiagnostics().some((d) => SEVERITY_RANK[d.severity] >= limit)) return 3;
  }
  return 0;
}
