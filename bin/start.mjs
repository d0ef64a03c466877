#!/usr/bin/env node
// `npm start`: the desktop app through electron-vite. Where the Electron binary cannot be had
// (an offline install never downloaded it), say so in one sentence and serve the browser mode.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { electronSqliteBinding } from './electron-sqlite.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

/** Asks the electron package for its binary in a child, so its download attempt cannot hang us. */
function electronBinary() {
  const probe = spawnSync(process.execPath, ['-e', "process.stdout.write(require('electron'))"], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  // The package may print a download notice first: the path is the last line.
  const last = (probe.stdout ?? '').trim().split('\n').pop();
  return probe.status === 0 && last ? last : null;
}

function run(cmd, args, env = process.env) {
  const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', env });
  child.on('exit', (code) => process.exit(code ?? 0));
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
}

const binary = process.env.DMAT_FORCE_BROWSER ? null : electronBinary();
if (binary) {
  const pkg = require.resolve('electron-vite/package.json');
  const electronVite = join(dirname(pkg), 'bin', 'electron-vite.js');
  const env = { ...process.env, DMAT_SQLITE_BINDING: electronSqliteBinding(root) };
  run(process.execPath, [electronVite, 'preview', '--', ...process.argv.slice(2)], env);
} else {
  console.log(
    'The Electron binary is not available on this machine (it is downloaded on first run and this install is offline), so DMAT Studio starts in browser mode instead.',
  );
  run(process.execPath, [
    fileURLToPath(new URL('./dmat.mjs', import.meta.url)),
    'serve',
    ...process.argv.slice(2),
  ]);
}
