/** An assertion that stays on in production: a broken invariant stops the operation, loudly. */
export class AssertionError extends Error {}

export function assert(condition: unknown, message = 'assertion failed'): asserts condition {
  if (!condition) throw new AssertionError(message);
}
