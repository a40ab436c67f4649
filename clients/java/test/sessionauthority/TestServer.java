package sessionauthority;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The real Python server (the one `make run` runs) on a free port over a new SQLite file. */
final class TestServer implements AutoCloseable {
  private static final Pattern SERVING = Pattern.compile("serving on (\\S+)");
  final String target;
  private final Process process;

  private TestServer(String target, Process process) {
    this.target = target;
    this.process = process;
  }

  static TestServer start() throws Exception {
    return start(java.util.Map.of());
  }

  /** With these SESSION_AUTHORITY_* settings (e.g. ACCESS_TOKEN_TTL_SECONDS). */
  static TestServer start(java.util.Map<String, String> settings) throws Exception {
    String bin = System.getenv().getOrDefault("SESSION_AUTHORITY_BIN",
        Path.of(".venv", "bin", "session-authority").toAbsolutePath().toString());
    Path dir = Files.createTempDirectory("sa-java-");
    var pb = new ProcessBuilder(bin, "serve", "--port", "0",
        "--database-url", "sqlite:///" + dir.resolve("sa.db"));
    pb.environment().put("SESSION_AUTHORITY_SHUTDOWN_GRACE_SECONDS", "1");
    settings.forEach((k, v) -> pb.environment().put("SESSION_AUTHORITY_" + k, v));
    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    var found = new CompletableFuture<String>();
    Thread reader = new Thread(() -> {
      try (var in = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
        for (String line; (line = in.readLine()) != null; ) {
          Matcher m = SERVING.matcher(line);
          if (m.find()) {
            found.complete(m.group(1));
          }
        }
      } catch (IOException e) {
        found.completeExceptionally(e);
      }
      found.completeExceptionally(new IllegalStateException("the server exited"));
    });
    reader.setDaemon(true);
    reader.start();
    try {
      return new TestServer(found.get(30, TimeUnit.SECONDS), p);
    } catch (Exception e) {
      p.destroyForcibly();
      throw e;
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
