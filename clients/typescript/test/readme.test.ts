// The README's TypeScript example, type-checked with the package's own
// compiler settings and run as written (it reads SESSION_AUTHORITY_TARGET)
// against a live server. It imports the package by name, which resolves to
// this package's build from inside its folder.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { test } from "node:test";
import ts from "typescript";
import { TestServer } from "./server.js";

const PACKAGE = fileURLToPath(new URL("../../", import.meta.url));
const README = readFileSync(new URL("../../../../README.md", import.meta.url), "utf8");

function example(): string {
  const blocks = [...README.matchAll(/^```ts\n([\s\S]*?)^```/gm)]
    .map((m) => m[1] ?? "")
    .filter((b) => b.includes('from "@session-authority/client"'));
  assert.equal(blocks.length, 1, "expected one TypeScript example in the README");
  return blocks[0]!;
}

function compile(source: string): string {
  const dir = `${PACKAGE}dist/readme`;
  mkdirSync(dir, { recursive: true });
  const file = `${dir}/example.ts`;
  writeFileSync(file, source);
  const config = ts.getParsedCommandLineOfConfigFile(`${PACKAGE}tsconfig.json`, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(String(d.messageText)),
  });
  assert.ok(config);
  const program = ts.createProgram([file], { ...config.options, outDir: dir, rootDir: dir });
  const emitted = program.emit();
  const problems = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics].map((d) =>
    ts.flattenDiagnosticMessageText(d.messageText, "\n"),
  );
  assert.deepEqual(problems, [], "the README example does not type-check");
  return `${dir}/example.js`;
}

test("the README's TypeScript example runs as written", async () => {
  const script = compile(example());
  const server = await TestServer.start();
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [script], {
      env: { ...process.env, SESSION_AUTHORITY_TARGET: server.target },
      timeout: 30_000,
    });
    const lines = stdout.trim().split("\n");
    assert.ok(lines.includes("valid true"), stdout);
    assert.ok(lines.includes("renew after logout: Unauthenticated SESSION_REVOKED"), stdout);
    const events = lines.filter((l) => l.startsWith("event ")).map((l) => l.split(" ")[1]);
    assert.deepEqual(events, ["CREATED", "RENEWED", "REVOKED"], stdout);
  } finally {
    await server.close();
  }
});
