package io.imapsync.peers;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the peer harness tests find the peers' scripts, and whether Node.js can run them. */
final class PeerScripts {
  private PeerScripts() {}

  /** The project's directory: the first above the working directory holding integration-tests/peers. */
  static Path projectRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isDirectory(dir.resolve("integration-tests/peers"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("run from inside the project: no integration-tests/peers above " + Path.of("").toAbsolutePath());
    }
    return dir;
  }

  static boolean nodeInstalled() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, "node"))) {
        return true;
      }
    }
    return false;
  }
}
