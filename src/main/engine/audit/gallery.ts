/**
 * Gallery examples for an audit: per attack, a few samples with their clean image, adversarial
 * image and amplified difference (the paper's Figures 4–5). Samples the attack fooled come
 * first, lowest sample index first, so the choice does not depend on how the work was split.
 */
import { differencePixels, encodePng } from '../report/images';
import type { GalleryImageRecord } from '../../store/gallery';

export interface GalleryCandidate {
  fooled: boolean;
  record: GalleryImageRecord;
}

export function galleryImage(s: {
  attackKey: string;
  sampleIndex: number;
  label: number;
  cleanPredicted: number;
  adversarialPredicted: number;
  perturbationNorm: number;
  fooled: boolean;
  clean: ArrayLike<number>;
  adversarial: ArrayLike<number>;
  shape: [number, number, number];
}): GalleryCandidate {
  const [h, w, c] = s.shape;
  const diff = differencePixels(s.clean, s.adversarial, c);
  return {
    fooled: s.fooled,
    record: {
      attackKey: s.attackKey,
      sampleIndex: s.sampleIndex,
      label: s.label,
      cleanPredicted: s.cleanPredicted,
      adversarialPredicted: s.adversarialPredicted,
      perturbationNorm: s.perturbationNorm,
      differenceScale: diff.gain,
      cleanPng: encodePng(s.clean, h, w, c).png,
      adversarialPng: encodePng(s.adversarial, h, w, c).png,
      differencePng: encodePng(diff.pixels, h, w, 1).png,
    },
  };
}

/** Keeps, per attack, the first `perAttack` fooled and the first `perAttack` other samples seen. */
export class GalleryPicker {
  private readonly kept = new Map<string, GalleryCandidate[]>();
  private readonly counts = new Map<string, { fooled: number; other: number }>();

  constructor(private readonly perAttack: number) {}

  /** Positions in a batch (samples in ascending index order) worth encoding. */
  wanted(key: string, samples: { index: number; fooled: boolean }[]): number[] {
    if (this.perAttack <= 0) return [];
    const c = this.counts.get(key) ?? { fooled: 0, other: 0 };
    this.counts.set(key, c);
    const out: number[] = [];
    samples.forEach((s, i) => {
      if (s.fooled && c.fooled < this.perAttack) {
        c.fooled++;
        out.push(i);
      } else if (!s.fooled && c.other < this.perAttack) {
        c.other++;
        out.push(i);
      }
    });
    return out;
  }

  add(c: GalleryCandidate): void {
    const list = this.kept.get(c.record.attackKey) ?? [];
    list.push(c);
    this.kept.set(c.record.attackKey, list);
  }

  all(): GalleryCandidate[] {
    return [...this.kept.values()].flat();
  }
}

/** The final gallery from the candidates of every part: per attack, fooled first, by index. */
export function chooseGallery(
  candidates: readonly GalleryCandidate[],
  attackOrder: readonly string[],
  perAttack: number,
): GalleryImageRecord[] {
  return attackOrder.flatMap((key) =>
    candidates
      .filter((c) => c.record.attackKey === key)
      .sort(
        (a, b) =>
          Number(b.fooled) - Number(a.fooled) || a.record.sampleIndex - b.record.sampleIndex,
      )
      .slice(0, perAttack)
      .map((c) => c.record),
  );
}
