import { initBackend, describeBackend } from '../../engine/runtime/backend';
import type { CliCommand } from '../command';
import { parseFlags } from '../flags';

export const backendCommand: CliCommand = {
  name: 'backend',
  summary: 'print the compute backend in use and why better ones were not used',
  usage: 'dmat backend [--json]',
  async run(argv) {
    const { values } = parseFlags(argv, { json: { type: 'boolean', default: false } });
    const report = await initBackend();
    console.log(values.json ? JSON.stringify(report, null, 2) : describeBackend(report));
    return 0;
  },
};
