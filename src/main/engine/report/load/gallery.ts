/** Stored gallery PNGs → report rows, a few per attack, with class names instead of indices. */
import type { AttackResultInfo } from '../../../../shared/api';
import type { Store } from '../../../store/index';
import type { ReportGalleryItem, ReportImage } from '../types';
import { ReportInputError } from './audit-record';

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Uint8Array, what: string): { width: number; height: number } {
  const view = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (view.length < 24 || view.toString('latin1', 12, 16) !== 'IHDR') {
    throw new ReportInputError(`${what} is not a PNG image`);
  }
  return { width: view.readUInt32BE(16), height: view.readUInt32BE(20) };
}

function imageOf(base64: string, what: string): ReportImage {
  const png = new Uint8Array(Buffer.from(base64, 'base64'));
  return { ...pngSize(png, what), png };
}

export function galleryOf(
  store: Store,
  auditId: string,
  attacks: AttackResultInfo[],
  className: (k: number) => string,
  perAttack: number,
): ReportGalleryItem[] {
  const kept = new Map<string, number>();
  const gallery: ReportGalleryItem[] = [];
  for (const g of store.gallery.list(auditId)) {
    const n = kept.get(g.attackKey) ?? 0;
    if (n >= perAttack) continue;
    kept.set(g.attackKey, n + 1);
    const what = `gallery image of sample ${g.sampleIndex} (${g.attackKey}) in audit "${auditId}"`;
    gallery.push({
      attackId: g.attackKey,
      attackName: attacks.find((a) => a.key === g.attackKey)?.name ?? g.attackKey,
      label: className(g.label),
      cleanPrediction: className(g.cleanPredicted),
      adversarialPrediction: className(g.adversarialPredicted),
      clean: imageOf(g.clean, what),
      adversarial: imageOf(g.adversarial, what),
      difference: imageOf(g.difference, what),
      differenceGain: g.differenceScale,
      perturbationNorm: g.perturbationNorm,
    });
  }
  return gallery;
}
