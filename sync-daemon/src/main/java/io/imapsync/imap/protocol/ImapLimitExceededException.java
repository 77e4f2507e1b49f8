package io.imapsync.imap.protocol;

import io.netty.handler.codec.DecoderException;

/** A response crossed one of the {@link ImapLimits}; the session that got it is closed. */
public final class ImapLimitExceededException extends DecoderException {
  private final String bound;
  private final long actual;
  private final long maximum;

  public ImapLimitExceededException(String bound, long actual, long maximum) {
    this(bound, actual, maximum, Long.toString(actual));
  }

  private ImapLimitExceededException(String bound, long actual, long maximum, String actualText) {
    super(bound + " (" + actualText + ") exceeds the allowed maximum (" + maximum + ")");
    this.bound = bound;
    this.actual = actual;
    this.maximum = maximum;
  }

  /**
   * For a declared number too long to represent: {@code actual()} saturates at
   * {@link Long#MAX_VALUE} and the message gives the digit count instead of a made-up value.
   */
  static ImapLimitExceededException ofDigits(String bound, int digits, long maximum) {
    return new ImapLimitExceededException(bound, Long.MAX_VALUE, maximum, "a number of " + digits + " digits");
  }

  /** Which bound: "line length", "literal size", "literals per response", "response size", "nesting depth". */
  public String bound() {
    return bound;
  }

  public long actual() {
    return actual;
  }

  public long maximum() {
    return maximum;
  }
}
