// The conformance cases that need no LocalVerifier (conformance/CASES.md),
// through the TypeScript client's public API, as a user would call it.
import { Code } from "@connectrpc/connect";
import {
  EndReason,
  HistoryCompacted,
  type SessionEvent,
  SessionState,
  TerminationReason,
} from "../src/index.js";
import {
  type Args,
  type Case,
  check,
  client,
  control,
  expectError,
  tlsFiles,
  withClient,
} from "./common.js";

const lifecycle: Case = (args) =>
  withClient(client(args), async (c) => {
    const subject = `${args.prefix}-life`;
    const r = await c.createSession(subject, { reference: "ref" });
    const v = await c.validateSession(r.tokens!.accessToken, { subjectId: subject, reference: "ref" });
    check(v.valid && v.session?.subjectId === subject && v.session.reference === "ref", "validate", v);
    const renewed = await c.renewSession(r.tokens!.refreshToken);
    check(renewed.tokens!.refreshToken !== r.tokens!.refreshToken, "the refresh token did not rotate");
    await c.revokeSession(r.session!.sessionId);
    const err = await expectError(() => c.renewSession(renewed.tokens!.refreshToken));
    check(err.reason === "SESSION_REVOKED", "renew after revoke", err.reason);
    return { rotated: true, after_revoke: err.reason };
  });

const richErrors: Case = (args) =>
  withClient(client(args), async (c) => {
    const bad = await expectError(() => c.createSession("has space"));
    const fields = bad.fieldViolations.map((f) => f.field);
    check(bad.code === Code.InvalidArgument && fields.includes("subject_id"), "violations", fields);
    const subject = `${args.prefix}-rate`;
    let limited: unknown;
    for (let i = 0; i < 6 && !limited; i++) {
      limited = await c.createSession(subject).then(
        () => undefined,
        (err: unknown) => err,
      );
    }
    check(limited !== undefined, "six creates were not rate limited");
    const rl = await expectError(() => Promise.reject(limited));
    check(rl.reason === "RATE_LIMITED" && (rl.retryAfterMs ?? 0) > 0, "rate limit", rl);
    const missing = await expectError(() => c.getSession("ses_doesnotexist0000"));
    check(missing.reason === "SESSION_NOT_FOUND", "unknown session", missing.reason);
    return { violations: fields, retry_after: (rl.retryAfterMs ?? 0) / 1000, not_found: missing.reason };
  });

const refreshReuse: Case = (args) =>
  withClient(client(args), async (c) => {
    const r = await c.createSession(`${args.prefix}-reuse`);
    await c.renewSession(r.tokens!.refreshToken);
    await new Promise((done) => setTimeout(done, 1500)); // past the 1 s grace: time must pass
    const err = await expectError(() => c.renewSession(r.tokens!.refreshToken));
    check(err.reason === "REFRESH_TOKEN_REUSED", "reuse", err.reason);
    check(err.metadata["session_id"] === r.session!.sessionId, "session_id", err.metadata);
    const s = (await c.getSession(r.session!.sessionId)).session!;
    check(s.state === SessionState.REVOKED && s.endReason === EndReason.REFRESH_TOKEN_REUSE, "ended", s);
    return { reason: err.reason, session_id: err.metadata["session_id"] };
  });

const subjectTerminated: Case = (args) =>
  withClient(client(args), async (c) => {
    const subject = `${args.prefix}-ban`;
    const r = await c.createSession(subject);
    await c.terminateSubject(subject, TerminationReason.BANNED, "CONF_BAN");
    try {
      const s = (await c.getSession(r.session!.sessionId)).session!;
      check(s.state === SessionState.TERMINATED && s.errorCode === "CONF_BAN", "terminated", s);
      const err = await expectError(() => c.createSession(subject));
      check(err.reason === "SUBJECT_TERMINATED" && err.metadata["error_code"] === "CONF_BAN", "create", err);
      return { reason: err.reason, error_code: err.metadata["error_code"] };
    } finally {
      await c.reinstateSubject(subject);
    }
  });

const apiKey: Case = async (args) => {
  const jwks = (c: ReturnType<typeof client>) => () => c.getJwks();
  const missing = await withClient(client(args, { apiKey: "" }), (c) => expectError(jwks(c)));
  await withClient(client(args), (c) => c.getJwks());
  const revoked = await withClient(client(args, { apiKey: args.revokedApiKey }), (c) =>
    expectError(jwks(c)),
  );
  check(missing.reason === "API_KEY_MISSING" && revoked.reason === "API_KEY_INVALID", "keys", [
    missing.reason,
    revoked.reason,
  ]);
  return { missing: missing.reason, revoked: revoked.reason };
};

const tls: Case = (args) =>
  withClient(client(args, { target: args.tlsTarget, tls: tlsFiles(args, false) }), async (c) => {
    await c.getJwks();
    return { connected: true };
  });

const mtls: Case = async (args) => {
  const mine = client(args, { target: args.mtlsTarget, tls: tlsFiles(args, true) });
  await withClient(mine, (c) => c.getJwks());
  const bare = client(args, { target: args.mtlsTarget, tls: tlsFiles(args, false), timeoutMs: 5000 });
  const refused = await withClient(bare, (c) => expectError(() => c.getJwks()));
  return { with_certificate: true, without: Code[refused.code] };
};

/** Events of one watch, read in the background; `take(n)` waits for n more. */
class Heard {
  private readonly events: SessionEvent[] = [];
  private failure: unknown;
  private wake: (() => void) | undefined;
  progressed = false;

  constructor(source: AsyncGenerator<SessionEvent>) {
    void (async () => {
      try {
        for await (const e of source) {
          this.events.push(e);
          this.wake?.();
        }
      } catch (err) {
        this.failure = err;
        this.wake?.();
      }
    })();
  }

  notify(): void {
    this.progressed = true;
    this.wake?.();
  }

  async take(n: number, ms: number): Promise<SessionEvent[]> {
    const deadline = Date.now() + ms;
    while (this.events.length < n) {
      check(this.failure === undefined, "the watch failed", String(this.failure));
      check(Date.now() < deadline, `only ${this.events.length} of ${n} events within ${ms} ms`);
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, 50);
      });
    }
    return this.events.splice(0, n);
  }
}

const watchResume: Case = (args) =>
  withClient(client(args), async (c) => {
    const subject = `${args.prefix}-watch`;
    const stop = new AbortController();
    let heard: Heard | undefined = undefined;
    const source = c.watch({ subjectId: subject, signal: stop.signal, onProgress: () => heard?.notify() });
    heard = new Heard(source);
    try {
      const ready = Date.now() + 10_000;
      while (!heard.progressed) {
        check(Date.now() < ready, "no first progress");
        await new Promise((r) => setTimeout(r, 10));
      }
      const first = await c.createSession(subject);
      await c.revokeSession(first.session!.sessionId);
      const got = await heard.take(2, 10_000);
      check(got[1]?.session?.sessionId === first.session!.sessionId, "the revoke", got[1]);
      const done = await control(args, `/restart?writes=3&subject=${subject}`);
      const sessions = done["sessions"] as { session_id: string; revisions: number[] }[];
      const later = await heard.take(6, 20_000);
      const revisions = later.map((e) => Number(e.revision));
      const expected = sessions.flatMap((s) => s.revisions);
      check(JSON.stringify(revisions) === JSON.stringify(expected), "revisions", [revisions, expected]);
      const made = later.filter((_, i) => i % 2 === 1).map((e) => e.session?.sessionId);
      check(JSON.stringify(made) === JSON.stringify(sessions.map((s) => s.session_id)), "sessions", made);
      return { revisions };
    } finally {
      stop.abort();
    }
  });

const watchCompacted: Case = async (args) => {
  const compact = Number((await control(args, "/compact"))["compact_revision"]);
  return withClient(client(args), async (c) => {
    try {
      for await (const _ of c.watch({ startRevision: 1n })) {
        throw new Error("an event from compacted history");
      }
    } catch (err) {
      check(err instanceof HistoryCompacted, "not HistoryCompacted", String(err));
      check(Number(err.compactRevision) === compact, "compact_revision", [err.compactRevision, compact]);
      return { compact_revision: compact };
    }
    throw new Error("the watch ended without HistoryCompacted");
  });
};

export const CORE_CASES: Record<string, Case> = {
  lifecycle,
  rich_errors: richErrors,
  refresh_reuse: refreshReuse,
  subject_terminated: subjectTerminated,
  api_key: apiKey,
  tls,
  mtls,
  watch_resume: watchResume,
  watch_compacted: watchCompacted,
};

export type { Args };
