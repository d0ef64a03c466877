/**
 * The model folder the end-to-end test imports: a copy of a shipped classifier when the
 * resources hold one, else a freshly initialised small CNN saved by the engine (the import and
 * audit paths are the same; only the accuracy differs).
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './harness';

/** A byte-for-byte copy of a shipped classifier: the library already holds these weights. */
export function shippedModelCopy(): string | undefined {
  const source = join(ROOT, 'resources', 'models', 'normal');
  if (!existsSync(join(source, 'model.json'))) return undefined;
  const folder = mkdtempSync(join(tmpdir(), 'dmat-e2e-same-'));
  cpSync(source, folder, { recursive: true });
  return folder;
}

/**
 * A model folder the library does not hold yet: a shipped classifier with one weight nudged,
 * else a freshly initialised small CNN.
 */
export async function modelFolderToImport(): Promise<string> {
  const folder = mkdtempSync(join(tmpdir(), 'dmat-e2e-model-'));
  const shipped = join(ROOT, 'resources', 'models');
  const candidates = existsSync(shipped)
    ? ['normal', ...readdirSync(shipped)].map((n) => join(shipped, n))
    : [];
  const source =
    process.env.DMAT_E2E_MODEL ?? candidates.find((d) => existsSync(join(d, 'model.json')));
  if (source) {
    cpSync(source, folder, { recursive: true });
    // A user's variant of it: its last weight nudged by 0.1 %, so the files (and the checksum
    // the library tells models apart by) are its own; the per-file checksums go with it.
    const weights = readdirSync(folder)
      .filter((f) => f.endsWith('.bin'))
      .sort();
    const last = join(folder, weights[weights.length - 1]);
    const bytes = readFileSync(last);
    const at = bytes.length - 4;
    bytes.writeFloatLE(bytes.readFloatLE(at) * 1.001 + 1e-6, at);
    writeFileSync(last, bytes);
    const metaFile = join(folder, 'dmat-model.json');
    if (existsSync(metaFile)) {
      const {
        files: _files,
        sha256: _sha,
        ...meta
      } = JSON.parse(readFileSync(metaFile, 'utf8')) as Record<string, unknown>;
      writeFileSync(metaFile, JSON.stringify({ ...meta, name: `${String(meta.name)} (variant)` }));
    }
    return folder;
  }
  const { initBackend } = await import('../../src/main/engine/runtime/backend');
  const { smallCnn } = await import('../../src/main/engine/models/architectures/small-cnn');
  const { LayersClassifier } = await import('../../src/main/engine/models/classifier');
  const { saveClassifier } = await import('../../src/main/engine/models/save');
  await initBackend();
  const model = new LayersClassifier(smallCnn([28, 28, 1], 10), {
    name: 'untrained-small-cnn',
    inputShape: [28, 28, 1],
    numClasses: 10,
  });
  await saveClassifier(folder, model, { architecture: 'small-cnn' });
  model.dispose();
  return folder;
}
