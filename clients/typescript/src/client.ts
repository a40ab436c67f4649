// A small typed client over the generated stubs: one HTTP/2 connection
// speaking gRPC (not the Connect protocol: the server is grpcio), the API key
// on every call, a deadline on every unary call, and every failure thrown as
// a SessionAuthorityError carrying the server's ErrorInfo.
import type { JsonObject } from "@bufbuild/protobuf";
import { type Client, type Interceptor, type Transport, createClient } from "@connectrpc/connect";
import { Http2SessionManager, createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import type * as http2 from "node:http2";
import { toSessionAuthorityError } from "./errors.js";
import type { EndReason } from "./gen/sessionauthority/v1/session_pb.js";
import {
  type CreateSessionResponse,
  type GetJwksResponse,
  type GetSessionResponse,
  type RenewSessionResponse,
  type RevokeSessionResponse,
  type RevokeSessionsResponse,
  type SessionEvent,
  SessionService,
  type ValidateSessionResponse,
} from "./gen/sessionauthority/v1/session_service_pb.js";
import {
  type Subject,
  SubjectService,
  type TerminationReason,
} from "./gen/sessionauthority/v1/subject_service_pb.js";
import { type WatchOptions, watchSessions } from "./watch.js";

export interface ClientOptions {
  /** Sent as `authorization: Bearer <key>` on every call. */
  apiKey?: string;
  /** Deadline of each unary call; default 10 s. Watch streams have none. */
  timeoutMs?: number;
  /** TLS: `true` for the system's roots, or Node's TLS options (ca, cert,
   * key for mTLS). Default: plaintext, as `make run` serves. */
  tls?: boolean | http2.SecureClientSessionOptions;
  /** "grpc" (the default: the gRPC port, HTTP/2) or "connect": the Connect
   * protocol over HTTP/1.1 with JSON, to the server's HTTP port (`serve
   * --http-port`), for networks that pass only plain HTTP. Same calls, same
   * errors. */
  protocol?: "grpc" | "connect";
  /** Calls go through this instead of a connection to `target` (apiKey and
   * tls do not apply): for tests that script answers with
   * createRouterTransport, without a server. */
  transport?: Transport;
}

export interface CreateOptions {
  reference?: string;
  metadata?: JsonObject;
  ttlSeconds?: number;
  /** Makes a retried create return the first answer instead of a second session. */
  requestId?: string;
  reuseExisting?: boolean;
  client?: { userAgent?: string; ipAddress?: string; deviceName?: string };
}

/**
 * ```ts
 * const client = new SessionAuthorityClient("127.0.0.1:50051");
 * const created = await client.createSession("user-42", { reference: "web" });
 * const check = await client.validateSession(created.tokens!.accessToken);
 * await client.revokeSession(created.session!.sessionId);
 * client.close();
 * ```
 */
export class SessionAuthorityClient {
  /** The generated clients, for calls this class does not wrap. They share
   * the connection and the API key; their errors are plain ConnectErrors. */
  readonly sessions: Client<typeof SessionService>;
  readonly subjects: Client<typeof SubjectService>;
  private readonly manager: Http2SessionManager | undefined;
  /** Call options of every unary call: its deadline. */
  private readonly unary: { timeoutMs: number };

  constructor(target: string, options: ClientOptions = {}) {
    this.unary = { timeoutMs: options.timeoutMs ?? 10_000 };
    if (options.transport) {
      this.manager = undefined;
      this.sessions = createClient(SessionService, options.transport);
      this.subjects = createClient(SubjectService, options.transport);
      return;
    }
    const tls = options.tls ?? false;
    const baseUrl = `${tls ? "https" : "http"}://${target}`;
    const interceptors: Interceptor[] = [];
    const apiKey = options.apiKey;
    if (apiKey) {
      interceptors.push((next) => (req) => {
        req.header.set("authorization", `Bearer ${apiKey}`);
        return next(req);
      });
    }
    if (options.protocol === "connect") {
      this.manager = undefined;
      const transport = createConnectTransport({
        baseUrl,
        httpVersion: "1.1",
        useBinaryFormat: false,
        interceptors,
        // The TLS files only: the rest of the HTTP/2 options mean nothing to HTTP/1.1.
        nodeOptions: typeof tls === "object" ? { ca: tls.ca, cert: tls.cert, key: tls.key } : {},
      });
      this.sessions = createClient(SessionService, transport);
      this.subjects = createClient(SubjectService, transport);
      return;
    }
    this.manager = new Http2SessionManager(
      baseUrl,
      { pingIntervalMs: 30_000 },
      typeof tls === "object" ? tls : undefined,
    );
    const transport = createGrpcTransport({
      baseUrl,
      sessionManager: this.manager,
      interceptors,
    });
    this.sessions = createClient(SessionService, transport);
    this.subjects = createClient(SubjectService, transport);
  }

  /** Closes the connection and every open stream. */
  close(): void {
    this.manager?.abort();
  }

  createSession(subjectId: string, o: CreateOptions = {}): Promise<CreateSessionResponse> {
    return this.call(() =>
      this.sessions.createSession(
        {
          subjectId,
          reference: o.reference ?? "",
          metadata: o.metadata,
          ttl: o.ttlSeconds === undefined ? undefined : { seconds: BigInt(o.ttlSeconds) },
          requestId: o.requestId ?? "",
          reuseExisting: o.reuseExisting ?? false,
          client: o.client,
        },
        this.unary,
      ),
    );
  }

  validateSession(
    accessToken: string,
    expect: { subjectId?: string; reference?: string } = {},
  ): Promise<ValidateSessionResponse> {
    return this.call(() =>
      this.sessions.validateSession(
        {
          accessToken,
          expectedSubjectId: expect.subjectId ?? "",
          expectedReference: expect.reference ?? "",
        },
        this.unary,
      ),
    );
  }

  /** New tokens; the refresh token rotates: keep the new one. */
  renewSession(refreshToken: string): Promise<RenewSessionResponse> {
    return this.call(() =>
      this.sessions.renewSession({ refreshToken }, this.unary),
    );
  }

  getSession(sessionId: string): Promise<GetSessionResponse> {
    return this.call(() => this.sessions.getSession({ sessionId }, this.unary));
  }

  /** Idempotent: revoking an ended session returns it unchanged. */
  revokeSession(sessionId: string, reason?: EndReason): Promise<RevokeSessionResponse> {
    return this.call(() =>
      this.sessions.revokeSession({ sessionId, reason }, this.unary),
    );
  }

  revokeSessions(
    subjectId: string,
    o: { reference?: string; exceptSessionId?: string; reason?: EndReason } = {},
  ): Promise<RevokeSessionsResponse> {
    return this.call(() =>
      this.sessions.revokeSessions(
        {
          subjectId,
          reference: o.reference ?? "",
          exceptSessionId: o.exceptSessionId ?? "",
          reason: o.reason,
        },
        this.unary,
      ),
    );
  }

  /** Ends every live session of the subject as TERMINATED with `errorCode`
   * and refuses new ones until it is reinstated. */
  async terminateSubject(
    subjectId: string,
    reason: TerminationReason,
    errorCode = "",
  ): Promise<Subject | undefined> {
    const r = await this.call(() =>
      this.subjects.terminateSubject(
        { subjectId, reason, errorCode },
        this.unary,
      ),
    );
    return r.subject;
  }

  /** Lets a terminated subject have sessions again (its old ones stay ended). */
  async reinstateSubject(subjectId: string): Promise<Subject | undefined> {
    const r = await this.call(() => this.subjects.reinstateSubject({ subjectId }, this.unary));
    return r.subject;
  }

  /** The caller's tenant's signing keys (`jwksJson`), with the `issuer`,
   * `audience` and `tenant` its tokens carry: what an offline check needs. */
  getJwks(): Promise<GetJwksResponse> {
    return this.call(() => this.sessions.getJwks({}, this.unary));
  }

  /** Every matching event once, in revision order, across reconnects and
   * server restarts; see WatchOptions. End it with `break` or the signal. */
  watch(options: WatchOptions = {}): AsyncGenerator<SessionEvent> {
    return watchSessions(this.sessions, options);
  }

  private async call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw toSessionAuthorityError(err);
    }
  }
}
