/** What the resource scripts share: run the `dmat` CLI in a data folder, read cached JSON. */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');

/**
 * Runs `dmat ARGS` with DMAT_HOME = home; its progress (stderr) goes to this terminal and its
 * stdout is returned. Ctrl+C reaches the whole process group: the CLI checkpoints and stops.
 */
export function runDmat(home: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/dmat.mjs'), ...args], {
      cwd: ROOT,
      env: { ...process.env, DMAT_HOME: home },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`dmat ${args.join(' ')}: exit ${code}\n${out.slice(-2000)}`));
    });
  });
}

/** A JSON file, or undefined when it is missing or unreadable (a stage not done yet). */
export async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
