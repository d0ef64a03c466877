/**
 * The on-manifold dataset manifest (engine/data/format.md, version 1), as this area writes it,
 * and the reading and checking of a finished dataset folder.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { sha256File } from '../data/checksum';
import { readNpy } from '../data/npy';
import type { NdArray } from '../data/ndarray';
import { ManifoldError } from './errors';
import type { Distribution } from './stats';

export const MANIFEST = 'manifest.json';

export interface ArrayFileEntry {
  path: string;
  dtype: 'float32' | 'uint8' | 'int32';
  shape: number[];
  sha256: string;
}

export interface SplitQuality {
  count: number;
  /** Mean |g(w) − x| per pixel, [0,1] pixel units. */
  meanL1: number;
  /** Mean PSNR of g(w) against x, dB (peak 1). */
  meanPsnr: number;
  l1: Distribution;
  psnr: Distribution;
  /** Mean projection objective at the start (initial w) and at the end. */
  objective: { start: number; end: number };
}

export interface LearnabilityFigure {
  /** What the small CNN was trained and tested on. */
  trainedOn: 'g(w)' | 'x';
  testAccuracy: number;
  epochs: number;
  trainCount: number;
  testCount: number;
}

export interface DatasetManifest {
  format: 'dmat-dataset';
  version: 1;
  name: string;
  imageShape: [number, number, number];
  /** Shape of one latent code; null for a natural-only dataset (engine/data/manifest.ts). */
  latentShape: number[] | null;
  numClasses: number;
  classNames: string[];
  generator: { path: string; sha256: string; files: Record<string, string> } | null;
  splits: Record<
    string,
    { count: number; classCounts: number[]; files: Record<string, ArrayFileEntry> }
  >;
  provenance: Record<string, unknown>;
  quality: Record<string, SplitQuality> & { learnability?: Record<string, LearnabilityFigure> };
  /** Budgets suited to this dataset's scale (see engine/data/manifest.ts). */
  threatModel?: { imageEps?: number; latentEta?: number; reason?: string };
}

export async function readManifest(dir: string): Promise<DatasetManifest> {
  const file = path.join(dir, MANIFEST);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ManifoldError(
      code === 'ENOENT'
        ? `${dir}: not a dataset folder (no ${MANIFEST}; an unfinished build keeps its work in .build/)`
        : `${file}: cannot read (${code ?? String(err)})`,
    );
  }
  let m: DatasetManifest;
  try {
    m = JSON.parse(text) as DatasetManifest;
  } catch (err) {
    throw new ManifoldError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (m.format !== 'dmat-dataset' || m.version !== 1) {
    throw new ManifoldError(
      `${file}: format "${m.format}" version ${m.version} is not a dmat-dataset version 1`,
    );
  }
  for (const field of ['imageShape', 'latentShape', 'numClasses', 'splits'] as const) {
    if (m[field] === undefined) throw new ManifoldError(`${file}: field "${field}" is missing`);
  }
  return m;
}

/** Read one array of a split, checking it against the manifest entry (shape, dtype). */
export async function readSplitArray(dir: string, entry: ArrayFileEntry): Promise<NdArray> {
  const file = path.join(dir, entry.path);
  const a = await readNpy(file);
  if (a.dtype !== entry.dtype || a.shape.join(',') !== entry.shape.join(',')) {
    throw new ManifoldError(
      `${file}: manifest says ${entry.dtype} [${entry.shape.join(', ')}], the file holds ${a.dtype} [${a.shape.join(', ')}]`,
    );
  }
  return a;
}

/** Every problem found when checking a dataset's files against its manifest (empty when sound). */
export async function verifyDataset(dir: string): Promise<string[]> {
  const m = await readManifest(dir);
  const problems: string[] = [];
  for (const [split, s] of Object.entries(m.splits)) {
    for (const [key, entry] of Object.entries(s.files)) {
      const file = path.join(dir, entry.path);
      try {
        const sum = await sha256File(file);
        if (sum !== entry.sha256)
          problems.push(`${file}: checksum differs from the manifest (${split}.${key})`);
        const a = await readSplitArray(dir, entry);
        if (a.shape[0] !== s.count)
          problems.push(`${file}: ${a.shape[0]} rows, the manifest says ${s.count}`);
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
  }
  if (m.generator) {
    for (const [name, sum] of Object.entries(m.generator.files)) {
      const file = path.join(dir, path.dirname(m.generator.path), name);
      try {
        if ((await sha256File(file)) !== sum)
          problems.push(`${file}: checksum differs from the manifest (generator)`);
      } catch (err) {
        problems.push(
          `${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
        );
      }
    }
  }
  return problems;
}
