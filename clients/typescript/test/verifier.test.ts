// LocalVerifier against the real server: offline answers with no call per
// token, a revoke heard within a second, forgeries refused, fail closed when
// the server goes quiet, and a new snapshot whenever the stream cannot go
// on (compacted history, a database restored from a backup).
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { createHmac, generateKeyPairSync, sign } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { after, before, describe, test } from "node:test";
import { Code } from "@connectrpc/connect";
import ts from "typescript";
import {
  type CreateSessionResponse,
  HistoryCompacted,
  LocalVerifier,
  type LocalVerifierOptions,
  SessionAuthorityClient,
  SessionAuthorityError,
  SessionEventType,
  TerminationReason,
} from "../src/index.js";
import { TestServer } from "./server.js";

const LIVE = { SESSION_AUTHORITY_WATCH_PROGRESS_INTERVAL_SECONDS: "0.2" };
const BIN = process.env["SESSION_AUTHORITY_BIN"] ??
  fileURLToPath(new URL("../../../../.venv/bin/session-authority", import.meta.url));
const b64 = (raw: Buffer | string): string => Buffer.from(raw).toString("base64url");
const kidOf = (token: string): unknown =>
  JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString()).kid;

/** Milliseconds until `check()` holds, polled; fails past `ms`. */
async function until(check: () => boolean, ms: number, what: string): Promise<number> {
  const started = performance.now();
  while (!check()) {
    assert.ok(performance.now() - started < ms, `${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return performance.now() - started;
}

async function withVerifier<T>(
  target: string,
  options: LocalVerifierOptions,
  body: (v: LocalVerifier) => Promise<T>,
): Promise<T> {
  const v = new LocalVerifier(target, options);
  try {
    assert.ok(await v.waitReady(15_000), `not ready: ${v.error}`);
    return await body(v);
  } finally {
    await v.close();
  }
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Finished RPCs other than watch streams, and open streams by event types. */
async function scrape(port: number): Promise<{ calls: number; streams: Record<string, number> }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let calls = 0;
  const streams: Record<string, number> = {};
  for (const [, name, labels, value] of text.matchAll(/^(\w+)\{(.*)\} (\S+)$/gm)) {
    if (name === "sessionauthority_rpc_total" && !labels?.includes("WatchSessions")) {
      calls += Number(value);
    }
    const types = /types="([^"]*)"/.exec(labels ?? "")?.[1];
    if (name === "sessionauthority_watch_streams_by_types" && types && Number(value)) {
      streams[types] = Number(value);
    }
  }
  return { calls, streams };
}

/** Resolves once a watch from `from` is refused as compacted; each round
 * commits one more event so that there is always history to ask for. */
async function compactedPast(client: SessionAuthorityClient, from: bigint): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (let round = 0; Date.now() < deadline; round++) {
    await client.createSession(`filler-${round}`);
    try {
      for await (const _ of client.watch({ startRevision: from })) {
        break;
      }
    } catch (err) {
      if (err instanceof HistoryCompacted) {
        return;
      }
      throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, 100)); // the next poll
  }
  assert.fail(`history from ${from} was not compacted within 20 s`);
}

describe("LocalVerifier on one server", () => {
  let server: TestServer;
  let client: SessionAuthorityClient;
  let metrics: number;

  before(async () => {
    metrics = await freePort();
    server = await TestServer.start({ ...LIVE, SESSION_AUTHORITY_METRICS_PORT: String(metrics) });
    client = new SessionAuthorityClient(server.target);
  });
  after(async () => {
    client.close();
    await server.close();
  });

  test("a fresh token verifies offline: no call per verify, a cached signature", async () => {
    await withVerifier(server.target, {}, async (v) => {
      const r = await client.createSession("v-fresh");
      const token = r.tokens!.accessToken;
      const before = await scrape(metrics);
      const first = v.verify(token);
      const expected = { sessionId: r.session!.sessionId, subjectId: "v-fresh", expiresAt: first.expiresAt };
      assert.deepEqual(first, { valid: true, reason: "", ...expected });
      assert.ok(first.expiresAt > Date.now() / 1000);
      // 100,000 Ed25519 checks take seconds; from the cache, milliseconds.
      const started = performance.now();
      let valid = 0;
      for (let i = 0; i < 100_000; i++) {
        valid += v.verify(token).valid ? 1 : 0;
      }
      const took = performance.now() - started;
      const later = await scrape(metrics);
      assert.equal(valid, 100_000);
      assert.ok(took < 2000, `${took} ms for 100,000 verifies`);
      assert.equal(later.calls, before.calls, "RPCs while verifying");
      assert.deepEqual(later.streams, { "EXPIRED,REVOKED,TERMINATED": 1 });
    });
  });

  test("a revoke is refused within a second; one from before the start, at once", async () => {
    const early = await client.createSession("v-early");
    await client.revokeSession(early.session!.sessionId);
    await withVerifier(server.target, {}, async (v) => {
      assert.equal(v.snapshots, 1);
      assert.equal(v.verify(early.tokens!.accessToken).reason, "SESSION_REVOKED");
      const live = await client.createSession("v-live");
      const token = live.tokens!.accessToken;
      assert.ok(v.verify(token).valid);
      await client.revokeSession(live.session!.sessionId);
      await until(() => v.verify(token).reason === "SESSION_REVOKED", 1000, "revoke");
      assert.equal(v.verify(token).sessionId, live.session!.sessionId);
    });
  });

  test("a terminated subject's tokens are SESSION_TERMINATED, live and from the snapshot", async () => {
    const r = await client.createSession("v-banned");
    const token = r.tokens!.accessToken;
    await withVerifier(server.target, {}, async (v) => {
      assert.ok(v.verify(token).valid);
      await client.terminateSubject("v-banned", TerminationReason.BANNED, "fraud-1");
      await until(() => v.verify(token).reason === "SESSION_TERMINATED", 1000, "terminate");
    });
    await withVerifier(server.target, {}, async (v) => {
      assert.equal(v.verify(token).reason, "SESSION_TERMINATED");
    });
  });

  test("forgeries are refused: signature, algorithm, key id, garbage", async () => {
    const token = (await client.createSession("v-forge")).tokens!.accessToken;
    const { jwksJson } = await client.sessions.getJwks({});
    const { kid, x } = (JSON.parse(jwksJson) as { keys: { kid: string; x: string }[] }).keys[0]!;
    const [head, body, sig] = token.split(".") as [string, string, string];
    const raw = Buffer.from(sig, "base64url");
    const flipped = Buffer.from(raw);
    flipped[10] = flipped[10]! ^ 1;
    const claims = JSON.parse(Buffer.from(body, "base64url").toString()) as object;
    const other = b64(JSON.stringify({ ...claims, sub: "v-x" }));
    const { privateKey } = generateKeyPairSync("ed25519");
    const mine = sign(null, Buffer.from(`${head}.${other}`), privateKey);
    // Each character's low byte is the original's: the same bytes to a
    // careless check, other claims once decoded.
    const wide = [...body].map((c) => String.fromCharCode(0x100 + c.charCodeAt(0))).join("");
    const none = `${b64(JSON.stringify({ alg: "none", kid }))}.${body}.`;
    const hsHead = b64(JSON.stringify({ alg: "HS256", kid, typ: "JWT" }));
    const mac = createHmac("sha256", x).update(`${hsHead}.${body}`).digest("base64url");
    const hs256 = `${hsHead}.${body}.${mac}`;
    await withVerifier(server.target, {}, async (v) => {
      const cases: [string, string][] = [
        [`${head}.${body}.${b64(flipped)}`, "BAD_SIGNATURE"],
        [`${head}.${other}.${sig}`, "BAD_SIGNATURE"], // the real signature, another body
        [`${head}.${other}.${b64(mine)}`, "BAD_SIGNATURE"], // another key under the real kid
        [`${head}.${body}.${b64(raw.subarray(0, 60))}`, "BAD_SIGNATURE"],
        [`${head}.${body}.${b64(Buffer.concat([raw, Buffer.from("x")]))}`, "BAD_SIGNATURE"],
        [`${head}.${wide}.${sig}`, "BAD_SIGNATURE"],
        [`${b64('{"alg":"EdDSA","kid":"k_unknown"}')}.${body}.${sig}`, "BAD_SIGNATURE"],
        [none, "MALFORMED"],
        [hs256, "MALFORMED"],
        [`${head}.${body}`, "MALFORMED"],
        ["not a token", "MALFORMED"],
        [`${b64("[1]")}.${body}.${sig}`, "MALFORMED"],
      ];
      const nothing = { sessionId: "", subjectId: "", expiresAt: 0 };
      for (const [bad, reason] of cases) {
        assert.deepEqual(v.verify(bad), { valid: false, reason, ...nothing }, bad);
      }
      assert.ok(v.verify(token).valid);
    });
  });

  test("watch eventTypes: only those types arrive, and progress still flows", async () => {
    let opened: () => void = () => {};
    const open = new Promise<void>((resolve) => (opened = resolve));
    const eventTypes = [SessionEventType.REVOKED];
    const events = client.watch({ subjectId: "w-types", eventTypes, onProgress: () => opened() });
    try {
      const first = events.next(); // opens the stream; its first progress resolves `open`
      await open;
      const r = await client.createSession("w-types");
      await client.renewSession(r.tokens!.refreshToken);
      await client.revokeSession(r.session!.sessionId);
      const e = await first; // not CREATED, not RENEWED
      assert.equal(e.value?.type, SessionEventType.REVOKED);
      assert.equal(e.value?.session?.sessionId, r.session!.sessionId);
    } finally {
      await events.return(undefined);
    }
  });
});

test("fails closed when silent; after a restart, answers once the replay is in; learns a new key", async () => {
  const server = await TestServer.start(LIVE);
  const port = server.port;
  let client = new SessionAuthorityClient(server.target);
  // Revoked while the verifier is away, the test's token last: replayed
  // after the restart as a long history, not a single message.
  const made: CreateSessionResponse[] = [];
  for (let i = 0; i < 1000; i += 100) {
    const batch = Array.from({ length: 100 }, (_, j) => client.createSession(`v-away-${i + j}`));
    made.push(...(await Promise.all(batch)));
  }
  const token = made[made.length - 1]!.tokens!.accessToken;
  const kept = (await client.createSession("v-kept")).tokens!.accessToken;
  try {
    await withVerifier(server.target, { failClosedAfterMs: 1500 }, async (v) => {
      assert.ok(v.verify(token).valid);
      await server.stop();
      const took = await until(() => v.verify(token).reason === "UNKNOWN", 5000, "UNKNOWN");
      assert.ok(took < 3500, `${took} ms`);
      // Meanwhile, through another process on another port.
      await server.listen(0);
      client.close();
      client = new SessionAuthorityClient(server.target);
      for (let i = 0; i < made.length; i += 100) {
        const batch = made.slice(i, i + 100);
        await Promise.all(batch.map((r) => client.revokeSession(r.session!.sessionId)));
      }
      await server.stop();
      execFileSync(BIN, ["keys", "--database-url", server.databaseUrl, "rotate"], { stdio: "ignore" });
      await server.listen(port);
      // Until the stream has reached the head probed at the resume, the
      // answer is UNKNOWN, never the stale "valid".
      const seen = new Set<string>();
      await until(() => seen.add(v.verify(token).reason).has("SESSION_REVOKED"), 15_000, "the revoke");
      assert.deepEqual([...seen].sort(), ["SESSION_REVOKED", "UNKNOWN"]);
      assert.ok(v.healthy);
      assert.equal(v.error, undefined);
      // Signed with the new key: refused until the JWKS fetched on first sight is in.
      client.close();
      client = new SessionAuthorityClient(server.target);
      const rotated = (await client.createSession("v-rotated")).tokens!.accessToken;
      assert.notEqual(kidOf(rotated), kidOf(kept));
      assert.equal(v.verify(rotated).reason, "BAD_SIGNATURE");
      await until(() => v.verify(rotated).valid, 2000, "the new key");
      assert.ok(v.verify(kept).valid, "the retired key's tokens live on");
    });
  } finally {
    client.close();
    await server.close();
  }
});

test("another tenant's token: SESSION_NOT_FOUND; expired: TOKEN_EXPIRED; a bad key: fatal", async () => {
  // Tokens live 2 s here.
  const server = TestServer.create({ ...LIVE, SESSION_AUTHORITY_ACCESS_TOKEN_TTL_SECONDS: "2" });
  const a = server.createApiKey("tenant-a", ["*"]);
  const b = server.createApiKey("tenant-b", ["*"]);
  await server.listen(0);
  const ca = new SessionAuthorityClient(server.target, { apiKey: a });
  const cb = new SessionAuthorityClient(server.target, { apiKey: b });
  try {
    await withVerifier(server.target, { apiKey: a }, async (v) => {
      assert.equal(v.tenant, "tenant-a");
      const mine = (await ca.createSession("alice")).tokens!.accessToken;
      const theirs = (await cb.createSession("alice")).tokens!.accessToken;
      const first = v.verify(mine);
      assert.ok(first.valid);
      assert.equal(v.verify(theirs).reason, "SESSION_NOT_FOUND");
      // Checked on every verify, also once the signature is cached.
      await until(() => v.verify(mine).reason === "TOKEN_EXPIRED", 4000, "expiry");
      assert.deepEqual(v.verify(mine), { ...first, valid: false, reason: "TOKEN_EXPIRED" });
    });
    const refused = new LocalVerifier(server.target, { apiKey: "sak_not_a_key" });
    try {
      assert.equal(await refused.waitReady(10_000), false);
      assert.ok(refused.error instanceof SessionAuthorityError, String(refused.error));
      assert.equal(refused.error.code, Code.Unauthenticated);
      assert.equal(refused.verify("a.b.c").reason, "UNKNOWN");
    } finally {
      await refused.close();
    }
  } finally {
    ca.close();
    cb.close();
    await server.close();
  }
});

test("a cold start after compaction reads the snapshot; a resume into it takes a new one", async () => {
  // Events live 1 s; the reaper compacts every 0.2 s.
  const server = await TestServer.start({
    ...LIVE,
    SESSION_AUTHORITY_EVENT_RETENTION_SECONDS: "1",
    SESSION_AUTHORITY_COMPACT_INTERVAL_SECONDS: "0.2",
  });
  const port = server.port;
  let client = new SessionAuthorityClient(server.target);
  try {
    const gone = await client.createSession("v-gone");
    await client.revokeSession(gone.session!.sessionId);
    await compactedPast(client, 1n);
    await withVerifier(server.target, {}, async (v) => {
      assert.equal(v.snapshots, 1);
      assert.equal(v.verify(gone.tokens!.accessToken).reason, "SESSION_REVOKED");
      // Away: a revoke elsewhere, then its history compacted.
      await server.stop();
      await server.listen(0);
      client.close();
      client = new SessionAuthorityClient(server.target);
      const away = await client.createSession("v-away");
      await client.revokeSession(away.session!.sessionId);
      await compactedPast(client, BigInt(v.revision) + 1n);
      await server.stop();
      await server.listen(port);
      await until(() => v.snapshots === 2 && v.healthy, 20_000, "a new snapshot");
      assert.equal(v.verify(away.tokens!.accessToken).reason, "SESSION_REVOKED");
      assert.equal(v.error, undefined);
    });
  } finally {
    client.close();
    await server.close();
  }
});

test("a server restored from a backup (its revisions went back) gets a new snapshot", async () => {
  const server = await TestServer.start(LIVE);
  const port = server.port;
  // The server's folder holds its SQLite database and nothing else.
  const data = dirname(server.databaseUrl.slice("sqlite:///".length));
  const backup = join(mkdtempSync(join(tmpdir(), "sa-backup-")), "copy");
  const client = new SessionAuthorityClient(server.target); // reconnects after each restart
  try {
    const kept = await client.createSession("v-kept");
    await server.stop();
    cpSync(data, backup, { recursive: true });
    await server.listen(port);
    await withVerifier(server.target, { failClosedAfterMs: 30_000 }, async (v) => {
      const restored = v.revision;
      for (let i = 0; i < 5; i++) {
        await client.createSession(`v-lost-${i}`);
      }
      await until(() => v.revision >= restored + 5, 5000, "the lost writes");
      const seen = v.revision;
      await server.stop();
      rmSync(data, { recursive: true });
      cpSync(backup, data, { recursive: true });
      await server.listen(port);
      await until(() => v.snapshots === 2 && v.healthy, 20_000, "a new snapshot");
      assert.ok(v.revision < seen, `${v.revision} >= ${seen}`);
      // Lands at a revision the verifier had passed: a resume from its old
      // revision would never hear of it.
      const revoked = await client.revokeSession(kept.session!.sessionId);
      assert.ok(revoked.session!.revision <= BigInt(seen));
      await until(() => v.verify(kept.tokens!.accessToken).reason === "SESSION_REVOKED", 2000, "revoke");
    });
  } finally {
    client.close();
    rmSync(dirname(backup), { recursive: true, force: true });
    await server.close();
  }
});

// The README's LocalVerifier example, type-checked with the package's own
// settings and run as written in a process of its own: that process ending
// by itself after close() shows that nothing was left running.
test("the README's LocalVerifier example runs as written, and its process exits after close()", async () => {
  const pkg = fileURLToPath(new URL("../../", import.meta.url));
  const readme = readFileSync(new URL("../../../../README.md", import.meta.url), "utf8");
  const blocks = [...readme.matchAll(/^```typescript\n([\s\S]*?)^```/gm)]
    .map((m) => m[1] ?? "")
    .filter((b) => b.includes("new LocalVerifier("));
  assert.equal(blocks.length, 1, "expected one LocalVerifier example in the README");
  const dir = `${pkg}dist/readme-verifier`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/example.ts`, blocks[0]!);
  const fail = (d: ts.Diagnostic) => assert.fail(String(d.messageText));
  const host = { ...ts.sys, onUnRecoverableConfigFileDiagnostic: fail };
  const config = ts.getParsedCommandLineOfConfigFile(`${pkg}tsconfig.json`, {}, host);
  assert.ok(config);
  const options = { ...config.options, outDir: dir, rootDir: dir };
  const program = ts.createProgram([`${dir}/example.ts`], options);
  const emitted = program.emit();
  const problems = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics].map((d) =>
    ts.flattenDiagnosticMessageText(d.messageText, "\n"),
  );
  assert.deepEqual(problems, [], "the README example does not type-check");
  const server = await TestServer.start(LIVE);
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [`${dir}/example.js`], {
      env: { ...process.env, SESSION_AUTHORITY_TARGET: server.target },
      timeout: 30_000,
    });
    const expected = ["ready true", "valid true user-42", "after logout SESSION_REVOKED"];
    assert.deepEqual(stdout.trim().split("\n"), expected);
  } finally {
    await server.close();
  }
});
