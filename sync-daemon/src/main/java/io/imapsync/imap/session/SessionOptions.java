package io.imapsync.imap.session;

import java.time.Duration;

/**
 * Timing of one session. Defaults are named constants so docs can point at them.
 *
 * @param commandTimeout      longest wait for a command's tagged response (the connection is closed
 *                            after it: tags can no longer be matched)
 * @param silenceTimeout      no byte at all for this long: probe with DONE + NOOP, close if that
 *                            gets no answer within {@code probeTimeout}
 * @param probeTimeout        how long the NOOP probe may take
 */
public record SessionOptions(Duration commandTimeout, Duration silenceTimeout, Duration probeTimeout) {
  public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(120);
  /** Inside the 350 s after which NAT gateways drop idle TCP (FIELD-NOTES). */
  public static final Duration DEFAULT_SILENCE_TIMEOUT = Duration.ofSeconds(300);
  public static final Duration DEFAULT_PROBE_TIMEOUT = Duration.ofSeconds(20);

  public static final SessionOptions DEFAULTS =
      new SessionOptions(DEFAULT_COMMAND_TIMEOUT, DEFAULT_SILENCE_TIMEOUT, DEFAULT_PROBE_TIMEOUT);

  public SessionOptions {
    if (commandTimeout.isNegative() || commandTimeout.isZero() || silenceTimeout.isNegative()
        || silenceTimeout.isZero() || probeTimeout.isNegative() || probeTimeout.isZero()) {
      throw new IllegalArgumentException("session timeouts must be positive");
    }
  }
}
