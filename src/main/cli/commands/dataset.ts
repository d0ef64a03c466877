/**
 * `dmat dataset build`: project natural images onto a generator's range (paper eq. 7) and write
 * an on-manifold dataset; resumable (rerun the same command after an interruption).
 * `dmat dataset info`: sizes, shapes, class balance and quality figures of a dataset.
 */
import path from 'node:path';
import { readNpy } from '../../engine/data/npy';
import { loadBuildTools } from '../../engine/manifold/buildTools';
import { buildDataset, type SplitData } from '../../engine/manifold/datasetBuild';
import {
  readManifest,
  verifyDataset,
  type DatasetManifest,
} from '../../engine/manifold/datasetManifest';
import { readImageSource, readLabelledFile, takeSplit } from '../../engine/manifold/imageSource';
import { DEFAULT_PROJECTION } from '../../engine/manifold/project';
import { balancedSample, permutation } from '../../engine/manifold/random';
import { classCounts } from '../../engine/manifold/stats';
import { initBackend } from '../../engine/runtime/backend';
import { UserError, type CliCommand } from '../command';
import { intFlag, parseFlags, positiveFlag } from '../flags';
import { progressBar } from './progressBar';

const usage = `dmat dataset build --generator G --images I [--labels L] --out D [options]
dmat dataset info D [--verify] [--json]

build: for every image x find w = argmin P(g(w), x) + λ·mean|g(w) − x| (paper eq. 7) with Adam,
starting from the generator's encoder when it has one; store (w, x, y) and quality figures.
Interrupted builds resume when the same command is run again.

  --generator G       generator folder (from \`dmat generator train\`, or any tfjs generator)
  --images I          folder in the MNIST layout (train and t10k splits), or an IDX/NPY file
  --labels L          label file for an image file
  --test-images T     test image file (with --test-labels) when --images is a file
  --test-labels TL
  --out D             dataset folder to create
  --samples N         class-balanced seeded sample of N training images (default all)
  --test-samples M    same for the test split (default all)
  --steps N           Adam steps per image (default ${DEFAULT_PROJECTION.steps})
  --lr X              Adam learning rate, latent units (default ${DEFAULT_PROJECTION.learningRate})
  --lambda X          weight λ of the L1 term (default ${DEFAULT_PROJECTION.lambda})
  --batch N           images projected together (default 100)
  --features F        classifier folder for the perceptual term (default G/features when present)
  --feature-layers a,b  its layers compared (default feat1,feat2)
  --no-perceptual     L1 only
  --init encoder|zeros  starting latent (default encoder when G/encoder exists)
  --with-gw           also store g(w) (float32; recomputable from w)
  --class-names a,b,… names of the classes (default: those of the feature network)
  --name NAME         dataset name (default: the folder name)
  --seed N            seed of the sampling (default 0)

info: --verify checks every file against its checksum in the manifest; --json prints the manifest.`;

function sample(
  s: SplitData,
  n: number | undefined,
  numClasses: number,
  seed: number,
  what: string,
): SplitData {
  if (n === undefined) return s;
  if (n > s.y.length)
    throw new UserError(`${what}: --samples ${n} exceeds the ${s.y.length} images available`);
  const idx =
    n % numClasses === 0
      ? balancedSample(s.y, numClasses, n, seed)
      : permutation(s.y.length, seed).slice(0, n);
  return takeSplit(s, idx);
}

async function build(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    generator: { type: 'string' },
    images: { type: 'string' },
    labels: { type: 'string' },
    'test-images': { type: 'string' },
    'test-labels': { type: 'string' },
    out: { type: 'string' },
    samples: { type: 'string' },
    'test-samples': { type: 'string' },
    steps: { type: 'string' },
    lr: { type: 'string' },
    lambda: { type: 'string' },
    batch: { type: 'string' },
    features: { type: 'string' },
    'feature-layers': { type: 'string' },
    'no-perceptual': { type: 'boolean' },
    init: { type: 'string' },
    'with-gw': { type: 'boolean' },
    'class-names': { type: 'string' },
    name: { type: 'string' },
    seed: { type: 'string' },
  });
  for (const req of ['generator', 'images', 'out'] as const) {
    if (!values[req]) throw new UserError(`--${req} is required\n\n${usage}`);
  }
  if (values.init !== undefined && values.init !== 'encoder' && values.init !== 'zeros') {
    throw new UserError(`--init must be "encoder" or "zeros", got "${values.init}"`);
  }
  const seed = intFlag(values.seed, 'seed', 0);
  const projection = {
    steps: intFlag(values.steps, 'steps', DEFAULT_PROJECTION.steps, 1),
    learningRate: positiveFlag(values.lr, 'lr', DEFAULT_PROJECTION.learningRate),
    lambda: positiveFlag(values.lambda, 'lambda', DEFAULT_PROJECTION.lambda),
  };
  const batchSize = intFlag(values.batch, 'batch', 100, 1);
  const report = await initBackend();
  const source = await readImageSource(values.images!, values.labels);
  if (values['test-images']) {
    source.splits.test = await readLabelledFile(values['test-images'], values['test-labels']);
  }
  const numClasses = Math.max(...Object.values(source.splits).map((s) => Math.max(...s.y))) + 1;
  const names = values['class-names']?.split(',').map((s) => s.trim());
  if (names && names.length !== numClasses) {
    throw new UserError(
      `--class-names gives ${names.length} names but the labels have ${numClasses} classes`,
    );
  }
  const samples =
    values.samples === undefined ? undefined : intFlag(values.samples, 'samples', 0, 1);
  const testSamples =
    values['test-samples'] === undefined
      ? undefined
      : intFlag(values['test-samples'], 'test-samples', 0, 1);
  const splits: Record<string, SplitData> = {
    train: sample(source.splits.train, samples, numClasses, seed + 1, 'train'),
  };
  if (source.splits.test)
    splits.test = sample(source.splits.test, testSamples, numClasses, seed + 2, 'test');

  const tools = await loadBuildTools(values.generator!, {
    featuresDir: values.features,
    featureLayers: values['feature-layers']?.split(',').map((s) => s.trim()),
    perceptual: values['no-perceptual'] ? 'none' : 'auto',
  });
  const init =
    (values.init as 'encoder' | 'zeros' | undefined) ?? (tools.encoder ? 'encoder' : 'zeros');
  const out = path.resolve(values.out!);
  console.log(
    `projecting ${Object.entries(splits)
      .map(([k, s]) => `${s.y.length} ${k}`)
      .join(
        ' + ',
      )} images onto ${values.generator} (latent [${tools.generator.latentShape.join(', ')}], latent units); ${projection.steps} Adam steps, lr ${projection.learningRate}, λ ${projection.lambda}; perceptual term: ${tools.perceptual?.description ?? 'none (L1 only)'}; backend ${report.backend}`,
  );
  const bar = progressBar('projection');
  let manifest: DatasetManifest;
  try {
    manifest = await buildDataset(
      {
        outDir: out,
        name: values.name ?? path.basename(out),
        numClasses,
        classNames:
          names ??
          (tools.classNames?.length === numClasses ? tools.classNames : undefined) ??
          Array.from({ length: numClasses }, (_, i) => `class ${i}`),
        generatorDir: values.generator!,
        splits,
        projection,
        batchSize,
        init,
        storeGw: values['with-gw'] ?? false,
        seed,
        provenance: {
          source: source.files,
          createdAt: new Date().toISOString(),
          tool: 'dmat dataset build',
        },
      },
      tools,
      (p) =>
        bar.update(
          p.done,
          p.total,
          `${p.split} batch ${p.batch}/${p.batches}${p.resumed ? ' (resumed)' : ''} · L1 ${p.meanL1.toFixed(4)} · PSNR ${p.meanPsnr.toFixed(2)} dB`,
        ),
    );
  } finally {
    bar.stop();
    tools.dispose();
  }
  console.log(describe(manifest, undefined));
  console.log(`dataset written to ${out}`);
  return 0;
}

const pct = (v: number) => `${(v * 100).toFixed(1)} %`;

function describe(m: DatasetManifest, counts: Record<string, number[]> | undefined): string {
  const lines = [
    `dataset ${m.name}: image [${m.imageShape.join(', ')}] ([0,1] pixels), ${m.latentShape ? `latent [${m.latentShape.join(', ')}] (latent units)` : 'no latent codes'}, ${m.numClasses} classes`,
    `generator: ${m.generator ? m.generator.path : 'none (natural images only)'}`,
  ];
  for (const [split, s] of Object.entries(m.splits)) {
    const files = Object.entries(s.files)
      .map(([k, f]) => `${k} ${f.dtype} [${f.shape.join(', ')}]`)
      .join(', ');
    lines.push(`${split}: ${s.count} records — ${files}`);
    const c = counts?.[split] ?? s.classCounts;
    if (c) {
      lines.push(
        `  class balance: ${c.map((n, i) => `${m.classNames?.[i] ?? i} ${n}`).join(', ')}`,
      );
    }
    const q = m.quality?.[split];
    if (q && 'meanL1' in q) {
      lines.push(
        `  projection: mean L1 ${q.meanL1.toFixed(4)} ([0,1] pixel units; median ${q.l1.p50.toFixed(4)}, 5–95 % ${q.l1.p5.toFixed(4)}–${q.l1.p95.toFixed(4)}), mean PSNR ${q.meanPsnr.toFixed(2)} dB (5–95 % ${q.psnr.p5.toFixed(2)}–${q.psnr.p95.toFixed(2)}); objective ${q.objective.start.toFixed(3)} → ${q.objective.end.toFixed(3)}`,
      );
    }
  }
  const l = m.quality?.learnability;
  if (l) {
    lines.push(
      `learnability (small CNN, test accuracy): trained and tested on g(w) ${pct(l.gw.testAccuracy)}, on x ${pct(l.x.testAccuracy)} (${l.gw.trainCount} train / ${l.gw.testCount} test, ${l.gw.epochs} epochs)`,
    );
  }
  const tm = m.threatModel;
  if (tm?.imageEps || tm?.latentEta) {
    const parts = [
      tm.imageEps ? `L∞ ε = ${tm.imageEps} [0,1] px` : '',
      tm.latentEta ? `η = ${tm.latentEta} latent` : '',
    ].filter(Boolean);
    lines.push(`recommended budgets (training defaults): ${parts.join(', ')}`);
  }
  const proj = (m.provenance as { projection?: Record<string, unknown> }).projection;
  if (proj) lines.push(`projection settings: ${JSON.stringify(proj)}`);
  const src = m.provenance as { source?: unknown; licence?: unknown };
  if (src.source)
    lines.push(
      `source: ${typeof src.source === 'string' ? src.source : JSON.stringify(src.source)}`,
    );
  if (src.licence) lines.push(`licence: ${String(src.licence)}`);
  return lines.join('\n');
}

async function info(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    verify: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  const dir = positionals[0];
  if (!dir) throw new UserError(`give the dataset folder\n\n${usage}`);
  const m = await readManifest(dir);
  if (values.json) {
    console.log(JSON.stringify(m, null, 2));
  } else {
    // Class balance is counted from the label files themselves, not taken from the manifest.
    const counts: Record<string, number[]> = {};
    for (const [split, s] of Object.entries(m.splits)) {
      if (s.files.y)
        counts[split] = classCounts(
          (await readNpy(path.join(dir, s.files.y.path))).data,
          m.numClasses,
        );
    }
    console.log(describe(m, counts));
  }
  if (values.verify) {
    const problems = await verifyDataset(dir);
    if (problems.length) {
      console.error(problems.map((p) => `problem: ${p}`).join('\n'));
      return 1;
    }
    console.log('verify: every file matches its checksum, shape and count in the manifest');
  }
  return 0;
}

export const datasetCommand: CliCommand = {
  name: 'dataset',
  summary: 'build an on-manifold dataset by projection onto a generator, or describe one',
  usage,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'build') return build(rest);
    if (sub === 'info') return info(rest);
    throw new UserError(`unknown subcommand "${sub ?? ''}"\n\n${usage}`);
  },
};
