package sessionauthority;

import io.grpc.Status;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import sessionauthority.v1.SessionOuterClass.SessionState;
import sessionauthority.v1.SessionServiceOuterClass.EndedSession;
import sessionauthority.v1.SessionServiceOuterClass.SessionEvent;
import sessionauthority.v1.SessionServiceOuterClass.SessionEventType;

/**
 * The LocalVerifier's view of which sessions have ended, as the Python
 * SDK's revocations.py keeps it: a ListEndedSessions snapshot at one
 * revision R, then a watch of ending events from R + 1. Answers count only
 * once the stream has reached the head probed after the snapshot and while
 * it keeps talking. Compacted history, REVISION_AHEAD or a head below what
 * was seen (a restored backup): fail closed and snapshot again, never skip.
 */
final class RevocationFeed {
  static final int SNAPSHOT_PAGE = 5000;
  // Errors a new snapshot cannot fix: the caller's key or arguments.
  private static final Set<Status.Code> FATAL = EnumSet.of(Status.Code.UNAUTHENTICATED,
      Status.Code.PERMISSION_DENIED, Status.Code.INVALID_ARGUMENT, Status.Code.UNIMPLEMENTED);

  /** The server's head went below a revision this feed has seen. */
  static final class Rewound extends RuntimeException {
    Rewound() { super("the server's revision went backwards", null, false, false); }
  }

  private record Ended(String reason, long at) {}

  private final SessionAuthorityClient client;
  private final long failClosedAfterNanos;
  private final Duration failClosedAfter;
  private final long windowSeconds;
  private volatile Map<String, Ended> ended = new ConcurrentHashMap<>();
  private volatile long heard; // System.nanoTime() of the last message
  private volatile boolean caughtUp; // false: fail closed
  private volatile boolean stopped;
  private volatile long revision;
  private volatile int snapshots;
  private volatile SessionAuthorityException error;
  private volatile Watch watch;
  private Thread thread;

  RevocationFeed(SessionAuthorityClient client, Duration failClosedAfter, Duration window) {
    this.client = client;
    this.failClosedAfter = failClosedAfter;
    this.failClosedAfterNanos = failClosedAfter.toNanos();
    this.windowSeconds = window.toSeconds();
  }

  void start() {
    thread = new Thread(this::run, "local-verifier");
    thread.setDaemon(true);
    thread.start();
  }

  void stop() {
    stopped = true;
    Watch w = watch;
    if (w != null) {
      w.close();
    }
  }

  void join(Duration timeout) throws InterruptedException {
    if (thread != null) {
      thread.join(timeout.toMillis());
    }
  }

  boolean healthy() {
    return caughtUp && System.nanoTime() - heard < failClosedAfterNanos;
  }

  long revision() { return revision; }
  int snapshots() { return snapshots; }
  SessionAuthorityException error() { return error; }

  /** SESSION_REVOKED / _TERMINATED / _EXPIRED, or null if not ended. */
  String ended(String sessionId) {
    Ended e = ended.get(sessionId);
    return e == null ? null : e.reason;
  }

  static String reasonFor(SessionState state) {
    switch (state) {
      case SESSION_STATE_REVOKED: return "SESSION_REVOKED";
      case SESSION_STATE_TERMINATED: return "SESSION_TERMINATED";
      case SESSION_STATE_EXPIRED: return "SESSION_EXPIRED";
      default: return null;
    }
  }

  private void run() {
    double backoff = 0.1;
    while (!stopped) {
      caughtUp = false; // fail closed until the new snapshot has caught up
      try {
        follow(snapshot());
        return;
      } catch (Rewound e) {
        backoff = 0.1;
      } catch (SessionAuthorityException e) {
        if (stopped) {
          return;
        }
        if (FATAL.contains(e.code())) {
          error = e;
          return;
        }
        if (e instanceof SessionAuthorityException.HistoryCompacted
            || e instanceof SessionAuthorityException.RevisionAhead) {
          backoff = 0.1; // the server is there: snapshot again at once
        }
      } catch (RuntimeException e) {
        if (stopped) {
          return;
        }
      }
      Watch.sleep(backoff);
      backoff = Math.min(backoff * 2, 5.0);
    }
    caughtUp = false;
  }

  private long snapshot() {
    Map<String, Ended> fresh = new ConcurrentHashMap<>();
    String token = "";
    long at = -1;
    while (true) {
      var page = client.listEndedSessions(SNAPSHOT_PAGE, token, Duration.ofSeconds(30));
      if (at >= 0 && page.getRevision() != at) {
        throw new Rewound(); // pages of one snapshot share one revision
      }
      at = page.getRevision();
      for (EndedSession s : page.getSessionsList()) {
        String reason = reasonFor(s.getState());
        fresh.put(s.getSessionId(), new Ended(reason == null ? "SESSION_REVOKED" : reason,
            s.getEndTime().getSeconds()));
      }
      token = page.getNextPageToken();
      if (token.isEmpty()) {
        break;
      }
    }
    ended = fresh;
    revision = at;
    snapshots++;
    return at;
  }

  private void follow(long snapshotRevision) {
    // Answers count only once the stream has reached the head probed now:
    // a stream from history opens with start - 1, not the head.
    long[] target = {head()};
    if (0 <= target[0] && target[0] < snapshotRevision) {
      throw new Rewound();
    }
    java.util.function.LongConsumer onProgress = r -> {
      if (r < revision) {
        throw new Rewound();
      }
      revision = r;
      if (target[0] < 0) {
        target[0] = head();
      }
      if (0 <= target[0] && target[0] <= r) {
        heard = System.nanoTime();
        caughtUp = true;
        forgetOld();
      }
    };
    Watch w = client.watch(new Watch.Options()
        .startRevision(snapshotRevision + 1)
        .eventTypes(SessionEventType.SESSION_EVENT_TYPE_REVOKED,
            SessionEventType.SESSION_EVENT_TYPE_EXPIRED,
            SessionEventType.SESSION_EVENT_TYPE_TERMINATED)
        .onProgress(onProgress)
        .onReconnect((err, next) -> {
          if (stopped) {
            throw new IllegalStateException("closed");
          }
          target[0] = head();
          if (0 <= target[0] && target[0] < revision) {
            throw new Rewound();
          }
        })
        .idleTimeout(failClosedAfter));
    watch = w;
    if (stopped) {
      w.close();
    }
    try {
      while (w.hasNext()) {
        SessionEvent event = w.next();
        apply(event);
        onProgress.accept(event.getRevision());
        if (stopped) {
          return;
        }
      }
    } finally {
      w.close();
    }
  }

  private long head() {
    try {
      return client.currentRevision();
    } catch (RuntimeException e) {
      return -1;
    }
  }

  private void apply(SessionEvent event) {
    String reason = reasonFor(event.getSession().getState());
    if (reason == null) {
      return;
    }
    long endedAt = event.getOccurTime().getSeconds();
    if (System.currentTimeMillis() / 1000.0 - endedAt <= windowSeconds) {
      ended.put(event.getSession().getSessionId(), new Ended(reason, endedAt));
    }
  }

  private void forgetOld() {
    if (ended.size() < 100_000) {
      return;
    }
    long cutoff = System.currentTimeMillis() / 1000 - windowSeconds;
    ended.values().removeIf(e -> e.at < cutoff);
  }
}
