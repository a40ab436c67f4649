// The TypeScript LocalVerifier in the bench (bench/verifier.py runs it in its
// own process pinned to one CPU, as it does the Python one): warm and cold
// verifications per second beside one bare Ed25519 crypto.verify on the
// same CPU (the ceiling a cold check cannot pass), and how long after
// RevokeSession returns the verifier refuses the token.
//
//   node dist/bench/verifier.js TARGET TOKENS_JSON SECONDS   # prints JSON
import { generateKeyPairSync, randomBytes, sign, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import { LocalVerifier, SessionAuthorityClient, type Verification } from "../src/index.js";

const REVOKES = 100;

function callsPerSecond(call: () => void, seconds: number): number {
  for (let i = 0; i < 200; i++) call(); // warm the JIT and the CPU's clock
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    for (let i = 0; i < 100; i++) call();
    count += 100;
  }
  return count / ((performance.now() - started) / 1000);
}

function rate(check: (t: string) => Verification, tokens: string[], seconds: number): number {
  let i = 0;
  return callsPerSecond(() => {
    const outcome = check(tokens[i++ % tokens.length]!);
    if (outcome.reason !== "" && outcome.reason !== "SESSION_REVOKED") {
      throw new Error(`unexpected verification: ${JSON.stringify(outcome)}`);
    }
  }, seconds);
}

function ed25519Rate(seconds: number): number {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const message = randomBytes(300); // about a token's signed part
  const signature = sign(null, message, privateKey);
  return callsPerSecond(() => void verify(null, message, publicKey, signature), seconds);
}

async function main(): Promise<void> {
  const [target, tokenFile, secondsText] = process.argv.slice(2) as [string, string, string];
  const tokens = JSON.parse(readFileSync(tokenFile, "utf8")) as string[];
  const seconds = Number(secondsText);
  const result: Record<string, number | string> = {
    ed25519_per_s: ed25519Rate(seconds),
    node: process.versions.node,
  };
  const cold = new LocalVerifier(target, { cacheSize: 1 });
  try {
    if (!(await cold.waitReady(60_000))) throw new Error("the verifier did not catch up");
    result["cold_per_s"] = rate((t) => cold.verify(t), tokens, seconds);
  } finally {
    await cold.close();
  }
  const warm = new LocalVerifier(target);
  const client = new SessionAuthorityClient(target);
  try {
    if (!(await warm.waitReady(60_000))) throw new Error("the verifier did not catch up");
    result["warm_per_s"] = rate((t) => warm.verify(t), tokens, seconds);
    const delays: number[] = [];
    for (let i = 0; i < REVOKES; i++) {
      const created = await client.createSession(`ts-verifier-${i}`);
      const token = created.tokens!.accessToken;
      if (!warm.verify(token).valid) throw new Error("a fresh token did not verify");
      await client.revokeSession(created.session!.sessionId);
      const sent = performance.now();
      while (warm.verify(token).reason !== "SESSION_REVOKED") {
        await new Promise((r) => setImmediate(r)); // let the stream's callbacks run
      }
      delays.push(performance.now() - sent);
    }
    delays.sort((a, b) => a - b);
    result["refusal_p50_ms"] = delays[Math.floor(delays.length / 2)]!;
    result["refusal_p99_ms"] = delays[Math.floor(delays.length * 0.99)]!;
  } finally {
    client.close();
    await warm.close();
  }
  console.log(JSON.stringify(result));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
