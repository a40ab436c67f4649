// Starts the real Python server (the one `make run` runs) in its own process
// on a free port over a SQLite file, for the Node tests. Nothing is mocked.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// dist/test/server.js -> the repository root, where `make` put the venv.
const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const BIN = process.env["SESSION_AUTHORITY_BIN"] ?? join(ROOT, ".venv", "bin", "session-authority");

export class TestServer {
  target = "";
  private proc: ChildProcess | undefined;
  private output = "";

  private constructor(
    readonly databaseUrl: string,
    private readonly dir: string,
    private readonly env: Record<string, string>,
  ) {}

  /** A new SQLite file, no process yet; `env` adds SESSION_AUTHORITY_* settings. */
  static create(env: Record<string, string> = {}): TestServer {
    const dir = mkdtempSync(join(tmpdir(), "sa-node-"));
    return new TestServer(`sqlite:///${join(dir, "sa.db")}`, dir, env);
  }

  /** A server on a free port over a new SQLite file. */
  static async start(env: Record<string, string> = {}): Promise<TestServer> {
    const server = TestServer.create(env);
    await server.listen(0);
    return server;
  }

  get port(): number {
    return Number(this.target.split(":").pop());
  }

  /** Starts another process on `port` over the same database. */
  async listen(port: number): Promise<void> {
    const proc = spawn(
      BIN,
      ["serve", "--port", String(port), "--database-url", this.databaseUrl],
      {
        env: { ...process.env, SESSION_AUTHORITY_SHUTDOWN_GRACE_SECONDS: "1", ...this.env },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    this.proc = proc;
    proc.stderr?.on("data", (chunk: Buffer) => {
      this.output += chunk.toString();
    });
    this.target = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error("no 'serving on' line within 30 s")), 30_000);
      const fail = (err: Error) => {
        clearTimeout(timer);
        proc.kill("SIGKILL");
        reject(new Error(`${err.message}\n--- server output ---\n${this.output}`));
      };
      let seen = "";
      proc.stdout?.on("data", (chunk: Buffer) => {
        seen += chunk.toString();
        const m = /serving on (\S+)/.exec(seen);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      proc.on("error", fail);
      proc.on("exit", (code) => fail(new Error(`the server exited with ${code}`)));
    });
  }

  /** SIGTERM, as an operator would; resolves when the process has exited. */
  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc || proc.exitCode !== null) {
      return;
    }
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    proc.kill("SIGTERM");
    await exited;
  }

  /** `session-authority api-keys create`; returns the key (its last line). */
  createApiKey(tenant: string, scopes: string[]): string {
    const args = ["api-keys", "--database-url", this.databaseUrl, "create", "--tenant", tenant];
    for (const s of scopes) {
      args.push("--scope", s);
    }
    const out = execFileSync(BIN, args, {
      env: { ...process.env, ...this.env },
      stdio: ["ignore", "pipe", "pipe"],
    }).toString();
    return out.trim().split("\n").pop() ?? "";
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
