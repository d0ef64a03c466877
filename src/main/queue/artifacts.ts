/**
 * Models and datasets travel by content hash, never through Redis. The requester describes each
 * as its files and their sha256; a worker looks in its cache (`$DMAT_HOME/cache/<kind>-<sha>`),
 * else copies the files from the requester's path (a folder both machines mount, or the same
 * machine), verifying every hash, and caches them for the next shard. A worker that can reach
 * neither refuses the shard with the reason.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { sha256File } from '../engine/data/checksum';
import { generatorModelPath } from '../engine/data/dataset';
import { MANIFEST_FILE, readManifest } from '../engine/data/manifest';
import { combinedChecksum } from '../engine/models/checksums';
import { modelFiles } from '../engine/models/checksums';
import { MODEL_JSON } from '../engine/models/fs-handler';
import { META_FILE } from '../engine/models/meta';

export interface Artifact {
  kind: 'model' | 'dataset';
  /** One checksum over the sorted per-file checksums. */
  sha256: string;
  /** sha256 of each file, by path relative to the folder. */
  files: Record<string, string>;
  /** Where the requester has the folder. */
  origin: string;
}

export class ArtifactError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

async function modelFileList(folder: string): Promise<string[]> {
  const files = await modelFiles(path.join(folder, MODEL_JSON));
  return existsSync(path.join(folder, META_FILE)) ? [...files, META_FILE] : files;
}

async function datasetFileList(folder: string): Promise<string[]> {
  const m = await readManifest(path.join(folder, MANIFEST_FILE));
  const arrays = Object.values(m.splits).flatMap((s) =>
    Object.values(s.files).map((f) => path.normalize(f.path)),
  );
  const generator = m.generator
    ? (await modelFileList(path.dirname(generatorModelPath(folder, m)))).map((f) =>
        path.join(path.dirname(path.normalize(m.generator!.path)), f),
      )
    : [];
  return [MANIFEST_FILE, ...new Set([...arrays, ...generator])];
}

export async function describeArtifact(
  kind: Artifact['kind'],
  location: string,
): Promise<Artifact> {
  const folder = path.resolve(location.endsWith('.json') ? path.dirname(location) : location);
  const list = kind === 'model' ? await modelFileList(folder) : await datasetFileList(folder);
  const files: Record<string, string> = {};
  for (const rel of list) files[rel] = await sha256File(path.join(folder, rel));
  return { kind, sha256: combinedChecksum(files), files, origin: folder };
}

/** The artifact's folder on this machine: cached, or copied (and verified) from its origin. */
export async function localArtifact(a: Artifact, home: string): Promise<string> {
  if (!/^[0-9a-f]{64}$/.test(a.sha256))
    throw new ArtifactError(`artifact checksum "${a.sha256}" is not a sha256`);
  const target = path.join(home, 'cache', `${a.kind}-${a.sha256}`);
  if (existsSync(path.join(target, '.complete'))) return target;
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    for (const [rel, want] of Object.entries(a.files)) {
      const norm = path.normalize(rel);
      if (path.isAbsolute(norm) || norm.startsWith('..'))
        throw new ArtifactError(`artifact file "${rel}" leaves its folder`);
      const src = path.join(a.origin, norm);
      if (!existsSync(src)) {
        throw new ArtifactError(
          `this worker cannot read the ${a.kind} ${a.origin} (missing ${norm}): run workers where that folder is mounted at the same path`,
        );
      }
      const got = await sha256File(src);
      if (got !== want)
        throw new ArtifactError(
          `${src}: sha256 ${got.slice(0, 12)}… differs from the requester's ${want.slice(0, 12)}…`,
        );
      await fs.mkdir(path.dirname(path.join(tmp, norm)), { recursive: true });
      await fs.copyFile(src, path.join(tmp, norm));
    }
    await fs.writeFile(path.join(tmp, '.complete'), `${a.sha256}\n`);
    await fs.rm(target, { recursive: true, force: true });
    await fs.rename(tmp, target).catch(async (err: unknown) => {
      // Another worker on this machine cached it first.
      if (!existsSync(path.join(target, '.complete'))) throw err;
    });
    return target;
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}
