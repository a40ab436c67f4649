// ManagedSession's clock-driven behaviour with fake time and scripted
// answers (an in-process router, no server): when it renews, how a handler
// postpones a renewal, the jittered backoff while the server is away, what
// ends it, and that only one renewal is ever in flight. The same cases as the
// Python SDK's tests/test_managed_schedule.py.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createRouterTransport } from "@connectrpc/connect";
import { ErrorInfoSchema } from "../src/gen/google/rpc/error_details_pb.js";
import {
  type Change,
  ManagedSession,
  type ManagedSessionOptions,
  MemoryTokenStore,
  type RenewSessionResponse,
  RenewSessionResponseSchema,
  SessionAuthorityClient,
  SessionService,
  SessionState,
  State,
  type TimeSource,
} from "../src/index.js";

const T0 = 1_800_000_000_000; // ms
const S = 1000;

/** Timers run only when a test moves time on, in due order. */
class FakeTime implements TimeSource {
  private timers = new Map<number, { at: number; fn: () => void }>();
  private ids = 0;
  constructor(private t: number) {}

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    this.timers.set(++this.ids, { at: this.t + ms, fn });
    return this.ids;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  get pending(): number {
    return this.timers.size;
  }

  /** Runs each timer due by now + ms at its own time, `settle` after each. */
  async advance(ms: number, settle: () => Promise<void>): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) {
        if (entry[1].at <= end && (next === undefined || entry[1].at < next[1].at)) {
          next = entry;
        }
      }
      if (next === undefined) {
        break;
      }
      this.timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
      await settle();
    }
    this.t = end;
  }
}

type Answer = RenewSessionResponse | ConnectError | Promise<RenewSessionResponse>;

function pair(issuedAt: number) {
  return {
    accessToken: `at-${issuedAt}`,
    refreshToken: `rt-${issuedAt}`,
    accessTokenExpireTime: { seconds: BigInt(Math.floor((T0 + issuedAt + 900 * S) / S)) },
    refreshTokenExpireTime: { seconds: BigInt((T0 + 7 * 86400 * S) / S) },
  };
}

const SESSION = {
  sessionId: "ses_1",
  subjectId: "u1",
  state: SessionState.ACTIVE,
  expireTime: { seconds: BigInt((T0 + 7 * 86400 * S) / S) },
};

function renewed(issuedAt: number): RenewSessionResponse {
  return create(RenewSessionResponseSchema, { session: SESSION, tokens: pair(issuedAt) });
}

/** An error as the server sends it: a status with an ErrorInfo. */
function rich(code: Code, reason: string, metadata: Record<string, string> = {}): ConnectError {
  const info = { reason, domain: "sessionauthority", metadata };
  return new ConnectError(reason, code, undefined, [{ desc: ErrorInfoSchema, value: info }]);
}

const away = () => rich(Code.Unavailable, "STORAGE_UNAVAILABLE");

class Fake {
  readonly time = new FakeTime(T0);
  readonly answers: Answer[] = []; // the next RenewSession answers, in order
  readonly renewals: { at: number; refreshToken: string }[] = [];
  readonly asked: number[] = []; // when the renewal handler was asked, s after T0
  readonly postpone: boolean[] = []; // the handler's next answers (default: go)
  readonly changes: Change[] = [];
  readonly store = new MemoryTokenStore();
  readonly session: ManagedSession;

  constructor(options: ManagedSessionOptions = {}) {
    const transport = createRouterTransport(({ service }) => {
      service(SessionService, {
        createSession: () => ({ session: SESSION, tokens: pair(0) }),
        renewSession: (req) => {
          this.renewals.push({ at: this.elapsed(), refreshToken: req.refreshToken });
          const answer = this.answers.shift();
          if (answer === undefined) {
            throw new ConnectError("no answer scripted", Code.Internal);
          }
          if (answer instanceof ConnectError) {
            throw answer;
          }
          return answer;
        },
      });
    });
    this.session = new ManagedSession(new SessionAuthorityClient("", { transport }), "u1", {
      leadTimeMs: 60 * S,
      time: this.time,
      store: this.store,
      renewalHandler: () => {
        this.asked.push(this.elapsed());
        return this.postpone.shift() ?? true;
      },
      backoff: [1 * S, 8 * S],
      postponeDelayMs: 600 * S,
      ...options,
    });
    this.session.addObserver((c) => this.changes.push(c));
  }

  elapsed(): number {
    return (this.time.now() - T0) / S;
  }

  /** Moves fake time on by `seconds`, letting the session react to each
   * timer before the next one (unless `settle` is false). */
  advance(seconds: number, settle = true): Promise<void> {
    return this.time.advance(seconds * S, async () => {
      if (settle) {
        await this.session.waitIdle();
      }
    });
  }

  get last(): [State, string, string] | undefined {
    const c = this.changes.at(-1);
    return c && [c.state, c.reason, c.errorCode];
  }
}

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("ManagedSession on a schedule", () => {
  test("renews a lead time before the access token expires", async () => {
    const f = new Fake();
    await f.session.login();
    assert.equal(f.session.state, State.ESTABLISHED);
    assert.equal(f.session.expirationEpoch * S, T0 + 900 * S);
    assert.deepEqual(f.store.load()?.["refresh_token"], "rt-0");

    f.answers.push(renewed(840 * S), renewed(1680 * S));
    await f.advance(839);
    assert.deepEqual(f.asked, []);
    await f.advance(1);
    assert.deepEqual(f.renewals, [{ at: 840, refreshToken: "rt-0" }]);
    // The next one: 60 s before the new token's expiry.
    await f.advance(840);
    assert.deepEqual(f.asked, [840, 1680]);
    assert.equal(f.renewals[1]?.refreshToken, `rt-${840 * S}`);
    assert.deepEqual(f.last, [State.ESTABLISHED, "RENEWED", ""]);
    assert.equal(f.store.load()?.["refresh_token"], `rt-${1680 * S}`);
    f.session.close();
    assert.equal(f.time.pending, 0, "close() leaves no timer behind");
  });

  test("a postponed renewal waits the postpone delay", async () => {
    const f = new Fake();
    await f.session.login();
    f.postpone.push(false);
    await f.advance(840);
    await f.advance(599);
    assert.deepEqual(f.asked, [840]); // not asked again before the delay
    assert.equal(f.session.state, State.TOKEN_EXPIRED); // its token ran out at 900
    const told = f.changes.find((c) => c.reason === "ACCESS_TOKEN_EXPIRED");
    assert.deepEqual(told, {
      state: State.TOKEN_EXPIRED,
      previous: State.ESTABLISHED,
      reason: "ACCESS_TOKEN_EXPIRED",
      errorCode: "",
    });
    f.answers.push(renewed(1440 * S));
    await f.advance(1); // 1440: past the token's expiry at 900
    assert.deepEqual(f.asked, [840, 1440]);
    assert.deepEqual(f.last, [State.ESTABLISHED, "RENEWED", ""]);
    assert.equal(f.session.state, State.ESTABLISHED);
    f.session.close();
  });

  test("failed renewals back off with jitter", async () => {
    const jitter = [0.1, 0.9, 0.5, 0.0, 0.99];
    const f: Fake = new Fake({ random: (): number => jitter[f.renewals.length - 1] ?? 0.5 });
    await f.session.login();
    f.answers.push(away(), away(), away(), away(), away());
    const expected = [840];
    const waits = [1, 2, 4, 8, 8]; // doubling from 1 s, at most 8 s
    for (const [i, wait] of waits.entries()) {
      expected.push(expected.at(-1)! + wait * (0.5 + jitter[i]!));
    }
    f.answers.push(renewed(expected.at(-1)! * S));
    await f.advance(840);
    for (const at of expected.slice(1)) {
      await f.advance(at - f.elapsed() + 1e-3); // a hair past, whatever the rounding
    }
    const times = f.renewals.map((r) => r.at);
    assert.equal(times.length, expected.length);
    times.forEach((t, i) => assert.ok(Math.abs(t - expected[i]!) < 1e-6, `${times} ${expected}`));
    // A failure keeps the refresh token: each retry sends the same one.
    assert.ok(f.renewals.every((r) => r.refreshToken === "rt-0"));
    assert.equal(f.session.state, State.ESTABLISHED);
    assert.ok(!f.changes.some((c) => c.reason === "RENEWAL_FAILED")); // still before 900
    f.session.close();
  });

  test("no successful renewal by expiry: TOKEN_EXPIRED, and the retries go on", async () => {
    const f = new Fake({ random: () => 0.5 });
    await f.session.login();
    f.answers.push(...Array.from({ length: 10 }, away));
    await f.advance(899);
    assert.equal(f.session.state, State.ESTABLISHED);
    await f.advance(1);
    assert.deepEqual(f.last, [State.TOKEN_EXPIRED, "ACCESS_TOKEN_EXPIRED", ""]);
    assert.deepEqual(f.renewals.map((r) => r.at), [840, 841, 843, 847, 855, 863, 871, 879, 887, 895]);

    // Past expiry a retry still comes every 8 s; a success brings it back.
    f.answers.push(renewed(903 * S));
    await f.advance(3);
    assert.equal(f.renewals.at(-1)?.at, 903);
    assert.deepEqual(f.last, [State.ESTABLISHED, "RENEWED", ""]);
    assert.equal(f.changes.filter((c) => c.state === State.TOKEN_EXPIRED).length, 1);

    // And once the server says the refresh token is past its end, it is over.
    f.answers.push(away(), rich(Code.Unauthenticated, "REFRESH_TOKEN_EXPIRED"));
    await f.advance(900 + 60);
    assert.deepEqual(f.last, [State.TERMINATED, "REFRESH_TOKEN_EXPIRED", ""]);
  });

  for (const [reason, metadata, errorCode] of [
    ["SESSION_TERMINATED", { end_reason: "SUBJECT_BANNED", error_code: "E-9" }, "E-9"],
    ["SESSION_REVOKED", { end_reason: "ADMIN" }, ""],
    ["REFRESH_TOKEN_REUSED", { session_id: "ses_1" }, ""],
  ] as const) {
    test(`${reason} ends the session with its reason and error code`, async () => {
      const f = new Fake();
      await f.session.login();
      f.answers.push(rich(Code.Unauthenticated, reason, metadata));
      await f.advance(840);
      assert.equal(f.session.state, State.TERMINATED);
      assert.deepEqual(f.session.change, {
        state: State.TERMINATED,
        previous: State.ESTABLISHED,
        reason,
        errorCode,
      });
      assert.equal(f.store.load(), undefined, "an ended session is not kept");
      assert.equal(f.time.pending, 0, "nothing more is scheduled");
      await f.advance(86400);
      assert.equal(f.renewals.length, 1);
    });
  }

  test("one renewal in flight at a time: renewNow() joins the scheduled one", async () => {
    const f = new Fake();
    await f.session.login();
    const held = deferred<RenewSessionResponse>();
    f.answers.push(held.promise);
    await f.advance(840, false); // the timer fires; its renewal waits for `held`
    const joined = [f.session.renewNow(), f.session.renewNow()];
    await new Promise((r) => setImmediate(r));
    assert.equal(f.renewals.length, 1, "a second renewal would spend the refresh token twice");
    held.resolve(renewed(840 * S));
    await Promise.all(joined);
    assert.equal(f.renewals.length, 1);
    assert.equal(f.changes.filter((c) => c.reason === "RENEWED").length, 1);
    assert.equal(f.session.accessToken, `at-${840 * S}`);
    // Once it has landed, renewNow() renews again, with the new token.
    f.answers.push(renewed(841 * S));
    await f.session.renewNow();
    assert.deepEqual(f.renewals.map((r) => r.refreshToken), ["rt-0", `rt-${840 * S}`]);
    f.session.close();
  });
});
