package io.imapsync.bench;

/** How much of the daemon's job a peer does per new message ({@code bench --peer-work}). */
public enum PeerWork {
  /**
   * The daemon's job: the message fetched whole, parsed (text and HTML parts), a JSON document of
   * it appended to a Redis stream; the clock stops when the benchmark's reader gets the entry,
   * as it stops for the daemon's event. Like for like.
   */
  FULL("full"),
  /** Only the envelope fetched; the clock stops when the peer has the Message-ID in hand. */
  ENVELOPE("envelope");

  private final String id;

  PeerWork(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }

  public static PeerWork parse(String spec) {
    for (PeerWork w : values()) {
      if (w.id.equalsIgnoreCase(spec.strip())) {
        return w;
      }
    }
    throw new IllegalArgumentException("unknown peer work '" + spec + "'; known: full, envelope");
  }
}
