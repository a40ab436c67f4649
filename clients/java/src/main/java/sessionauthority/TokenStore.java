package sessionauthority;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a {@link ManagedSession} keeps its session across restarts: one
 * record, as the Python and TypeScript SDKs store it ({@link StoredSession}'s
 * fields), so processes in either language can take up each other's session.
 * Synchronous: a session saves from its scheduler's thread, and a record is a
 * few hundred bytes. Refresh tokens are secrets: implement this over a
 * keychain or a secret manager, or use {@link FileTokenStore}.
 */
public interface TokenStore {
  /** The stored record, or null if there is none. */
  Map<String, Object> load();

  void save(Map<String, Object> record);

  void clear();

  /** For tests and short-lived processes. */
  final class Memory implements TokenStore {
    private Map<String, Object> record;

    @Override
    public synchronized Map<String, Object> load() {
      return record == null ? null : new LinkedHashMap<>(record);
    }

    @Override
    public synchronized void save(Map<String, Object> record) {
      this.record = new LinkedHashMap<>(record);
    }

    @Override
    public synchronized void clear() {
      record = null;
    }
  }
}
