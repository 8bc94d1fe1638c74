/**
 * Raised for anything that cannot be a value or a share of ours: an oversized value, an
 * impossible length prefix, a share set that is not of one split. Messages describe the
 * shape of the input (lengths, counts), never its bytes, so they are safe to log.
 */
export class ShamirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShamirError';
  }
}
