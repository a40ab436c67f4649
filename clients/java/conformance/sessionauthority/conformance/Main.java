package sessionauthority.conformance;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Java client's conformance program: runs one case of
 * conformance/CASES.md against a live server, prints one JSON line of what
 * it observed, and exits 0 only when every check passed.
 *
 *   java -cp ... sessionauthority.conformance.Main --case lifecycle --target 127.0.0.1:50051 ...
 */
public final class Main {
  private static final String[] FLAGS = {"case", "target", "api-key", "other-api-key",
      "revoked-api-key", "tls-target", "mtls-target", "ca", "cert", "key", "control", "prefix"};

  public static void main(String[] argv) throws Exception {
    Map<String, String> flags = new LinkedHashMap<>();
    for (String f : FLAGS) {
      flags.put(f, "");
    }
    for (int i = 0; i < argv.length; i++) {
      String a = argv[i];
      if (!a.startsWith("--")) {
        continue;
      }
      String name = a.substring(2);
      String value = "";
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (i + 1 < argv.length) {
        value = argv[++i];
      }
      flags.put(name, value);
    }
    Args args = new Args(flags);
    Map<String, Common.Case> cases = new LinkedHashMap<>();
    cases.putAll(CoreCases.ALL);
    cases.putAll(VerifierCases.ALL);
    cases.putAll(ManagedCases.ALL);
    ObjectMapper json = new ObjectMapper();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("case", args.caseName);
    Common.Case run = cases.get(args.caseName);
    int code;
    if (run == null) {
      out.put("ok", false);
      out.put("error", "not implemented");
      code = 1;
    } else {
      try {
        Map<String, Object> observed = run.run(args);
        out.put("ok", true);
        out.putAll(observed);
        code = 0;
      } catch (Throwable e) {
        e.printStackTrace();
        out.put("ok", false);
        out.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
        code = 1;
      }
    }
    System.out.println(json.writeValueAsString(out));
    System.out.flush();
    // Exit explicitly: a case that failed midway may leave a stream open.
    System.exit(code);
  }

  /** The runner's arguments. */
  public static final class Args {
    final String caseName, target, apiKey, otherApiKey, revokedApiKey, tlsTarget, mtlsTarget;
    final String ca, cert, key, control, prefix;

    Args(Map<String, String> f) {
      caseName = f.get("case");
      target = f.get("target");
      apiKey = f.get("api-key");
      otherApiKey = f.get("other-api-key");
      revokedApiKey = f.get("revoked-api-key");
      tlsTarget = f.get("tls-target");
      mtlsTarget = f.get("mtls-target");
      ca = f.get("ca");
      cert = f.get("cert");
      key = f.get("key");
      control = f.get("control");
      prefix = f.get("prefix").isEmpty() ? "java" : f.get("prefix");
    }
  }
}
