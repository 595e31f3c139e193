/**
 * The user's flags as found settings, and a dump's meta completed from its run's configs: the
 * meta is what the run used, so it wins over a config that says otherwise (and the disagreement
 * is said); a config fills in only what the meta does not record.
 */
import type { DumpMeta } from '../readers/types';
import type { AnalysisReport } from '../report';
import { chooseSettings, describeOrigin, type FoundSetting } from './settings';

/** The options that carry loss settings (a subset of AnalyzeOptions). */
export interface GivenOptions {
  alpha?: number | null;
  alphaVector?: number[];
  gamma?: number;
  convention?: string;
  loss?: 'sigmoid' | 'softmax';
  classes?: string[];
}

export function givenSettings(opts: GivenOptions): FoundSetting[] {
  const out: FoundSetting[] = [];
  if (opts.alphaVector?.length) out.push({ name: 'alpha', value: opts.alphaVector, origin: { kind: 'flag', key: '--alpha-vector' } });
  else if (opts.alpha !== undefined) out.push({ name: 'alpha', value: opts.alpha, origin: { kind: 'flag', key: '--alpha' } });
  if (opts.gamma !== undefined) out.push({ name: 'gamma', value: opts.gamma, origin: { kind: 'flag', key: '--gamma' } });
  if (opts.convention !== undefined) out.push({ name: 'convention', value: opts.convention, origin: { kind: 'flag', key: '--convention' } });
  if (opts.loss !== undefined) out.push({ name: 'loss', value: opts.loss, origin: { kind: 'flag', key: '--loss' } });
  if (opts.classes?.length) out.push({ name: 'classes', value: opts.classes, origin: { kind: 'flag', key: '--classes' } });
  return out;
}

type Origin = NonNullable<AnalysisReport['loss']['origin']>;

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The dump's meta with what it lacks taken from the run (configs, other logs), where each setting
 * came from, and notes where a config disagrees with the meta.
 */
export function withRunSettings(meta: DumpMeta, where: string, opts: GivenOptions, found: readonly FoundSetting[]): { meta: DumpMeta; origin: Origin; notes: string[] } {
  const out: DumpMeta = { ...meta };
  const origin: Origin = {};
  const notes: string[] = [];
  const chosen = chooseSettings(found);
  const fill = (name: 'alpha' | 'gamma' | 'convention', flag: boolean, metaValue: unknown, set: (v: unknown) => void): void => {
    const run = chosen.get(name);
    if (flag) {
      origin[name] = name === 'alpha' && opts.alphaVector?.length ? 'flag --alpha-vector' : `flag --${name}`;
      return;
    }
    if (metaValue !== undefined) {
      origin[name] = `${where}'s meta`;
      if (run && !same(run.value, metaValue)) notes.push(`${describeOrigin(run.origin)} says ${name} ${JSON.stringify(run.value)}, but ${where}'s meta records ${JSON.stringify(metaValue)}: the meta is what the run used, so it is the one analysed.`);
      return;
    }
    if (run) {
      set(run.value);
      origin[name] = describeOrigin(run.origin);
    }
  };
  fill('alpha', opts.alpha !== undefined || !!opts.alphaVector?.length, meta.alpha, (v) => (out.alpha = v as number | number[] | null));
  fill('gamma', opts.gamma !== undefined, meta.gamma, (v) => (out.gamma = v as number));
  fill('convention', opts.convention !== undefined, meta.convention, (v) => (out.convention = v as string));
  const loss = chosen.get('loss');
  if (opts.loss === undefined && meta.loss === undefined && loss) {
    out.loss = loss.value === 'softmax' ? 'softmax_focal' : 'sigmoid_focal';
    origin.kind = describeOrigin(loss.origin);
  }
  const classes = chosen.get('classes');
  if (meta.classes === undefined && classes) out.classes = classes.value as string[];
  return { meta: out, origin, notes };
}
