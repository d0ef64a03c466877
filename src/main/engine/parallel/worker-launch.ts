/**
 * Starting a replica thread. Under tsx (the CLI, jobs and tests run the TypeScript sources) the
 * thread registers tsx first and imports replica-worker.ts; in the built app the bundler emits
 * the worker as its own file (`replica.js` beside the main bundle, electron.vite.config.ts).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const here = fileURLToPath(import.meta.url);

export function startReplicaThread(workerData: unknown): Worker {
  if (here.endsWith('.ts')) {
    // The ESM entry of tsx's API (its CommonJS one resolves its hooks wrongly in a thread).
    const tsxApi = import.meta.resolve('tsx/esm/api');
    const entry = pathToFileURL(join(dirname(here), 'replica-worker.ts')).href;
    const source =
      `import(${JSON.stringify(tsxApi)})` +
      `.then((m) => { m.register(); return import(${JSON.stringify(entry)}); })` +
      `.catch((e) => { console.error(e); process.exit(1); });`;
    return new Worker(source, { eval: true, workerData });
  }
  return new Worker(join(dirname(here), 'replica.js'), { workerData });
}
