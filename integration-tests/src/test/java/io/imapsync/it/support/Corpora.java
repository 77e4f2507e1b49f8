package io.imapsync.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * The shared email corpora (shared/corpora, see its README): beside the repository clone, so
 * {@code ../../shared/corpora} from a module directory. {@code -Dimapsync.corpora=DIR} (or the
 * environment variable IMAPSYNC_CORPORA) points elsewhere. Missing corpora skip a test locally and
 * fail it under CI ({@code CI=true}), like a missing Dovecot.
 */
public final class Corpora {
  private Corpora() {}

  public static Path root() {
    String p = System.getProperty("imapsync.corpora", System.getenv("IMAPSYNC_CORPORA"));
    return p != null && !p.isBlank() ? Path.of(p) : Path.of("..", "..", "shared", "corpora");
  }

  /**
   * The messages of one corpus folder (e.g. {@code notmuch/lkml}): every regular file below it
   * (maildir cur/ and new/ entries, or plain files), sorted by path.
   */
  public static List<Path> maildir(String folder) {
    Path dir = root().resolve(folder);
    if (!Files.isDirectory(dir)) {
      String why = "corpus " + dir.toAbsolutePath().normalize() + " not found (-Dimapsync.corpora=DIR)";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new IllegalStateException(why);
      }
      Assumptions.abort(why);
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile)
          .filter(f -> !f.getFileName().toString().startsWith("."))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
