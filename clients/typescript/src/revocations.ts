// The LocalVerifier's view of which sessions have ended: a snapshot, then a
// watch of ending events (list, then watch, as Kubernetes informers do); the
// same protocol as the Python SDK's RevocationFeed and the README's
// "Verifying tokens offline".
//
// 1. ListEndedSessions: at one revision R, every session of this tenant
//    that ended recently enough that a token of it may still be unexpired.
// 2. WatchSessions from R + 1 for REVOKED, EXPIRED and TERMINATED only,
//    resumed by revision across reconnects.
// 3. Answers count ("healthy") only once the stream has reached the head
//    probed before it opened, and only while it keeps talking.
// 4. A resume into compacted history, REVISION_AHEAD, or a server whose
//    revisions went backwards (a database restored from a backup): fail
//    closed and take a new snapshot. Never skip.
import { Code, type Client } from "@connectrpc/connect";
import { toSessionAuthorityError } from "./errors.js";
import { SessionState } from "./gen/sessionauthority/v1/session_pb.js";
import {
  type SessionEvent,
  SessionEventType,
  type SessionService,
} from "./gen/sessionauthority/v1/session_service_pb.js";
import { watchSessions } from "./watch.js";

const ENDED = new Map<SessionState, string>([
  [SessionState.REVOKED, "SESSION_REVOKED"],
  [SessionState.TERMINATED, "SESSION_TERMINATED"],
  [SessionState.EXPIRED, "SESSION_EXPIRED"],
]);
const ENDING_EVENTS = [
  SessionEventType.REVOKED,
  SessionEventType.EXPIRED,
  SessionEventType.TERMINATED,
];
const SNAPSHOT_PAGE = 5000;
// Errors a new snapshot cannot fix: the caller's key or arguments.
const FATAL = new Set<Code>([
  Code.Unauthenticated,
  Code.PermissionDenied,
  Code.InvalidArgument,
  Code.Unimplemented,
]);
// Below this many remembered sessions pruning is not worth a pass over them.
const PRUNE_ABOVE = 100_000;

/** The server's revisions went below one this feed has already seen. */
class Rewound extends Error {}

export interface RevocationFeedOptions {
  failClosedAfterMs: number;
  windowSeconds: number;
}

export class RevocationFeed {
  /** How many snapshots were taken: the first, then one per re-snapshot. */
  snapshots = 0;
  /** Why the feed stopped for good (a fatal error), if it did. */
  error: Error | undefined;
  private rev = 0n;
  private endedById = new Map<string, { reason: string; at: number }>();
  private heard = 0; // performance.now() of the last message; 0: not caught up
  private pruned = 0;
  private readonly stopping = new AbortController();
  private running: Promise<void> | undefined;

  constructor(
    private readonly stub: Client<typeof SessionService>,
    private readonly options: RevocationFeedOptions,
  ) {}

  /** The revision this view of ended sessions is at. */
  get revision(): number {
    return Number(this.rev);
  }

  get healthy(): boolean {
    const heard = this.heard;
    return heard > 0 && performance.now() - heard < this.options.failClosedAfterMs;
  }

  /** SESSION_REVOKED / _TERMINATED / _EXPIRED, or undefined if not ended. */
  ended(sessionId: string): string | undefined {
    return this.endedById.get(sessionId)?.reason;
  }

  start(): void {
    this.running ??= this.run();
  }

  /** Cancels the stream, the probes and the backoff; resolves once idle. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }

  // -- the loop: snapshot, follow, and again when the stream cannot go on

  private async run(): Promise<void> {
    const signal = this.stopping.signal;
    let backoffMs = 100;
    try {
      while (!signal.aborted) {
        this.heard = 0; // fail closed until the new snapshot has caught up
        try {
          await this.follow(await this.snapshot(signal), signal);
          return; // it returns only when stopped
        } catch (err) {
          if (signal.aborted) {
            return;
          }
          if (err instanceof Rewound) {
            backoffMs = 100; // the server is there: snapshot again at once
          } else {
            const typed = toSessionAuthorityError(err);
            if (FATAL.has(typed.code)) {
              this.error = typed;
              return;
            }
            // OUT_OF_RANGE: REVISION_COMPACTED or REVISION_AHEAD.
            if (typed.code === Code.OutOfRange) {
              backoffMs = 100;
            }
          }
        }
        await pause(backoffMs, signal);
        backoffMs = Math.min(backoffMs * 2, 5000);
      }
    } finally {
      // Stricter than waiting out failClosedAfterMs: nothing will update
      // this view any more, so nothing it says counts.
      this.heard = 0;
    }
  }

  private async snapshot(signal: AbortSignal): Promise<bigint> {
    const ended = new Map<string, { reason: string; at: number }>();
    let pageToken = "";
    let revision = -1n;
    for (;;) {
      const page = await this.stub.listEndedSessions(
        { pageSize: SNAPSHOT_PAGE, pageToken },
        { signal, timeoutMs: 30_000 },
      );
      if (revision >= 0n && page.revision !== revision) {
        throw new Rewound("the pages of one snapshot must share one revision");
      }
      revision = page.revision;
      for (const s of page.sessions) {
        const reason = ENDED.get(s.state) ?? "SESSION_REVOKED";
        ended.set(s.sessionId, { reason, at: Number(s.endTime?.seconds ?? 0n) });
      }
      pageToken = page.nextPageToken;
      if (!pageToken) {
        break;
      }
    }
    this.endedById = ended;
    this.rev = revision;
    this.snapshots += 1;
    return revision;
  }

  private async follow(snapshotRevision: bigint, signal: AbortSignal): Promise<void> {
    // Answers count only once the stream has reached the head probed now:
    // a stream from history opens with start - 1, not the head.
    let target = await this.head(signal);
    if (0n <= target && target < snapshotRevision) {
      throw new Rewound("the head is below the snapshot");
    }
    const watch = new AbortController();
    const cancel = () => watch.abort();
    signal.addEventListener("abort", cancel);
    let problem: Rewound | undefined;
    const rewound = (why: string) => {
      problem ??= new Rewound(why);
      watch.abort();
    };
    const caughtUp = () => {
      this.heard = performance.now();
      this.forgetOld();
    };
    // The watch's callbacks are synchronous, so a head is probed in the
    // background. After a reconnect only a new probe counts (an older one
    // may have asked the server that went away); otherwise one at a time.
    let probing = false;
    let generation = 0;
    const probe = (afterReconnect: boolean) => {
      if (probing && !afterReconnect) {
        return;
      }
      const mine = ++generation;
      probing = true;
      target = -1n;
      void this.head(watch.signal).then((head) => {
        if (mine !== generation || watch.signal.aborted) {
          return;
        }
        probing = false;
        target = head;
        if (afterReconnect && 0n <= head && head < this.rev) {
          // Below what this feed has seen: the database went back in time.
          rewound("the head went below a revision already seen");
        } else if (0n <= head && head <= this.rev) {
          caughtUp(); // nothing committed that this view lacks
        }
      });
    };
    const reached = (revision: bigint) => {
      if (revision < this.rev) {
        rewound("a revision went backwards");
        return;
      }
      this.rev = revision;
      if (target < 0n) {
        probe(false);
      } else if (target <= revision) {
        caughtUp();
      }
    };
    try {
      for await (const event of watchSessions(this.stub, {
        startRevision: snapshotRevision + 1n,
        eventTypes: ENDING_EVENTS,
        signal: watch.signal,
        onProgress: reached,
        onReconnect: () => probe(true),
        idleTimeoutMs: this.options.failClosedAfterMs,
        maxBackoffMs: 5000,
      })) {
        this.apply(event);
        reached(event.revision);
        if (problem) {
          break;
        }
      }
    } finally {
      signal.removeEventListener("abort", cancel);
      watch.abort();
    }
    if (problem && !signal.aborted) {
      throw problem;
    }
  }

  /** The newest committed revision: the progress a watch from now opens
   * with; -1n when the server cannot say. */
  private async head(signal: AbortSignal): Promise<bigint> {
    const call = new AbortController();
    const cancel = () => call.abort();
    signal.addEventListener("abort", cancel);
    try {
      for await (const m of this.stub.watchSessions(
        { eventTypes: ENDING_EVENTS },
        { signal: call.signal, timeoutMs: 10_000 },
      )) {
        return m.kind.case === "progress" ? m.kind.value.revision : -1n;
      }
      return -1n;
    } catch {
      return -1n;
    } finally {
      signal.removeEventListener("abort", cancel);
      call.abort();
    }
  }

  private apply(event: SessionEvent): void {
    const session = event.session;
    const reason = session && ENDED.get(session.state);
    if (!session || reason === undefined) {
      return;
    }
    const at = Number(event.occurTime?.seconds ?? 0n);
    if (Date.now() / 1000 - at <= this.options.windowSeconds) {
      this.endedById.set(session.sessionId, { reason, at });
    }
  }

  private forgetOld(): void {
    // At most once a second: above the threshold a pass on every message
    // would cost a walk over every remembered session per event.
    if (this.endedById.size < PRUNE_ABOVE || performance.now() - this.pruned < 1000) {
      return;
    }
    this.pruned = performance.now();
    const cutoff = Date.now() / 1000 - this.options.windowSeconds;
    for (const [sid, { at }] of this.endedById) {
      if (at < cutoff) {
        this.endedById.delete(sid);
      }
    }
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}
