/**
 * Reading a PDF back the way a reviewer's tools do: text with poppler's pdftotext (layout kept,
 * one line per table row) and pages rasterised with pdftoppm, checked for ink.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';

function poppler(tool: string, args: string[], options: { encoding?: 'utf8' } = {}): string {
  try {
    return execFileSync(tool, args, options).toString();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error(
        `${tool} not found: \`npm test\` installs Debian's poppler-utils, or run \`sudo apt-get install poppler-utils\``,
      );
    throw e;
  }
}

/** Text of every page, pages separated by form feeds, in reading layout. */
export function pdfText(pdfPath: string): string {
  return poppler('pdftotext', ['-layout', '-enc', 'UTF-8', pdfPath, '-'], {
    encoding: 'utf8',
  });
}

export function pdfPages(pdfPath: string): string[] {
  return pdfText(pdfPath).split('\f').slice(0, -1);
}

/** Renders every page to PNG at `dpi`; returns the files in page order. */
export function renderPages(pdfPath: string, outDir: string, dpi = 40): string[] {
  poppler('pdftoppm', ['-png', '-r', String(dpi), pdfPath, path.join(outDir, 'page')]);
  return fs
    .readdirSync(outDir)
    .filter((f) => /^page-\d+\.png$/.test(f))
    .sort((a, b) => Number(/\d+/.exec(a)?.[0]) - Number(/\d+/.exec(b)?.[0]))
    .map((f) => path.join(outDir, f));
}

/** Fraction of pixels that are not (near) white. */
export function inkFraction(pngPath: string): number {
  const png = PNG.sync.read(fs.readFileSync(pngPath));
  let ink = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    if (png.data[i] < 235 || png.data[i + 1] < 235 || png.data[i + 2] < 235) ink++;
  }
  return ink / (png.width * png.height);
}

/** Lines that start (after indentation) with `name` followed by two spaces: one table row each. */
export function rowsStartingWith(text: string, name: string): string[] {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`^\\s*${escaped}\\s{2,}`);
  return text.split('\n').filter((l) => re.test(l));
}

/** Every "12.34 %" on a line, as fractions. */
export function percentagesIn(line: string): number[] {
  return [...line.matchAll(/(\d+\.\d{2}) %/g)].map((m) => Number(m[1]) / 100);
}
