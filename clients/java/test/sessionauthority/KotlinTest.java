package sessionauthority;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** clients/java/kotlin/Example.kt, compiled by Debian's kotlinc (1.3) against
 * this client's classes and jars and run on this JDK against a live server. */
class KotlinTest {
  // AutoCloseable.use is in the jdk7 part of the standard library, which
  // kotlinc does not put on the class path by itself.
  private static final String STDLIB =
      "/usr/share/java/kotlin-stdlib.jar:/usr/share/java/kotlin-stdlib-jdk7.jar";

  @Test
  void exampleCompilesAndRuns() throws Exception {
    String classpath = Files.readString(Path.of("clients/java/build/classpath")).trim();
    Path out = Files.createTempDirectory("sa-kotlin-");
    String compiled = run(List.of("kotlinc", "-jvm-target", "1.8", "-nowarn",
        "-cp", classpath + ":" + STDLIB, "clients/java/kotlin/Example.kt",
        "-d", out.toString()), 0);
    try (var server = TestServer.start()) {
      String printed = run(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Djava.library.path=clients/java/build/native",
          "-cp", classpath + ":" + STDLIB + ":" + out, "ExampleKt", server.target), 0);
      assertTrue(printed.contains("validated true"), printed);
      assertTrue(printed.contains("verified true"), printed);
      assertTrue(printed.contains("renew after logout: UNAUTHENTICATED SESSION_REVOKED"), printed);
      assertTrue(printed.contains("refused offline: SESSION_REVOKED"), printed + compiled);
    }
  }

  private static String run(List<String> command, int expected) throws Exception {
    Path log = Files.createTempFile("sa-kotlin-", ".log");
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + command);
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertEquals(expected, p.exitValue(), String.join(" ", command) + "\n" + output);
    return output;
  }
}
