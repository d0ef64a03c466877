/** Turns any error thrown by the API into the payload that crosses IPC and HTTP. */
import type { ApiErrorCode, ApiErrorPayload } from '../../shared/api';

const KNOWN_CODES: ApiErrorCode[] = [
  'invalid-input',
  'not-found',
  'not-available',
  'conflict',
  'environment',
  'internal',
];

export function toErrorPayload(err: unknown): ApiErrorPayload {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; message?: unknown; field?: unknown; name?: unknown };
    const message = typeof e.message === 'string' ? e.message : String(err);
    if (typeof e.code === 'string' && (KNOWN_CODES as string[]).includes(e.code)) {
      return {
        code: e.code as ApiErrorCode,
        message,
        ...(typeof e.field === 'string' ? { field: e.field } : {}),
      };
    }
    // CLI-style user errors are the user's to fix, not crashes.
    if (e.name === 'UserError') return { code: 'invalid-input', message };
    return { code: 'internal', message };
  }
  return { code: 'internal', message: String(err) };
}

/** HTTP status for an error code. */
export function httpStatus(code: ApiErrorCode): number {
  return {
    'invalid-input': 400,
    'not-found': 404,
    'not-available': 409,
    conflict: 409,
    environment: 503,
    internal: 500,
  }[code];
}
