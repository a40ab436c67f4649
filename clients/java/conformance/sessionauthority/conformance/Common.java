package sessionauthority.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;
import sessionauthority.SessionAuthorityClient;
import sessionauthority.SessionAuthorityException;

/** What every Java conformance case shares: control calls, clients, checks. */
final class Common {
  interface Case {
    Map<String, Object> run(Main.Args args) throws Exception;
  }

  interface Call {
    void run() throws Exception;
  }

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  static final ObjectMapper JSON = new ObjectMapper();

  private Common() {}

  static void check(boolean ok, String what, Object seen) {
    if (!ok) {
      throw new AssertionError(seen == null ? what : what + ": " + seen);
    }
  }

  static JsonNode control(Main.Args args, String path, String method) throws Exception {
    var request = HttpRequest.newBuilder(URI.create(args.control + path))
        .timeout(Duration.ofSeconds(60))
        .method(method, HttpRequest.BodyPublishers.noBody())
        .build();
    var r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    JsonNode body = JSON.readTree(r.body());
    check(r.statusCode() / 100 == 2, "control " + path + " failed", body);
    return body;
  }

  static JsonNode control(Main.Args args, String path) throws Exception {
    return control(args, path, "POST");
  }

  static SessionAuthorityClient client(Main.Args args) {
    return client(args, args.target, new SessionAuthorityClient.Options().apiKey(args.apiKey));
  }

  static SessionAuthorityClient client(
      Main.Args args, String target, SessionAuthorityClient.Options options) {
    return new SessionAuthorityClient(target, options);
  }

  /** The error {@code call} must throw, as the client's typed exception. */
  static <T extends SessionAuthorityException> T expect(Class<T> type, Call call) throws Exception {
    try {
      call.run();
    } catch (SessionAuthorityException e) {
      check(type.isInstance(e), "expected " + type.getSimpleName(), e);
      return type.cast(e);
    }
    throw new AssertionError("expected " + type.getSimpleName());
  }

  /** Seconds until {@code ok} holds; fails past the deadline. */
  static double until(BooleanSupplier ok, double seconds) {
    long started = System.nanoTime();
    while (!ok.getAsBoolean()) {
      check((System.nanoTime() - started) / 1e9 < seconds, "not within " + seconds + " s", null);
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
    return (System.nanoTime() - started) / 1e9;
  }

  static double round(double v, int places) {
    double f = Math.pow(10, places);
    return Math.round(v * f) / f;
  }
}
