package io.imapsync.imap.session;

import io.imapsync.imap.protocol.Condition;
import io.imapsync.imap.protocol.Printable;
import io.imapsync.imap.protocol.ResponseCode;

/** A command ended with a tagged NO or BAD. */
public final class ImapCommandException extends RuntimeException {
  private final String command;
  private final Condition condition;
  private final transient ResponseCode code;

  public ImapCommandException(String command, Condition condition, ResponseCode code, String text) {
    super(command + " failed: " + condition + " " + Printable.of(text, 200));
    this.command = command;
    this.condition = condition;
    this.code = code;
  }

  public String command() {
    return command;
  }

  public Condition condition() {
    return condition;
  }

  public ResponseCode code() {
    return code;
  }
}
