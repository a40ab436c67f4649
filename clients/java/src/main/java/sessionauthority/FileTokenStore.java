package sessionauthority;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;

/** A JSON file, owner-only (0600), replaced atomically: the Python SDK's format. */
public final class FileTokenStore implements TokenStore {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();
  private final Path path;

  public FileTokenStore(Path path) {
    this.path = path.toAbsolutePath();
  }

  public Path path() { return path; }

  @Override
  public Map<String, Object> load() {
    try {
      Object record = JSON.readValue(path.toFile(), Object.class);
      if (record instanceof Map<?, ?>) {
        return JSON.convertValue(record, new TypeReference<Map<String, Object>>() {});
      }
      return null;
    } catch (IOException e) {
      return null; // missing, unreadable or torn: as good as none
    }
  }

  @Override
  public void save(Map<String, Object> record) {
    byte[] body;
    try {
      body = JSON.writeValueAsBytes(record);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // Beside the target so that the rename stays on one filesystem (and so
    // is atomic): a reader sees the old record or the new, never half.
    byte[] nonce = new byte[6];
    RANDOM.nextBytes(nonce);
    Path tmp = path.resolveSibling(
        ".session-" + path.getFileName() + "-" + HexFormat.of().formatHex(nonce) + ".tmp");
    try {
      // CREATE_NEW with the mode given at creation: the file is 0600 before
      // any secret is in it, and a planted file or symlink is refused.
      try (FileChannel ch = FileChannel.open(tmp,
          Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), ownerOnly())) {
        ByteBuffer buf = ByteBuffer.wrap(body);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      try {
        Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // the first error is the one to report
      }
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void clear() {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static FileAttribute<?>[] ownerOnly() {
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      return new FileAttribute<?>[] {
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))};
    }
    return new FileAttribute<?>[0]; // elsewhere, the directory's ACL decides
  }
}
