/**
 * Packaging of the desktop app (`npm run package`): electron-builder, which also rebuilds
 * better-sqlite3 for Electron's ABI, unpacks native addons from the asar archive and embeds the
 * archive's integrity hash (macOS, Windows) that the asar-integrity fuse checks. The fuses are
 * flipped in the packaged Electron binary (through @electron/fuses) before it is signed; every
 * one is set explicitly so none silently keeps Electron's default.
 */
import type { Configuration } from 'electron-builder';

export const ELECTRON_FUSES = {
  // No `ELECTRON_RUN_AS_NODE=1 DMAT\ Studio script.js`: jobs run in utilityProcess, not fork().
  runAsNode: false,
  enableCookieEncryption: true,
  // Neither NODE_OPTIONS / NODE_EXTRA_CA_CERTS nor --inspect can inject code into the main process.
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  // Only app.asar is loaded, and only when its contents match the hash embedded at packaging.
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true,
  loadBrowserProcessSpecificV8Snapshot: false,
  // The renderer is served from app:// (src/main/desktop/app-protocol.ts), never file://.
  grantFileProtocolExtraPrivileges: false,
} as const satisfies NonNullable<Configuration['electronFuses']>;

const config: Configuration = {
  appId: 'org.dmat-studio.app',
  productName: 'DMAT Studio',
  directories: { output: 'dist' },
  // The electron-vite build and the embedded data; node_modules follow from the dependencies.
  files: ['out/**/*', '!out/native/**', 'resources/**/*', 'package.json'],
  asar: true,
  electronFuses: ELECTRON_FUSES,
  linux: { target: ['AppImage'], category: 'Science' },
  mac: { target: ['dmg'], category: 'public.app-category.developer-tools' },
  win: { target: ['nsis'] },
};

export default config;
