/**
 * End-to-end harness: builds the renderer when needed, starts `dmat serve` as a user would (a
 * child process with a fresh DMAT_HOME), and drives Debian's Chromium through playwright-core.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_PATH } from '../../scripts/test-prerequisites';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SCREENSHOTS = join(ROOT, 'tests', 'e2e', 'screenshots');
export const CHROMIUM = CHROMIUM_PATH;
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface ServeProcess {
  url: string;
  origin: string;
  home: string;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Starts `dmat serve` on a free port with its own data folder; resolves once it prints its URL. */
export async function startServe(env: Record<string, string> = {}): Promise<ServeProcess> {
  const home = mkdtempSync(join(tmpdir(), 'dmat-e2e-home-'));
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'dmat.mjs'), 'serve', '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, DMAT_HOME: home, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`dmat serve printed no URL:\n${out}`)),
      220_000,
    );
    const check = () => {
      const m = out.match(/http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+/);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dmat serve exited with ${code}:\n${out}`));
    });
  });
  return {
    url,
    origin: new URL(url).origin,
    home,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGINT');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  if (!chromiumAvailable())
    throw new Error(
      `Chromium not found at ${CHROMIUM}: \`npm test\` installs Debian's chromium, or run \`sudo apt-get install chromium\`, or set DMAT_CHROMIUM`,
    );
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // Notifications are transient: clear them so they do not cover the screen's content.
  // Each click removes one, so always take the first (a stale nth(i) would wait its timeout).
  const toasts = page.locator('.toast');
  for (let i = 0; i < 20 && (await toasts.count()) > 0; i++) {
    await toasts
      .first()
      .click({ timeout: 2000 })
      .catch(() => undefined);
  }
  // A full-page picture of a scrolled page repeats the sticky header mid-page.
  await page.evaluate(() => window.scrollTo(0, 0));
  const file = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export const chromiumAvailable = () => existsSync(CHROMIUM);
