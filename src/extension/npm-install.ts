// Runs `npm install` of one package into a folder of its own, with a time limit, and says in words
// why it failed. No `vscode` import: the native-backend command drives it, a unit test checks the
// reasons against a real npm log.
import { spawn } from 'node:child_process';
import { mkdir, writeFile, access } from 'node:fs/promises';
import { join } from 'node:path';

export interface NpmInstallOptions {
  /** The folder to install into (its node_modules receives the package). */
  prefix: string;
  /** `name@version`. */
  spec: string;
  /** npm's output as it comes (stdout and stderr). */
  onOutput(text: string): void;
  timeoutMs: number;
  signal?: AbortSignal;
  /** The npm command (default npm, npm.cmd on Windows). */
  npm?: string;
}

export type NpmInstallResult = { ok: true } | { ok: false; reason: string; cancelled?: boolean };

export async function npmInstall(opts: NpmInstallOptions): Promise<NpmInstallResult> {
  await mkdir(opts.prefix, { recursive: true });
  // a package.json of its own: npm must not walk up and install into a project above
  const manifest = join(opts.prefix, 'package.json');
  await access(manifest).catch(() => writeFile(manifest, JSON.stringify({ name: 'focal-lens-native-backend', private: true }, null, 2) + '\n'));
  const npm = opts.npm ?? (process.platform === 'win32' ? 'npm.cmd' : 'npm');
  const args = ['install', '--prefix', opts.prefix, '--no-audit', '--no-fund', '--no-update-notifier', opts.spec];
  opts.onOutput(`$ ${npm} ${args.join(' ')}\n`);
  return new Promise((resolve) => {
    let log = '';
    let settled = false;
    const finish = (result: NpmInstallResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve(result);
    };
    // npm.cmd needs a shell on Windows (Node refuses to spawn .cmd files without one)
    const child = spawn(npm, args, { cwd: opts.prefix, stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32', windowsHide: true });
    const stop = (result: NpmInstallResult) => {
      child.kill('SIGTERM');
      finish(result);
    };
    const timer = setTimeout(() => stop({ ok: false, reason: `npm did not finish within ${Math.round(opts.timeoutMs / 1000)} s and was stopped` }), opts.timeoutMs);
    const onAbort = () => stop({ ok: false, reason: 'the installation was cancelled', cancelled: true });
    if (opts.signal?.aborted) onAbort();
    opts.signal?.addEventListener('abort', onAbort);
    const take = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      log += text;
      opts.onOutput(text);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (err) => finish({ ok: false, reason: npmFailureReason(log, opts.spec, err) }));
    child.on('close', (code) => finish(code === 0 ? { ok: true } : { ok: false, reason: npmFailureReason(log, opts.spec) }));
  });
}

/** Why an `npm install` failed, from its log (or the error spawning it), in one sentence. */
export function npmFailureReason(log: string, spec: string, spawnError?: Error): string {
  if ((spawnError as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return 'npm is not on the PATH of the VS Code extension host: install Node.js (it brings npm), or install the package yourself';
  if (spawnError) return `npm could not start: ${spawnError.message}`;
  const host = /(?:getaddrinfo|connect) (?:ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH)\s+([\w.-]+)/.exec(log)?.[1] ?? /hostname: '([\w.-]+)'/.exec(log)?.[1];
  const script = /npm error command sh -c (.+)|npm ERR! command (.+)/.exec(log);
  if (host && script) {
    const what = /libtensorflow/.test(log) ? 'the TensorFlow C library (libtensorflow)' : 'a binary';
    return `${spec} came from the npm registry, but its install script (${(script[1] ?? script[2] ?? '').trim()}) downloads ${what} from ${host}, which cannot be reached from here (no network access to it)`;
  }
  if (host) return `npm could not reach ${host} (no network access to it?)`;
  if (/\bE404\b|404 Not Found/.test(log)) return `${spec} is not in the npm registry`;
  if (/\bEACCES\b|\bEPERM\b/.test(log)) return 'npm may not write into the folder it installs to (permissions)';
  if (/EBADPLATFORM|[Uu]nsupported platform/.test(log)) return `${spec} has no build for this platform (${process.platform} ${process.arch})`;
  if (/CUDA|cudnn|libcudart/i.test(log)) return `${spec} needs NVIDIA CUDA and cuDNN, which are not installed here`;
  const last = log
    .split('\n')
    .map((l) => l.replace(/^npm (?:error|ERR!)\s*/, '').trim())
    .filter((l) => l && !/^(code|path|command|A complete log|Node\.js v)/.test(l))
    .pop();
  return `npm failed${last ? `: ${last}` : ''}`;
}
