/**
 * The bad-input corpus: models, datasets, generators and suites broken in every way the product
 * must refuse, built from small copies of the embedded data (nothing large is committed). Every
 * case names the command that meets it, the exit code and the words of the one-line refusal.
 *
 * Outside the corpus folder lies a canary file with a unique byte pattern; cases that point
 * outside their folder point at it, and the tests check it never reaches `$DMAT_HOME`.
 *
 *   node bin/run-ts.mjs tests/corpus/bad-inputs.ts OUT_DIR   # writes the corpus and lists it
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDataset, writeDataset } from '../../src/main/engine/data/dataset';
import { readNpy, writeNpy } from '../../src/main/engine/data/npy';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MODEL = path.join(ROOT, 'resources/models/normal');
const DATASET = path.join(ROOT, 'resources/om-fashion-mnist');

/** A byte pattern found nowhere else; it must never appear under $DMAT_HOME. */
export const CANARY = 'CANARY-7f3e9c1d-do-not-read-me';

export interface CorpusCase {
  name: string;
  /** The dmat command line that meets the input. */
  argv: string[];
  /** Expected exit code (2: bad input). */
  code: number;
  /** The refusal names this file, field or cap. */
  message: RegExp;
}

async function copyModel(to: string): Promise<string> {
  await fs.mkdir(to, { recursive: true });
  for (const f of ['model.json', 'weights.bin'])
    await fs.copyFile(path.join(MODEL, f), path.join(to, f));
  // Without the recorded checksums, so each case meets the check it is about.
  const meta = JSON.parse(await fs.readFile(path.join(MODEL, 'dmat-model.json'), 'utf8'));
  delete meta.files;
  delete meta.sha256;
  await fs.writeFile(path.join(to, 'dmat-model.json'), JSON.stringify(meta));
  return to;
}

// The cases reach into arbitrary JSON by hand; typing every shape would add nothing.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyJson = Record<string, any>;

async function editJson(file: string, edit: (j: AnyJson) => void): Promise<void> {
  const j = JSON.parse(await fs.readFile(file, 'utf8'));
  edit(j);
  await fs.writeFile(file, JSON.stringify(j, null, 1));
}

/** A 40-record copy of the embedded test split, with its generator. */
async function baseDataset(to: string): Promise<void> {
  const ds = await readDataset(DATASET, { splits: ['test'] });
  const s = ds.splits.test;
  const n = 40;
  const take = <T extends { shape: number[]; data: ArrayLike<number> & { subarray?: unknown } }>(
    a: T,
  ): T => {
    const per = a.shape.slice(1).reduce((p, d) => p * d, 1);
    const data = (a.data as unknown as Float32Array).subarray(0, n * per);
    return { ...a, shape: [n, ...a.shape.slice(1)], data } as T;
  };
  const { format: _f, version: _v, splits: _s, generator: _g, ...input } = ds.manifest;
  await writeDataset(
    to,
    { ...input, name: 'corpus' },
    { test: { x: take(s.x), y: take(s.y), w: s.w && take(s.w) } },
    { generatorFolder: path.join(DATASET, 'generator') },
  );
}

async function copyDataset(base: string, to: string): Promise<string> {
  await fs.cp(base, to, { recursive: true });
  return to;
}

const manifest = (d: string) => path.join(d, 'manifest.json');

export async function buildCorpus(dir: string): Promise<{ cases: CorpusCase[]; canary: string }> {
  await fs.mkdir(dir, { recursive: true });
  const canary = path.join(dir, 'outside', 'canary.bin');
  await fs.mkdir(path.dirname(canary), { recursive: true });
  await fs.writeFile(canary, Buffer.from(CANARY.repeat(64)));
  const m = (name: string) => path.join(dir, 'models', name);
  const d = (name: string) => path.join(dir, 'datasets', name);
  const s = (name: string) => path.join(dir, 'suites', name);
  await fs.mkdir(path.join(dir, 'suites'), { recursive: true });
  const cases: CorpusCase[] = [];
  const importModel = (folder: string, message: RegExp, name = path.basename(folder)) =>
    cases.push({ name: `model: ${name}`, argv: ['models', 'import', folder], code: 2, message });
  const importDataset = (folder: string, message: RegExp) =>
    cases.push({
      name: `dataset: ${path.basename(folder)}`,
      argv: ['datasets', 'import', folder],
      code: 2,
      message,
    });

  // Models: paths out of the folder.
  await editJson(path.join(await copyModel(m('weights-dotdot')), 'model.json'), (j) => {
    j.weightsManifest[0].paths = ['../../outside/canary.bin'];
  });
  importModel(
    m('weights-dotdot'),
    /weightsManifest\.0\.paths: "\.\.\/\.\.\/outside\/canary\.bin" leaves the folder/,
  );
  await editJson(path.join(await copyModel(m('weights-absolute')), 'model.json'), (j) => {
    j.weightsManifest[0].paths = [canary];
  });
  importModel(
    m('weights-absolute'),
    /weightsManifest\.0\.paths: ".*canary\.bin" is an absolute path/,
  );
  await copyModel(m('weights-symlink'));
  await fs.rm(path.join(m('weights-symlink'), 'weights.bin'));
  await fs.symlink(canary, path.join(m('weights-symlink'), 'weights.bin'));
  importModel(
    m('weights-symlink'),
    /weightsManifest\.0\.paths: "\.\/weights\.bin" is a symbolic link out of the folder|weightsManifest\.0\.paths: "weights\.bin" is a symbolic link out of the folder/,
  );

  // Models: not the model they claim to be.
  await editJson(path.join(await copyModel(m('weightless')), 'model.json'), (j) => {
    delete j.weightsManifest;
  });
  importModel(m('weightless'), /model\.json: weightsManifest: the model has no weights/);
  await editJson(path.join(await copyModel(m('partly-weighted')), 'model.json'), (j) => {
    const w = j.weightsManifest[0].weights;
    j.weightsManifest[0].weights = w.slice(0, w.length - 1);
  });
  importModel(m('partly-weighted'), /model\.json: .*(weights are not set|bytes)/);
  await copyModel(m('not-json'));
  await fs.writeFile(path.join(m('not-json'), 'model.json'), `${CANARY} {"modelTopology":`);
  importModel(m('not-json'), /model\.json: not valid JSON at line 1, column 1/);
  await copyModel(m('huge-model-json'));
  await fs.truncate(path.join(m('huge-model-json'), 'model.json'), 65 * 1024 ** 2);
  importModel(m('huge-model-json'), /model\.json: is 65 MB; a model\.json is at most 64 MB/);
  await editJson(path.join(await copyModel(m('unknown-layer')), 'model.json'), (j) => {
    j.modelTopology.config.layers[1].class_name = 'NoSuchLayer';
  });
  importModel(
    m('unknown-layer'),
    /model\.json: TensorFlow\.js could not build the layers model: unknown layer class "NoSuchLayer"/,
  );
  await copyModel(m('nan-weights'));
  const weights = await fs.readFile(path.join(m('nan-weights'), 'weights.bin'));
  new DataView(weights.buffer, weights.byteOffset).setFloat32(0, NaN, true);
  await fs.writeFile(path.join(m('nan-weights'), 'weights.bin'), weights);
  importModel(m('nan-weights'), /weight ".*" has 1 non-finite value/);
  await copyModel(m('bad-sidecar'));
  await fs.writeFile(path.join(m('bad-sidecar'), 'dmat-model.json'), CANARY);
  importModel(m('bad-sidecar'), /dmat-model\.json: not valid JSON at line 1/);
  await copyModel(m('wrong-classes'));
  await editJson(path.join(m('wrong-classes'), 'dmat-model.json'), (j) => {
    j.numClasses = 7;
  });
  importModel(
    m('wrong-classes'),
    /wrong number of classes: the model outputs 10 scores but .*numClasses 7/,
  );

  // Datasets.
  const base = path.join(dir, 'datasets', '.base');
  await baseDataset(base);
  await editJson(manifest(await copyDataset(base, d('array-dotdot'))), (j) => {
    j.splits.test.files.x.path = '../../outside/canary.bin';
  });
  importDataset(
    d('array-dotdot'),
    /manifest\.json \(splits\.test\.files\.x\.path\): "\.\.\/\.\.\/outside\/canary\.bin" leaves the folder/,
  );
  await editJson(manifest(await copyDataset(base, d('array-absolute'))), (j) => {
    j.splits.test.files.y.path = canary;
  });
  importDataset(
    d('array-absolute'),
    /manifest\.json \(splits\.test\.files\.y\.path\): ".*" is an absolute path/,
  );
  await copyDataset(base, d('array-symlink'));
  await fs.rm(path.join(d('array-symlink'), 'test', 'x.npy'));
  await fs.symlink(canary, path.join(d('array-symlink'), 'test', 'x.npy'));
  importDataset(
    d('array-symlink'),
    /\(splits\.test\.files\.x\.path\): "test\/x\.npy" is a symbolic link out of the folder/,
  );
  await editJson(manifest(await copyDataset(base, d('generator-dotdot'))), (j) => {
    j.generator.path = '../outside/model.json';
  });
  importDataset(
    d('generator-dotdot'),
    /manifest\.json \(generator\.path\): "\.\.\/outside\/model\.json" leaves the folder/,
  );
  await copyDataset(base, d('generator-weights-out'));
  await editJson(path.join(d('generator-weights-out'), 'generator', 'model.json'), (j) => {
    j.weightsManifest[0].paths = ['../../../outside/canary.bin'];
  });
  await editJson(manifest(d('generator-weights-out')), (j) => {
    delete j.generator.files;
    delete j.generator.sha256;
  });
  importDataset(
    d('generator-weights-out'),
    /generator\/model\.json: weightsManifest\.0\.paths: .* leaves the folder/,
  );
  await copyDataset(base, d('labels-out-of-range'));
  const y = await readNpy(path.join(base, 'test', 'y.npy'));
  (y.data as Uint8Array)[3] = 42;
  await writeNpy(path.join(d('labels-out-of-range'), 'test', 'y.npy'), y);
  await editJson(manifest(d('labels-out-of-range')), (j) => {
    delete j.splits.test.files.y.sha256;
  });
  importDataset(d('labels-out-of-range'), /y\.npy.*label 42 .*(0…9|numClasses)/);
  await copyDataset(base, d('nan-latents'));
  const w = await readNpy(path.join(base, 'test', 'w.npy'));
  (w.data as Float32Array)[5] = NaN;
  await writeNpy(path.join(d('nan-latents'), 'test', 'w.npy'), w);
  await editJson(manifest(d('nan-latents')), (j) => {
    delete j.splits.test.files.w.sha256;
  });
  importDataset(d('nan-latents'), /w\.npy.*not finite/);
  await copyDataset(base, d('truncated-array'));
  const x = await fs.readFile(path.join(base, 'test', 'x.npy'));
  await fs.writeFile(
    path.join(d('truncated-array'), 'test', 'x.npy'),
    x.subarray(0, x.length - 100),
  );
  await editJson(manifest(d('truncated-array')), (j) => {
    delete j.splits.test.files.x.sha256;
  });
  importDataset(d('truncated-array'), /x\.npy.*truncated/);
  await copyDataset(base, d('checksum-mismatch'));
  const x2 = Buffer.from(x);
  x2[x2.length - 1] ^= 0xff;
  await fs.writeFile(path.join(d('checksum-mismatch'), 'test', 'x.npy'), x2);
  importDataset(d('checksum-mismatch'), /x\.npy: checksum mismatch/);
  await editJson(manifest(await copyDataset(base, d('count-mismatch'))), (j) => {
    j.splits.test.count = 41;
  });
  importDataset(d('count-mismatch'), /manifest\.json|x\.npy/);
  await copyDataset(base, d('manifest-not-json'));
  await fs.writeFile(manifest(d('manifest-not-json')), `${CANARY}`);
  importDataset(d('manifest-not-json'), /manifest\.json: not valid JSON at line 1, column 1/);
  await editJson(manifest(await copyDataset(base, d('latent-shape-mismatch'))), (j) => {
    j.latentShape = [8, 8];
    j.splits.test.files.w.shape = [40, 8, 8];
  });
  importDataset(d('latent-shape-mismatch'), /manifest\.json.*latentShape|w\.npy/);

  // Suites, at and over every cap (read by the CLI, which names the file).
  const model = path.join(ROOT, 'resources/models/normal');
  const audit = (suite: string) => ['audit', '--model', model, '--data', DATASET, '--suite', suite];
  const suite = async (name: string, body: unknown) => {
    await fs.writeFile(s(name), typeof body === 'string' ? body : JSON.stringify(body));
    return s(name);
  };
  const one = (spec: Record<string, unknown>) => ({
    name: 'x',
    attacks: [{ preset: 'pgd-5', ...spec }],
  });
  cases.push({
    name: 'suite: steps over the cap',
    argv: audit(await suite('steps-1e9.json', one({ steps: 1e9 }))),
    code: 2,
    message:
      /steps-1e9\.json: attacks\.0\.steps: expected at most 10,000 steps per attack \(the cap\)/,
  });
  cases.push({
    name: 'suite: restarts over the cap',
    argv: audit(await suite('restarts.json', one({ options: { restarts: 1000 } }))),
    code: 2,
    message: /restarts\.json: attacks\.0\.options: restarts: expected at most 100 \(the cap\)/,
  });
  cases.push({
    name: 'suite: too many attacks',
    argv: audit(
      await suite('many.json', {
        name: 'many',
        attacks: Array.from({ length: 65 }, (_, i) => ({ preset: 'fgsm', label: `f${i}` })),
      }),
    ),
    code: 2,
    message: /many\.json: attacks: expected at most 64 attacks \(the cap\)/,
  });
  cases.push({
    name: 'suite: too large a file',
    argv: audit(
      await suite('huge.json', `{"name":"x","attacks":[],"pad":"${'x'.repeat(2 * 1024 ** 2)}"}`),
    ),
    code: 2,
    message: /huge\.json: cannot read the suite file \(is 2 MB; a suite file is at most 1 MB\)/,
  });
  cases.push({
    name: 'suite: an audit over the cost cap',
    argv: audit(await suite('costly.json', one({ steps: 10_000, options: { restarts: 100 } }))),
    code: 2,
    message: /needs 2,000,\d{3},\d{3} image-gradient evaluations, over the cap of 2,000,000,000/,
  });
  cases.push({
    name: 'suite: not JSON',
    argv: audit(await suite('not-json.json', CANARY)),
    code: 2,
    message: /not-json\.json: not valid JSON at line 1, column 1/,
  });
  cases.push({
    name: 'suite: within every cap (at the caps)',
    argv: [...audit(await suite('at-caps.json', one({ steps: 1 }))), '--samples', '10'],
    code: 0,
    message: /worst case/,
  });
  return { cases, canary };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: node bin/run-ts.mjs tests/corpus/bad-inputs.ts OUT_DIR');
    process.exit(2);
  }
  const { cases } = await buildCorpus(path.resolve(out));
  for (const c of cases) console.log(`${c.name}\tdmat ${c.argv.join(' ')}`);
}
