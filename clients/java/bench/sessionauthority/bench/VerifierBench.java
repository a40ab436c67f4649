package sessionauthority.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import com.fasterxml.jackson.databind.ObjectMapper;
import sessionauthority.LocalVerifier;
import sessionauthority.LocalVerifier.Verification;
import sessionauthority.SessionAuthorityClient;

/**
 * The Java LocalVerifier in the bench (bench/verifier.py runs it pinned to
 * one CPU, as it does the other clients' programs, and reads the same JSON):
 * warm and cold verifications per second beside one bare JDK Ed25519 verify
 * on the same CPU (the ceiling a cold check cannot pass), and how long after
 * RevokeSession returns the verifier refuses the token.
 *
 *   java -cp ... sessionauthority.bench.VerifierBench TARGET TOKENS_JSON SECONDS
 */
public final class VerifierBench {
  private static final int REVOKES = 100;
  // Pinned to one CPU, the JIT's compiler threads share it with the loop
  // being measured: the JDK's Ed25519 takes some 6 s to reach its steady
  // rate there. As JMH does, warm up in 1 s iterations, here until the rate
  // stops moving (within 5 % of the one before), at least 3 and at most 12.
  private static final int WARMUP_MIN = 3;
  private static final int WARMUP_MAX = 12;
  private static final double SLICE_SECONDS = 0.5;
  private static volatile Object sink;

  private VerifierBench() {}

  public static void main(String[] args) throws Exception {
    String target = args[0];
    List<String> tokens = List.of(new ObjectMapper().readValue(
        Files.readString(Path.of(args[1])), String[].class));
    double seconds = Double.parseDouble(args[2]);
    Map<String, Object> result = new LinkedHashMap<>();
    try (var cold = new LocalVerifier(target, new LocalVerifier.Options().cacheSize(1)).start()) {
      ready(cold);
      // Both are one signature check each; measured in alternating slices so
      // that whatever else this CPU runs meanwhile weighs on both alike.
      Runnable bare = ed25519(), checked = verifying(cold::verify, tokens);
      warmUp(bare);
      warmUp(checked);
      long[] bareCount = new long[2], coldCount = new long[2];
      for (double spent = 0; spent < seconds; spent += SLICE_SECONDS) {
        add(bareCount, bare);
        add(coldCount, checked);
      }
      result.put("ed25519_per_s", bareCount[0] / (bareCount[1] / 1e9));
      result.put("cold_per_s", coldCount[0] / (coldCount[1] / 1e9));
    }
    try (var warm = new LocalVerifier(target, new LocalVerifier.Options()).start();
        var client = new SessionAuthorityClient(target)) {
      ready(warm);
      Runnable hit = verifying(warm::verify, tokens);
      warmUp(hit);
      result.put("warm_per_s", rate(hit, seconds));
      List<Double> delays = new ArrayList<>();
      for (int i = 0; i < REVOKES; i++) {
        var created = client.createSession("java-verifier-" + i);
        String token = created.getTokens().getAccessToken();
        if (!warm.verify(token).valid()) {
          throw new IllegalStateException("a fresh token did not verify");
        }
        client.revokeSession(created.getSession().getSessionId());
        long sent = System.nanoTime();
        while (!warm.verify(token).reason().equals("SESSION_REVOKED")) {
          Thread.onSpinWait();
        }
        delays.add((System.nanoTime() - sent) / 1e6);
      }
      Collections.sort(delays);
      result.put("refusal_p50_ms", delays.get(delays.size() / 2));
      result.put("refusal_p99_ms", delays.get((int) (delays.size() * 0.99)));
    }
    result.put("runtime", "Java " + System.getProperty("java.version"));
    System.out.println(new ObjectMapper().writeValueAsString(result));
    System.exit(0); // gRPC's non-daemon threads would keep the JVM up a while
  }

  private static void ready(LocalVerifier verifier) {
    if (!verifier.waitReady(Duration.ofSeconds(60))) {
      throw new IllegalStateException("the verifier did not catch up");
    }
  }

  private static Runnable verifying(Function<String, Verification> verify, List<String> tokens) {
    String[] all = tokens.toArray(new String[0]);
    return new Runnable() {
      private int i;

      @Override
      public void run() {
        Verification v = verify.apply(all[i++ % all.length]);
        if (!v.valid() && !v.reason().equals("SESSION_REVOKED")) {
          throw new IllegalStateException("unexpected verification: " + v);
        }
      }
    };
  }

  private static Runnable ed25519() throws Exception {
    var pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    byte[] message = new byte[300]; // about a token's signed part
    new SecureRandom().nextBytes(message);
    Signature signer = Signature.getInstance("Ed25519");
    signer.initSign(pair.getPrivate());
    signer.update(message);
    byte[] signature = signer.sign();
    PublicKey key = pair.getPublic();
    Signature bare = Signature.getInstance("Ed25519");
    return () -> {
      try {
        bare.initVerify(key);
        bare.update(message);
        if (!bare.verify(signature)) {
          throw new IllegalStateException("the signature did not verify");
        }
      } catch (java.security.GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    };
  }

  private static void warmUp(Runnable call) {
    double last = rate(call, 1);
    for (int i = 1; i < WARMUP_MAX; i++) {
      double now = rate(call, 1);
      boolean steady = Math.abs(now - last) <= 0.05 * last;
      last = now;
      if (steady && i + 1 >= WARMUP_MIN) {
        break;
      }
    }
  }

  private static void add(long[] total, Runnable call) {
    long[] slice = loop(call, SLICE_SECONDS);
    total[0] += slice[0];
    total[1] += slice[1];
  }

  private static double rate(Runnable call, double seconds) {
    long[] done = loop(call, seconds);
    return done[0] / (done[1] / 1e9);
  }

  /** Calls made and nanoseconds taken, in about {@code seconds}. */
  private static long[] loop(Runnable call, double seconds) {
    long count = 0;
    long started = System.nanoTime();
    long limit = (long) (seconds * 1e9);
    while (System.nanoTime() - started < limit) {
      for (int i = 0; i < 100; i++) {
        call.run();
      }
      count += 100;
    }
    sink = count;
    return new long[] {count, System.nanoTime() - started};
  }
}
