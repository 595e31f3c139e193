/**
 * The user's flags as found settings, and a dump's meta completed from its run's configs: the
 * meta is what the run used, so it wins over a config that says otherwise (and the disagreement
 * is said); a config fills in only what the meta does not record.
 */
import type { DumpMeta } from '../readers/types';
import type { AlphaConvention, AnalysisReport } from '../report';
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

/** Where each setting's value came from (the dump analysis' coarse `settingSources`). */
export type SettingSources = Record<'alpha' | 'gamma' | 'convention', 'flag' | 'log' | 'config' | 'default'>;

/**
 * The run's configs as the dump analysis takes them: alpha, gamma and convention to fill in what
 * the dump's meta does not record (a disagreement is reported, the meta wins), the loss kind and
 * class names likewise, and where each setting finally came from in words.
 */
export function runConfig(found: readonly FoundSetting[]): {
  config: { alpha?: number | number[] | null; gamma?: number; convention?: AlphaConvention; source?: string };
  classes: string[] | undefined;
  meta(meta: DumpMeta): DumpMeta;
  origins(sources: SettingSources, where: string, opts: GivenOptions): Origin;
} {
  const chosen = chooseSettings(found);
  const alpha = chosen.get('alpha');
  const gamma = chosen.get('gamma');
  const convention = chosen.get('convention');
  const loss = chosen.get('loss');
  const classes = chosen.get('classes');
  // the file that gave alpha (else gamma) names where the config's values are
  const first = alpha ?? gamma ?? convention;
  const config = {
    ...(alpha ? { alpha: alpha.value as number | number[] | null } : {}),
    ...(gamma ? { gamma: gamma.value as number } : {}),
    ...(convention ? { convention: convention.value as AlphaConvention } : {}),
    ...(first ? { source: describeOrigin(first.origin) } : {}),
  };
  return {
    config,
    classes: classes ? (classes.value as string[]) : undefined,
    meta: (meta) => ({
      ...meta,
      ...(meta.loss === undefined && loss ? { loss: loss.value === 'softmax' ? ('softmax_focal' as const) : ('sigmoid_focal' as const) } : {}),
      ...(meta.classes === undefined && classes ? { classes: classes.value as string[] } : {}),
    }),
    origins: (sources, where, opts) => {
      const out: Origin = {};
      const words = (name: 'alpha' | 'gamma' | 'convention', run: FoundSetting | undefined): string | undefined => {
        if (sources[name] === 'flag') return name === 'alpha' && opts.alphaVector?.length ? 'flag --alpha-vector' : `flag --${name}`;
        if (sources[name] === 'log') return `${where}'s meta`;
        if (sources[name] === 'config' && run) return describeOrigin(run.origin);
        return undefined;
      };
      const a = words('alpha', alpha);
      const g = words('gamma', gamma);
      const c = words('convention', convention);
      if (a) out.alpha = a;
      if (g) out.gamma = g;
      if (c) out.convention = c;
      if (loss && opts.loss === undefined) out.kind = describeOrigin(loss.origin);
      return out;
    },
  };
}
