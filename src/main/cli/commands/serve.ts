import { parseArgs } from 'node:util';
import { UserError, type CliCommand } from '../command';
import { startServer } from '../../server/http-server';
import { createApi } from '../../api/index';
import { buildRenderer, rendererBuildReason, RENDERER_OUT } from '../../server/renderer-build';

const usage = `dmat serve [--port N] [--no-build]

Serves DMAT Studio to a browser on this machine: the same app as the desktop window, over
HTTP and WebSocket on 127.0.0.1 only. Open the printed URL; it carries a random access token.

  --port N      port to listen on (default: a free one)
  --no-build    serve out/renderer as it is, even when missing or older than the sources`;

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'serve the app to a browser on 127.0.0.1 (browser mode)',
  usage,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { port: { type: 'string' }, 'no-build': { type: 'boolean' } },
    });
    const port = values.port === undefined ? 0 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new UserError(`--port: expected a port number 0–65535, got "${values.port}"`);
    }
    const reason = values['no-build'] ? null : rendererBuildReason();
    if (reason) {
      console.log(`Building the user interface (${reason})…`);
      await buildRenderer();
    }
    const api = createApi();
    const server = await startServer({ api, rendererDir: RENDERER_OUT, port }).catch((err) => {
      void api.close();
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new UserError(`--port: port ${port} on 127.0.0.1 is already in use`);
      }
      throw err;
    });
    console.log(`DMAT Studio is running in browser mode. Open:\n\n  ${server.url}\n`);
    console.log('Only this machine can connect (127.0.0.1). Press Ctrl+C to stop.');
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    console.log('Stopping…');
    await server.close();
    await api.close();
    return 0;
  },
};
