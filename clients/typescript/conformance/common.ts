// What every TypeScript conformance case shares: the runner's arguments,
// the operator's control endpoint, clients made as a user would make them,
// and checks that fail with what was seen.
import { readFileSync } from "node:fs";
import { SessionAuthorityClient, type ClientOptions, SessionAuthorityError } from "../src/index.js";

export interface Args {
  case: string;
  target: string;
  apiKey: string;
  otherApiKey: string;
  revokedApiKey: string;
  tlsTarget: string;
  mtlsTarget: string;
  ca: string;
  cert: string;
  key: string;
  control: string;
  prefix: string;
  /** "connect": every client of the case speaks Connect to `target`, the HTTP port. */
  protocol: "grpc" | "connect";
}

export type Observed = Record<string, unknown>;
export type Case = (args: Args) => Promise<Observed>;

export function check(ok: boolean, what: string, seen?: unknown): asserts ok {
  if (!ok) {
    throw new Error(seen === undefined ? what : `${what}: ${JSON.stringify(seen, jsonSafe)}`);
  }
}

export function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? Number(value) : value;
}

export async function control(
  args: Args,
  path: string,
  method: "POST" | "GET" = "POST",
): Promise<Record<string, unknown>> {
  const r = await fetch(args.control + path, { method, signal: AbortSignal.timeout(60_000) });
  const body = (await r.json()) as Record<string, unknown>;
  check(r.ok, `control ${path} failed`, body);
  return body;
}

export function client(args: Args, o: ClientOptions & { target?: string } = {}): SessionAuthorityClient {
  const { target, ...options } = o;
  return new SessionAuthorityClient(target ?? args.target, {
    apiKey: args.apiKey,
    protocol: args.protocol,
    ...options,
  });
}

/** Runs `body` with a client that is closed afterwards, whatever happens. */
export async function withClient<T>(
  c: SessionAuthorityClient,
  body: (c: SessionAuthorityClient) => Promise<T>,
): Promise<T> {
  try {
    return await body(c);
  } finally {
    c.close();
  }
}

/** The error `call` must throw, as the client's typed error. */
export async function expectError(call: () => Promise<unknown>): Promise<SessionAuthorityError> {
  try {
    await call();
  } catch (err) {
    check(err instanceof SessionAuthorityError, "not a SessionAuthorityError", String(err));
    return err;
  }
  throw new Error("expected an error");
}

/** Milliseconds until `ok()` holds; throws past the deadline. */
export async function until(ok: () => boolean, ms: number): Promise<number> {
  const started = performance.now();
  while (!ok()) {
    check(performance.now() - started < ms, `not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
  return performance.now() - started;
}

export function tlsFiles(args: Args, withCertificate: boolean): ClientOptions["tls"] {
  const ca = readFileSync(args.ca);
  return withCertificate
    ? { ca, cert: readFileSync(args.cert), key: readFileSync(args.key) }
    : { ca };
}
