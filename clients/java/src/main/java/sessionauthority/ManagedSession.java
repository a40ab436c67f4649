package sessionauthority;

import io.grpc.Status;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import sessionauthority.v1.SessionOuterClass.EndReason;
import sessionauthority.v1.SessionOuterClass.Session;
import sessionauthority.v1.SessionOuterClass.TokenPair;
import sessionauthority.v1.SessionServiceOuterClass.CreateSessionRequest;
import sessionauthority.v1.SessionServiceOuterClass.RenewSessionResponse;

/**
 * One login that looks after itself, as the Python and TypeScript SDKs' do
 * (same states, reasons and stored record, so they can share a file). It
 * renews the access token a lead time before it expires (rotating the
 * refresh token), lets a handler postpone a renewal, backs off with jitter
 * while the server is away, tells listeners of every change, and can keep
 * itself in a {@link TokenStore}. Thread-safe; renewals run on its own
 * scheduler thread, which {@link #close()} stops.
 */
public final class ManagedSession implements AutoCloseable {
  /** TOKEN_EXPIRED: a renewal is overdue, so the access token no longer works
   * (the session may). TERMINATED: the session is over; the change's reason
   * and errorCode say why. */
  public enum State { NOT_LOGGED_IN, ESTABLISHING, ESTABLISHED, TOKEN_EXPIRED, TERMINATED }

  /** reason: RENEWED, RESTORED, POSTPONED, LOGGED_OUT, ACCESS_TOKEN_EXPIRED,
   * RENEWAL_FAILED, the server's (SESSION_REVOKED, REFRESH_TOKEN_REUSED, ...),
   * or STORED_SESSION_* for a stored session that was dropped; errorCode:
   * the one given to TerminateSubject. */
  public record Change(State state, State previous, String reason, String errorCode) {}

  public interface Listener {
    void onChange(Change change, ManagedSession session);
  }

  // Answers after which the same refresh token will never work again.
  private static final Set<String> FINAL = Set.of("SESSION_REVOKED", "SESSION_EXPIRED",
      "SESSION_TERMINATED", "REFRESH_TOKEN_INVALID", "REFRESH_TOKEN_EXPIRED",
      "REFRESH_TOKEN_REUSED", "REFRESH_TOKEN_SUPERSEDED");

  private final SessionAuthorityClient client;
  private final String subjectId;
  private final ManagedSessionOptions options;
  private final boolean persist;
  private final TokenStore store;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService scheduler;
  // One renewal at a time: a refresh token works once.
  private final ReentrantLock renewing = new ReentrantLock();
  // Guarded by this.
  private Change last = new Change(State.NOT_LOGGED_IN, State.NOT_LOGGED_IN, "", "");
  private StoredSession record;
  private int failures;
  private ScheduledFuture<?> renewal;
  private ScheduledFuture<?> expiry;
  // Bumped when the session is replaced or ended, so that the answer to a
  // renewal sent before then is not taken for the current session.
  private long generation;
  private boolean closed;

  public ManagedSession(SessionAuthorityClient client, String subjectId) {
    this(client, subjectId, new ManagedSessionOptions());
  }

  public ManagedSession(
      SessionAuthorityClient client, String subjectId, ManagedSessionOptions options) {
    this.client = client;
    this.subjectId = subjectId;
    this.options = options;
    this.persist = options.persist != null ? options.persist : options.store != null;
    this.store = options.store != null ? options.store : new TokenStore.Memory();
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "managed-session");
      t.setDaemon(true); // a session waiting to renew never keeps the JVM up
      return t;
    });
  }

  public String subjectId() { return subjectId; }
  public TokenStore store() { return store; }

  /** ESTABLISHED reads as TOKEN_EXPIRED once the access token has expired
   * (a renewal postponed or failing past it). */
  public synchronized State state() {
    return last.state == State.ESTABLISHED && expired() ? State.TOKEN_EXPIRED : last.state;
  }

  /** The last change listeners were told of. */
  public synchronized Change change() { return last; }
  public synchronized String accessToken() { return record == null ? "" : record.accessToken(); }
  public synchronized String sessionId() { return record == null ? "" : record.sessionId(); }
  /** When the access token expires, in seconds since the epoch (0: none). */
  public synchronized long expirationEpoch() { return record == null ? 0 : record.accessExpire(); }

  public void addListener(Listener listener) { listeners.add(listener); }
  public void removeListener(Listener listener) { listeners.remove(listener); }

  /** Creates the session; on failure: NOT_LOGGED_IN with the reason, and throws. */
  public void login() { login(CreateSessionRequest.newBuilder()); }

  /** As {@link #login()}, with the request's other fields (the reference is the session's). */
  public void login(CreateSessionRequest.Builder request) {
    renewing.lock();
    try {
      long gen;
      synchronized (this) {
        gen = ++generation;
        cancel(true);
        set(State.ESTABLISHING, "", "");
      }
      var created = client.createSession(
          request.setSubjectId(subjectId).setReference(options.reference).build());
      synchronized (this) {
        if (gen == generation) {
          take(created.getSession(), created.getTokens(), State.ESTABLISHED, "");
        }
      }
    } catch (SessionAuthorityException e) {
      synchronized (this) {
        set(State.NOT_LOGGED_IN, e.reason(), e.errorCode());
      }
      throw e;
    } finally {
      renewing.unlock();
    }
  }

  /** Takes up the stored session if it is still good for this subject and
   * reference; otherwise drops it (listeners hear why). True if taken. */
  public boolean restore() {
    var raw = persist ? store.load() : null;
    if (raw == null) {
      return false;
    }
    StoredSession r = StoredSession.fromMap(raw);
    String why = StoredSession.problem(r, subjectId, options.reference);
    synchronized (this) {
      if (!why.isEmpty()) {
        store.clear();
        set(State.NOT_LOGGED_IN, "STORED_SESSION_" + why, "");
        return false;
      }
      generation++;
      record = r;
      failures = 0;
      // Only a token that has run out reads as expired: one inside the lead
      // time still works, and its renewal is due soon.
      scheduleRenewal();
      scheduleExpiry();
      set(expired() ? State.TOKEN_EXPIRED : State.ESTABLISHED, "RESTORED", "");
    }
    return true;
  }

  /** Revokes the session, then forgets it (stored copy included). If the
   * revoke fails (other than not found) it throws and the session goes on. */
  public void logout() {
    // After a renewal under way has landed: if the revoke then fails, the
    // session goes on with the refresh token that is still good.
    renewing.lock();
    try {
      StoredSession r;
      synchronized (this) {
        generation++;
        cancel(true);
        r = record;
        record = null;
      }
      if (r != null && !r.sessionId().isEmpty()) {
        try {
          client.revokeSession(r.sessionId(), EndReason.END_REASON_LOGOUT);
        } catch (SessionAuthorityException e) {
          if (e.code() != Status.Code.NOT_FOUND) {
            synchronized (this) {
              record = r;
              scheduleRenewal();
              scheduleExpiry();
            }
            throw e;
          } // already gone: forgetting it is all that is left
        }
      }
      synchronized (this) {
        unpersist();
        set(State.NOT_LOGGED_IN, "LOGGED_OUT", "");
      }
    } finally {
      renewing.unlock();
    }
  }

  /** Renews now, or waits for the renewal under way and takes its result. A
   * failure shows in state() and change(), as with a scheduled renewal; it
   * throws only if the store cannot save. */
  public void renewNow() {
    StoredSession before;
    synchronized (this) {
      before = record;
    }
    renewing.lock();
    try {
      synchronized (this) {
        if (record != before) {
          return; // renewed (or ended) while this waited: that was the renewal
        }
      }
      renewOnce();
    } finally {
      renewing.unlock();
    }
  }

  public boolean isPersisted() { return persist && store.load() != null; }

  public void unpersist() { store.clear(); }

  /** Stops renewing (the session stays, and stays stored); a renewal under
   * way lands, and its new refresh token is stored, before this returns. */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      cancel(true);
    }
    scheduler.shutdown();
    try {
      scheduler.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // On the scheduler's thread: what it throws (a store that cannot save) no
  // caller would see, so it is logged.
  private void due() {
    try {
      dueOrThrow();
    } catch (RuntimeException e) {
      warn(e);
    }
  }

  private void dueOrThrow() {
    long gen;
    synchronized (this) {
      renewal = null;
      if (last.state != State.ESTABLISHED && last.state != State.TOKEN_EXPIRED) {
        return;
      }
      gen = generation;
    }
    Predicate<ManagedSession> handler = options.renewalHandler;
    if (handler != null) {
      boolean go = true;
      try {
        go = handler.test(this);
      } catch (RuntimeException e) {
        warn(e);
      }
      synchronized (this) {
        if (gen != generation || closed) {
          return;
        }
        if (!go) {
          markIfExpired("POSTPONED");
          schedule(options.postponeDelay.toMillis());
          return;
        }
      }
    }
    renewNow();
  }

  // Callers hold the renewing lock.
  private void renewOnce() {
    StoredSession r;
    long gen;
    synchronized (this) {
      r = record;
      gen = generation;
    }
    if (r == null) {
      return;
    }
    RenewSessionResponse renewed;
    try {
      renewed = client.renewSession(r.refreshToken());
    } catch (SessionAuthorityException e) {
      synchronized (this) {
        if (gen != generation) {
          return;
        }
        if (FINAL.contains(e.reason())) {
          generation++;
          cancel(true);
          unpersist();
          set(State.TERMINATED, e.reason(), e.errorCode());
          return;
        }
        // Away for now (unavailable, a deadline): try again, later each time.
        schedule(options.backoffMillis(++failures));
        markIfExpired("RENEWAL_FAILED");
      }
      return;
    }
    synchronized (this) {
      if (gen == generation) {
        take(renewed.getSession(), renewed.getTokens(), State.ESTABLISHED, "RENEWED");
      }
    }
  }

  // Callers hold this lock, below.
  private void take(Session s, TokenPair t, State state, String reason) {
    record = StoredSession.of(subjectId, options.reference, s, t);
    failures = 0;
    scheduleRenewal();
    scheduleExpiry();
    // Stored before listeners hear of it; a store that fails must not keep
    // them from hearing (then it throws), since the session itself is fine.
    try {
      if (persist) {
        store.save(record.toMap());
      }
    } finally {
      set(state, reason, "");
    }
  }

  private boolean expired() {
    long expire = record == null ? 0 : record.accessExpire();
    return expire > 0 && expire * 1000 <= System.currentTimeMillis();
  }

  private void scheduleRenewal() {
    // A token that lives no longer than the lead time is renewed at half its
    // life, not at once: at once, each new token would be renewed in turn,
    // a busy loop against the server.
    long left = record.accessExpire() * 1000 - System.currentTimeMillis();
    schedule(left - Math.min(options.leadTime.toMillis(), left / 2));
  }

  private void schedule(long delayMs) {
    cancel(false);
    if (!closed) {
      renewal = scheduler.schedule(this::due, Math.max(0, delayMs), TimeUnit.MILLISECONDS);
    }
  }

  /** Listeners hear TOKEN_EXPIRED the moment the access token runs out. */
  private void scheduleExpiry() {
    expiry = stop(expiry);
    long left = record.accessExpire() * 1000 - System.currentTimeMillis();
    if (!closed && record.accessExpire() > 0 && left > 0) {
      // A few ms past the second, so the wall clock is surely there.
      expiry = scheduler.schedule(() -> {
        synchronized (this) {
          expiry = null;
          markIfExpired("ACCESS_TOKEN_EXPIRED");
        }
      }, left + 5, TimeUnit.MILLISECONDS);
    }
  }

  private void cancel(boolean expiryToo) {
    renewal = stop(renewal);
    expiry = expiryToo ? stop(expiry) : expiry;
  }

  private static ScheduledFuture<?> stop(ScheduledFuture<?> task) {
    if (task != null) {
      task.cancel(false);
    }
    return null;
  }

  private void markIfExpired(String reason) {
    if (last.state == State.ESTABLISHED && expired()) {
      set(State.TOKEN_EXPIRED, reason, "");
    }
  }

  private void set(State state, String reason, String errorCode) {
    Change c = new Change(state, last.state, reason, errorCode);
    last = c;
    // One listener's bug must not stop the others, or the session.
    for (Listener l : listeners) {
      try {
        l.onChange(c, this);
      } catch (RuntimeException e) {
        warn(e);
      }
    }
  }

  private static void warn(Throwable e) {
    System.getLogger(ManagedSession.class.getName())
        .log(System.Logger.Level.WARNING, "ManagedSession", e);
  }
}
