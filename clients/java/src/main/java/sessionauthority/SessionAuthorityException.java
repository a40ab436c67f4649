package sessionauthority;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Every failed call throws one of these (unchecked, as gRPC's own errors are):
 * the gRPC code, the ErrorInfo reason (stable, in the README), its metadata,
 * RetryInfo's delay and BadRequest's field violations, decoded from
 * grpc-status-details-bin. Subclasses are named as in the Python SDK.
 */
public class SessionAuthorityException extends RuntimeException {
  private static final Metadata.Key<byte[]> DETAILS =
      Metadata.Key.of("grpc-status-details-bin", Metadata.BINARY_BYTE_MARSHALLER);

  public record FieldViolation(String field, String description) {}

  private final Status.Code code;
  private final String reason;
  private final Map<String, String> metadata;
  private final Duration retryAfter;
  private final List<FieldViolation> fieldViolations;

  public SessionAuthorityException(
      Status.Code code,
      String message,
      String reason,
      Map<String, String> metadata,
      Duration retryAfter,
      List<FieldViolation> fieldViolations,
      Throwable cause) {
    super(code + ": " + message + (reason.isEmpty() ? "" : " [" + reason + "]"), cause);
    this.code = code;
    this.reason = reason;
    this.metadata = Map.copyOf(metadata);
    this.retryAfter = retryAfter;
    this.fieldViolations = List.copyOf(fieldViolations);
  }

  protected SessionAuthorityException(SessionAuthorityException from) {
    this(from.code, from.getMessage(), from.reason, from.metadata, from.retryAfter,
        from.fieldViolations, from.getCause());
  }

  public Status.Code code() { return code; }
  public String reason() { return reason; }
  public Map<String, String> metadata() { return metadata; }
  /** RetryInfo's delay, or null when the server gave none. */
  public Duration retryAfter() { return retryAfter; }
  public List<FieldViolation> fieldViolations() { return fieldViolations; }
  public String errorCode() { return metadata.getOrDefault("error_code", ""); }

  public static class InvalidArgument extends SessionAuthorityException {
    InvalidArgument(SessionAuthorityException e) { super(e); }
  }
  public static class NotFound extends SessionAuthorityException {
    NotFound(SessionAuthorityException e) { super(e); }
  }
  public static class Unauthenticated extends SessionAuthorityException {
    Unauthenticated(SessionAuthorityException e) { super(e); }
  }
  public static class PermissionDenied extends SessionAuthorityException {
    PermissionDenied(SessionAuthorityException e) { super(e); }
  }
  public static class Unavailable extends SessionAuthorityException {
    Unavailable(SessionAuthorityException e) { super(e); }
  }
  public static class RefreshTokenInvalid extends Unauthenticated {
    RefreshTokenInvalid(SessionAuthorityException e) { super(e); }
  }
  /** An old refresh token came back after the grace window: the session is revoked. */
  public static class RefreshTokenReused extends Unauthenticated {
    RefreshTokenReused(SessionAuthorityException e) { super(e); }
  }
  public static class RefreshTokenSuperseded extends Unauthenticated {
    RefreshTokenSuperseded(SessionAuthorityException e) { super(e); }
  }
  /** SESSION_REVOKED, SESSION_EXPIRED or SESSION_TERMINATED. */
  public static class SessionEnded extends Unauthenticated {
    SessionEnded(SessionAuthorityException e) { super(e); }
    public String endReason() { return metadata().getOrDefault("end_reason", ""); }
  }
  public static class SessionRevoked extends SessionEnded {
    SessionRevoked(SessionAuthorityException e) { super(e); }
  }
  public static class SessionExpired extends SessionEnded {
    SessionExpired(SessionAuthorityException e) { super(e); }
  }
  public static class SessionTerminated extends SessionEnded {
    SessionTerminated(SessionAuthorityException e) { super(e); }
  }
  public static class SubjectTerminated extends PermissionDenied {
    SubjectTerminated(SessionAuthorityException e) { super(e); }
  }
  public static class RateLimited extends SessionAuthorityException {
    RateLimited(SessionAuthorityException e) { super(e); }
  }
  /** The watch history asked for is gone: reload, then watch from compactRevision. */
  public static class HistoryCompacted extends SessionAuthorityException {
    HistoryCompacted(SessionAuthorityException e) { super(e); }
    public long compactRevision() { return parseLong(metadata().get("compact_revision")); }
  }
  /** The server's database went back in time (a restored backup): reload. */
  public static class RevisionAhead extends SessionAuthorityException {
    RevisionAhead(SessionAuthorityException e) { super(e); }
    public long headRevision() { return parseLong(metadata().get("head_revision")); }
  }

  static long parseLong(String s) {
    try {
      return s == null || s.isEmpty() ? 0 : Long.parseLong(s);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** The typed exception for a failed call; anything else is returned as is. */
  public static RuntimeException from(RuntimeException error) {
    if (error instanceof SessionAuthorityException) {
      return error;
    }
    Status status = Status.fromThrowable(error);
    if (!(error instanceof StatusRuntimeException)
        && status.getCode() == Status.Code.UNKNOWN) {
      return error;
    }
    return fromStatus(status, Status.trailersFromThrowable(error), error);
  }

  static SessionAuthorityException fromStatus(Status status, Metadata trailers, Throwable cause) {
    String reason = "";
    Map<String, String> metadata = Map.of();
    Duration retryAfter = null;
    List<FieldViolation> violations = new ArrayList<>();
    byte[] raw = trailers == null ? null : trailers.get(DETAILS);
    if (raw != null) {
      try {
        for (Any detail : com.google.rpc.Status.parseFrom(raw).getDetailsList()) {
          if (detail.is(ErrorInfo.class)) {
            ErrorInfo info = detail.unpack(ErrorInfo.class);
            reason = info.getReason();
            metadata = info.getMetadataMap();
          } else if (detail.is(RetryInfo.class)) {
            var d = detail.unpack(RetryInfo.class).getRetryDelay();
            retryAfter = Duration.ofSeconds(d.getSeconds(), d.getNanos());
          } else if (detail.is(BadRequest.class)) {
            for (var v : detail.unpack(BadRequest.class).getFieldViolationsList()) {
              violations.add(new FieldViolation(v.getField(), v.getDescription()));
            }
          }
        }
      } catch (InvalidProtocolBufferException e) {
        // Details that do not parse: the code and message still stand.
      }
    }
    String message = status.getDescription() == null ? "" : status.getDescription();
    var base = new SessionAuthorityException(
        status.getCode(), message, reason, metadata, retryAfter, violations, cause);
    return typed(base);
  }

  private static SessionAuthorityException typed(SessionAuthorityException e) {
    switch (e.reason) {
      case "REFRESH_TOKEN_INVALID", "REFRESH_TOKEN_EXPIRED": return new RefreshTokenInvalid(e);
      case "REFRESH_TOKEN_REUSED": return new RefreshTokenReused(e);
      case "REFRESH_TOKEN_SUPERSEDED": return new RefreshTokenSuperseded(e);
      case "SESSION_REVOKED": return new SessionRevoked(e);
      case "SESSION_EXPIRED": return new SessionExpired(e);
      case "SESSION_TERMINATED": return new SessionTerminated(e);
      case "SUBJECT_TERMINATED": return new SubjectTerminated(e);
      case "RATE_LIMITED": return new RateLimited(e);
      case "REVISION_COMPACTED": return new HistoryCompacted(e);
      case "REVISION_AHEAD": return new RevisionAhead(e);
      default: break;
    }
    switch (e.code) {
      case INVALID_ARGUMENT: return new InvalidArgument(e);
      case NOT_FOUND: return new NotFound(e);
      case UNAUTHENTICATED: return new Unauthenticated(e);
      case PERMISSION_DENIED: return new PermissionDenied(e);
      case UNAVAILABLE: return new Unavailable(e);
      case OUT_OF_RANGE: return new HistoryCompacted(e);
      default: return e;
    }
  }
}
