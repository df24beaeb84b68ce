/**
 * What services announce after a commit. Routes never emit realtime events themselves; the realtime
 * layer subscribes here and decides what to push (aggregates only during a secret vote).
 */
export interface DomainEvents {
  /** Ballots, close or result of a vote changed (called after commit). */
  voteChanged(estateId: string, voteId: string): void;
  /** Sign-ins ended (sign-out: one session; role removal: every session of a person), after commit. */
  sessionsEnded?(ended: { userId: string } | { jti: string }): void;
}

export const noEvents: DomainEvents = { voteChanged() {}, sessionsEnded() {} };
