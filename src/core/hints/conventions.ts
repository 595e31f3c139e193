/** Convention resolution and what a convention does to a scalar alpha (focal-math.md 3 and 4). */
import type { AlphaConvention } from '../report';
import { CONVENTION_INFO } from '../conventions';
import type { ConventionId, Directive, FocalSite, LibraryInfo, ParamValue, ResolvedConvention } from './types';

export const CONVENTION_DESCRIPTIONS = Object.fromEntries(Object.entries(CONVENTION_INFO).map(([id, info]) => [id, info.description])) as Record<AlphaConvention, string>;

export function resolveConvention(
  site: FocalSite,
  attached: Directive[],
  fileWide: Directive[],
): ResolvedConvention {
  const library = site.library;
  const acb = site.applyClassBalancing;
  const alphaIgnored = !!library?.kerasBinary && (!acb || acb.value === false);
  const fromDirective = (list: Directive[], where: string): ResolvedConvention | null => {
    const d = [...list].reverse().find((x) => x.convention);
    if (!d?.convention) return null;
    return { convention: d.convention, source: 'comment', detail: `${where} comment on line ${d.line + 1}`, library, alphaIgnored };
  };
  const byComment = fromDirective(attached, 'the') ?? fromDirective(fileWide, 'the file-wide');
  if (byComment) return byComment;
  const alpha = site.params.find((p) => p.parameter === 'alpha');
  if (alpha && Array.isArray(alpha.value)) {
    return { convention: 'vector', source: 'value', detail: 'a per-class list', library, alphaIgnored };
  }
  if (library) {
    let convention: AlphaConvention = library.convention;
    let detail = library.label;
    if (library.monai && site.useSoftmax?.value === true) {
      convention = 'class0-complement';
      detail = 'MONAI FocalLoss with use_softmax=True';
    }
    return { convention, source: site.librarySource === 'none' ? 'import' : site.librarySource, detail, library, alphaIgnored };
  }
  return { convention: 'unknown', source: 'none', detail: 'nothing in the context tells which library', library: null, alphaIgnored: false };
}

/**
 * The weight alpha gives to "positives" (class 1 / any class but 0) relative to the rest, as in
 * the sigmoid rule q > 1 - a (section 4). Null when it cannot be said.
 */
export function positiveWeight(convention: ConventionId, alpha: ParamValue | undefined, library: LibraryInfo | null, ignored: boolean): number | null {
  if (ignored) return 0.5;
  if (alpha === null) return 0.5;
  if (typeof alpha === 'number') {
    if (library?.alphaOffBelowZero && alpha < 0) return 0.5;
    switch (convention) {
      case 'positive':
      case 'class0-complement':
        return alpha;
      case 'class0-alpha':
      case 'negative':
        return 1 - alpha;
      case 'uniform':
        return 0.5;
      default:
        return null;
    }
  }
  if (Array.isArray(alpha) && alpha.length === 2 && alpha[0]! + alpha[1]! > 0) return alpha[1]! / (alpha[0]! + alpha[1]!);
  return null;
}

/** Convert a scalar alpha between conventions that share the "positive weight" reading. */
export function convertAlpha(alpha: number, from: ConventionId, to: ConventionId): number | null {
  if (from === to) return alpha;
  const apos = from === 'positive' || from === 'class0-complement' ? alpha : from === 'class0-alpha' || from === 'negative' ? 1 - alpha : null;
  if (apos === null) return null;
  if (to === 'positive' || to === 'class0-complement') return apos;
  if (to === 'class0-alpha' || to === 'negative') return 1 - apos;
  return null;
}
