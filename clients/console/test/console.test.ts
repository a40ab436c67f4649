// The operator console in a real browser (Debian's Chromium, headless)
// against a real server: every check waits on the DOM (Playwright's
// auto-waiting locators), never on a clock.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import {
  ConsoleServer,
  confirm,
  launch,
  openConsole,
  row,
  search,
  shot,
  signIn,
} from "./harness.js";

let server: ConsoleServer;
let browser: Browser;
let admin = ""; // scope *
let operator = ""; // scope console only
let reader = ""; // sessions.read: works elsewhere, not in the console

before(async () => {
  server = await ConsoleServer.start();
  admin = server.createApiKey("acme", ["*"]);
  operator = server.createApiKey("acme", ["console"]);
  reader = server.createApiKey("acme", ["sessions.read"]);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function sessionFor(subjectId: string, device: string): Promise<string> {
  const reply = await server.call(admin, "SessionService", "CreateSession", {
    subjectId,
    reference: `ref-${subjectId}`,
    client: { userAgent: "Mozilla/5.0 (test)", ipAddress: "203.0.113.7", deviceName: device },
  });
  return reply.session.sessionId as string;
}

async function signedIn(key = operator): Promise<Page> {
  const page = await openConsole(browser, server);
  await signIn(page, key);
  await page.getByRole("heading", { name: "Sessions" }).waitFor();
  return page;
}

test("sign in: a bad key and a key without the console scope are refused, a console key is not", async () => {
  const page = await openConsole(browser, server);
  await signIn(page, "sak_not-a-real-key");
  await page.getByRole("alert").filter({ hasText: "not valid" }).waitFor();
  await signIn(page, reader);
  await page.getByRole("alert").filter({ hasText: "lacks the console scope" }).waitFor();
  await shot(page, "sign-in-refused");
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);

  await signIn(page, operator);
  await page.getByRole("heading", { name: "Sessions" }).waitFor();
  // Kept for this tab's calls, never in a cookie, never shown again.
  assert.equal(await page.evaluate(() => Object.values(sessionStorage).join()), operator);
  assert.deepEqual(await page.context().cookies(), []);
  assert.equal(await page.locator("#api-key").inputValue(), "");
  assert.ok(!(await page.content()).includes(operator));
  await shot(page, "signed-in");
  await page.close();
});

test("search a subject: its sessions with their clients", async () => {
  const one = await sessionFor("alice", "Alice's laptop");
  const two = await sessionFor("alice", "Alice's phone");
  await sessionFor("bob", "Bob's phone");
  const page = await signedIn();
  await search(page, "alice");
  await row(page, one, "ACTIVE").getByText("Alice's laptop").waitFor();
  await row(page, two, "ACTIVE").getByText("203.0.113.7").waitFor();
  assert.equal(await page.locator("#sessions-body tr").count(), 2);
  await page.locator("#subject-state").filter({ hasText: "active, 2 live session(s)" }).waitFor();
  await shot(page, "search");
  await page.close();
});

test("revoke a session from the console: its row ends, with the server's answer", async () => {
  const keep = await sessionFor("carol", "keep");
  const drop = await sessionFor("carol", "drop");
  const other = await sessionFor("carol", "other");
  const page = await signedIn();
  await search(page, "carol");
  await row(page, drop).getByRole("button", { name: `Revoke session ${drop}` }).click();
  await page.locator("#confirm-text").filter({ hasText: `Revoke session ${drop}?` }).waitFor();
  await confirm(page);
  await row(page, drop, "REVOKED").getByText("admin").waitFor();
  await page.locator("#answer").filter({ hasText: `Session ${drop} is revoked.` }).waitFor();

  await row(page, keep).getByRole("button", { name: `Revoke others: every session of carol but ${keep}` }).click();
  await confirm(page);
  await page.locator("#answer").filter({ hasText: "Revoked 1 session(s) of carol; kept" }).waitFor();
  await row(page, other, "REVOKED").waitFor();
  await row(page, keep, "ACTIVE").waitFor();
  await shot(page, "revoked-from-console");
  await page.close();
});

test("another client revokes and renews: the open page changes without a reload", async () => {
  const created = await server.call(admin, "SessionService", "CreateSession", {
    subjectId: "dave",
    client: { deviceName: "Dave's tablet" },
  });
  const renewed: string = created.session.sessionId;
  const revoked = await sessionFor("dave", "Dave's phone");
  const page = await signedIn();
  await search(page, "dave");
  await row(page, revoked, "ACTIVE").waitFor();

  await server.call(admin, "SessionService", "RevokeSession", { sessionId: revoked });
  await row(page, revoked, "REVOKED").waitFor();
  await page.locator('#event-feed li[data-type="REVOKED"]').filter({ hasText: revoked }).waitFor();
  await server.call(admin, "SessionService", "RenewSession", {
    refreshToken: created.tokens.refreshToken,
  });
  await page.locator('#event-feed li[data-type="RENEWED"]').filter({ hasText: renewed }).waitFor();
  // A session made now appears in the table too.
  const fresh = await sessionFor("dave", "Dave's new phone");
  await row(page, fresh, "ACTIVE").waitFor();
  await shot(page, "live-update");
  await page.close();
});

test("the live stream resumes by revision after the server restarts", async () => {
  const id = await sessionFor("erin", "Erin's laptop");
  const page = await signedIn();
  await search(page, "erin");
  await row(page, id, "ACTIVE").waitFor();
  await server.stop();
  await page.locator('#live-status[data-live="false"]').waitFor();
  await server.listen();
  // Revoked as soon as the server is back, maybe before the page reconnects:
  // the resumed stream replays it from the revision after the last one seen.
  await server.call(admin, "SessionService", "RevokeSession", { sessionId: id });
  await row(page, id, "REVOKED").waitFor();
  await page.locator('#live-status[data-live="true"]').waitFor();
  await shot(page, "resumed");
  await page.close();
});

test("terminate a subject with an error code, then reinstate it", async () => {
  const a = await sessionFor("frank", "a");
  const b = await sessionFor("frank", "b");
  const page = await signedIn();
  await search(page, "frank");
  await page.getByLabel("Reason").selectOption({ label: "banned" });
  await page.getByLabel("Error code").fill("FRAUD_123");
  await page.getByRole("button", { name: "Terminate subject" }).click();
  await page.locator("#confirm-text").filter({ hasText: "with error code FRAUD_123" }).waitFor();
  await confirm(page);
  await page.locator("#answer").filter({ hasText: "Terminated frank: 2 session(s) ended." }).waitFor();
  for (const id of [a, b]) await row(page, id, "TERMINATED").getByText("FRAUD_123").waitFor();
  await page.locator('#subject-state[data-state="BANNED"]').filter({ hasText: "FRAUD_123" }).waitFor();
  await shot(page, "terminated");

  // The server's refusal, by reason, for a new session of a banned subject.
  await assert.rejects(sessionFor("frank", "c"), /SUBJECT_TERMINATED|permission_denied/);
  await page.getByRole("button", { name: "Reinstate subject" }).click();
  await confirm(page);
  await page.locator("#answer").filter({ hasText: "Reinstated frank." }).waitFor();
  await page.locator('#subject-state[data-state="ACTIVE"]').waitFor();
  await page.close();
});

test("an action the server refuses shows its error and reason", async () => {
  const page = await signedIn();
  await search(page, "grace");
  await page.getByLabel("Error code").fill("not a valid code!");
  await page.getByRole("button", { name: "Terminate subject" }).click();
  await confirm(page);
  await page.locator("#answer.error").filter({ hasText: "INVALID_ARGUMENT" }).waitFor();
  await shot(page, "refused-action");
  await page.close();
});

test("API keys: create one (shown once) and revoke it", async () => {
  const page = await signedIn();
  await page.getByRole("button", { name: "API keys" }).click();
  await page.locator("#keys-body tr").nth(2).waitFor();
  await page.getByLabel("sessions.read").check();
  await page.getByLabel("sessions.validate").check();
  await page.getByRole("button", { name: "Create key" }).click();
  await confirm(page);
  const shown = page.locator("#new-key-value");
  await shown.filter({ hasText: "sak_" }).waitFor();
  const key = (await shown.textContent()) ?? "";
  const keyId = (await page.locator("#keys-answer").textContent())?.match(/key_[0-9a-f]+/)?.[0] ?? "";
  assert.ok(keyId, "the answer names the new key");
  // The new key works, with its scopes, for another client.
  await server.call(key, "SessionService", "ListSessions", { subjectId: "alice" });
  await shot(page, "api-key-created");
  await page.getByRole("button", { name: "Done" }).click();
  assert.equal(await shown.textContent(), "");
  assert.ok(!(await page.content()).includes(key));

  await page.getByRole("button", { name: `Revoke key ${keyId}` }).click();
  await confirm(page);
  await page.locator(`#keys-body tr[data-key-id="${keyId}"][data-state="revoked"]`).waitFor();
  await assert.rejects(
    server.call(key, "SessionService", "ListSessions", { subjectId: "alice" }),
    /unauthenticated/,
  );
  await shot(page, "api-key-revoked");
  await page.close();
});

test("keyboard only: sign in, search, cancel and confirm a revoke; focus is visible", async () => {
  const id = await sessionFor("kim", "Kim's laptop");
  const page = await openConsole(browser, server);
  await page.locator("#api-key").focus();
  await page.keyboard.type(operator);
  await page.keyboard.press("Enter");
  // Signed in, the subject field has the focus: type and press Enter.
  await page.locator("#search-subject:focus").waitFor();
  await page.keyboard.type("kim");
  await page.keyboard.press("Enter");
  await page.locator('#live-status[data-live="true"]').waitFor();
  const revoke = row(page, id).getByRole("button", { name: `Revoke session ${id}` });
  await revoke.focus();
  const outline = await revoke.evaluate((b) => getComputedStyle(b).outlineStyle);
  assert.equal(outline, "solid");
  await page.keyboard.press("Enter");
  await page.locator("#confirm-cancel:focus").waitFor();
  await page.keyboard.press("Escape");
  await page.locator("#answer").filter({ hasText: "Cancelled." }).waitFor();
  await row(page, id, "ACTIVE").waitFor();
  await page.keyboard.press("Enter"); // the focus went back to the row's button
  await page.locator("#confirm-cancel:focus").waitFor();
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  await row(page, id, "REVOKED").waitFor();
  await shot(page, "keyboard");
  await page.close();
});
