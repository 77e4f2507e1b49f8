package io.imapsync.peers;

import java.util.List;

/** A way of holding many mailboxes in IDLE that we compare ourselves with (bench --peers). */
public interface IdlePeer {
  /**
   * Starts connecting every mailbox (LOGIN, INBOX opened read-only, IDLE) and returns without
   * waiting; the tally says how it goes. Each new message must reach {@code arrivals} once.
   */
  void start(List<Mailbox> mailboxes, int connectConcurrency, ConnectTally tally, Arrivals arrivals) throws Exception;
}
