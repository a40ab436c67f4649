package sessionauthority;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/** The README's "### Java" examples, compiled and run as written against a live server. */
class ReadmeTest {
  @Test
  void exampleRunsAsWritten() throws Exception {
    String printed = run("Example");
    assertTrue(printed.contains("ready true"), printed);
    assertTrue(printed.contains("valid true"), printed);
    assertTrue(printed.contains("renew after logout: UNAUTHENTICATED SESSION_REVOKED"), printed);
    assertTrue(printed.contains("event SESSION_EVENT_TYPE_REVOKED"), printed);
    assertTrue(printed.contains("refused offline"), printed);
  }

  @Test
  void managedExampleRunsAsWritten() throws Exception {
    String printed = run("ManagedExample");
    assertTrue(printed.contains("NOT_LOGGED_IN -> ESTABLISHING \n"), printed);
    assertTrue(printed.contains("ESTABLISHING -> ESTABLISHED \n"), printed);
    assertTrue(printed.contains("ESTABLISHED -> ESTABLISHED RENEWED"), printed);
    assertTrue(printed.contains("restored true true"), printed);
    assertTrue(printed.contains("ESTABLISHED -> NOT_LOGGED_IN LOGGED_OUT"), printed);
    assertTrue(printed.contains("stored false"), printed);
  }

  /** Runs the ```java block under "### Java" that declares {@code name}, with
   * the server's target and a file to keep a session in; returns its output. */
  private String run(String name) throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    Matcher section = Pattern.compile("### Java\\n(.*?)\\n### ", Pattern.DOTALL).matcher(readme);
    assertTrue(section.find(), "no ### Java section");
    Matcher block = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(section.group(1));
    String source = null;
    while (block.find()) {
      if (block.group(1).contains("public class " + name + " ")) {
        source = block.group(1);
      }
    }
    assertNotNull(source, "no java example declaring " + name + " under ### Java");
    Path dir = Files.createTempDirectory("sa-readme-");
    Files.writeString(dir.resolve(name + ".java"), source);
    String classpath = Files.readString(Path.of("clients/java/build/classpath")).trim();
    int rc = ToolProvider.getSystemJavaCompiler().run(null, null, null,
        "-nowarn", "-cp", classpath, "-d", dir.toString(), dir.resolve(name + ".java").toString());
    assertEquals(0, rc, "the example does not compile");
    var out = new ByteArrayOutputStream();
    PrintStream stdout = System.out;
    String[] args = {null, dir.resolve("session.json").toString()};
    try (var server = TestServer.start();
        var loader = new URLClassLoader(new URL[] {dir.toUri().toURL()},
            getClass().getClassLoader())) {
      args[0] = server.target;
      System.setOut(new PrintStream(out, true));
      loader.loadClass(name).getMethod("main", String[].class).invoke(null, (Object) args);
    } finally {
      System.setOut(stdout);
    }
    return out.toString();
  }
}
