/**
 * Checkpoints: everything needed to continue a run bit for bit — weights (with batch-norm
 * statistics), optimiser velocities, the global step and the seed (all randomness of a step is
 * derived from seed and step, so that is the whole random state).
 *
 * On disk: one binary file, a little-endian uint32 header length, a JSON header, then the
 * float32 arrays in header order. Written to a temporary name and renamed (atomic).
 */
import { promises as fs } from 'node:fs';
import { writeFileAtomic } from '../data/atomic';
import type { NamedArray, SgdState } from './optimizer';

export const CHECKPOINT_FORMAT = 'dmat-checkpoint';

export interface Checkpoint {
  method: string;
  seed: number;
  /** Iterations done so far (the next step to run). */
  step: number;
  /** Epochs whose end-of-epoch evaluation is done. */
  epochsEvaluated: number;
  /** Running sums of the epoch in progress (so a mid-epoch resume reports the same mean loss). */
  epochLossSum: number;
  epochSteps: number;
  /**
   * Data-parallel replicas the run trains with (the random starts of a step depend on it, so a
   * resumed run keeps it). Absent in checkpoints written before replicas existed: 1.
   */
  replicas?: number;
  weights: NamedArray[];
  optimizer: SgdState;
}

interface Header {
  format: typeof CHECKPOINT_FORMAT;
  version: 1;
  method: string;
  seed: number;
  step: number;
  epochsEvaluated: number;
  epochLossSum: number;
  epochSteps: number;
  optimizerIterations: number;
  replicas?: number;
  arrays: { group: 'weights' | 'velocities'; name: string; shape: number[] }[];
}

export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const arrays = [
    ...c.weights.map((a) => ({ group: 'weights' as const, a })),
    ...c.optimizer.velocities.map((a) => ({ group: 'velocities' as const, a })),
  ];
  const header: Header = {
    format: CHECKPOINT_FORMAT,
    version: 1,
    method: c.method,
    seed: c.seed,
    step: c.step,
    epochsEvaluated: c.epochsEvaluated,
    epochLossSum: c.epochLossSum,
    epochSteps: c.epochSteps,
    optimizerIterations: c.optimizer.iterations,
    replicas: c.replicas,
    arrays: arrays.map(({ group, a }) => ({ group, name: a.name, shape: a.shape })),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  // Pad the header so the float32 payload is 4-byte aligned.
  const pad = (4 - ((4 + json.length) % 4)) % 4;
  const floats = arrays.reduce((n, { a }) => n + a.data.length, 0);
  const out = new Uint8Array(4 + json.length + pad + 4 * floats);
  const view = new DataView(out.buffer);
  view.setUint32(0, json.length + pad, true);
  out.set(json, 4);
  out.fill(0x20, 4 + json.length, 4 + json.length + pad);
  let offset = 4 + json.length + pad;
  for (const { a } of arrays) {
    new Float32Array(out.buffer, offset, a.data.length).set(a.data);
    offset += 4 * a.data.length;
  }
  return out;
}

export function decodeCheckpoint(bytes: Uint8Array, file = 'checkpoint'): Checkpoint {
  const fail = (why: string): never => {
    throw new Error(`${file}: not a readable DMAT checkpoint (${why})`);
  };
  if (bytes.length < 4) fail('file too short');
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const headerLength = new DataView(buf).getUint32(0, true);
  if (4 + headerLength > bytes.length) fail('header length beyond the end of the file');
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 4, headerLength))) as Header;
  } catch {
    return fail('header is not JSON');
  }
  if (header.format !== CHECKPOINT_FORMAT || header.version !== 1)
    fail('unknown format or version');
  let offset = 4 + headerLength;
  const weights: NamedArray[] = [];
  const velocities: NamedArray[] = [];
  for (const a of header.arrays) {
    const n = a.shape.reduce((x, y) => x * y, 1);
    if (offset + 4 * n > bytes.length) fail(`array "${a.name}" runs past the end of the file`);
    const data = new Float32Array(buf.slice(offset, offset + 4 * n));
    offset += 4 * n;
    (a.group === 'weights' ? weights : velocities).push({ name: a.name, shape: a.shape, data });
  }
  return {
    method: header.method,
    seed: header.seed,
    step: header.step,
    epochsEvaluated: header.epochsEvaluated,
    epochLossSum: header.epochLossSum,
    epochSteps: header.epochSteps,
    replicas: header.replicas,
    weights,
    optimizer: { iterations: header.optimizerIterations, velocities },
  };
}

export async function saveCheckpoint(file: string, c: Checkpoint): Promise<void> {
  await writeFileAtomic(file, encodeCheckpoint(c));
}

export async function loadCheckpoint(file: string): Promise<Checkpoint> {
  return decodeCheckpoint(new Uint8Array(await fs.readFile(file)), file);
}
