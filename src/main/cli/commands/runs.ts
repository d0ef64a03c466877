/** `dmat runs`: list the stored training runs. */
import { createApi } from '../../api/index';
import type { CliCommand } from '../command';
import { parseFlags } from '../flags';

const USAGE = `usage: dmat runs [--json]

Lists training runs (newest first): id, method, dataset, status, epochs done, last metrics.`;

const pct = (v: number | undefined) => (v === undefined ? '–' : `${(100 * v).toFixed(1)}%`);

export const runsCommand: CliCommand = {
  name: 'runs',
  summary: 'list training runs',
  usage: USAGE,
  async run(argv) {
    const { values } = parseFlags(argv, { json: { type: 'boolean' } });
    const api = createApi();
    try {
      const runs = await api.listRuns({});
      if (values.json) {
        console.log(JSON.stringify(runs, null, 2));
        return 0;
      }
      if (runs.length === 0) {
        console.log('no training runs yet; start one with dmat train');
        return 0;
      }
      console.log(
        'id                        method       dataset            status     epochs  clean   PGD     OM-PGD',
      );
      for (const r of runs) {
        const m = r.lastMetrics;
        console.log(
          [
            r.id.padEnd(25),
            r.method.padEnd(12),
            r.datasetName.slice(0, 18).padEnd(18),
            r.status.padEnd(10),
            `${r.epochsDone}/${r.epochs}`.padStart(6),
            pct(m.cleanAcc).padStart(6),
            pct(m.pgdAcc).padStart(6),
            pct(m.omPgdAcc).padStart(6),
          ].join(' '),
        );
      }
      return 0;
    } finally {
      await api.close();
    }
  },
};
