/** Small helpers shared by the table modules. */
import { randomBytes } from 'node:crypto';

/** Short, sortable-enough, collision-safe id with a readable prefix, e.g. "aud_9f2c41d07ab3". */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

export function nowIso(): string {
  return new Date().toISOString();
}

export function toJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

export function fromJson<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === '') return fallback;
  return JSON.parse(text) as T;
}

export const bool = (v: boolean): number => (v ? 1 : 0);

/** Thrown when a row a caller names does not exist. */
export class NotFoundError extends Error {
  /** The API error code every face maps this to. */
  readonly code = 'not-found' as const;
  constructor(what: string, id: string) {
    super(`${what} "${id}" not found`);
    this.name = 'NotFoundError';
  }
}
