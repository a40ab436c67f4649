// ManagedSession: one login that looks after itself, as the Python SDK's
// does (same states, reasons and stored record, so both can share a file).
// It renews the access token a lead time before it expires, lets a handler
// postpone a renewal, backs off with jitter while the server is away, tells
// observers of every change, and can keep itself in a TokenStore.
import { Code } from "@connectrpc/connect";
import type { CreateOptions, SessionAuthorityClient } from "./client.js";
import { type SessionAuthorityError, toSessionAuthorityError } from "./errors.js";
import { EndReason, type Session, type TokenPair } from "./gen/sessionauthority/v1/session_pb.js";
import {
  MemoryTokenStore,
  type StoredSession,
  type TokenStore,
  parseStoredSession,
  storedSession,
} from "./tokenstore.js";

import { type Change, State, type TimeSource, realTime } from "./managed_state.js";

export { type Change, State, type TimeSource, realTime } from "./managed_state.js";

export type Observer = (change: Change, session: ManagedSession) => void;

export interface ManagedSessionOptions {
  /** restore() takes up only a stored session with the same reference. */
  reference?: string;
  /** Renew this long before the access token expires (at most half its
   * remaining life); default 60 s. */
  leadTimeMs?: number;
  /** Asked before each renewal; false postpones it by postponeDelayMs
   * (default 10 min). One that throws counts as true, so that its bug cannot
   * let the session lapse. */
  renewalHandler?: (session: ManagedSession) => boolean | Promise<boolean>;
  postponeDelayMs?: number;
  /** Keep the session in `store`; default: true when a store is given. */
  persist?: boolean;
  store?: TokenStore;
  /** First and largest wait between failed renewals, each jittered 0.5x to
   * 1.5x; default [1 s, 5 min]. */
  backoff?: readonly [firstMs: number, maxMs: number];
  time?: TimeSource;
  /** Uniform in [0, 1), for the jitter; default Math.random. */
  random?: () => number;
}

// Answers after which the same refresh token will never work again.
const FINAL = new Set(
  ["SESSION_REVOKED", "SESSION_EXPIRED", "SESSION_TERMINATED", "REFRESH_TOKEN_INVALID"]
    .concat(["REFRESH_TOKEN_EXPIRED", "REFRESH_TOKEN_REUSED", "REFRESH_TOKEN_SUPERSEDED"]),
);

export class ManagedSession {
  readonly reference: string;
  readonly leadTimeMs: number;
  readonly postponeDelayMs: number;
  readonly persist: boolean;
  readonly store: TokenStore;
  private readonly options: ManagedSessionOptions;
  private readonly time: TimeSource;
  private readonly observers: Observer[] = [];
  private last: Change = Object.freeze({
    state: State.NOT_LOGGED_IN,
    previous: State.NOT_LOGGED_IN,
    reason: "",
    errorCode: "",
  });
  private record: StoredSession | undefined;
  private failures = 0;
  private timer: unknown;
  private expiryTimer: unknown;
  private inflight: Promise<void> | undefined;
  private readonly work = new Set<Promise<void>>();
  // Bumped when the session is replaced or ended, so that the answer to a
  // renewal sent before then is not taken for the current session.
  private generation = 0;
  // false after close(): a renewal under way still keeps its rotated tokens
  // (the old refresh token is spent), but nothing more is scheduled.
  private running = true;

  constructor(
    readonly client: SessionAuthorityClient,
    readonly subjectId: string,
    options: ManagedSessionOptions = {},
  ) {
    this.options = options;
    this.reference = options.reference ?? "";
    this.leadTimeMs = options.leadTimeMs ?? 60_000;
    this.postponeDelayMs = options.postponeDelayMs ?? 600_000;
    this.persist = options.persist ?? options.store !== undefined;
    this.store = options.store ?? new MemoryTokenStore();
    this.time = options.time ?? realTime;
  }

  /** ESTABLISHED reads as TOKEN_EXPIRED once the access token has expired
   * (a renewal postponed or failing past it). */
  get state(): State {
    const expire = this.expirationEpoch;
    const expired = expire > 0 && expire * 1000 <= this.time.now();
    return this.last.state === State.ESTABLISHED && expired ? State.TOKEN_EXPIRED : this.last.state;
  }

  /** The last change observers were told of. */
  get change(): Change {
    return this.last;
  }

  get accessToken(): string {
    return this.record?.access_token ?? "";
  }

  get sessionId(): string {
    return this.record?.session_id ?? "";
  }

  /** When the access token expires, in seconds since the epoch (0: none). */
  get expirationEpoch(): number {
    return this.record?.access_expire ?? 0;
  }

  addObserver(observer: Observer): void {
    this.observers.push(observer);
  }

  /** Creates the session (options as client.createSession; the reference is
   * the session's). On failure: NOT_LOGGED_IN with the reason, and throws. */
  async login(options: Omit<CreateOptions, "reference"> = {}): Promise<void> {
    this.generation++;
    this.running = true;
    this.cancel(true);
    this.set(State.ESTABLISHING);
    const created = await this.client
      .createSession(this.subjectId, { ...options, reference: this.reference })
      .catch((err: unknown) => {
        const e = toSessionAuthorityError(err);
        this.set(State.NOT_LOGGED_IN, e.reason, e.metadata["error_code"] ?? "");
        throw e;
      });
    this.take(created, State.ESTABLISHED, "");
  }

  /** Takes up the stored session if it is still good for this subject and
   * reference; otherwise drops it (observers hear why). True if taken. */
  async restore(): Promise<boolean> {
    const raw = this.persist ? this.store.load() : undefined;
    if (raw === undefined) {
      return false;
    }
    const record = parseStoredSession(raw);
    const end = record ? Math.min(record.refresh_expire, record.session_expire) * 1000 : 0;
    const why = record === undefined ? "MALFORMED"
      : record.subject_id !== this.subjectId ? "OTHER_SUBJECT"
      : record.reference !== this.reference ? "OTHER_REFERENCE"
      : end <= this.time.now() ? "EXPIRED" : "";
    if (record === undefined || why) {
      this.store.clear();
      this.set(State.NOT_LOGGED_IN, `STORED_SESSION_${why}`);
      return false;
    }
    this.generation++;
    this.running = true;
    this.record = record;
    this.failures = 0;
    // Only a token that has run out reads as expired: one inside the lead
    // time still works, and its renewal is due soon.
    const expired = record.access_expire * 1000 <= this.time.now();
    this.scheduleRenewal();
    this.scheduleExpiry();
    this.set(expired ? State.TOKEN_EXPIRED : State.ESTABLISHED, "RESTORED");
    return true;
  }

  /** Revokes the session, then forgets it (stored copy included). If the
   * revoke fails (other than not found) it throws and the session goes on. */
  async logout(): Promise<void> {
    // Let a renewal under way land first: if the revoke then fails, the
    // session goes on with the refresh token that is still good.
    while (this.inflight !== undefined) {
      await this.inflight.catch(() => undefined);
    }
    // From here no earlier renewal or handler can bring the session back.
    this.generation++;
    this.cancel(true);
    const record = this.record;
    this.record = undefined;
    if (record?.session_id) {
      try {
        await this.client.revokeSession(record.session_id, EndReason.LOGOUT);
      } catch (err) {
        const e = toSessionAuthorityError(err);
        if (e.code !== Code.NotFound) {
          this.record = record;
          this.scheduleRenewal();
          this.scheduleExpiry();
          throw e;
        } // already gone: forgetting it is all that is left
      }
    }
    this.unpersist();
    this.set(State.NOT_LOGGED_IN, "LOGGED_OUT");
  }

  /** Stops renewing (the session stays, and stays stored). A renewal under
   * way still lands: await waitIdle() before exiting so that its new refresh
   * token is stored. */
  close(): void {
    this.running = false;
    this.cancel(true);
  }

  isPersisted(): boolean {
    return this.persist && this.store.load() !== undefined;
  }

  unpersist(): void {
    this.store.clear();
  }

  /** Renews now, or joins the renewal under way: there is only ever one, as
   * a refresh token works once. A failure shows in `state` and `change`, as
   * with a scheduled renewal; it rejects only if the store cannot save. */
  renewNow(): Promise<void> {
    this.running = true;
    return this.renew();
  }

  /** Resolves once no work (a renewal, a renewal handler) is under way. */
  async waitIdle(): Promise<void> {
    while (this.work.size > 0 || this.inflight !== undefined) {
      await Promise.allSettled([...this.work, this.inflight]);
    }
  }

  private take(answer: { session?: Session; tokens?: TokenPair }, state: State, reason: string) {
    const record = storedSession(this.subjectId, this.reference, answer);
    this.record = record;
    this.failures = 0;
    this.scheduleRenewal();
    this.scheduleExpiry();
    // Stored before observers hear of it; a store that fails must not keep
    // them from hearing (then it throws), since the session itself is fine.
    try {
      if (this.persist) {
        this.store.save({ ...record });
      }
    } finally {
      this.set(state, reason);
    }
  }

  private scheduleRenewal(): void {
    // A token that lives no longer than the lead time is renewed at half its
    // life, not at once: at once, each new token would be renewed in turn,
    // a busy loop against the server.
    const left = this.expirationEpoch * 1000 - this.time.now();
    this.schedule(left - Math.min(this.leadTimeMs, left / 2));
  }

  private schedule(delayMs: number): void {
    this.cancel();
    if (this.running) {
      const fire = () => this.background(() => this.due());
      this.timer = this.time.setTimeout(fire, Math.max(0, delayMs));
    }
  }

  /** Observers hear TOKEN_EXPIRED the moment the access token runs out. */
  private scheduleExpiry(): void {
    this.expiryTimer = this.stop(this.expiryTimer);
    const left = this.expirationEpoch * 1000 - this.time.now();
    if (this.running && this.expirationEpoch > 0 && left > 0) {
      this.expiryTimer = this.time.setTimeout(() => {
        this.expiryTimer = undefined;
        if (this.state === State.ESTABLISHED) {
          this.scheduleExpiry(); // woke before the wall clock got there
        } else {
          this.markIfExpired("ACCESS_TOKEN_EXPIRED");
        }
      }, left);
    }
  }

  private cancel(expiryToo = false): void {
    this.timer = this.stop(this.timer);
    if (expiryToo) {
      this.expiryTimer = this.stop(this.expiryTimer);
    }
  }

  private stop(handle: unknown): undefined {
    return handle === undefined ? undefined : void this.time.clearTimeout(handle);
  }

  /** Work no caller awaits: what it throws (a store that cannot save) is
   * reported as a process warning rather than an unhandled rejection. */
  private background(run: () => Promise<void>): void {
    const task: Promise<void> = run()
      .catch(warn)
      .finally(() => this.work.delete(task));
    this.work.add(task);
  }

  private async due(): Promise<void> {
    this.timer = undefined;
    if (this.last.state !== State.ESTABLISHED && this.last.state !== State.TOKEN_EXPIRED) {
      return;
    }
    const handler = this.options.renewalHandler;
    if (handler !== undefined) {
      const generation = this.generation;
      let go = true;
      try {
        go = await handler(this);
      } catch (err) {
        warn(err);
      }
      if (generation !== this.generation || !this.running) {
        return;
      }
      if (!go) {
        this.markIfExpired("POSTPONED");
        this.schedule(this.postponeDelayMs);
        return;
      }
    }
    await this.renew();
  }

  private renew(): Promise<void> {
    this.inflight ??= this.renewOnce().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async renewOnce(): Promise<void> {
    const record = this.record;
    if (record === undefined) {
      return;
    }
    const generation = this.generation;
    let renewed;
    try {
      renewed = await this.client.renewSession(record.refresh_token);
    } catch (err) {
      if (generation !== this.generation) {
        return;
      }
      const e = toSessionAuthorityError(err);
      if (FINAL.has(e.reason)) {
        this.end(e);
        return;
      }
      // Away for now (unavailable, a deadline): try again, later each time.
      this.failures++;
      const [first, most] = this.options.backoff ?? [1_000, 300_000];
      const wait = Math.min(most, first * 2 ** (this.failures - 1));
      this.schedule(wait * (0.5 + (this.options.random ?? Math.random)()));
      this.markIfExpired("RENEWAL_FAILED");
      return;
    }
    if (generation === this.generation) {
      this.take(renewed, State.ESTABLISHED, "RENEWED");
    }
  }

  private markIfExpired(reason: string): void {
    if (this.last.state === State.ESTABLISHED && this.state === State.TOKEN_EXPIRED) {
      this.set(State.TOKEN_EXPIRED, reason);
    }
  }

  private end(e: SessionAuthorityError): void {
    this.generation++;
    this.cancel(true);
    this.unpersist();
    this.set(State.TERMINATED, e.reason, e.metadata["error_code"] ?? "");
  }

  private set(state: State, reason = "", errorCode = ""): void {
    const change = Object.freeze({ state, previous: this.last.state, reason, errorCode });
    this.last = change;
    // One observer's bug must not stop the others, or the session.
    for (const observer of [...this.observers]) {
      try {
        observer(change, this);
      } catch (err) {
        warn(err);
      }
    }
  }
}

function warn(err: unknown): void {
  process.emitWarning(err instanceof Error ? err : new Error(String(err)), "ManagedSession");
}
