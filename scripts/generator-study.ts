/**
 * What limits the on-manifold data: trains generator variants with `dmat generator train` and
 * projects the same test images onto each with `dmat dataset build` (paper eq. 7), then writes
 * the projection quality (PSNR and L1 of g(w) against x) of each into docs/generator-study.md.
 * The shipped generator is the baseline; each variant changes one thing from the one before, so
 * the table says what each change bought.
 *
 *   nice node bin/run-ts.mjs scripts/generator-study.ts
 *
 * Environment: DMAT_STUDY_STATE (default .ship/generator-study), DMAT_STUDY_TEST (test images
 * projected, default 500), DMAT_STUDY_VARIANTS (comma list of ids, default all). A variant whose
 * folders exist is not trained or projected again.
 */
import { promises as fs, existsSync } from 'node:fs';
import path from 'node:path';
import { ROOT, readJson, runDmat } from './dmat-cli';

const IMAGES = '/usr/share/datasets/fashion-mnist';
const SHIPPED = path.join(ROOT, 'resources/om-fashion-mnist/generator');
const STATE = path.resolve(
  process.env.DMAT_STUDY_STATE ?? path.join(ROOT, '.ship', 'generator-study'),
);
const TEST = Number(process.env.DMAT_STUDY_TEST ?? '500');
const OUT = path.resolve(process.env.DMAT_STUDY_OUT ?? path.join(ROOT, 'docs/generator-study.md'));

interface Variant {
  id: string;
  change: string;
  /** `dmat generator train` flags; none: the shipped generator. */
  train?: string[];
  /** Adam steps of the projection, each a row (default 10). */
  steps?: string[];
  /** The variant this one changes (default: the row above). */
  from?: string;
}
const base = ['--samples', '30000', '--seed', '0', '--feature-epochs', '0'];
const VARIANTS: Variant[] = [
  {
    id: 'shipped',
    change: 'the shipped generator (30,000 images, 2 epochs, 32 channels, d = 16, β = 0.1)',
  },
  { id: 'epochs8', change: '8 epochs instead of 2', train: [...base, '--epochs', '8'] },
  {
    id: 'kl002',
    change: '+ KL weight β = 0.02 instead of 0.1',
    train: [...base, '--epochs', '8', '--kl', '0.02'],
  },
  {
    id: 'latent32',
    change: '+ code width d = 32 per synthesis layer instead of 16',
    train: [...base, '--epochs', '8', '--kl', '0.02', '--latent', '32'],
  },
  {
    id: 'channels64',
    change: '+ 64 channels instead of 32',
    train: [...base, '--epochs', '8', '--kl', '0.02', '--latent', '32', '--channels', '64'],
    steps: ['10', '30'],
  },
  {
    id: 'latent64',
    change: 'channels64 with code width d = 64 instead of 32',
    from: 'channels64',
    train: [...base, '--epochs', '8', '--kl', '0.02', '--latent', '64', '--channels', '64'],
  },
];
const wanted = process.env.DMAT_STUDY_VARIANTS?.split(',');

/** `dmat ARGS` in the study's data folder; its wall time in seconds. */
async function dmat(args: string[]): Promise<number> {
  const t0 = performance.now();
  await runDmat(path.join(STATE, 'home'), args);
  return (performance.now() - t0) / 1000;
}

interface Measured {
  id: string;
  /** Index of the row this one is compared with. */
  base?: number;
  change: string;
  steps: string;
  psnr: number;
  l1: number;
  trainSeconds?: number;
  projectSeconds: number;
}

await fs.mkdir(STATE, { recursive: true });
const rows: Measured[] = [];
for (const v of VARIANTS) {
  if (wanted && !wanted.includes(v.id)) continue;
  const gen = v.train ? path.join(STATE, `gen-${v.id}`) : SHIPPED;
  const timesFile = path.join(STATE, `times-${v.id}.json`);
  const times = (await readJson<Record<string, number>>(timesFile)) ?? {};
  if (v.train && !existsSync(path.join(gen, 'model.json'))) {
    await fs.rm(gen, { recursive: true, force: true });
    console.log(`── ${v.id}: dmat generator train ${v.train.join(' ')}`);
    times.train = await dmat(['generator', 'train', '--images', IMAGES, '--out', gen, ...v.train]);
    await fs.writeFile(timesFile, JSON.stringify(times));
  }
  const allSteps = v.steps ?? ['10'];
  for (const steps of allSteps) {
    const data = path.join(STATE, `data-${v.id}-steps${steps}`);
    if (!existsSync(path.join(data, 'manifest.json'))) {
      console.log(`── ${v.id}: projecting ${TEST} test images, ${steps} Adam steps`);
      times[`project${steps}`] = await dmat([
        'dataset',
        'build',
        ...['--generator', gen, '--images', IMAGES, '--out', data],
        ...['--samples', '10', '--test-samples', `${TEST}`, '--steps', steps],
        ...['--features', path.join(SHIPPED, 'features'), '--seed', '1'],
      ]);
      await fs.writeFile(timesFile, JSON.stringify(times));
    }
    const m = (await readJson<{ quality: { test: { meanPsnr: number; meanL1: number } } }>(
      path.join(data, 'manifest.json'),
    ))!;
    rows.push({
      id: v.id,
      base:
        steps !== allSteps[0]
          ? rows.findIndex((r) => r.id === v.id)
          : v.from
            ? rows.findIndex((r) => r.id === v.from)
            : rows.length - 1,
      change:
        steps === allSteps[0] ? v.change : `+ ${steps} projection steps instead of ${allSteps[0]}`,
      steps,
      psnr: m.quality.test.meanPsnr,
      l1: m.quality.test.meanL1,
      trainSeconds: steps === allSteps[0] ? times.train : undefined,
      projectSeconds: times[`project${steps}`] ?? NaN,
    });
    console.log(
      `   ${v.id} (${steps} steps): PSNR ${m.quality.test.meanPsnr.toFixed(2)} dB, L1 ${m.quality.test.meanL1.toFixed(4)}`,
    );
  }
}

function trainTime(r: Measured): string {
  if (r.id === 'shipped' || r.steps !== rows.find((x) => x.id === r.id)?.steps) return '–';
  return r.trainSeconds === undefined ? 'not recorded' : `${(r.trainSeconds / 60).toFixed(1)} min`;
}

function delta(r: Measured): string {
  if (r.base === undefined || r.base < 0) return '–';
  const d = r.psnr - rows[r.base].psnr;
  return `${d >= 0 ? '+' : ''}${d.toFixed(2)} dB`;
}

const lines = [
  '# Generator study: what limits the on-manifold images',
  '',
  `Produced by \`nice node bin/run-ts.mjs scripts/generator-study.ts\` (${new Date().toISOString().slice(0, 16)} UTC). Each row changes one thing from the row above (or from the variant it names); every generator is trained by \`dmat generator train\` on 30,000 Fashion-MNIST training images (seed 0) and judged by projecting the same ${TEST} class-balanced test images with \`dmat dataset build\` (eq. 7: Adam from the encoder's code, λ = 100, the shipped generator's feature network for the perceptual term). PSNR and L1 are of g(w) against x, [0,1] pixel units; higher PSNR and lower L1 are sharper, more faithful on-manifold images.`,
  '',
  '| variant | change | PSNR | L1 | Δ PSNR | generator training | projection |',
  '|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.id} | ${r.change} | ${r.psnr.toFixed(2)} dB | ${r.l1.toFixed(4)} | ${delta(r)} | ${trainTime(r)} | ${(r.projectSeconds / 60).toFixed(1)} min |`,
  ),
  '',
  '`npm run resources:build` takes the last row (64 channels, d = 64, β = 0.02) on all 60,000 training images for 12 epochs, and projects with 30 Adam steps; the dataset manifest records the quality of every projected record.',
  '',
];
await fs.mkdir(path.dirname(OUT), { recursive: true });
await fs.writeFile(OUT, lines.join('\n'));
console.log(`written ${path.relative(ROOT, OUT)}`);
