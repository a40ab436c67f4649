// The watch across a server restart: events committed while the watcher was
// cut off arrive after it reconnects, once each, in revision order.
import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as pause } from "node:timers/promises";
import {
  HistoryCompacted,
  type SessionAuthorityError,
  SessionAuthorityClient,
  type SessionEvent,
  SessionEventType,
} from "../src/index.js";
import { TestServer } from "./server.js";

// Pulls the next event, failing the test instead of hanging.
async function next(
  events: AsyncGenerator<SessionEvent>,
  what: string,
  ms = 15_000,
): Promise<SessionEvent> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} event within ${ms} ms`)), ms);
  });
  try {
    const r = await Promise.race([events.next(), timeout]);
    assert.equal(r.done, false, `the watch ended before ${what}`);
    return r.value as SessionEvent;
  } finally {
    clearTimeout(timer);
  }
}

test("a watch hears a revoke and resumes by revision after the server restarts", async () => {
  const server = await TestServer.start();
  const port = server.port;
  const client = new SessionAuthorityClient(server.target);
  const reconnects: SessionAuthorityError[] = [];
  const stop = new AbortController();
  let opened: () => void = () => {};
  const open = new Promise<void>((resolve) => {
    opened = resolve;
  });
  const events = client.watch({
    subjectId: "user-42",
    signal: stop.signal,
    maxBackoffMs: 500,
    onReconnect: (err) => reconnects.push(err),
    onProgress: () => opened(),
  });
  try {
    // The first pull opens the stream; a watch from "now" sees only what
    // commits after its first progress.
    const first = next(events, "CREATED");
    await open;
    const a = await client.createSession("user-42", { reference: "web" });
    const created = await first;
    assert.equal(created.type, SessionEventType.CREATED);
    assert.equal(created.session?.sessionId, a.session!.sessionId);

    const revoked = next(events, "REVOKED");
    await client.revokeSession(a.session!.sessionId);
    const r = await revoked;
    assert.equal(r.type, SessionEventType.REVOKED);
    assert.ok(r.revision > created.revision);

    // Cut the watcher off, and commit while it is away: through a second
    // process over the same database, on another port.
    const pending = next(events, "events after the restart", 30_000);
    await server.stop();
    await server.listen(0);
    const other = new SessionAuthorityClient(server.target);
    const b = await other.createSession("user-42");
    await other.revokeSession(b.session!.sessionId);
    other.close();
    await server.stop();
    // Back on the port the watcher knows.
    await server.listen(port);

    const e1 = await pending;
    const e2 = await next(events, "REVOKED of the second session");
    assert.deepEqual(
      [e1.type, e2.type],
      [SessionEventType.CREATED, SessionEventType.REVOKED],
    );
    assert.equal(e1.session?.sessionId, b.session!.sessionId);
    assert.equal(e2.session?.sessionId, b.session!.sessionId);
    assert.ok(e1.revision > r.revision, "an event was delivered twice");
    assert.ok(e2.revision > e1.revision);
    assert.ok(reconnects.length >= 1, "the watch did not notice the restart");
  } finally {
    stop.abort();
    await events.return(undefined);
    client.close();
    await server.close();
  }
});

test("history the server has compacted is HistoryCompacted with the revision to resume from", async () => {
  // Events live 1 s; the reaper compacts every 0.2 s.
  const server = await TestServer.start({
    SESSION_AUTHORITY_EVENT_RETENTION_SECONDS: "1",
    SESSION_AUTHORITY_COMPACT_INTERVAL_SECONDS: "0.2",
  });
  const client = new SessionAuthorityClient(server.target);
  try {
    await client.createSession("user-old");
    // Wait out the retention the server was given: ask for revision 1
    // until the answer is that it is gone (each round adds a newer event).
    let compacted: unknown;
    const deadline = Date.now() + 15_000;
    while (compacted === undefined && Date.now() < deadline) {
      await client.createSession("user-new");
      try {
        for await (const _ of client.watch({ startRevision: 1n })) {
          break;
        }
        await pause(200);
      } catch (err) {
        compacted = err;
      }
    }
    assert.ok(compacted instanceof HistoryCompacted, `got ${compacted}`);
    assert.equal(compacted.reason, "REVISION_COMPACTED");
    assert.ok(compacted.compactRevision > 1n);

    // Resuming from the revision it names works.
    const events = client.watch({ startRevision: compacted.compactRevision });
    const first = await next(events, "the oldest retained event");
    assert.ok(first.revision >= compacted.compactRevision);
    await events.return(undefined);
  } finally {
    client.close();
    await server.close();
  }
});
