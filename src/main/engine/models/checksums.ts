/** Checksums of a model folder's files: model.json and every weight file it lists. */
import path from 'node:path';
import { sha256Bytes, sha256File } from '../data/checksum';
import { ModelError } from './errors';
import { readModelJson, weightFilePath } from './fs-handler';

/** Files a model.json depends on, relative to its folder, model.json first. */
export async function modelFiles(modelJsonFile: string): Promise<string[]> {
  const json = await readModelJson(modelJsonFile);
  const weights = (json.weightsManifest ?? []).flatMap((g, i) =>
    g.paths.map((p) => {
      weightFilePath(modelJsonFile, p, i);
      return path.normalize(p);
    }),
  );
  return [path.basename(modelJsonFile), ...weights];
}

export async function hashModelFiles(modelJsonFile: string): Promise<Record<string, string>> {
  const dir = path.dirname(modelJsonFile);
  const out: Record<string, string> = {};
  for (const rel of await modelFiles(modelJsonFile))
    out[rel] = await sha256File(path.join(dir, rel));
  return out;
}

/** One checksum for the whole model, independent of file order. */
export function combinedChecksum(files: Record<string, string>): string {
  const lines = Object.entries(files)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}:${v}\n`);
  return sha256Bytes(lines.join(''));
}

/** Throw when a file's checksum differs from the one recorded in the sidecar. */
export function verifyModelFiles(
  folder: string,
  recorded: Record<string, string>,
  actual: Record<string, string>,
): void {
  for (const [rel, want] of Object.entries(recorded)) {
    const got = actual[rel];
    if (got !== undefined && got !== want) {
      throw new ModelError(
        path.join(folder, rel),
        `checksum mismatch: dmat-model.json records sha256 ${want.slice(0, 12)}…, the file has ${got.slice(0, 12)}… (file changed or damaged)`,
      );
    }
  }
}
