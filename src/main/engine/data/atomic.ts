/**
 * Atomic writes: data goes to a temporary name beside the target and is renamed into place, so a
 * reader never sees a half-written file and a crash leaves the old version intact.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** A unique temporary name in the same folder as `target` (so rename stays on one filesystem). */
export function tempNameFor(target: string): string {
  const dir = path.dirname(target);
  return path.join(
    dir,
    `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
}

/** Write `data` to `file` atomically. */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = tempNameFor(file);
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Fill a folder atomically: `fill` writes into a fresh temporary folder, which then replaces
 * `folder` (an existing one is moved aside first and removed only after the swap succeeded).
 */
export async function replaceFolderAtomic(
  folder: string,
  fill: (tmpFolder: string) => Promise<void>,
): Promise<void> {
  const target = path.resolve(folder);
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = tempNameFor(target);
  await fs.mkdir(tmp);
  try {
    await fill(tmp);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
  const old = `${tmp}.old`;
  const hadOld = await exists(target);
  if (hadOld) await fs.rename(target, old);
  try {
    await fs.rename(tmp, target);
  } catch (err) {
    if (hadOld) await fs.rename(old, target);
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
  if (hadOld) await fs.rm(old, { recursive: true, force: true });
}

export async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}
