/**
 * A user-facing error from the on-manifold dataset tools: wrong shapes, missing files, a build
 * folder that belongs to another configuration. Named "UserError" so every face prints it as one
 * clear line.
 */
export class ManifoldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}
