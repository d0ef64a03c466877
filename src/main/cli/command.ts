/** One CLI command: parses its own flags (node:util parseArgs) and returns an exit code. */
export interface CliCommand {
  name: string;
  /** One line for `dmat help`. */
  summary: string;
  /** Usage text shown on bad input. */
  usage: string;
  run(argv: string[]): Promise<number>;
}

/** Exit codes shared by every command (README, "Command line"). */
export const EXIT = { ok: 0, gateFailed: 1, badInput: 2, environment: 3, internal: 4 } as const;

/** A user error: printed as one clear line, never as a stack trace. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}
