// What the browser tests share: the real Python server (the one `make run`
// runs) in its own process over a new SQLite file, gRPC and HTTP on free
// loopback ports; API keys made with its own CLI; Chromium driven headless
// by playwright-core; a screenshot per test under test-output/.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";

// dist/test/harness.js -> the repository root, where `make` put the venv.
const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const BIN = process.env["SESSION_AUTHORITY_BIN"] ?? join(ROOT, ".venv", "bin", "session-authority");
export const OUTPUT = fileURLToPath(new URL("../../test-output/", import.meta.url));
// Debian's package; scripts/ensure_chromium.sh installs it when missing.
const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export class ConsoleServer {
  private proc: ChildProcess | undefined;
  private output = "";
  private grpcPort = 0;
  httpPort = 0;

  private constructor(
    readonly databaseUrl: string,
    private readonly dir: string,
  ) {}

  static async start(): Promise<ConsoleServer> {
    const dir = mkdtempSync(join(tmpdir(), "sa-console-"));
    const server = new ConsoleServer(`sqlite:///${join(dir, "sa.db")}`, dir);
    await server.listen();
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  /** Starts the process; again after `stop`, on the same ports and database. */
  async listen(): Promise<void> {
    this.grpcPort ||= await freePort();
    this.httpPort ||= await freePort();
    const args = ["serve", "--port", String(this.grpcPort), "--http-port", String(this.httpPort)];
    const proc = spawn(BIN, [...args, "--database-url", this.databaseUrl], {
      env: { ...process.env, SESSION_AUTHORITY_SHUTDOWN_GRACE_SECONDS: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.proc = proc;
    await new Promise<void>((resolve, reject) => {
      let seen = "";
      const look = (chunk: Buffer) => {
        seen += chunk.toString();
        this.output += chunk.toString();
        if (/HTTP \(Connect\) on /.test(seen)) resolve();
      };
      proc.stdout?.on("data", look);
      proc.stderr?.on("data", look);
      proc.on("error", reject);
      proc.on("exit", (code) =>
        reject(new Error(`the server exited with ${code}\n--- output ---\n${this.output}`)),
      );
    });
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    proc.kill("SIGTERM");
    await exited;
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** `session-authority api-keys create`: the key, its last line of output. */
  createApiKey(tenant: string, scopes: string[]): string {
    const args = ["api-keys", "--database-url", this.databaseUrl, "create", "--tenant", tenant];
    for (const s of scopes) args.push("--scope", s);
    const out = execFileSync(BIN, args, { stdio: ["ignore", "pipe", "pipe"] }).toString();
    return out.trim().split("\n").pop() ?? "";
  }

  /** A Connect JSON call, as any other backend makes one: another client than the page. */
  async call(key: string, service: string, method: string, body: object): Promise<any> {
    const reply = await fetch(`${this.url}/sessionauthority.v1.${service}/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify(body),
    });
    const json = await reply.json();
    if (!reply.ok) throw new Error(`${method}: ${reply.status} ${JSON.stringify(json)}`);
    return json;
  }
}

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true });
}

export async function openConsole(browser: Browser, server: ConsoleServer): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  // Generous: the machine may be busy; no assertion depends on how long anything takes.
  page.setDefaultTimeout(60_000);
  await page.goto(`${server.url}/console/`);
  return page;
}

export async function signIn(page: Page, key: string): Promise<void> {
  await page.getByRole("textbox", { name: /^API key/ }).fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
}

export async function search(page: Page, subject: string): Promise<void> {
  await page.getByLabel("Subject", { exact: true }).fill(subject);
  await page.getByRole("button", { name: "Search" }).click();
  await page.locator('#live-status[data-live="true"]').waitFor();
}

export async function confirm(page: Page): Promise<void> {
  await page.locator("#confirm").getByRole("button", { name: "Confirm" }).click();
}

export function row(page: Page, sessionId: string, state?: string) {
  const stateSel = state ? `[data-state="${state}"]` : "";
  return page.locator(`tr[data-session-id="${sessionId}"]${stateSel}`);
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(OUTPUT, { recursive: true });
  await page.screenshot({ path: join(OUTPUT, `${name}.png`), fullPage: true });
}
