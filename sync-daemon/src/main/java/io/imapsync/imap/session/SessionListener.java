package io.imapsync.imap.session;

import io.imapsync.imap.protocol.ImapResponse;

/**
 * Receives what the server pushes: every untagged response, whether a command is in flight or
 * not, on the session's event loop. Implementations must not block.
 */
public interface SessionListener {
  default void onUntagged(ImapSession session, ImapResponse response) {}

  /** The connection is gone; {@code cause} is null for an orderly close. */
  default void onClosed(ImapSession session, Throwable cause) {}

  SessionListener NONE = new SessionListener() {};
}
