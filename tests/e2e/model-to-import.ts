/**
 * The model folder the end-to-end test imports: a copy of a shipped classifier when the
 * resources hold one, else a freshly initialised small CNN saved by the engine (the import and
 * audit paths are the same; only the accuracy differs).
 */
import { cpSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './harness';

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
