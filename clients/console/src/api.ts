// The Connect clients the pages use, over fetch, to this page's own origin.
// The API key lives in sessionStorage (this tab only, gone when it closes),
// never in a cookie: a cross-site page cannot make the browser send it.
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { ErrorInfoSchema } from "../../typescript/src/gen/google/rpc/error_details_pb.js";
import { ApiKeyService } from "../../typescript/src/gen/sessionauthority/v1/api_key_service_pb.js";
import { SessionService } from "../../typescript/src/gen/sessionauthority/v1/session_service_pb.js";
import { SubjectService } from "../../typescript/src/gen/sessionauthority/v1/subject_service_pb.js";

const STORAGE_KEY = "session-authority.api-key";

export function storedKey(): string {
  return sessionStorage.getItem(STORAGE_KEY) ?? "";
}

export function storeKey(key: string): void {
  if (key) sessionStorage.setItem(STORAGE_KEY, key);
  else sessionStorage.removeItem(STORAGE_KEY);
}

const bearer: Interceptor = (next) => (req) => {
  const key = storedKey();
  if (key) req.header.set("authorization", `Bearer ${key}`);
  return next(req);
};

const transport = createConnectTransport({
  baseUrl: location.origin,
  interceptors: [bearer],
});

export const sessions = createClient(SessionService, transport);
export const subjects = createClient(SubjectService, transport);
export const apiKeys = createClient(ApiKeyService, transport);

/** "PERMISSION_DENIED SCOPE_MISSING: the message", for people to read. */
export function describe(err: unknown): string {
  if (!(err instanceof ConnectError)) return err instanceof Error ? err.message : String(err);
  const info = err.findDetails(ErrorInfoSchema)[0];
  const code = Code[err.code] ?? String(err.code);
  const reason = info?.reason ? ` ${info.reason}` : "";
  const meta = info ? Object.entries(info.metadata).map(([k, v]) => `${k}=${v}`) : [];
  const extra = meta.length ? ` (${meta.join(", ")})` : "";
  return `${code}${reason}: ${err.rawMessage}${extra}`;
}

export function reasonOf(err: unknown): string {
  return err instanceof ConnectError ? (err.findDetails(ErrorInfoSchema)[0]?.reason ?? "") : "";
}

export { Code, ConnectError };
