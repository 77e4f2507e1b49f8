package io.imapsync.normalize.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The shared corpora loaded into memory, for the benchmarks in this package. */
record Corpus(Path root, List<String> names, List<byte[]> messages, long totalOctets) {

  /** Where the corpora are from the repository root and from a module directory. */
  static final List<Path> CANDIDATES = List.of(Path.of("..", "shared", "corpora"),
      Path.of("..", "..", "shared", "corpora"));

  static Corpus load(Path explicit) {
    Path root = explicit;
    if (root == null) {
      root = CANDIDATES.stream().filter(Files::isDirectory).findFirst().orElseThrow(() -> new IllegalStateException(
          "shared corpora not found (tried " + CANDIDATES.stream().map(p -> p.toAbsolutePath().normalize()).toList()
              + "); pass --corpus DIR"));
    }
    List<String> names = new ArrayList<>();
    List<byte[]> messages = new ArrayList<>();
    long total = 0;
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
        String name = p.getFileName().toString();
        if (name.equals("README.md") || name.startsWith(".")) {
          continue;
        }
        byte[] b = Files.readAllBytes(p);
        names.add(root.relativize(p).toString().replace('\\', '/'));
        messages.add(b);
        total += b.length;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + root.toAbsolutePath(), e);
    }
    if (messages.isEmpty()) {
      throw new IllegalStateException("no messages under " + root.toAbsolutePath());
    }
    return new Corpus(root.toAbsolutePath().normalize(), names, messages, total);
  }

  /** {@code --name value} from the arguments, or null. */
  static String option(String[] args, String name) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return null;
  }

  /** {@code target/FILE} of the module when run from the repository root or from the module. */
  static Path output(String[] args, String file) {
    String explicit = option(args, "--out");
    if (explicit != null) {
      return Path.of(explicit);
    }
    Path module = Path.of("sync-daemon", "target");
    return Files.isDirectory(module) ? module.resolve(file) : Path.of("target", file);
  }
}
