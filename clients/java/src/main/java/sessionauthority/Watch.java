package sessionauthority;

import io.grpc.Context;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;
import java.util.function.LongConsumer;
import sessionauthority.v1.SessionServiceOuterClass.SessionEvent;
import sessionauthority.v1.SessionServiceOuterClass.SessionEventType;
import sessionauthority.v1.SessionServiceOuterClass.WatchSessionsRequest;
import sessionauthority.v1.SessionServiceOuterClass.WatchSessionsResponse;

/**
 * A resuming watch: yields every matching event once, in revision order,
 * across disconnects and server restarts, resuming from the last revision
 * heard with jittered exponential backoff. Throws
 * {@link SessionAuthorityException.HistoryCompacted} when the history asked
 * for is gone, {@link SessionAuthorityException.RevisionAhead} when the
 * server went back in time, and the typed error for anything a retry cannot
 * fix. Treat {@code onReconnect} as "fail closed until the next message".
 */
public final class Watch implements Iterator<SessionEvent>, AutoCloseable {
  // Endings after which the same request, resumed by revision, will work.
  static final Set<Status.Code> RETRYABLE = EnumSet.of(
      Status.Code.UNAVAILABLE, Status.Code.RESOURCE_EXHAUSTED, Status.Code.DEADLINE_EXCEEDED,
      Status.Code.INTERNAL, Status.Code.UNKNOWN, Status.Code.ABORTED, Status.Code.CANCELLED);

  public static final class Options {
    String subjectId = "";
    String sessionId = "";
    String reference = "";
    long startRevision;
    List<SessionEventType> eventTypes = new ArrayList<>();
    LongConsumer onProgress = r -> {};
    BiConsumer<RuntimeException, Long> onReconnect = (e, r) -> {};
    Duration maxBackoff = Duration.ofSeconds(10);
    Duration idleTimeout = Duration.ofSeconds(30);

    public Options subjectId(String v) { subjectId = v; return this; }
    public Options sessionId(String v) { sessionId = v; return this; }
    public Options reference(String v) { reference = v; return this; }
    /** 0: from now. N: every event from revision N on, then live ones. */
    public Options startRevision(long v) { startRevision = v; return this; }
    public Options eventTypes(SessionEventType... v) { eventTypes = List.of(v); return this; }
    public Options onProgress(LongConsumer v) { onProgress = v; return this; }
    public Options onReconnect(BiConsumer<RuntimeException, Long> v) { onReconnect = v; return this; }
    public Options maxBackoff(Duration v) { maxBackoff = v; return this; }
    /** A stream silent this long (the server sends progress every 10 s) is presumed cut off. */
    public Options idleTimeout(Duration v) { idleTimeout = v; return this; }
  }

  private final SessionAuthorityClient client;
  private final Options o;
  private long nextRevision;
  private double backoff = 0.1;
  private Context.CancellableContext context;
  private Iterator<WatchSessionsResponse> stream;
  private volatile long heard;
  private volatile boolean withCaller;
  private volatile boolean closed;
  private SessionEvent pending;

  Watch(SessionAuthorityClient client, Options options) {
    this.client = client;
    this.o = options;
    this.nextRevision = options.startRevision;
  }

  @Override
  public boolean hasNext() {
    while (pending == null && !closed) {
      pending = read();
    }
    return pending != null;
  }

  @Override
  public SessionEvent next() {
    if (!hasNext()) {
      throw new NoSuchElementException("the watch was closed");
    }
    SessionEvent e = pending;
    pending = null;
    return e;
  }

  /** Ends the stream; a thread blocked in {@link #hasNext} returns false. */
  @Override
  public void close() {
    closed = true;
    Context.CancellableContext c = context;
    if (c != null) {
      c.cancel(null);
    }
  }

  private SessionEvent read() {
    RuntimeException error;
    try {
      if (stream == null) {
        open();
      }
      heard = System.nanoTime();
      withCaller = false;
      while (stream.hasNext()) {
        WatchSessionsResponse m = stream.next();
        heard = System.nanoTime();
        backoff = 0.1;
        if (m.hasEvent()) {
          nextRevision = m.getEvent().getRevision() + 1;
          withCaller = true; // the caller's time with the event is not silence
          return m.getEvent();
        }
        nextRevision = Math.max(nextRevision, m.getProgress().getRevision() + 1);
        o.onProgress.accept(m.getProgress().getRevision());
      }
      error = new SessionAuthorityException(Status.Code.UNAVAILABLE, "the stream ended", "",
          java.util.Map.of(), null, List.of(), null);
    } catch (io.grpc.StatusRuntimeException e) {
      if (closed) {
        return null;
      }
      if (!RETRYABLE.contains(e.getStatus().getCode())) {
        end();
        throw SessionAuthorityException.from(e);
      }
      error = e;
    } catch (RuntimeException e) {
      end(); // a callback threw: the caller decides what comes next
      throw e;
    }
    end();
    if (closed) {
      return null;
    }
    o.onReconnect.accept(error, nextRevision);
    // Back soon after a restart: gRPC's own reconnect backoff grows to minutes.
    client.channel.resetConnectBackoff();
    sleep(backoff * (0.5 + ThreadLocalRandom.current().nextDouble() * 0.5));
    backoff = Math.min(backoff * 2, o.maxBackoff.toMillis() / 1000.0);
    return null;
  }

  private void open() {
    var request = WatchSessionsRequest.newBuilder()
        .setSubjectId(o.subjectId).setSessionId(o.sessionId).setReference(o.reference)
        .setStartRevision(nextRevision).addAllEventTypes(o.eventTypes).build();
    Context.CancellableContext c = Context.current().withCancellation();
    context = c;
    if (closed) {
      c.cancel(null);
    }
    heard = System.nanoTime();
    Context previous = c.attach();
    try {
      stream = client.sessions.watchSessions(request);
    } finally {
      c.detach(previous);
    }
    long idle = o.idleTimeout.toNanos();
    Thread dog = new Thread(() -> {
      while (!c.isCancelled()) {
        if (!withCaller && System.nanoTime() - heard > idle) {
          c.cancel(Status.CANCELLED.withDescription("no message within the idle timeout")
              .asRuntimeException());
          return;
        }
        sleep(Math.min(1.0, idle / 2e9));
      }
    }, "watch-idle");
    dog.setDaemon(true);
    dog.start();
  }

  private void end() {
    if (context != null) {
      context.cancel(null);
    }
    stream = null;
  }

  static void sleep(double seconds) {
    try {
      Thread.sleep((long) (seconds * 1000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
