package sessionauthority.conformance;

import static sessionauthority.conformance.Common.check;
import static sessionauthority.conformance.Common.client;
import static sessionauthority.conformance.Common.control;
import static sessionauthority.conformance.Common.expect;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import sessionauthority.SessionAuthorityClient;
import sessionauthority.SessionAuthorityClient.Tls;
import sessionauthority.SessionAuthorityException;
import sessionauthority.SessionAuthorityException.*;
import sessionauthority.Watch;
import sessionauthority.v1.SessionOuterClass.EndReason;
import sessionauthority.v1.SessionOuterClass.SessionState;
import sessionauthority.v1.SessionServiceOuterClass.SessionEvent;
import sessionauthority.v1.SubjectServiceOuterClass.TerminationReason;

/** The cases of conformance/CASES.md that need no LocalVerifier. */
final class CoreCases {
  static final Map<String, Common.Case> ALL = new LinkedHashMap<>();

  static {
    ALL.put("lifecycle", CoreCases::lifecycle);
    ALL.put("rich_errors", CoreCases::richErrors);
    ALL.put("refresh_reuse", CoreCases::refreshReuse);
    ALL.put("subject_terminated", CoreCases::subjectTerminated);
    ALL.put("api_key", CoreCases::apiKey);
    ALL.put("tls", CoreCases::tls);
    ALL.put("mtls", CoreCases::mtls);
    ALL.put("watch_resume", CoreCases::watchResume);
    ALL.put("watch_compacted", CoreCases::watchCompacted);
  }

  private CoreCases() {}

  static Map<String, Object> lifecycle(Main.Args args) throws Exception {
    try (var c = client(args)) {
      String subject = args.prefix + "-life";
      var r = c.createSession(subject, "ref");
      var v = c.validateSession(r.getTokens().getAccessToken(), subject, "ref");
      check(v.getValid() && v.getSession().getSubjectId().equals(subject)
          && v.getSession().getReference().equals("ref"), "not valid", v);
      var renewed = c.renewSession(r.getTokens().getRefreshToken());
      check(!renewed.getTokens().getRefreshToken().equals(r.getTokens().getRefreshToken()),
          "the refresh token did not rotate", null);
      c.revokeSession(r.getSession().getSessionId());
      var err = expect(SessionRevoked.class,
          () -> c.renewSession(renewed.getTokens().getRefreshToken()));
      check(err.reason().equals("SESSION_REVOKED"), "reason", err.reason());
      return Map.of("rotated", true, "after_revoke", err.reason());
    }
  }

  static Map<String, Object> richErrors(Main.Args args) throws Exception {
    try (var c = client(args)) {
      var bad = expect(InvalidArgument.class, () -> c.createSession("has space"));
      List<String> fields = new ArrayList<>();
      bad.fieldViolations().forEach(f -> fields.add(f.field()));
      check(fields.contains("subject_id"), "field violations", fields);
      String subject = args.prefix + "-rate";
      RateLimited limited = null;
      for (int i = 0; i < 6 && limited == null; i++) {
        try {
          c.createSession(subject);
        } catch (RateLimited e) {
          limited = e;
        }
      }
      check(limited != null && limited.reason().equals("RATE_LIMITED"), "not rate limited", null);
      check(limited.retryAfter() != null && !limited.retryAfter().isZero()
          && !limited.retryAfter().isNegative(), "retry after", limited.retryAfter());
      var missing = expect(NotFound.class, () -> c.getSession("ses_doesnotexist0000"));
      check(missing.reason().equals("SESSION_NOT_FOUND"), "reason", missing.reason());
      return Map.of("violations", fields, "retry_after", limited.retryAfter().toMillis() / 1000.0,
          "not_found", missing.reason());
    }
  }

  static Map<String, Object> refreshReuse(Main.Args args) throws Exception {
    try (var c = client(args)) {
      var r = c.createSession(args.prefix + "-reuse");
      c.renewSession(r.getTokens().getRefreshToken());
      Thread.sleep(1500); // past the server's 1 s grace window: time must pass
      var err = expect(RefreshTokenReused.class,
          () -> c.renewSession(r.getTokens().getRefreshToken()));
      String sid = r.getSession().getSessionId();
      check(sid.equals(err.metadata().get("session_id")), "metadata", err.metadata());
      var s = c.getSession(sid);
      check(s.getState() == SessionState.SESSION_STATE_REVOKED, "state", s.getState());
      check(s.getEndReason() == EndReason.END_REASON_REFRESH_TOKEN_REUSE, "end reason",
          s.getEndReason());
      return Map.of("reason", err.reason(), "session_id", err.metadata().get("session_id"));
    }
  }

  static Map<String, Object> subjectTerminated(Main.Args args) throws Exception {
    try (var c = client(args)) {
      String subject = args.prefix + "-ban";
      var r = c.createSession(subject);
      c.terminateSubject(subject, TerminationReason.TERMINATION_REASON_BANNED, "CONF_BAN");
      try {
        var s = c.getSession(r.getSession().getSessionId());
        check(s.getState() == SessionState.SESSION_STATE_TERMINATED
            && s.getErrorCode().equals("CONF_BAN"), "session", s);
        var err = expect(SubjectTerminated.class, () -> c.createSession(subject));
        check(err.errorCode().equals("CONF_BAN"), "error code", err.errorCode());
        return Map.of("reason", err.reason(), "error_code", err.errorCode());
      } finally {
        c.reinstateSubject(subject);
      }
    }
  }

  static Map<String, Object> apiKey(Main.Args args) throws Exception {
    Unauthenticated missing;
    Unauthenticated revoked;
    try (var anonymous = new SessionAuthorityClient(args.target)) {
      missing = expect(Unauthenticated.class, anonymous::getJwks);
    }
    try (var c = client(args)) {
      c.getJwks();
    }
    try (var c = new SessionAuthorityClient(args.target,
        new SessionAuthorityClient.Options().apiKey(args.revokedApiKey))) {
      revoked = expect(Unauthenticated.class, c::getJwks);
    }
    check(missing.reason().equals("API_KEY_MISSING") && revoked.reason().equals("API_KEY_INVALID"),
        "reasons", missing.reason() + " " + revoked.reason());
    return Map.of("missing", missing.reason(), "revoked", revoked.reason());
  }

  static Map<String, Object> tls(Main.Args args) throws Exception {
    byte[] ca = Files.readAllBytes(Path.of(args.ca));
    try (var c = client(args, args.tlsTarget,
        new SessionAuthorityClient.Options().apiKey(args.apiKey).tls(Tls.trusting(ca)))) {
      c.getJwks();
    }
    return Map.of("connected", true);
  }

  static Map<String, Object> mtls(Main.Args args) throws Exception {
    byte[] ca = Files.readAllBytes(Path.of(args.ca));
    var mine = new Tls(ca, Files.readAllBytes(Path.of(args.cert)),
        Files.readAllBytes(Path.of(args.key)));
    try (var c = client(args, args.mtlsTarget,
        new SessionAuthorityClient.Options().apiKey(args.apiKey).tls(mine))) {
      c.getJwks();
    }
    SessionAuthorityException refused;
    try (var c = client(args, args.mtlsTarget, new SessionAuthorityClient.Options()
        .apiKey(args.apiKey).tls(Tls.trusting(ca)).timeout(Duration.ofSeconds(5)))) {
      refused = expect(SessionAuthorityException.class, c::getJwks);
    }
    return Map.of("with_certificate", true, "without", refused.code().name());
  }

  static Map<String, Object> watchResume(Main.Args args) throws Exception {
    String subject = args.prefix + "-watch";
    var heard = new LinkedBlockingQueue<Object>();
    var ready = new CountDownLatch(1);
    try (var c = client(args);
        Watch w = c.watch(new Watch.Options().subjectId(subject).onProgress(r -> ready.countDown()))) {
      Thread follower = new Thread(() -> {
        try {
          while (w.hasNext()) {
            heard.add(w.next());
          }
        } catch (RuntimeException e) {
          heard.add(e); // the channel closed at the end
        }
      });
      follower.setDaemon(true);
      follower.start();
      check(ready.await(10, TimeUnit.SECONDS), "no first progress", null);
      var first = c.createSession(subject);
      c.revokeSession(first.getSession().getSessionId());
      List<SessionEvent> got = take(heard, 2, 10);
      check(got.get(1).getSession().getSessionId().equals(first.getSession().getSessionId()),
          "the revoke was not heard", got);
      // The same subject filter covers the sessions made while we were away.
      JsonNode done = control(args, "/restart?writes=3&subject=" + subject);
      List<SessionEvent> later = take(heard, 6, 20);
      List<Long> revisions = new ArrayList<>();
      later.forEach(e -> revisions.add(e.getRevision()));
      List<Long> expected = new ArrayList<>();
      List<String> made = new ArrayList<>();
      for (JsonNode s : done.get("sessions")) {
        made.add(s.get("session_id").asText());
        s.get("revisions").forEach(r -> expected.add(r.asLong()));
      }
      check(revisions.equals(expected), "revisions " + revisions + " expected", expected);
      List<String> seen = new ArrayList<>();
      for (int i = 1; i < later.size(); i += 2) {
        seen.add(later.get(i).getSession().getSessionId());
      }
      check(seen.equals(made), "sessions", seen);
      return Map.of("revisions", revisions);
    }
  }

  private static List<SessionEvent> take(LinkedBlockingQueue<Object> q, int n, int seconds)
      throws InterruptedException {
    List<SessionEvent> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Object o = q.poll(seconds, TimeUnit.SECONDS);
      check(o instanceof SessionEvent, "no event", o);
      out.add((SessionEvent) o);
    }
    return out;
  }

  static Map<String, Object> watchCompacted(Main.Args args) throws Exception {
    long compact = control(args, "/compact").get("compact_revision").asLong();
    try (var c = client(args); Watch w = c.watch(new Watch.Options().startRevision(1))) {
      try {
        if (w.hasNext()) {
          throw new AssertionError("an event from compacted history");
        }
      } catch (HistoryCompacted e) {
        check(e.compactRevision() == compact, "compact revision " + e.compactRevision(), compact);
        return Map.of("compact_revision", e.compactRevision());
      }
    }
    throw new AssertionError("the watch ended without HistoryCompacted");
  }
}
