package sessionauthority.conformance;

import static sessionauthority.conformance.Common.check;
import static sessionauthority.conformance.Common.client;
import static sessionauthority.conformance.Common.control;
import static sessionauthority.conformance.Common.round;
import static sessionauthority.conformance.Common.until;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import sessionauthority.LocalVerifier;
import sessionauthority.SessionAuthorityClient;
import sessionauthority.v1.SubjectServiceOuterClass.TerminationReason;

/** The LocalVerifier cases of conformance/CASES.md (managed_session is not offered). */
final class VerifierCases {
  static final Map<String, Common.Case> ALL = new LinkedHashMap<>();

  static {
    ALL.put("verifier_offline", VerifierCases::offline);
    ALL.put("verifier_revoked", VerifierCases::revoked);
    ALL.put("verifier_revoked_before_start", VerifierCases::revokedBeforeStart);
    ALL.put("verifier_terminated", VerifierCases::terminated);
    ALL.put("verifier_fail_closed", VerifierCases::failClosed);
    ALL.put("verifier_key_rotation", VerifierCases::keyRotation);
    ALL.put("verifier_forgeries", VerifierCases::forgeries);
    ALL.put("verifier_cold_start_after_compaction", VerifierCases::coldStartAfterCompaction);
    ALL.put("verifier_compacted_resume", VerifierCases::compactedResume);
    ALL.put("verifier_other_tenant", VerifierCases::otherTenant);
    ALL.put("verifier_rewind", VerifierCases::rewind);
    ALL.put("verifier_only_endings", VerifierCases::onlyEndings);
  }

  private VerifierCases() {}

  static LocalVerifier verifier(Main.Args args, double failClosedAfter) {
    var v = new LocalVerifier(args.target, new LocalVerifier.Options().apiKey(args.apiKey)
        .failClosedAfter(Duration.ofMillis((long) (failClosedAfter * 1000)))).start();
    if (!v.waitReady(Duration.ofSeconds(15))) {
      v.close();
      throw new AssertionError("verifier not ready: " + v.error());
    }
    return v;
  }

  static Map<String, Object> offline(Main.Args args) throws Exception {
    try (var c = client(args); var v = verifier(args, 10)) {
      String token = c.createSession(args.prefix + "-off").getTokens().getAccessToken();
      long before = control(args, "/metrics", "GET").get("rpcs").asLong();
      for (int i = 0; i < 1000; i++) {
        check(v.verify(token).valid(), "not valid", v.verify(token));
      }
      long after = control(args, "/metrics", "GET").get("rpcs").asLong();
      check(after == before, "rpcs meanwhile", after - before);
      return Map.of("verifications", 1000, "rpcs_meanwhile", after - before);
    }
  }

  static Map<String, Object> revoked(Main.Args args) throws Exception {
    try (var c = client(args); var v = verifier(args, 10)) {
      var r = c.createSession(args.prefix + "-rev");
      String token = r.getTokens().getAccessToken();
      check(v.verify(token).valid(), "not valid", v.verify(token));
      c.revokeSession(r.getSession().getSessionId());
      double took = until(() -> v.verify(token).reason().equals("SESSION_REVOKED"), 1.0);
      return Map.of("latency_ms", round(took * 1000, 2));
    }
  }

  static Map<String, Object> revokedBeforeStart(Main.Args args) throws Exception {
    try (var c = client(args)) {
      var r = c.createSession(args.prefix + "-early");
      c.revokeSession(r.getSession().getSessionId());
      try (var v = verifier(args, 10)) {
        String reason = v.verify(r.getTokens().getAccessToken()).reason();
        check(reason.equals("SESSION_REVOKED"), "reason", reason);
        return Map.of("reason", reason);
      }
    }
  }

  static Map<String, Object> terminated(Main.Args args) throws Exception {
    String subject = args.prefix + "-term";
    try (var c = client(args); var v = verifier(args, 10)) {
      var r = c.createSession(subject);
      String token = r.getTokens().getAccessToken();
      check(v.verify(token).valid(), "not valid", v.verify(token));
      c.terminateSubject(subject, TerminationReason.TERMINATION_REASON_BANNED, "CONF_BAN");
      try {
        double took = until(() -> v.verify(token).reason().equals("SESSION_TERMINATED"), 1.0);
        return Map.of("latency_ms", round(took * 1000, 2));
      } finally {
        c.reinstateSubject(subject);
      }
    }
  }

  static Map<String, Object> failClosed(Main.Args args) throws Exception {
    try (var c = client(args); var v = verifier(args, 2)) {
      String token = c.createSession(args.prefix + "-closed").getTokens().getAccessToken();
      check(v.verify(token).valid(), "not valid", v.verify(token));
      control(args, "/stop");
      double took;
      try {
        took = until(() -> v.verify(token).reason().equals("UNKNOWN"), 5.0);
      } finally {
        control(args, "/start");
      }
      check(v.waitReady(Duration.ofSeconds(15)), "not ready again after the server came back", null);
      return Map.of("unknown_after_s", round(took, 2));
    }
  }

  static Map<String, Object> keyRotation(Main.Args args) throws Exception {
    try (var v = verifier(args, 10)) {
      String old;
      String fresh;
      try (var c = client(args)) {
        old = c.createSession(args.prefix + "-rot").getTokens().getAccessToken();
      }
      control(args, "/rotate");
      try (var c = client(args)) {
        fresh = c.createSession(args.prefix + "-rot2").getTokens().getAccessToken();
      }
      var kids = new TreeSet<String>(List.of(header(old).get("kid").asText(),
          header(fresh).get("kid").asText()));
      check(kids.size() == 2, "kids", kids);
      check(v.waitReady(Duration.ofSeconds(15)), "not ready", null);
      check(v.verify(fresh).valid(), "new token", v.verify(fresh));
      check(v.verify(old).valid(), "old token", v.verify(old));
      return Map.of("kids", new ArrayList<>(kids));
    }
  }

  static Map<String, Object> forgeries(Main.Args args) throws Exception {
    try (var c = client(args); var v = verifier(args, 10)) {
      String token = c.createSession(args.prefix + "-forge").getTokens().getAccessToken();
      String foreign;
      try (var other = client(args, args.target,
          new SessionAuthorityClient.Options().apiKey(args.otherApiKey))) {
        foreign = other.createSession(args.prefix + "-forge").getTokens().getAccessToken();
      }
      JsonNode jwk = Common.JSON.readTree(c.getJwks().getJwksJson()).get("keys").get(0);
      String kid = jwk.get("kid").asText();
      String[] p = token.split("\\.");
      String head = p[0];
      String body = p[1];
      String sig = p[2];
      String flipped = sig.substring(0, 10) + (sig.charAt(10) != 'A' ? "A" : "B")
          + sig.substring(11);
      String none = b64(json(Map.of("alg", "none", "kid", kid))) + "." + body + ".";
      String hsHead = b64(json(Map.of("alg", "HS256", "kid", kid, "typ", "JWT")));
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(jwk.get("x").asText().getBytes(StandardCharsets.US_ASCII),
          "HmacSHA256"));
      String hs256 = hsHead + "." + body + "."
          + b64(mac.doFinal((hsHead + "." + body).getBytes(StandardCharsets.US_ASCII)));
      String unknown = b64(json(Map.of("alg", "EdDSA", "kid", "k_unknown")));
      Map<String, String> seen = new LinkedHashMap<>();
      seen.put("changed_byte", v.verify(head + "." + body + "." + flipped).reason());
      seen.put("alg_none", v.verify(none).reason());
      seen.put("hs256", v.verify(hs256).reason());
      seen.put("unknown_kid", v.verify(unknown + "." + body + "." + sig).reason());
      seen.put("other_audience", v.verify(foreign).reason());
      Thread.sleep(7000); // the server's tokens live 6 s: let this one expire
      seen.put("expired", v.verify(token).reason());
      check(seen.values().stream().noneMatch(String::isEmpty), "not refused", seen);
      check(seen.get("changed_byte").equals("BAD_SIGNATURE")
          && seen.get("unknown_kid").equals("BAD_SIGNATURE"), "reasons", seen);
      check(seen.get("expired").equals("TOKEN_EXPIRED"), "reasons", seen);
      return Map.of("reasons", seen);
    }
  }

  static Map<String, Object> coldStartAfterCompaction(Main.Args args) throws Exception {
    String token;
    try (var c = client(args)) {
      var r = c.createSession(args.prefix + "-cold");
      c.revokeSession(r.getSession().getSessionId());
      token = r.getTokens().getAccessToken();
    }
    long compact = control(args, "/compact").get("compact_revision").asLong();
    try (var v = verifier(args, 10)) {
      String reason = v.verify(token).reason();
      check(reason.equals("SESSION_REVOKED"), "reason", reason);
      return Map.of("compact_revision", compact, "snapshots", v.snapshots());
    }
  }

  static Map<String, Object> compactedResume(Main.Args args) throws Exception {
    try (var v = verifier(args, 30)) {
      int first = v.snapshots();
      JsonNode done = control(args, "/restart?writes=2&subject=" + args.prefix + "-away&compact=1");
      until(() -> v.snapshots() > first && v.healthy(), 20.0);
      List<String> reasons = new ArrayList<>();
      for (JsonNode s : done.get("sessions")) {
        reasons.add(v.verify(s.get("access_token").asText()).reason());
      }
      check(reasons.equals(List.of("SESSION_REVOKED", "SESSION_REVOKED")), "reasons", reasons);
      return Map.of("snapshots", v.snapshots(), "reasons", reasons);
    }
  }

  static Map<String, Object> otherTenant(Main.Args args) throws Exception {
    try (var other = client(args, args.target,
            new SessionAuthorityClient.Options().apiKey(args.otherApiKey));
        var v = verifier(args, 10)) {
      var r = other.createSession(args.prefix + "-alice");
      var before = v.verify(r.getTokens().getAccessToken());
      other.revokeSession(r.getSession().getSessionId());
      var after = v.verify(r.getTokens().getAccessToken());
      check(!before.valid() && !after.valid(), "valid", before + " " + after);
      return Map.of("before", before.reason(), "after", after.reason());
    }
  }

  static Map<String, Object> rewind(Main.Args args) throws Exception {
    var kept = client(args).createSession(args.prefix + "-kept");
    long backup = control(args, "/head", "GET").get("head_revision").asLong();
    try (var v = verifier(args, 30)) {
      try (var c = client(args)) {
        for (int i = 0; i < 3; i++) {
          c.createSession(args.prefix + "-lost");
        }
      }
      until(() -> v.revision() >= backup + 3, 5.0);
      long seen = v.revision();
      int first = v.snapshots();
      control(args, "/rewind?to=" + backup);
      until(() -> v.snapshots() > first && v.healthy(), 20.0);
      long revokedAt;
      try (var c = client(args)) {
        revokedAt = c.revokeSession(kept.getSession().getSessionId()).getSession().getRevision();
      }
      check(revokedAt <= seen, "revision " + revokedAt + " above", seen);
      String token = kept.getTokens().getAccessToken();
      double took = until(() -> v.verify(token).reason().equals("SESSION_REVOKED"), 2.0);
      return Map.of("latency_ms", round(took * 1000, 2), "revision_seen", seen,
          "restored", backup);
    }
  }

  static Map<String, Object> onlyEndings(Main.Args args) throws Exception {
    try (var v = verifier(args, 10)) {
      JsonNode streams = control(args, "/metrics", "GET").get("streams_by_types");
      Map<String, Double> live = new LinkedHashMap<>();
      streams.fields().forEachRemaining(e -> {
        if (e.getValue().asDouble() != 0) {
          live.put(e.getKey(), e.getValue().asDouble());
        }
      });
      check(live.equals(Map.of("EXPIRED,REVOKED,TERMINATED", 1.0)), "streams", live);
      return Map.of("streams_by_types", live);
    }
  }

  private static JsonNode header(String token) throws Exception {
    return Common.JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[0]));
  }

  private static byte[] json(Map<String, String> m) throws Exception {
    return Common.JSON.writeValueAsBytes(new java.util.TreeMap<>(m));
  }

  private static String b64(byte[] raw) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }
}
