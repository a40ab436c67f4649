package sessionauthority;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Checks access tokens without a call per token, as the Python SDK's
 * LocalVerifier does: EdDSA signatures against GetJwks' keys (fetched again
 * on an unknown kid, at most once a second), this tenant's issuer, audience
 * and {@code tnt}, and ended sessions from a snapshot plus a watch of ending
 * events ({@link RevocationFeed}). It fails closed: until caught up, after
 * {@code failClosedAfter} of silence and while re-snapshotting every answer
 * is reason {@code UNKNOWN}: ask the server. Thread-safe.
 */
public final class LocalVerifier implements AutoCloseable {
  /** reason is "" when valid; else UNKNOWN, TOKEN_EXPIRED, MALFORMED, BAD_SIGNATURE,
   * SESSION_NOT_FOUND (another tenant's token), SESSION_REVOKED, _TERMINATED or _EXPIRED. */
  public record Verification(
      boolean valid, String reason, String sessionId, String subjectId, long expiresAt) {
    static Verification refused(String reason) { return new Verification(false, reason, "", "", 0); }
  }

  public static final class Options {
    final SessionAuthorityClient.Options client = new SessionAuthorityClient.Options();
    String audience = "session-authority";
    String issuer = "session-authority";
    String tenant;
    Duration failClosedAfter = Duration.ofSeconds(15);
    Duration revocationWindow = Duration.ofHours(1);
    int cacheSize = 10_000;

    public Options apiKey(String v) { client.apiKey(v); return this; }
    public Options tls(SessionAuthorityClient.Tls v) { client.tls(v); return this; }
    /** Used only with a server too old to name them in GetJwks. */
    public Options audience(String v) { audience = v; return this; }
    public Options issuer(String v) { issuer = v; return this; }
    /** If given, must be the API key's tenant. */
    public Options tenant(String v) { tenant = v; return this; }
    public Options failClosedAfter(Duration v) { failClosedAfter = v; return this; }
    /** How long an ended session is remembered: keep it above the access token TTL. */
    public Options revocationWindow(Duration v) { revocationWindow = v; return this; }
    public Options cacheSize(int v) { cacheSize = v; return this; }
  }

  private record Claims(String sid, String sub, long exp) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  // DER prefix of an X.509 SubjectPublicKeyInfo for Ed25519 (OID 1.3.101.112).
  private static final byte[] ED25519_PREFIX = {
      0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
  private static final ThreadLocal<Signature> ED25519 = ThreadLocal.withInitial(() -> {
    try {
      return Signature.getInstance("Ed25519");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  });

  private final SessionAuthorityClient client;
  private final String legacyAudience;
  private volatile String audience;
  private volatile String issuer;
  private volatile String tenant;
  private volatile Map<String, PublicKey> keys = Map.of();
  private long keysFetched; // System.nanoTime(); guarded by this
  private final Map<String, Claims> verified;
  private final RevocationFeed feed;

  public LocalVerifier(String target, Options o) {
    this.client = new SessionAuthorityClient(target, o.client);
    this.legacyAudience = o.audience;
    this.audience = o.audience;
    this.issuer = o.issuer;
    this.tenant = o.tenant;
    int cap = o.cacheSize;
    this.verified = java.util.Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Claims> eldest) {
        return size() > cap;
      }
    });
    this.feed = new RevocationFeed(client, o.failClosedAfter, o.revocationWindow);
  }

  /** Fetches the keys (throws if the server cannot be reached) and starts the feed. */
  public LocalVerifier start() {
    synchronized (this) {
      fetchKeys();
    }
    feed.start();
    return this;
  }

  @Override
  public void close() {
    feed.stop();
    client.close(); // ends the stream the feed's thread is blocked on
    try {
      feed.join(Duration.ofSeconds(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits until answers are no longer UNKNOWN. */
  public boolean waitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (healthy()) {
        return true;
      }
      Watch.sleep(0.01);
    }
    return healthy();
  }

  public boolean healthy() { return feed.healthy(); }
  /** The revision the view of ended sessions is at. */
  public long revision() { return feed.revision(); }
  /** Snapshots taken: 1 after a start, more after each re-snapshot. */
  public int snapshots() { return feed.snapshots(); }
  public String tenant() { return tenant; }
  /** Why the revocation stream stopped for good, if it did. */
  public SessionAuthorityException error() { return feed.error(); }

  public Verification verify(String accessToken) {
    if (!healthy()) {
      return Verification.refused("UNKNOWN");
    }
    Claims claims = verified.get(accessToken);
    if (claims == null) {
      Object outcome = decode(accessToken);
      if (outcome instanceof Verification v) {
        return v;
      }
      claims = (Claims) outcome;
      verified.put(accessToken, claims);
    }
    if (claims.exp <= System.currentTimeMillis() / 1000.0) {
      return new Verification(false, "TOKEN_EXPIRED", claims.sid, claims.sub, claims.exp);
    }
    String ended = feed.ended(claims.sid);
    if (ended != null) {
      return new Verification(false, ended, claims.sid, claims.sub, claims.exp);
    }
    return new Verification(true, "", claims.sid, claims.sub, claims.exp);
  }

  // The checks a JWT library makes: EdDSA only, a kid from the server's
  // JWKS, the signature over the exact bytes received, then iss, aud, claims.
  private Object decode(String token) {
    String[] parts = token.split("\\.", -1);
    JsonNode header;
    byte[] signature;
    try {
      if (parts.length != 3) {
        return Verification.refused("MALFORMED");
      }
      header = JSON.readTree(b64(parts[0]));
      if (header == null || !header.isObject() || !"EdDSA".equals(text(header.get("alg")))) {
        return Verification.refused("MALFORMED");
      }
      signature = b64(parts[2]);
    } catch (Exception e) {
      return Verification.refused("MALFORMED");
    }
    JsonNode kidNode = header.get("kid");
    String kid = kidNode == null || kidNode.isNull() ? "" : kidNode.asText();
    PublicKey key = keys.get(kid);
    if (key == null) {
      key = refetchFor(kid);
    }
    if (key == null || signature.length != 64) {
      // A key we cannot get: a forgery, or a rotation we cannot see.
      return Verification.refused("BAD_SIGNATURE");
    }
    try {
      byte[] signed = StandardCharsets.US_ASCII.newEncoder()
          .encode(java.nio.CharBuffer.wrap(parts[0] + "." + parts[1])).array();
      int n = parts[0].length() + 1 + parts[1].length();
      Signature verifier = ED25519.get();
      verifier.initVerify(key);
      verifier.update(signed, 0, n);
      if (!verifier.verify(signature)) {
        return Verification.refused("BAD_SIGNATURE");
      }
    } catch (CharacterCodingException | GeneralSecurityException e) {
      return Verification.refused("BAD_SIGNATURE");
    }
    JsonNode claims;
    try {
      claims = JSON.readTree(b64(parts[1]));
    } catch (Exception e) {
      return Verification.refused("MALFORMED");
    }
    String problem = claimsProblem(claims);
    if (!problem.isEmpty()) {
      return Verification.refused(problem);
    }
    return new Claims(claims.get("sid").asText(), claims.get("sub").asText(),
        claims.get("exp").asLong());
  }

  private String claimsProblem(JsonNode c) {
    if (c == null || !c.isObject() || !issuer.equals(text(c.get("iss")))) {
      return "MALFORMED";
    }
    String t = tenant;
    if (t != null && !t.equals(text(c.get("tnt")))) {
      // Another tenant's token (all tenants share one key ring): as
      // ValidateSession says, there is no such session here.
      return "SESSION_NOT_FOUND";
    }
    String aud = text(c.get("aud"));
    if (aud == null || !(aud.equals(audience) || aud.equals(legacyAudience))) {
      return "MALFORMED";
    }
    boolean ok = c.path("sid").isTextual() && c.path("sub").isTextual()
        && c.path("exp").isIntegralNumber();
    return ok ? "" : "MALFORMED";
  }

  private static String text(JsonNode n) {
    return n != null && n.isTextual() ? n.asText() : null;
  }

  // Callers hold this verifier's lock.
  private void fetchKeys() {
    var jwks = client.getJwks();
    if (!jwks.getTenant().isEmpty()) {
      if (tenant != null && !tenant.equals(jwks.getTenant())) {
        throw new IllegalArgumentException("this API key belongs to tenant '"
            + jwks.getTenant() + "', not '" + tenant + "'");
      }
      tenant = jwks.getTenant();
      audience = jwks.getAudience();
      issuer = jwks.getIssuer();
    }
    keys = ed25519Keys(jwks.getJwksJson());
    keysFetched = System.nanoTime();
  }

  private synchronized PublicKey refetchFor(String kid) {
    if (!keys.containsKey(kid) && System.nanoTime() - keysFetched >= 1_000_000_000L) {
      // A rotation comes with a restart: without this, a channel still in
      // its reconnect backoff fails the fetch at once and the new kid is
      // refused for a second.
      client.channel.resetConnectBackoff();
      try {
        fetchKeys();
      } catch (SessionAuthorityException e) {
        keysFetched = System.nanoTime();
      }
    }
    return keys.get(kid);
  }

  /** The JWKS's Ed25519 public keys (RFC 8037 OKP) by kid; others are skipped. */
  static Map<String, PublicKey> ed25519Keys(String jwksJson) {
    Map<String, PublicKey> out = new HashMap<>();
    JsonNode all;
    try {
      all = JSON.readTree(jwksJson).path("keys");
    } catch (Exception e) {
      return out;
    }
    for (JsonNode jwk : all) {
      if (!jwk.isObject() || !"OKP".equals(text(jwk.get("kty")))
          || !"Ed25519".equals(text(jwk.get("crv")))) {
        continue;
      }
      JsonNode alg = jwk.get("alg");
      String kid = jwk.path("kid").asText("");
      if ((alg != null && !"EdDSA".equals(alg.asText())) || kid.isEmpty()) {
        continue;
      }
      try {
        byte[] raw = b64(jwk.path("x").asText(""));
        if (raw.length != 32) {
          continue;
        }
        byte[] der = new byte[ED25519_PREFIX.length + 32];
        System.arraycopy(ED25519_PREFIX, 0, der, 0, ED25519_PREFIX.length);
        System.arraycopy(raw, 0, der, ED25519_PREFIX.length, 32);
        out.put(kid, KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der)));
      } catch (IllegalArgumentException | GeneralSecurityException e) {
        // An unusable key is skipped, as a key of another type is.
      }
    }
    return Map.copyOf(out);
  }

  static byte[] b64(String part) {
    int end = part.length();
    while (end > 0 && part.charAt(end - 1) == '=') {
      end--;
    }
    return Base64.getUrlDecoder().decode(part.substring(0, end));
  }
}
