#!/usr/bin/env node
// Entry of a job process under Node: runs the TypeScript job entry through tsx (no build step).
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';

register();
await import(fileURLToPath(new URL('../src/main/jobs/entry.ts', import.meta.url)));
