// The states, changes and clock of a ManagedSession (managed.ts), apart so
// that the session's logic reads on its own and tests can build fake clocks.
/** TOKEN_EXPIRED: a renewal is overdue, so the access token no longer works
 * (the session may). TERMINATED: the session is over; the change's reason
 * and errorCode say why. */
export const State = {
  NOT_LOGGED_IN: "NOT_LOGGED_IN",
  ESTABLISHING: "ESTABLISHING",
  ESTABLISHED: "ESTABLISHED",
  TOKEN_EXPIRED: "TOKEN_EXPIRED",
  TERMINATED: "TERMINATED",
} as const;
export type State = (typeof State)[keyof typeof State];

export interface Change {
  readonly state: State;
  /** The state of the change before this one. */
  readonly previous: State;
  /** Why, when it is not obvious: RENEWED, RESTORED, POSTPONED, LOGGED_OUT,
   * ACCESS_TOKEN_EXPIRED, RENEWAL_FAILED, the server's reason
   * (SESSION_REVOKED, REFRESH_TOKEN_REUSED, ...), or STORED_SESSION_* for a
   * stored session that was dropped. */
  readonly reason: string;
  /** The code given to TerminateSubject, when the server sent one. */
  readonly errorCode: string;
}

/** What schedules renewals; tests pass a fake one to move time by hand. */
export interface TimeSource {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

// Node fires a longer timeout at once (a 32-bit overflow), and a long access
// token TTL or postpone delay could ask for one: such waits are chained.
const MAX_DELAY_MS = 2 ** 31 - 1;

/** Real timers, unref()-ed: a session waiting to renew never keeps Node alive. */
export const realTime: TimeSource = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const handle: { timer?: NodeJS.Timeout } = {};
    const arm = (left: number): void => {
      const step = Math.min(left, MAX_DELAY_MS);
      handle.timer = setTimeout(() => (left > step ? arm(left - step) : fn()), step).unref();
    };
    arm(Math.max(0, ms));
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout((handle as { timer?: NodeJS.Timeout }).timer);
  },
};
