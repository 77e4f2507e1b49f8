package io.imapsync.imap.session;

/** A command or a liveness probe got no answer in time; the connection is closed. */
public final class ImapTimeoutException extends RuntimeException {
  public ImapTimeoutException(String message) {
    super(message);
  }
}
