/**
 * Errors for bad model files. The message starts with the file so the user sees what to fix;
 * `name` is "UserError" because that is what every face recognises as a user mistake.
 */
export class ModelError extends Error {
  readonly file: string;

  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'UserError';
    this.file = file;
  }
}
