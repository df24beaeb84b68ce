/**
 * A known race in the postgres.js driver (3.4.x): when the server drops a connection at the moment
 * a small write has been deferred to the next tick, the deferred write runs against the socket the
 * driver has already released and throws from a timer — outside any request, so nothing can catch
 * it. The connection is gone either way, and the driver reconnects for the next query; the
 * requests that were using it have already failed with a connection error (503). Recognised
 * narrowly, by its message and the driver's file, so that no other uncaught error is ever ignored.
 */
export function isDriverWriteRace(err: unknown): boolean {
  const e = err as { name?: string; message?: string; stack?: string } | null;
  return !!e && e.name === 'TypeError' && /reading 'write'/.test(e.message ?? '') && /postgres[/\\]src[/\\]connection\.js/.test(e.stack ?? '');
}
