package io.imapsync.imap.protocol;

import io.netty.handler.codec.DecoderException;

/** A response crossed one of the {@link ImapLimits}; the session that got it is closed. */
public final class ImapLimitExceededException extends DecoderException {
  private final String bound;
  private final long actual;
  private final long maximum;

  public ImapLimitExceededException(String bound, long actual, long maximum) {
    super(bound + " (" + actual + ") exceeds the allowed maximum (" + maximum + ")");
    this.bound = bound;
    this.actual = actual;
    this.maximum = maximum;
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
