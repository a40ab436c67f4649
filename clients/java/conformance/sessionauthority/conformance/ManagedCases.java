package sessionauthority.conformance;

import static sessionauthority.conformance.Common.check;
import static sessionauthority.conformance.Common.client;
import static sessionauthority.conformance.Common.until;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import sessionauthority.FileTokenStore;
import sessionauthority.ManagedSession;
import sessionauthority.ManagedSessionOptions;
import sessionauthority.v1.SubjectServiceOuterClass.TerminationReason;

/**
 * The ManagedSession case (conformance/CASES.md): a device's session through
 * its states, kept in a file, taken up again by a new ManagedSession (as after
 * a restart of the client process), ended by a ban.
 */
final class ManagedCases {
  static final Map<String, Common.Case> ALL = Map.of("managed_session", ManagedCases::managed);

  private ManagedCases() {}

  static Map<String, Object> managed(Main.Args args) throws Exception {
    String subject = args.prefix + "-managed";
    var store = new FileTokenStore(
        Files.createTempDirectory("conformance-").resolve("session.json"));
    List<String> states = new CopyOnWriteArrayList<>();
    List<String> ended = new CopyOnWriteArrayList<>();
    try (var c = client(args);
        var device = new ManagedSession(c, subject,
            new ManagedSessionOptions().persist(true).store(store).leadTime(Duration.ofSeconds(3)));
        var again = new ManagedSession(c, subject,
            new ManagedSessionOptions().persist(true).store(store))) {
      device.addListener((ch, s) -> states.add(ch.state() + ":" + ch.reason()));
      device.login();
      String firstToken = device.accessToken();
      // Tokens live 6 s; the renewal comes 3 s before expiry.
      until(() -> states.stream().anyMatch(s -> s.endsWith(":RENEWED")), 10);
      check(!device.accessToken().equals(firstToken), "the access token did not change", null);
      check(again.restore(), "the stored session was not taken up", null);
      check(again.sessionId().equals(device.sessionId()), "another session",
          List.of(again.sessionId(), device.sessionId()));
      again.addListener((ch, s) -> ended.add(ch.state() + ":" + ch.reason() + ":" + ch.errorCode()));
      c.terminateSubject(subject, TerminationReason.TERMINATION_REASON_BANNED, "CONF_BAN");
      try {
        again.renewNow();
        until(() -> ended.stream().anyMatch(e -> e.startsWith("TERMINATED")), 10);
      } finally {
        c.reinstateSubject(subject);
      }
      again.unpersist();
      boolean persisted = again.isPersisted();
      check(states.size() >= 2 && states.subList(0, 2).equals(
          List.of("ESTABLISHING:", "ESTABLISHED:")), "states", states);
      check(ended.contains("TERMINATED:SESSION_TERMINATED:CONF_BAN"), "ended", ended);
      check(!persisted && store.load() == null, "still stored after unpersist", null);
      return Map.of("states", new ArrayList<>(states.subList(0, Math.min(3, states.size()))),
          "terminated", ended.get(ended.size() - 1));
    }
  }
}
