#!/usr/bin/env node
// Entry of the `dmat` command: runs the TypeScript CLI through tsx so no build step is needed.
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';

register();
const cli = fileURLToPath(new URL('../src/main/cli.ts', import.meta.url));
const { main } = await import(cli);
process.exitCode = await main(process.argv.slice(2));
