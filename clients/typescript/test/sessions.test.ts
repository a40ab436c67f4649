// Prepare / Execute / Assert against the live Python server, through the
// generated stubs and the typed client.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Code } from "@connectrpc/connect";
import {
  EndReason,
  InvalidReason,
  SessionAuthorityClient,
  SessionAuthorityError,
  SessionState,
  TerminationReason,
} from "../src/index.js";
import { TestServer } from "./server.js";

async function rejection(p: Promise<unknown>): Promise<SessionAuthorityError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SessionAuthorityError, `not a SessionAuthorityError: ${err}`);
    return err;
  }
  assert.fail("the call succeeded");
}

describe("sessions over gRPC", () => {
  let server: TestServer;
  let client: SessionAuthorityClient;

  before(async () => {
    // No grace window: the second use of a refresh token is a reuse at once.
    server = await TestServer.start({ SESSION_AUTHORITY_REFRESH_REUSE_GRACE_SECONDS: "0" });
    client = new SessionAuthorityClient(server.target);
  });
  after(async () => {
    client.close();
    await server.close();
  });

  test("create -> validate -> renew -> revoke", async () => {
    const created = await client.createSession("user-42", {
      reference: "web",
      metadata: { plan: "pro" },
      client: { userAgent: "node-test" },
    });
    const session = created.session!;
    assert.equal(session.subjectId, "user-42");
    assert.equal(session.state, SessionState.ACTIVE);
    assert.match(created.tokens!.refreshToken, /^srt_/);

    const ok = await client.validateSession(created.tokens!.accessToken, {
      subjectId: "user-42",
      reference: "web",
    });
    assert.equal(ok.valid, true);
    assert.equal(ok.session?.sessionId, session.sessionId);

    const renewed = await client.renewSession(created.tokens!.refreshToken);
    assert.notEqual(renewed.tokens!.refreshToken, created.tokens!.refreshToken);
    assert.equal((await client.validateSession(renewed.tokens!.accessToken)).valid, true);

    const revoked = await client.revokeSession(session.sessionId, EndReason.LOGOUT);
    assert.equal(revoked.session?.state, SessionState.REVOKED);
    const after = await client.validateSession(renewed.tokens!.accessToken);
    assert.equal(after.valid, false);
    assert.equal(after.invalidReason, InvalidReason.SESSION_REVOKED);

    const refused = await rejection(client.renewSession(renewed.tokens!.refreshToken));
    assert.equal(refused.code, Code.Unauthenticated);
    assert.equal(refused.reason, "SESSION_REVOKED");
  });

  test("a reused refresh token is REFRESH_TOKEN_REUSED and ends the session", async () => {
    const created = await client.createSession("user-7");
    const first = created.tokens!.refreshToken;
    await client.renewSession(first);

    const err = await rejection(client.renewSession(first));

    assert.equal(err.code, Code.Unauthenticated);
    assert.equal(err.reason, "REFRESH_TOKEN_REUSED");
    assert.equal(err.metadata["session_id"], created.session!.sessionId);
    const now = await client.getSession(created.session!.sessionId);
    assert.equal(now.session?.state, SessionState.REVOKED);
    assert.equal(now.session?.endReason, EndReason.REFRESH_TOKEN_REUSE);
  });

  test("bad input names the field (BadRequest) and the reason (ErrorInfo)", async () => {
    const err = await rejection(client.createSession("not a valid id!"));

    assert.equal(err.code, Code.InvalidArgument);
    assert.equal(err.reason, "INVALID_ARGUMENT");
    assert.ok(
      err.fieldViolations.some((v) => v.field === "subject_id"),
      JSON.stringify(err.fieldViolations),
    );
  });

  test("a banned subject's sessions end, and a new one is refused with its error code", async () => {
    const live = await client.createSession("user-banned");

    await client.terminateSubject("user-banned", TerminationReason.BANNED, "fraud-42");

    const ended = await client.getSession(live.session!.sessionId);
    assert.equal(ended.session?.state, SessionState.TERMINATED);
    const err = await rejection(client.createSession("user-banned"));
    assert.equal(err.code, Code.PermissionDenied);
    assert.equal(err.reason, "SUBJECT_TERMINATED");
    assert.equal(err.metadata["error_code"], "fraud-42");
  });

  test("an unknown session is SESSION_NOT_FOUND", async () => {
    const err = await rejection(client.getSession("ses_does_not_exist"));

    assert.equal(err.code, Code.NotFound);
    assert.equal(err.reason, "SESSION_NOT_FOUND");
  });
});

describe("API keys", () => {
  test("a key is sent on every call; without one the server refuses", async () => {
    const server = TestServer.create();
    try {
      const key = server.createApiKey("acme", ["*"]);
      assert.match(key, /^sak_/);
      await server.listen(0);
      const withKey = new SessionAuthorityClient(server.target, { apiKey: key });
      const without = new SessionAuthorityClient(server.target);
      try {
        const err = await rejection(without.createSession("user-1"));
        assert.equal(err.code, Code.Unauthenticated);
        assert.equal(err.reason, "API_KEY_MISSING");

        const created = await withKey.createSession("user-1");
        assert.equal(created.session?.subjectId, "user-1");
      } finally {
        withKey.close();
        without.close();
      }
    } finally {
      await server.close();
    }
  });
});
