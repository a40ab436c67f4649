// LocalVerifier: checks access tokens without a call per token, at parity
// with the Python SDK's. Signatures are checked with the server's public
// keys (GetJwks, fetched again on an unknown `kid`, at most once a second),
// and a token must be this tenant's: its `iss`, its tenant's `aud` and its
// `tnt`, all learnt from GetJwks. Ended sessions come from a snapshot and a
// watch of ending events (revocations.ts), so a revoked, terminated or
// expired session's tokens are refused locally within milliseconds.
//
// It fails closed: until the snapshot and the stream have caught up, while
// it takes a new snapshot, and whenever the stream has heard nothing (not
// even a progress, which the server sends at least every 10 s) for
// `failClosedAfterMs`, every answer is `valid: false`, reason "UNKNOWN":
// ask the server (ValidateSession) instead.
import { Code } from "@connectrpc/connect";
import { type KeyObject, createPublicKey, verify as verifySignature } from "node:crypto";
import type * as http2 from "node:http2";
import { SessionAuthorityClient } from "./client.js";
import { toSessionAuthorityError } from "./errors.js";
import { RevocationFeed, pause } from "./revocations.js";

export interface Verification {
  valid: boolean;
  /** "" when valid; else UNKNOWN (ask the server), TOKEN_EXPIRED, MALFORMED,
   * BAD_SIGNATURE, SESSION_NOT_FOUND (another tenant's token),
   * SESSION_REVOKED, SESSION_TERMINATED or SESSION_EXPIRED. */
  reason: string;
  sessionId: string;
  subjectId: string;
  /** The token's `exp`, epoch seconds; 0 when it was not read. */
  expiresAt: number;
}

export interface LocalVerifierOptions {
  /** Needs the scopes sessions.validate (GetJwks) and sessions.watch. */
  apiKey?: string;
  tls?: boolean | http2.SecureClientSessionOptions;
  /** Silence after which answers are UNKNOWN; default 15 s. */
  failClosedAfterMs?: number;
  /** How long an ended session is remembered; default 3600. Keep it above
   * the server's ACCESS_TOKEN_TTL_SECONDS. */
  revocationWindowSeconds?: number;
  /** Tokens whose signature and claims are remembered; default 10,000. */
  cacheSize?: number;
}

interface Claims {
  sid: string;
  sub: string;
  exp: number;
}

// What a server too old to name them in GetJwks puts in every token; the
// audience is also that of tokens minted before audiences were per tenant,
// accepted only with this tenant's `tnt`.
const LEGACY = "session-authority";
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const FATAL = new Set<Code>([Code.Unauthenticated, Code.PermissionDenied]);

/**
 * ```ts
 * const verifier = new LocalVerifier("127.0.0.1:50051", { apiKey });
 * await verifier.waitReady();
 * const result = verifier.verify(accessToken); // no call to the server
 * if (result.reason === "UNKNOWN") { ... } // ask the server
 * await verifier.close();
 * ```
 */
export class LocalVerifier {
  private readonly client: SessionAuthorityClient;
  private readonly feed: RevocationFeed;
  private readonly closing = new AbortController();
  private readonly cacheSize: number;
  private readonly verified = new Map<string, Claims>(); // in LRU order
  private keys = new Map<string, KeyObject>();
  private keysLoaded = false;
  private keysFetchedAt = Number.NEGATIVE_INFINITY;
  private keysFetch: Promise<void> | undefined;
  private keysError: Error | undefined;
  private issuer = LEGACY;
  private audience = LEGACY;
  private tenantName: string | undefined;
  private readonly loading: Promise<void>;

  constructor(target: string, options: LocalVerifierOptions = {}) {
    this.client = new SessionAuthorityClient(target, {
      apiKey: options.apiKey,
      tls: options.tls,
    });
    this.cacheSize = options.cacheSize ?? 10_000;
    this.feed = new RevocationFeed(this.client.sessions, {
      failClosedAfterMs: options.failClosedAfterMs ?? 15_000,
      windowSeconds: options.revocationWindowSeconds ?? 3600,
    });
    this.loading = this.loadKeys();
    this.feed.start();
  }

  /** True once the keys are in and the feed has caught up to the head it
   * probed before its watch opened; false after `timeoutMs`, on a fatal
   * error, or once closed. */
  async waitReady(timeoutMs = 10_000): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    const signal = this.closing.signal;
    while (!this.healthy && !signal.aborted && this.error === undefined) {
      const left = deadline - performance.now();
      if (left <= 0) {
        break;
      }
      await pause(Math.min(10, left), signal);
    }
    return this.healthy;
  }

  get healthy(): boolean {
    return this.keysLoaded && !this.closing.signal.aborted && this.feed.healthy;
  }

  /** The revision this verifier's view of ended sessions is at. */
  get revision(): number {
    return this.feed.revision;
  }

  /** Snapshots taken: 1 after a start, one more per re-snapshot. */
  get snapshots(): number {
    return this.feed.snapshots;
  }

  /** The API key's tenant, from GetJwks; undefined until the keys are in
   * (or with a server too old to say). */
  get tenant(): string | undefined {
    return this.tenantName;
  }

  /** Why it stopped for good (a key refused), if it did. */
  get error(): Error | undefined {
    return this.keysError ?? this.feed.error;
  }

  /** Ends the stream, the key fetches and the connection. */
  async close(): Promise<void> {
    this.closing.abort();
    await Promise.allSettled([this.feed.stop(), this.loading, this.keysFetch]);
    this.client.close();
  }

  /** Synchronous and without a call: the answer from the keys and the view
   * of ended sessions this verifier holds. */
  verify(token: string): Verification {
    if (!this.healthy) {
      return refused("UNKNOWN");
    }
    let claims = this.verified.get(token);
    if (claims === undefined) {
      const outcome = this.decode(token);
      if (typeof outcome === "string") {
        return refused(outcome);
      }
      claims = outcome;
      this.verified.set(token, claims);
      if (this.verified.size > this.cacheSize) {
        const oldest = this.verified.keys().next();
        if (!oldest.done) {
          this.verified.delete(oldest.value);
        }
      }
    } else {
      // Most recently used last, so the oldest is evicted first.
      this.verified.delete(token);
      this.verified.set(token, claims);
    }
    const { sid, sub, exp } = claims;
    const reason = exp <= Date.now() / 1000 ? "TOKEN_EXPIRED" : (this.feed.ended(sid) ?? "");
    return { valid: reason === "", reason, sessionId: sid, subjectId: sub, expiresAt: exp };
  }

  // The checks are a JWT library's: EdDSA only (refused before any key is
  // looked at), a kid from the server's JWKS, the signature over the exact
  // bytes received, then iss, tnt, aud and the claims, in Python's order.
  private decode(token: string): Claims | string {
    const parts = token.split(".");
    if (parts.length !== 3) {
      return "MALFORMED";
    }
    const [head, body, signature] = parts as [string, string, string];
    if (!isBase64url(head) || !isBase64url(signature)) {
      return "MALFORMED";
    }
    const header = parseJson(head);
    if (!isObject(header) || header["alg"] !== "EdDSA") {
      return "MALFORMED";
    }
    const kid = String(header["kid"] ?? "");
    const key = this.keys.get(kid);
    if (key === undefined) {
      // A key we cannot get: a forgery, or a rotation we have not seen yet.
      this.refetchKeys();
      return "BAD_SIGNATURE";
    }
    // The body is checked before it is turned into bytes: Node's "ascii"
    // keeps the low byte of any character, so a body with non-ASCII ones
    // would be verified as bytes other than the ones parsed afterwards.
    const raw = Buffer.from(signature, "base64url");
    if (raw.length !== 64 || !isBase64url(body) || !ed25519(`${head}.${body}`, key, raw)) {
      return "BAD_SIGNATURE";
    }
    const claims = parseJson(body);
    if (!isObject(claims) || claims["iss"] !== this.issuer) {
      return "MALFORMED";
    }
    if (this.tenantName !== undefined && claims["tnt"] !== this.tenantName) {
      // Another tenant's token (all tenants share one key ring): as
      // ValidateSession says, there is no such session here.
      return "SESSION_NOT_FOUND";
    }
    const aud = claims["aud"];
    if (aud !== this.audience && aud !== LEGACY) {
      return "MALFORMED";
    }
    const { sid, sub, exp } = claims;
    if (typeof sid !== "string" || typeof sub !== "string" || !Number.isSafeInteger(exp)) {
      return "MALFORMED";
    }
    return { sid, sub, exp: exp as number };
  }

  // -- keys

  /** The first fetch: retried with backoff until it works, a fatal error,
   * or close(). */
  private async loadKeys(): Promise<void> {
    const signal = this.closing.signal;
    let backoffMs = 100;
    while (!signal.aborted) {
      try {
        await this.fetchKeys();
        return;
      } catch (err) {
        const typed = toSessionAuthorityError(err);
        if (!signal.aborted && FATAL.has(typed.code)) {
          this.keysError = typed;
          return;
        }
      }
      await pause(backoffMs, signal);
      backoffMs = Math.min(backoffMs * 2, 5000);
    }
  }

  private async fetchKeys(): Promise<void> {
    try {
      const jwks = await this.client.sessions.getJwks(
        {},
        { signal: this.closing.signal, timeoutMs: 10_000 },
      );
      if (jwks.tenant) {
        this.tenantName = jwks.tenant;
        this.audience = jwks.audience;
        this.issuer = jwks.issuer;
      }
      this.keys = ed25519Keys(jwks.jwksJson);
      this.keysLoaded = true;
    } finally {
      this.keysFetchedAt = performance.now();
    }
  }

  private refetchKeys(): void {
    if (
      !this.keysLoaded ||
      this.keysFetch !== undefined ||
      this.closing.signal.aborted ||
      performance.now() - this.keysFetchedAt < 1000
    ) {
      return;
    }
    this.keysFetch = this.fetchKeys()
      .catch(() => undefined) // the next unknown kid, a second on, tries again
      .finally(() => {
        this.keysFetch = undefined;
      });
  }
}

/** The JWKS's Ed25519 public keys (RFC 8037 OKP) by kid; others are skipped. */
function ed25519Keys(jwksJson: string): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  let doc: unknown;
  try {
    doc = JSON.parse(jwksJson);
  } catch {
    return keys;
  }
  const list = isObject(doc) && Array.isArray(doc["keys"]) ? (doc["keys"] as unknown[]) : [];
  for (const jwk of list) {
    if (!isObject(jwk) || jwk["kty"] !== "OKP" || jwk["crv"] !== "Ed25519") {
      continue;
    }
    const kid = jwk["kid"];
    const x = jwk["x"];
    if ((jwk["alg"] ?? "EdDSA") !== "EdDSA" || typeof kid !== "string" || !kid) {
      continue;
    }
    if (typeof x !== "string" || !isBase64url(x) || Buffer.from(x, "base64url").length !== 32) {
      continue;
    }
    try {
      keys.set(kid, createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x }, format: "jwk" }));
    } catch {
      // Not a point on the curve: skipped, like any key we cannot use.
    }
  }
  return keys;
}

// verify() answers, it never throws: a check OpenSSL cannot make is a "no".
function ed25519(signed: string, key: KeyObject, signature: Buffer): boolean {
  try {
    return verifySignature(null, Buffer.from(signed, "ascii"), key, signature);
  } catch {
    return false;
  }
}

function refused(reason: string): Verification {
  return { valid: false, reason, sessionId: "", subjectId: "", expiresAt: 0 };
}

// Strict where Buffer is lenient: it would skip characters outside the
// alphabet, and one character too many (length % 4 == 1) decodes nothing.
function isBase64url(part: string): boolean {
  return part.length % 4 !== 1 && BASE64URL.test(part);
}

/** A base64url JSON part, or undefined. */
function parseJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
