/**
 * Serves the built renderer over HTTP: only files inside its folder (renderer-files.ts), with
 * their content types; the page itself gets its CSP meta tag set to the header's policy.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { withMetaPolicy } from '../web/csp';
import {
  contentType,
  isIndexPage,
  RENDERER_HEADERS,
  resolveRendererFile,
} from '../web/renderer-files';

/** Sends the file `urlPath` names under `root`; false (nothing sent) when there is none. */
export async function sendRendererFile(
  res: ServerResponse,
  root: string,
  urlPath: string,
  policy: string,
): Promise<boolean> {
  const file = await resolveRendererFile(root, urlPath);
  if (!file) return false;
  const page = await isIndexPage(root, file);
  // Prepared before any header goes out, so a page without its meta tag is a clean error.
  const html = page ? withMetaPolicy(await readFile(file, 'utf8'), policy) : null;
  res.writeHead(200, {
    ...RENDERER_HEADERS,
    'Content-Security-Policy': policy,
    'Content-Type': contentType(file),
    'Cache-Control': page ? 'no-store' : 'max-age=3600',
  });
  if (html !== null) res.end(html);
  else createReadStream(file).pipe(res);
  return true;
}
