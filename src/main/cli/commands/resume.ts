/** `dmat resume RUN`: continue a cancelled, failed or killed run from its latest checkpoint. */
import { createApi } from '../../api/index';
import { UserError, type CliCommand } from '../command';
import { followRun } from '../training/follow-run';
import { parseFlags } from '../flags';
import { parseQueueUrl } from '../../queue/connection';

const USAGE = `usage: dmat resume RUN_ID [--queue URL]

Continues a training run from its latest checkpoint; the metrics history stays exactly what an
uninterrupted run would have stored. With --queue, a \`dmat worker\` continues it (wherever the
run trained before).`;

export const resumeCommand: CliCommand = {
  name: 'resume',
  summary: 'resume a training run from its latest checkpoint',
  usage: USAGE,
  async run(argv) {
    const { positionals, values } = parseFlags(argv, { queue: { type: 'string' } });
    if (positionals.length !== 1) throw new UserError(`expected one RUN_ID\n${USAGE}`);
    if (values.queue) parseQueueUrl(values.queue);
    const api = createApi();
    try {
      const run = await api.getRun({ id: positionals[0] });
      const ref = await api.resumeRun({
        id: run.id,
        ...(values.queue ? { queue: values.queue } : {}),
      });
      return await followRun(api, ref, run.config);
    } finally {
      await api.close();
    }
  },
};
