package sessionauthority;

import java.util.LinkedHashMap;
import java.util.Map;
import sessionauthority.v1.SessionOuterClass.Session;
import sessionauthority.v1.SessionOuterClass.TokenPair;

/** What a ManagedSession stores, field names as the Python SDK writes them;
 * times in seconds since the epoch. */
public record StoredSession(
    String subjectId,
    String reference,
    String sessionId,
    long sessionExpire,
    String accessToken,
    long accessExpire,
    String refreshToken,
    long refreshExpire) {

  /** The record of a session the server has just handed out or renewed. */
  static StoredSession of(String subjectId, String reference, Session s, TokenPair t) {
    return new StoredSession(subjectId, reference, s.getSessionId(), s.getExpireTime().getSeconds(),
        t.getAccessToken(), t.getAccessTokenExpireTime().getSeconds(), t.getRefreshToken(),
        t.getRefreshTokenExpireTime().getSeconds());
  }

  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("subject_id", subjectId);
    m.put("reference", reference);
    m.put("session_id", sessionId);
    m.put("session_expire", sessionExpire);
    m.put("access_token", accessToken);
    m.put("access_expire", accessExpire);
    m.put("refresh_token", refreshToken);
    m.put("refresh_expire", refreshExpire);
    return m;
  }

  /** A loaded record, or null if it is not one (a record from an older SDK
   * without {@code reference} reads it as ""). */
  public static StoredSession fromMap(Map<String, Object> m) {
    if (m == null) {
      return null;
    }
    Object reference = m.getOrDefault("reference", "");
    String[] texts = {"subject_id", "session_id", "access_token", "refresh_token"};
    for (String k : texts) {
      if (!(m.get(k) instanceof String)) {
        return null;
      }
    }
    if (!(reference instanceof String)) {
      return null;
    }
    Long session = seconds(m.get("session_expire"));
    Long access = seconds(m.get("access_expire"));
    Long refresh = seconds(m.get("refresh_expire"));
    if (session == null || access == null || refresh == null) {
      return null;
    }
    return new StoredSession((String) m.get("subject_id"), (String) reference,
        (String) m.get("session_id"), session, (String) m.get("access_token"), access,
        (String) m.get("refresh_token"), refresh);
  }

  // Python may write a float; a time that is not a finite number is no record.
  private static Long seconds(Object v) {
    if (v instanceof Number n && Double.isFinite(n.doubleValue())) {
      return (long) Math.floor(n.doubleValue());
    }
    return null;
  }

  /** Why a loaded record cannot be taken up by this subject and reference
   * (the STORED_SESSION_ reason's end), or "" if it can. */
  static String problem(StoredSession r, String subjectId, String reference) {
    return r == null ? "MALFORMED"
        : !r.subjectId.equals(subjectId) ? "OTHER_SUBJECT"
        : !r.reference.equals(reference) ? "OTHER_REFERENCE"
        : Math.min(r.refreshExpire, r.sessionExpire) * 1000 <= System.currentTimeMillis()
        ? "EXPIRED" : "";
  }
}
