/** `dmat history`: stored audits and training runs, newest first; search and delete. */
import { parseArgs } from 'node:util';
import type { HistoryKind, JobStatus } from '../../../shared/api';
import { createApi } from '../../api/index';
import { EXIT, UserError, type CliCommand } from '../command';
import { pct, renderTable } from '../table';

const USAGE = `usage: dmat history [--kind audit|run] [--search TEXT] [--status S] [--limit N] [--json]
       dmat history delete audit|run ID

Lists stored audits and training runs, newest first (worst-case accuracy for audits).`;

const STATUSES = ['queued', 'running', 'done', 'failed', 'cancelled'];

export const historyCommand: CliCommand = {
  name: 'history',
  summary: 'list stored audits and training runs; search or delete them',
  usage: USAGE,
  async run(argv) {
    const parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        kind: { type: 'string' },
        search: { type: 'string' },
        status: { type: 'string' },
        limit: { type: 'string', default: '50' },
        json: { type: 'boolean', default: false },
      },
    });
    const { values, positionals } = parsed;
    const kindOk = (k: string | undefined): k is HistoryKind | undefined =>
      k === undefined || k === 'audit' || k === 'run';
    const api = createApi();
    try {
      if (positionals[0] === 'delete') {
        const [, kind, id] = positionals;
        if (!kind || !id || !kindOk(kind))
          throw new UserError(`expected: delete audit|run ID\n${USAGE}`);
        try {
          await api.deleteHistoryEntry({ kind, id });
        } catch (err) {
          throw new UserError((err as Error).message);
        }
        console.log(`deleted ${kind} ${id}`);
        return EXIT.ok;
      }
      if (positionals.length > 0) throw new UserError(`unexpected "${positionals[0]}"\n${USAGE}`);
      if (!kindOk(values.kind))
        throw new UserError(`--kind must be audit or run, got "${values.kind}"`);
      if (values.status && !STATUSES.includes(values.status)) {
        throw new UserError(
          `--status must be one of ${STATUSES.join(', ')}, got "${values.status}"`,
        );
      }
      const limit = Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw new UserError(`--limit must be a positive integer`);
      const page = await api.searchHistory({
        kind: values.kind,
        text: values.search,
        status: values.status as JobStatus | undefined,
        limit,
      });
      if (values.json) {
        console.log(JSON.stringify(page, null, 2));
        return EXIT.ok;
      }
      if (page.total === 0) {
        console.log('no audits or runs stored yet (run `dmat audit` or `dmat train`)');
        return EXIT.ok;
      }
      console.log(
        renderTable(
          [
            { header: 'kind' },
            { header: 'id' },
            { header: 'created (UTC)' },
            { header: 'status' },
            { header: 'title' },
            { header: 'details' },
            { header: 'headline', align: 'right' },
          ],
          page.entries.map((e) => [
            e.kind,
            e.id,
            e.createdAt.slice(0, 19).replace('T', ' '),
            e.status,
            e.title,
            e.subtitle,
            pct(e.headline),
          ]),
        ),
      );
      if (page.total > page.entries.length)
        console.log(`(${page.entries.length} of ${page.total}; use --limit)`);
      return EXIT.ok;
    } finally {
      await api.close();
    }
  },
};
