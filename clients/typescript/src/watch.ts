// A watch that survives disconnects: each stream asks for the revision after
// the last one it delivered, so across server restarts and replica failover
// the caller sees every event exactly once, in order. The server opens each
// stream with a progress and sends one at least every 10 s; a stream silent
// for longer than `idleTimeoutMs` is presumed cut off and resumed.
import { Code, type Client } from "@connectrpc/connect";
import { type SessionAuthorityError, toSessionAuthorityError } from "./errors.js";
import type {
  SessionEvent,
  SessionEventType,
  SessionService,
} from "./gen/sessionauthority/v1/session_service_pb.js";

export interface WatchOptions {
  subjectId?: string;
  sessionId?: string;
  reference?: string;
  /** 0n (default): changes from now on. N: every retained event from N,
   * then live ones. Too old: throws HistoryCompacted. */
  startRevision?: bigint;
  /** Only events of these types (progress still flows); empty or unset: all. */
  eventTypes?: SessionEventType[];
  /** Ends the watch (the generator returns). */
  signal?: AbortSignal;
  /** Called with every bookmark: everything up to it has been delivered. */
  onProgress?: (revision: bigint) => void;
  /** Called before each resume; until the next event or progress, treat
   * what you know as possibly stale. */
  onReconnect?: (error: SessionAuthorityError, nextRevision: bigint) => void;
  maxBackoffMs?: number;
  idleTimeoutMs?: number;
}

// Endings after which the same request, resumed by revision, will work.
const RETRYABLE = new Set<Code>([
  Code.Unavailable,
  Code.ResourceExhausted,
  Code.DeadlineExceeded,
  Code.Internal,
  Code.Unknown,
  Code.Aborted,
]);

export async function* watchSessions(
  stub: Client<typeof SessionService>,
  options: WatchOptions,
): AsyncGenerator<SessionEvent> {
  const outer = options.signal;
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  const maxBackoffMs = options.maxBackoffMs ?? 10_000;
  let next = options.startRevision ?? 0n;
  let backoffMs = 100;
  while (!outer?.aborted) {
    const stream = new AbortController();
    const stop = () => stream.abort();
    outer?.addEventListener("abort", stop);
    let silent = false;
    let idle: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        silent = true;
        stream.abort();
      }, idleTimeoutMs);
    };
    let error: SessionAuthorityError;
    try {
      arm();
      const request = {
        subjectId: options.subjectId ?? "",
        sessionId: options.sessionId ?? "",
        reference: options.reference ?? "",
        startRevision: next,
        eventTypes: options.eventTypes ?? [],
      };
      for await (const message of stub.watchSessions(request, { signal: stream.signal })) {
        backoffMs = 100;
        if (message.kind.case === "event") {
          next = message.kind.value.revision + 1n;
          clearTimeout(idle); // the caller's time is not the stream's silence
          yield message.kind.value;
          arm();
        } else if (message.kind.case === "progress") {
          arm();
          const revision = message.kind.value.revision;
          if (revision + 1n > next) {
            next = revision + 1n;
          }
          options.onProgress?.(revision);
        }
      }
      // The server never ends a stream cleanly; treat it as a cut.
      error = toSessionAuthorityError(new Error("the stream ended"));
    } catch (err) {
      if (outer?.aborted) {
        return;
      }
      error = toSessionAuthorityError(err);
      if (!silent && !RETRYABLE.has(error.code)) {
        throw error;
      }
    } finally {
      clearTimeout(idle);
      outer?.removeEventListener("abort", stop);
      stream.abort(); // a consumer that broke out: end the call
    }
    options.onReconnect?.(error, next);
    await sleep(backoffMs * (0.5 + Math.random()), outer);
    backoffMs = Math.min(backoffMs * 2, maxBackoffMs);
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done);
  });
}
