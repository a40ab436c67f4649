package sessionauthority;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import sessionauthority.ManagedSession.State;
import sessionauthority.v1.SubjectServiceOuterClass.TerminationReason;

class ManagedSessionTest {
  static TestServer server;
  static SessionAuthorityClient client;

  @BeforeAll
  static void start() throws Exception {
    // Short-lived tokens, so that renewals and expiries happen within a test.
    server = TestServer.start(Map.of("ACCESS_TOKEN_TTL_SECONDS", "4"));
    client = new SessionAuthorityClient(server.target);
  }

  @AfterAll
  static void stop() throws Exception {
    client.close();
    server.close();
  }

  static List<String> record(ManagedSession m) {
    List<String> seen = new CopyOnWriteArrayList<>();
    m.addListener((c, s) -> seen.add(c.state() + ":" + c.reason() + ":" + c.errorCode()));
    return seen;
  }

  static void until(BooleanSupplier ok, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (!ok.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, what);
      Thread.sleep(10);
    }
  }

  @Test
  void renewsPersistsRestoresAndEndsOnTermination() throws Exception {
    Path file = Files.createTempDirectory("managed-").resolve("session.json");
    var store = new FileTokenStore(file);
    String subject = "java-managed";
    var opts = new ManagedSessionOptions().store(store).leadTime(Duration.ofSeconds(3));
    try (var device = new ManagedSession(client, subject, opts)) {
      List<String> states = record(device);
      assertEquals(State.NOT_LOGGED_IN, device.state());
      device.login();
      assertEquals(List.of("ESTABLISHING::", "ESTABLISHED::"), states);
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
      String first = device.accessToken();
      String firstRefresh = (String) store.load().get("refresh_token");
      // A 4 s token with a 3 s lead time is renewed at half its life.
      until(() -> states.contains("ESTABLISHED:RENEWED:"), "no renewal");
      assertNotEquals(first, device.accessToken());
      assertNotEquals(firstRefresh, store.load().get("refresh_token"));
      assertEquals(device.accessToken(), store.load().get("access_token"));
      // Inside the reuse grace window the old refresh token returns its successor.
      assertEquals(device.accessToken(),
          client.renewSession(firstRefresh).getTokens().getAccessToken());

      try (var other = new ManagedSession(client, "someone-else",
          new ManagedSessionOptions().store(new TokenStore.Memory()))) {
        other.store().save(store.load());
        List<String> seen = record(other);
        assertFalse(other.restore());
        assertEquals(List.of("NOT_LOGGED_IN:STORED_SESSION_OTHER_SUBJECT:"), seen);
        assertNull(other.store().load());
      }

      try (var again = new ManagedSession(client, subject, new ManagedSessionOptions().store(store))) {
        List<String> ended = record(again);
        assertTrue(again.restore());
        assertEquals(device.sessionId(), again.sessionId());
        assertEquals("ESTABLISHED:RESTORED:", ended.get(0));
        device.close(); // one device: the first process has gone
        client.terminateSubject(subject, TerminationReason.TERMINATION_REASON_BANNED, "JAVA_BAN");
        try {
          again.renewNow();
        } finally {
          client.reinstateSubject(subject);
        }
        assertEquals(State.TERMINATED, again.state());
        assertEquals("TERMINATED:SESSION_TERMINATED:JAVA_BAN", ended.get(ended.size() - 1));
        assertFalse(again.isPersisted());
        assertFalse(Files.exists(file));
      }
    }
  }

  @Test
  void postponedRenewalExpiresThenRenewsAndLogsOut() throws Exception {
    var opts = new ManagedSessionOptions().leadTime(Duration.ofSeconds(3))
        .renewalHandler(s -> false).postponeDelay(Duration.ofMinutes(10));
    try (var m = new ManagedSession(client, "java-postponed", opts)) {
      List<String> states = record(m);
      m.login();
      assertFalse(m.isPersisted()); // no store given: nothing persisted
      until(() -> states.contains("TOKEN_EXPIRED:ACCESS_TOKEN_EXPIRED:"), "no expiry");
      assertEquals(State.TOKEN_EXPIRED, m.state());
      m.renewNow();
      assertEquals(State.ESTABLISHED, m.state());
      assertEquals("ESTABLISHED:RENEWED:", states.get(states.size() - 1));
      String sessionId = m.sessionId();
      m.logout();
      assertEquals(State.NOT_LOGGED_IN, m.state());
      assertEquals("NOT_LOGGED_IN:LOGGED_OUT:", states.get(states.size() - 1));
      assertEquals("", m.accessToken());
      assertThrows(SessionAuthorityException.NotFound.class, () -> client.getSession("nope"));
      assertNotEquals("SESSION_STATE_ACTIVE", client.getSession(sessionId).getState().name());
    }
  }

  @Test
  void failedLoginIsNotLoggedInWithTheReason() {
    try (var m = new ManagedSession(client, "")) {
      List<String> states = record(m);
      assertThrows(SessionAuthorityException.class, m::login);
      assertEquals(State.NOT_LOGGED_IN, m.state());
      assertTrue(states.get(1).startsWith("NOT_LOGGED_IN:"), states.toString());
    }
  }
}
