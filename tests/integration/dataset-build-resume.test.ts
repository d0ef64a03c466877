/**
 * A dataset build killed half-way (SIGKILL, no chance to clean up) resumes when the same command
 * runs again, and ends with exactly the dataset an uninterrupted build writes: no sample twice,
 * none missing, no half-written file.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { spawn, execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { initBackend } from '../../src/main/engine/runtime/backend';
import { buildGenerator } from '../../src/main/engine/manifold/generatorArchitecture';
import { saveGenerator } from '../../src/main/engine/models/save';
import { readNpy, writeNpy } from '../../src/main/engine/data/npy';
import { loadBuildTools } from '../../src/main/engine/manifold/buildTools';
import { buildDataset } from '../../src/main/engine/manifold/datasetBuild';
import { readImageSource } from '../../src/main/engine/manifold/imageSource';
import { seededRandom } from '../../src/main/engine/manifold/random';
import { DEFAULT_PROJECTION } from '../../src/main/engine/manifold/project';
import { datasetCommand } from '../../src/main/cli/commands/dataset';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');
const dmat = path.join(root, 'bin/dmat.mjs');
const N = 40;

let dir: string;
let args: (out: string) => string[];

beforeAll(async () => {
  await initBackend();
  dir = await mkdtemp(path.join(tmpdir(), 'dmat-resume-'));
  const g = buildGenerator({ imageShape: [8, 8, 1], codeSize: 4, baseChannels: 16 }, 3);
  await saveGenerator(path.join(dir, 'gen'), g, {
    name: 'tiny',
    latentShape: [3, 4],
    imageShape: [8, 8, 1],
  });
  g.dispose();
  const rand = seededRandom(7);
  const x = new Uint8Array(N * 64).map(() => Math.floor(rand() * 256));
  await writeNpy(path.join(dir, 'x.npy'), { dtype: 'uint8', shape: [N, 8, 8], data: x });
  await writeNpy(path.join(dir, 'y.npy'), {
    dtype: 'int32',
    shape: [N],
    data: Int32Array.from({ length: N }, (_, i) => i % 4),
  });
  args = (out) => [
    dmat,
    'dataset',
    'build',
    '--generator',
    path.join(dir, 'gen'),
    '--images',
    path.join(dir, 'x.npy'),
    '--labels',
    path.join(dir, 'y.npy'),
    '--out',
    out,
    '--batch',
    '2',
    '--steps',
    '60',
    '--init',
    'zeros',
  ];
});

async function doneBatches(out: string): Promise<number[]> {
  try {
    const p = JSON.parse(await fs.readFile(path.join(out, '.build/progress.json'), 'utf8'));
    return p.splits.train.done as number[];
  } catch {
    return [];
  }
}

describe('dmat dataset build after a kill', () => {
  // Two CLI processes (start-up dominates): allow for a busy machine.
  it(
    'continues where it stopped and writes what an uninterrupted build writes',
    { timeout: 240_000 },
    async () => {
      const out = path.join(dir, 'killed');
      const child = spawn(process.execPath, args(out), { stdio: 'ignore' });
      const exited = new Promise<number | null>((resolve) =>
        child.on('exit', (code) => resolve(code)),
      );
      // Kill it once a few of its 20 batches are recorded.
      let done: number[] = [];
      for (let i = 0; i < 3000 && done.length < 4; i++) {
        await new Promise((r) => setTimeout(r, 20));
        done = await doneBatches(out);
      }
      child.kill('SIGKILL');
      await exited;
      done = await doneBatches(out);
      expect(done.length).toBeGreaterThanOrEqual(4);
      expect(done.length).toBeLessThan(20);
      await expect(fs.access(path.join(out, 'manifest.json'))).rejects.toThrow();

      const resumed = await run(process.execPath, args(out), { cwd: root });
      expect(resumed.stdout).toMatch(/dataset written to/);
      // The uninterrupted reference build, in this process (same engine, same backend).
      const clean = path.join(dir, 'clean');
      const tools = await loadBuildTools(path.join(dir, 'gen'));
      const source = await readImageSource(path.join(dir, 'x.npy'), path.join(dir, 'y.npy'));
      await buildDataset(
        {
          outDir: clean,
          name: 'clean',
          numClasses: 4,
          classNames: ['class 0', 'class 1', 'class 2', 'class 3'],
          generatorDir: path.join(dir, 'gen'),
          splits: source.splits,
          projection: { ...DEFAULT_PROJECTION, steps: 60 },
          batchSize: 2,
          init: 'zeros',
          storeGw: false,
          seed: 0,
          provenance: {},
        },
        tools,
      );
      tools.dispose();

      for (const f of ['w', 'x', 'y', 'l1', 'psnr']) {
        const a = await fs.readFile(path.join(out, `train/${f}.npy`));
        const b = await fs.readFile(path.join(clean, `train/${f}.npy`));
        expect(a.equals(b), `train/${f}.npy`).toBe(true);
      }
      const w = await readNpy(path.join(out, 'train/w.npy'));
      expect(w.shape).toEqual([N, 3, 4]);
      // Distinct images get distinct latents: no record was written twice over another.
      const rows = new Set(
        Array.from({ length: N }, (_, i) =>
          Array.from(w.data.subarray(i * 12, (i + 1) * 12)).join(','),
        ),
      );
      expect(rows.size).toBe(N);
      const left = await fs.readdir(out);
      expect(left).not.toContain('.build');
      expect(left.filter((f) => f.includes('.tmp'))).toEqual([]);
      const printed: string[] = [];
      const log = vi
        .spyOn(console, 'log')
        .mockImplementation((...a: unknown[]) => void printed.push(a.join(' ')));
      try {
        expect(await datasetCommand.run(['info', out, '--verify'])).toBe(0);
      } finally {
        log.mockRestore();
      }
      const info = printed.join('\n');
      expect(info).toMatch(/train: 40 records/);
      expect(info).toMatch(/class balance: class 0 10, class 1 10, class 2 10, class 3 10/);
      expect(info).toMatch(/verify: every file matches/);
    },
  );
});
