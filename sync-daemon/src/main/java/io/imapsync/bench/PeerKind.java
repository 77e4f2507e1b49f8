package io.imapsync.bench;

import java.nio.file.Path;
import java.util.List;

/**
 * The peers {@code bench --peers} compares the daemon with, each run as a process of its own
 * speaking the same JSON-line protocol (io.imapsync.peers.PeerMain, peers/imapflow/peer.mjs).
 */
public enum PeerKind {
  /** Angus (Jakarta Mail): a platform thread per mailbox blocking in IMAPFolder.idle(). */
  ANGUS_THREAD("angus-thread", "Angus 2.0.5, a thread per mailbox in IMAPFolder.idle()"),
  /** Angus's IdleManager: one selector thread, SocketChannels, events on one executor task. */
  ANGUS_IDLEMANAGER("angus-idlemanager", "Angus 2.0.5 IdleManager (one selector thread)"),
  /** ImapFlow 2.10.2 on Node.js: one client per mailbox in one process, auto-IDLE with no delay. */
  IMAPFLOW("imapflow", "ImapFlow 2.10.2 (Node.js), a client per mailbox, autoIdleDelay 0");

  private final String id;
  private final String description;

  PeerKind(String id, String description) {
    this.id = id;
    this.description = description;
  }

  public String id() {
    return id;
  }

  public String description() {
    return description;
  }

  /**
   * The command that starts this peer; {@code classpath} holds the Java peers (the load simulator
   * jar, or a test's class path), {@code root} is the project's directory.
   */
  public List<String> command(String classpath, Path root) {
    if (this == IMAPFLOW) {
      return List.of("bash", root.resolve("integration-tests/peers/imapflow/peer.sh").toString());
    }
    return List.of(LoadSimProcess.javaBin(), "-cp", classpath, "io.imapsync.peers.PeerMain", "--peer", id);
  }

  /** {@code all}, or names separated by commas. */
  public static List<PeerKind> parse(String spec) {
    return PeerNames.parse(spec, values(), PeerKind::id, "peer");
  }
}
