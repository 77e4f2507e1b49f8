package io.imapsync.bench;

import java.nio.file.Path;
import java.util.List;

/**
 * The peers {@code bench initial-sync --peers} compares the daemon's initial sync with: the same
 * folder of the same Dovecot fetched whole, parsed and appended to a Redis stream, each peer a
 * process of its own (io.imapsync.peers.AngusSyncPeer, peers/imapflow/sync.mjs).
 */
public enum SyncPeerKind {
  /** Angus (Jakarta Mail): chunks of 500 messages, one FETCH each with the whole message. */
  ANGUS("angus", "Angus 2.0.5, FETCH of 500 whole messages at a time (FetchProfileItem.MESSAGE), MimeMessage"),
  /** ImapFlow on Node.js: one streamed FETCH 1:*, mailparser, ioredis. */
  IMAPFLOW("imapflow", "ImapFlow 2.10.2 (Node.js), one streamed FETCH 1:*, mailparser 3.7.2, ioredis");

  private final String id;
  private final String description;

  SyncPeerKind(String id, String description) {
    this.id = id;
    this.description = description;
  }

  public String id() {
    return id;
  }

  public String description() {
    return description;
  }

  /** The command that starts this peer ({@code classpath} holds the Java peer; {@code root} is the project). */
  public List<String> command(String classpath, Path root) {
    if (this == IMAPFLOW) {
      return List.of("bash", root.resolve("integration-tests/peers/imapflow/peer.sh").toString(), "sync");
    }
    return List.of(LoadSimProcess.javaBin(), "-cp", classpath, "io.imapsync.peers.AngusSyncPeer");
  }

  /** {@code all}, or names separated by commas. */
  public static List<SyncPeerKind> parse(String spec) {
    return PeerNames.parse(spec, values(), SyncPeerKind::id, "initial-sync peer");
  }
}
