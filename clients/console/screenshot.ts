// `make console-screenshot`: the README's picture of the console, taken the
// way the browser tests run it (a real server, headless Chromium), with a
// few sessions and one change made by another client while the page is open.
import { fileURLToPath } from "node:url";
import { ConsoleServer, launch, openConsole, row, search, signIn } from "./test/harness.js";

const OUT = fileURLToPath(new URL("../../../docs/console.png", import.meta.url));

const server = await ConsoleServer.start();
const browser = await launch();
try {
  const admin = server.createApiKey("acme", ["*"]);
  const operator = server.createApiKey("acme", ["console"]);
  const devices = [
    ["Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0", "198.51.100.23", "Ada's laptop"],
    ["Mozilla/5.0 (iPhone; CPU iPhone OS 17_5)", "203.0.113.9", "Ada's phone"],
    ["okhttp/4.12.0", "192.0.2.44", "Ada's tablet"],
  ] as const;
  const ids: string[] = [];
  for (const [userAgent, ipAddress, deviceName] of devices) {
    const made = await server.call(admin, "SessionService", "CreateSession", {
      subjectId: "ada",
      reference: "web",
      client: { userAgent, ipAddress, deviceName },
    });
    ids.push(made.session.sessionId);
  }
  const page = await openConsole(browser, server);
  await page.setViewportSize({ width: 1600, height: 760 });
  await signIn(page, operator);
  await search(page, "ada");
  const last = ids[ids.length - 1] ?? "";
  await row(page, last, "ACTIVE").waitFor();
  await server.call(admin, "SessionService", "RevokeSession", {
    sessionId: last,
    reason: "END_REASON_LOGOUT",
  });
  await row(page, last, "REVOKED").waitFor();
  await page.locator("#subject-state").filter({ hasText: "2 live session(s)" }).waitFor();
  await page.screenshot({ path: OUT, fullPage: true });
  console.log(`wrote ${OUT}`);
} finally {
  await browser.close();
  await server.close();
}
