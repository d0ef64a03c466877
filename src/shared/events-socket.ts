/**
 * How the browser mode's WebSocket for job events proves it holds the access token: as a
 * `Sec-WebSocket-Protocol` entry, never in the URL (URLs end up in logs, history and Referer
 * headers). The page offers two subprotocols, the events one and one carrying the token; the
 * server checks the token and answers with the events one, so the token is never echoed back.
 */
export const EVENTS_SUBPROTOCOL = 'dmat.events';
const TOKEN_PREFIX = 'dmat.token.';

/** A subprotocol is an HTTP token: our tokens are base64url, which fits. */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{1,256}$/;

export function eventSocketProtocols(token: string): string[] {
  return [EVENTS_SUBPROTOCOL, TOKEN_PREFIX + token];
}

/** The token a client offered in its subprotocols, or null (none, or the events one missing). */
export function tokenFromProtocols(protocols: Iterable<string>): string | null {
  const list = [...protocols];
  if (!list.includes(EVENTS_SUBPROTOCOL)) return null;
  const offered = list.filter((p) => p.startsWith(TOKEN_PREFIX));
  return offered.length === 1 ? offered[0].slice(TOKEN_PREFIX.length) : null;
}
