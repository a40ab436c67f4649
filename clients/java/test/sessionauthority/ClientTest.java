package sessionauthority;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import sessionauthority.SessionAuthorityException.*;
import sessionauthority.v1.SessionServiceOuterClass.SessionEvent;
import sessionauthority.v1.SessionServiceOuterClass.SessionEventType;

class ClientTest {
  static TestServer server;
  static SessionAuthorityClient client;

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.start();
    client = new SessionAuthorityClient(server.target);
  }

  @AfterAll
  static void stop() throws Exception {
    client.close();
    server.close();
  }

  @Test
  void lifecycleAndTypedErrors() {
    var r = client.createSession("java-life", "ref");
    var v = client.validateSession(r.getTokens().getAccessToken(), "java-life", "ref");
    assertTrue(v.getValid());
    var renewed = client.renewSession(r.getTokens().getRefreshToken());
    assertNotEquals(r.getTokens().getRefreshToken(), renewed.getTokens().getRefreshToken());
    client.revokeSession(r.getSession().getSessionId());
    var e = assertThrows(SessionRevoked.class,
        () -> client.renewSession(renewed.getTokens().getRefreshToken()));
    assertEquals("SESSION_REVOKED", e.reason());
    var bad = assertThrows(InvalidArgument.class, () -> client.createSession("has space"));
    assertTrue(bad.fieldViolations().stream().anyMatch(f -> f.field().equals("subject_id")));
    var missing = assertThrows(NotFound.class, () -> client.getSession("ses_doesnotexist0000"));
    assertEquals("SESSION_NOT_FOUND", missing.reason());
  }

  @Test
  void watchHearsEndingsOnlyWhenAsked() throws Exception {
    var heard = new LinkedBlockingQueue<SessionEvent>();
    var ready = new java.util.concurrent.CountDownLatch(1);
    try (Watch w = client.watch(new Watch.Options().subjectId("java-watch")
        .eventTypes(SessionEventType.SESSION_EVENT_TYPE_REVOKED)
        .onProgress(rev -> ready.countDown()))) {
      Thread t = new Thread(() -> {
        while (w.hasNext()) {
          heard.add(w.next());
        }
      });
      t.setDaemon(true);
      t.start();
      assertTrue(ready.await(10, TimeUnit.SECONDS));
      var r = client.createSession("java-watch");
      client.revokeSession(r.getSession().getSessionId());
      var event = heard.poll(10, TimeUnit.SECONDS);
      assertNotNull(event);
      assertEquals(SessionEventType.SESSION_EVENT_TYPE_REVOKED, event.getType());
      assertEquals(r.getSession().getSessionId(), event.getSession().getSessionId());
    }
  }

  @Test
  void verifierAcceptsThenRefusesRevoked() throws Exception {
    try (var v = new LocalVerifier(server.target, new LocalVerifier.Options()).start()) {
      assertTrue(v.waitReady(Duration.ofSeconds(15)));
      var r = client.createSession("java-verify");
      String token = r.getTokens().getAccessToken();
      var ok = v.verify(token);
      assertTrue(ok.valid());
      assertEquals("java-verify", ok.subjectId());
      client.revokeSession(r.getSession().getSessionId());
      long deadline = System.nanoTime() + 1_000_000_000L;
      while (!v.verify(token).reason().equals("SESSION_REVOKED")) {
        assertTrue(System.nanoTime() < deadline, "not refused within 1 s");
        Thread.sleep(2);
      }
      String[] p = token.split("\\.");
      assertEquals("MALFORMED", v.verify("not-a-token").reason());
      String none = b64("{\"alg\":\"none\"}") + "." + p[1] + ".";
      assertEquals("MALFORMED", v.verify(none).reason());
      String flipped = p[2].substring(0, 10) + (p[2].charAt(10) == 'A' ? 'B' : 'A')
          + p[2].substring(11);
      assertEquals("BAD_SIGNATURE", v.verify(p[0] + "." + p[1] + "." + flipped).reason());
    }
  }

  @Test
  void verifierFailsClosedBeforeStart() {
    var v = new LocalVerifier(server.target, new LocalVerifier.Options());
    assertEquals("UNKNOWN", v.verify("a.b.c").reason());
    v.close();
  }

  @Test
  void jwksKeysSkipOthers() {
    String jwks = "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"r\"},"
        + "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"short\",\"x\":\"AAAA\"},"
        + "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"k\",\"alg\":\"EdDSA\",\"x\":\""
        + Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]) + "\"}]}";
    assertEquals(java.util.Set.of("k"), LocalVerifier.ed25519Keys(jwks).keySet());
  }

  private static String b64(String s) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes());
  }
}
