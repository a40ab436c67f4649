// The LocalVerifier conformance cases (conformance/CASES.md): what a service
// verifying tokens offline must see, in the same words as every other client.
import { createHmac } from "node:crypto";
import { LocalVerifier, TerminationReason } from "../src/index.js";
import { type Args, type Case, check, client, control, until, withClient } from "./common.js";

async function withVerifier<T>(
  args: Args,
  body: (v: LocalVerifier) => Promise<T>,
  failClosedAfterMs = 10_000,
): Promise<T> {
  const v = new LocalVerifier(args.target, { apiKey: args.apiKey, failClosedAfterMs });
  try {
    check(await v.waitReady(15_000), "the verifier did not become ready", String(v.error));
    return await body(v);
  } finally {
    await v.close();
  }
}

const b64 = (raw: Buffer | string): string => Buffer.from(raw).toString("base64url");
const header = (token: string): Record<string, string> =>
  JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString()) as Record<string, string>;
const rpcs = async (args: Args): Promise<number> =>
  Number((await control(args, "/metrics", "GET"))["rpcs"]);

const offline: Case = (args) =>
  withClient(client(args), (c) =>
    withVerifier(args, async (v) => {
      const token = (await c.createSession(`${args.prefix}-off`)).tokens!.accessToken;
      const before = await rpcs(args);
      let valid = 0;
      for (let i = 0; i < 1000; i++) valid += v.verify(token).valid ? 1 : 0;
      const after = await rpcs(args);
      check(valid === 1000, "not valid every time", valid);
      check(after === before, "RPCs while verifying", [before, after]);
      return { verifications: 1000, rpcs_meanwhile: after - before };
    }),
  );

const revoked: Case = (args) =>
  withClient(client(args), (c) =>
    withVerifier(args, async (v) => {
      const r = await c.createSession(`${args.prefix}-rev`);
      const token = r.tokens!.accessToken;
      check(v.verify(token).valid, "not valid at first", v.verify(token));
      await c.revokeSession(r.session!.sessionId);
      const took = await until(() => v.verify(token).reason === "SESSION_REVOKED", 1000);
      return { latency_ms: Math.round(took * 100) / 100 };
    }),
  );

const revokedBeforeStart: Case = (args) =>
  withClient(client(args), async (c) => {
    const r = await c.createSession(`${args.prefix}-early`);
    await c.revokeSession(r.session!.sessionId);
    return withVerifier(args, async (v) => {
      const reason = v.verify(r.tokens!.accessToken).reason;
      check(reason === "SESSION_REVOKED", "reason", reason);
      return { reason };
    });
  });

const terminated: Case = (args) =>
  withClient(client(args), (c) =>
    withVerifier(args, async (v) => {
      const subject = `${args.prefix}-term`;
      const token = (await c.createSession(subject)).tokens!.accessToken;
      check(v.verify(token).valid, "not valid at first");
      await c.terminateSubject(subject, TerminationReason.BANNED, "CONF_BAN");
      try {
        const took = await until(() => v.verify(token).reason === "SESSION_TERMINATED", 1000);
        return { latency_ms: Math.round(took * 100) / 100 };
      } finally {
        await c.reinstateSubject(subject);
      }
    }),
  );

const failClosed: Case = (args) =>
  withClient(client(args), (c) =>
    withVerifier(
      args,
      async (v) => {
        const token = (await c.createSession(`${args.prefix}-closed`)).tokens!.accessToken;
        check(v.verify(token).valid, "not valid at first");
        await control(args, "/stop");
        let took: number;
        try {
          took = await until(() => v.verify(token).reason === "UNKNOWN", 5000);
        } finally {
          await control(args, "/start");
        }
        check(await v.waitReady(15_000), "not ready again after the server came back");
        return { unknown_after_s: Math.round(took / 10) / 100 };
      },
      2000,
    ),
  );

const keyRotation: Case = (args) =>
  withVerifier(args, async (v) => {
    const old = await withClient(client(args), async (c) => (await c.createSession(`${args.prefix}-rot`)).tokens!.accessToken);
    await control(args, "/rotate");
    const fresh = await withClient(client(args), async (c) => (await c.createSession(`${args.prefix}-rot2`)).tokens!.accessToken);
    const kids = [...new Set([old, fresh].map((t) => header(t)["kid"]))].sort();
    check(kids.length === 2, "one kid for both", kids);
    check(await v.waitReady(15_000), "not ready after the rotation");
    // The new kid is learnt on first sight (a JWKS refetch); give it a moment.
    await until(() => v.verify(fresh).valid, 5000);
    check(v.verify(old).valid, "the old token", v.verify(old));
    return { kids };
  });

const forgeries: Case = (args) =>
  withClient(client(args), (c) =>
    withVerifier(args, async (v) => {
      const token = (await c.createSession(`${args.prefix}-forge`)).tokens!.accessToken;
      const foreign = await withClient(client(args, { apiKey: args.otherApiKey }), async (o) =>
        (await o.createSession(`${args.prefix}-forge`)).tokens!.accessToken,
      );
      const jwk = (JSON.parse((await c.getJwks()).jwksJson) as { keys: { kid: string; x: string }[] })
        .keys[0]!;
      const [head, body, sig] = token.split(".") as [string, string, string];
      const flipped = sig.slice(0, 10) + (sig[10] !== "A" ? "A" : "B") + sig.slice(11);
      const none = `${b64(JSON.stringify({ alg: "none", kid: jwk.kid }))}.${body}.`;
      const hsHead = b64(JSON.stringify({ alg: "HS256", kid: jwk.kid, typ: "JWT" }));
      const hs256 = `${hsHead}.${body}.${createHmac("sha256", jwk.x).update(`${hsHead}.${body}`).digest("base64url")}`;
      const unknown = b64(JSON.stringify({ alg: "EdDSA", kid: "k_unknown" }));
      const seen: Record<string, string> = {
        changed_byte: v.verify(`${head}.${body}.${flipped}`).reason,
        alg_none: v.verify(none).reason,
        hs256: v.verify(hs256).reason,
        unknown_kid: v.verify(`${unknown}.${body}.${sig}`).reason,
        other_audience: v.verify(foreign).reason,
      };
      await new Promise((r) => setTimeout(r, 7000)); // the server's tokens live 6 s
      seen["expired"] = v.verify(token).reason;
      check(Object.values(seen).every((r) => r !== ""), "a forgery verified", seen);
      check(seen["changed_byte"] === "BAD_SIGNATURE" && seen["unknown_kid"] === "BAD_SIGNATURE", "reasons", seen);
      check(seen["expired"] === "TOKEN_EXPIRED", "expired", seen);
      return { reasons: seen };
    }),
  );

const coldStartAfterCompaction: Case = async (args) => {
  const r = await withClient(client(args), async (c) => {
    const made = await c.createSession(`${args.prefix}-cold`);
    await c.revokeSession(made.session!.sessionId);
    return made;
  });
  const compact = (await control(args, "/compact"))["compact_revision"];
  return withVerifier(args, async (v) => {
    const reason = v.verify(r.tokens!.accessToken).reason;
    check(reason === "SESSION_REVOKED", "reason", reason);
    return { compact_revision: compact, snapshots: v.snapshots };
  });
};

const compactedResume: Case = (args) =>
  withVerifier(
    args,
    async (v) => {
      const first = v.snapshots;
      const done = await control(args, `/restart?writes=2&subject=${args.prefix}-away&compact=1`);
      await until(() => v.snapshots > first && v.healthy, 20_000);
      const sessions = done["sessions"] as { access_token: string }[];
      const reasons = sessions.map((s) => v.verify(s.access_token).reason);
      check(JSON.stringify(reasons) === JSON.stringify(["SESSION_REVOKED", "SESSION_REVOKED"]), "reasons", reasons);
      return { snapshots: v.snapshots, reasons };
    },
    30_000,
  );

const otherTenant: Case = (args) =>
  withClient(client(args, { apiKey: args.otherApiKey }), (other) =>
    withVerifier(args, async (v) => {
      const r = await other.createSession(`${args.prefix}-alice`);
      const before = v.verify(r.tokens!.accessToken);
      await other.revokeSession(r.session!.sessionId);
      const after = v.verify(r.tokens!.accessToken);
      check(!before.valid && !after.valid, "another tenant's token verified", [before, after]);
      return { before: before.reason, after: after.reason };
    }),
  );

const rewind: Case = async (args) => {
  const kept = await withClient(client(args), (c) => c.createSession(`${args.prefix}-kept`));
  const backup = Number((await control(args, "/head", "GET"))["head_revision"]);
  return withVerifier(
    args,
    async (v) => {
      await withClient(client(args), async (c) => {
        for (let i = 0; i < 3; i++) await c.createSession(`${args.prefix}-lost`);
      });
      await until(() => v.revision >= backup + 3, 5000);
      const seen = v.revision;
      const first = v.snapshots;
      await control(args, `/rewind?to=${backup}`);
      await until(() => v.snapshots > first && v.healthy, 20_000);
      const revokedAt = await withClient(client(args), async (c) =>
        Number((await c.revokeSession(kept.session!.sessionId)).session!.revision),
      );
      check(revokedAt <= seen, "the revoke's revision is not one already passed", [revokedAt, seen]);
      const took = await until(() => v.verify(kept.tokens!.accessToken).reason === "SESSION_REVOKED", 2000);
      return { latency_ms: Math.round(took * 100) / 100, revision_seen: seen, restored: backup };
    },
    30_000,
  );
};

const onlyEndings: Case = (args) =>
  withVerifier(args, async () => {
    const streams = (await control(args, "/metrics", "GET"))["streams_by_types"] as Record<string, number>;
    const live = Object.fromEntries(Object.entries(streams).filter(([, n]) => n));
    check(JSON.stringify(live) === JSON.stringify({ "EXPIRED,REVOKED,TERMINATED": 1 }), "streams", live);
    return { streams_by_types: live };
  });

export const VERIFIER_CASES: Record<string, Case> = {
  verifier_offline: offline,
  verifier_revoked: revoked,
  verifier_revoked_before_start: revokedBeforeStart,
  verifier_terminated: terminated,
  verifier_fail_closed: failClosed,
  verifier_key_rotation: keyRotation,
  verifier_forgeries: forgeries,
  verifier_cold_start_after_compaction: coldStartAfterCompaction,
  verifier_compacted_resume: compactedResume,
  verifier_other_tenant: otherTenant,
  verifier_rewind: rewind,
  verifier_only_endings: onlyEndings,
};
