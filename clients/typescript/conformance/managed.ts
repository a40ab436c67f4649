// The ManagedSession case (conformance/CASES.md): a device's session through
// its states, kept in a file, taken up again by a new ManagedSession (as after
// a restart of the client process), ended by a ban.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileTokenStore, ManagedSession, TerminationReason } from "../src/index.js";
import { type Case, check, client, until, withClient } from "./common.js";

const managedSession: Case = (args) =>
  withClient(client(args), async (c) => {
    const subject = `${args.prefix}-managed`;
    const store = new FileTokenStore(join(mkdtempSync(join(tmpdir(), "conformance-")), "session.json"));
    const states: string[] = [];
    const device = new ManagedSession(c, subject, { persist: true, store, leadTimeMs: 3000 });
    device.addObserver((ch) => states.push(`${ch.state}:${ch.reason}`));
    let again: ManagedSession | undefined;
    try {
      await device.login();
      await device.waitIdle();
      const firstToken = device.accessToken;
      // Tokens live 6 s; the renewal comes 3 s before expiry.
      await until(() => states.some((s) => s.endsWith(":RENEWED")), 10_000);
      check(device.accessToken !== firstToken, "the access token did not change");
      again = new ManagedSession(c, subject, { persist: true, store });
      check(await again.restore(), "the stored session was not taken up");
      check(again.sessionId === device.sessionId, "another session", [again.sessionId, device.sessionId]);
      const ended: string[] = [];
      again.addObserver((ch) => ended.push(`${ch.state}:${ch.reason}:${ch.errorCode}`));
      await c.terminateSubject(subject, TerminationReason.BANNED, "CONF_BAN");
      try {
        await again.renewNow();
        await again.waitIdle();
        await until(() => ended.some((e) => e.startsWith("TERMINATED")), 10_000);
      } finally {
        await c.reinstateSubject(subject);
      }
      again.unpersist();
      const persisted = again.isPersisted();
      check(JSON.stringify(states.slice(0, 2)) === JSON.stringify(["ESTABLISHING:", "ESTABLISHED:"]), "states", states);
      check(ended.includes("TERMINATED:SESSION_TERMINATED:CONF_BAN"), "ended", ended);
      check(!persisted && store.load() === undefined, "still stored after unpersist");
      return { states: states.slice(0, 3), terminated: ended[ended.length - 1] };
    } finally {
      device.close();
      again?.close();
    }
  });

export const MANAGED_CASES: Record<string, Case> = { managed_session: managedSession };
