/** Table family: gallery_images — clean / adversarial / difference PNGs for a few samples. */
import type { GalleryItem } from '../../shared/api';
import type { Db } from './database';

export interface GalleryImageRecord {
  attackKey: string;
  sampleIndex: number;
  label: number;
  cleanPredicted: number;
  adversarialPredicted: number;
  perturbationNorm: number;
  differenceScale: number;
  cleanPng: Uint8Array;
  adversarialPng: Uint8Array;
  differencePng: Uint8Array;
}

interface GalleryRow {
  attack_key: string;
  sample_index: number;
  label: number;
  clean_predicted: number;
  adversarial_predicted: number;
  perturbation_norm: number;
  difference_scale: number;
  clean_png: Buffer;
  adversarial_png: Buffer;
  difference_png: Buffer;
}

function toItem(r: GalleryRow): GalleryItem {
  return {
    attackKey: r.attack_key,
    sampleIndex: r.sample_index,
    label: r.label,
    cleanPredicted: r.clean_predicted,
    adversarialPredicted: r.adversarial_predicted,
    perturbationNorm: r.perturbation_norm,
    differenceScale: r.difference_scale,
    clean: r.clean_png.toString('base64'),
    adversarial: r.adversarial_png.toString('base64'),
    difference: r.difference_png.toString('base64'),
  };
}

export function galleryTable(db: Db) {
  const insert = db.prepare(
    `INSERT INTO gallery_images (audit_id, attack_key, sample_index, label, clean_predicted,
       adversarial_predicted, perturbation_norm, difference_scale, clean_png, adversarial_png,
       difference_png) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  return {
    /** Caller holds the transaction. */
    insert(auditId: string, g: GalleryImageRecord): void {
      insert.run(
        auditId,
        g.attackKey,
        g.sampleIndex,
        g.label,
        g.cleanPredicted,
        g.adversarialPredicted,
        g.perturbationNorm,
        g.differenceScale,
        Buffer.from(g.cleanPng),
        Buffer.from(g.adversarialPng),
        Buffer.from(g.differencePng),
      );
    },
    list(auditId: string, attackKey?: string, limit = -1): GalleryItem[] {
      const rows = db
        .prepare(
          `SELECT g.* FROM gallery_images g
           JOIN attack_results r ON r.audit_id = g.audit_id AND r.attack_key = g.attack_key
           WHERE g.audit_id = @auditId AND (@attackKey IS NULL OR g.attack_key = @attackKey)
           ORDER BY r.position, g.sample_index LIMIT @limit`,
        )
        .all({ auditId, attackKey: attackKey ?? null, limit }) as GalleryRow[];
      return rows.map(toItem);
    },
  };
}

export type GalleryTable = ReturnType<typeof galleryTable>;
