// The one error type of the server: a message for the client and the HTTP status that goes with it.

/** A request the server refuses or cannot answer: `status` is the HTTP status, `message` says why. */
export class ServeError extends Error {
  override name = 'ServeError';
  constructor(
    readonly status: number,
    message: string,
    /** Seconds after which a retry may succeed (sent as Retry-After on 429 and 503). */
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}
