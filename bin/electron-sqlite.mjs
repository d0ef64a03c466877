// better-sqlite3 is compiled for Node's ABI (the CLI, the server, the tests); Electron has its own.
// Rebuilding the package in place would break the Node faces, so the Electron build lives apart,
// in out/native/electron-<version>/, and the store loads it through better-sqlite3's
// `nativeBinding` option (DMAT_SQLITE_BINDING). Built once per Electron version; needs the
// network that fetched Electron itself (a prebuilt binary, else headers for a compile).
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

export function electronSqliteBinding(root) {
  const version = require('electron/package.json').version;
  const target = join(root, 'out', 'native', `electron-${version}`);
  const binding = join(target, 'build', 'Release', 'better_sqlite3.node');
  if (existsSync(binding)) return binding;
  const source = dirname(require.resolve('better-sqlite3/package.json'));
  rmSync(target, { recursive: true, force: true });
  mkdirSync(dirname(target), { recursive: true });
  cpSync(source, target, {
    recursive: true,
    filter: (p) => !p.startsWith(join(source, 'build')),
  });
  const env = { ...process.env, npm_config_runtime: 'electron', npm_config_target: version };
  const attempts = [
    [
      process.execPath,
      [require.resolve('prebuild-install/bin.js'), '--runtime', 'electron', '--target', version],
    ],
    [
      'npx',
      [
        '--yes',
        'node-gyp',
        'rebuild',
        '--release',
        `--target=${version}`,
        '--dist-url=https://electronjs.org/headers',
      ],
    ],
  ];
  for (const [cmd, args] of attempts) {
    const r = spawnSync(cmd, args, { cwd: target, env, stdio: 'inherit' });
    if (r.status === 0 && existsSync(binding)) return binding;
  }
  throw new Error(
    `could not build better-sqlite3 for Electron ${version} in ${target}; the browser mode (npm run serve) needs no rebuild`,
  );
}
