/**
 * Starting a replica thread. Under tsx (the CLI, jobs and tests run the TypeScript sources) the
 * thread registers tsx first and imports replica-worker.ts; in the built app the bundler emits
 * the worker as its own file (`replica.js` beside the main bundle, electron.vite.config.ts).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const here = fileURLToPath(import.meta.url);

/** A worker thread running the TypeScript module at `file` through tsx. */
export function startTypeScriptThread(file: string, workerData: unknown): Worker {
  // The ESM entry of tsx's API (its CommonJS one resolves its hooks wrongly in a thread).
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const entry = pathToFileURL(file).href;
  const source =
    `import(${JSON.stringify(tsxApi)})` +
    `.then((m) => { m.register(); return import(${JSON.stringify(entry)}); })` +
    `.catch((e) => { console.error(e); process.exit(1); });`;
  return new Worker(source, { eval: true, workerData });
}

export function startReplicaThread(workerData: unknown): Worker {
  if (here.endsWith('.ts')) {
    return startTypeScriptThread(join(dirname(here), 'replica-worker.ts'), workerData);
  }
  // Built: this code sits in the main bundle or one of its chunks, beside or below replica.js.
  const built = [join(dirname(here), 'replica.js'), join(dirname(here), '..', 'replica.js')];
  const file = built.find((f) => existsSync(f));
  if (!file) throw new Error(`the replica worker is missing from the build (${built[0]})`);
  return new Worker(file, { workerData });
}
