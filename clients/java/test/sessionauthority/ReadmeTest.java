package sessionauthority;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/** The README's "### Java" example, compiled and run as written against a live server. */
class ReadmeTest {
  @Test
  void exampleRunsAsWritten() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    var m = Pattern.compile("### Java\\n.*?```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
    assertTrue(m.find(), "no java example under ### Java");
    Path dir = Files.createTempDirectory("sa-readme-");
    Files.writeString(dir.resolve("Example.java"), m.group(1));
    String classpath = Files.readString(Path.of("clients/java/build/classpath")).trim();
    int rc = ToolProvider.getSystemJavaCompiler().run(null, null, null,
        "-nowarn", "-cp", classpath, "-d", dir.toString(), dir.resolve("Example.java").toString());
    assertEquals(0, rc, "the example does not compile");
    var out = new ByteArrayOutputStream();
    PrintStream stdout = System.out;
    try (var server = TestServer.start();
        var loader = new URLClassLoader(new URL[] {dir.toUri().toURL()},
            getClass().getClassLoader())) {
      System.setOut(new PrintStream(out, true));
      loader.loadClass("Example").getMethod("main", String[].class)
          .invoke(null, (Object) new String[] {server.target});
    } finally {
      System.setOut(stdout);
    }
    String printed = out.toString();
    assertTrue(printed.contains("ready true"), printed);
    assertTrue(printed.contains("valid true"), printed);
    assertTrue(printed.contains("renew after logout: UNAUTHENTICATED SESSION_REVOKED"), printed);
    assertTrue(printed.contains("event SESSION_EVENT_TYPE_REVOKED"), printed);
    assertTrue(printed.contains("refused offline"), printed);
  }
}
