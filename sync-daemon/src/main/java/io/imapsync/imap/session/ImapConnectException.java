package io.imapsync.imap.session;

/** The connection could not be made, was refused, or was lost. */
public final class ImapConnectException extends RuntimeException {
  public ImapConnectException(String message, Throwable cause) {
    super(message, cause);
  }
}
