/**
 * Serves the built renderer over HTTP: only files inside its folder (renderer-files.ts), with
 * their content types; the page itself gets its CSP meta tag set to the header's policy.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { withMetaPolicy } from '../web/csp';
import { contentType, isIndexPage, resolveRendererFile } from '../web/renderer-files';

/** Sends the file `urlPath` names under `root`; false (nothing sent) when there is none. */
export async function sendRendererFile(
  res: ServerResponse,
  root: string,
  urlPath: string,
  headers: Record<string, string>,
  policy: string,
): Promise<boolean> {
  const file = await resolveRendererFile(root, urlPath);
  if (!file) return false;
  const page = await isIndexPage(root, file);
  res.writeHead(200, {
    ...headers,
    'Content-Security-Policy': policy,
    'Content-Type': contentType(file),
    'Cache-Control': page ? 'no-store' : 'max-age=3600',
  });
  if (page) res.end(withMetaPolicy(await readFile(file, 'utf8'), policy));
  else createReadStream(file).pipe(res);
  return true;
}
