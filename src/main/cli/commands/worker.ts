import { parseArgs } from 'node:util';
import { UserError, type CliCommand } from '../command';
import { startWorker } from '../../queue/worker';
import { dmatHome } from '../../store/paths';

const usage = `dmat worker --queue redis://[:password@]host:port[/db] [--concurrency N] [--name NAME]

Takes audit shards and training runs from the queue (BullMQ on Redis) and runs them on this
machine's best backend (tfjs-node-gpu where present). Start one per GPU or per few cores, on as
many machines as you like; \`dmat audit … --queue URL\` spreads its batches over them and merges
the outcomes exactly, \`dmat train … --queue URL\` trains a run on one of them. Models and
datasets are fetched by content hash into $DMAT_HOME/cache and verified; checkpoints and trained
models are written to the requester's $DMAT_HOME, which must be mounted at the same path here.
rediss:// connects with TLS. Ctrl+C hands a run in progress back to the queue (after a
checkpoint) and stops.

  --queue URL       the Redis server the requester uses
  --concurrency N   shards run at once in this process (default 1)
  --name NAME       how this worker is named in logs and progress (default host-pid)`;

export const workerCommand: CliCommand = {
  name: 'worker',
  summary: 'run audit shards and training runs from a Redis queue (scale out)',
  usage,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        queue: { type: 'string' },
        concurrency: { type: 'string' },
        name: { type: 'string' },
      },
    });
    if (!values.queue) throw new UserError(`--queue is required\n${usage}`);
    const concurrency = values.concurrency === undefined ? 1 : Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
      throw new UserError(`--concurrency: expected an integer 1–64, got "${values.concurrency}"`);
    }
    const worker = await startWorker({
      queue: values.queue,
      home: dmatHome(),
      concurrency,
      name: values.name,
      log: (line) => console.log(line),
    });
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    console.log(`${worker.name}: stopping`);
    await worker.close();
    return 0;
  },
};
