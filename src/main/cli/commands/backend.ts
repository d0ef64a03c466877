import { initBackend, describeBackend } from '../../engine/runtime/backend';
import type { CliCommand } from '../command';

export const backendCommand: CliCommand = {
  name: 'backend',
  summary: 'print the compute backend in use and why better ones were not used',
  usage: 'dmat backend [--json]',
  async run(argv) {
    const report = await initBackend();
    console.log(
      argv.includes('--json') ? JSON.stringify(report, null, 2) : describeBackend(report),
    );
    return 0;
  },
};
