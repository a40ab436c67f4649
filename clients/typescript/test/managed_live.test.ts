// ManagedSession against the live server with 3 s access tokens: it renews
// by itself, persists to a file that a new object (or the Python SDK) takes
// up again, ends with the server's reason and error code when the subject is
// terminated, and forgets itself on logout. Waits are on observer changes,
// each with a deadline; nothing sleeps.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import ts from "typescript";
import {
  type Change,
  EndReason,
  FileTokenStore,
  ManagedSession,
  type ManagedSessionOptions,
  SessionAuthorityClient,
  State,
  TerminationReason,
} from "../src/index.js";
import { TestServer } from "./server.js";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const BIN = process.env["SESSION_AUTHORITY_BIN"] ?? join(ROOT, ".venv", "bin", "session-authority");
const PYTHON = join(dirname(BIN), "python");
const PACKAGE = fileURLToPath(new URL("../../", import.meta.url));

/** Every change a session reports; wait() resolves with the first one from
 * index `from` on that matches, or fails at the deadline. */
function record(session: ManagedSession) {
  const seen: Change[] = [];
  const waiting = new Set<() => void>();
  session.addObserver((c) => {
    seen.push(c);
    for (const check of [...waiting]) check();
  });
  const wait = (match: (c: Change) => boolean, from = 0, ms = 10_000) =>
    new Promise<Change>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(check);
        reject(new Error(`no such change within ${ms} ms; saw ${JSON.stringify(seen)}`));
      }, ms);
      const check = () => {
        const hit = seen.slice(from).find(match);
        if (hit) {
          clearTimeout(timer);
          waiting.delete(check);
          resolve(hit);
        }
      };
      waiting.add(check);
      check();
    });
  return { seen, wait };
}

describe("ManagedSession against the server", () => {
  let server: TestServer;
  let client: SessionAuthorityClient;
  let dir: string;

  before(async () => {
    server = await TestServer.start({ SESSION_AUTHORITY_ACCESS_TOKEN_TTL_SECONDS: "3" });
    client = new SessionAuthorityClient(server.target);
  });
  after(async () => {
    client.close();
    await server.close();
  });
  test.beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "sa-managed-"));
  });
  test.afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const managed = (subject: string, path: string, o: ManagedSessionOptions = {}) =>
    new ManagedSession(client, subject, { reference: "web", store: new FileTokenStore(path), ...o });

  test("renews, persists, is restored by a new object, and ends when the subject is terminated", async () => {
    const path = join(dir, "session.json");
    const first = managed("m-1", path, { leadTimeMs: 2_000 });
    const firstSeen = record(first);
    await first.login();
    assert.equal(first.state, State.ESTABLISHED);
    assert.ok(first.isPersisted());
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const issued = first.accessToken;

    await firstSeen.wait((c) => c.reason === "RENEWED"); // due 2 s before a 3 s token expires
    assert.notEqual(first.accessToken, issued);
    assert.equal((await client.validateSession(first.accessToken)).valid, true);
    assert.equal(JSON.parse(readFileSync(path, "utf8")).access_token, first.accessToken);
    first.close();
    await first.waitIdle(); // a renewal under way has stored its new refresh token
    assert.deepEqual(readdirSync(dir), ["session.json"], "no temporary file left behind");

    // A restart: a new object over the same file takes the session up and
    // goes on renewing it with the stored refresh token.
    const again = managed("m-1", path, { leadTimeMs: 2_000 });
    const seen = record(again);
    assert.equal(await again.restore(), true);
    assert.equal(again.sessionId, first.sessionId);
    assert.equal(seen.seen[0]?.reason, "RESTORED");
    await seen.wait((c) => c.reason === "RENEWED");
    assert.equal((await client.validateSession(again.accessToken)).valid, true);

    const mark = seen.seen.length;
    await client.terminateSubject("m-1", TerminationReason.BANNED, "TOS-3");
    const ended = await seen.wait((c) => c.state === State.TERMINATED, mark);
    assert.deepEqual(ended, {
      state: State.TERMINATED,
      previous: State.ESTABLISHED,
      reason: "SESSION_TERMINATED",
      errorCode: "TOS-3",
    });
    assert.equal(again.state, State.TERMINATED);
    assert.equal(again.isPersisted(), false);
    assert.equal(existsSync(path), false);
  });

  test("a stored session is dropped for another subject or reference, or when past its end", async () => {
    const path = join(dir, "session.json");
    const first = managed("m-2", path);
    await first.login();
    first.close();
    const stored = readFileSync(path, "utf8");
    const cases: [string, string, string][] = [
      ["m-3", "web", "OTHER_SUBJECT"],
      ["m-2", "app", "OTHER_REFERENCE"],
    ];
    for (const [who, reference, why] of cases) {
      const other = managed(who, path, { reference });
      assert.equal(await other.restore(), false);
      assert.equal(other.change.reason, `STORED_SESSION_${why}`);
      assert.equal(existsSync(path), false, "dropped");
      writeFileSync(path, stored);
    }
    writeFileSync(path, JSON.stringify({ ...JSON.parse(stored), session_expire: 1 }));
    const stale = managed("m-2", path);
    assert.equal(await stale.restore(), false);
    assert.equal(stale.change.reason, "STORED_SESSION_EXPIRED");

    writeFileSync(path, stored.slice(0, 20)); // torn: as good as none
    assert.equal(new FileTokenStore(path).load(), undefined);
    assert.equal(await managed("m-2", path).restore(), false);
  });

  test("unpersist leaves nothing stored; logout revokes and forgets", async () => {
    const path = join(dir, "session.json");
    const session = managed("m-5", path);
    await session.login();
    assert.ok(session.isPersisted());
    session.unpersist();
    assert.equal(session.isPersisted(), false);
    assert.deepEqual(readdirSync(dir), []);
    assert.equal(session.state, State.ESTABLISHED, "the session itself goes on");

    const sid = session.sessionId;
    await session.logout();
    assert.deepEqual([session.state, session.change.reason], [State.NOT_LOGGED_IN, "LOGGED_OUT"]);
    assert.equal(session.accessToken, "");
    assert.deepEqual(readdirSync(dir), []);
    assert.equal((await client.getSession(sid)).session?.endReason, EndReason.LOGOUT);
  });

  test("the Python SDK and this one take up each other's stored session", async () => {
    const path = join(dir, "shared.json");
    const python = async (code: string) => {
      const prelude = [
        "import sys",
        "from sessionauthority import ManagedSession, SessionAuthorityClient",
        "from sessionauthority.tokenstore import FileTokenStore",
        `s = ManagedSession(SessionAuthorityClient(${JSON.stringify(server.target)}), "m-6",`,
        `    reference="web", persist=True, store=FileTokenStore(${JSON.stringify(path)}), lead_time=1)`,
      ];
      const { stdout } = await promisify(execFile)(PYTHON, ["-c", [...prelude, code].join("\n")], {
        timeout: 30_000,
      });
      return stdout.trim();
    };
    const sid = await python("s.login(); s.close(); s.wait_idle(5); print(s.session_id)");

    const session = managed("m-6", path, { leadTimeMs: 1_000 });
    assert.equal(await session.restore(), true);
    assert.equal(session.sessionId, sid);
    const seen = record(session);
    await session.renewNow(); // spends the refresh token Python stored
    assert.equal(seen.seen.at(-1)?.reason, "RENEWED");
    session.close();
    await session.waitIdle();

    const out = await python("print(s.restore(), s.session_id); s.renew_now(); print(s.change.reason); s.close()");
    assert.deepEqual(out.split("\n"), [`True ${sid}`, "RENEWED"]);
  });

  test("the README's ManagedSession example runs as written", async () => {
    // Inside the package, so that it imports the package by name.
    const out = `${PACKAGE}dist/readme-managed/${process.pid}`;
    let stdout: string;
    try {
      ({ stdout } = await promisify(execFile)(process.execPath, [compile(readmeExample(), out)], {
        env: { ...process.env, SESSION_AUTHORITY_TARGET: server.target },
        timeout: 30_000,
      }));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
    const lines = stdout.trim().split("\n").map((l) => l.trim());
    assert.deepEqual(lines.slice(0, 3), ["state ESTABLISHING", "state ESTABLISHED", "persisted true"], stdout);
    assert.ok(lines.includes("restored true true"), stdout);
    assert.equal(lines.at(-1), "after logout NOT_LOGGED_IN LOGGED_OUT persisted false", stdout);
  });
});

// The README's ManagedSession example is fenced `typescript`, apart from the
// client's `ts` one that readme.test.ts runs.
function readmeExample(): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const blocks = [...readme.matchAll(/^```typescript\n([\s\S]*?)^```/gm)]
    .map((m) => m[1] ?? "")
    .filter((b) => b.includes("ManagedSession"));
  assert.equal(blocks.length, 1, "expected one ManagedSession example in the README");
  return blocks[0]!;
}

/** Type-checks with the package's own settings; emits into `out`. */
function compile(source: string, out: string): string {
  mkdirSync(out, { recursive: true });
  writeFileSync(`${out}/example.ts`, source);
  const config = ts.getParsedCommandLineOfConfigFile(`${PACKAGE}tsconfig.json`, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(String(d.messageText)),
  });
  assert.ok(config);
  const program = ts.createProgram([`${out}/example.ts`], { ...config.options, outDir: out, rootDir: out });
  const emitted = program.emit();
  const problems = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics].map((d) =>
    ts.flattenDiagnosticMessageText(d.messageText, "\n"),
  );
  assert.deepEqual(problems, [], "the README's ManagedSession example does not type-check");
  return `${out}/example.js`;
}
