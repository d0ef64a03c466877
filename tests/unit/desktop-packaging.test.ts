import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FuseV1Options, flipFuses, getCurrentFuseWire, type FuseConfig } from '@electron/fuses';
import config, { ELECTRON_FUSES } from '../../electron-builder.config';

const require = createRequire(import.meta.url);
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const ENABLE = 0x31;
const DISABLE = 0x30;

/**
 * A stand-in for the Electron binary: bytes around the fuse wire (sentinel, version 1, length,
 * one byte per fuse) holding Electron's defaults, which leave every one of these fuses open.
 */
function fakeElectron(): string {
  const defaults = [ENABLE, DISABLE, ENABLE, ENABLE, DISABLE, DISABLE, DISABLE, ENABLE];
  const file = join(mkdtempSync(join(tmpdir(), 'dmat-fuses-')), 'dmat-studio');
  writeFileSync(
    file,
    Buffer.concat([
      Buffer.alloc(64, 7),
      Buffer.from(SENTINEL),
      Buffer.from([1, defaults.length, ...defaults]),
      Buffer.alloc(64, 7),
    ]),
  );
  return file;
}

/** electron-builder's own translation of `electronFuses` into an @electron/fuses config. */
async function builderFuseConfig(): Promise<FuseConfig> {
  const { PlatformPackager } = require('app-builder-lib') as {
    PlatformPackager: { prototype: { generateFuseConfig(f: unknown): Promise<FuseConfig> } };
  };
  return PlatformPackager.prototype.generateFuseConfig.call({}, config.electronFuses);
}

describe('packaging (electron-builder)', () => {
  it('sets every fuse, each to its hardened value', () => {
    expect(config.electronFuses).toBe(ELECTRON_FUSES);
    expect(ELECTRON_FUSES).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
    expect(config.asar).toBe(true);
  });

  it('flips those fuses in the binary, as electron-builder does before signing', async () => {
    const fuses = await builderFuseConfig();
    // Every fuse @electron/fuses knows is named: none keeps Electron's default unnoticed.
    const known = Object.values(FuseV1Options).filter((v) => typeof v === 'number');
    expect(known.filter((i) => fuses[i as FuseV1Options] === undefined)).toEqual([]);

    const binary = fakeElectron();
    const before = readFileSync(binary);
    await flipFuses(binary, fuses);
    const wire = await getCurrentFuseWire(binary);
    const state = (o: FuseV1Options) => wire[o];
    expect(state(FuseV1Options.RunAsNode)).toBe(DISABLE);
    expect(state(FuseV1Options.EnableCookieEncryption)).toBe(ENABLE);
    expect(state(FuseV1Options.EnableNodeOptionsEnvironmentVariable)).toBe(DISABLE);
    expect(state(FuseV1Options.EnableNodeCliInspectArguments)).toBe(DISABLE);
    expect(state(FuseV1Options.EnableEmbeddedAsarIntegrityValidation)).toBe(ENABLE);
    expect(state(FuseV1Options.OnlyLoadAppFromAsar)).toBe(ENABLE);
    expect(state(FuseV1Options.LoadBrowserProcessSpecificV8Snapshot)).toBe(DISABLE);
    expect(state(FuseV1Options.GrantFileProtocolExtraPrivileges)).toBe(DISABLE);
    // Only the wire changed.
    const after = readFileSync(binary);
    expect(after.length).toBe(before.length);
    expect(after.subarray(0, 64 + SENTINEL.length + 2)).toEqual(
      before.subarray(0, 64 + SENTINEL.length + 2),
    );
  });

  it('is a configuration electron-builder accepts', async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
      validateConfiguration(c: unknown, logger: unknown): Promise<void>;
    };
    const { DebugLogger } = require('builder-util') as {
      DebugLogger: new (on: boolean) => unknown;
    };
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    // The schema check is real: a misspelt fuse is refused.
    const misspelt = { ...config, electronFuses: { ...ELECTRON_FUSES, runAsnode: false } };
    await expect(validateConfiguration(misspelt, new DebugLogger(false))).rejects.toThrow(
      /configuration\.electronFuses/,
    );
  });

  it('ships the built app and its data, not the development build of better-sqlite3', () => {
    expect(config.files).toEqual(['out/**/*', '!out/native/**', 'resources/**/*', 'package.json']);
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(pkg.main).toBe('out/main/index.js');
    expect(pkg.scripts.package).toBe(
      'electron-vite build && electron-builder --config electron-builder.config.ts',
    );
  });
});
