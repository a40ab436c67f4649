package sessionauthority;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/** A {@link ManagedSession}'s settings; the defaults are the Python SDK's. */
public final class ManagedSessionOptions {
  String reference = "";
  Duration leadTime = Duration.ofSeconds(60);
  Predicate<ManagedSession> renewalHandler;
  Duration postponeDelay = Duration.ofMinutes(10);
  Boolean persist;
  TokenStore store;
  Duration backoffFirst = Duration.ofSeconds(1);
  Duration backoffMax = Duration.ofMinutes(5);

  /** restore() takes up only a stored session with the same reference. */
  public ManagedSessionOptions reference(String v) { reference = v; return this; }
  /** Renew this long before the access token expires (at most half its remaining life). */
  public ManagedSessionOptions leadTime(Duration v) { leadTime = v; return this; }
  /** Asked before each renewal; false postpones it by postponeDelay. One that
   * throws counts as true, so that its bug cannot let the session lapse. */
  public ManagedSessionOptions renewalHandler(Predicate<ManagedSession> v) {
    renewalHandler = v;
    return this;
  }
  public ManagedSessionOptions postponeDelay(Duration v) { postponeDelay = v; return this; }
  /** Keep the session in the store; default: true when a store is given. */
  public ManagedSessionOptions persist(boolean v) { persist = v; return this; }
  public ManagedSessionOptions store(TokenStore v) { store = v; return this; }
  /** First and largest wait between failed renewals, each jittered 0.5x to 1.5x. */
  public ManagedSessionOptions backoff(Duration first, Duration max) {
    backoffFirst = first;
    backoffMax = max;
    return this;
  }

  long backoffMillis(int failures) {
    double wait = Math.min(backoffMax.toMillis(),
        backoffFirst.toMillis() * Math.pow(2, Math.min(failures - 1, 30)));
    return (long) (wait * (0.5 + ThreadLocalRandom.current().nextDouble()));
  }
}
