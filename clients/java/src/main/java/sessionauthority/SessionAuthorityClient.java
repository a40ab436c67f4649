package sessionauthority;

import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.MetadataUtils;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import sessionauthority.v1.SessionOuterClass.EndReason;
import sessionauthority.v1.SessionOuterClass.Session;
import sessionauthority.v1.SessionServiceGrpc;
import sessionauthority.v1.SessionServiceOuterClass.*;
import sessionauthority.v1.SubjectServiceGrpc;
import sessionauthority.v1.SubjectServiceOuterClass.*;

/**
 * A thin client: one channel, a deadline on every unary call, the API key as
 * {@code authorization: Bearer}, and typed {@link SessionAuthorityException}s.
 * Thread-safe; close it when done.
 */
public final class SessionAuthorityClient implements AutoCloseable {
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  /** TLS: null roots trust the system's; a certificate and key make it mTLS (PEM, PKCS#8). */
  public record Tls(byte[] rootCertificates, byte[] certificateChain, byte[] privateKey) {
    public static Tls system() { return new Tls(null, null, null); }
    public static Tls trusting(byte[] ca) { return new Tls(ca, null, null); }
  }

  public static final class Options {
    String apiKey;
    Tls tls;
    Duration timeout = Duration.ofSeconds(10);

    public Options apiKey(String key) { this.apiKey = key; return this; }
    public Options tls(Tls tls) { this.tls = tls; return this; }
    public Options timeout(Duration timeout) { this.timeout = timeout; return this; }
  }

  // Calls that are safe to send twice, retried on UNAVAILABLE as the Python
  // SDK's service config does. CreateSession qualifies because every create
  // carries a request_id; RenewSession because a retry inside the grace
  // window gets the same pair back. StartSession (a single-use code) and
  // UpdateSessionMetadata (an event per call) do not.
  private static final Map<String, ?> RETRIES = retries(Map.of(
      "SessionService", List.of("CreateSession", "GetSession", "ListSessions",
          "ValidateSession", "RenewSession", "RevokeSession", "RevokeSessions", "GetJwks"),
      "SubjectService", List.of("GetSubject", "TerminateSubject", "ReinstateSubject")));

  private static Map<String, ?> retries(Map<String, List<String>> idempotent) {
    List<Map<String, String>> names = new ArrayList<>();
    idempotent.forEach((service, methods) -> methods.forEach(m ->
        names.add(Map.of("service", "sessionauthority.v1." + service, "method", m))));
    Map<String, Object> policy = Map.of("maxAttempts", 4.0, "initialBackoff", "0.1s",
        "maxBackoff", "2s", "backoffMultiplier", 2.0, "retryableStatusCodes", List.of("UNAVAILABLE"));
    return Map.of("methodConfig", List.of(Map.of("name", names, "retryPolicy", policy)));
  }

  final String target;
  final ManagedChannel channel;
  final Duration timeout;
  final SessionServiceGrpc.SessionServiceBlockingStub sessions;
  final SubjectServiceGrpc.SubjectServiceBlockingStub subjects;
  final Channel authed;

  public SessionAuthorityClient(String target) { this(target, new Options()); }

  public SessionAuthorityClient(String target, Options o) {
    this.target = target;
    this.timeout = o.timeout;
    this.channel = Grpc.newChannelBuilder(target, credentials(o.tls))
        .keepAliveTime(30, TimeUnit.SECONDS)
        .defaultServiceConfig(RETRIES)
        .enableRetry()
        .build();
    Metadata headers = new Metadata();
    if (o.apiKey != null && !o.apiKey.isEmpty()) {
      headers.put(AUTHORIZATION, "Bearer " + o.apiKey);
    }
    this.authed = ClientInterceptors.intercept(
        channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    this.sessions = SessionServiceGrpc.newBlockingStub(authed);
    this.subjects = SubjectServiceGrpc.newBlockingStub(authed);
  }

  private static ChannelCredentials credentials(Tls tls) {
    if (tls == null) {
      return InsecureChannelCredentials.create();
    }
    try {
      var b = TlsChannelCredentials.newBuilder();
      if (tls.rootCertificates() != null) {
        b.trustManager(new ByteArrayInputStream(tls.rootCertificates()));
      }
      if (tls.certificateChain() != null && tls.privateKey() != null) {
        b.keyManager(new ByteArrayInputStream(tls.certificateChain()),
            new ByteArrayInputStream(tls.privateKey()));
      }
      return b.build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public String target() { return target; }

  SessionServiceGrpc.SessionServiceBlockingStub sessions(Duration deadline) {
    return sessions.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  private SessionServiceGrpc.SessionServiceBlockingStub s() { return sessions(timeout); }

  private SubjectServiceGrpc.SubjectServiceBlockingStub sub() {
    return subjects.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  static <T> T call(Supplier<T> rpc) {
    try {
      return rpc.get();
    } catch (RuntimeException e) {
      throw SessionAuthorityException.from(e);
    }
  }

  public CreateSessionResponse createSession(String subjectId) {
    return createSession(CreateSessionRequest.newBuilder().setSubjectId(subjectId).build());
  }

  public CreateSessionResponse createSession(String subjectId, String reference) {
    return createSession(
        CreateSessionRequest.newBuilder().setSubjectId(subjectId).setReference(reference).build());
  }

  /** Without a request_id, one is made up, so a retry returns the first answer. */
  public CreateSessionResponse createSession(CreateSessionRequest request) {
    CreateSessionRequest r = request.getRequestId().isEmpty()
        ? request.toBuilder().setRequestId("sdk-" + UUID.randomUUID().toString().replace("-", ""))
            .build()
        : request;
    return call(() -> s().createSession(r));
  }

  public StartSessionResponse startSession(String handoffCode) {
    return call(() -> s().startSession(
        StartSessionRequest.newBuilder().setHandoffCode(handoffCode).build()));
  }

  public Session getSession(String sessionId) {
    return call(() -> s().getSession(
        GetSessionRequest.newBuilder().setSessionId(sessionId).build()).getSession());
  }

  public ListSessionsResponse listSessions(ListSessionsRequest request) {
    return call(() -> s().listSessions(request));
  }

  public ValidateSessionResponse validateSession(
      String accessToken, String expectedSubjectId, String expectedReference) {
    var r = ValidateSessionRequest.newBuilder().setAccessToken(accessToken)
        .setExpectedSubjectId(expectedSubjectId == null ? "" : expectedSubjectId)
        .setExpectedReference(expectedReference == null ? "" : expectedReference).build();
    return call(() -> s().validateSession(r));
  }

  public RenewSessionResponse renewSession(String refreshToken) {
    return call(() -> s().renewSession(
        RenewSessionRequest.newBuilder().setRefreshToken(refreshToken).build()));
  }

  public RevokeSessionResponse revokeSession(String sessionId) {
    return revokeSession(sessionId, EndReason.END_REASON_UNSPECIFIED);
  }

  public RevokeSessionResponse revokeSession(String sessionId, EndReason reason) {
    return call(() -> s().revokeSession(
        RevokeSessionRequest.newBuilder().setSessionId(sessionId).setReason(reason).build()));
  }

  public RevokeSessionsResponse revokeSessions(RevokeSessionsRequest request) {
    return call(() -> s().revokeSessions(request));
  }

  public Session updateSessionMetadata(String sessionId, com.google.protobuf.Struct metadata) {
    return call(() -> s().updateSessionMetadata(UpdateSessionMetadataRequest.newBuilder()
        .setSessionId(sessionId).setMetadata(metadata).build()).getSession());
  }

  public GetJwksResponse getJwks() {
    return call(() -> s().getJwks(GetJwksRequest.getDefaultInstance()));
  }

  public ListEndedSessionsResponse listEndedSessions(
      int pageSize, String pageToken, Duration deadline) {
    var r = ListEndedSessionsRequest.newBuilder().setPageSize(pageSize).setPageToken(pageToken);
    return call(() -> sessions(deadline).listEndedSessions(r.build()));
  }

  public Subject getSubject(String subjectId) {
    return call(() -> sub().getSubject(
        GetSubjectRequest.newBuilder().setSubjectId(subjectId).build()).getSubject());
  }

  public TerminateSubjectResponse terminateSubject(
      String subjectId, TerminationReason reason, String errorCode) {
    return call(() -> sub().terminateSubject(TerminateSubjectRequest.newBuilder()
        .setSubjectId(subjectId).setReason(reason).setErrorCode(errorCode).build()));
  }

  public Subject reinstateSubject(String subjectId) {
    return call(() -> sub().reinstateSubject(
        ReinstateSubjectRequest.newBuilder().setSubjectId(subjectId).build()).getSubject());
  }

  /** The newest committed revision: the progress a watch from now opens with. */
  public long currentRevision() {
    var ctx = io.grpc.Context.current().withCancellation();
    try {
      return ctx.call(() -> call(() -> {
        Iterator<WatchSessionsResponse> it =
            s().watchSessions(WatchSessionsRequest.getDefaultInstance());
        if (!it.hasNext()) {
          throw new SessionAuthorityException(io.grpc.Status.Code.UNAVAILABLE,
              "the stream ended at once", "", Map.of(), null, List.of(), null);
        }
        return it.next().getProgress().getRevision();
      }));
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      ctx.cancel(null);
    }
  }

  /** Every matching event once, in revision order, across reconnects (see {@link Watch}). */
  public Watch watch(Watch.Options options) {
    return new Watch(this, options);
  }

}
