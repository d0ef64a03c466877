/**
 * The browser face (`dmat serve`): the API over HTTP and WebSocket on 127.0.0.1, guarded by a
 * token, serving the built renderer. The code lives in server/; import it from there (a file and
 * a folder of the same name resolve differently under tsx and bundlers).
 */
export { startServer, type RunningServer, type ServeOptions } from './server/http-server';
